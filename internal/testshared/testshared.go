package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of the shared folder beside the module
// root, or skips the test with a message when it is absent (a user's clone).
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Skipf("shared reference material not found: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("shared reference material not found: no go.mod above the test's directory")
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "jira", "openapi-v2.json")); err != nil {
		tb.Skipf("skipping: the shared Jira reference material (%s) is absent; it is only present beside the project's own checkout", shared)
	}
	return shared
}

// Path returns the absolute path of a file under the shared folder, or
// skips the test when the folder is absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
