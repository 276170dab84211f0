package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/secretstore"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/internal/jobsearch"
	"github.com/recipekit/recipekit/recipe/internal/sqlstore"
)

// Store is a recipe.Store in a PostgreSQL database, shared by every process
// that opens it. It is safe for concurrent use.
type Store struct {
	*tables // Subscription, State, Value and their setters, as the other SQL stores have them
	pool    *pgxpool.Pool
	log     *slog.Logger
	secrets secretstore.Webhook // seals webhook secrets; no keys when none was given
}

var _ recipe.Store = (*Store)(nil)

// tables names the embedded shared methods.
type tables = sqlstore.Tables

// Option configures [Open].
type Option func(*config)

type config struct {
	maxConns int32
	log      *slog.Logger
	keys     *seal.Keyring
	pool     func(*pgxpool.Config)
}

// WithPoolConfig lets the program adjust the connection pool's
// configuration before it connects: TLS, a tracer, a custom dialer, pool
// sizes.
func WithPoolConfig(f func(*pgxpool.Config)) Option { return func(c *config) { c.pool = f } }

// WithMaxConns caps the store's connection pool (default: pgxpool's, the
// larger of 4 and the number of CPUs, unless the URL sets pool_max_conns).
func WithMaxConns(n int32) Option { return func(c *config) { c.maxConns = n } }

// WithLogger sets the logger for the store's warnings; the default
// discards them.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// keyword/value connection string, as libpq takes) and migrates its schema.
// Several processes may open the same database at once; migrations are
// serialised by an advisory lock.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	if url == "" {
		return nil, errors.New("postgres: empty URL: give one such as postgres://user:password@localhost:5432/recipes")
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL, password included.
		return nil, errors.New("postgres: the URL cannot be parsed: use postgres://user:password@host:5432/database")
	}
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	if cfg.pool != nil {
		cfg.pool(pc)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", describe(pc), err)
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{pool: pool, log: log, secrets: secretstore.Webhook{Store: "postgres", Keys: cfg.keys}}
	s.tables = sqlstore.New(sqlstore.Conn{
		Store: "postgres", NoRows: pgx.ErrNoRows, Secrets: s.secrets,
		QueryRow: func(ctx context.Context, query string, args ...any) sqlstore.Row {
			return pool.QueryRow(ctx, sqlstore.Numbered(query), args...)
		},
		Exec: func(ctx context.Context, query string, args ...any) error {
			_, err := pool.Exec(ctx, sqlstore.Numbered(query), args...)
			return err
		},
	})
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", describe(pc), err)
	}
	if err := s.resealSecrets(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", describe(pc), err)
	}
	return s, nil
}

// describe names the server and database without the password.
func describe(pc *pgxpool.Config) string {
	return fmt.Sprintf("database %q on %s:%d", pc.ConnConfig.Database, pc.ConnConfig.Host, pc.ConnConfig.Port)
}

// Pool returns the store's connection pool, for programs that keep their
// own tables in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// migrationLock is the advisory lock key that serialises schema migrations
// across processes ("recipekt" in ASCII).
const migrationLock = 0x72656369_70656b74

