package trigger

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Timed is implemented by triggers whose events come from the clock, such
// as [Schedule], rather than from a remote system. The runtime calls Due
// with the time of its own clock instead of calling Poll, so a program's
// fake clock drives the trigger in tests, and it waits until the time Due
// returns (at most Info.PollInterval, so a wall clock set forward is
// noticed; it must be above zero) before calling again.
//
// Due receives the cursor it returned last time (nil at first) and the
// current time, and returns the events due, the cursor to store with them
// and when the next event falls due. Like Poll it must be safe to call
// again with an older cursor after a crash, returning events with the same
// IDs.
type Timed[T any] interface {
	Trigger[T]
	Due(cursor Cursor, now time.Time) (page Page[T], next time.Time, err error)
}

// Tick is the event a [Schedule] emits: one scheduled run.
type Tick struct {
	// Time is the scheduled time of this run, in the schedule's time zone.
	// After a downtime it is the latest time that was due, not the time
	// the run started (now() in a pill).
	Time time.Time `expr:"time" json:"time"`
	// Previous is the scheduled time of the run before this one or, for
	// the first run, when the schedule was first polled: the start of the
	// period this run covers ("issues updated since the last report").
	Previous time.Time `expr:"previous" json:"previous"`
	// Missed counts the scheduled times between Previous and Time that did
	// not get a run of their own because nothing was running then (see
	// [Schedule] for the catch-up policy); 0 normally. For a long
	// downtime under a frequent schedule the count stops near 100,000.
	Missed int `expr:"missed" json:"missed"`
}

// Schedule is a trigger that fires at fixed times: every interval
// ([Every]) or at the times of a cron expression in a time zone ([Cron]).
// Each firing is a [Tick] event.
//
// The cursor is the scheduled time of the last run, stored by the runtime
// in the same transaction as the run's job, so a run is never lost or
// doubled across restarts and crashes. Each run's event ID is its
// scheduled time, so even a replayed cursor cannot make a second job for
// it.
//
// The first poll of a new recipe fires nothing: it only records the time,
// and the first run comes at the first scheduled time after it.
//
// Catch-up policy: when the program was not running at one or more
// scheduled times (down for maintenance, the clock set forward), the next
// poll fires once, for the latest of those times, with Tick.Missed
// counting the others and Tick.Previous the last time that did run; the
// missed runs are not replayed one by one. A clock set back never fires a
// time again: the schedule waits for the first scheduled time after the
// last run.
//
// Daylight-saving time: cron times are wall-clock times in the schedule's
// time zone. A time the clock skips when it springs forward (02:30 on that
// night in most of Europe and America) fires once, at the instant of the
// jump; a time the clock repeats when it falls back fires once, at its
// first occurrence, and the repeated hour does not fire again. An [Every]
// interval is measured in absolute time and ignores time zones.
type Schedule struct {
	spec  string
	every time.Duration
	cron  cronSpec
	loc   *time.Location
}

// Every returns a schedule that fires every d, at the multiples of d since
// the Unix epoch (1970-01-01 00:00 UTC): Every(time.Hour) fires on the
// hour, whatever time the program starts. d must be at least one second.
func Every(d time.Duration) (*Schedule, error) {
	if d < time.Second {
		return nil, fmt.Errorf("schedule interval %v is too short: use at least one second, such as trigger.Every(15 * time.Minute)", d)
	}
	return &Schedule{spec: "every " + d.String(), every: d, loc: time.UTC}, nil
}

// Cron returns a schedule that fires at the times of a five-field cron
// expression ("minute hour day-of-month month day-of-week") read as
// wall-clock times in loc (nil means UTC). Each field takes *, a value, a
// range (1-5), a step (*/15, 0-30/10) or a comma-separated list; months
// and days of the week may be named (JAN, MON), and Sunday is 0 or 7. When
// both day fields are restricted, a day matches if either does. The
// macros @hourly, @daily (@midnight), @weekly, @monthly and @yearly
// (@annually) are accepted. Seconds and time-zone prefixes are not: pass
// the zone as loc.
func Cron(expr string, loc *time.Location) (*Schedule, error) {
	c, err := parseCron(expr)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Schedule{spec: strings.TrimSpace(expr), cron: c, loc: loc}, nil
}

// String describes the schedule: "every 1h0m0s" or the cron expression and
// its zone.
func (s *Schedule) String() string {
	if s.every > 0 {
		return s.spec
	}
	return s.spec + " (" + s.loc.String() + ")"
}

// Location returns the time zone the schedule's times are read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first scheduled time after t.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		d := s.every.Nanoseconds()
		k := t.UnixNano() / d
		if t.UnixNano()%d < 0 {
			k-- // floor for times before the epoch
		}
		return time.Unix(0, (k+1)*d).In(s.loc)
	}
	n, err := s.cron.next(t, s.loc)
	if err != nil {
		return time.Time{}
	}
	return n
}

