package jira

import (
	"context"
	"iter"
	"net/url"
	"strings"
)

// Project is a Jira project.
type Project struct {
	Self           string      `json:"self,omitempty" expr:"self"`
	ID             string      `json:"id" expr:"id"`
	Key            string      `json:"key" expr:"key"`
	Name           string      `json:"name" expr:"name"`
	Description    string      `json:"description,omitempty" expr:"description"`
	ProjectTypeKey string      `json:"projectTypeKey,omitempty" expr:"projectTypeKey"`
	Lead           *User       `json:"lead,omitempty" expr:"lead"`
	URL            string      `json:"url,omitempty" expr:"url"`
	AssigneeType   string      `json:"assigneeType,omitempty" expr:"assigneeType"`
	Archived       bool        `json:"archived,omitempty" expr:"archived"`
	Simplified     bool        `json:"simplified,omitempty" expr:"simplified"`
	Style          string      `json:"style,omitempty" expr:"style"`
	IssueTypes     []IssueType `json:"issueTypes,omitempty" expr:"issueTypes"`
	Components     []Component `json:"components,omitempty" expr:"components"`
	Versions       []Version   `json:"versions,omitempty" expr:"versions"`
}

// ProjectsService manages projects.
type ProjectsService service

// Get returns a project by key or id.
func (s *ProjectsService) Get(ctx context.Context, keyOrID string) (Project, *Response, error) {
	var p Project
	resp, err := s.client.call(ctx, "GET", apiPath("/project/%s", keyOrID), nil, nil, &p)
	return p, resp, err
}

// ProjectListOptions filters and pages the project list.
type ProjectListOptions struct {
	ListOptions
	// Query matches project keys and names (Cloud; filtered locally on
	// Data Center).
	Query string
	// Expand lists expansions such as "description,lead".
	Expand []string
}

// List returns a page of projects: GET /project/search on Cloud; on Data
// Center the flat GET /project, returned as a single page.
func (s *ProjectsService) List(ctx context.Context, opts ProjectListOptions) ([]Project, *Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, nil, err
	}
	if d == DataCenter {
		q := url.Values{}
		if len(opts.Expand) > 0 {
			q.Set("expand", strings.Join(opts.Expand, ","))
		}
		var all []Project
		resp, err := s.client.call(ctx, "GET", apiPath("/project"), q, nil, &all)
		if err != nil {
			return nil, resp, err
		}
		var out []Project
		for _, p := range all {
			if opts.Query == "" || strings.Contains(strings.ToLower(p.Key+" "+p.Name), strings.ToLower(opts.Query)) {
				out = append(out, p)
			}
		}
		if opts.StartAt > 0 {
			out = out[min(opts.StartAt, len(out)):]
		}
		if opts.MaxResults > 0 && len(out) > opts.MaxResults {
			out = out[:opts.MaxResults]
		}
		resp.Total, resp.IsLast, resp.StartAt = len(all), true, opts.StartAt
		return out, resp, nil
	}
	q := opts.values()
	if opts.Query != "" {
		q.Set("query", opts.Query)
	}
	if len(opts.Expand) > 0 {
		q.Set("expand", strings.Join(opts.Expand, ","))
	}
	var page offsetPage[Project]
	resp, err := s.client.call(ctx, "GET", apiPath("/project/search"), q, nil, &page)
	page.fill(resp)
	return page.Values, resp, err
}

// All iterates over every project.
func (s *ProjectsService) All(ctx context.Context, opts ProjectListOptions) iter.Seq2[Project, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]Project, bool, error) {
		o := opts
		o.StartAt = startAt
		items, resp, err := s.List(ctx, o)
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}

// ProjectDetails is the body of create and update project. Set Lead to an
// account id on Cloud or a user name on Data Center: the client writes the
// field each deployment expects.
type ProjectDetails struct {
	Key                string `json:"key,omitempty"`
	Name               string `json:"name,omitempty"`
	ProjectTypeKey     string `json:"projectTypeKey,omitempty"`
	ProjectTemplateKey string `json:"projectTemplateKey,omitempty"`
	Description        string `json:"description,omitempty"`
	Lead               string `json:"lead,omitempty"`
	LeadAccountID      string `json:"leadAccountId,omitempty"`
	URL                string `json:"url,omitempty"`
	AssigneeType       string `json:"assigneeType,omitempty"`
}

func (s *ProjectsService) details(ctx context.Context, p ProjectDetails) (ProjectDetails, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return p, err
	}
	if d == Cloud && p.Lead != "" && p.LeadAccountID == "" {
		p.LeadAccountID, p.Lead = p.Lead, ""
	}
	if d == DataCenter && p.LeadAccountID != "" && p.Lead == "" {
		p.Lead, p.LeadAccountID = p.LeadAccountID, ""
	}
	return p, nil
}

// Create creates a project (needs the Administer Jira global permission).
// It answers with the new project's id, key and self.
func (s *ProjectsService) Create(ctx context.Context, p ProjectDetails) (Project, *Response, error) {
	p, err := s.details(ctx, p)
	if err != nil {
		return Project{}, nil, err
	}
	var out struct {
		ID   any    `json:"id"`
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	resp, err := s.client.call(ctx, "POST", apiPath("/project"), nil, p, &out)
	if err != nil {
		return Project{}, resp, err
	}
	return Project{ID: anyString(out.ID), Key: out.Key, Self: out.Self, Name: p.Name}, resp, nil
}

// Update changes a project and returns it.
func (s *ProjectsService) Update(ctx context.Context, keyOrID string, p ProjectDetails) (Project, *Response, error) {
	p, err := s.details(ctx, p)
	if err != nil {
		return Project{}, nil, err
	}
	var out Project
	resp, err := s.client.call(ctx, "PUT", apiPath("/project/%s", keyOrID), nil, p, &out)
	return out, resp, err
}
