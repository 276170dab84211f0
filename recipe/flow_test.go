package recipe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

func mustNew[T any](t *testing.T, name string, trig trigger.Trigger[T], parts ...recipe.Part) *recipe.Recipe {
	t.Helper()
	r, err := recipe.New(name, trig, parts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runOnce runs r once in a new engine over store and returns the engine
// and the run's summary; an error of the run fails the test.
func runOnce(t *testing.T, store recipe.Store, r *recipe.Recipe) (*recipe.Engine, recipe.Summary) {
	t.Helper()
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	sum, err := eng.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return eng, sum
}

type note struct {
	Text string `expr:"text" json:"text"`
	N    int    `expr:"n" json:"n"`
}

func recorder() *recipetest.Action[note, note] {
	return recipetest.NewAction("note", func(_ context.Context, in note) (note, error) { return in, nil })
}

func texts(calls []note) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Text)
	}
	return out
}

func TestActionPillsFillInputAndOutputsFlow(t *testing.T) {
	add := echoComment()
	rec := recorder()
	r := mustNew(t, "ack", recipetest.Data(sampleIssues()...),
		recipe.Do("ack", add, recipe.Pills{
			"issueKey":        `trigger.key`,
			"body":            `"Thanks! " + trigger.key + " is queued."`,
			"count":           `trigger.fields.points`, // float64 3.0 -> int, lossless
			"tags":            `map(trigger.fields.labels, upcase(#))`,
			"meta.visibility": `trigger.fields.priority?.name ?? "none"`,
			"meta.props":      `{"assignee": trigger.fields.assignee?.displayName ?? "nobody"}`,
			"token":           `"s3cr3t-token"`,
			"password":        `"hunter2"`,
		}),
		recipe.Do("log", rec, recipe.Pills{"text": `ack.id + ":" + strip(ack.body)`}),
	)
	res := recipetest.Run(t, r, nil)
	if res.Succeeded() != 3 || len(res.Jobs) != 3 {
		t.Fatalf("jobs: %+v", res.Summary)
	}
	in := add.Calls()[0]
	if in.IssueKey != "SUP-1" || in.Body != "Thanks! SUP-1 is queued." || in.Count != 3 || strings.Join(in.Tags, ",") != "HW,URGENT" {
		t.Errorf("input = %+v", in)
	}
	if in.Meta == nil || in.Meta.Visibility != "Highest" || in.Meta.Props["assignee"] != "nobody" {
		t.Errorf("nested input = %+v", in.Meta)
	}
	if in.Token.Reveal() != "s3cr3t-token" || in.Password != "hunter2" {
		t.Error("secret inputs did not reach the action")
	}
	if got := add.Calls()[2].Meta.Props["assignee"]; got != "Ann" {
		t.Errorf("assignee pill = %q", got)
	}
	if got := texts(rec.Calls()); got[0] != "c-SUP-1:Thanks! SUP-1 is queued." {
		t.Errorf("later step saw %q", got)
	}
	step := res.Step(0, "ack")
	for _, leak := range []string{"s3cr3t-token", "hunter2"} {
		if strings.Contains(string(step.Input), leak) {
			t.Errorf("job record leaks a secret: %s", step.Input)
		}
	}
	if !strings.Contains(string(step.Input), `"password":"[redacted]"`) || step.Attempts != 1 || step.Action != "recipetest.add_comment" {
		t.Errorf("step record = %+v input %s", step, step.Input)
	}
	if out := recipetest.Output[comment](res, 0, "ack"); out.ID != "c-SUP-1" {
		t.Errorf("output = %+v", out)
	}
	var ev issue
	if err := json.Unmarshal(res.Job(1).Event.Data, &ev); err != nil || ev.Key != "SUP-2" || res.Job(1).Event.ID != "2" {
		t.Errorf("stored event = %+v %v", ev, err)
	}
}

