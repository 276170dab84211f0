package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/internal/cputime"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

type benchIn struct {
	Key string `expr:"key" json:"key"`
	N   int    `expr:"n" json:"n"`
}

// BenchmarkJobsPerSecond runs a five-step recipe of no-op idempotent
// actions over a SQLite file and reports jobs per second.
func BenchmarkJobsPerSecond(b *testing.B) {
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			ctx := context.Background()
			store := openPath(b, filepath.Join(b.TempDir(), "bench.db"))
			defer store.Close()
			evs := make([]trigger.Event[crashEvent], b.N)
			for i := range evs {
				evs[i] = trigger.Event[crashEvent]{ID: fmt.Sprint(i), Data: crashEvent{N: i}}
			}
			trig := recipetest.Events(evs...)
			trig.PageSize = 500
			noop := action.New(action.Info{Name: "noop", Idempotent: true}, nil,
				func(_ context.Context, in benchIn) (benchIn, error) { return in, nil })
			r, err := recipe.New("bench", trigger.Trigger[crashEvent](trig), recipe.Concurrency(conc),
				recipe.Do("s1", noop, recipe.Pills{"key": `"k" + to_s(trigger.n)`}),
				recipe.Do("s2", noop, recipe.Pills{"key": `s1.key`, "n": `trigger.n`}),
				recipe.Do("s3", noop, recipe.Pills{"key": `s2.key`, "n": `s2.n + 1`}),
				recipe.Do("s4", noop, recipe.Pills{"key": `s3.key`}),
				recipe.Do("s5", noop, recipe.Pills{"key": `s4.key`, "n": `s3.n`}),
			)
			if err != nil {
				b.Fatal(err)
			}
			eng := recipe.NewEngine(store)
			if err := eng.Add(r); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := eng.RunOnce(ctx)
			b.StopTimer()
			if err != nil || sum.Jobs[recipe.JobSucceeded] != b.N {
				b.Fatalf("%+v %v", sum, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkJobWrites measures the store's writes for one job of a recipe
// with one writing step, as the engine makes them: its share of a 100-job
// Accept (with an event of 2.5 KB, the size of a Jira issue), the
// checkpoint marking it running before the step, and FinishJob with the
// step's record (a 1 KB output). It reports the process CPU time per job
// (cpu-µs/job): on a busy machine ns/op also counts the time spent waiting.
func BenchmarkJobWrites(b *testing.B) {
	ctx := context.Background()
	store := openPath(b, filepath.Join(b.TempDir(), "bench.db"))
	defer store.Close()
	output := []byte(`{"body":"` + strings.Repeat("y", 1000) + `"}`)
	input := []byte(`{"issueKey":"DEMO-1","body":"Thanks!"}`)
	now := time.Now()
	b.ReportAllocs()
	n := 0
	reportCPU := cpuPerJob(b)
	for b.Loop() {
		if n%benchPageSize == 0 {
			if _, err := store.Accept(ctx, benchPage(n, now, false)); err != nil {
				b.Fatal(err)
			}
		}
		id := fmt.Sprintf("job-%d", n)
		if err := store.SaveSteps(ctx, id, nil); err != nil {
			b.Fatal(err)
		}
		step := recipe.StepRecord{Seq: 0, Name: "comment", Action: "add_comment", Input: input, Output: output, Attempts: 1, Started: now, Duration: time.Millisecond}
		if err := store.FinishJob(ctx, id, recipe.JobResult{Status: recipe.JobSucceeded, Finished: now}, []recipe.StepRecord{step}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportCPU(n)
}

// BenchmarkJobWritesBatched measures the store's writes for one job as
// the engine makes them on a JobWriter store when a recipe's one writing
// step checks its effect: its share of a 100-job Accept (events of 2.5
// KB), of a WriteJobs marking 32 queued jobs running, and of a WriteJobs
// storing the ends of 32 jobs with the step's record (a 1 KB output). It
// reports the process CPU time per job (cpu-µs/job).
func BenchmarkJobWritesBatched(b *testing.B) {
	ctx := context.Background()
	store := openPath(b, filepath.Join(b.TempDir(), "bench.db"))
	defer store.Close()
	data := []byte(`{"summary":"` + strings.Repeat("x", 2500) + `"}`)
	output := []byte(`{"body":"` + strings.Repeat("y", 1000) + `"}`)
	input := []byte(`{"issueKey":"DEMO-1","body":"Thanks!"}`)
	now := time.Now()
	const page, batch = 100, 32
	var marks, ends []recipe.JobWrite
	steps := make([][]recipe.StepRecord, batch)
	write := func(ws []recipe.JobWrite) {
		if errs := store.WriteJobs(ctx, ws); errs != nil {
			b.Fatal(errs)
		}
	}
	b.ReportAllocs()
	n := 0
	cpu0, cpuOK := cputime.Process()
	for b.Loop() {
		if n%page == 0 {
			batch := recipe.Batch{Recipe: "bench", SetCursor: true, Cursor: trigger.Cursor(fmt.Sprint(n)), At: now}
			for i := range page {
				id := fmt.Sprintf("job-%d", n+i)
				batch.Jobs = append(batch.Jobs, recipe.Job{ID: id, Recipe: "bench", Event: recipe.EventRecord{ID: "ev-" + id, Time: now, Data: data}, Status: recipe.JobPending, Created: now})
			}
			if _, err := store.Accept(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		id := fmt.Sprintf("job-%d", n)
		if marks = append(marks, recipe.JobWrite{JobID: id}); len(marks) == batch || n%page == page-1 {
			write(marks)
			marks = marks[:0]
		}
		i := len(ends)
		steps[i] = append(steps[i][:0], recipe.StepRecord{Seq: 0, Name: "comment", Action: "add_comment", Input: input, Output: output, Attempts: 1, Started: now, Duration: time.Millisecond})
		ends = append(ends, recipe.JobWrite{JobID: id, Steps: steps[i], Result: &recipe.JobResult{Status: recipe.JobSucceeded, Finished: now}})
		if len(ends) == batch || n%page == page-1 {
			write(ends)
			ends = ends[:0]
		}
		n++
	}
	if cpu1, ok := cputime.Process(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(n), "cpu-µs/job")
	}
}

// BenchmarkAccept measures storing pages of 100 new jobs (events of 2.5
// KB, the size of a Jira issue) with Accept, as a polling trigger's pages
// are stored. It reports the process CPU time per job (cpu-µs/job).
func BenchmarkAccept(b *testing.B) {
	ctx := context.Background()
	store := openPath(b, filepath.Join(b.TempDir(), "bench.db"))
	defer store.Close()
	now := time.Now()
	b.ReportAllocs()
	n := 0
	reportCPU := cpuPerJob(b)
	for b.Loop() {
		if _, err := store.Accept(ctx, benchPage(n, now, true)); err != nil {
			b.Fatal(err)
		}
		n += benchPageSize
	}
	reportCPU(n)
}

// cpuPerJob starts measuring the process CPU time; the function it returns
// reports the time since per job, for jobs jobs (cpu-µs/job): on a busy
// machine ns/op also counts the time spent waiting. Where the CPU time is
// not read, it reports nothing.
func cpuPerJob(b *testing.B) (report func(jobs int)) {
	cpu0, ok0 := cputime.Process()
	return func(jobs int) {
		if cpu1, ok := cputime.Process(); ok && ok0 {
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(jobs), "cpu-µs/job")
		}
	}
}

// benchPageSize is how many jobs a page of benchPage holds.
const benchPageSize = 100

// benchEvent is the data of an event of benchPage: 2.5 KB, the size of a
// Jira issue.
var benchEvent = []byte(`{"summary":"` + strings.Repeat("x", 2500) + `"}`)

// benchPage is a page of new jobs from job-n on, as a polling trigger's
// page is stored with Accept; labelled gives each job a label, as an
// issue's key and summary label its job.
func benchPage(n int, now time.Time, labelled bool) recipe.Batch {
	batch := recipe.Batch{Recipe: "bench", SetCursor: true, Cursor: trigger.Cursor(fmt.Sprint(n)), At: now}
	for i := range benchPageSize {
		id := fmt.Sprintf("job-%d", n+i)
		job := recipe.Job{ID: id, Recipe: "bench", Event: recipe.EventRecord{ID: "ev-" + id, Time: now, Data: benchEvent}, Status: recipe.JobPending, Created: now}
		if labelled {
			job.Label = fmt.Sprintf("DEMO-%d Printer on fire", n+i)
		}
		batch.Jobs = append(batch.Jobs, job)
	}
	return batch
}
