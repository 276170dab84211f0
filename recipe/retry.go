package recipe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recipekit/recipekit/action"
)

// DefaultStepRetry returns the retry policy of an action step that sets
// none (see [StepRetry] and [Retry]): up to 5 attempts, waiting 1s, 2s, 4s
// and 8s between them (at most 30s), and no attempt later than 2 minutes
// after the first. Only errors that say a retry may help are retried (rate
// limited, unavailable, a network failure, a change verified as not made:
// see action.IsRetryable), and an ambiguous failure only for a repeatable
// action.
func DefaultStepRetry() action.RetryPolicy {
	return action.RetryPolicy{MaxAttempts: 5, InitialInterval: time.Second, Multiplier: 2, MaxInterval: 30 * time.Second, MaxElapsed: 2 * time.Minute}
}

// DefaultJobRetry returns when a job that failed with a retryable error
// runs again (see [JobRetry]): 1 minute after the failure, then 2, 4, ...
// minutes (at most an hour apart), up to 10 runs in all and not later
// than a day after the job was created.
func DefaultJobRetry() action.RetryPolicy {
	return action.RetryPolicy{MaxAttempts: 10, InitialInterval: time.Minute, Multiplier: 2, MaxInterval: time.Hour, MaxElapsed: 24 * time.Hour}
}

// StepRetry sets how the recipe's action steps retry a failed action, for
// every step that sets no policy of its own with [Retry] (default
// [DefaultStepRetry]). action.RetryPolicy{MaxAttempts: 1} turns step
// retries off. A policy with a negative field fails [New].
func StepRetry(p action.RetryPolicy) Part {
	return settingPart(func(s *Settings) { s.StepRetry = p })
}

// JobRetry sets when a job that failed runs again (default
// [DefaultJobRetry]). A job whose failure says a retry may help (its
// failing step's error is retryable, see action.IsRetryable, or any error
// but a validation error when RetryAll is set) is stored failed with
// [Job.NextAttempt] set to the failure time plus the policy's backoff for
// that run; the engine then runs it again, resuming from its step
// checkpoints: the steps that succeeded replay their outputs and the
// failed step runs again, with its effect key marked as possibly made.
// MaxAttempts counts the job's runs in all, and MaxElapsed runs from the
// job's creation. Failures that a retry cannot help (bad input, a pill
// error, a Fail step, an ambiguous failure of an action that is not
// repeatable) are final at once; operators rerun them with
// [Engine.RerunFailed]. action.RetryPolicy{MaxAttempts: 1} turns job
// retries off. A policy with a negative field fails [New].
func JobRetry(p action.RetryPolicy) Part {
	return settingPart(func(s *Settings) { s.JobRetry = p })
}

// nextAttempt returns when a job that failed with err after retries
// earlier retries runs again, or the zero time when its failure is final.
func (r *Recipe) nextAttempt(err error, retries int, created, now time.Time) time.Time {
	var fail *failSignal
	if errors.As(err, &fail) {
		return time.Time{}
	}
	repeatable := false
	var se *stepError
	if errors.As(err, &se) {
		repeatable = se.idempotent
	}
	p := r.opts.JobRetry
	if !p.ShouldRetry(retries+1, err, repeatable) {
		return time.Time{}
	}
	at := now.Add(p.Backoff(retries + 2))
	if !p.WithinElapsed(at.Sub(created)) {
		return time.Time{}
	}
	return at
}

// requeueDue moves the recipe's failed jobs whose next attempt is due back
// to pending (see [Store.RetryJob]) and returns them. It returns the
// earliest next attempt still to come among the jobs it saw (zero when
// none), so the caller knows when to look again.
func (e *Engine) requeueDue(ctx context.Context, name string) ([]Job, time.Time, error) {
	now := e.rt.clock.Now()
	// Far enough ahead to see every scheduled retry, so the earliest future
	// one is known.
	jobs, err := CollectJobs(e.rt.store.Jobs(ctx, JobQuery{Recipe: name, RetryDue: now.Add(100 * 365 * 24 * time.Hour), Limit: 1000}))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("recipe %q: list jobs awaiting a retry: %w", name, err)
	}
	var out []Job
	var next time.Time
	var errs []error
	for _, j := range jobs {
		if j.NextAttempt.After(now) {
			if next.IsZero() || j.NextAttempt.Before(next) {
				next = j.NextAttempt
			}
			continue
		}
		rj, err := e.rt.store.RetryJob(ctx, j.ID)
		if errors.Is(err, ErrNotFailed) {
			continue // another process retried it first
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("recipe %q: retry job %s: %w", name, j.ID, err))
			continue
		}
		e.rt.log.Info("retrying failed job", "recipe", name, "job", j.ID, "retry", rj.Retries, "error", j.Error)
		out = append(out, rj)
	}
	// Oldest first, as PendingJobs orders them.
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out, next, errors.Join(errs...)
}