func TestNumericConversionMustBeLossless(t *testing.T) {
	add := echoComment()
	r := mustNew(t, "lossy", recipetest.Data(issue{Key: "A", Fields: fields{Points: 2.5}}),
		recipe.Do("ack", add, recipe.Pills{"count": `trigger.fields.points`}))
	res := recipetest.Run(t, r, nil)
	j := res.Job(0)
	if j.Status != recipe.JobFailed || j.ErrorType != "pill" || !strings.Contains(j.Error, "2.5 is not a whole number") {
		t.Fatalf("job = %+v", j)
	}
	if len(add.Calls()) != 0 {
		t.Error("the action ran with a bad input")
	}
}

func TestIfElseIfElse(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "if", recipetest.Data(sampleIssues()...),
		recipe.If(`trigger.fields.priority?.name == "Highest"`,
			recipe.Do("high", rec, recipe.Pills{"text": `"high " + trigger.key`}),
		).ElseIf(`trigger.fields.priority != nil`,
			recipe.Do("some", rec, recipe.Pills{"text": `"some " + trigger.key`}),
		).Else(
			recipe.Do("neither", rec, recipe.Pills{"text": `"none " + trigger.key`}),
		),
		recipe.Do("after", rec, recipe.Pills{"text": `"after " + (high.text ?? "") + "|" + some.text + "|" + neither.text`}),
	)
	res := recipetest.Run(t, r, nil)
	want := []string{"high SUP-1", "after high SUP-1||", "some SUP-2", "after |some SUP-2|", "none SUP-3", "after ||none SUP-3"}
	if got := texts(rec.Calls()); strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("calls = %q\nwant    %q\njob 2: %+v", got, want, res.Job(2))
	}
	if res.Succeeded() != 3 {
		t.Fatal(res.Summary)
	}
}

func TestForEachNestedWithItemAndIndex(t *testing.T) {
	rec := recorder()
	parent := issue{Key: "P-1", Fields: fields{Subtasks: []issue{
		{Key: "S-1", Fields: fields{Labels: []string{"a", "b"}}},
		{Key: "S-2", Fields: fields{Labels: []string{"c"}}},
	}}}
	r := mustNew(t, "loops", recipetest.Data(parent),
		recipe.ForEach("sub", `trigger.fields.subtasks`,
			recipe.ForEach("label", `item.fields.labels`,
				recipe.Do("mark", rec, recipe.Pills{
					"text": `sub.item.key + "/" + item + "@" + to_s(sub.index) + "." + to_s(index)`,
					"n":    `index`,
				}),
			),
		),
		recipe.Do("final", rec, recipe.Pills{"text": `"last " + sub.item.key + " " + mark.text`}),
	)
	res := recipetest.Run(t, r, nil)
	want := "S-1/a@0.0;S-1/b@0.1;S-2/c@1.0;last S-2 S-2/c@1.0"
	if got := strings.Join(texts(rec.Calls()), ";"); got != want {
		t.Fatalf("calls = %s, want %s", got, want)
	}
	if n := len(res.Steps(0, "mark")); n != 3 {
		t.Errorf("mark ran %d times, want 3 records", n)
	}
}

func TestVariablesAndLists(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "vars", recipetest.Data(sampleIssues()[0]),
		recipe.Var[int]("n", `0`),
		recipe.Var[[]string]("seen", ``),
		recipe.ForEach("each", `trigger.fields.labels`,
			recipe.Set("n", `vars.n + 1`),
			recipe.Append("seen", `upcase(item)`),
		),
		recipe.Do("report", rec, recipe.Pills{"text": `join(vars.seen, ",")`, "n": `vars.n`}),
	)
	recipetest.Run(t, r, nil)
	if c := rec.Calls(); len(c) != 1 || c[0].Text != "HW,URGENT" || c[0].N != 2 {
		t.Fatalf("calls = %+v", c)
	}
}