// migrations are applied in order; each runs once, in a transaction, and is
// recorded in recipekit_schema_migrations. Never edit one that has shipped:
// append.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE cursors (
		recipe TEXT PRIMARY KEY,
		cursor BYTEA
	);
	CREATE TABLE ledger (
		recipe      TEXT NOT NULL,
		event_id    TEXT NOT NULL,
		accepted_at BIGINT NOT NULL,
		PRIMARY KEY (recipe, event_id)
	);
	CREATE INDEX ledger_age ON ledger (recipe, accepted_at);
	CREATE TABLE jobs (
		seq         BIGSERIAL PRIMARY KEY,
		id          TEXT NOT NULL UNIQUE,
		recipe      TEXT NOT NULL,
		event_id    TEXT NOT NULL,
		event_time  BIGINT NOT NULL,
		event_data  BYTEA,
		status      TEXT NOT NULL,
		error       TEXT NOT NULL DEFAULT '',
		error_type  TEXT NOT NULL DEFAULT '',
		message     TEXT NOT NULL DEFAULT '',
		rerun_of    TEXT NOT NULL DEFAULT '',
		created     BIGINT NOT NULL,
		finished    BIGINT NOT NULL DEFAULT 0,
		lease_owner TEXT NOT NULL DEFAULT '',
		lease_until TIMESTAMPTZ
	);
	CREATE INDEX jobs_recipe ON jobs (recipe, seq);
	CREATE INDEX jobs_unfinished ON jobs (recipe, seq) WHERE status IN ('pending', 'running');
	CREATE INDEX jobs_event ON jobs (event_id);
	CREATE TABLE steps (
		job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
		seq        INTEGER NOT NULL,
		name       TEXT NOT NULL,
		action     TEXT NOT NULL DEFAULT '',
		input      BYTEA,
		output     BYTEA,
		error      TEXT NOT NULL DEFAULT '',
		error_type TEXT NOT NULL DEFAULT '',
		retryable  BOOLEAN NOT NULL DEFAULT FALSE,
		attempts   INTEGER NOT NULL DEFAULT 0,
		started    BIGINT NOT NULL DEFAULT 0,
		duration   BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (job_id, seq)
	);
	CREATE TABLE subscriptions (
		recipe       TEXT PRIMARY KEY,
		id           TEXT NOT NULL,
		callback_url TEXT NOT NULL,
		secret       TEXT NOT NULL,
		expires_at   BIGINT NOT NULL,
		state        BYTEA
	);
	CREATE TABLE recipe_state (
		recipe  TEXT PRIMARY KEY,
		stopped BOOLEAN NOT NULL,
		updated BIGINT NOT NULL
	);
	CREATE TABLE leases (
		name       TEXT PRIMARY KEY,
		owner      TEXT NOT NULL,
		expires_at TIMESTAMPTZ NOT NULL
	);
	CREATE TABLE oauth_tokens (
		name          TEXT PRIMARY KEY,
		access_token  TEXT NOT NULL,
		refresh_token TEXT NOT NULL,
		token_type    TEXT NOT NULL,
		expiry        BIGINT NOT NULL,
		scope         TEXT NOT NULL,
		cloud_id      TEXT NOT NULL,
		updated       TIMESTAMPTZ NOT NULL DEFAULT now()
	);`,
	// 2: the processes running each recipe (webhook registrations are
	// removed by the last one to stop).
	`CREATE TABLE members (
		grp        TEXT NOT NULL,
		member     TEXT NOT NULL,
		expires_at TIMESTAMPTZ NOT NULL,
		PRIMARY KEY (grp, member)
	);`,
	// 3: when the token endpoint issued an OAuth access token.
	`ALTER TABLE oauth_tokens ADD COLUMN issued BIGINT NOT NULL DEFAULT 0;`,
	// 4: job labels, and indexes for listing, searching and counting jobs.
	// search is the lower-cased label, event ID and job ID that the text
	// filter looks in.
	`ALTER TABLE jobs ADD COLUMN label TEXT NOT NULL DEFAULT '';
	ALTER TABLE jobs ADD COLUMN search TEXT NOT NULL DEFAULT '';
	UPDATE jobs SET search = lower(event_id || ' ' || id);
	CREATE INDEX jobs_recipe_status ON jobs (recipe, status, seq);
	CREATE INDEX jobs_status ON jobs (status, seq);
	CREATE INDEX jobs_created ON jobs (created, recipe, status);
	CREATE INDEX jobs_recipe_created ON jobs (recipe, created);`,
	// 5: job retries. Additive, with defaults that read every existing job
	// as never retried and not awaiting a retry.
	`ALTER TABLE jobs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE jobs ADD COLUMN next_attempt BIGINT NOT NULL DEFAULT 0;
	CREATE INDEX jobs_retry_due ON jobs (recipe, next_attempt) WHERE next_attempt > 0;`,
	// 6: small values kept across process starts (recipe.ValueStore).
	`CREATE TABLE kv (
		key   TEXT PRIMARY KEY,
		value BYTEA NOT NULL
	);`,
}

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("lock the schema for migration: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS recipekit_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create recipekit_schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM recipekit_schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("the database has schema version %d, newer than this program knows (%d): use a newer recipekit", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO recipekit_schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("record schema version %d: %w", v, err)
			}
		}
		return nil
	})
}

// SchemaVersion returns the schema version the database is at.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM recipekit_schema_migrations`).Scan(&v)
	return v, err
}

