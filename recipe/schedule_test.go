package recipe_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recipekit/recipekit/internal/tztest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

// tickRecorder is an action that records the ticks it is handed.
func tickRecorder() *recipetest.Action[trigger.Tick, trigger.Tick] {
	return recipetest.NewAction("report", func(_ context.Context, in trigger.Tick) (trigger.Tick, error) { return in, nil })
}

// acceptCounter counts the batches stored. A batch the store refused
// wrote nothing and is not counted: an engine told to stop may hand the
// store one last batch under its cancelled context.
type acceptCounter struct {
	recipe.Store
	accepts atomic.Int64
}

func (s *acceptCounter) Accept(ctx context.Context, b recipe.Batch) (recipe.Accepted, error) {
	acc, err := s.Store.Accept(ctx, b)
	if err == nil {
		s.accepts.Add(1)
	}
	return acc, err
}

func tickPills() recipe.Pills {
	return recipe.Pills{"time": `trigger.time`, "previous": `trigger.previous`, "missed": `trigger.missed`}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestScheduleAcrossRestartsAndClockChanges runs a daily schedule with a
// SQLite file, closing the store and starting a new engine between runs
// while the clock moves forward over several runs and back: each
// scheduled time runs once, a downtime is caught up with one run, and a
// clock set back fires nothing again.
func TestScheduleAcrossRestartsAndClockChanges(t *testing.T) {
	paris := tztest.Load(t, "Europe/Paris")
	sched, err := trigger.Cron("0 9 * * *", paris) // 08:00Z in winter
	if err != nil {
		t.Fatal(err)
	}
	rec := tickRecorder()
	r := mustNew(t, "morning", trigger.Trigger[trigger.Tick](sched), recipe.Do("report", rec, tickPills()))
	path := filepath.Join(t.TempDir(), "recipes.db")
	clock := recipetest.NewInstantClock(at("2026-01-05T07:00:00+01:00"))
	ctx := t.Context()

	// restart opens the store afresh, runs a new engine once at the
	// clock's time, closes the store and returns the ticks handled.
	restart := func(now string) []trigger.Tick {
		t.Helper()
		clock.Set(at(now))
		store, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		eng := recipe.NewEngine(store, recipe.WithClock(clock))
		if err := eng.Add(r); err != nil {
			t.Fatal(err)
		}
		before := len(rec.Calls())
		sum, err := eng.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ticks := rec.Calls()[before:]
		if sum.Jobs[recipe.JobSucceeded] != len(ticks) {
			t.Fatalf("at %s: summary %v, but %d runs", now, sum, len(ticks))
		}
		return ticks
	}
	expect := func(now string, want ...trigger.Tick) {
		t.Helper()
		got := restart(now)
		if len(got) != len(want) {
			t.Fatalf("at %s: %d runs %+v, want %d %+v", now, len(got), got, len(want), want)
		}
		for i := range want {
			if !got[i].Time.Equal(want[i].Time) || !got[i].Previous.Equal(want[i].Previous) || got[i].Missed != want[i].Missed {
				t.Errorf("at %s: run %+v, want %+v", now, got[i], want[i])
			}
		}
	}

	expect("2026-01-05T07:00:00+01:00") // the first look only arms the schedule
	expect("2026-01-05T08:59:00+01:00")
	expect("2026-01-05T09:30:00+01:00", trigger.Tick{Time: at("2026-01-05T09:00:00+01:00"), Previous: at("2026-01-05T07:00:00+01:00")})
	expect("2026-01-05T09:30:00+01:00") // a restart at the same time: not again
	expect("2026-01-05T23:00:00+01:00")
	// Down from Monday night to Thursday 10:00: one run, for Thursday 09:00,
	// counting Tuesday and Wednesday as missed.
	expect("2026-01-08T10:00:00+01:00", trigger.Tick{Time: at("2026-01-08T09:00:00+01:00"), Previous: at("2026-01-05T09:00:00+01:00"), Missed: 2})
	// The clock is set back to Tuesday, then runs forward again past
	// Wednesday and Thursday: nothing fires twice.
	expect("2026-01-06T09:30:00+01:00")
	expect("2026-01-07T09:30:00+01:00")
	expect("2026-01-08T09:30:00+01:00")
	expect("2026-01-09T09:00:00+01:00", trigger.Tick{Time: at("2026-01-09T09:00:00+01:00"), Previous: at("2026-01-08T09:00:00+01:00")})

	store, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "morning"}))
	if err != nil || len(jobs) != 3 {
		t.Fatalf("%d jobs stored (%v), want 3", len(jobs), err)
	}
}