func TestRepeatWhileCountsAndCap(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "repeat", recipetest.Data(1),
		recipe.Var[int]("n", `0`),
		recipe.RepeatWhile(`vars.n < 3`,
			recipe.Set("n", `vars.n + 1`),
			recipe.Do("tick", rec, recipe.Pills{"n": `vars.n`}),
		),
	)
	res := recipetest.Run(t, r, nil)
	if len(rec.Calls()) != 3 || res.Succeeded() != 1 {
		t.Fatalf("ticks = %d, summary %+v", len(rec.Calls()), res.Summary)
	}

	capped := mustNew(t, "capped", recipetest.Data(1),
		recipe.Var[int]("n", `0`),
		recipe.RepeatWhile(`true`, recipe.MaxIterations(10), recipe.Set("n", `vars.n + 1`)),
	)
	res = recipetest.Run(t, capped, nil)
	j := res.Job(0)
	if j.Status != recipe.JobFailed || j.ErrorType != "limit" || !strings.Contains(j.Error, "10 times") {
		t.Fatalf("job = %+v", j)
	}

	// The default cap is 50,000: a loop that needs 60,000 iterations hits it.
	def := mustNew(t, "default-cap", recipetest.Data(1),
		recipe.Var[int]("n", `0`),
		recipe.RepeatWhile(`vars.n < 60000`, recipe.Set("n", `vars.n + 1`)),
		recipe.Stop(`to_s(vars.n)`),
	)
	res = recipetest.Run(t, def, nil)
	if j := res.Job(0); j.Status != recipe.JobFailed || !strings.Contains(j.Error, "50000 times") {
		t.Fatalf("job = %+v", j)
	}
}

func TestTryCatchRetriesWithAttemptCounts(t *testing.T) {
	var calls atomic.Int32
	flaky := recipetest.NewAction("flaky", func(_ context.Context, in note) (note, error) {
		if calls.Add(1) < 3 {
			return note{}, action.Retryable(errors.New("503 service unavailable"))
		}
		return in, nil
	})
	rec := recorder()
	clock := recipetest.NewInstantClock(time.Time{})
	r := mustNew(t, "try", recipetest.Data(1),
		recipe.Try(
			recipe.Do("before", rec, recipe.Pills{"text": `"before"`}),
			// The Try block retries, not the step.
			recipe.Do("flaky", flaky, recipe.Pills{"text": `"x"`}, recipe.Retry(action.RetryPolicy{})),
		).Catch(action.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Second},
			recipe.Do("caught", rec, recipe.Pills{"text": `error.message`}),
		),
	)
	res := recipetest.Run(t, r, &recipetest.Options{Clock: clock})
	if res.Succeeded() != 1 || calls.Load() != 3 {
		t.Fatalf("summary %+v, flaky calls %d", res.Summary, calls.Load())
	}
	if n := len(res.Steps(0, "before")); n != 3 {
		t.Errorf("the Try block ran %d times, want 3", n)
	}
	fl := res.Steps(0, "flaky")
	if len(fl) != 3 || !fl[0].Failed() || fl[0].ErrorType != "retryable" || !fl[0].Retryable || fl[2].Failed() {
		t.Errorf("flaky records = %+v", fl)
	}
	if got := clock.Waits(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Errorf("waits = %v, want [1s 2s]", got)
	}

	// Exhausted retries: the catch block sees the error.
	calls.Store(-10)
	rec2 := recorder()
	r = mustNew(t, "try2", recipetest.Data(1),
		recipe.Try(recipe.Do("flaky", flaky, recipe.Pills{})).
			Catch(action.RetryPolicy{MaxAttempts: 2},
				recipe.Do("caught", rec2, recipe.Pills{"text": `error.step + "|" + error.type + "|" + error.message`, "n": `error.attempts`}),
			),
		recipe.Do("after", rec2, recipe.Pills{"text": `"after"`}),
	)
	res = recipetest.Run(t, r, nil)
	c := rec2.Calls()
	if len(c) != 2 || c[0].Text != "flaky|retryable|503 service unavailable" || c[0].N != 2 || c[1].Text != "after" {
		t.Fatalf("catch saw %+v", c)
	}
	if res.Succeeded() != 1 {
		t.Fatalf("a caught error must not fail the job: %+v", res.Job(0))
	}
}

