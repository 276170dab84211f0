package jira

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// RankService orders issues on boards and backlogs (PUT
// /rest/agile/1.0/issue/rank).
type RankService service

// RankRequest ranks Issues, in their order, right before or right after
// another issue. Exactly one of Before and After is set.
type RankRequest struct {
	Issues []string `json:"issues"`
	Before string   `json:"rankBeforeIssue,omitempty"`
	After  string   `json:"rankAfterIssue,omitempty"`
}

// RankEntry is Jira's answer for one issue of a rank request that it
// could not rank entirely.
type RankEntry struct {
	IssueID  int64    `json:"issueId"`
	IssueKey string   `json:"issueKey"`
	Status   int      `json:"status"`
	Errors   []string `json:"errors"`
}

// RankResult is Jira's answer to a rank request: empty when every issue
// was ranked (204), one entry per issue when some were not (207).
type RankResult struct {
	Entries []RankEntry `json:"entries"`
}

// Failed returns the entries of the issues Jira did not rank.
func (r RankResult) Failed() []RankEntry {
	var out []RankEntry
	for _, e := range r.Entries {
		if e.Status < 200 || e.Status > 299 {
			out = append(out, e)
		}
	}
	return out
}

// Rank ranks up to MaxAgileIssues issues before or after another. Ranking
// again to the same place changes nothing. Issues Jira could not rank are
// listed in the result's Failed entries; the others are ranked.
func (s *RankService) Rank(ctx context.Context, req RankRequest) (RankResult, *Response, error) {
	if len(req.Issues) == 0 || len(req.Issues) > MaxAgileIssues {
		return RankResult{}, nil, fmt.Errorf("jira: a rank request names 1 to %d issues, not %d", MaxAgileIssues, len(req.Issues))
	}
	if (req.Before == "") == (req.After == "") {
		return RankResult{}, nil, errors.New("jira: a rank request needs exactly one of Before and After")
	}
	return callJSON[RankResult](ctx, s.client, "PUT", agilePath("/issue/rank"), nil, req)
}

// RankIssuesInput is the input of the rank_issues action.
type RankIssuesInput struct {
	// IssueKeys are the issues to rank, in the order they should have.
	IssueKeys []string `json:"issueKeys" expr:"issueKeys"`
	// Before ranks them right before this issue; After right after it.
	// Give exactly one.
	Before string `json:"before,omitempty" expr:"before"`
	After  string `json:"after,omitempty" expr:"after"`
}

func (in RankIssuesInput) validate() error {
	errs := []error{validIssueKeys("issueKeys", in.IssueKeys)}
	anchor := in.Before + in.After
	switch {
	case in.Before != "" && in.After != "":
		errs = append(errs, action.Invalid("after", "contradicts before %q: give one of before and after", in.Before))
	case anchor == "":
		errs = append(errs, action.Invalid("before", "is required (or after): give the issue to rank the others before or after"))
	default:
		field := "before"
		if in.After != "" {
			field = "after"
		}
		errs = append(errs, validIssueKey(field, anchor))
		for i, k := range in.IssueKeys {
			if strings.EqualFold(k, anchor) {
				errs = append(errs, action.Invalid(fmt.Sprintf("issueKeys[%d]", i), "is %s itself; an issue cannot be ranked relative to itself", field))
			}
		}
	}
	return errors.Join(errs...)
}

// RankIssuesResult is the output of the rank_issues action.
type RankIssuesResult struct {
	IssueKeys []string `json:"issueKeys" expr:"issueKeys"`
	Count     int      `json:"count" expr:"count"`
}

// RankIssues returns the rank_issues action. More than 50 issues are
// ranked in several requests, each chunk right after the previous one, so
// the issues end up in the order given.
func (c *Client) RankIssues() action.Action[RankIssuesInput, RankIssuesResult] {
	return newAction(c, "rank_issues", RankIssuesInput.validate, func(ctx context.Context, in RankIssuesInput) (RankIssuesResult, error) {
		req := RankRequest{Before: in.Before, After: in.After}
		for _, part := range chunks(in.IssueKeys) {
			req.Issues = part
			res, _, err := c.Rank.Rank(ctx, req)
			if err != nil {
				return RankIssuesResult{}, err
			}
			if failed := res.Failed(); len(failed) > 0 {
				var b strings.Builder
				for i, e := range failed {
					if i > 0 {
						b.WriteString("; ")
					}
					fmt.Fprintf(&b, "%s: %s", e.IssueKey, strings.Join(e.Errors, ", "))
				}
				return RankIssuesResult{}, action.Permanent(fmt.Errorf("jira: rank_issues: Jira did not rank %d of %d issues (%s); the others were ranked", len(failed), len(part), b.String()))
			}
			req = RankRequest{After: part[len(part)-1]}
		}
		return RankIssuesResult{IssueKeys: in.IssueKeys, Count: len(in.IssueKeys)}, nil
	})
}
