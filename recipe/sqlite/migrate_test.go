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

// TestMigrationMovesEventData opens a database written at schema version
// 7, whose jobs kept their event data in their rows: the data reads as it
// was, through every way of reading a job, and goes with its job when the
// job is pruned.
func TestMigrationMovesEventData(t *testing.T) {
	ctx := context.Background()
	s := openOldDatabase(t, "v7.db", append([]string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`},
		append(migrations[:7:7],
			`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0)`,
			`INSERT INTO jobs (id, recipe, event_id, event_time, event_data, status, created, finished) VALUES
				('j1', 'r', 'e1', 1, '{"key":"DEMO-1"}', 'succeeded', 1, 2),
				('j2', 'r', 'e2', 1, '{"key":"DEMO-2"}', 'pending', 1, 0)`,
			`INSERT INTO jobs_fts (rowid, search) SELECT seq, search FROM jobs`,
		)...)...)
	j, err := s.Job(ctx, "j1")
	if err != nil || string(j.Event.Data) != `{"key":"DEMO-1"}` {
		t.Fatalf("old job j1 reads as %+v, %v", j, err)
	}
	pending, err := s.PendingJobs(ctx, "r")
	if err != nil || len(pending) != 1 || string(pending[0].Event.Data) != `{"key":"DEMO-2"}` {
		t.Fatalf("unfinished jobs = %+v, %v", pending, err)
	}
	listed, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r"}))
	if err != nil || len(listed) != 2 || string(listed[1].Event.Data) != `{"key":"DEMO-1"}` {
		t.Fatalf("listed jobs = %+v, %v", listed, err)
	}
	if n, err := s.Prune(ctx, "r", recipe.PrunePolicy{Keep: 0, FinishedBefore: time.Now()}); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want the finished job pruned", n, err)
	}
	var events int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_events`).Scan(&events); err != nil || events != 1 {
		t.Fatalf("%d events left after pruning one of two jobs (%v), want 1", events, err)
	}
}

