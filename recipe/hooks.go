package recipe

import (
	"context"
	"time"
)

// JobInfo identifies a job in hook calls.
type JobInfo struct {
	// ID is the job's ID.
	ID string
	// Recipe is the recipe's name.
	Recipe string
	// EventID is the trigger event's dedup ID.
	EventID string
	// RerunOf is the ID of the job this one re-runs, if any.
	RerunOf string
	// Resumed is true when the job was interrupted before, or failed and
	// runs again (see [JobRetry]), and continues from its checkpoints.
	Resumed bool
	// Retries counts the job's earlier failed runs (see [Job.Retries]).
	Retries int
}

// PollResult describes one poll of a recipe's trigger for
// [Hooks.PollFinished].
type PollResult struct {
	// Events is the number of events the trigger returned.
	Events int
	// New is how many of them became jobs.
	New int
	// Duplicates is how many were already in the dedup ledger.
	Duplicates int
	// Skipped is how many the trigger condition dropped.
	Skipped int
	// SkippedBy counts the skipped events by reason, such as
	// `condition "trigger.x == 1" false`; nil when none was skipped.
	SkippedBy map[string]int
	// More reports that the trigger has more events ready now.
	More bool
	// Wait is how long the engine waits before the next poll.
	Wait time.Duration
	// Err is the poll's error, nil on success.
	Err error
}

// Hooks observe the engine: metrics, tracing, progress bars. The engine
// calls them synchronously from its goroutines (workers call the job and
// step hooks concurrently when a recipe's Concurrency is above 1, and
// JobFinished may come while the worker already runs its next job, even
// at Concurrency 1), so they must be safe for concurrent use and return
// quickly. Embed [NopHooks] to
// implement only the calls you need; methods added to Hooks later will have
// no-op defaults there.
type Hooks interface {
	// JobStarted is called before a job's first step runs.
	JobStarted(ctx context.Context, job JobInfo)
	// JobFinished is called after a job's final status is stored. The
	// store write, and so this call, may overlap the worker's next job
	// (see the package documentation on crash safety); the calls for one
	// worker's jobs come in the order the jobs ran.
	JobFinished(ctx context.Context, job JobInfo, result JobResult)
	// StepStarted is called before an action step builds its input.
	StepStarted(ctx context.Context, job JobInfo, step string)
	// StepFinished is called after an action step's last attempt.
	StepFinished(ctx context.Context, job JobInfo, step StepRecord)
	// PollFinished is called after each poll of a recipe's trigger and
	// after the resulting jobs were stored.
	PollFinished(ctx context.Context, recipe string, result PollResult)
	// Progress reports, after each successful poll, how many new events
	// the recipe has handled since the engine started it (by Run, Start or
	// each RunOnce) and an estimate of the total: done plus the backlog the
	// trigger reports (trigger.Page.Backlog; 0 when it cannot tell). New
	// events are those that became jobs and those the trigger condition
	// dropped; duplicates do not count. done never decreases within a
	// run and estimatedTotal is never below done; the total may go down
	// when the trigger revises its backlog or duplicates turn up, and once
	// a backfill has caught up (no more pages) it equals done.
	Progress(ctx context.Context, recipe string, done, estimatedTotal int64)
}

// NopHooks implements [Hooks] with methods that do nothing. Embed it in
// your own hooks type.
type NopHooks struct{}

// JobStarted does nothing.
func (NopHooks) JobStarted(context.Context, JobInfo) {}

// JobFinished does nothing.
func (NopHooks) JobFinished(context.Context, JobInfo, JobResult) {}

// StepStarted does nothing.
func (NopHooks) StepStarted(context.Context, JobInfo, string) {}

// StepFinished does nothing.
func (NopHooks) StepFinished(context.Context, JobInfo, StepRecord) {}

// PollFinished does nothing.
func (NopHooks) PollFinished(context.Context, string, PollResult) {}

// Progress does nothing.
func (NopHooks) Progress(context.Context, string, int64, int64) {}

// Clock tells the engine the time and lets it wait. Tests pass a fake one
// with [WithClock]; the default is the system clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// SystemClock returns the clock of the operating system.
func SystemClock() Clock { return systemClock{} }
