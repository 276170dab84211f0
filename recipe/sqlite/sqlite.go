package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	driver "modernc.org/sqlite" // also registers the "sqlite" database/sql driver

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/ctxwait"
	"github.com/recipekit/recipekit/internal/secretstore"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/internal/jobsearch"
	"github.com/recipekit/recipekit/recipe/internal/sqlstore"
)

// Store is a recipe.Store in a SQLite file. It is safe for concurrent use.
type Store struct {
	*tables // Subscription, State, Value and their setters, as the other SQL stores have them
	db      *sql.DB
	secrets secretstore.Webhook // seals webhook secrets; no keys when none was given
	stmt    statements
	group   writeGroup
	// Statements of many rows, by number of rows.
	ledgerRows rowsStmt
	jobRows    rowsStmt
	eventRows  rowsStmt
	markRows   rowsStmt
}

// statements are the statements the engine runs for every event and job,
// prepared once when the store opens: SQLite would otherwise parse and
// plan each one again on every call, which costs more than running it.
type statements struct {
	setCursor   *sql.Stmt
	markRunning *sql.Stmt
	finishJob   *sql.Stmt
	saveStep    *sql.Stmt
	jobStatus   *sql.Stmt
	indexJobs   *sql.Stmt
	addMinutes  *sql.Stmt
}

