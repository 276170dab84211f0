package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// fillJobs stores n finished jobs spread over the day before end, in
// three recipes, with an issue-sized event payload and two steps each; one
// job in ten failed, and one in 10,000 has "needle" in its label.
func fillJobs(b *testing.B, path string, n int, end time.Time) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	payload := `{"issue":{"key":"PROJ-%d","fields":{"summary":"Customer reports %d","description":"` + strings.Repeat("lorem ipsum ", 100) + `"}}}`
	const batch = 1000
	for start := 0; start < n; start += batch {
		bt := recipe.Batch{Recipe: "r", At: end}
		for i := start; i < min(start+batch, n); i++ {
			created := end.Add(-24 * time.Hour).Add(time.Duration(i) * 24 * time.Hour / time.Duration(n))
			st := recipe.JobSucceeded
			if i%10 == 3 {
				st = recipe.JobFailed
			}
			label := fmt.Sprintf("PROJ-%d Customer reports %d", i, i)
			if i%10_000 == 7 {
				label += " needle"
			}
			bt.Jobs = append(bt.Jobs, recipe.Job{
				ID: fmt.Sprintf("job-%08d", i), Recipe: fmt.Sprintf("recipe-%d", i%3),
				Event:  recipe.EventRecord{ID: fmt.Sprintf("issue:%d@1", i), Time: created, Data: []byte(fmt.Sprintf(payload, i, i))},
				Label:  label,
				Status: st, Created: created, Finished: created.Add(time.Second),
			})
		}
		if _, err := s.Accept(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	// Steps go in directly: FinishJob's one transaction per job would make
	// the set-up the slowest part of the benchmark.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO job_steps (job_seq, seq, name, action, input, output, started, duration) VALUES ((SELECT seq FROM jobs WHERE id = ?), ?, ?, ?, '{}', '{}', ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		for seq, name := range []string{"fetch", "comment"} {
			if _, err := stmt.Exec(fmt.Sprintf("job-%08d", i), seq, name, "jira."+name, 0, (i%100+1)*int(time.Millisecond)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJobList answers the web UI's job list queries over 100,000
// stored jobs: one page of 50, filtered as an operator would.
func BenchmarkJobList(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	end := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(b.TempDir(), "jobs.db")
	fillJobs(b, path, n, end)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name string
		q    recipe.JobQuery
		want int
	}{
		{"newest", recipe.JobQuery{}, 50},
		{"recipe+status", recipe.JobQuery{Recipe: "recipe-0", Status: recipe.JobFailed}, 50},
		{"recipe+status+page", recipe.JobQuery{Recipe: "recipe-0", Status: recipe.JobFailed, Before: fmt.Sprintf("job-%08d", n/2)}, 50},
		{"time-range+status", recipe.JobQuery{Status: recipe.JobFailed, Since: end.Add(-13 * time.Hour), Until: end.Add(-12 * time.Hour)}, 50},
		{"text-issue-key", recipe.JobQuery{Text: "proj-4242 "}, 1},
		{"text-rare-word", recipe.JobQuery{Text: "needle"}, 10},
		{"text+recipe+status", recipe.JobQuery{Recipe: "recipe-1", Status: recipe.JobFailed, Text: "reports 9"}, 50},
	}
	for _, c := range cases {
		c.q.Limit, c.q.WithoutSteps = 50, true
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				jobs, err := recipe.CollectJobs(s.Jobs(ctx, c.q))
				if err != nil {
					b.Fatal(err)
				}
				if len(jobs) != c.want {
					b.Fatalf("%d jobs, want %d", len(jobs), c.want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
		})
	}
	day := recipe.CountQuery{Since: end.Add(-24 * time.Hour), Until: end, Bucket: time.Minute}
	b.Run("counts-per-minute-day", func(b *testing.B) {
		for b.Loop() {
			counts, err := s.JobCounts(ctx, day)
			if err != nil || len(counts) == 0 {
				b.Fatal(len(counts), err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/query")
	})
	b.Run("counts-recipes-day", func(b *testing.B) {
		q := day
		q.Bucket = 0
		for b.Loop() {
			counts, err := s.JobCounts(ctx, q)
			if err != nil || len(counts) != 6 {
				b.Fatal(counts, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/query")
	})
	b.Run("step-stats-recipe-day-2000-jobs", func(b *testing.B) {
		q := day
		q.Recipe, q.Bucket, q.MaxJobs = "recipe-0", 0, 2000
		for b.Loop() {
			stats, err := s.StepStats(ctx, q)
			if err != nil || len(stats) != 2 {
				b.Fatal(stats, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/query")
	})
}