// TestMigrationKeepsMinuteCounts opens a database written at schema
// version 8, where a trigger counted every new job in job_minutes: the
// counts it kept stay, and the jobs stored after the upgrade (a page with
// several minutes and statuses, a job added alone, a refused duplicate)
// are each counted once.
func TestMigrationKeepsMinuteCounts(t *testing.T) {
	ctx := context.Background()
	minute := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	s := openOldDatabase(t, "v8.db", append(append([]string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`},
		migrations[:8]...),
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0)`,
		`INSERT INTO jobs (id, recipe, event_id, event_time, status, created) VALUES ('old', 'r', 'e-old', 1, 'pending', `+fmt.Sprint(minute.Add(10*time.Second).UnixNano())+`)`,
	)...)
	newJob := func(id string, created time.Time, st recipe.JobStatus) recipe.Job {
		return recipe.Job{ID: id, Recipe: "r", Event: recipe.EventRecord{ID: "e-" + id, Time: created}, Status: st, Created: created}
	}
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", At: minute, Jobs: []recipe.Job{
		newJob("a", minute.Add(20*time.Second), recipe.JobPending),
		newJob("b", minute.Add(70*time.Second), recipe.JobPending),
		newJob("c", minute.Add(30*time.Second), recipe.JobFailed),
		newJob("d", minute.Add(40*time.Second), recipe.JobPending),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddJob(ctx, newJob("e", minute.Add(50*time.Second), recipe.JobPending)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddJob(ctx, newJob("e", minute.Add(50*time.Second), recipe.JobPending)); err == nil {
		t.Fatal("AddJob of an existing job ID succeeded")
	}
	counts, err := s.JobCounts(ctx, recipe.CountQuery{Since: minute, Until: minute.Add(2 * time.Minute), Bucket: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range counts {
		got[fmt.Sprintf("%s %s +%v", c.Recipe, c.Status, c.Bucket.Sub(minute))] += c.Count
	}
	want := map[string]int{"r pending +0s": 4, "r failed +0s": 1, "r pending +1m0s": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts by minute = %v, want %v", got, want)
	}
	var triggers int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'job_minutes_insert'`).Scan(&triggers); err != nil || triggers != 0 {
		t.Fatalf("job_minutes_insert triggers after the upgrade = %d, %v; want 0", triggers, err)
	}
}

// TestMigrationRebuildsTextIndex opens a database written at schema
// version 9, whose text index kept where each trigram is in a job's text:
// the index is built again, so the text filter finds the old jobs beside
// new ones, and forgets the jobs pruned.
func TestMigrationRebuildsTextIndex(t *testing.T) {
	ctx := context.Background()
	s := openOldDatabase(t, "v9.db", append(append([]string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`},
		migrations[:9]...),
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0)`,
		`INSERT INTO jobs (id, recipe, event_id, event_time, label, search, status, created, finished) VALUES
			('old-1', 'r', 'e1', 1, 'DEMO-1 Printer on fire', 'demo-1 printer on fire e1 old-1', 'succeeded', 1, 2),
			('old-2', 'r', 'e2', 1, 'DEMO-2 abcab', 'demo-2 abcab e2 old-2', 'pending', 1, 0)`,
		`INSERT INTO jobs_fts (rowid, search) SELECT seq, search FROM jobs`,
	)...)
	now := time.Now()
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", At: now, Jobs: []recipe.Job{
		{ID: "new-1", Recipe: "r", Label: "DEMO-3 Printer jam", Event: recipe.EventRecord{ID: "e3", Time: now}, Status: recipe.JobPending, Created: now},
	}})
	if err != nil {
		t.Fatal(err)
	}
	search := func(text string) string {
		t.Helper()
		jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Text: text, WithoutSteps: true}))
		if err != nil {
			t.Fatalf("jobs with %q: %v", text, err)
		}
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.ID
		}
		return fmt.Sprint(ids)
	}
	for _, c := range []struct{ text, want string }{
		{"PRINTER", "[new-1 old-1]"},
		{"on fire", "[old-1]"},
		{"old-2", "[old-2]"},
		{"abcab", "[old-2]"},
		{"bcabc", "[]"}, // every trigram of it is in old-2's text, the text is not
		{"fire on", "[]"},
	} {
		if got := search(c.text); got != c.want {
			t.Errorf("jobs with %q = %s, want %s", c.text, got, c.want)
		}
	}
	if n, err := s.Prune(ctx, "r", recipe.PrunePolicy{FinishedBefore: now}); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want old-1 pruned", n, err)
	}
	if got := search("printer"); got != "[new-1]" {
		t.Errorf("jobs with %q after pruning old-1 = %s, want [new-1]", "printer", got)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO jobs_fts (jobs_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("the text index does not match the jobs: %v", err)
	}
}

// TestTrigramQueryCoversText checks the index query of a text filter: the
// trigrams of the text, end to end, the last one ending at the text's end,
// quotes doubled.
func TestTrigramQueryCoversText(t *testing.T) {
	for text, want := range map[string]string{
		"abc":        `"abc"`,
		"abcd":       `"abc" AND "bcd"`,
		"proj-4242 ": `"pro" AND "j-4" AND "242" AND "42 "`,
		`say "hi"`:   `"say" AND " ""h" AND "hi"""`,
		"abcdef":     `"abc" AND "def"`,
		"écrit":      `"écr" AND "rit"`,
	} {
		if got := trigramQuery(text); got != want {
			t.Errorf("trigramQuery(%q) = %s, want %s", text, got, want)
		}
	}
}

// TestConcurrentOpensOfANewDatabase opens one new database file from
// several stores at once, as processes starting together do: each finds
// the schema whole, migrated once.
func TestConcurrentOpensOfANewDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := Open(ctx, path)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			v, err := s.SchemaVersion(ctx)
			if err == nil && v != len(migrations) {
				err = fmt.Errorf("schema version %d, want %d", v, len(migrations))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
