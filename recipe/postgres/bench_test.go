package postgres_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

// The benchmark recipe: one step whose action waits 5 ms (an I/O-bound
// call), run with benchConcurrency workers per process.
const (
	benchRecipe      = "bench"
	benchWait        = 5 * time.Millisecond
	benchConcurrency = 8
)

func benchAction() action.Action[item, noOutput] {
	return action.New(action.Info{Name: "wait", Connector: "bench", Idempotent: true}, nil,
		func(ctx context.Context, in item) (noOutput, error) {
			select {
			case <-time.After(benchWait):
			case <-ctx.Done():
				return noOutput{}, ctx.Err()
			}
			return noOutput{}, nil
		})
}

func benchRecipeOn(tb testing.TB, trig trigger.Trigger[item]) *recipe.Recipe {
	r, err := recipe.New(benchRecipe, trig, recipe.Concurrency(benchConcurrency),
		recipe.Do("wait", benchAction(), recipe.Pills{"n": `trigger.n`}))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// benchChild runs the benchmark recipe on a shared store until SIGTERM;
// its trigger has no events: the parent inserts the jobs.
func benchChild(ctx context.Context, cfg childConfig) int {
	store, err := postgres.Open(ctx, cfg.DB, postgres.WithMaxConns(benchConcurrency+4))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	trig := recipetest.Data[item]()
	trig.Interval = time.Hour
	eng := recipe.NewEngine(store, recipe.WithProcessID(cfg.Name))
	if err := eng.Add(benchRecipeOn(benchTB{}, trig)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return serveChild(ctx, eng)
}

func benchJobs(n int) []recipe.Job {
	now := time.Now()
	jobs := make([]recipe.Job, n)
	for i := range jobs {
		jobs[i] = recipe.Job{ID: fmt.Sprintf("b%08d", i), Recipe: benchRecipe, Event: recipe.EventRecord{ID: fmt.Sprint(i), Time: now, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}, Status: recipe.JobPending, Created: now}
	}
	return jobs
}

// BenchmarkSharedJobs runs b.N jobs of a recipe whose one step waits 5 ms
// on 1, 2 and 4 engine processes (real child processes) sharing one
// PostgreSQL database, each with 8 workers, and reports jobs per second and
// database transactions per job. The jobs are stored before the clock
// starts; the processes claim them.
func BenchmarkSharedJobs(b *testing.B) {
	for _, procs := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) {
			store, dbURL := openDatabase(b)
			ctx := context.Background()
			f := &fleet{t: b, logDir: b.TempDir(), cfg: childConfig{DB: dbURL, Bench: true}}
			for slot := range procs {
				f.start(slot)
			}
			defer func() {
				for slot := range procs {
					f.stop(slot)
				}
			}()
			var dbName string
			if err := store.Pool().QueryRow(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
				b.Fatal(err)
			}
			xacts := func() int64 {
				var n int64
				_ = store.Pool().QueryRow(ctx, `SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database WHERE datname = $1`, dbName).Scan(&n)
				return n
			}
			jobs := benchJobs(b.N)
			b.ResetTimer()
			x0 := xacts()
			for start := 0; start < len(jobs); start += 1000 {
				if _, err := store.Accept(ctx, recipe.Batch{Recipe: benchRecipe, Jobs: jobs[start:min(start+1000, len(jobs))], At: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
			deadline := time.Now().Add(10 * time.Minute)
			for {
				var done int
				if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM jobs WHERE status = 'succeeded'`).Scan(&done); err != nil {
					b.Fatal(err)
				}
				if done == b.N {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d jobs succeeded after 10 minutes", done, b.N)
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.StopTimer()
			// A server process reports its statistics when it ends (or
			// idles for a second): stop the engines, then read.
			for slot := range procs {
				f.stop(slot)
			}
			time.Sleep(1500 * time.Millisecond)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			b.ReportMetric(float64(xacts()-x0)/float64(b.N), "xacts/job")
		})
	}
}

// countingConn counts the writes a connection makes: each is one message
// flight to the server, so with pgx (which sends a query or a batch in one
// write and waits for its answer) one round trip.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// BenchmarkJobRoundTrips runs b.N jobs of the benchmark recipe in one
// engine on PostgreSQL, from the trigger's poll to each job's end, and
// reports the SQL round trips per job.
func BenchmarkJobRoundTrips(b *testing.B) {
	dbURL := pgtestDatabase(b)
	ctx := context.Background()
	var writes atomic.Int64
	store, err := postgres.Open(ctx, dbURL, postgres.WithPoolConfig(func(pc *pgxpool.Config) {
		dial := pc.ConnConfig.DialFunc
		pc.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, n: &writes}, nil
		}
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	runBenchOnce(b, store, func() {
		b.ReportMetric(float64(writes.Load())/float64(b.N), "round-trips/job")
	}, func() { writes.Store(0) })
}

// BenchmarkSQLiteJobs runs the same jobs in one process on a SQLite file,
// for comparison with BenchmarkSharedJobs.
func BenchmarkSQLiteJobs(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	runBenchOnce(b, store, nil, nil)
}

// runBenchOnce runs b.N events of the benchmark recipe with RunOnce and
// reports jobs per second.
func runBenchOnce(b *testing.B, store recipe.Store, report, reset func()) {
	values := make([]item, b.N)
	for i := range values {
		values[i] = item{N: i}
	}
	trig := recipetest.Data(values...)
	trig.PageSize = 500
	eng := recipe.NewEngine(store)
	if err := eng.Add(benchRecipeOn(b, trig)); err != nil {
		b.Fatal(err)
	}
	if reset != nil {
		reset()
	}
	b.ResetTimer()
	sum, err := eng.RunOnce(context.Background())
	b.StopTimer()
	if err != nil || sum.Jobs[recipe.JobSucceeded] != b.N {
		b.Fatalf("%v %v", sum, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	if report != nil {
		report()
	}
}

// benchTB lets a child process build the benchmark recipe, which cannot
// fail to build.
type benchTB struct{ testing.TB }

func (benchTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
