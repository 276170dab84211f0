package outputtest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what a check reports.
type recorder struct {
	testing.TB
	errors, logs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}
func (r *recorder) Logf(format string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(format, a...)) }

func TestContainsNamesEachMissingLineAndShowsTheOutputOnce(t *testing.T) {
	r := &recorder{TB: t}
	Contains(r, "connected as Bob\nsummary: 1 job\n", "connected as Bob", "Recipes:", "summary: 2 jobs")
	if want := []string{`output lacks "Recipes:"`, `output lacks "summary: 2 jobs"`}; strings.Join(r.errors, "|") != strings.Join(want, "|") {
		t.Errorf("errors %q, want %q", r.errors, want)
	}
	if len(r.logs) != 1 || !strings.Contains(r.logs[0], "summary: 1 job") {
		t.Errorf("logs %q, want the output once", r.logs)
	}
}

func TestContainsIsQuietWhenEveryLineIsThere(t *testing.T) {
	r := &recorder{TB: t}
	Contains(r, "a\nb\n", "a", "b")
	if len(r.errors) != 0 || len(r.logs) != 0 {
		t.Errorf("errors %q, logs %q, want none", r.errors, r.logs)
	}
}
