package recipe

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// ErrNotFound is returned by a [Store] when the job, recipe or subscription
// asked for does not exist.
var ErrNotFound = errors.New("recipe: not found")

// ErrNotFailed is returned by [Store.RetryJob] for a job that is not
// failed.
var ErrNotFailed = errors.New("recipe: the job is not failed")

// Store keeps everything the engine must not lose across restarts: trigger
// cursors, the dedup ledger, jobs (pending ones form the queue, finished
// ones the history), step checkpoints, webhook subscriptions and recipe
// state.
//
// The interface is deliberately narrow so that other databases can back it.
// [NewMemoryStore] keeps everything in memory (tests); package
// recipe/sqlite stores it in a SQLite file (the embedded default);
// package recipe/postgres in a PostgreSQL database that several processes
// share, mapping each method to one transaction. A store shared by several
// processes also implements [Coordinator].
//
// All methods may be called from many goroutines at once. Returned records
// are copies the caller may keep and modify. SaveSteps and FinishJob must
// not keep the steps slice they are given after they return: the engine
// reuses it. The byte slices inside records (event data, step inputs and
// outputs) are never changed after they are handed over, so a store may
// keep those.
type Store interface {
	// Accept atomically stores the new jobs of a batch, marks the events of
	// the batch in the dedup ledger and, when b.SetCursor is true, stores
	// b.Cursor as the recipe's cursor. An event whose ID is already in the
	// recipe's ledger (or appears earlier in the same batch) is a
	// duplicate: its job is not stored. It reports which jobs were stored
	// and which dropped events were new to the ledger. Either everything
	// happens or nothing does: a crash replays the page, and the ledger
	// makes the replay harmless.
	Accept(ctx context.Context, b Batch) (Accepted, error)
	// AddJob stores a pending job without consulting the dedup ledger (a
	// re-run of an earlier job).
	AddJob(ctx context.Context, job Job) error
	// Cursor returns the recipe's stored cursor, nil when there is none.
	Cursor(ctx context.Context, recipe string) (trigger.Cursor, error)
	// PendingJobs returns the recipe's unfinished jobs (pending or running)
	// in the order they were accepted, each with the step records saved so
	// far (its checkpoints).
	PendingJobs(ctx context.Context, recipe string) ([]Job, error)
	// SaveSteps appends step records to an unfinished job and marks it
	// running. Records with a Seq already saved for that job are replaced.
	SaveSteps(ctx context.Context, jobID string, steps []StepRecord) error
	// FinishJob appends the remaining step records and stores the job's
	// final status, error, message and finish time, all in one
	// transaction.
	FinishJob(ctx context.Context, jobID string, result JobResult, steps []StepRecord) error
	// RetryJob moves a failed job back to pending so the engine runs it
	// again, in one transaction: Status becomes pending, Error, ErrorType,
	// Message, Finished and NextAttempt are cleared, Retries grows by one,
	// and when the job's last step record (highest Seq) failed, that
	// record is deleted, so the step that failed the job runs again while
	// the steps before it replay from their checkpoints. It returns the job
	// as it now is, with its steps; an error wrapping ErrNotFound when there
	// is no such job, and one wrapping ErrNotFailed when the job is not
	// failed (another process retried it first, or it never failed).
	RetryJob(ctx context.Context, jobID string) (Job, error)
	// Job returns a job with its steps, or an error wrapping ErrNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// Jobs iterates over the jobs that match the query, newest first (in
	// the order they were stored), each with its step records, up to
	// q.Limit jobs or every one when q.Limit is 0. A store reads them a
	// page at a time, so iterating over a long history does not hold it
	// all in memory, and it holds no lock while the caller's loop body
	// runs. A job stored while the iteration is under way may be missed;
	// no job is yielded twice. On a failure the sequence yields the error
	// with a zero Job and ends; a q.Before naming a job the store does not
	// have is such an error, wrapping ErrNotFound. Use [CollectJobs] for a
	// slice.
	Jobs(ctx context.Context, q JobQuery) iter.Seq2[Job, error]
	// JobCounts counts the jobs created in [q.Since, q.Until) by recipe,
	// status and time bucket, for dashboards. Rows with a zero count are
	// left out; their order is unspecified.
	JobCounts(ctx context.Context, q CountQuery) ([]JobCount, error)
	// StepStats summarises the durations of the step runs of the jobs
	// created in [q.Since, q.Until), by step name and action, sorted by
	// name then action. q.Bucket is ignored.
	StepStats(ctx context.Context, q CountQuery) ([]StepStat, error)
	// Subscription returns the recipe's stored webhook subscription, or an
	// error wrapping ErrNotFound.
	Subscription(ctx context.Context, recipe string) (trigger.Subscription, error)
	// SaveSubscription stores the recipe's webhook subscription, replacing
	// any earlier one. A store that persists the secret keeps it encrypted
	// with a key the program supplies (package auth/seal, as recipe/sqlite
	// does) and refuses to store it when it has no key.
	SaveSubscription(ctx context.Context, recipe string, sub trigger.Subscription) error
	// DeleteSubscription forgets the recipe's webhook subscription; it is
	// not an error if there is none.
	DeleteSubscription(ctx context.Context, recipe string) error
	// State returns the recipe's stored state; the zero State when none
	// was stored.
	State(ctx context.Context, recipe string) (RecipeState, error)
	// SetState stores the recipe's state.
	SetState(ctx context.Context, recipe string, st RecipeState) error
	// Prune deletes the recipe's finished jobs that the policy no longer
	// keeps, and ledger entries older than p.LedgerBefore when that is not
	// zero. It returns the number of jobs deleted. Unfinished jobs and
	// failed jobs awaiting a retry (NextAttempt set) are never pruned.
	Prune(ctx context.Context, recipe string, p PrunePolicy) (int, error)
	// Close releases the store's resources.
	Close() error
}

