// Package outputtest checks the text an example program printed.
package outputtest

import (
	"strings"
	"testing"
)

// Contains fails t for each of wants that out lacks, then shows out once:
// a failure names every missing line next to what the program printed
// instead.
func Contains(t testing.TB, out string, wants ...string) {
	t.Helper()
	lacking := false
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
			lacking = true
		}
	}
	if lacking {
		t.Logf("the output:\n%s", out)
	}
}
