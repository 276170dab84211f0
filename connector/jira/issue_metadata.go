package jira

import (
	"context"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// MetaService reads the site's issue metadata: statuses, priorities,
// resolutions and issue types, the values other fields and JQL refer to.
type MetaService service

// Statuses returns every workflow status of the site (GET /status).
func (s *MetaService) Statuses(ctx context.Context) ([]Status, *Response, error) {
	return callJSON[[]Status](ctx, s.client, "GET", apiPath("/status"), nil, nil)
}

// ProjectStatuses returns the statuses a project's workflows use, once
// each, in the order Jira lists them by issue type
// (GET /project/{key}/statuses).
func (s *MetaService) ProjectStatuses(ctx context.Context, project string) ([]Status, *Response, error) {
	var byType []struct {
		Statuses []Status `json:"statuses"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/project/%s/statuses", project), nil, nil, &byType)
	var out []Status
	seen := map[string]bool{}
	for _, t := range byType {
		for _, st := range t.Statuses {
			if !seen[st.ID] {
				seen[st.ID] = true
				out = append(out, st)
			}
		}
	}
	return out, resp, err
}

// Priorities returns the site's priorities (GET /priority).
func (s *MetaService) Priorities(ctx context.Context) ([]Priority, *Response, error) {
	return callJSON[[]Priority](ctx, s.client, "GET", apiPath("/priority"), nil, nil)
}

// Resolutions returns the site's resolutions (GET /resolution).
func (s *MetaService) Resolutions(ctx context.Context) ([]Resolution, *Response, error) {
	return callJSON[[]Resolution](ctx, s.client, "GET", apiPath("/resolution"), nil, nil)
}

// IssueTypes returns the issue types the account can see (GET /issuetype).
func (s *MetaService) IssueTypes(ctx context.Context) ([]IssueType, *Response, error) {
	return callJSON[[]IssueType](ctx, s.client, "GET", apiPath("/issuetype"), nil, nil)
}

// OptionalProjectInput is the input of look-ups that cover the whole site
// or, given a project key, one project.
type OptionalProjectInput struct {
	// Project is a project key; empty means the whole site.
	Project string `json:"project,omitempty" expr:"project" scope:"project"`
}

// ListStatuses returns the list_statuses action.
func (c *Client) ListStatuses() action.Action[OptionalProjectInput, []Status] {
	return newAction(c, "list_statuses", nil, func(ctx context.Context, in OptionalProjectInput) ([]Status, error) {
		var out []Status
		var err error
		if strings.TrimSpace(in.Project) == "" {
			out, _, err = c.Meta.Statuses(ctx)
		} else {
			out, _, err = c.Meta.ProjectStatuses(ctx, in.Project)
		}
		return nonNilSlice(out), err
	})
}

// ListIssueTypes returns the list_issue_types action.
func (c *Client) ListIssueTypes() action.Action[OptionalProjectInput, []IssueType] {
	return newAction(c, "list_issue_types", nil, func(ctx context.Context, in OptionalProjectInput) ([]IssueType, error) {
		if strings.TrimSpace(in.Project) == "" {
			return decodedList(c.Meta.IssueTypes(ctx))
		}
		p, _, err := c.Projects.Get(ctx, in.Project)
		return nonNilSlice(p.IssueTypes), err
	})
}

// ListPriorities returns the list_priorities action.
func (c *Client) ListPriorities() action.Action[NoInput, []Priority] {
	return newAction(c, "list_priorities", nil, func(ctx context.Context, _ NoInput) ([]Priority, error) {
		return decodedList(c.Meta.Priorities(ctx))
	})
}

// ListResolutions returns the list_resolutions action.
func (c *Client) ListResolutions() action.Action[NoInput, []Resolution] {
	return newAction(c, "list_resolutions", nil, func(ctx context.Context, _ NoInput) ([]Resolution, error) {
		return decodedList(c.Meta.Resolutions(ctx))
	})
}

// ListFields returns the list_fields action.
func (c *Client) ListFields() action.Action[NoInput, []Field] {
	return newAction(c, "list_fields", nil, func(ctx context.Context, _ NoInput) ([]Field, error) {
		out, _, err := c.Fields.List(ctx)
		out = nonNilSlice(out)
		slices.SortStableFunc(out, func(a, b Field) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		return out, err
	})
}

// nonNilSlice returns s, or an empty slice for nil, so an action's output
// is [] rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