// noteRetry tells the run's retry loop that a job awaits a retry at at.
func (run *recipeRun) noteRetry(at time.Time) {
	run.mu.Lock()
	if run.retryAt.IsZero() || at.Before(run.retryAt) {
		run.retryAt = at
	}
	run.mu.Unlock()
	select {
	case run.retryWake <- struct{}{}:
	default:
	}
}

// retryLoop runs the recipe's failed jobs again when their next attempt
// is due, until the run stops. It waits for the earliest next attempt it
// knows of: those stored when it started, and those its workers report.
func (run *recipeRun) retryLoop(next time.Time) {
	defer run.bg.Done()
	rt := &run.e.rt
	for {
		run.mu.Lock()
		if !run.retryAt.IsZero() && (next.IsZero() || run.retryAt.Before(next)) {
			next = run.retryAt
		}
		run.retryAt = time.Time{}
		run.mu.Unlock()
		var timer <-chan time.Time
		if !next.IsZero() {
			timer = rt.clock.After(max(next.Sub(rt.clock.Now()), 0))
		}
		select {
		case <-run.ctx.Done():
			return
		case <-run.retryWake:
			continue
		case <-timer:
		}
		jobs, later, err := run.e.requeueDue(run.ctx, run.r.name)
		if err != nil {
			if run.ctx.Err() != nil {
				return
			}
			rt.log.Error("cannot run failed jobs again; trying again in a minute", "recipe", run.r.name, "error", err)
			if later.IsZero() || later.After(rt.clock.Now().Add(time.Minute)) {
				later = rt.clock.Now().Add(time.Minute)
			}
		}
		run.pushJobs(jobs)
		next = later
	}
}

func (run *recipeRun) pushJobs(jobs []Job) {
	qs := make([]queued, len(jobs))
	for i, j := range jobs {
		qs[i] = queued{job: j}
	}
	run.push(qs...)
}

// RerunFailed runs every failed job of the recipe again, in place: each
// job goes back to pending and resumes from its step checkpoints, the
// steps that succeeded replaying their outputs and the step that failed
// running again with its effect key (so a change it may have made is not
// made twice). This includes failures that are final (bad input, a
// permission missing at the time) and jobs awaiting an automatic retry.
// The jobs run with the next RunOnce, or at once when the engine is
// running. It returns how many jobs it requeued. Use [Engine.Rerun] to
// run a job's event afresh from its first step instead.
func (e *Engine) RerunFailed(ctx context.Context, name string) (int, error) {
	ent, err := e.entry(name)
	if err != nil {
		return 0, fmt.Errorf("recipe: rerun failed jobs: %w", err)
	}
	n := 0
	seen := map[string]bool{} // a job requeued here may fail again meanwhile
	for {
		jobs, err := CollectJobs(e.rt.store.Jobs(ctx, JobQuery{Recipe: name, Status: JobFailed, Limit: 1000}))
		if err != nil {
			return n, fmt.Errorf("recipe: rerun failed jobs of %q: %w", name, err)
		}
		var requeued []Job
		for _, j := range jobs {
			if seen[j.ID] {
				continue
			}
			seen[j.ID] = true
			rj, err := e.rt.store.RetryJob(ctx, j.ID)
			if errors.Is(err, ErrNotFailed) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("recipe: rerun failed job %s of %q: %w", j.ID, name, err)
			}
			requeued = append(requeued, rj)
		}
		// Oldest first, as PendingJobs orders them.
		for i, k := 0, len(requeued)-1; i < k; i, k = i+1, k-1 {
			requeued[i], requeued[k] = requeued[k], requeued[i]
		}
		n += len(requeued)
		e.mu.Lock()
		run := ent.run
		e.mu.Unlock()
		if run != nil {
			run.pushJobs(requeued)
		}
		if len(requeued) == 0 {
			return n, nil
		}
	}
}
