package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/internal/cputime"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// The integration user of the simulator's demo data.
const (
	benchEmail = "integration@example.com"
	benchToken = "demo-api-token"
)

// benchIssues is the size of the job the benchmarks run.
const benchIssues = 1000

// commentPill is the comment's text as a pill; bareComment builds the same
// text in the bare loop.
const commentPill = `"Thanks! " + trigger.key + " \"" + trigger.fields.summary + "\" is queued for triage."`

func bareComment(key, summary string) string {
	return "Thanks! " + key + " \"" + summary + "\" is queued for triage."
}

// sample is what one run of the job cost.
type sample struct {
	cpu     time.Duration // process CPU time, user and system
	wall    time.Duration
	allocs  uint64 // heap objects allocated
	bytes   uint64 // heap bytes allocated
	reqs    requestCounts
	cpuSeen bool // the platform reports process CPU time
	// concurrency is the recipe's (the default when the run sets none).
	concurrency int
}

// meter reads the process's CPU time and allocation counters.
type meter struct {
	cpu     time.Duration
	cpuSeen bool
	wall    time.Time
	allocs  uint64
	bytes   uint64
}

var allocMetrics = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}

func readMeter() meter {
	metrics.Read(allocMetrics)
	cpu, ok := cputime.Process()
	return meter{cpu: cpu, cpuSeen: ok, wall: time.Now(), allocs: allocMetrics[0].Value.Uint64(), bytes: allocMetrics[1].Value.Uint64()}
}

func (m meter) since(start meter) sample {
	return sample{cpu: m.cpu - start.cpu, cpuSeen: m.cpuSeen && start.cpuSeen, wall: m.wall.Sub(start.wall), allocs: m.allocs - start.allocs, bytes: m.bytes - start.bytes}
}

// run says how one run of the job is made.
type run struct {
	store       string // "sqlite" or "memory"
	concurrency int
	latency     time.Duration
}

