package jira

import (
	"context"
	"errors"
	"iter"
	"strings"

	"github.com/recipekit/recipekit/action"
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
	return s.client.moveIssues(ctx, agilePath("/epic/%s/issue", epic), keys)
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

// ListEpicIssuesInput is the input of the list_epic_issues action.
type ListEpicIssuesInput struct {
	// EpicKey is the epic's key or id.
	EpicKey string `json:"epicKey" expr:"epicKey" scope:"issue"`
	// JQL narrows the issues further.
	JQL string `json:"jql,omitempty" expr:"jql"`
	// Fields lists the issue fields to return; default Jira's navigable
	// fields.
	Fields []string `json:"fields,omitempty" expr:"fields"`
	// Limit caps the number of issues (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListEpicIssuesInput) validate() error {
	var jerr error
	if orderByRE.MatchString(stripQuoted(in.JQL)) {
		jerr = action.Invalid("jql", "contains ORDER BY; remove it: the issues come in rank order")
	}
	return errors.Join(validIssueKey("epicKey", in.EpicKey), jerr, checkLimit(in.Limit))
}

// ListEpicIssues returns the list_epic_issues action.
func (c *Client) ListEpicIssues() action.Action[ListEpicIssuesInput, []Issue] {
	return newAction(c, "list_epic_issues", ListEpicIssuesInput.validate, func(ctx context.Context, in ListEpicIssuesInput) ([]Issue, error) {
		return upTo(c.Epics.AllIssues(ctx, in.EpicKey, AgileIssueOptions{JQL: in.JQL, Fields: in.Fields}), in.Limit, 1000)
	})
}

// SetEpicInput is the input of the set_epic action.
type SetEpicInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// EpicKey is the epic to put the issue in; leave it empty and set
	// Remove to take the issue out of its epic (through the agile API's
	// epic "none" resource, which Atlassian documents for company-managed
	// projects).
	EpicKey string `json:"epicKey,omitempty" expr:"epicKey"`
	Remove  bool   `json:"remove,omitempty" expr:"remove"`
}

func (in SetEpicInput) validate() error {
	var errs []error
	switch {
	case in.Remove && in.EpicKey != "":
		errs = append(errs, action.Invalid("remove", "contradicts epicKey %q: give an epic, or remove, not both", in.EpicKey))
	case !in.Remove:
		errs = append(errs, validIssueKey("epicKey", in.EpicKey))
	}
	if in.EpicKey != "" && strings.EqualFold(in.EpicKey, in.IssueKey) {
		errs = append(errs, action.Invalid("epicKey", "is the issue itself; an issue cannot be its own epic"))
	}
	return errors.Join(append(errs, validIssueKey("issueKey", in.IssueKey))...)
}

// SetEpicResult is the output of the set_epic action.
type SetEpicResult struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// EpicKey is the issue's epic now; empty after a removal.
	EpicKey string `json:"epicKey" expr:"epicKey"`
}

// SetEpic returns the set_epic action.
func (c *Client) SetEpic() action.Action[SetEpicInput, SetEpicResult] {
	return newAction(c, "set_epic", SetEpicInput.validate, func(ctx context.Context, in SetEpicInput) (SetEpicResult, error) {
		var err error
		if in.Remove {
			_, err = c.Epics.RemoveIssues(ctx, []string{in.IssueKey})
		} else {
			_, err = c.Epics.SetEpic(ctx, in.IssueKey, in.EpicKey)
		}
		if err != nil {
			return SetEpicResult{}, err
		}
		return SetEpicResult{IssueKey: in.IssueKey, EpicKey: in.EpicKey}, nil
	})
}
