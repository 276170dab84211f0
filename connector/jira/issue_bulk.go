package jira

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
)

// MaxBulkCreate is how many issues one bulk create request may hold (a
// Jira limit); BulkCreateIssues sends larger lists in several requests.
const MaxBulkCreate = 50

// BulkCreateResult is Jira's answer to POST /issue/bulk: the issues
// created and, for the others, why not.
type BulkCreateResult struct {
	Issues []CreatedIssue     `json:"issues"`
	Errors []BulkElementError `json:"errors"`
}

// BulkElementError is why one issue of a bulk create failed.
type BulkElementError struct {
	// FailedElementNumber is the 0-based position of the issue in the
	// request.
	FailedElementNumber int `json:"failedElementNumber"`
	Status              int `json:"status"`
	ElementErrors       struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	} `json:"elementErrors"`
}

// Message is the element's errors as one sentence, fields sorted.
func (e BulkElementError) Message() string {
	parts := append([]string{}, e.ElementErrors.ErrorMessages...)
	keys := make([]string, 0, len(e.ElementErrors.Errors))
	for k := range e.ElementErrors.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+e.ElementErrors.Errors[k])
	}
	if len(parts) == 0 {
		return fmt.Sprintf("Jira refused it (status %d) without saying why", e.Status)
	}
	return strings.Join(parts, "; ")
}

// BulkCreate creates up to MaxBulkCreate issues in one request. Jira
// creates those it can and reports the others in Errors; when it creates
// none it answers 400, returned as the error. Like Create, the request is
// sent once.
func (s *IssuesService) BulkCreate(ctx context.Context, issues []IssueUpdate) (BulkCreateResult, *Response, error) {
	if len(issues) == 0 || len(issues) > MaxBulkCreate {
		return BulkCreateResult{}, nil, fmt.Errorf("jira: a bulk create holds 1 to %d issues, not %d", MaxBulkCreate, len(issues))
	}
	return callJSON[BulkCreateResult](ctx, s.client, "POST", apiPath("/issue/bulk"), nil, map[string]any{"issueUpdates": issues})
}

// BulkCreateIssuesInput is the input of the bulk_create_issues action.
type BulkCreateIssuesInput struct {
	// Issues are the issues to create, each as create_issue takes it.
	Issues []CreateIssueInput `json:"issues" expr:"issues"`
}

// BulkCreateIssuesResult is the output of the bulk_create_issues action.
type BulkCreateIssuesResult struct {
	// Issues holds, in the order of the input, the issue created for each
	// input issue (empty id and key for one that failed).
	Issues []CreatedIssue `json:"issues" expr:"issues"`
	// Failed lists the input issues Jira refused, with why.
	Failed []BulkCreateFailure `json:"failed" expr:"failed"`
}

// BulkCreateFailure is an input issue Jira refused to create.
type BulkCreateFailure struct {
	// Index is the issue's 0-based position in the input.
	Index   int    `json:"index" expr:"index"`
	Message string `json:"message" expr:"message"`
}

// BulkCreateIssues returns the bulk_create_issues action: many issues in
// few requests (50 per request). Issues Jira refuses are listed in Failed
// and do not fail the step; the others are created exactly once: each
// carries an idempotency key (its own, or one derived from the step run),
// and after an ambiguous failure or a resumed run the keys are looked up
// and only the missing issues are sent again.
func (c *Client) BulkCreateIssues() action.Action[BulkCreateIssuesInput, BulkCreateIssuesResult] {
	return newAction(c, "bulk_create_issues", validateBulkCreate, c.bulkCreateIssues)
}

func validateBulkCreate(in BulkCreateIssuesInput) error {
	if len(in.Issues) == 0 {
		return action.Invalid("issues", "is empty: give at least one issue to create")
	}
	var errs []error
	keys := map[string]int{}
	for i, is := range in.Issues {
		if err := validateCreateIssue(is); err != nil {
			errs = append(errs, fmt.Errorf("issues[%d]: %w", i, err))
		}
		if k := is.IdempotencyKey; k != "" {
			if j, dup := keys[k]; dup {
				errs = append(errs, action.Invalid(fmt.Sprintf("issues[%d].idempotencyKey", i), "repeats the key of issues[%d]; each issue needs its own", j))
			}
			keys[k] = i
		}
	}
	return errors.Join(errs...)
}

