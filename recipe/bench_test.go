package recipe_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

type benchIn struct {
	Key   string `expr:"key" json:"key"`
	Title string `expr:"title" json:"title"`
	N     int    `expr:"n" json:"n"`
}

// FiveStepRecipe builds the benchmark recipe: five no-op idempotent actions
// whose inputs are pills over the trigger and earlier steps.
func fiveStepRecipe(b testing.TB, name string, trig trigger.Trigger[issue]) *recipe.Recipe {
	noop := action.New(action.Info{Name: "noop", Connector: "bench", Idempotent: true}, nil,
		func(_ context.Context, in benchIn) (benchIn, error) { return in, nil })
	r, err := recipe.New(name, trig, recipe.Concurrency(1),
		recipe.Do("s1", noop, recipe.Pills{"key": `trigger.key`, "title": `trigger.fields.summary`}),
		recipe.Do("s2", noop, recipe.Pills{"key": `s1.key`, "n": `trigger.id + 1`}),
		recipe.Do("s3", noop, recipe.Pills{"key": `s2.key`, "title": `"Re: " + s1.title`}),
		recipe.Do("s4", noop, recipe.Pills{"key": `s3.key`, "n": `s2.n * 2`}),
		recipe.Do("s5", noop, recipe.Pills{"key": `s4.key`, "title": `s3.title`}),
	)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func benchEvents(n int) *recipetest.Trigger[issue] {
	evs := make([]trigger.Event[issue], n)
	for i := range evs {
		evs[i] = trigger.Event[issue]{ID: fmt.Sprint(i), Data: issue{ID: i, Key: fmt.Sprintf("SUP-%d", i), Fields: fields{Summary: "Printer on fire"}}}
	}
	trig := recipetest.Events(evs...)
	trig.PageSize = 500
	return trig
}

// BenchmarkEngineOverhead measures the engine's cost per job (poll,
// accept, five pill-fed steps, records, finish) with the memory store.
// The store keeps every job, so compare runs with the same -benchtime
// (such as 20000x): a larger heap costs more garbage collection per job.
func BenchmarkEngineOverhead(b *testing.B) {
	r := fiveStepRecipe(b, "bench", benchEvents(b.N))
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := eng.Add(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	sum, err := eng.RunOnce(context.Background())
	b.StopTimer()
	if err != nil || sum.Jobs[recipe.JobSucceeded] != b.N {
		b.Fatalf("%+v %v", sum, err)
	}
}

// BenchmarkIdleRecipes reports the memory 1,000 added, running, idle
// recipes take.
func BenchmarkIdleRecipes(b *testing.B) {
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		eng := recipe.NewEngine(recipe.NewMemoryStore())
		for i := range 1000 {
			trig := recipetest.Data[issue]()
			trig.Interval = time.Hour
			if err := eng.Add(fiveStepRecipe(b, fmt.Sprintf("idle-%d", i), trig)); err != nil {
				b.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- eng.Run(ctx) }()
		// Let every recipe make its first poll and go idle.
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(float64(after.Sys)/(1<<20), "sys-MB")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		cancel()
		<-done
	}
}
