package recipetest_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

type ticket struct {
	Key   string `expr:"key" json:"key"`
	Score int    `expr:"score" json:"score"`
}

type greeting struct {
	Text string `expr:"text" json:"text"`
}

func TestRunAndResultHelpers(t *testing.T) {
	greet := recipetest.NewAction("greet", func(_ context.Context, in greeting) (greeting, error) {
		if strings.Contains(in.Text, "B-2") {
			return greeting{}, action.Permanent(errors.New("no greetings for B-2"))
		}
		return greeting{Text: "done: " + in.Text}, nil
	}).Idempotent()
	trig := recipetest.Data(ticket{Key: "A-1", Score: 3}, ticket{Key: "B-2", Score: 1}, ticket{Key: "C-3", Score: 9})
	r, err := recipe.New("greeter", trig,
		recipe.ForEach("twice", `[1, 2]`,
			recipe.Do("hello", greet, recipe.Pills{"text": `"hi " + trigger.key + " #" + to_s(twice.item)`}),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	res := recipetest.Run(t, r, &recipetest.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Jobs) != 3 || res.Succeeded() != 2 || res.Failed() != 1 || res.Count(recipe.JobStopped) != 0 {
		t.Fatalf("jobs %d, succeeded %d, failed %d", len(res.Jobs), res.Succeeded(), res.Failed())
	}
	if res.Summary.Total() != 3 || res.Summary.Events != 3 {
		t.Errorf("summary = %+v", res.Summary)
	}
	// Jobs are oldest first, in event order.
	for i, id := range []string{"1", "2", "3"} {
		if got := res.Job(i).Event.ID; got != id {
			t.Errorf("job %d is for event %s, want %s", i, got, id)
		}
	}
	if res.Job(1).Status != recipe.JobFailed || !strings.Contains(res.Job(1).Error, "no greetings for B-2") {
		t.Errorf("job 1 = %+v", res.Job(1))
	}
	// The step ran once per loop iteration; Step is the last record.
	if steps := res.Steps(0, "hello"); len(steps) != 2 || steps[0].Seq != 0 || steps[1].Seq != 1 {
		t.Fatalf("records of hello = %+v", steps)
	}
	if got := recipetest.Output[greeting](res, 2, "hello"); got.Text != "done: hi C-3 #2" {
		t.Errorf("output of job 2 = %q", got.Text)
	}
	if s := res.Step(1, "hello"); s.ErrorType == "" || s.Attempts != 1 || len(s.Output) != 0 {
		t.Errorf("failed step record = %+v", s)
	}
	if n := len(greet.Calls()); n != 5 {
		t.Errorf("action called %d times, want 5 (the failing job stops at its first call)", n)
	}
	if !strings.Contains(logged.String(), "job failed") {
		t.Errorf("the engine did not log to the given logger: %q", logged.String())
	}

	// Reload sees what a further run did.
	trig.Add(trigger.Event[ticket]{ID: "4", Data: ticket{Key: "D-4"}})
	if _, err := res.Engine.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 3 {
		t.Fatal("Jobs changed before Reload")
	}
	res.Reload()
	if len(res.Jobs) != 4 || res.Job(3).Event.ID != "4" || res.Succeeded() != 3 {
		t.Errorf("after Reload: %d jobs, last %+v", len(res.Jobs), res.Job(3))
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the calling goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = strings.TrimSpace(format)
	panic(f)
}

func catchFatal(tb *fatalRecorder, f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			if r != tb {
				panic(r)
			}
			msg = tb.msg
		}
	}()
	f()
	return ""
}

func TestResultHelpersFailClearly(t *testing.T) {
	r, err := recipe.New("one", recipetest.Data(ticket{Key: "A-1"}),
		recipe.Do("hello", recipetest.NewAction[greeting, greeting]("greet", nil), recipe.Pills{"text": `trigger.key`}))
	if err != nil {
		t.Fatal(err)
	}
	fr := &fatalRecorder{TB: t}
	res := recipetest.Run(fr, r, nil)
	if res.Succeeded() != 1 {
		t.Fatalf("jobs = %+v", res.Jobs)
	}
	// A nil function answers the zero output.
	if got := recipetest.Output[greeting](res, 0, "hello"); got.Text != "" {
		t.Errorf("output = %+v", got)
	}
	if msg := catchFatal(fr, func() { res.Job(1) }); !strings.Contains(msg, "job %d asked for") {
		t.Errorf("Job out of range: %q", msg)
	}
	if msg := catchFatal(fr, func() { res.Step(0, "nope") }); !strings.Contains(msg, "has no step") {
		t.Errorf("unknown step: %q", msg)
	}
	if msg := catchFatal(fr, func() { recipetest.Output[int](res, 0, "hello") }); !strings.Contains(msg, "decode output") {
		t.Errorf("wrong output type: %q", msg)
	}
}

func TestTriggerPagesCursorsAndErrors(t *testing.T) {
	ctx := context.Background()
	trig := recipetest.Data("a", "b", "c")
	trig.PageSize = 2
	if iv := trig.Info().PollInterval; iv != time.Minute {
		t.Errorf("default poll interval = %v", iv)
	}
	p, err := trig.Poll(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 2 || !p.More || p.Backlog != 1 || string(p.Next) != "2" || p.Events[1].ID != "2" || p.Events[1].Data != "b" {
		t.Fatalf("first page = %+v", p)
	}
	if want := time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC); !p.Events[1].Time.Equal(want) {
		t.Errorf("event time = %v, want %v", p.Events[1].Time, want)
	}
	p, err = trig.Poll(ctx, p.Next)
	if err != nil || len(p.Events) != 1 || p.More || p.Backlog != 0 {
		t.Fatalf("second page = %+v, %v", p, err)
	}
	// An older cursor returns the same events again.
	again, err := trig.Poll(ctx, trigger.Cursor("1"))
	if err != nil || len(again.Events) != 2 || again.Events[0].Data != "b" {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	trig.Add(trigger.Event[string]{ID: "x", Data: "d"})
	p, err = trig.Poll(ctx, p.Next)
	if err != nil || len(p.Events) != 1 || p.Events[0].ID != "x" {
		t.Fatalf("after Add = %+v, %v", p, err)
	}
	boom := errors.New("boom")
	trig.FailNext(boom, trigger.BackOff(time.Minute, "slow down"))
	if _, err := trig.Poll(ctx, nil); !errors.Is(err, boom) {
		t.Errorf("first failing poll: %v", err)
	}
	if _, err := trig.Poll(ctx, nil); !errors.Is(err, trigger.ErrBackOff) {
		t.Errorf("second failing poll: %v", err)
	}
	if _, err := trig.Poll(ctx, nil); err != nil {
		t.Errorf("poll after the errors: %v", err)
	}
	if _, err := trig.Poll(ctx, trigger.Cursor("x")); err == nil || !strings.Contains(err.Error(), "bad cursor") {
		t.Errorf("bad cursor: %v", err)
	}
	if n := trig.Polls(); n != 8 {
		t.Errorf("Polls = %d, want 8", n)
	}
}

func TestActionFake(t *testing.T) {
	a := recipetest.NewAction("double", func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	if info := a.Info(); info.Name != "double" || info.Connector != "recipetest" || info.Idempotent {
		t.Errorf("info = %+v", info)
	}
	if !a.Idempotent().Info().Idempotent {
		t.Error("Idempotent did not mark the action")
	}
	if err := a.Validate(-1); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for i := range 3 {
		if out, err := a.Run(context.Background(), i); err != nil || out != 2*i {
			t.Errorf("Run(%d) = %d, %v", i, out, err)
		}
	}
	calls := a.Calls()
	if len(calls) != 3 || calls[2] != 2 {
		t.Errorf("calls = %v", calls)
	}
	calls[0] = 99
	if a.Calls()[0] != 0 {
		t.Error("Calls returned the fake's own slice")
	}
}

func TestInstantClock(t *testing.T) {
	c := recipetest.NewInstantClock(time.Time{})
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if !c.Now().Equal(start) {
		t.Errorf("start = %v", c.Now())
	}
	at := <-c.After(time.Minute)
	if !at.Equal(start.Add(time.Minute)) || !c.Now().Equal(at) {
		t.Errorf("After(1m) fired at %v, now %v", at, c.Now())
	}
	<-c.After(0)
	<-c.After(-time.Second) // does not move the clock back
	if !c.Now().Equal(start.Add(time.Minute)) {
		t.Errorf("now = %v", c.Now())
	}
	if w := c.Waits(); len(w) != 3 || w[0] != time.Minute || w[2] != -time.Second {
		t.Errorf("waits = %v", w)
	}
	custom := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	if !recipetest.NewInstantClock(custom).Now().Equal(custom) {
		t.Error("start time ignored")
	}
}

// TestRunRetriesWithoutWaiting shows why Run defaults to the InstantClock:
// a step's retry waits are recorded but cost no time.
func TestRunRetriesWithoutWaiting(t *testing.T) {
	calls := 0
	flaky := recipetest.NewAction("flaky", func(_ context.Context, in greeting) (greeting, error) {
		calls++
		if calls < 3 {
			return greeting{}, action.Retryable(errors.New("try later"))
		}
		return in, nil
	}).Idempotent()
	r, err := recipe.New("retry", recipetest.Data(1),
		recipe.Do("flaky", flaky, recipe.Pills{"text": `"x"`}, recipe.Retry(action.RetryPolicy{MaxAttempts: 5, InitialInterval: time.Hour, MaxInterval: time.Hour})))
	if err != nil {
		t.Fatal(err)
	}
	clock := recipetest.NewInstantClock(time.Time{})
	res := recipetest.Run(t, r, &recipetest.Options{Clock: clock})
	if res.Succeeded() != 1 || res.Step(0, "flaky").Attempts != 3 {
		t.Fatalf("job = %+v", res.Job(0))
	}
	var hours int
	for _, w := range clock.Waits() {
		if w == time.Hour {
			hours++
		}
	}
	if hours != 2 {
		t.Errorf("waits = %v, want two retry waits of an hour", clock.Waits())
	}
}