func TestStepRetryPolicyAndNonRetryableErrors(t *testing.T) {
	var calls atomic.Int32
	unknown := recipetest.NewAction("create", func(context.Context, note) (note, error) {
		calls.Add(1)
		return note{}, fmt.Errorf("timeout after POST: %w", action.ErrOutcomeUnknown)
	})
	r := mustNew(t, "noretry", recipetest.Data(1),
		recipe.Do("create", unknown, recipe.Pills{}, recipe.Retry(action.RetryPolicy{MaxAttempts: 5, RetryAll: true})),
	)
	res := recipetest.Run(t, r, nil)
	if calls.Load() != 1 {
		t.Errorf("a non-idempotent action with an unknown outcome ran %d times", calls.Load())
	}
	if j := res.Job(0); j.Status != recipe.JobFailed || j.ErrorType != "outcome_unknown" {
		t.Errorf("job = %+v", j)
	}

	calls.Store(0)
	idem := recipetest.NewAction("put", func(context.Context, note) (note, error) {
		if calls.Add(1) < 4 {
			return note{}, action.Retryable(errors.New("429"))
		}
		return note{Text: "ok"}, nil
	}).Idempotent()
	r = mustNew(t, "retry", recipetest.Data(1),
		recipe.Do("put", idem, recipe.Pills{}, recipe.Retry(action.RetryPolicy{MaxAttempts: 5})),
	)
	res = recipetest.Run(t, r, nil)
	if s := res.Step(0, "put"); s.Attempts != 4 || s.Failed() || res.Succeeded() != 1 {
		t.Errorf("step = %+v", s)
	}
}

func TestStopAndFail(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "stop", recipetest.Data(sampleIssues()...),
		recipe.If(`trigger.key == "SUP-1"`, recipe.Stop(`"done early: " + trigger.key`)),
		recipe.If(`trigger.key == "SUP-2"`, recipe.Try(recipe.Fail(`"bad " + trigger.key`)).Catch(action.RetryPolicy{}, recipe.Do("caught", rec, recipe.Pills{}))),
		recipe.Do("rest", rec, recipe.Pills{"text": `trigger.key`}),
	)
	res := recipetest.Run(t, r, nil)
	if j := res.Job(0); j.Status != recipe.JobStopped || j.Message != "done early: SUP-1" || len(j.Steps) != 0 {
		t.Errorf("job 0 = %+v", j)
	}
	if j := res.Job(1); j.Status != recipe.JobFailed || j.Message != "bad SUP-2" || j.ErrorType != "failed" {
		t.Errorf("job 1 = %+v", j)
	}
	if j := res.Job(2); j.Status != recipe.JobSucceeded {
		t.Errorf("job 2 = %+v", j)
	}
	if got := texts(rec.Calls()); len(got) != 1 || got[0] != "SUP-3" {
		t.Errorf("calls = %q (Fail must not be caught, Stop must end the job)", got)
	}
	if res.Summary.Jobs[recipe.JobStopped] != 1 || res.Summary.Jobs[recipe.JobFailed] != 1 || res.Summary.Total() != 3 {
		t.Errorf("summary = %+v", res.Summary)
	}
}

// TestFailMessagePillErrorNamesTheFailStep checks that a message pill that
// fails at run time is reported against the Fail step, as build errors name
// it, not against a Stop step the recipe does not have.
func TestFailMessagePillErrorNamesTheFailStep(t *testing.T) {
	r := mustNew(t, "failmsg", recipetest.Data(sampleIssues()[0]),
		recipe.Fail(`split(trigger.key, "-")[5]`),
	)
	res := recipetest.Run(t, r, nil)
	j := res.Job(0)
	if j.Status != recipe.JobFailed || j.ErrorType != "pill" {
		t.Fatalf("job = %+v, want failed with a pill error", j)
	}
	if !strings.Contains(j.Error, `step "Fail#1", field "message"`) || strings.Contains(j.Error, "Stop") {
		t.Errorf("error %q must name the Fail step and its message field", j.Error)
	}
}

