package jira

import (
	"context"
	"errors"
	"fmt"
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
	var out RankResult
	resp, err := s.client.call(ctx, "PUT", agilePath("/issue/rank"), nil, req, &out)
	return out, resp, err
}