// Batch is what [Store.Accept] stores in one transaction.
type Batch struct {
	// Recipe names the recipe the events belong to.
	Recipe string
	// Jobs are the new jobs, one per event; Job.Event.ID is the dedup key.
	// Most are pending. A job whose trigger condition could not be
	// evaluated arrives already failed (Status, Error, ErrorType and
	// Finished set): the store must keep those fields as given, so the job
	// is never resumed as pending.
	Jobs []Job
	// Dropped are IDs of events the trigger condition dropped: they are
	// marked in the ledger so a replay does not evaluate them again, but no
	// job is stored.
	Dropped []string
	// Cursor is the recipe's new cursor, stored when SetCursor is true (a
	// webhook delivery does not move the cursor).
	Cursor    trigger.Cursor
	SetCursor bool
	// At is when the batch was accepted (ledger entry time).
	At time.Time
}

// Accepted is what [Store.Accept] did with a batch.
type Accepted struct {
	// Stored reports, for each job of Batch.Jobs in order, whether it was
	// stored (false: a duplicate).
	Stored []bool
	// DroppedNew reports, for each ID of Batch.Dropped in order, whether
	// it was new to the ledger (false: already marked, or earlier in the
	// same batch).
	DroppedNew []bool
}

// JobResult is the final outcome of a job as [Store.FinishJob] stores it.
type JobResult struct {
	Status    JobStatus
	Error     string
	ErrorType string
	Message   string
	Finished  time.Time
	// NextAttempt is when a failed job runs again; zero when its failure
	// is final (see [Job.NextAttempt]).
	NextAttempt time.Time
}

// JobQuery selects jobs for [Store.Jobs]. Zero fields do not filter.
type JobQuery struct {
	// Recipe keeps the jobs of one recipe.
	Recipe string
	// Status keeps jobs with this status.
	Status JobStatus
	// EventID keeps jobs made from this event.
	EventID string
	// RetryDue keeps failed jobs whose NextAttempt is set and not after
	// this time: those the engine's retry schedule runs now.
	RetryDue time.Time
	// Since keeps jobs created at or after this time.
	Since time.Time
	// Until keeps jobs created before this time.
	Until time.Time
	// Text keeps jobs whose label, event ID or job ID contains it, ignoring
	// ASCII case: an issue key or words of a summary.
	Text string
	// Before is a page cursor: it keeps the jobs stored before the job with
	// this ID (the next page after a page ending with that job).
	Before string
	// WithoutSteps leaves Job.Steps empty, for listings that show only the
	// jobs themselves.
	WithoutSteps bool
	// Limit caps the number of jobs listed; 0 lists every job that
	// matches.
	Limit int
}