func TestTriggerConditionDropsEventsBeforeAnyJob(t *testing.T) {
	rec := recorder()
	trig := recipetest.Data(sampleIssues()...)
	r := mustNew(t, "when", trig,
		recipe.When(`trigger.fields.priority != nil`),
		recipe.When(`trigger.fields.priority.name != "Low"`),
		recipe.Do("n", rec, recipe.Pills{"text": `trigger.key`}),
	)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res := recipetest.Run(t, r, &recipetest.Options{Logger: logger})
	if len(res.Jobs) != 1 || res.Job(0).Event.ID != "1" || res.Summary.Jobs[recipe.JobSkipped] != 2 {
		t.Fatalf("jobs %d, summary %+v", len(res.Jobs), res.Summary)
	}
	// Each skipped event is counted under the first condition that was
	// false: SUP-3 has no priority, SUP-2's is Low.
	wantReasons := map[string]int{
		`condition "trigger.fields.priority != nil" false`:          1,
		`condition "trigger.fields.priority.name != \"Low\"" false`: 1,
	}
	if !maps.Equal(res.Summary.Skipped, wantReasons) {
		t.Errorf("skip reasons = %v, want %v", res.Summary.Skipped, wantReasons)
	}
	if got, want := res.Summary.String(), `events: 3; jobs: 1 (1 succeeded); skipped: 2 (1 condition "trigger.fields.priority != nil" false; 1 condition "trigger.fields.priority.name != \"Low\"" false)`; got != want {
		t.Errorf("summary line\n got %s\nwant %s", got, want)
	}
	for _, want := range []string{
		`level=DEBUG msg="event skipped" recipe=when event=2 reason="condition \"trigger.fields.priority.name != \\\"Low\\\"\" false"`,
		`level=DEBUG msg="event skipped" recipe=when event=3 reason="condition \"trigger.fields.priority != nil\" false"`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	// The ledger remembers dropped events: a replay from the start is
	// harmless, and its events count as duplicates, not as skipped again.
	if _, err := res.Store.Accept(context.Background(), recipe.Batch{Recipe: "when", SetCursor: true}); err != nil {
		t.Fatal(err)
	}
	sum, err := res.Engine.RunOnce(context.Background())
	if err != nil || sum.Events != 3 || sum.Duplicates != 3 || sum.Jobs[recipe.JobSkipped] != 0 || sum.Total() != 0 || len(sum.Skipped) != 0 {
		t.Fatalf("replay: %+v %v", sum, err)
	}
	if got, want := sum.String(), "events: 3 (3 duplicates); jobs: 0"; got != want {
		t.Errorf("replay summary line %q, want %q", got, want)
	}
}

func TestSummaryLineNamesASingleSkipReason(t *testing.T) {
	r := mustNew(t, "one-reason", recipetest.Data(1, 2, 3, 4),
		recipe.When(`trigger % 2 == 1`),
		recipe.Do("n", recorder(), recipe.Pills{"text": `to_s(trigger)`}),
	)
	res := recipetest.Run(t, r, nil)
	if got, want := res.Summary.String(), `events: 4; jobs: 2 (2 succeeded); skipped: 2 (condition "trigger % 2 == 1" false)`; got != want {
		t.Errorf("summary line\n got %s\nwant %s", got, want)
	}
}

func TestHelpers(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "helpers", recipetest.Data(sampleIssues()[2]),
		recipe.Do("h", rec, recipe.Pills{"text": `join([
			to_s(present(trigger.fields.summary)), to_s(blank("  ")), strip(trigger.fields.summary),
			upcase("a"), downcase("B"), capitalize("hELLO"), truncate("abcdefghij", 6), default("", "dflt"),
			coalesce("", "x", "y"), to_s(includes(["a", "b"], "b")), to_s(includes("team", "ea")),
			format_date(add_days(parse_date("2024-02-28"), 2), "date"), to_s(to_i("42") + 1), to_s(to_f("1.5")),
			format_date(now(), "iso8601"), to_s(days_between(parse_date("2024-01-01"), parse_date("2024-03-01"))),
			to_s(presence("") == nil), join(split("a,b", ","), "+")
		], "|")`}),
	)
	recipetest.Run(t, r, nil)
	want := "true|true|needs triage|A|b|Hello|abc...|dflt|x|true|true|2024-03-01|43|1.5|2024-01-01T00:00:00Z|60|true|a+b"
	if got := rec.Calls()[0].Text; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestPillMemoryBudget(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "budget", recipetest.Data(1),
		recipe.PillMemoryBudget(100),
		recipe.Do("big", rec, recipe.Pills{"n": `len(map(1..10000, # * 2))`}),
	)
	res := recipetest.Run(t, r, nil)
	if j := res.Job(0); j.Status != recipe.JobFailed || !strings.Contains(j.Error, "memory budget") {
		t.Fatalf("job = %+v", j)
	}
}

