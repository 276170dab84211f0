package jira

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/internal/ctxwait"
)

// IdempotencyProperty is the issue property in which create_issue records
// the idempotency key it was given ({"key": "..."}).
const IdempotencyProperty = "recipekit.idempotency"

// IdempotencyLabelPrefix starts the label create_issue adds for an
// idempotency key: the prefix and the first 24 hex digits of the key's
// SHA-256. JQL can search labels on every Jira (issue properties need an
// index configuration to be searchable), so the label is what the lookup
// after an ambiguous failure searches for.
const IdempotencyLabelPrefix = "rk-idem-"

// maxCreateAttempts bounds the POSTs one idempotent create may send; each
// is preceded by a lookup that proved the previous one created nothing.
const maxCreateAttempts = 3

func idempotencyLabel(key string) string {
	sum := sha256.Sum256([]byte(key))
	return IdempotencyLabelPrefix + hex.EncodeToString(sum[:12])
}

// createIdempotent posts the create; after an ambiguous failure it looks the
// key up and returns the issue found, or posts again when none was created.
func (c *Client) createIdempotent(ctx context.Context, in CreateIssueInput, body IssueUpdate) (Issue, error) {
	// A create retried by the runtime after a crash or an earlier ambiguous
	// failure finds the first issue here.
	if is, found, err := c.findByIdempotencyKey(ctx, in, false); err != nil {
		return Issue{}, err
	} else if found {
		return is, nil
	}
	var lastErr error
	for attempt := 1; attempt <= maxCreateAttempts; attempt++ {
		created, _, err := c.Issues.Create(ctx, body)
		if err == nil {
			return c.fetchCreated(ctx, created)
		}
		if !isAmbiguous(err) || ctx.Err() != nil {
			return Issue{}, createFailure(in, err)
		}
		lastErr = err
		c.logger.WarnContext(ctx, "jira: create issue outcome unknown; looking the idempotency key up", "project", in.Project, "attempt", attempt, "error", err)
		is, found, lerr := c.findByIdempotencyKey(ctx, in, true)
		if lerr != nil {
			return Issue{}, action.Permanent(fmt.Errorf("jira: creating an issue in %s: the outcome is unknown, and looking the idempotency key up failed (%v); retry later with the same key: %w", in.Project, lerr, withOutcomeUnknown(err)))
		}
		if found {
			return is, nil
		}
	}
	return Issue{}, action.Permanent(fmt.Errorf("jira: creating an issue in %s: %d attempts ended without an answer and none created an issue; retry later with the same idempotency key: %w", in.Project, maxCreateAttempts, withOutcomeUnknown(lastErr)))
}

// findByIdempotencyKey searches the project for the key's label and checks
// the property of each hit. Cloud's search is eventually consistent, so
// after an ambiguous failure (patient) an empty answer on Cloud is asked
// again a few times, with a short wait.
func (c *Client) findByIdempotencyKey(ctx context.Context, in CreateIssueInput, patient bool) (Issue, bool, error) {
	jql := fmt.Sprintf("project = %s AND labels = %s ORDER BY created ASC", strconv.Quote(in.Project), strconv.Quote(idempotencyLabel(in.IdempotencyKey)))
	return c.searchCreated(ctx, SearchOptions{JQL: jql, Fields: []string{"labels"}, MaxResults: 10}, patient, func(is Issue) (bool, error) {
		// A hit with the label but without our property is not this one.
		ours, err := c.issuePropertyRecords(ctx, is.Key, IdempotencyProperty, in.IdempotencyKey)
		if err != nil {
			return false, lookupFailure(in, is.Key, patient, err)
		}
		return ours, nil
	})
}

// searchCreated returns, fetched whole, the first issue of a search that
// ours recognises as the one an earlier attempt created; an error from
// ours ends the search. Cloud's search is eventually consistent, so when
// patient an answer without it is asked again a few times, with a short
// wait.
func (c *Client) searchCreated(ctx context.Context, opts SearchOptions, patient bool, ours func(Issue) (bool, error)) (Issue, bool, error) {
	cloud, err := c.isCloud(ctx)
	if err != nil {
		return Issue{}, false, err
	}
	tries := 1
	if cloud && patient {
		tries = 3
	}
	for try := range tries {
		if try > 0 {
			if err := c.sleep(ctx, time.Duration(try)*time.Second); err != nil {
				return Issue{}, false, err
			}
		}
		for is, err := range c.Search.All(ctx, opts) {
			if err != nil {
				return Issue{}, false, err
			}
			ok, err := ours(is)
			if err != nil {
				return Issue{}, false, err
			}
			if ok {
				full, err := c.fetchCreated(ctx, CreatedIssue{ID: is.ID, Key: is.Key, Self: is.Self})
				return full, true, err
			}
		}
	}
	return Issue{}, false, nil
}

// issuePropertyRecords reads the property prop of the issue issueKey and
// reports whether it records key ({"key": key}, as effectValue writes it).
// An absent property (404) or another key means the issue is not the one
// sought (a label hash collision, a label someone set by hand, another step
// run's issue); any other failure to read it is returned, because the
// issue could be the one sought and writing again would duplicate it.
func (c *Client) issuePropertyRecords(ctx context.Context, issueKey, prop, key string) (bool, error) {
	p, _, err := c.Issues.GetProperty(ctx, issueKey, prop)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m, ok := p.Value.(map[string]any)
	return ok && m["key"] == key, nil
}

// lookupFailure explains a property read that left an issue carrying the
// key's label unconfirmed. Before the first POST (patient false) nothing
// has been posted yet; after an ambiguous failure the caller says what is
// known about the outcome.
func lookupFailure(in CreateIssueInput, key string, patient bool, err error) error {
	if patient {
		return fmt.Errorf("could not confirm whether %s carries the idempotency key (reading its %s property failed): %w", key, IdempotencyProperty, err)
	}
	return fmt.Errorf("jira: creating an issue in %s: the idempotency lookup could not confirm whether %s carries the key (reading its %s property failed), so nothing was posted; fix the cause (permission to read issue properties, or a server error) and retry with the same key: %w", in.Project, key, IdempotencyProperty, err)
}

// sleep waits d, through the HTTP options' Sleep when one is set (tests),
// or until ctx ends.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.cfg.HTTP.Sleep != nil {
		return c.cfg.HTTP.Sleep(ctx, d)
	}
	return ctxwait.Sleep(ctx, d)
}
