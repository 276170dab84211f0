package jira

import (
	"context"
	"errors"

	"github.com/recipekit/recipekit/action"
)

// SearchIssuesInput is the input of the search_issues action.
type SearchIssuesInput struct {
	// JQL is the query; it must restrict the search (Cloud refuses
	// unbounded queries). Required.
	JQL string `json:"jql" expr:"jql"`
	// Fields lists the fields to return (default: navigable fields).
	Fields []string `json:"fields,omitempty" expr:"fields"`
	// Expand lists expansions.
	Expand []string `json:"expand,omitempty" expr:"expand"`
	// Limit caps the number of issues returned (default 100, at most
	// 10,000); the search pages through Jira until then.
	Limit int `json:"limit,omitempty" expr:"limit"`
	// ReconcileIssues lists ids of issues just created or updated so a
	// Cloud search includes their latest state (at most 50).
	ReconcileIssues []int64 `json:"reconcileIssues,omitempty" expr:"reconcileIssues"`
}

// SearchIssuesResult is the output of the search_issues action.
type SearchIssuesResult struct {
	Issues []Issue `json:"issues" expr:"issues"`
	// Count is len(Issues).
	Count int `json:"count" expr:"count"`
	// Truncated reports that more issues matched than Limit.
	Truncated bool `json:"truncated" expr:"truncated"`
}

const maxSearchLimit = 10000

// SearchIssues returns the search_issues action.
func (c *Client) SearchIssues() action.Action[SearchIssuesInput, SearchIssuesResult] {
	return newAction(c, action.Info{
		Name:        "search_issues",
		Title:       "Search issues",
		Description: "Finds issues with JQL, paging through results up to a limit (enhanced search on Cloud, with reconcile ids for read-after-write).",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in SearchIssuesInput) error {
		return errors.Join(
			required("jql", in.JQL, "give a JQL query such as project = DEMO ORDER BY created DESC"),
			checkLimit(in.Limit),
			func() error {
				if in.Limit > maxSearchLimit {
					return action.Invalid("limit", "at most %d issues per search; page with a narrower JQL", maxSearchLimit)
				}
				if len(in.ReconcileIssues) > 50 {
					return action.Invalid("reconcileIssues", "at most 50 ids, not %d", len(in.ReconcileIssues))
				}
				return nil
			}(),
		)
	}, func(ctx context.Context, in SearchIssuesInput) (SearchIssuesResult, error) {
		limit := in.Limit
		if limit <= 0 {
			limit = 100
		}
		opts := SearchOptions{JQL: in.JQL, Fields: in.Fields, Expand: in.Expand, ReconcileIssues: in.ReconcileIssues, MaxResults: min(limit+1, 100)}
		issues, truncated, err := collect(c.Search.All(ctx, opts), limit, limit)
		if err != nil {
			return SearchIssuesResult{}, err
		}
		return SearchIssuesResult{Issues: issues, Count: len(issues), Truncated: truncated}, nil
	})
}

// ChangelogInput is the input of the get_changelog action.
type ChangelogInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Limit caps the number of entries (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ChangelogInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// ChangelogResult is the output of the get_changelog action.
type ChangelogResult struct {
	IssueKey string           `json:"issueKey" expr:"issueKey"`
	Entries  []ChangelogEntry `json:"entries" expr:"entries"`
}

// GetChangelog returns the get_changelog action.
func (c *Client) GetChangelog() action.Action[ChangelogInput, ChangelogResult] {
	return newAction(c, action.Info{
		Name:        "get_changelog",
		Title:       "Get issue changelog",
		Description: "Reads an issue's history: who changed which field from what to what, oldest first.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ChangelogInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), checkLimit(in.Limit))
	}, func(ctx context.Context, in ChangelogInput) (ChangelogResult, error) {
		entries, _, err := collect(c.Changelog.All(ctx, in.IssueKey), in.Limit, 1000)
		return ChangelogResult{IssueKey: in.IssueKey, Entries: entries}, err
	})
}

// IssueSchemaInput is the input of the get_issue_schema action.
type IssueSchemaInput struct {
	Project   string `json:"project" expr:"project"`
	IssueType string `json:"issueType" expr:"issueType"`
}

func (in IssueSchemaInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.Project}
}

// GetIssueSchema returns the get_issue_schema action: the fields of the
// create screen of an issue type in a project, with their types, whether
// they are required and their allowed values.
func (c *Client) GetIssueSchema() action.Action[IssueSchemaInput, CreateMeta] {
	return newAction(c, action.Info{
		Name:        "get_issue_schema",
		Title:       "Get issue schema",
		Description: "Lists the fields of an issue type's create screen in a project: ids, names, types, required flags and allowed values.",
		Idempotent:  true,
		Permissions: []string{"CREATE_ISSUES"},
	}, func(in IssueSchemaInput) error {
		return errors.Join(required("project", in.Project, "give a project key"), required("issueType", in.IssueType, "give an issue type name"))
	}, func(ctx context.Context, in IssueSchemaInput) (CreateMeta, error) {
		m, err := c.Issues.CreateMetaFor(ctx, in.Project, in.IssueType)
		if err == nil {
			sortFieldMeta(m.Fields)
		}
		return m, err
	})
}
