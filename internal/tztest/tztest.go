package tztest

import (
	"testing"
	"time"
	_ "time/tzdata" // named zones without relying on the system's database
)

// Load returns the named zone, or fails the test.
func Load(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}