// CollectJobs gathers a job listing (such as [Engine.Jobs] or
// [Store.Jobs]) into a slice, stopping at the first error.
func CollectJobs(seq iter.Seq2[Job, error]) ([]Job, error) {
	var jobs []Job
	for j, err := range seq {
		if err != nil {
			return jobs, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// CountQuery selects what [Store.JobCounts] and [Store.StepStats] count.
type CountQuery struct {
	// Recipe keeps one recipe; empty counts every recipe.
	Recipe string
	// Since and Until bound the creation time of the jobs counted; both
	// are required.
	Since, Until time.Time
	// Bucket splits [Since, Until) into intervals of this length for
	// JobCounts; 0 counts the whole range as one bucket.
	Bucket time.Duration
	// MaxJobs makes StepStats read the steps of at most this many jobs,
	// the newest of the range: percentiles of a busy day from a recent
	// sample. 0 reads every job of the range. JobCounts ignores it.
	MaxJobs int
}

// Validate reports a query that cannot be answered.
func (q CountQuery) Validate() error {
	switch {
	case q.Since.IsZero() || q.Until.IsZero():
		return errors.New("recipe: count query: Since and Until are both required")
	case !q.Until.After(q.Since):
		return fmt.Errorf("recipe: count query: Until (%s) must be after Since (%s)", q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))
	case q.Bucket < 0:
		return fmt.Errorf("recipe: count query: bucket %v is negative: use 0 for one bucket", q.Bucket)
	case q.Bucket > 0 && q.Until.Sub(q.Since)/q.Bucket > 100_000:
		return fmt.Errorf("recipe: count query: %v buckets of %v are too many: use a longer bucket", q.Until.Sub(q.Since)/q.Bucket, q.Bucket)
	}
	return nil
}

// BucketOf returns the start of the bucket that t falls in.
func (q CountQuery) BucketOf(t time.Time) time.Time {
	if q.Bucket <= 0 {
		return q.Since
	}
	return q.Since.Add(t.Sub(q.Since) / q.Bucket * q.Bucket)
}

// JobCount is one row of [Store.JobCounts].
type JobCount struct {
	// Recipe and Status say what was counted.
	Recipe string
	Status JobStatus
	// Bucket is the start of the time bucket (CountQuery.BucketOf).
	Bucket time.Time
	// Count is the number of jobs.
	Count int
}

// StepStat summarises the runs of one step for [Store.StepStats].
type StepStat struct {
	// Name is the step's name; Action its action ("jira.add_comment").
	Name   string
	Action string
	// Runs counts the step runs, Failed those that ended with an error.
	Runs   int
	Failed int
	// P50, P90 and P99 are duration percentiles (nearest rank), Max the
	// longest duration.
	P50, P90, P99, Max time.Duration
}

// NewStepStat computes a StepStat from the durations of a step's runs,
// which it sorts in place. Stores that fetch raw durations use it so that
// every store computes percentiles alike.
func NewStepStat(name, action string, durations []time.Duration, failed int) StepStat {
	slices.Sort(durations)
	st := StepStat{Name: name, Action: action, Runs: len(durations), Failed: failed}
	if len(durations) == 0 {
		return st
	}
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(durations)))) - 1
		return durations[max(0, min(i, len(durations)-1))]
	}
	st.P50, st.P90, st.P99, st.Max = rank(50), rank(90), rank(99), durations[len(durations)-1]
	return st
}

// PrunePolicy says which finished jobs [Store.Prune] deletes.
type PrunePolicy struct {
	// FinishedBefore deletes jobs finished before this time; zero keeps
	// jobs of any age.
	FinishedBefore time.Time
	// Keep keeps at most this many finished jobs (the newest); 0 keeps any
	// number.
	Keep int
	// LedgerBefore deletes dedup ledger entries accepted before this time;
	// zero keeps the whole ledger.
	LedgerBefore time.Time
}

// RecipeState is what the engine remembers about a recipe between runs.
type RecipeState struct {
	// Stopped is true after Engine.Stop and false after Engine.Start: a
	// stopped recipe stays stopped when the process restarts.
	Stopped bool
	// Updated is when the state was last changed.
	Updated time.Time
}

// ValueStore keeps small values by key across process starts, in the same
// database as the jobs: what a connection learnt once about its site (the
// Jira deployment, through jira.Config.InfoCache) instead of asking again
// on every start. The memory, SQLite and PostgreSQL stores implement it.
type ValueStore interface {
	// Value returns the value stored under key, or an error wrapping
	// ErrNotFound when there is none.
	Value(ctx context.Context, key string) ([]byte, error)
	// SetValue stores value under key, replacing any earlier one.
	SetValue(ctx context.Context, key string, value []byte) error
}

// JobWriter is implemented by a [Store] that can store the checkpoints and
// final records of several jobs in one transaction; the memory, SQLite and
// PostgreSQL stores do. A store's cost per transaction (a commit, the
// pages it writes, the round trips) is then shared by several jobs: the
// engine marks the jobs it takes ahead running a batch at a time and, on
// a store that serves one process, commits together the final records of
// jobs whose end may wait (see the package documentation on crash safety).
type JobWriter interface {
	// WriteJobs stores each write as [Store.SaveSteps] (Result nil) or
	// [Store.FinishJob] (Result set) would, all in one transaction. A write
	// the store refuses (its job does not exist or is finished, or its
	// Result.Status is not final) changes nothing and fails alone; the
	// others are stored. Any other failure fails every write and stores
	// nothing. It returns nil when every write was stored, otherwise one
	// error per write, nil for those stored. Like SaveSteps and FinishJob
	// it must not keep the writes or their step slices after it returns.
	WriteJobs(ctx context.Context, writes []JobWrite) []error
}

// JobWrite is one job's write in [JobWriter.WriteJobs].
type JobWrite struct {
	// JobID names the job.
	JobID string
	// Steps are the step records to add, as [Store.SaveSteps] adds them.
	Steps []StepRecord
	// Result is the job's final result; nil for a checkpoint, which marks
	// the job running.
	Result *JobResult
}