// TestScheduleRunsThroughDaylightSavingChanges lets a running engine
// sleep from run to run (an instant clock advances by each wait) across
// New York's spring and autumn changes: the skipped 02:30 runs once at the
// jump, the repeated 01:30 runs once.
func TestScheduleRunsThroughDaylightSavingChanges(t *testing.T) {
	ny := tztest.Load(t, "America/New_York")
	cases := []struct {
		name  string
		expr  string
		start string
		want  []string
	}{
		{"spring forward", "30 2 * * *", "2026-03-06T12:00:00-05:00", []string{
			"2026-03-07T02:30:00-05:00",
			"2026-03-08T03:00:00-04:00", // 02:30 does not exist that night
			"2026-03-09T02:30:00-04:00",
		}},
		{"fall back", "30 1 * * *", "2026-10-30T12:00:00-04:00", []string{
			"2026-10-31T01:30:00-04:00",
			"2026-11-01T01:30:00-04:00", // the first of the two 01:30s
			"2026-11-02T01:30:00-05:00",
		}},
		{"hourly through the repeated hour", "0 * * * *", "2026-11-01T00:30:00-04:00", []string{
			"2026-11-01T01:00:00-04:00",
			"2026-11-01T02:00:00-05:00", // 01:00 EST is the same wall time again
			"2026-11-01T03:00:00-05:00",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := trigger.Cron(tc.expr, ny)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var ticks []trigger.Tick
			enough := make(chan struct{})
			act := recipetest.NewAction("report", func(_ context.Context, in trigger.Tick) (trigger.Tick, error) {
				mu.Lock()
				defer mu.Unlock()
				ticks = append(ticks, in)
				if len(ticks) == len(tc.want) {
					close(enough)
				}
				return in, nil
			})
			r := mustNew(t, "nightly", trigger.Trigger[trigger.Tick](sched), recipe.Do("report", act, tickPills()))
			clock := recipetest.NewInstantClock(at(tc.start))
			store := &acceptCounter{Store: recipe.NewMemoryStore()}
			eng := recipe.NewEngine(store, recipe.WithClock(clock))
			_, stop := runEngine(t, eng, r)
			select {
			case <-enough:
			case <-time.After(30 * time.Second):
				t.Fatal("the schedule did not run in time")
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for i, w := range tc.want {
				if !ticks[i].Time.Equal(at(w)) || ticks[i].Missed != 0 {
					t.Errorf("run %d: %s (missed %d), want %s", i+1, ticks[i].Time.In(ny).Format(time.RFC3339), ticks[i].Missed, w)
				}
			}
			// The engine looks at the clock every minute at most, and writes
			// to the store only to arm the schedule and for each run.
			for _, w := range clock.Waits() {
				if w > time.Minute {
					t.Fatalf("the engine slept %v without looking at the clock", w)
				}
			}
			// Count runs by the jobs stored, not by the ticks the action saw:
			// the engine may accept a run that has not reached the action by
			// the time it stops.
			jobs, err := recipe.CollectJobs(store.Jobs(t.Context(), recipe.JobQuery{}))
			if err != nil {
				t.Fatal(err)
			}
			if n := store.accepts.Load(); n > int64(len(jobs))+1 {
				t.Errorf("%d store writes for %d runs", n, len(jobs))
			}
		})
	}
}

// TestScheduleOnTheSystemClock runs a schedule on the engine's default
// clock inside a synctest bubble, where time passes only when every
// goroutine waits: three hours of an hourly schedule give three runs, on
// the hour.
func TestScheduleOnTheSystemClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hourly, err := trigger.Every(time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		rec := tickRecorder()
		r := mustNew(t, "hourly", hourly, recipe.Do("report", rec, tickPills()))
		eng := recipe.NewEngine(recipe.NewMemoryStore())
		if err := eng.Add(r); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		time.Sleep(3*time.Hour + 30*time.Minute) // bubble time: passes at once
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		calls := rec.Calls()
		if len(calls) != 3 {
			t.Fatalf("%d runs in three and a half hours: %+v", len(calls), calls)
		}
		for i, c := range calls {
			want := start.Truncate(time.Hour).Add(time.Duration(i+1) * time.Hour)
			if !c.Time.Equal(want) || c.Missed != 0 {
				t.Errorf("run %d at %s (missed %d), want %s", i+1, c.Time, c.Missed, want)
			}
		}
	})
}