// prepare prepares the hot statements.
func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.stmt.setCursor, `INSERT INTO cursors (recipe, cursor) VALUES (?, ?) ON CONFLICT (recipe) DO UPDATE SET cursor = excluded.cursor`},
		{&s.stmt.markRunning, `UPDATE jobs SET running = 1 WHERE id = ? AND status = 'pending'`},
		{&s.stmt.finishJob, `UPDATE jobs SET status = ?, error = ?, error_type = ?, message = ?, finished = ?, next_attempt = ? WHERE id = ? AND status = 'pending'`},
		{&s.stmt.saveStep, `INSERT OR REPLACE INTO job_steps (job_seq, seq, name, action, input, output, error, error_type, retryable, attempts, started, duration) VALUES ((SELECT seq FROM jobs WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&s.stmt.jobStatus, `SELECT ` + statusColumn + ` FROM jobs WHERE id = ?`},
		{&s.stmt.indexJobs, `INSERT INTO jobs_fts (rowid, search) SELECT seq, search FROM jobs WHERE seq >= ?`},
		{&s.stmt.addMinutes, `INSERT INTO job_minutes (recipe, minute, status, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`},
	} {
		st, err := s.db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = st
	}
	for _, r := range []*rowsStmt{&s.ledgerRows, &s.jobRows, &s.eventRows, &s.markRows} {
		if err := r.prepare(ctx, s.db); err != nil {
			return err
		}
	}
	return nil
}

var _ recipe.Store = (*Store)(nil)

// tables names the embedded shared methods.
type tables = sqlstore.Tables

// Option configures [Open].
type Option func(*config)

type config struct {
	fullSync    bool
	busyTimeout time.Duration
	keys        *seal.Keyring
}

// WithFullSync makes every commit durable against power loss
// (synchronous=FULL); see the package documentation.
func WithFullSync() Option { return func(c *config) { c.fullSync = true } }

// WithBusyTimeout sets how long a statement waits for a lock held by
// another process before failing (default 10s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// Open opens (creating it if needed) the SQLite database at path and
// migrates its schema. Use ":memory:" for a private in-memory database.
// path is a file name, not a URI: characters such as '?', '#' and '%' are
// part of the name.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path: give a file name such as recipes.db, or \":memory:\" for a private in-memory database")
	}
	if strings.ContainsRune(path, 0) {
		return nil, fmt.Errorf("sqlite: path %q contains a NUL byte: give a plain file name", path)
	}
	cfg := config{busyTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	sync := "NORMAL"
	if cfg.fullSync {
		sync = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	// Statement journals (kept while a statement that may fail halfway
	// runs inside a transaction) in memory, not in temporary files: they
	// are small, and a file costs write calls on every job.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	dsn := uriFilename(path) + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and a single
	// connection never meets SQLITE_BUSY from itself.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := &Store{db: db, secrets: secretstore.Webhook{Store: "sqlite", Keys: cfg.keys},
		ledgerRows: rowsStmt{head: `INSERT INTO ledger (recipe, event_id, accepted_at) VALUES `, row: `(?, ?, ?)`, tail: ` ON CONFLICT DO NOTHING RETURNING event_id`},
		jobRows:    rowsStmt{head: insertJobs, row: `(` + strings.Repeat("?, ", jobInsertColumns-1) + `?)`},
		eventRows:  rowsStmt{head: `INSERT INTO job_events (job_seq, data) VALUES `, row: `(?, ?)`},
		markRows:   rowsStmt{head: `UPDATE jobs SET running = 1 WHERE status = 'pending' AND id IN (`, row: `?`, tail: `)`},
	}
	s.tables = sqlstore.New(sqlstore.Conn{
		Store: "sqlite", NoRows: sql.ErrNoRows, Secrets: s.secrets,
		QueryRow: func(ctx context.Context, query string, args ...any) sqlstore.Row {
			return db.QueryRowContext(ctx, query, args...)
		},
		Exec: func(ctx context.Context, query string, args ...any) error {
			_, err := db.ExecContext(ctx, query, args...)
			return err
		},
	})
	if err := connect(ctx, db, cfg.busyTimeout); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.resealSecrets(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.prepare(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return s, nil
}

// uriFilename turns a file path into a SQLite URI filename
// (https://www.sqlite.org/uri.html). SQLite decodes %HH escapes in the path
// and ends it at '?' (query) or '#' (fragment), and the driver splits the
// DSN at its first '?', so those three bytes are percent-encoded. An
// absolute path gets an empty authority ("file:///tmp/x.db"), so a path
// beginning with "//" is not read as a host name.
func uriFilename(path string) string {
	var b strings.Builder
	b.Grow(len("file://") + len(path) + 8)
	b.WriteString("file:")
	if strings.HasPrefix(path, "/") {
		b.WriteString("//")
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '%', '?', '#':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// migrations are applied in order; each runs once, in a transaction, and is
// recorded in schema_migrations. Never edit one that has shipped: append.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE cursors (
		recipe TEXT PRIMARY KEY,
		cursor BLOB
	);
	CREATE TABLE ledger (
		recipe      TEXT NOT NULL,
		event_id    TEXT NOT NULL,
		accepted_at INTEGER NOT NULL,
		PRIMARY KEY (recipe, event_id)
	) WITHOUT ROWID;
	CREATE INDEX ledger_age ON ledger (recipe, accepted_at);
	CREATE TABLE jobs (
		seq        INTEGER PRIMARY KEY AUTOINCREMENT,
		id         TEXT NOT NULL UNIQUE,
		recipe     TEXT NOT NULL,
		event_id   TEXT NOT NULL,
		event_time INTEGER NOT NULL,
		event_data BLOB,
		status     TEXT NOT NULL,
		error      TEXT NOT NULL DEFAULT '',
		error_type TEXT NOT NULL DEFAULT '',
		message    TEXT NOT NULL DEFAULT '',
		rerun_of   TEXT NOT NULL DEFAULT '',
		created    INTEGER NOT NULL,
		finished   INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX jobs_recipe ON jobs (recipe, seq);
	CREATE INDEX jobs_unfinished ON jobs (recipe, seq) WHERE status IN ('pending', 'running');
	CREATE INDEX jobs_event ON jobs (event_id);
	CREATE TABLE steps (
		job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
		seq        INTEGER NOT NULL,
		name       TEXT NOT NULL,
		action     TEXT NOT NULL DEFAULT '',
		input      BLOB,
		output     BLOB,
		error      TEXT NOT NULL DEFAULT '',
		error_type TEXT NOT NULL DEFAULT '',
		retryable  INTEGER NOT NULL DEFAULT 0,
		attempts   INTEGER NOT NULL DEFAULT 0,
		started    INTEGER NOT NULL DEFAULT 0,
		duration   INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (job_id, seq)
	) WITHOUT ROWID;
	CREATE TABLE subscriptions (
		recipe       TEXT PRIMARY KEY,
		id           TEXT NOT NULL,
		callback_url TEXT NOT NULL,
		secret       TEXT NOT NULL,
		expires_at   INTEGER NOT NULL,
		state        BLOB
	);
	CREATE TABLE recipe_state (
		recipe  TEXT PRIMARY KEY,
		stopped INTEGER NOT NULL,
		updated INTEGER NOT NULL
	);`,
	// 2: job labels, and what listing, searching and counting jobs need.
	// search is the lower-cased label, event ID and job ID that the text
	// filter looks in, through jobs_fts, a trigram index that finds a
	// substring without reading every job. jobs_list holds every column a listing filters on
	// (seq is the rowid), so a filtered page is found in the index without
	// reading event data. job_minutes keeps the number of jobs by recipe,
	// status and minute of creation up to date through triggers, so a day
	// of counts is 1,440 rows per recipe and status, not every job.
	`ALTER TABLE jobs ADD COLUMN label TEXT NOT NULL DEFAULT '';
	ALTER TABLE jobs ADD COLUMN search TEXT NOT NULL DEFAULT '';
	UPDATE jobs SET search = lower(event_id || ' ' || id);
	CREATE INDEX jobs_list ON jobs (seq, recipe, status, created, search);
	CREATE VIRTUAL TABLE jobs_fts USING fts5 (search, content = 'jobs', content_rowid = 'seq', tokenize = 'trigram');
	INSERT INTO jobs_fts (rowid, search) SELECT seq, search FROM jobs;
	CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
		INSERT INTO jobs_fts (rowid, search) VALUES (NEW.seq, NEW.search);
	END;
	CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
		INSERT INTO jobs_fts (jobs_fts, rowid, search) VALUES ('delete', OLD.seq, OLD.search);
	END;
	CREATE INDEX jobs_recipe_status ON jobs (recipe, status, seq, created);
	CREATE INDEX jobs_status ON jobs (status, seq, created, recipe);
	CREATE INDEX jobs_recipe_created ON jobs (recipe, created);
	CREATE TABLE job_minutes (
		recipe TEXT NOT NULL,
		minute INTEGER NOT NULL,
		status TEXT NOT NULL,
		n      INTEGER NOT NULL,
		PRIMARY KEY (minute, recipe, status)
	) WITHOUT ROWID;
	INSERT INTO job_minutes (recipe, minute, status, n)
		SELECT recipe, created / 60000000000, status, COUNT(*) FROM jobs GROUP BY 1, 2, 3;
	CREATE TRIGGER job_minutes_insert AFTER INSERT ON jobs BEGIN
		INSERT INTO job_minutes (recipe, minute, status, n) VALUES (NEW.recipe, NEW.created / 60000000000, NEW.status, 1)
			ON CONFLICT DO UPDATE SET n = n + 1;
	END;
	CREATE TRIGGER job_minutes_delete AFTER DELETE ON jobs BEGIN
		UPDATE job_minutes SET n = n - 1 WHERE minute = OLD.created / 60000000000 AND recipe = OLD.recipe AND status = OLD.status;
	END;
	CREATE TRIGGER job_minutes_update AFTER UPDATE OF status ON jobs WHEN OLD.status != NEW.status BEGIN
		UPDATE job_minutes SET n = n - 1 WHERE minute = OLD.created / 60000000000 AND recipe = OLD.recipe AND status = OLD.status;
		INSERT INTO job_minutes (recipe, minute, status, n) VALUES (NEW.recipe, NEW.created / 60000000000, NEW.status, 1)
			ON CONFLICT DO UPDATE SET n = n + 1;
	END;`,
	// 3: job retries. Additive, with defaults that read every existing job
	// as never retried and not awaiting a retry.
	`ALTER TABLE jobs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE jobs ADD COLUMN next_attempt INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX jobs_retry_due ON jobs (recipe, next_attempt) WHERE next_attempt > 0;`,
	// 4: fewer index pages written per job. A job is written pending, then
	// running, then finished; only the last change is worth indexing. The
	// running mark moves to an unindexed column (status stays 'pending'
	// until the job finishes, and reads as 'running' when running = 1), so
	// marking a job running rewrites its row and nothing else. status is
	// kept in one index only: jobs_status serves every status filter (with
	// recipe and time checked in the index) and the unfinished jobs of a
	// recipe (status = 'pending', few), so jobs_recipe_status and
	// jobs_unfinished go, and the index that pages through all jobs no
	// longer holds status, so finishing a job does not touch it.
	`ALTER TABLE jobs ADD COLUMN running INTEGER NOT NULL DEFAULT 0;
	UPDATE jobs SET status = 'pending', running = 1 WHERE status = 'running';
	DROP INDEX jobs_recipe_status;
	DROP INDEX jobs_unfinished;
	DROP INDEX jobs_list;
	CREATE INDEX jobs_page ON jobs (seq, recipe, created, search);`,
	// 5: small values kept across process starts (recipe.ValueStore).
	`CREATE TABLE kv (
		key   TEXT PRIMARY KEY,
		value BLOB NOT NULL
	) WITHOUT ROWID;`,
	// 6: jobs_fts is filled by the statements that store jobs, one
	// statement for all the jobs of a transaction (see insertJobs), not
	// by a trigger per job: FTS5 writes its pending terms out at the start
	// of every statement that changes it, so indexing a page of 100 jobs
	// one row at a time wrote and merged 100 tiny index segments.
	`DROP TRIGGER jobs_fts_insert;`,
	// 7: step records in a table keyed by insertion order, found by job
	// through an index on (job_seq, seq). steps was keyed by (job_id, seq)
	// without a rowid: a record of more than about 1 KB (a Jira issue or
	// comment as output) left part of itself on an overflow page of its
	// own, and records went into the middle of the tree in job ID order,
	// so storing one cost four to five pages. Here the record is appended
	// to the table's last page and its small index entry to the index's
	// last page (jobs are numbered in the order they are stored). A record
	// is written with its job's seq looked up by ID in the same statement.
	`CREATE TABLE job_steps (
		id         INTEGER PRIMARY KEY,
		job_seq    INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
		seq        INTEGER NOT NULL,
		name       TEXT NOT NULL,
		action     TEXT NOT NULL DEFAULT '',
		input      BLOB,
		output     BLOB,
		error      TEXT NOT NULL DEFAULT '',
		error_type TEXT NOT NULL DEFAULT '',
		retryable  INTEGER NOT NULL DEFAULT 0,
		attempts   INTEGER NOT NULL DEFAULT 0,
		started    INTEGER NOT NULL DEFAULT 0,
		duration   INTEGER NOT NULL DEFAULT 0
	);
	CREATE UNIQUE INDEX job_steps_job ON job_steps (job_seq, seq);
	INSERT INTO job_steps (job_seq, seq, name, action, input, output, error, error_type, retryable, attempts, started, duration)
		SELECT j.seq, s.seq, s.name, s.action, s.input, s.output, s.error, s.error_type, s.retryable, s.attempts, s.started, s.duration
		FROM steps s JOIN jobs j ON j.id = s.job_id ORDER BY j.seq, s.seq;
	DROP TABLE steps;`,
	// 8: event data in a table of its own, keyed by the job's seq. A job's
	// row is written three times (stored, marked running, finished), and
	// with a 2.5 KB Jira issue in it each write was a page of its own;
	// without it a page holds the rows of about twenty jobs, so marking
	// and finishing a batch of jobs writes a few pages instead of one per
	// job. The event is written once, when the job is stored.
	`CREATE TABLE job_events (
		job_seq INTEGER PRIMARY KEY REFERENCES jobs (seq) ON DELETE CASCADE,
		data    BLOB
	);
	INSERT INTO job_events (job_seq, data) SELECT seq, event_data FROM jobs;
	ALTER TABLE jobs DROP COLUMN event_data;`,
	// 9: job_minutes counts new jobs through the statements that store
	// them, one upsert per recipe, minute and status of a batch (see
	// addMinutes), not through a trigger run for every job: a page of 100
	// jobs of one minute was 100 upserts of the same row.
	`DROP TRIGGER job_minutes_insert;`,
	// 10: a cheaper text index. jobs_fts keeps which jobs hold each
	// trigram, not where (detail = none), and no size per job
	// (columnsize = 0, used only for ranking): a job's text is found by
	// the jobs that hold all its trigrams, then checked whole (see Jobs).
	// Segments are merged when 16 of a size exist, not 4: merging, which
	// rewrote every job's entries again and again as the index grew, was
	// most of what indexing a page of jobs cost.
	`DROP TABLE jobs_fts;
	CREATE VIRTUAL TABLE jobs_fts USING fts5 (search, content = 'jobs', content_rowid = 'seq', tokenize = 'trigram', detail = none, columnsize = 0);
	INSERT INTO jobs_fts (jobs_fts, rank) VALUES ('automerge', 16);
	INSERT INTO jobs_fts (jobs_fts) VALUES ('rebuild');`,
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY.
const sqliteBusy = 5

// connect makes the pool's one connection, which runs the pragmas of the
// DSN. Switching a new file to WAL needs a lock that SQLite refuses at
// once, without waiting as busy_timeout asks, while another process
// opening the same file holds it: waiting could deadlock the two. So a
// refusal is tried again, a little later each time, until the busy
// timeout has passed.
func connect(ctx context.Context, db *sql.DB, busyTimeout time.Duration) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		c, err := db.Conn(ctx)
		if err == nil {
			return c.Close()
		}
		var se *driver.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		if err := ctxwait.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (s *Store) migrate(ctx context.Context) error {
	// In a transaction, which takes the write lock first (_txlock
	// immediate), waiting for it as busy_timeout allows. On its own the
	// statement would read the schema, then ask for the write lock, and
	// SQLite refuses that at once, without waiting, when another process
	// opening the same new file wrote in between.
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`)
		return err
	}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	const version = `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`
	var have int
	if err := s.db.QueryRowContext(ctx, version).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("the database has schema version %d, newer than this program knows (%d): use a newer recipekit", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			// Another process opening the database at the same time may
			// have applied it since: the version is read again under the
			// write lock the transaction holds.
			var now int
			if err := tx.QueryRowContext(ctx, version).Scan(&now); err != nil || now >= v {
				return err
			}
			if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v, err)
		}
	}
	return nil
}

// SchemaVersion returns the schema version the database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (s *Store) tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// unix stores a time as the other SQL stores do.
func unix(t time.Time) int64 { return sqlstore.Nanos(t) }

// jobInsertColumns is the number of values appendJobValues appends.
const jobInsertColumns = 16

const insertJobs = `INSERT INTO jobs (id, recipe, event_id, event_time, label, search, status, running, error, error_type, message, rerun_of, created, finished, retries, next_attempt) VALUES `

// statusColumn is a job's status as stored: a running job is kept as
// 'pending' with running = 1 (see migration 4).
const statusColumn = `CASE WHEN status = 'pending' AND running != 0 THEN 'running' ELSE status END`

// statusFilter is the WHERE condition, with its argument, that selects the
// jobs in status st.
func statusFilter(col string, st recipe.JobStatus) (string, []any) {
	switch st {
	case recipe.JobRunning:
		return col + "status = 'pending' AND " + col + "running != 0", nil
	case recipe.JobPending:
		return col + "status = 'pending' AND " + col + "running = 0", nil
	}
	return col + "status = ?", []any{string(st)}
}

// storedStatus is how status st is stored: the status column's value and
// the running flag.
func storedStatus(st recipe.JobStatus) (string, bool) {
	switch st {
	case "":
		return string(recipe.JobPending), false
	case recipe.JobRunning:
		return string(recipe.JobPending), true
	}
	return string(st), false
}

// searchText is what JobQuery.Text is looked for in, lower-cased as
// SQLite's lower() does (ASCII only).
func searchText(j recipe.Job) string {
	return jobsearch.Text(j.Label, j.Event.ID, j.ID)
}

// appendJobValues appends the values of a job's insert, in the order of
// jobInsertColumns.
func appendJobValues(args []any, j recipe.Job) []any {
	st, running := storedStatus(j.Status)
	return append(args, j.ID, j.Recipe, j.Event.ID, unix(j.Event.Time), j.Label, searchText(j), st, running, j.Error, j.ErrorType, j.Message, j.RerunOf, unix(j.Created), unix(j.Finished), j.Retries, unix(j.NextAttempt))
}

// Accept implements recipe.Store. The ledger marks and the jobs of a batch
// are each written by a few statements of many rows (see rowsStmt), not a
// statement per event: the work per statement, not per row, is what an
// insert into SQLite mostly costs.
func (s *Store) Accept(ctx context.Context, b recipe.Batch) (recipe.Accepted, error) {
	res := recipe.Accepted{Stored: make([]bool, len(b.Jobs)), DroppedNew: make([]bool, len(b.Dropped))}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		clear(res.Stored)
		clear(res.DroppedNew)
		ids := make([]string, 0, len(b.Jobs)+len(b.Dropped))
		for _, j := range b.Jobs {
			ids = append(ids, j.Event.ID)
		}
		ids = append(ids, b.Dropped...)
		marked, err := s.markLedger(ctx, tx, b.Recipe, unix(b.At), ids)
		if err != nil {
			return err
		}
		// An ID the ledger did not have is new at its first place in the
		// batch only: a later copy is a duplicate of the first.
		var stored []recipe.Job
		for i, id := range ids {
			if _, ok := marked[id]; !ok {
				continue
			}
			delete(marked, id)
			if i < len(b.Jobs) {
				res.Stored[i] = true
				stored = append(stored, b.Jobs[i])
			} else {
				res.DroppedNew[i-len(b.Jobs)] = true
			}
		}
		if err := s.insertJobs(ctx, tx, stored); err != nil {
			return err
		}
		if b.SetCursor {
			_, err := tx.StmtContext(ctx, s.stmt.setCursor).ExecContext(ctx, b.Recipe, []byte(b.Cursor))
			return err
		}
		return nil
	})
	if err != nil {
		return recipe.Accepted{}, fmt.Errorf("sqlite: accept events of %q: %w", b.Recipe, err)
	}
	return res, nil
}

// markLedger marks the events ids of a recipe in the ledger and returns
// the IDs that were not there before.
func (s *Store) markLedger(ctx context.Context, tx *sql.Tx, recipeName string, at int64, ids []string) (map[string]struct{}, error) {
	marked := make(map[string]struct{}, len(ids))
	if len(ids) == 0 {
		return marked, nil
	}
	args := make([]any, 0, 3*rowsPerStatement(len(ids)))
	for len(ids) > 0 {
		n := rowsPerStatement(len(ids))
		stmt := s.ledgerRows.stmt(n)
		args = args[:0]
		for _, id := range ids[:n] {
			args = append(args, recipeName, id, at)
		}
		rows, err := tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			marked[id] = struct{}{}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return marked, nil
}

// insertJobs inserts jobs and their events, adds them to the text index
// and counts them in job_minutes.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, jobs []recipe.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	first := int64(-1)
	args := make([]any, 0, jobInsertColumns*rowsPerStatement(len(jobs)))
	events := make([]any, 0, 2*len(jobs))
	for rest := jobs; len(rest) > 0; {
		n := rowsPerStatement(len(rest))
		stmt := s.jobRows.stmt(n)
		args = args[:0]
		for _, j := range rest[:n] {
			args = appendJobValues(args, j)
		}
		r, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return alreadyExists(rest[:n])
			}
			return err
		}
		// The rows of one INSERT get consecutive seq values.
		last, err := r.LastInsertId()
		if err != nil {
			return err
		}
		if first < 0 {
			first = last - int64(n) + 1
		}
		for i, j := range rest[:n] {
			events = append(events, last-int64(n-1-i), []byte(j.Event.Data))
		}
		rest = rest[n:]
	}
	for len(events) > 0 {
		n := rowsPerStatement(len(events) / 2)
		if _, err := tx.StmtContext(ctx, s.eventRows.stmt(n)).ExecContext(ctx, events[:2*n]...); err != nil {
			return err
		}
		events = events[2*n:]
	}
	if _, err := tx.StmtContext(ctx, s.stmt.indexJobs).ExecContext(ctx, first); err != nil {
		return err
	}
	return s.addMinutes(ctx, tx, jobs)
}

// jobMinute is a row of job_minutes: the jobs of a recipe created in one
// minute with one stored status.
type jobMinute struct {
	recipe string
	minute int64
	status string
}

// addMinutes adds jobs to their job_minutes counts, one upsert per row.
func (s *Store) addMinutes(ctx context.Context, tx *sql.Tx, jobs []recipe.Job) error {
	counts := make(map[jobMinute]int, 1)
	order := make([]jobMinute, 0, 1) // rows in the order of their first job, so a batch writes alike every time
	for _, j := range jobs {
		st, _ := storedStatus(j.Status)
		k := jobMinute{recipe: j.Recipe, minute: unix(j.Created) / int64(time.Minute), status: st}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	stmt := tx.StmtContext(ctx, s.stmt.addMinutes)
	for _, k := range order {
		if _, err := stmt.ExecContext(ctx, k.recipe, k.minute, k.status, counts[k]); err != nil {
			return err
		}
	}
	return nil
}

// alreadyExists is the error of an insert of jobs refused because a job
// with one of their IDs exists.
func alreadyExists(jobs []recipe.Job) error {
	if len(jobs) == 1 {
		return fmt.Errorf("job %q already exists", jobs[0].ID)
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = strconv.Quote(j.ID)
	}
	return fmt.Errorf("one of the jobs %s already exists", strings.Join(ids, ", "))
}

// AddJob implements recipe.Store.
func (s *Store) AddJob(ctx context.Context, job recipe.Job) error {
	if err := s.tx(ctx, func(tx *sql.Tx) error { return s.insertJobs(ctx, tx, []recipe.Job{job}) }); err != nil {
		return fmt.Errorf("sqlite: add job: %w", err)
	}
	return nil
}

// jobColumns are the columns sqlstore.ScanJob reads, in its order.
const jobColumns = `id, recipe, event_id, event_time, (SELECT data FROM job_events WHERE job_seq = jobs.seq), ` + statusColumn + `, error, error_type, message, rerun_of, created, finished, label, retries, next_attempt`

func (s *Store) queryJobs(ctx context.Context, query string, args ...any) ([]recipe.Job, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []recipe.Job
	for rows.Next() {
		j, err := sqlstore.ScanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := s.loadSteps(ctx, jobs); err != nil {
		return nil, err
	}
	return jobs, nil
}

// loadSteps fills the jobs' steps, reading them in chunks of job IDs.
func (s *Store) loadSteps(ctx context.Context, jobs []recipe.Job) error {
	index := make(map[string]int, len(jobs))
	for i, j := range jobs {
		index[j.ID] = i
	}
	const chunk = 500
	for start := 0; start < len(jobs); start += chunk {
		part := jobs[start:min(start+chunk, len(jobs))]
		args := make([]any, len(part))
		for i, j := range part {
			args[i] = j.ID
		}
		q := `SELECT j.id, s.seq, s.name, s.action, s.input, s.output, s.error, s.error_type, s.retryable, s.attempts, s.started, s.duration
			FROM jobs j JOIN job_steps s ON s.job_seq = j.seq WHERE j.id IN (?` +
			strings.Repeat(", ?", len(part)-1) + `) ORDER BY s.job_seq, s.seq`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			jobID, st, err := sqlstore.ScanStep(rows)
			if err != nil {
				rows.Close()
				return err
			}
			i := index[jobID]
			jobs[i].Steps = append(jobs[i].Steps, st)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// PendingJobs implements recipe.Store.
func (s *Store) PendingJobs(ctx context.Context, name string) ([]recipe.Job, error) {
	jobs, err := s.queryJobs(ctx, `SELECT `+jobColumns+` FROM jobs WHERE recipe = ? AND status = 'pending' ORDER BY seq`, name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unfinished jobs of %q: %w", name, err)
	}
	return jobs, nil
}

// saveSteps stores the step records of a job.
func (s *Store) saveSteps(ctx context.Context, tx *sql.Tx, jobID string, steps []recipe.StepRecord) error {
	if len(steps) == 0 {
		return nil
	}
	stmt := tx.StmtContext(ctx, s.stmt.saveStep)
	for _, st := range steps {
		if _, err := stmt.ExecContext(ctx, jobID, st.Seq, st.Name, st.Action, []byte(st.Input), []byte(st.Output), st.Error, st.ErrorType, st.Retryable, st.Attempts, unix(st.Started), int64(st.Duration)); err != nil {
			return err
		}
	}
	return nil
}

// refusedWrite is the error of a job write that changed nothing because
// its job is missing or already finished.
type refusedWrite struct{ err error }

func (e *refusedWrite) Error() string { return e.err.Error() }
func (e *refusedWrite) Unwrap() error { return e.err }

// updateUnfinished runs an UPDATE of one unfinished job (its WHERE clause
// names the job and requires it pending or running), so that the check and
// the write are one statement. When no row changed it says why: the job
// does not exist, or it is already finished. tx is nil outside a
// transaction.
func (s *Store) updateUnfinished(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, jobID string, args ...any) error {
	status := s.stmt.jobStatus
	if tx != nil {
		stmt, status = tx.StmtContext(ctx, stmt), tx.StmtContext(ctx, status)
	}
	r, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var st string
	err = status.QueryRowContext(ctx, jobID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return &refusedWrite{fmt.Errorf("job %q: %w", jobID, recipe.ErrNotFound)}
	}
	if err != nil {
		return err
	}
	return &refusedWrite{fmt.Errorf("job %q already finished (%s)", jobID, st)}
}

// SaveSteps implements recipe.Store. Marking a job running without step
// records (the checkpoint before a job's first writing step) is one
// UPDATE; with records, the UPDATE and the records are one transaction.
// Checkpoints and final records of jobs that run at the same time share
// one commit (see writeRequest).
func (s *Store) SaveSteps(ctx context.Context, jobID string, steps []recipe.StepRecord) error {
	r := &writeRequest{ctx: ctx}
	r.one[0] = jobWrite{jobID: jobID, steps: steps}
	r.writes = r.one[:]
	s.write(r)
	return r.one[0].error()
}

// FinishJob implements recipe.Store: the final status and the remaining
// step records in one transaction, the status written by an UPDATE that
// only matches the job while it is unfinished.
func (s *Store) FinishJob(ctx context.Context, jobID string, res recipe.JobResult, steps []recipe.StepRecord) error {
	r := &writeRequest{ctx: ctx}
	r.one[0] = newJobWrite(jobID, steps, &res)
	r.writes = r.one[:]
	s.write(r)
	return r.one[0].error()
}

// WriteJobs implements recipe.JobWriter: the writes go into one
// transaction, with the writes of other callers queued at the same time
// (see writeRequest).
func (s *Store) WriteJobs(ctx context.Context, writes []recipe.JobWrite) []error {
	if len(writes) == 0 {
		return nil
	}
	r := &writeRequest{ctx: ctx, writes: make([]jobWrite, len(writes))}
	for i, w := range writes {
		r.writes[i] = newJobWrite(w.JobID, w.Steps, w.Result)
	}
	s.write(r)
	var errs []error
	for i := range r.writes {
		if err := r.writes[i].error(); err != nil {
			if errs == nil {
				errs = make([]error, len(writes))
			}
			errs[i] = err
		}
	}
	return errs
}

var _ recipe.JobWriter = (*Store)(nil)

// jobWrite is a checkpoint (res nil) or the final record of a job.
type jobWrite struct {
	jobID string
	steps []recipe.StepRecord
	res   *recipe.JobResult
	err   error
}

// newJobWrite returns the write of a checkpoint (res nil) or of a job's
// end, refused at once when res is not a final status.
func newJobWrite(jobID string, steps []recipe.StepRecord, res *recipe.JobResult) jobWrite {
	w := jobWrite{jobID: jobID, steps: steps, res: res}
	if res != nil && !res.Status.Final() {
		w.err = &refusedWrite{fmt.Errorf("job %q: status %q is not final", jobID, res.Status)}
	}
	return w
}

// error returns the write's error as SaveSteps or FinishJob returns it.
func (w *jobWrite) error() error {
	if w.err == nil {
		return nil
	}
	if w.res != nil {
		return fmt.Errorf("sqlite: finish job: %w", w.err)
	}
	return fmt.Errorf("sqlite: save steps: %w", w.err)
}

// refused reports whether the write changed nothing because the store
// refused it, as opposed to failing with its transaction.
func (w *jobWrite) refused() bool {
	var refused *refusedWrite
	return errors.As(w.err, &refused)
}

// writeRequest is the job writes of one call of SaveSteps, FinishJob or
// WriteJobs, handed to write.
//
// Requests made at the same time are committed together (group commit):
// the first caller to arrive commits every request queued by the time it
// starts, in one transaction, while the next ones queue for the following
// commit. Each caller still returns only once its own writes are
// committed, so a write is as durable when SaveSteps or FinishJob returns
// as with a transaction of its own; a worker running alone commits alone.
type writeRequest struct {
	ctx    context.Context
	writes []jobWrite
	one    [1]jobWrite // the backing array of writes for a single write

	done bool          // the writes' errors are final; set before wake is signalled
	wake chan struct{} // the request is committed, or its caller leads the next commit
}

// writeGroup queues the requests waiting for a commit.
type writeGroup struct {
	mu      sync.Mutex
	queue   []*writeRequest
	leading bool // a caller is committing
}

// write commits r, with whatever other requests are queued.
func (s *Store) write(r *writeRequest) {
	if !slices.ContainsFunc(r.writes, func(w jobWrite) bool { return w.err == nil }) {
		return // every write was refused before any transaction
	}
	g := &s.group
	r.wake = make(chan struct{}, 1)
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if g.leading {
		g.mu.Unlock()
		<-r.wake
		if r.done {
			return
		}
		g.mu.Lock() // handed the lead
	}
	g.leading = true
	batch := g.queue
	g.queue = nil
	g.mu.Unlock()

	s.commitWrites(batch)
	for _, o := range batch {
		o.done = true
		if o != r {
			o.wake <- struct{}{}
		}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		g.mu.Unlock()
		next.wake <- struct{}{}
	} else {
		g.leading = false
		g.mu.Unlock()
	}
}

// commitWrites stores a batch of requests and sets each write's error. A
// write whose job is missing or finished changes nothing and fails alone;
// any other failure fails the whole batch, which is rolled back.
func (s *Store) commitWrites(batch []*writeRequest) {
	if len(batch) == 1 && len(batch[0].writes) == 1 {
		if w := &batch[0].writes[0]; w.err == nil && w.res == nil && len(w.steps) == 0 {
			w.err = s.updateUnfinished(batch[0].ctx, nil, s.stmt.markRunning, w.jobID, w.jobID)
			return
		}
	}
	ctx := context.WithoutCancel(batch[0].ctx)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range batch {
			for i := 0; i < len(r.writes); {
				if n := marksAt(r.writes[i:]); n > 1 {
					if err := s.markRunning(r.ctx, tx, r.writes[i:i+n]); err != nil {
						return err
					}
					i += n
					continue
				}
				w := &r.writes[i]
				i++
				if w.err != nil && w.refused() {
					continue // refused before the transaction began
				}
				w.err = s.applyWrite(r.ctx, tx, w)
				if w.err != nil && !w.refused() {
					return w.err
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, r := range batch {
			for i := range r.writes {
				if w := &r.writes[i]; !w.refused() {
					w.err = err
				}
			}
		}
	}
}

// marksAt returns how many writes at the start of ws only mark their job
// running.
func marksAt(ws []jobWrite) int {
	n := 0
	for n < len(ws) && ws[n].err == nil && ws[n].res == nil && len(ws[n].steps) == 0 {
		n++
	}
	return n
}

// markRunning marks the jobs of several writes running inside tx with a
// few multi-row statements (the running marks of the jobs the engine takes
// ahead). When a statement changes fewer rows than it names, a job is
// missing or finished: its writes are made again one by one to say which.
func (s *Store) markRunning(ctx context.Context, tx *sql.Tx, ws []jobWrite) error {
	args := make([]any, 0, rowsPerStatement(len(ws)))
	for len(ws) > 0 {
		n := rowsPerStatement(len(ws))
		args = args[:0]
		for _, w := range ws[:n] {
			args = append(args, w.jobID)
		}
		r, err := tx.StmtContext(ctx, s.markRows.stmt(n)).ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		changed, err := r.RowsAffected()
		if err != nil {
			return err
		}
		if changed != int64(n) {
			for k := range ws[:n] {
				w := &ws[k]
				if w.err = s.updateUnfinished(ctx, tx, s.stmt.markRunning, w.jobID, w.jobID); w.err != nil && !w.refused() {
					return w.err
				}
			}
		}
		ws = ws[n:]
	}
	return nil
}

// applyWrite runs one job write inside tx; nothing of it is written when
// it returns a refusedWrite.
func (s *Store) applyWrite(ctx context.Context, tx *sql.Tx, w *jobWrite) error {
	var err error
	if res := w.res; res == nil {
		err = s.updateUnfinished(ctx, tx, s.stmt.markRunning, w.jobID, w.jobID)
	} else {
		var next int64
		if res.Status == recipe.JobFailed {
			next = unix(res.NextAttempt)
		}
		err = s.updateUnfinished(ctx, tx, s.stmt.finishJob, w.jobID,
			string(res.Status), res.Error, res.ErrorType, res.Message, unix(res.Finished), next, w.jobID)
	}
	if err != nil {
		return err
	}
	return s.saveSteps(ctx, tx, w.jobID, w.steps)
}

// RetryJob implements recipe.Store.
func (s *Store) RetryJob(ctx context.Context, jobID string) (recipe.Job, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM jobs WHERE id = ?`, jobID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("job %q: %w", jobID, recipe.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if recipe.JobStatus(status) != recipe.JobFailed {
			return fmt.Errorf("job %q (%s): %w", jobID, status, recipe.ErrNotFailed)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM job_steps WHERE job_seq = (SELECT seq FROM jobs WHERE id = ?1) AND error != ''
			AND seq = (SELECT MAX(seq) FROM job_steps WHERE job_seq = (SELECT seq FROM jobs WHERE id = ?1))`, jobID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET status = 'pending', running = 0, error = '', error_type = '', message = '', finished = 0,
			next_attempt = 0, retries = retries + 1 WHERE id = ?`, jobID)
		return err
	})
	if err != nil {
		return recipe.Job{}, fmt.Errorf("sqlite: retry job: %w", err)
	}
	return s.Job(ctx, jobID)
}

// Job implements recipe.Store.
func (s *Store) Job(ctx context.Context, id string) (recipe.Job, error) {
	jobs, err := s.queryJobs(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id)
	if err != nil {
		return recipe.Job{}, fmt.Errorf("sqlite: job %q: %w", id, err)
	}
	if len(jobs) == 0 {
		return recipe.Job{}, fmt.Errorf("sqlite: job %q: %w", id, recipe.ErrNotFound)
	}
	return jobs[0], nil
}

// Jobs implements recipe.Store. It reads a page of jobs at a time, each
// page a query that starts below the last job of the one before (by the
// store's insertion order), so no transaction or lock is held while the
// caller looks at the jobs. Each page is found first (seq values, from the
// narrow indexes alone, or walking the trigram index newest first for a
// text filter), then its rows are read.
func (s *Store) Jobs(ctx context.Context, q recipe.JobQuery) iter.Seq2[recipe.Job, error] {
	var where []string
	var args []any
	if q.Recipe != "" {
		where, args = append(where, "j.recipe = ?"), append(args, q.Recipe)
	}
	if q.Status != "" {
		cond, a := statusFilter("j.", q.Status)
		where, args = append(where, cond), append(args, a...)
	}
	if q.EventID != "" {
		where, args = append(where, "j.event_id = ?"), append(args, q.EventID)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "j.created >= ?"), append(args, unix(q.Since))
	}
	if !q.Until.IsZero() {
		where, args = append(where, "j.created < ?"), append(args, unix(q.Until))
	}
	if !q.RetryDue.IsZero() {
		where, args = append(where, "j.status = 'failed' AND j.next_attempt > 0 AND j.next_attempt <= ?"), append(args, unix(q.RetryDue))
	}
	page := `SELECT j.seq FROM jobs j`
	order := ` AND j.seq < ? ORDER BY j.seq DESC LIMIT ?`
	text := jobsearch.Lower(q.Text)
	switch {
	case utf8.RuneCountInString(text) >= 3 && utf8.ValidString(text):
		// The index finds the jobs that hold every trigram of the text;
		// instr keeps those that hold the text itself.
		page = `SELECT j.seq FROM jobs_fts f JOIN jobs j ON j.seq = f.rowid`
		where = append([]string{"jobs_fts MATCH ?", "instr(j.search, ?) > 0"}, where...)
		args = append([]any{trigramQuery(text), text}, args...)
		order = ` AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?`
	case text != "":
		where, args = append(where, "instr(j.search, ?) > 0"), append(args, text)
	}
	page += " WHERE " + strings.Join(append(where, "1"), " AND ") + order
	query := `SELECT ` + jobColumns + `, seq FROM jobs WHERE seq IN (` + page + `) ORDER BY seq DESC`
	return sqlstore.Jobs(ctx, s.tables, q, func(after int64, n int) ([]recipe.Job, int64, error) {
		return s.jobsPage(ctx, !q.WithoutSteps, query, append(slices.Clip(args), after, n)...)
	})
}

