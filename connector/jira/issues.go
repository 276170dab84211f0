package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/connector/httpx"
)

// IssuesService reads and writes issues.
type IssuesService service

// GetIssueOptions selects what GET issue returns.
type GetIssueOptions struct {
	// Fields lists field ids to return (default: all). Use "*navigable",
	// "-comment" and the like as Jira allows.
	Fields []string
	// Expand lists expansions: "changelog", "names", "renderedFields",
	// "transitions", "editmeta", "schema".
	Expand []string
	// Properties lists issue property keys to return.
	Properties []string
}

func (o *GetIssueOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	if len(o.Fields) > 0 {
		q.Set("fields", strings.Join(o.Fields, ","))
	}
	if len(o.Expand) > 0 {
		q.Set("expand", strings.Join(o.Expand, ","))
	}
	if len(o.Properties) > 0 {
		q.Set("properties", strings.Join(o.Properties, ","))
	}
	return q
}

// Get returns the issue with key or id keyOrID.
func (s *IssuesService) Get(ctx context.Context, keyOrID string, opts *GetIssueOptions) (Issue, *Response, error) {
	var issue Issue
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s", keyOrID), opts.values(), nil, &issue)
	return issue, resp, err
}

// FieldOperation is one entry of an update: {"add": "urgent"},
// {"remove": "old"}, {"set": value}.
type FieldOperation map[string]any

// EntityProperty is an issue (or other entity) property.
type EntityProperty struct {
	Key   string `json:"key" expr:"key"`
	Value any    `json:"value" expr:"value"`
}

// IDRef refers to an object by id.
type IDRef struct {
	ID string `json:"id"`
}

// IssueUpdate is the body of create issue, edit issue and transition: field
// values to set, update operations, and issue properties.
type IssueUpdate struct {
	Fields     map[string]any              `json:"fields,omitempty"`
	Update     map[string][]FieldOperation `json:"update,omitempty"`
	Transition *IDRef                      `json:"transition,omitempty"`
	Properties []EntityProperty            `json:"properties,omitempty"`
}

// CreatedIssue is Jira's answer to create issue.
type CreatedIssue struct {
	ID   string `json:"id" expr:"id"`
	Key  string `json:"key" expr:"key"`
	Self string `json:"self" expr:"self"`
}

// Create creates an issue. The request is sent once (never retried: a
// retry after an ambiguous failure could create a duplicate); a failure
// whose outcome is unknown wraps action.ErrOutcomeUnknown. The create
// issue action adds idempotency keys on top of this.
func (s *IssuesService) Create(ctx context.Context, body IssueUpdate) (CreatedIssue, *Response, error) {
	var out CreatedIssue
	resp, err := s.client.call(ctx, "POST", apiPath("/issue"), nil, body, &out)
	return out, resp, err
}

// UpdateOptions tunes edit issue.
type UpdateOptions struct {
	// NotifyUsers false asks Jira not to send notifications (honoured only
	// for administrators).
	NotifyUsers *bool
}

// Update edits an issue (204 No Content on success).
func (s *IssuesService) Update(ctx context.Context, keyOrID string, body IssueUpdate, opts *UpdateOptions) (*Response, error) {
	q := url.Values{}
	if opts != nil && opts.NotifyUsers != nil {
		q.Set("notifyUsers", strconv.FormatBool(*opts.NotifyUsers))
	}
	return s.client.call(ctx, "PUT", apiPath("/issue/%s", keyOrID), q, body, nil)
}

// Delete deletes an issue; with deleteSubtasks its sub-tasks too (Jira
// refuses to delete an issue with sub-tasks otherwise).
func (s *IssuesService) Delete(ctx context.Context, keyOrID string, deleteSubtasks bool) (*Response, error) {
	q := url.Values{}
	if deleteSubtasks {
		q.Set("deleteSubtasks", "true")
	}
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s", keyOrID), q, nil, nil)
}

