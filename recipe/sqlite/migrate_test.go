package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// openOldDatabase writes a database file named name with the statements
// of an older schema version and its rows, then opens it with [Open], which
// migrates it; the store closes when the test ends.
func openOldDatabase(t *testing.T, name string, statements ...string) *Store {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), name)
	db, err := sql.Open("sqlite", uriFilename(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range statements {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrationFromFirstSchemaKeepsJobs opens a database written at schema
// version 1 (before job retries): its jobs read as never retried and not
// awaiting a retry, and its failed jobs can be rerun.
func TestMigrationFromFirstSchemaKeepsJobs(t *testing.T) {
	ctx := context.Background()
	s := openOldDatabase(t, "v1.db",
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)`,
		`INSERT INTO jobs (id, recipe, event_id, event_time, status, error, created, finished) VALUES ('j1', 'r', 'e1', 1, 'failed', 'boom', 1, 2)`,
		`INSERT INTO steps (job_id, seq, name, error) VALUES ('j1', 0, 'a', ''), ('j1', 1, 'b', 'boom')`,
	)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version after Open = %d, %v; want %d", v, err, len(migrations))
	}
	j, err := s.Job(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != recipe.JobFailed || j.Retries != 0 || !j.NextAttempt.IsZero() || len(j.Steps) != 2 {
		t.Fatalf("old job reads as %+v", j)
	}
	due, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{RetryDue: time.Now()}))
	if err != nil || len(due) != 0 {
		t.Fatalf("an old failed job is due for a retry: %v, %v", due, err)
	}
	j, err = s.RetryJob(ctx, "j1")
	if err != nil || j.Status != recipe.JobPending || j.Retries != 1 || len(j.Steps) != 1 {
		t.Fatalf("RetryJob of an old failed job = %+v, %v", j, err)
	}
}

// TestMigrationKeepsRunningJobs opens a database written at schema version
// 3, where a running job had status 'running': it still reads as running,
// is listed and counted as running, and can be finished.
func TestMigrationKeepsRunningJobs(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2024, 6, 1, 12, 0, 30, 0, time.UTC)
	s := openOldDatabase(t, "v3.db",
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0], migrations[1], migrations[2],
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0), (3, 0)`,
		`INSERT INTO jobs (id, recipe, event_id, event_time, status, created) VALUES ('j1', 'r', 'e1', 1, 'running', `+fmt.Sprint(created.UnixNano())+`)`,
	)
	if j, err := s.Job(ctx, "j1"); err != nil || j.Status != recipe.JobRunning {
		t.Fatalf("old running job reads as %+v, %v", j, err)
	}
	running, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Status: recipe.JobRunning}))
	if err != nil || len(running) != 1 {
		t.Fatalf("running jobs = %v, %v", running, err)
	}
	if pending, err := s.PendingJobs(ctx, "r"); err != nil || len(pending) != 1 {
		t.Fatalf("unfinished jobs = %v, %v", pending, err)
	}
	counts, err := s.JobCounts(ctx, recipe.CountQuery{Since: created.Truncate(time.Hour), Until: created.Add(time.Hour), Bucket: time.Minute})
	if err != nil || len(counts) != 1 || counts[0].Status != recipe.JobRunning || counts[0].Count != 1 || !counts[0].Bucket.Equal(created.Truncate(time.Minute)) {
		t.Fatalf("counts = %+v, %v", counts, err)
	}
	if err := s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobSucceeded, Finished: created}, nil); err != nil {
		t.Fatal(err)
	}
	counts, err = s.JobCounts(ctx, recipe.CountQuery{Since: created.Truncate(time.Hour), Until: created.Add(time.Hour)})
	if err != nil || len(counts) != 1 || counts[0].Status != recipe.JobSucceeded || counts[0].Count != 1 {
		t.Fatalf("counts after finishing = %+v, %v", counts, err)
	}
}