func TestEventDataIsNeverCode(t *testing.T) {
	rec := recorder()
	evil := issue{Key: `"; Fail("x"); "`, Fields: fields{Summary: `trigger.key + 1`}}
	r := mustNew(t, "data", recipetest.Data(evil),
		recipe.Do("echo", rec, recipe.Pills{"text": `trigger.fields.summary + trigger.key`}))
	res := recipetest.Run(t, r, nil)
	if res.Succeeded() != 1 || rec.Calls()[0].Text != evil.Fields.Summary+evil.Key {
		t.Fatalf("got %+v", rec.Calls())
	}
}

func TestConcurrencyRunsJobsInParallel(t *testing.T) {
	const n = 4
	var (
		mu      sync.Mutex
		running int
		peak    int
	)
	release := make(chan struct{})
	arrived := make(chan struct{}, n)
	block := recipetest.NewAction("block", func(ctx context.Context, in note) (note, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		arrived <- struct{}{}
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return in, nil
	})
	var data []int
	for i := range 8 {
		data = append(data, i)
	}
	r := mustNew(t, "parallel", recipetest.Data(data...), recipe.Concurrency(n),
		recipe.Do("block", block, recipe.Pills{}))
	go func() {
		for range n {
			<-arrived // n jobs are inside the action at the same time
		}
		close(release)
		for range 8 - n {
			<-arrived
		}
	}()
	res := recipetest.Run(t, r, nil)
	if res.Succeeded() != 8 || peak != n {
		t.Fatalf("succeeded %d, peak concurrency %d, want %d", res.Succeeded(), peak, n)
	}
}

func TestInOrderRunsJobsOneAtATimeInEventOrder(t *testing.T) {
	var mu sync.Mutex
	var order []int
	running := atomic.Int32{}
	act := recipetest.NewAction("seq", func(_ context.Context, in note) (note, error) {
		if running.Add(1) != 1 {
			t.Error("two jobs ran at once")
		}
		mu.Lock()
		order = append(order, in.N)
		mu.Unlock()
		running.Add(-1)
		return in, nil
	})
	var data []int
	for i := range 200 {
		data = append(data, i)
	}
	trig := recipetest.Data(data...)
	trig.PageSize = 7
	r := mustNew(t, "ordered", trig, recipe.Concurrency(8), recipe.InOrder(),
		recipe.Do("seq", act, recipe.Pills{"n": `trigger`}))
	if r.Settings().Concurrency != 1 {
		t.Errorf("InOrder must force one worker, got %d", r.Settings().Concurrency)
	}
	recipetest.Run(t, r, nil)
	for i, v := range order {
		if v != i {
			t.Fatalf("job %d ran at position %d: %v", v, i, order[:i+1])
		}
	}
	if len(order) != 200 {
		t.Fatalf("ran %d jobs", len(order))
	}
}

func TestSummaryString(t *testing.T) {
	cases := []struct {
		sum  recipe.Summary
		want string
	}{
		{recipe.Summary{}, "events: 0; jobs: 0"},
		{recipe.Summary{Events: 4, Duplicates: 1, Jobs: map[recipe.JobStatus]int{recipe.JobSucceeded: 1, recipe.JobFailed: 1, recipe.JobPending: 1}},
			"events: 4 (1 duplicate); jobs: 3 (1 succeeded, 1 failed, 1 pending)"},
		{recipe.Summary{Events: 3, Jobs: map[recipe.JobStatus]int{recipe.JobStopped: 1, recipe.JobSkipped: 2}},
			"events: 3; jobs: 1 (1 stopped); skipped: 2"}, // reasons unknown: the count alone
	}
	for _, tc := range cases {
		if got := tc.sum.String(); got != tc.want {
			t.Errorf("%+v.String()\n got %s\nwant %s", tc.sum, got, tc.want)
		}
	}
}