// unix and fromUnix store times as the other SQL stores do.
func unix(t time.Time) int64     { return sqlstore.Nanos(t) }
func fromUnix(n int64) time.Time { return sqlstore.FromNanos(n) }

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

const insertJob = `INSERT INTO jobs (id, recipe, event_id, event_time, event_data, status, error, error_type, message, rerun_of, created, finished, label, search, retries, next_attempt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

// searchText is what JobQuery.Text is looked for in, lower-cased in ASCII
// only, as the other stores do.
func searchText(j recipe.Job) string {
	return jobsearch.Text(j.Label, j.Event.ID, j.ID)
}

func insertJobArgs(j recipe.Job) []any {
	st := j.Status
	if st == "" {
		st = recipe.JobPending
	}
	return []any{j.ID, j.Recipe, j.Event.ID, unix(j.Event.Time), []byte(j.Event.Data), string(st), j.Error, j.ErrorType, j.Message, j.RerunOf, unix(j.Created), unix(j.Finished), j.Label, searchText(j), j.Retries, unix(j.NextAttempt)}
}

// Accept implements recipe.Store: one transaction marks the ledger, inserts
// the new jobs and moves the cursor.
func (s *Store) Accept(ctx context.Context, b recipe.Batch) (recipe.Accepted, error) {
	res := recipe.Accepted{Stored: make([]bool, len(b.Jobs))}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		clear(res.Stored)
		res.DroppedNew = make([]bool, len(b.Dropped))
		if len(b.Jobs) > 0 {
			evIDs := make([]string, len(b.Jobs))
			for i, j := range b.Jobs {
				evIDs[i] = j.Event.ID
			}
			rows, err := tx.Query(ctx, `INSERT INTO ledger (recipe, event_id, accepted_at) SELECT $1, e, $3 FROM unnest($2::text[]) AS e ON CONFLICT DO NOTHING RETURNING event_id`, b.Recipe, evIDs, unix(b.At))
			if err != nil {
				return err
			}
			fresh := map[string]bool{}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				fresh[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			var batch pgx.Batch
			for i, j := range b.Jobs {
				// The first job of an event new to the ledger is stored;
				// later ones in the same batch are duplicates.
				if fresh[j.Event.ID] {
					delete(fresh, j.Event.ID)
					res.Stored[i] = true
					batch.Queue(insertJob, insertJobArgs(j)...)
				}
			}
			if batch.Len() > 0 {
				if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
					if isUniqueViolation(err) {
						return fmt.Errorf("a job ID of the batch already exists: %w", err)
					}
					return err
				}
			}
		}
		if len(b.Dropped) > 0 {
			rows, err := tx.Query(ctx, `INSERT INTO ledger (recipe, event_id, accepted_at) SELECT $1, e, $3 FROM unnest($2::text[]) AS e ON CONFLICT DO NOTHING RETURNING event_id`, b.Recipe, b.Dropped, unix(b.At))
			if err != nil {
				return err
			}
			fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			isFresh := make(map[string]bool, len(fresh))
			for _, id := range fresh {
				isFresh[id] = true
			}
			for i, id := range b.Dropped {
				// Only the first of an ID given twice in the batch is new.
				res.DroppedNew[i] = isFresh[id]
				delete(isFresh, id)
			}
		}
		if b.SetCursor {
			_, err := tx.Exec(ctx, `INSERT INTO cursors (recipe, cursor) VALUES ($1, $2) ON CONFLICT (recipe) DO UPDATE SET cursor = excluded.cursor`, b.Recipe, []byte(b.Cursor))
			return err
		}
		return nil
	})
	if err != nil {
		return recipe.Accepted{}, fmt.Errorf("postgres: accept events of %q: %w", b.Recipe, err)
	}
	return res, nil
}

// AddJob implements recipe.Store.
func (s *Store) AddJob(ctx context.Context, job recipe.Job) error {
	if _, err := s.pool.Exec(ctx, insertJob, insertJobArgs(job)...); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("postgres: add job: job %q already exists", job.ID)
		}
		return fmt.Errorf("postgres: add job: %w", err)
	}
	return nil
}

// jobColumns are the columns sqlstore.ScanJob reads, in its order.
const jobColumns = `id, recipe, event_id, event_time, event_data, status, error, error_type, message, rerun_of, created, finished, label, retries, next_attempt`

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryJobs(ctx context.Context, q querier, query string, args ...any) ([]recipe.Job, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipe.Job, error) { return sqlstore.ScanJob(r) })
	if err != nil {
		return nil, err
	}
	if err := loadSteps(ctx, q, jobs); err != nil {
		return nil, err
	}
	return jobs, nil
}

// loadSteps fills the jobs' steps in one query.
func loadSteps(ctx context.Context, q querier, jobs []recipe.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	index := make(map[string]int, len(jobs))
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		index[j.ID] = i
		ids[i] = j.ID
	}
	rows, err := q.Query(ctx, `SELECT job_id, seq, name, action, input, output, error, error_type, retryable, attempts, started, duration FROM steps WHERE job_id = ANY($1) ORDER BY job_id, seq`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		jobID, st, err := sqlstore.ScanStep(rows)
		if err != nil {
			return err
		}
		i := index[jobID]
		jobs[i].Steps = append(jobs[i].Steps, st)
	}
	return rows.Err()
}

// PendingJobs implements recipe.Store.
func (s *Store) PendingJobs(ctx context.Context, name string) ([]recipe.Job, error) {
	jobs, err := queryJobs(ctx, s.pool, `SELECT `+jobColumns+` FROM jobs WHERE recipe = $1 AND status IN ('pending', 'running') ORDER BY seq`, name)
	if err != nil {
		return nil, fmt.Errorf("postgres: unfinished jobs of %q: %w", name, err)
	}
	return jobs, nil
}

// stepColumns holds step records column by column, for unnest.
type stepColumns struct {
	seq, attempts                []int32
	name, action, errs, errTypes []string
	input, output                [][]byte
	retryable                    []bool
	started, duration            []int64
}

func columnsOf(steps []recipe.StepRecord) stepColumns {
	var c stepColumns
	for i, st := range steps {
		// One statement may not upsert a row twice: the last record of a
		// Seq wins, as when they were saved one after another.
		if slices.ContainsFunc(steps[i+1:], func(later recipe.StepRecord) bool { return later.Seq == st.Seq }) {
			continue
		}
		c.seq = append(c.seq, int32(st.Seq))
		c.name = append(c.name, st.Name)
		c.action = append(c.action, st.Action)
		c.input = append(c.input, []byte(st.Input))
		c.output = append(c.output, []byte(st.Output))
		c.errs = append(c.errs, st.Error)
		c.errTypes = append(c.errTypes, st.ErrorType)
		c.retryable = append(c.retryable, st.Retryable)
		c.attempts = append(c.attempts, int32(st.Attempts))
		c.started = append(c.started, unix(st.Started))
		c.duration = append(c.duration, int64(st.Duration))
	}
	return c
}

func (c stepColumns) args() []any {
	return []any{c.seq, c.name, c.action, c.input, c.output, c.errs, c.errTypes, c.retryable, c.attempts, c.started, c.duration}
}

// withSteps completes a statement whose CTE "upd" changes an unfinished
// job's row (locking it) and returns its id: the step records given as
// arrays from $1 to $11 are upserted for that job only, and the statement
// returns how many jobs it changed. One statement is one round trip and
// one transaction.
func withSteps(upd string) string {
	return `WITH upd AS (` + upd + `),
	ins AS (
		INSERT INTO steps (job_id, seq, name, action, input, output, error, error_type, retryable, attempts, started, duration)
		SELECT upd.id, s.* FROM upd, unnest($1::int[], $2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::text[], $8::bool[], $9::int[], $10::bigint[], $11::bigint[])
			AS s (seq, name, action, input, output, error, error_type, retryable, attempts, started, duration)
		ON CONFLICT (job_id, seq) DO UPDATE SET name = excluded.name, action = excluded.action, input = excluded.input, output = excluded.output,
			error = excluded.error, error_type = excluded.error_type, retryable = excluded.retryable, attempts = excluded.attempts,
			started = excluded.started, duration = excluded.duration
		RETURNING 1
	)
	SELECT count(*) FROM upd`
}

// whyNotChanged says why a job's row was not changed: it does not exist,
// or it is finished.
func (s *Store) whyNotChanged(ctx context.Context, jobID string) error {
	var status string
	err := s.pool.QueryRow(ctx, `SELECT status FROM jobs WHERE id = $1`, jobID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("job %q: %w", jobID, recipe.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("job %q already finished (%s)", jobID, status)
}

var saveStepsSQL = withSteps(`UPDATE jobs SET status = 'running' WHERE id = $12 AND status IN ('pending', 'running') RETURNING id`)

// SaveSteps implements recipe.Store, in one statement.
func (s *Store) SaveSteps(ctx context.Context, jobID string, steps []recipe.StepRecord) error {
	var n int
	err := s.pool.QueryRow(ctx, saveStepsSQL, append(columnsOf(steps).args(), jobID)...).Scan(&n)
	if err == nil && n == 0 {
		err = s.whyNotChanged(ctx, jobID)
	}
	if err != nil {
		return fmt.Errorf("postgres: save steps: %w", err)
	}
	return nil
}

var finishJobSQL = withSteps(`UPDATE jobs SET status = $13, error = $14, error_type = $15, message = $16, finished = $17, next_attempt = $18, lease_owner = '', lease_until = NULL
	WHERE id = $12 AND status IN ('pending', 'running') RETURNING id`)

// FinishJob implements recipe.Store, in one statement.
func (s *Store) FinishJob(ctx context.Context, jobID string, res recipe.JobResult, steps []recipe.StepRecord) error {
	if !res.Status.Final() {
		return fmt.Errorf("postgres: finish job %q: status %q is not final", jobID, res.Status)
	}
	var n int
	err := s.pool.QueryRow(ctx, finishJobSQL, finishArgs(jobID, res, steps)...).Scan(&n)
	if err == nil && n == 0 {
		err = s.whyNotChanged(ctx, jobID)
	}
	if err != nil {
		return fmt.Errorf("postgres: finish job: %w", err)
	}
	return nil
}

// finishArgs are the arguments of finishJobSQL.
func finishArgs(jobID string, res recipe.JobResult, steps []recipe.StepRecord) []any {
	var next int64
	if res.Status == recipe.JobFailed {
		next = unix(res.NextAttempt)
	}
	return append(columnsOf(steps).args(), jobID, string(res.Status), res.Error, res.ErrorType, res.Message, unix(res.Finished), next)
}

// WriteJobs implements recipe.JobWriter: the statements of SaveSteps and
// FinishJob for every write go to the server as one batch in one
// transaction, a few round trips for them all.
func (s *Store) WriteJobs(ctx context.Context, writes []recipe.JobWrite) []error {
	errs := make([]error, len(writes))
	failed := false
	var b pgx.Batch
	queued := make([]int, 0, len(writes))
	for i, w := range writes {
		switch {
		case w.Result == nil:
			b.Queue(saveStepsSQL, append(columnsOf(w.Steps).args(), w.JobID)...)
		case !w.Result.Status.Final():
			errs[i], failed = fmt.Errorf("postgres: finish job %q: status %q is not final", w.JobID, w.Result.Status), true
			continue
		default:
			b.Queue(finishJobSQL, finishArgs(w.JobID, *w.Result, w.Steps)...)
		}
		queued = append(queued, i)
	}
	var unchanged []int
	if len(queued) > 0 {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			unchanged = unchanged[:0]
			br := tx.SendBatch(ctx, &b)
			for _, i := range queued {
				var n int
				if err := br.QueryRow().Scan(&n); err != nil {
					_ = br.Close()
					return err
				}
				if n == 0 {
					unchanged = append(unchanged, i)
				}
			}
			return br.Close()
		})
		if err != nil {
			for _, i := range queued {
				errs[i] = fmt.Errorf("postgres: write jobs: %w", err)
			}
			return errs
		}
	}
	for _, i := range unchanged {
		what := "save steps"
		if writes[i].Result != nil {
			what = "finish job"
		}
		errs[i], failed = fmt.Errorf("postgres: %s: %w", what, s.whyNotChanged(ctx, writes[i].JobID)), true
	}
	if !failed {
		return nil
	}
	return errs
}

var _ recipe.JobWriter = (*Store)(nil)

// RetryJob implements recipe.Store.
func (s *Store) RetryJob(ctx context.Context, jobID string) (recipe.Job, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM jobs WHERE id = $1 FOR UPDATE`, jobID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("job %q: %w", jobID, recipe.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if recipe.JobStatus(status) != recipe.JobFailed {
			return fmt.Errorf("job %q (%s): %w", jobID, status, recipe.ErrNotFailed)
		}
		var b pgx.Batch
		b.Queue(`DELETE FROM steps WHERE job_id = $1 AND error <> ''
			AND seq = (SELECT MAX(seq) FROM steps WHERE job_id = $1)`, jobID)
		b.Queue(`UPDATE jobs SET status = 'pending', error = '', error_type = '', message = '', finished = 0,
			next_attempt = 0, retries = retries + 1 WHERE id = $1`, jobID)
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return recipe.Job{}, fmt.Errorf("postgres: retry job: %w", err)
	}
	return s.Job(ctx, jobID)
}