// Info describes the trigger. Its PollInterval is the longest the runtime
// waits between two looks at the clock (a minute), so a wall clock set
// forward is noticed; the runtime otherwise sleeps until the next time.
func (s *Schedule) Info() Info {
	return Info{
		Name:         "schedule",
		Title:        "Schedule",
		Description:  "Fires at the times of the schedule " + s.String() + ": one event per run, with the scheduled time and the previous run's time.",
		PollInterval: time.Minute,
	}
}

// Poll returns the run that is due by the system clock, if any. The
// runtime calls Due with its own clock instead.
func (s *Schedule) Poll(ctx context.Context, cursor Cursor) (Page[Tick], error) {
	if err := ctx.Err(); err != nil {
		return Page[Tick]{}, err
	}
	p, _, err := s.Due(cursor, time.Now())
	return p, err
}

// Due returns the run due at now, if any (see [Schedule] for the catch-up
// policy), the cursor to store and when the next run falls due.
func (s *Schedule) Due(cursor Cursor, now time.Time) (Page[Tick], time.Time, error) {
	if len(cursor) == 0 {
		// First poll: remember when the schedule started; nothing fires yet.
		return Page[Tick]{Next: encodeScheduleCursor(now)}, s.Next(now), nil
	}
	last, err := decodeScheduleCursor(cursor)
	if err != nil {
		return Page[Tick]{}, time.Time{}, err
	}
	due := s.Next(last)
	if due.IsZero() || due.After(now) {
		// Nothing due, the clock set back included: the next run is the
		// first time after both the last run and now.
		return Page[Tick]{Next: cursor}, s.Next(laterOf(last, now)), nil
	}
	latest, missed := s.latestDue(due, now)
	tick := Tick{Time: latest.In(s.loc), Previous: last.In(s.loc), Missed: missed}
	ev := Event[Tick]{ID: "schedule:" + latest.UTC().Format(time.RFC3339Nano), Time: latest, Data: tick}
	return Page[Tick]{Events: []Event[Tick]{ev}, Next: encodeScheduleCursor(latest)}, s.Next(laterOf(latest, now)), nil
}

// latestDue returns the last scheduled time at or before now, starting
// from first (which is due), and how many due times come before it.
func (s *Schedule) latestDue(first, now time.Time) (time.Time, int) {
	if s.every > 0 {
		n := int(now.Sub(first) / s.every)
		return first.Add(time.Duration(n) * s.every), n
	}
	latest, missed := first, 0
	// Jump close to now before walking, so a long downtime under a
	// frequent schedule does not walk every minute of it; missed is then
	// counted from the jump's start.
	for _, back := range []time.Duration{time.Hour, 25 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		from := now.Add(-back)
		if !from.After(latest) {
			break
		}
		if c := s.Next(from); !c.IsZero() && !c.After(now) {
			missed += s.countBetween(latest, from)
			latest = c
			break
		}
	}
	for {
		n := s.Next(latest)
		if n.IsZero() || n.After(now) {
			return latest, missed
		}
		latest = n
		missed++
	}
}

// countBetween counts the scheduled times from first (included) up to and
// including until, giving up past a bound: a count so large is only
// informative.
func (s *Schedule) countBetween(first, until time.Time) int {
	const bound = 100_000
	n := 0
	for t := first; !t.IsZero() && !t.After(until) && n < bound; t = s.Next(t) {
		n++
	}
	return n
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func encodeScheduleCursor(t time.Time) Cursor {
	return Cursor(t.UTC().Format(time.RFC3339Nano))
}

func decodeScheduleCursor(c Cursor) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, string(c))
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule cursor %q is not a time: it was not written by a schedule trigger; reset the recipe's cursor", string(c))
	}
	return t, nil
}

// Manual is a trigger with no source of its own: its events come from the
// program, through the runtime (recipe.Engine.Trigger). It never polls.
// T is the type of the data each event carries, read by pills as
// `trigger`.
type Manual[T any] struct {
	// Title names the trigger in catalogues and job records; default
	// "Manual".
	Title string
}

// Info describes the trigger: push-only (PollInterval 0).
func (m Manual[T]) Info() Info {
	title := m.Title
	if title == "" {
		title = "Manual"
	}
	return Info{Name: "manual", Title: title, Description: "Runs when the program hands it an event."}
}

// Poll returns no events: a manual trigger's events are handed to the
// runtime directly.
func (m Manual[T]) Poll(ctx context.Context, cursor Cursor) (Page[T], error) {
	return Page[T]{}, ctx.Err()
}