// trigramQuery is the jobs_fts query of the jobs whose search text holds
// the trigrams (runs of three characters) that cover text, which has three
// or more: the first three characters, the next three and so on, the last
// trigram ending at text's end. Each is a quoted string, all are required.
// Every job holding text is found; the few others found are left out by
// Jobs' instr check. Fewer trigrams than all the overlapping ones make
// fewer index lists to walk, and the rare ones are still among them.
func trigramQuery(text string) string {
	runes := []rune(text)
	var b strings.Builder
	for i := 0; ; i += 3 {
		if i+3 > len(runes) {
			i = len(runes) - 3 // the last trigram, overlapping the one before
		}
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(`"` + strings.ReplaceAll(string(runes[i:i+3]), `"`, `""`) + `"`)
		if i+3 == len(runes) {
			return b.String()
		}
	}
}

// jobsPage runs one page query of Jobs; it returns the jobs, with their
// steps when steps is true, and the seq of the last one.
func (s *Store) jobsPage(ctx context.Context, steps bool, query string, args ...any) ([]recipe.Job, int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var jobs []recipe.Job
	var last int64
	for rows.Next() {
		j, err := sqlstore.ScanJob(rows, &last)
		if err != nil {
			return nil, 0, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if !steps {
		return jobs, last, nil
	}
	if err := s.loadSteps(ctx, jobs); err != nil {
		return nil, 0, err
	}
	return jobs, last, nil
}

// JobCounts implements recipe.Store. Ranges and buckets in whole minutes
// are read from the job_minutes table; others count the jobs themselves.
func (s *Store) JobCounts(ctx context.Context, q recipe.CountQuery) ([]recipe.JobCount, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []recipe.JobCount
	var err error
	if q.Since.UnixNano()%int64(time.Minute) == 0 && q.Until.UnixNano()%int64(time.Minute) == 0 && q.Bucket%time.Minute == 0 {
		out, err = s.countMinutes(ctx, q)
	} else {
		out, err = s.countJobs(ctx, q)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: count jobs: %w", err)
	}
	return out, nil
}

func (s *Store) countMinutes(ctx context.Context, q recipe.CountQuery) ([]recipe.JobCount, error) {
	query := `SELECT recipe, status, minute, n FROM job_minutes WHERE minute >= ? AND minute < ? AND n > 0`
	args := []any{q.Since.UnixNano() / int64(time.Minute), q.Until.UnixNano() / int64(time.Minute)}
	if q.Recipe != "" {
		query += ` AND recipe = ?`
		args = append(args, q.Recipe)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		recipe, status string
		bucket         time.Time
	}
	sums := map[key]int{}
	for rows.Next() {
		var k key
		var minute int64
		var n int
		if err := rows.Scan(&k.recipe, &k.status, &minute, &n); err != nil {
			return nil, err
		}
		k.bucket = q.BucketOf(time.Unix(0, minute*int64(time.Minute)))
		sums[k] += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	// job_minutes counts running jobs as pending (the running mark is not
	// a status change, see migration 4): move the few running ones, found
	// among the pending jobs through jobs_status.
	query = `SELECT recipe, created FROM jobs WHERE status = 'pending' AND running != 0 AND created >= ? AND created < ?`
	args = []any{unix(q.Since), unix(q.Until)}
	if q.Recipe != "" {
		query += ` AND recipe = ?`
		args = append(args, q.Recipe)
	}
	running, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer running.Close()
	for running.Next() {
		var k key
		var created int64
		if err := running.Scan(&k.recipe, &created); err != nil {
			return nil, err
		}
		k.bucket = q.BucketOf(time.Unix(0, created).Truncate(time.Minute))
		k.status = string(recipe.JobPending)
		if sums[k] > 0 {
			sums[k]--
			if sums[k] == 0 {
				delete(sums, k)
			}
		}
		k.status = string(recipe.JobRunning)
		sums[k]++
	}
	if err := running.Err(); err != nil {
		return nil, err
	}
	out := make([]recipe.JobCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, recipe.JobCount{Recipe: k.recipe, Status: recipe.JobStatus(k.status), Bucket: k.bucket, Count: n})
	}
	return out, nil
}

func (s *Store) countJobs(ctx context.Context, q recipe.CountQuery) ([]recipe.JobCount, error) {
	bucket := "0"
	args := []any{}
	if q.Bucket > 0 {
		bucket = "(created - ?) / ?"
		args = append(args, unix(q.Since), int64(q.Bucket))
	}
	query := `SELECT recipe, ` + statusColumn + ` AS st, ` + bucket + ` AS b, COUNT(*) FROM jobs WHERE created >= ? AND created < ?`
	args = append(args, unix(q.Since), unix(q.Until))
	if q.Recipe != "" {
		query += ` AND recipe = ?`
		args = append(args, q.Recipe)
	}
	query += ` GROUP BY recipe, st, b`
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recipe.JobCount
	for rows.Next() {
		var c recipe.JobCount
		var status string
		var b int64
		if err := rows.Scan(&c.Recipe, &status, &b, &c.Count); err != nil {
			return nil, err
		}
		c.Status = recipe.JobStatus(status)
		c.Bucket = q.Since.Add(time.Duration(b) * q.Bucket)
		out = append(out, c)
	}
	return out, rows.Err()
}

// StepStats implements recipe.Store. SQLite has no percentile function:
// the durations are read in order and ranked here.
func (s *Store) StepStats(ctx context.Context, q recipe.CountQuery) ([]recipe.StepStat, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	jobs := `SELECT seq FROM jobs WHERE created >= ? AND created < ?`
	args := []any{unix(q.Since), unix(q.Until)}
	if q.Recipe != "" {
		jobs += ` AND recipe = ?`
		args = append(args, q.Recipe)
	}
	if q.MaxJobs > 0 {
		jobs += ` ORDER BY created DESC LIMIT ?`
		args = append(args, q.MaxJobs)
	}
	query := `SELECT s.name, s.action, s.duration, s.error != '' FROM (` + jobs + `) j JOIN job_steps s ON s.job_seq = j.seq ORDER BY s.name, s.action`
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: step statistics: %w", err)
	}
	defer rows.Close()
	return sqlstore.StepStats("sqlite", rows)
}

// Prune implements recipe.Store.
func (s *Store) Prune(ctx context.Context, name string, p recipe.PrunePolicy) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		const finished = `recipe = ? AND status != 'pending' AND next_attempt = 0`
		if !p.FinishedBefore.IsZero() {
			r, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE `+finished+` AND finished < ?`, name, unix(p.FinishedBefore))
			if err != nil {
				return err
			}
			k, _ := r.RowsAffected()
			n += int(k)
		}
		if p.Keep > 0 {
			r, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE `+finished+` ORDER BY seq DESC LIMIT -1 OFFSET ?)`, name, p.Keep)
			if err != nil {
				return err
			}
			k, _ := r.RowsAffected()
			n += int(k)
		}
		if !p.LedgerBefore.IsZero() {
			if _, err := tx.ExecContext(ctx, `DELETE FROM ledger WHERE recipe = ? AND accepted_at < ?`, name, unix(p.LedgerBefore)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune jobs of %q: %w", name, err)
	}
	return n, nil
}

// Close implements recipe.Store.
func (s *Store) Close() error {
	for _, st := range []*sql.Stmt{s.stmt.setCursor, s.stmt.markRunning, s.stmt.finishJob, s.stmt.saveStep, s.stmt.jobStatus, s.stmt.indexJobs, s.stmt.addMinutes} {
		if st != nil {
			_ = st.Close()
		}
	}
	s.ledgerRows.close()
	s.jobRows.close()
	s.eventRows.close()
	s.markRows.close()
	return s.db.Close()
}

var _ recipe.ValueStore = (*Store)(nil)
