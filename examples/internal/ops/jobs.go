package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// ErrJobsFailed ends a run in which a job failed, or after which the store
// still holds failed jobs.
var ErrJobsFailed = errors.New("some jobs failed (see above)")

// FailedJobs reports the store's failed jobs, of this run or an earlier
// one (the 20 most recent), with what happens to each next, and returns
// ErrJobsFailed; nil when there are none.
func FailedJobs(ctx context.Context, eng *recipe.Engine, stdout io.Writer) error {
	failed, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Status: recipe.JobFailed, Limit: 20, WithoutSteps: true}))
	if err != nil || len(failed) == 0 {
		return err
	}
	fmt.Fprintf(stdout, "failed jobs in the store (the %d most recent):\n", len(failed))
	for _, j := range failed {
		next := "run -rerun-failed to run it again"
		if j.RetryScheduled() {
			next = "runs again by itself after " + j.NextAttempt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(stdout, "  %s %s: %s (%s)\n", j.Recipe, cmp.Or(j.Label, j.Event.ID), j.Error, next)
	}
	return ErrJobsFailed
}

// RedactURL hides the password of a postgres:// store URL before it is
// printed; other store names are returned as they are.
func RedactURL(s string) string {
	if !IsPostgresURL(s) {
		return s
	}
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}
