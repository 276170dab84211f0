package trigger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/tztest"
	"github.com/recipekit/recipekit/trigger"
)

func mustCron(t *testing.T, expr string, loc *time.Location) *trigger.Schedule {
	t.Helper()
	s, err := trigger.Cron(expr, loc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestCronNext(t *testing.T) {
	ny := tztest.Load(t, "America/New_York")
	paris := tztest.Load(t, "Europe/Paris")
	cases := []struct {
		name  string
		expr  string
		loc   *time.Location
		after string
		want  []string // the next times, in turn, as RFC 3339 in UTC
	}{
		{"weekdays at nine in Paris", "0 9 * * MON-FRI", paris, "2026-03-06T10:00:00+01:00",
			[]string{"2026-03-09T08:00:00Z", "2026-03-10T08:00:00Z"}},
		{"every quarter hour", "*/15 * * * *", time.UTC, "2026-01-01T10:07:00Z",
			[]string{"2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z", "2026-01-01T11:00:00Z"}},
		{"exactly on a time moves past it", "0 * * * *", time.UTC, "2026-01-01T10:00:00Z",
			[]string{"2026-01-01T11:00:00Z"}},
		{"29 February waits for a leap year", "0 0 29 2 *", time.UTC, "2025-03-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"either day field matches when both are restricted", "0 0 13 * FRI", time.UTC, "2026-02-01T00:00:00Z",
			[]string{"2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z"}},
		{"Sunday is 0 and 7", "0 12 * * 7", time.UTC, "2026-01-01T00:00:00Z",
			[]string{"2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z"}},
		{"a step from a start value", "5/20 * * * *", time.UTC, "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T00:05:00Z", "2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"}},
		{"monthly macro", "@monthly", time.UTC, "2026-01-15T00:00:00Z",
			[]string{"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"}},
		// New York springs forward on 2026-03-08: 02:00 EST becomes 03:00
		// EDT (07:00Z), so 02:30 never happens that night and fires at the
		// jump, once.
		{"a skipped time fires at the jump", "30 2 * * *", ny, "2026-03-07T12:00:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
		{"times in the skipped hour fire once at the jump", "*/15 * * * *", ny, "2026-03-08T06:50:00Z",
			[]string{"2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z"}},
		// New York falls back on 2026-11-01: 02:00 EDT becomes 01:00 EST
		// (06:00Z), so 01:30 happens twice and fires at its first
		// occurrence only.
		{"a repeated time fires once", "30 1 * * *", ny, "2026-10-31T12:00:00Z",
			[]string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"the repeated hour does not fire again", "0 * * * *", ny, "2026-11-01T04:30:00Z",
			[]string{"2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"}},
		{"from inside the repeated hour", "45 1 * * *", ny, "2026-11-01T06:10:00Z",
			[]string{"2026-11-02T06:45:00Z"}},
		// Lord Howe Island moves its clock by half an hour.
		{"half-hour daylight saving", "15 2 * * *", tztest.Load(t, "Australia/Lord_Howe"), "2026-10-03T12:00:00Z",
			[]string{"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustCron(t, tc.expr, tc.loc)
			at := utc(tc.after)
			for i, w := range tc.want {
				got := s.Next(at)
				if !got.Equal(utc(w)) {
					t.Fatalf("time %d after %s: %s (%s), want %s", i+1, at.Format(time.RFC3339), got.UTC().Format(time.RFC3339), got.Format(time.RFC3339), w)
				}
				if got.Location() != tc.loc {
					t.Errorf("time %d is in %v, want the schedule's zone %v", i+1, got.Location(), tc.loc)
				}
				at = got
			}
		})
	}
}

func TestCronRejectsBadExpressions(t *testing.T) {
	cases := map[string]string{
		"61 * * * *":     "minute value 61 is outside 0-59",
		"* * *":          "has 3 fields, not 5",
		"@often":         "unknown macro @often",
		"5-1 * * * *":    "runs backwards",
		"*/0 * * * *":    "not a whole number above 0",
		"0 0 30 2 *":     "never matches",
		"0 0 * FOO *":    `month value "FOO" is neither a number from 1 to 12 nor a name such as JAN`,
		"0 0 * * 8":      "day of week value 8 is outside 0-7",
		"0 0 ,1 * *":     `the day of month field ",1" has an empty item`,
		"0 9 * * MON,x":  `day of week value "x"`,
		"* * * * * *":    "has 6 fields",
		"":               "has 0 fields",
		"0 24 * * *":     "hour value 24 is outside 0-23",
		"0 0 0 * *":      "day of month value 0 is outside 1-31",
		"0 0 1 13 *":     "month value 13 is outside 1-12",
		"0 0 1 1 * 2026": "has 6 fields",
	}
	for expr, want := range cases {
		_, err := trigger.Cron(expr, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Cron(%q) = %v, want an error saying %q", expr, err, want)
			continue
		}
		if !strings.Contains(err.Error(), "five fields") && !strings.Contains(err.Error(), "never matches") {
			t.Errorf("Cron(%q) error does not say how to write one: %v", expr, err)
		}
	}
	if _, err := trigger.Every(time.Millisecond); err == nil || !strings.Contains(err.Error(), "at least one second") {
		t.Errorf("Every(1ms) = %v", err)
	}
}

func TestEveryIsAlignedToTheEpoch(t *testing.T) {
	s, err := trigger.Every(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(utc("2026-01-01T10:20:00Z")); !got.Equal(utc("2026-01-01T11:00:00Z")) {
		t.Errorf("next hour after 10:20 = %s", got)
	}
	if got := s.Next(utc("2026-01-01T11:00:00Z")); !got.Equal(utc("2026-01-01T12:00:00Z")) {
		t.Errorf("next hour after 11:00 = %s", got)
	}
	s, _ = trigger.Every(7 * time.Minute)
	if got := s.Next(time.Unix(0, 0)); !got.Equal(time.Unix(7*60, 0)) {
		t.Errorf("Every(7m) after the epoch = %s", got)
	}
	if got := s.Next(time.Unix(-1, 0)); !got.Equal(time.Unix(0, 0)) {
		t.Errorf("Every(7m) just before the epoch = %s", got)
	}
}

// due calls Due and checks the page has at most one event.
func due(t *testing.T, s *trigger.Schedule, cursor trigger.Cursor, now time.Time) (*trigger.Event[trigger.Tick], trigger.Cursor, time.Time) {
	t.Helper()
	p, next, err := s.Due(cursor, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.More || len(p.Events) > 1 {
		t.Fatalf("page %+v: a schedule fires at most once per call", p)
	}
	if !next.After(now) {
		t.Errorf("next run %s is not after now %s", next, now)
	}
	if len(p.Events) == 0 {
		return nil, p.Next, next
	}
	return &p.Events[0], p.Next, next
}

func TestScheduleDueAcrossClockChanges(t *testing.T) {
	s := mustCron(t, "0 9 * * *", tztest.Load(t, "Europe/Paris")) // 08:00Z in winter
	start := utc("2026-01-05T07:00:00Z")

	// The first look only records the start.
	ev, cur, next := due(t, s, nil, start)
	if ev != nil {
		t.Fatalf("the first poll fired %+v", ev)
	}
	if !next.Equal(utc("2026-01-05T08:00:00Z")) {
		t.Errorf("next = %s", next)
	}
	// Before the time: nothing, the cursor unchanged.
	ev, cur2, _ := due(t, s, cur, utc("2026-01-05T07:59:59Z"))
	if ev != nil || string(cur2) != string(cur) {
		t.Fatalf("fired early: %+v, cursor %q", ev, cur2)
	}
	// At the time: one run.
	ev, cur, next = due(t, s, cur, utc("2026-01-05T08:00:00Z"))
	if ev == nil || !ev.Data.Time.Equal(utc("2026-01-05T08:00:00Z")) || !ev.Data.Previous.Equal(start) || ev.Data.Missed != 0 {
		t.Fatalf("run = %+v", ev)
	}
	if ev.ID != "schedule:2026-01-05T08:00:00Z" {
		t.Errorf("event ID %q", ev.ID)
	}
	if !next.Equal(utc("2026-01-06T08:00:00Z")) {
		t.Errorf("next after the run = %s", next)
	}
	firstID := ev.ID
	// Asked again at the same time or a little later: no second run.
	if ev, _, _ := due(t, s, cur, utc("2026-01-05T08:30:00Z")); ev != nil {
		t.Fatalf("fired twice: %+v", ev)
	}
	// A replay with the older cursor (a crash before it was stored) gives
	// the same event ID, which the runtime's ledger drops.
	if ev, _, _ := due(t, s, cur2, utc("2026-01-05T08:30:00Z")); ev == nil || ev.ID != firstID {
		t.Fatalf("replay = %+v, want the same run %s", ev, firstID)
	}

	// The clock jumps forward over three more runs: one run, for the
	// latest, counting the two it skipped.
	ev, cur, _ = due(t, s, cur, utc("2026-01-08T12:00:00Z"))
	if ev == nil || !ev.Data.Time.Equal(utc("2026-01-08T08:00:00Z")) || !ev.Data.Previous.Equal(utc("2026-01-05T08:00:00Z")) || ev.Data.Missed != 2 {
		t.Fatalf("catch-up run = %+v", ev)
	}
	if ev.Data.Time.Location().String() != "Europe/Paris" {
		t.Errorf("tick time in %v, want the schedule's zone", ev.Data.Time.Location())
	}

	// The clock goes back two days: nothing fires again, and the next run
	// is the first after the last one.
	ev, cur3, next := due(t, s, cur, utc("2026-01-06T09:00:00Z"))
	if ev != nil || string(cur3) != string(cur) {
		t.Fatalf("fired after the clock went back: %+v", ev)
	}
	if !next.Equal(utc("2026-01-09T08:00:00Z")) {
		t.Errorf("next after the clock went back = %s, want the first after the last run", next)
	}
	// Passing the old times again fires nothing; the next new time does.
	for _, now := range []string{"2026-01-07T08:00:00Z", "2026-01-08T08:00:00Z", "2026-01-08T23:00:00Z"} {
		if ev, _, _ := due(t, s, cur, utc(now)); ev != nil {
			t.Fatalf("fired at %s after the clock went back: %+v", now, ev)
		}
	}
	if ev, _, _ := due(t, s, cur, utc("2026-01-09T08:00:00Z")); ev == nil || ev.Data.Missed != 0 {
		t.Fatalf("the next run after the clock went back = %+v", ev)
	}
}

func TestScheduleCatchUpCountsMissedRuns(t *testing.T) {
	minutely := mustCron(t, "* * * * *", nil)
	every, _ := trigger.Every(time.Minute)
	from := utc("2026-01-01T00:00:00Z")
	for name, s := range map[string]*trigger.Schedule{"cron": minutely, "every": every} {
		t.Run(name, func(t *testing.T) {
			_, cur, _ := due(t, s, nil, from)
			// Down for a day: one run at the end, the 1,439 before it
			// counted as missed.
			ev, _, _ := due(t, s, cur, from.Add(24*time.Hour+30*time.Second))
			if ev == nil || !ev.Data.Time.Equal(from.Add(24*time.Hour)) || ev.Data.Missed != 1439 {
				t.Fatalf("run after a day down = %+v", ev)
			}
		})
	}
}

func TestScheduleRejectsAForeignCursor(t *testing.T) {
	s, _ := trigger.Every(time.Hour)
	_, _, err := s.Due(trigger.Cursor("page-token-7"), time.Now())
	if err == nil || !strings.Contains(err.Error(), "not a time") {
		t.Fatalf("Due with a foreign cursor = %v", err)
	}
}

func TestScheduleInfoAndPoll(t *testing.T) {
	s := mustCron(t, "0 9 * * MON-FRI", tztest.Load(t, "Europe/Paris"))
	info := s.Info()
	if info.Name != "schedule" || info.PollInterval != time.Minute || !strings.Contains(info.Description, "0 9 * * MON-FRI (Europe/Paris)") {
		t.Errorf("info = %+v", info)
	}
	var _ trigger.Timed[trigger.Tick] = s
	page, err := s.Poll(context.Background(), nil)
	if err != nil || len(page.Events) != 0 || len(page.Next) == 0 {
		t.Errorf("first Poll = %+v, %v; want no events and a cursor", page, err)
	}
	m := trigger.Manual[int]{}
	if m.Info().PollInterval != 0 || m.Info().Name != "manual" {
		t.Errorf("manual info = %+v", m.Info())
	}
	if p, err := m.Poll(context.Background(), nil); err != nil || len(p.Events) != 0 {
		t.Errorf("manual poll = %+v, %v", p, err)
	}
}
