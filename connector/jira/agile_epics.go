package jira

import (
	"context"
	"fmt"
	"iter"
)

// EpicsService reads the issues of epics and sets the epic of issues
// (/rest/agile/1.0/epic, and on Cloud the issue's parent field).
type EpicsService service

// Issues returns a page of the issues of an epic, in rank order.
func (s *EpicsService) Issues(ctx context.Context, epic string, opts AgileIssueOptions) ([]Issue, *Response, error) {
	return s.client.agileIssues(ctx, agilePath("/epic/%s/issue", epic), opts)
}

// AllIssues iterates over every issue of an epic.
func (s *EpicsService) AllIssues(ctx context.Context, epic string, opts AgileIssueOptions) iter.Seq2[Issue, error] {
	return s.client.allAgileIssues(ctx, agilePath("/epic/%s/issue", epic), opts)
}

// MoveIssues puts up to MaxAgileIssues issues into an epic through the
// agile API (POST /epic/{epic}/issue): on Data Center this sets their Epic
// Link. On Cloud prefer SetEpic, which sets the parent field and works in
// team-managed projects too.
func (s *EpicsService) MoveIssues(ctx context.Context, epic string, keys []string) (*Response, error) {
	if len(keys) == 0 || len(keys) > MaxAgileIssues {
		return nil, fmt.Errorf("jira: a move names 1 to %d issues, not %d", MaxAgileIssues, len(keys))
	}
	return s.client.call(ctx, "POST", agilePath("/epic/%s/issue", epic), nil, issueKeysBody{Issues: keys}, nil)
}

// RemoveIssues takes up to MaxAgileIssues issues out of their epics (POST
// /epic/none/issue).
func (s *EpicsService) RemoveIssues(ctx context.Context, keys []string) (*Response, error) {
	return s.MoveIssues(ctx, "none", keys)
}

// SetEpic makes epic the epic of issue the way the deployment wants it: on
// Cloud by setting the issue's parent field (company-managed and
// team-managed projects alike), on Data Center through the agile API,
// which sets the Epic Link field.
func (s *EpicsService) SetEpic(ctx context.Context, issue, epic string) (*Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, err
	}
	if d == Cloud {
		return s.client.Issues.Update(ctx, issue, IssueUpdate{Fields: map[string]any{"parent": map[string]string{"key": epic}}}, nil)
	}
	return s.MoveIssues(ctx, epic, []string{issue})
}