func (c *Client) bulkCreateIssues(ctx context.Context, in BulkCreateIssuesInput) (BulkCreateIssuesResult, error) {
	d, err := c.Deployment(ctx)
	if err != nil {
		return BulkCreateIssuesResult{}, err
	}
	eff := action.EffectOrNew(ctx, time.Now())
	out := BulkCreateIssuesResult{Issues: make([]CreatedIssue, len(in.Issues)), Failed: []BulkCreateFailure{}}
	items := make([]CreateIssueInput, len(in.Issues))
	bodies := make([]IssueUpdate, len(in.Issues))
	metas := map[[2]string]CreateMeta{}
	for i, is := range in.Issues {
		if is.IdempotencyKey == "" {
			is.IdempotencyKey = eff.Key + "#" + strconv.Itoa(i)
		}
		items[i] = is
		mk := [2]string{is.Project, is.IssueType}
		meta, ok := metas[mk]
		if !ok {
			if meta, err = c.Issues.CreateMetaFor(ctx, is.Project, is.IssueType); err != nil {
				return out, fmt.Errorf("jira: bulk create, issues[%d]: %w", i, err)
			}
			metas[mk] = meta
		}
		if bodies[i], err = c.buildCreate(ctx, d, meta, is); err != nil {
			return out, fmt.Errorf("jira: bulk create, issues[%d]: %w", i, err)
		}
	}
	// pending are the input positions not yet known to exist.
	var pending []int
	for i := range items {
		pending = append(pending, i)
	}
	if eff.MayExist {
		if pending, err = c.bulkFound(ctx, items, pending, &out, false); err != nil {
			return out, err
		}
	}
	for start := 0; start < len(pending); start += MaxBulkCreate {
		chunk := pending[start:min(start+MaxBulkCreate, len(pending))]
		if err := c.bulkChunk(ctx, items, bodies, chunk, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// bulkChunk creates the issues at positions chunk, looking their keys up
// after an ambiguous failure and sending only the missing ones again.
func (c *Client) bulkChunk(ctx context.Context, items []CreateIssueInput, bodies []IssueUpdate, chunk []int, out *BulkCreateIssuesResult) error {
	var lastErr error
	for attempt := 1; attempt <= maxCreateAttempts && len(chunk) > 0; attempt++ {
		req := make([]IssueUpdate, len(chunk))
		for j, i := range chunk {
			req[j] = bodies[i]
		}
		res, _, err := c.Issues.BulkCreate(ctx, req)
		if err == nil || !isAmbiguous(err) {
			if err != nil {
				return err // nothing created: Jira answered 400 for every issue
			}
			c.placeBulk(chunk, res, out)
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		lastErr = err
		c.logger.WarnContext(ctx, "jira: bulk create outcome unknown; looking the idempotency keys up", "issues", len(chunk), "attempt", attempt, "error", err)
		chunk, err = c.bulkFound(ctx, items, chunk, out, true)
		if err != nil {
			return action.Permanent(fmt.Errorf("jira: bulk create: the outcome is unknown, and looking the issues up failed (%v); run the step again to retry safely: %w", err, withOutcomeUnknown(lastErr)))
		}
	}
	if len(chunk) > 0 {
		return action.Permanent(fmt.Errorf("jira: bulk create: %d attempts ended without an answer and %d issues are still missing; run the step again to retry safely: %w", maxCreateAttempts, len(chunk), withOutcomeUnknown(lastErr)))
	}
	return nil
}

// placeBulk records a bulk answer: Jira lists the created issues in
// request order, skipping the positions that failed.
func (c *Client) placeBulk(chunk []int, res BulkCreateResult, out *BulkCreateIssuesResult) {
	failed := map[int]bool{}
	for _, e := range res.Errors {
		if e.FailedElementNumber >= 0 && e.FailedElementNumber < len(chunk) {
			failed[e.FailedElementNumber] = true
			out.Failed = append(out.Failed, BulkCreateFailure{Index: chunk[e.FailedElementNumber], Message: e.Message()})
		}
	}
	next := 0
	for j, i := range chunk {
		if failed[j] || next >= len(res.Issues) {
			continue
		}
		out.Issues[i] = res.Issues[next]
		next++
	}
	sort.Slice(out.Failed, func(a, b int) bool { return out.Failed[a].Index < out.Failed[b].Index })
}

// bulkFound looks up the idempotency key of each position in positions,
// records the issues found in out and returns the positions still missing.
func (c *Client) bulkFound(ctx context.Context, items []CreateIssueInput, positions []int, out *BulkCreateIssuesResult, patient bool) ([]int, error) {
	var missing []int
	for _, i := range positions {
		is, found, err := c.findByIdempotencyKey(ctx, items[i], patient)
		if err != nil {
			return nil, err
		}
		if found {
			out.Issues[i] = CreatedIssue{ID: is.ID, Key: is.Key, Self: is.Self}
			continue
		}
		missing = append(missing, i)
	}
	return missing, nil
}
