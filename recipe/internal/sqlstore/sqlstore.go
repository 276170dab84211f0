package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/internal/secretstore"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// Row is one row of a query, as both database/sql and pgx give it.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a query's result, as both database/sql and pgx give it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Conn is a store's database, as the shared statements reach it. The
// statements are written with ? placeholders; a dialect that numbers them
// ($1, $2) rewrites them with [Numbered].
type Conn struct {
	// Store is the store's package name ("sqlite", "postgres"): it begins
	// every error.
	Store string
	// NoRows is the error QueryRow's Scan returns when no row matched.
	NoRows error
	// QueryRow runs a query that returns at most one row.
	QueryRow func(ctx context.Context, query string, args ...any) Row
	// Exec runs a statement that returns no rows.
	Exec func(ctx context.Context, query string, args ...any) error
	// Secrets seals and opens the webhook secrets of subscriptions.
	Secrets secretstore.Webhook
}

// Tables implements the recipe.Store methods on the cursors, subscriptions
// and recipe_state tables and the recipe.ValueStore methods on the kv table.
// A store embeds it, so that those methods are its own.
type Tables struct {
	c Conn
}

// New returns the shared methods of the store c connects to.
func New(c Conn) *Tables { return &Tables{c: c} }

// Numbered rewrites the ? placeholders of query as $1, $2, ... in order.
// The shared statements hold no ? inside a string literal.
func Numbered(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteString("$" + strconv.Itoa(n))
	}
	return b.String()
}

// Nanos is how a time is stored: Unix nanoseconds, 0 for the zero time.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos reads a time stored by [Nanos], in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// ScanJob reads a job from row, whose columns are, in this order: id,
// recipe, event_id, event_time, the event's data, status, error,
// error_type, message, rerun_of, created, finished, label, retries and
// next_attempt, then as many more as more has destinations for (a job's
// seq, to page or sort by).
func ScanJob(row Row, more ...any) (recipe.Job, error) {
	var j recipe.Job
	var evTime, created, finished, next int64
	var data []byte
	var status string
	dest := append(make([]any, 0, 15+len(more)), &j.ID, &j.Recipe, &j.Event.ID, &evTime, &data, &status, &j.Error, &j.ErrorType, &j.Message, &j.RerunOf, &created, &finished, &j.Label, &j.Retries, &next)
	err := row.Scan(append(dest, more...)...)
	j.Event.Time, j.Created, j.Finished, j.NextAttempt = FromNanos(evTime), FromNanos(created), FromNanos(finished), FromNanos(next)
	j.Event.Data = data
	j.Status = recipe.JobStatus(status)
	return j, err
}

// ScanStep reads a step record from row, whose columns are, in this order:
// the job's ID, then the step's seq, name, action, input, output, error,
// error_type, retryable, attempts, started and duration.
func ScanStep(row Row) (jobID string, st recipe.StepRecord, err error) {
	var in, out []byte
	var started, dur int64
	err = row.Scan(&jobID, &st.Seq, &st.Name, &st.Action, &in, &out, &st.Error, &st.ErrorType, &st.Retryable, &st.Attempts, &started, &dur)
	st.Input, st.Output = in, out
	st.Started, st.Duration = FromNanos(started), time.Duration(dur)
	return jobID, st, err
}

// Cursor implements recipe.Store.
func (t *Tables) Cursor(ctx context.Context, name string) (trigger.Cursor, error) {
	var c []byte
	err := t.c.QueryRow(ctx, `SELECT cursor FROM cursors WHERE recipe = ?`, name).Scan(&c)
	if errors.Is(err, t.c.NoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: cursor of %q: %w", t.c.Store, name, err)
	}
	return trigger.Cursor(c), nil
}

// Subscription implements recipe.Store.
func (t *Tables) Subscription(ctx context.Context, name string) (trigger.Subscription, error) {
	var sub trigger.Subscription
	var secret string
	var expires int64
	var state []byte
	err := t.c.QueryRow(ctx, `SELECT id, callback_url, secret, expires_at, state FROM subscriptions WHERE recipe = ?`, name).
		Scan(&sub.ID, &sub.CallbackURL, &secret, &expires, &state)
	if errors.Is(err, t.c.NoRows) {
		return sub, fmt.Errorf("%s: subscription of %q: %w", t.c.Store, name, recipe.ErrNotFound)
	}
	if err != nil {
		return sub, fmt.Errorf("%s: subscription of %q: %w", t.c.Store, name, err)
	}
	plain, err := t.c.Secrets.Open(name, secret)
	if err != nil {
		return trigger.Subscription{}, err
	}
	sub.Secret, sub.ExpiresAt, sub.State = plain, FromNanos(expires), state
	return sub, nil
}

// SaveSubscription implements recipe.Store.
func (t *Tables) SaveSubscription(ctx context.Context, name string, sub trigger.Subscription) error {
	sealed, err := t.c.Secrets.Seal(name, sub.Secret)
	if err != nil {
		return err
	}
	err = t.c.Exec(ctx, `INSERT INTO subscriptions (recipe, id, callback_url, secret, expires_at, state) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (recipe) DO UPDATE SET id = excluded.id, callback_url = excluded.callback_url, secret = excluded.secret, expires_at = excluded.expires_at, state = excluded.state`,
		name, sub.ID, sub.CallbackURL, sealed, Nanos(sub.ExpiresAt), sub.State)
	if err != nil {
		return fmt.Errorf("%s: save subscription of %q: %w", t.c.Store, name, err)
	}
	return nil
}