// Job implements recipe.Store.
func (s *Store) Job(ctx context.Context, id string) (recipe.Job, error) {
	jobs, err := queryJobs(ctx, s.pool, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id)
	if err != nil {
		return recipe.Job{}, fmt.Errorf("postgres: job %q: %w", id, err)
	}
	if len(jobs) == 0 {
		return recipe.Job{}, fmt.Errorf("postgres: job %q: %w", id, recipe.ErrNotFound)
	}
	return jobs[0], nil
}

// Jobs implements recipe.Store. It reads a page of jobs at a time, each
// starting below the last job of the one before in insertion order, so no
// transaction is held while the caller looks at the jobs.
func (s *Store) Jobs(ctx context.Context, q recipe.JobQuery) iter.Seq2[recipe.Job, error] {
	return sqlstore.Jobs(ctx, s.tables, q, func(after int64, n int) ([]recipe.Job, int64, error) {
		return s.jobsPage(ctx, q, after, n)
	})
}

// jobsPage reads one page of Jobs with its steps; it returns the seq of the
// page's last job.
func (s *Store) jobsPage(ctx context.Context, q recipe.JobQuery, after int64, n int) ([]recipe.Job, int64, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if q.Recipe != "" {
		add("recipe = $?", q.Recipe)
	}
	if q.Status != "" {
		add("status = $?", string(q.Status))
	}
	if q.EventID != "" {
		add("event_id = $?", q.EventID)
	}
	if !q.Since.IsZero() {
		add("created >= $?", unix(q.Since))
	}
	if !q.Until.IsZero() {
		add("created < $?", unix(q.Until))
	}
	if q.Text != "" {
		add("strpos(search, $?) > 0", jobsearch.Lower(q.Text))
	}
	if !q.RetryDue.IsZero() {
		add("status = 'failed' AND next_attempt > 0 AND next_attempt <= $?", unix(q.RetryDue))
	}
	add("seq < $?", after)
	args = append(args, n)
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+`, seq FROM jobs WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	var last int64
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipe.Job, error) {
		return sqlstore.ScanJob(r, &last)
	})
	if err != nil || q.WithoutSteps {
		return jobs, last, err
	}
	if err := loadSteps(ctx, s.pool, jobs); err != nil {
		return nil, 0, err
	}
	return jobs, last, nil
}

// JobCounts implements recipe.Store.
func (s *Store) JobCounts(ctx context.Context, q recipe.CountQuery) ([]recipe.JobCount, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	bucket := int64(q.Bucket)
	if bucket <= 0 {
		bucket = unix(q.Until) - unix(q.Since) + 1
	}
	rows, err := s.pool.Query(ctx, `SELECT recipe, status, (created - $1) / $3 AS b, COUNT(*) FROM jobs
		WHERE created >= $1 AND created < $2 AND ($4 = '' OR recipe = $4) GROUP BY recipe, status, b`,
		unix(q.Since), unix(q.Until), bucket, q.Recipe)
	if err != nil {
		return nil, fmt.Errorf("postgres: count jobs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipe.JobCount, error) {
		var c recipe.JobCount
		var status string
		var b int64
		err := r.Scan(&c.Recipe, &status, &b, &c.Count)
		c.Status = recipe.JobStatus(status)
		c.Bucket = q.Since.Add(time.Duration(b * bucket))
		if q.Bucket <= 0 {
			c.Bucket = q.Since
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: count jobs: %w", err)
	}
	return out, nil
}

// StepStats implements recipe.Store. The durations are ranked here, as in
// the other stores, so that every store computes percentiles alike.
func (s *Store) StepStats(ctx context.Context, q recipe.CountQuery) ([]recipe.StepStat, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	limit := any(nil)
	if q.MaxJobs > 0 {
		limit = q.MaxJobs
	}
	rows, err := s.pool.Query(ctx, `SELECT st.name, st.action, st.duration, st.error <> '' FROM
		(SELECT id FROM jobs WHERE created >= $1 AND created < $2 AND ($3 = '' OR recipe = $3) ORDER BY created DESC LIMIT $4) j
		JOIN steps st ON st.job_id = j.id ORDER BY st.name COLLATE "C", st.action COLLATE "C"`, unix(q.Since), unix(q.Until), q.Recipe, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: step statistics: %w", err)
	}
	defer rows.Close()
	return sqlstore.StepStats("postgres", rows)
}

// Prune implements recipe.Store.
func (s *Store) Prune(ctx context.Context, name string, p recipe.PrunePolicy) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		const finished = `recipe = $1 AND status NOT IN ('pending', 'running') AND next_attempt = 0`
		if !p.FinishedBefore.IsZero() {
			tag, err := tx.Exec(ctx, `DELETE FROM jobs WHERE `+finished+` AND finished < $2`, name, unix(p.FinishedBefore))
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		if p.Keep > 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE `+finished+` ORDER BY seq DESC OFFSET $2)`, name, p.Keep)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		if !p.LedgerBefore.IsZero() {
			if _, err := tx.Exec(ctx, `DELETE FROM ledger WHERE recipe = $1 AND accepted_at < $2`, name, unix(p.LedgerBefore)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: prune jobs of %q: %w", name, err)
	}
	return n, nil
}

// Close implements recipe.Store: it closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

var _ recipe.ValueStore = (*Store)(nil)