// runRecipe runs the job as a program using recipekit would: a Jira
// connection, the recipe, a store, an engine and RunOnce. The meter covers
// all of it, from opening the store to closing it.
func runRecipe(ctx context.Context, sim *simulator, dir string, rc run) (sample, error) {
	st, err := sim.setup(ctx, benchIssues, rc.latency)
	if err != nil {
		return sample{}, err
	}
	runtime.GC()
	start := readMeter()
	var store recipe.Store
	if rc.store == "memory" {
		store = recipe.NewMemoryStore()
	} else {
		s, err := sqlite.Open(ctx, filepath.Join(dir, st.Project+".db"))
		if err != nil {
			return sample{}, err
		}
		store = s
	}
	defer store.Close()
	jc, err := jira.New(jira.Config{Name: "bench", URL: sim.url, Auth: auth.APIToken{Email: benchEmail, Token: auth.Secret(benchToken)}})
	if err != nil {
		return sample{}, err
	}
	parts := []recipe.Part{
		recipe.Do("comment", jc.AddComment(), recipe.Pills{"issueKey": `trigger.key`, "body": commentPill}),
	}
	if rc.concurrency > 0 {
		parts = append(parts, recipe.Concurrency(rc.concurrency))
	}
	r, err := recipe.New("comment-each-issue", jc.NewIssue(jira.PollOptions{Project: st.Project, Since: st.Since}), parts...)
	if err != nil {
		return sample{}, err
	}
	conc := r.Settings().Concurrency
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		return sample{}, err
	}
	sum, err := eng.RunOnce(ctx)
	if err != nil {
		return sample{}, err
	}
	if err := store.Close(); err != nil {
		return sample{}, err
	}
	s := readMeter().since(start)
	s.concurrency = conc
	if got := sum.Jobs[recipe.JobSucceeded]; got != benchIssues {
		return s, fmt.Errorf("%d of %d jobs succeeded: %s", got, benchIssues, sum)
	}
	if s.reqs, err = sim.requests(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// BenchmarkCommentEachIssue runs the job "JQL search of a project, then add
// a comment to each issue" over 1,000 issues against the simulator (in
// another process, over loopback).
//
// The store=sqlite and store=memory variants run recipekit (RunOnce, default
// concurrency) and then a bare net/http keep-alive loop making the same
// requests, and report per issue: CPU time of each (cpu-ms/issue,
// bare-cpu-ms/issue) and their ratio (cpu-ratio), heap allocations
// (allocs/issue, bare-allocs/issue), requests, and recipekit's jobs/s.
//
// The latency=5ms variants delay every request by 5 ms and report the wall
// time (wall-s) against the bound the concurrency sets, delayed requests ×
// 5 ms / concurrency (bound-s), and their ratio (wall/bound), beside the
// ratio of the bare loop making the same requests with the same
// concurrency (bare-wall/bound): the floor the machine, the simulator and
// loopback set in the same run.
func BenchmarkCommentEachIssue(b *testing.B) {
	sim := startSimulator(b)
	ctx := context.Background()
	for _, store := range []string{"sqlite", "memory"} {
		b.Run("store="+store, func(b *testing.B) {
			rk, bare := measure(b, ctx, sim, run{store: store}, run{concurrency: 1})
			n := float64(b.N * benchIssues)
			if rk.cpuSeen {
				b.ReportMetric(rk.cpu.Seconds()*1000/n, "cpu-ms/issue")
				b.ReportMetric(bare.cpu.Seconds()*1000/n, "bare-cpu-ms/issue")
				b.ReportMetric(rk.cpu.Seconds()/bare.cpu.Seconds(), "cpu-ratio")
			}
			b.ReportMetric(float64(rk.allocs)/n, "allocs/issue")
			b.ReportMetric(float64(rk.bytes)/n, "B/issue")
			b.ReportMetric(float64(bare.allocs)/n, "bare-allocs/issue")
			b.ReportMetric(n/rk.wall.Seconds(), "jobs/s")
			b.ReportMetric(float64(rk.reqs.total())/n, "requests/issue")
		})
	}
	const latency = 5 * time.Millisecond
	for _, conc := range []int{0, 8} {
		name := "latency=5ms/concurrency=default"
		if conc > 0 {
			name = fmt.Sprintf("latency=5ms/concurrency=%d", conc)
		}
		b.Run(name, func(b *testing.B) {
			rk, bare := measure(b, ctx, sim, run{store: "sqlite", concurrency: conc, latency: latency}, run{latency: latency})
			bound := time.Duration(rk.reqs.delayed()) * latency / time.Duration(rk.concurrency)
			b.ReportMetric(rk.wall.Seconds()/float64(b.N), "wall-s")
			b.ReportMetric(bound.Seconds()/float64(b.N), "bound-s")
			b.ReportMetric(rk.wall.Seconds()/bound.Seconds(), "wall/bound")
			b.ReportMetric(bare.wall.Seconds()/bound.Seconds(), "bare-wall/bound")
			b.ReportMetric(float64(b.N*benchIssues)/rk.wall.Seconds(), "jobs/s")
		})
	}
}

// measure runs the recipe as rc says b.N times, in a fresh directory
// each, and after each run the bare loop as bareRC says, at the
// concurrency the recipe ran with when bareRC gives none; both must send
// the same requests. Only the recipe's runs are timed. It returns the
// samples of both, summed.
func measure(b *testing.B, ctx context.Context, sim *simulator, rc, bareRC run) (rk, bare sample) {
	b.Helper()
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		s, err := runRecipe(ctx, sim, dir, rc)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		brc := bareRC
		if brc.concurrency == 0 {
			brc.concurrency = s.concurrency
		}
		bs, err := runBare(ctx, sim, brc)
		if err != nil {
			b.Fatal(err)
		}
		if err := sameRequests(s.reqs, bs.reqs); err != nil {
			b.Fatal(err)
		}
		rk.add(s)
		bare.add(bs)
		b.StartTimer()
	}
	return rk, bare
}

func (s *sample) add(o sample) {
	s.cpu += o.cpu
	s.cpuSeen = o.cpuSeen
	s.concurrency = o.concurrency
	s.wall += o.wall
	s.allocs += o.allocs
	s.bytes += o.bytes
	s.reqs.ServerInfo += o.reqs.ServerInfo
	s.reqs.Searches += o.reqs.Searches
	s.reqs.Counts += o.reqs.Counts
	s.reqs.Comments += o.reqs.Comments
	s.reqs.Other += o.reqs.Other
	s.reqs.Failed += o.reqs.Failed
}

// sameRequests checks that the bare loop made the requests recipekit made,
// so that the ratio compares the same work.
func sameRequests(rk, bare requestCounts) error {
	if rk.Failed > 0 || bare.Failed > 0 {
		return fmt.Errorf("requests failed: recipekit %d, bare loop %d", rk.Failed, bare.Failed)
	}
	if rk != bare {
		return errors.New("the bare loop no longer makes the requests recipekit makes (recipekit " + fmt.Sprintf("%+v", rk) +
			", bare loop " + fmt.Sprintf("%+v", bare) + "): update runBare so the ratio compares the same work")
	}
	return nil
}
