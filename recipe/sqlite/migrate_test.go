package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// TestMigrationFromFirstSchemaKeepsJobs opens a database written at schema
// version 1 (before job retries): its jobs read as never retried and not
// awaiting a retry, and its failed jobs can be rerun.
func TestMigrationFromFirstSchemaKeepsJobs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", uriFilename(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)`,
		`INSERT INTO jobs (id, recipe, event_id, event_time, status, error, created, finished) VALUES ('j1', 'r', 'e1', 1, 'failed', 'boom', 1, 2)`,
		`INSERT INTO steps (job_id, seq, name, error) VALUES ('j1', 0, 'a', ''), ('j1', 1, 'b', 'boom')`,
	} {
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
	defer s.Close()
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
