package jql

import (
	"errors"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	``,
	`project = DEMO AND updated >= 1700000000000 AND status != Done ORDER BY updated ASC`,
	`project in (A, "B c") or not status = 'x\'y' and (labels is empty OR assignee = currentUser())`,
	`summary ~ "\"login failed\"" AND text ~ "fail*" ORDER BY key DESC, priority`,
	`created >= startOfDay("-1d") AND updated < endOfMonth("+1M") AND due <= "+1d"`,
	`created > "2024-01-01 10:05" OR created < "2024/01/01" OR created = "4w 2d"`,
	`cf[10010] > 3 AND customfield_10011 !~ x AND "Story Points" in (1, 2, EMPTY)`,
	`key > DEMO-9 AND issuekey in (DEMO-1, 10001) AND id != 5`,
	`!(a = 1 || b = 2) && c is not null`,
	`status was Open`,
	`a = b%`,
	`summary ~ "unterminated`,
	`summary ~ 'bad \q escape'`,
	"project = DEMO\nAND status = Done",
	`((((((a = 1))))))`,
	`ORDER BY a, b, c, d, e, f, g, h`,
	`priority > Low ORDER BY priority DESC`,
	`assignee = "\u00e9\u0000"`,
	"status = \xff\xfe",
}

// FuzzParse checks that Parse never panics, that every error is an *Error,
// that the canonical form of a parsed query reads back to itself, and that
// compiling, matching and comparing a parsed query never panic.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	env := Env{Now: time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC), CurrentUser: []string{"alana@example.com"}}
	var r Record = demo
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("Parse(%q) error %T is not *Error: %v", src, err, err)
			}
			if je.Pos > len(src) || je.Msg == "" || je.Error() == "" {
				t.Fatalf("Parse(%q): malformed error %#v", src, je)
			}
			return
		}
		canonical := q.String()
		q2, err := Parse(canonical)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canonical, src, err)
		}
		if again := q2.String(); again != canonical {
			t.Fatalf("canonical form is not stable for %q:\n  %q\n  %q", src, canonical, again)
		}
		if q.Bounded() != q2.Bounded() || q.HasOrderBy() != q2.HasOrderBy() {
			t.Fatalf("canonical form %q changes Bounded or HasOrderBy", canonical)
		}
		m, err := q.Compile(env)
		if err != nil {
			t.Fatalf("Compile(%q) of a parsed query: %v", src, err)
		}
		got := m.Match(r)
		m2, err := q2.Compile(env)
		if err != nil {
			t.Fatalf("Compile(%q): %v", canonical, err)
		}
		if m2.Match(r) != got {
			t.Fatalf("%q and its canonical form %q disagree", src, canonical)
		}
		_ = q.Compare(r, r)
		_ = q.ValidateFields(func(string) bool { return true })
	})
}