// DeleteSubscription implements recipe.Store.
func (t *Tables) DeleteSubscription(ctx context.Context, name string) error {
	if err := t.c.Exec(ctx, `DELETE FROM subscriptions WHERE recipe = ?`, name); err != nil {
		return fmt.Errorf("%s: delete subscription of %q: %w", t.c.Store, name, err)
	}
	return nil
}

// State implements recipe.Store.
func (t *Tables) State(ctx context.Context, name string) (recipe.RecipeState, error) {
	var st recipe.RecipeState
	var updated int64
	err := t.c.QueryRow(ctx, `SELECT stopped, updated FROM recipe_state WHERE recipe = ?`, name).Scan(&st.Stopped, &updated)
	if errors.Is(err, t.c.NoRows) {
		return recipe.RecipeState{}, nil
	}
	if err != nil {
		return st, fmt.Errorf("%s: state of %q: %w", t.c.Store, name, err)
	}
	st.Updated = FromNanos(updated)
	return st, nil
}

// SetState implements recipe.Store.
func (t *Tables) SetState(ctx context.Context, name string, st recipe.RecipeState) error {
	err := t.c.Exec(ctx, `INSERT INTO recipe_state (recipe, stopped, updated) VALUES (?, ?, ?)
		ON CONFLICT (recipe) DO UPDATE SET stopped = excluded.stopped, updated = excluded.updated`, name, st.Stopped, Nanos(st.Updated))
	if err != nil {
		return fmt.Errorf("%s: set state of %q: %w", t.c.Store, name, err)
	}
	return nil
}

// Value implements recipe.ValueStore.
func (t *Tables) Value(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := t.c.QueryRow(ctx, `SELECT value FROM kv WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, t.c.NoRows) {
		return nil, fmt.Errorf("%s: value %q: %w", t.c.Store, key, recipe.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: value %q: %w", t.c.Store, key, err)
	}
	return v, nil
}

// SetValue implements recipe.ValueStore.
func (t *Tables) SetValue(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	if err := t.c.Exec(ctx, `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("%s: set value %q: %w", t.c.Store, key, err)
	}
	return nil
}

// JobsPerPage is how many jobs a listing reads per query.
const JobsPerPage = 200

// Page reads one page of a job listing: at most n jobs stored before the
// one with insertion order after, newest first, and the insertion order of
// the last one.
type Page func(after int64, n int) (jobs []recipe.Job, last int64, err error)

// Jobs lists the jobs of q a page at a time, each page a query that starts
// below the last job of the one before (by the store's insertion order), so
// no transaction or lock is held while the caller looks at the jobs. It
// starts below the job q.Before names, and stops after q.Limit jobs when
// that is positive.
func Jobs(ctx context.Context, t *Tables, q recipe.JobQuery, page Page) iter.Seq2[recipe.Job, error] {
	return func(yield func(recipe.Job, error) bool) {
		after := int64(math.MaxInt64)
		if q.Before != "" {
			err := t.c.QueryRow(ctx, `SELECT seq FROM jobs WHERE id = ?`, q.Before).Scan(&after)
			if errors.Is(err, t.c.NoRows) {
				err = fmt.Errorf("jobs before %q: %w", q.Before, recipe.ErrNotFound)
			}
			if err != nil {
				yield(recipe.Job{}, fmt.Errorf("%s: list jobs: %w", t.c.Store, err))
				return
			}
		}
		left := q.Limit
		for q.Limit <= 0 || left > 0 {
			n := JobsPerPage
			if q.Limit > 0 {
				n = min(n, left)
			}
			jobs, last, err := page(after, n)
			if err != nil {
				yield(recipe.Job{}, fmt.Errorf("%s: list jobs: %w", t.c.Store, err))
				return
			}
			for _, j := range jobs {
				if !yield(j, nil) {
					return
				}
			}
			if len(jobs) < n {
				return
			}
			after, left = last, left-len(jobs)
		}
	}
}

// StepStats ranks the step runs rows yields into statistics, one per step
// name and action. Each row is a step's name, action, duration in
// nanoseconds and whether it failed, ordered by name and action (byte
// order), so that every store computes percentiles alike. The caller
// closes rows.
func StepStats(store string, rows Rows) ([]recipe.StepStat, error) {
	var out []recipe.StepStat
	var name, action string
	var durations []time.Duration
	failed := 0
	flush := func() {
		if len(durations) > 0 {
			out = append(out, recipe.NewStepStat(name, action, durations, failed))
		}
		durations, failed = nil, 0
	}
	for rows.Next() {
		var n, a string
		var d int64
		var f bool
		if err := rows.Scan(&n, &a, &d, &f); err != nil {
			return nil, fmt.Errorf("%s: step statistics: %w", store, err)
		}
		if n != name || a != action {
			flush()
			name, action = n, a
		}
		durations = append(durations, time.Duration(d))
		if f {
			failed++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: step statistics: %w", store, err)
	}
	flush()
	return out, nil
}
