package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
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
			store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
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
