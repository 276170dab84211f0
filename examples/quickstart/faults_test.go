package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/recipe"
)

// fastClock runs the engine's time 100 times faster than the real clock:
// poll intervals, step backoffs and job retry schedules keep their
// production values and pass quickly.
type fastClock struct{ start time.Time }

const speedup = 100

func (c fastClock) Now() time.Time { return c.start.Add(time.Since(c.start) * speedup) }
func (c fastClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	time.AfterFunc(d/speedup, func() { ch <- c.Now() })
	return ch
}

// fastSleep is httpx's wait (Retry-After, backoff) sped up the same way.
func fastSleep(ctx context.Context, d time.Duration) error {
	return demo.Pause(ctx, d/speedup)
}

type faultCell struct {
	name string
	set  func(sim *jiratest.Server)
}

var faultCells = []faultCell{
	{"none", func(*jiratest.Server) {}}, // the baseline for the figures
	{"429", func(sim *jiratest.Server) { sim.SetRateLimit(jiratest.RateLimit{EveryNth: 5}) }},
	{"503", func(sim *jiratest.Server) {
		sim.SetFaults(jiratest.Faults{Unavailable: jiratest.FaultRate{Probability: 0.2}})
	}},
	{"reset-before", func(sim *jiratest.Server) {
		sim.SetFaults(jiratest.Faults{DropConnection: jiratest.FaultRate{Probability: 0.2}})
	}},
	{"reset-after", func(sim *jiratest.Server) {
		sim.SetFaults(jiratest.Faults{LoseResponse: jiratest.FaultRate{Probability: 0.2}})
	}},
}

type cellResult struct {
	fault    string
	seed     int64
	requests int
	took     time.Duration
}

// TestQuickstartUnderFaults runs the quickstart recipe against a Jira that
// answers 20% of requests with 429, or 503, or resets the connection before
// or after handling them: 15 new issues, 5 seeds per fault. Without anyone
// rerunning a job, every new issue ends with exactly one comment, and every
// Highest one labelled urgent and In Progress. It logs requests per issue
// and the time to converge for each fault.
func TestQuickstartUnderFaults(t *testing.T) {
	var mu sync.Mutex
	var results []cellResult
	t.Run("cells", func(t *testing.T) {
		for _, cell := range faultCells {
			for seed := int64(1); seed <= 5; seed++ {
				t.Run(fmt.Sprintf("%s/seed%d", cell.name, seed), func(t *testing.T) {
					t.Parallel()
					res := runFaultCell(t, cell, seed)
					mu.Lock()
					results = append(results, res)
					mu.Unlock()
				})
			}
		}
	})
	if t.Failed() {
		return
	}
	t.Log(faultTable(results))
}

// faultTable renders the per-fault figures: requests per new issue and the
// time until every issue was handled, as min / median / max over the seeds.
func faultTable(results []cellResult) string {
	var b strings.Builder
	// The cells run in parallel, so the times include waiting for the CPU.
	fmt.Fprintf(&b, "\n%d new issues per cell, 5 seeds, min / median / max; cells run in parallel on a 100x engine clock\n", faultIssues)
	fmt.Fprintf(&b, "%-13s %-24s %-30s\n", "fault (20%)", "requests per issue", "real time to converge")
	for _, cell := range faultCells {
		var reqs []float64
		var took []time.Duration
		for _, r := range results {
			if r.fault == cell.name {
				reqs = append(reqs, float64(r.requests)/faultIssues)
				took = append(took, r.took)
			}
		}
		if len(reqs) == 0 {
			continue
		}
		sort.Float64s(reqs)
		slices.Sort(took)
		fmt.Fprintf(&b, "%-13s %5.1f / %5.1f / %5.1f       %8v / %8v / %8v\n", cell.name,
			reqs[0], reqs[len(reqs)/2], reqs[len(reqs)-1],
			took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	}
	return b.String()
}

const faultIssues = 15

func runFaultCell(t *testing.T, cell faultCell, seed int64) cellResult {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud, Seed: seed})
	people := sim.SeedDemo()
	jc, err := jira.New(jira.Config{Name: "quickstart", URL: sim.URL(),
		Auth: auth.APIToken{Email: people.Admin.Email, Token: auth.Secret(people.Admin.APIToken)},
		HTTP: httpx.Options{Sleep: fastSleep}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jc.Test(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var keys []string
	var highest []string
	for i := range faultIssues {
		prio := []string{"Highest", "High", "Low"}[i%3]
		is, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Bug", Priority: prio, Summary: fmt.Sprintf("Fault %s seed %d issue %d", cell.name, seed, i)})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
		if prio == "Highest" {
			highest = append(highest, is.Key)
		}
	}
	ack, err := acknowledge(jc, jira.PollOptions{Project: "DEMO", Since: start.Add(-time.Minute), PollInterval: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store := recipe.NewMemoryStore()
	eng := recipe.NewEngine(store, recipe.WithClock(fastClock{start: time.Now()}))
	if err := eng.Add(ack); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	cell.set(sim)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- eng.Run(runCtx) }()

	handled := func() bool {
		for _, k := range keys {
			if len(sim.Comments(k)) == 0 {
				return false
			}
		}
		for _, k := range highest {
			is, _ := sim.Issue(k)
			if is.Status != "In Progress" || !slices.Contains(is.Labels, "urgent") {
				return false
			}
		}
		jobs, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: ack.Name()}))
		if err != nil || len(jobs) < faultIssues {
			return false
		}
		for _, j := range jobs {
			if j.Status != recipe.JobSucceeded {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(90 * time.Second)
	for !handled() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(began)
	requests := len(sim.Requests())
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(jiratest.Faults{})
	sim.SetRateLimit(jiratest.RateLimit{})

	for _, k := range keys {
		if n := len(sim.Comments(k)); n != 1 {
			t.Errorf("%s has %d comments, want exactly 1", k, n)
		}
	}
	for _, k := range highest {
		is, _ := sim.Issue(k)
		if is.Status != "In Progress" || !slices.Contains(is.Labels, "urgent") {
			t.Errorf("Highest issue %s: status %s, labels %v; want In Progress and urgent", k, is.Status, is.Labels)
		}
	}
	jobs, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: ack.Name()}))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Status != recipe.JobSucceeded {
			t.Errorf("job %s for %s is %s (retries %d, next attempt %v): %s", j.ID, j.Event.ID, j.Status, j.Retries, j.NextAttempt, j.Error)
		}
	}
	if len(jobs) != faultIssues {
		t.Errorf("%d jobs for %d new issues", len(jobs), faultIssues)
	}
	return cellResult{fault: cell.name, seed: seed, requests: requests, took: took}
}
