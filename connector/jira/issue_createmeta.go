package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// IssueSchemaInput is the input of the get_issue_schema action.
type IssueSchemaInput struct {
	Project   string `json:"project" expr:"project" scope:"project"`
	IssueType string `json:"issueType" expr:"issueType"`
}

func (in IssueSchemaInput) validate() error {
	return errors.Join(required("project", in.Project, "give a project key"), required("issueType", in.IssueType, "give an issue type name"))
}

// GetIssueSchema returns the get_issue_schema action: the fields of the
// create screen of an issue type in a project, with their types, whether
// they are required and their allowed values.
func (c *Client) GetIssueSchema() action.Action[IssueSchemaInput, CreateMeta] {
	return newAction(c, "get_issue_schema", IssueSchemaInput.validate, func(ctx context.Context, in IssueSchemaInput) (CreateMeta, error) {
		m, err := c.Issues.CreateMetaFor(ctx, in.Project, in.IssueType)
		if err == nil {
			sortFieldMeta(m.Fields)
		}
		return m, err
	})
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
	for it, err := range allPages(ctx, func(ctx context.Context, startAt int) ([]IssueType, *Response, error) {
		return s.CreateMetaIssueTypes(ctx, project, ListOptions{StartAt: startAt})
	}) {
		if err != nil {
			if errors.Is(err, ErrNotFound) {
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
	for f, err := range allPages(ctx, func(ctx context.Context, startAt int) ([]FieldMeta, *Response, error) {
		return s.CreateMetaFields(ctx, project, it.ID, ListOptions{StartAt: startAt})
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
