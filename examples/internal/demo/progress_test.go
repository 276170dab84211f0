package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/examples/internal/outputtest"
	"github.com/recipekit/recipekit/recipe"
)

func TestReporterPlainLines(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	store := recipe.NewMemoryStore()
	data, _ := json.Marshal(map[string]any{"key": "DEMO-7", "fields": map[string]any{"summary": "Login fails"}})
	_, err := store.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{{ID: "j1", Recipe: "r", Status: recipe.JobPending, Event: recipe.EventRecord{ID: "e1", Data: data}}}, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	rep := newReporter(&out, false, store)
	job := recipe.JobInfo{ID: "j1", Recipe: "r", EventID: "e1"}
	rep.Progress(ctx, "r", 0, 0)
	rep.Progress(ctx, "r", 1, 3)
	rep.Progress(ctx, "r", 1, 3) // unchanged: not printed again
	rep.JobStarted(ctx, job)
	rep.StepFinished(ctx, job, recipe.StepRecord{Name: "comment", Action: "jira.add_comment", Duration: 12 * time.Millisecond})
	rep.StepFinished(ctx, job, recipe.StepRecord{Name: "start", Action: "jira.transition_issue", Error: "no such transition"})
	rep.JobFinished(ctx, job, recipe.JobResult{Status: recipe.JobFailed, Error: "step \"start\": no such transition"})
	rep.PrintSummary()
	got := out.String()
	outputtest.Contains(t, got,
		"[r] 1 of about 3 events\n",
		"[r] DEMO-7 \"Login fails\"\n",
		"    ✓ comment (jira.add_comment) 12ms\n",
		"    ✗ start (jira.transition_issue): no such transition\n",
		"    → failed: step \"start\": no such transition\n",
		"summary: 1 jobs: 1 failed\n",
		"  failed: [r] DEMO-7 \"Login fails\": step \"start\": no such transition\n",
	)
	if strings.Count(got, "1 of about 3") != 1 || strings.Contains(got, "\r") {
		t.Errorf("plain output repeats progress or draws a bar:\n%q", got)
	}
	if rep.Finished() != 1 || rep.Counts()[recipe.JobFailed] != 1 || len(rep.Failures()) != 1 {
		t.Errorf("counts %v failures %v", rep.Counts(), rep.Failures())
	}
}

func TestReporterBarOnTerminal(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	rep := newReporter(&out, true, nil)
	rep.Progress(ctx, "sync", 5, 20)
	rep.Printf("a line")
	rep.Progress(ctx, "sync", 20, 20)
	got := out.String()
	bar := ProgressBar("sync", 5, 20, 30)
	if !strings.HasPrefix(got, "\r\033[K"+bar) {
		t.Fatalf("no bar drawn in place: %q", got)
	}
	if !strings.Contains(got, "\r\033[Ka line\n"+bar) {
		t.Errorf("a printed line should clear the bar and redraw it after: %q", got)
	}
	if !strings.HasSuffix(got, ProgressBar("sync", 20, 20, 30)+"\n") {
		t.Errorf("final bar should end its line: %q", got)
	}
	if b := ProgressBar("x", 5, 20, 10); b != "[##--------] 5 of about 20 events (x)" {
		t.Errorf("bar = %q", b)
	}
}

func TestReporterWaitFinished(t *testing.T) {
	rep := newReporter(&bytes.Buffer{}, false, nil)
	done := make(chan error, 1)
	go func() { done <- rep.WaitFinished(context.Background(), 2) }()
	for i := range 2 {
		rep.JobFinished(context.Background(), recipe.JobInfo{ID: string(rune('a' + i))}, recipe.JobResult{Status: recipe.JobSucceeded})
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rep.WaitFinished(ctx, 3); err == nil {
		t.Error("WaitFinished should give up when ctx ends")
	}
}

func TestEventLabel(t *testing.T) {
	cases := map[string]string{
		`{"key":"DEMO-1","fields":{"summary":"Hello"}}`:                                       `DEMO-1 "Hello"`,
		`{"issue":{"key":"SUP-2","fields":{"summary":"Hi"}},"comment":{"body":"any\nnews?"}}`: `SUP-2 "Hi" comment "any news?"`,
		`{"id":"evt-2","type":"ticket.updated","ticket":{"id":"1001","subject":"No PDF"}}`:    `desk ticket.updated: ticket #1001 "No PDF"`,
		`{"id":"1"}`: ``,
		`not json`:   ``,
	}
	for in, want := range cases {
		if got := EventLabel(json.RawMessage(in)); got != want {
			t.Errorf("EventLabel(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	if got := SummaryLine(nil); !strings.Contains(got, "nothing to do") {
		t.Errorf("empty summary = %q", got)
	}
	got := SummaryLine(map[recipe.JobStatus]int{recipe.JobSucceeded: 3, recipe.JobSkipped: 2})
	if got != "summary: 3 jobs: 3 succeeded, 2 skipped" {
		t.Errorf("summary = %q", got)
	}
}

func TestReporterWaitForChecksAfterEachJob(t *testing.T) {
	rep := newReporter(&bytes.Buffer{}, false, nil)
	var mu sync.Mutex
	done := false
	errc := make(chan error, 1)
	go func() {
		errc <- rep.WaitFor(context.Background(), "done", func() bool { mu.Lock(); defer mu.Unlock(); return done })
	}()
	rep.JobFinished(context.Background(), recipe.JobInfo{ID: "a"}, recipe.JobResult{Status: recipe.JobSucceeded})
	mu.Lock()
	done = true
	mu.Unlock()
	rep.JobFinished(context.Background(), recipe.JobInfo{ID: "b"}, recipe.JobResult{Status: recipe.JobSucceeded})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rep.WaitFor(ctx, "never", func() bool { return false }); err == nil || !strings.Contains(err.Error(), "never") {
		t.Errorf("err = %v", err)
	}
}