// Assign assigns an issue to user (an account id on Cloud, a user name on
// Data Center). An empty user unassigns the issue; "-1" assigns the
// project's default assignee.
func (s *IssuesService) Assign(ctx context.Context, keyOrID, user string) (*Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, err
	}
	body := map[string]any{}
	key := "accountId"
	if d == DataCenter {
		key = "name"
	}
	if user == "" {
		body[key] = nil
	} else {
		body[key] = user
	}
	return s.client.call(ctx, "PUT", apiPath("/issue/%s/assignee", keyOrID), nil, body, nil)
}

// SetProperty stores value as the issue property key.
func (s *IssuesService) SetProperty(ctx context.Context, keyOrID, key string, value any) (*Response, error) {
	return s.client.call(ctx, "PUT", apiPath("/issue/%s/properties/%s", keyOrID, key), nil, value, nil)
}

// GetProperty reads the issue property key.
func (s *IssuesService) GetProperty(ctx context.Context, keyOrID, key string) (EntityProperty, *Response, error) {
	var p EntityProperty
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/properties/%s", keyOrID, key), nil, nil, &p)
	return p, resp, err
}

// EditMeta returns the fields that can be edited on an issue, by id.
func (s *IssuesService) EditMeta(ctx context.Context, keyOrID string) (map[string]FieldMeta, *Response, error) {
	var out struct {
		Fields map[string]FieldMeta `json:"fields"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/editmeta", keyOrID), nil, nil, &out)
	for id, m := range out.Fields {
		if m.FieldID == "" {
			m.FieldID = id
			out.Fields[id] = m
		}
	}
	return out.Fields, resp, err
}

// createMetaPage is the new createmeta envelope: Cloud names the list
// issueTypes or fields, Data Center 9 names it values.
type createMetaPage[T any] struct {
	offsetPage[T]
	IssueTypes []T `json:"issueTypes"`
	Fields     []T `json:"fields"`
}

func (p *createMetaPage[T]) items() []T {
	switch {
	case len(p.Values) > 0:
		return p.Values
	case len(p.IssueTypes) > 0:
		return p.IssueTypes
	}
	return p.Fields
}

// CreateMetaIssueTypes returns a page of the issue types that can be
// created in a project (GET /issue/createmeta/{project}/issuetypes; Cloud
// and Data Center 8.4+).
func (s *IssuesService) CreateMetaIssueTypes(ctx context.Context, project string, opts ListOptions) ([]IssueType, *Response, error) {
	var page createMetaPage[IssueType]
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/createmeta/%s/issuetypes", project), opts.values(), nil, &page)
	items := page.items()
	page.Values = items
	page.fill(resp)
	return items, resp, err
}

// CreateMetaFields returns a page of the fields of the create screen of an
// issue type in a project.
func (s *IssuesService) CreateMetaFields(ctx context.Context, project, issueTypeID string, opts ListOptions) ([]FieldMeta, *Response, error) {
	var page createMetaPage[FieldMeta]
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/createmeta/%s/issuetypes/%s", project, issueTypeID), opts.values(), nil, &page)
	items := page.items()
	page.Values = items
	page.fill(resp)
	return items, resp, err
}

// CreateMeta is the create screen of one issue type in one project.
type CreateMeta struct {
	Project   string      `json:"project" expr:"project"`
	IssueType IssueType   `json:"issueType" expr:"issueType"`
	Fields    []FieldMeta `json:"fields" expr:"fields"`
}

// Field returns the field with id, if it is on the screen.
func (m CreateMeta) Field(id string) (FieldMeta, bool) {
	for _, f := range m.Fields {
		if f.FieldID == id || f.Key == id {
			return f, true
		}
	}
	return FieldMeta{}, false
}

// CreateMetaFor returns the create screen of issueType (a name, compared
// case-insensitively, or an id) in project (a key or id). It reads every
// page of the new createmeta endpoints and falls back to the old
// /issue/createmeta endpoint when they answer 404 (Data Center before 8.4).
// An unknown issue type is an error listing the project's issue types.
func (s *IssuesService) CreateMetaFor(ctx context.Context, project, issueType string) (CreateMeta, error) {
	var types []IssueType
	for it, err := range pages(ctx, func(ctx context.Context, startAt int) ([]IssueType, bool, error) {
		items, resp, err := s.CreateMetaIssueTypes(ctx, project, ListOptions{StartAt: startAt})
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	}) {
		if err != nil {
			if errors.Is(err, httpx.ErrNotFound) {
				return s.oldCreateMeta(ctx, project, issueType)
			}
			return CreateMeta{}, fmt.Errorf("jira: reading the issue types of project %s: %w", project, err)
		}
		types = append(types, it)
	}
	it, err := pickIssueType(project, types, issueType)
	if err != nil {
		return CreateMeta{}, err
	}
	meta := CreateMeta{Project: project, IssueType: it}
	for f, err := range pages(ctx, func(ctx context.Context, startAt int) ([]FieldMeta, bool, error) {
		items, resp, err := s.CreateMetaFields(ctx, project, it.ID, ListOptions{StartAt: startAt})
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	}) {
		if err != nil {
			return CreateMeta{}, fmt.Errorf("jira: reading the create screen of %s in project %s: %w", it.Name, project, err)
		}
		if f.FieldID == "" {
			f.FieldID = f.Key
		}
		meta.Fields = append(meta.Fields, f)
	}
	return meta, nil
}

func pickIssueType(project string, types []IssueType, want string) (IssueType, error) {
	for _, t := range types {
		if t.ID == want {
			return t, nil
		}
	}
	for _, t := range types {
		if strings.EqualFold(t.Name, want) {
			return t, nil
		}
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	if len(names) == 0 {
		return IssueType{}, fmt.Errorf("jira: project %s offers no issue type this account can create (check the project key and the CREATE_ISSUES permission)", project)
	}
	return IssueType{}, fmt.Errorf("jira: project %s has no issue type %q; available: %s", project, want, strings.Join(names, ", "))
}

// oldCreateMeta reads GET /issue/createmeta?expand=projects.issuetypes.fields
// (Data Center 7.x to 8.3; deprecated on Cloud, removed in DC 9).
func (s *IssuesService) oldCreateMeta(ctx context.Context, project, issueType string) (CreateMeta, error) {
	q := url.Values{"expand": {"projects.issuetypes.fields"}}
	if _, err := strconv.ParseInt(project, 10, 64); err == nil {
		q.Set("projectIds", project)
	} else {
		q.Set("projectKeys", project)
	}
	var out struct {
		Projects []struct {
			Key        string `json:"key"`
			IssueTypes []struct {
				IssueType
				Fields map[string]FieldMeta `json:"fields"`
			} `json:"issuetypes"`
		} `json:"projects"`
	}
	if _, err := s.client.call(ctx, "GET", apiPath("/issue/createmeta"), q, nil, &out); err != nil {
		return CreateMeta{}, fmt.Errorf("jira: reading the create screen of project %s: %w", project, err)
	}
	if len(out.Projects) == 0 {
		return CreateMeta{}, fmt.Errorf("jira: project %s was not found or the account cannot create issues in it", project)
	}
	p := out.Projects[0]
	types := make([]IssueType, len(p.IssueTypes))
	for i, t := range p.IssueTypes {
		types[i] = t.IssueType
	}
	it, err := pickIssueType(project, types, issueType)
	if err != nil {
		return CreateMeta{}, err
	}
	meta := CreateMeta{Project: project, IssueType: it}
	for _, t := range p.IssueTypes {
		if t.ID != it.ID {
			continue
		}
		for id, f := range t.Fields {
			if f.FieldID == "" {
				f.FieldID = id
			}
			meta.Fields = append(meta.Fields, f)
		}
	}
	sortFieldMeta(meta.Fields)
	return meta, nil
}
