package jira

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/action"
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
	return callJSON[Project](ctx, s.client, "GET", apiPath("/project/%s", keyOrID), nil, nil)
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
		setList(q, "expand", opts.Expand)
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
	setGiven(q, "query", opts.Query)
	setList(q, "expand", opts.Expand)
	var page offsetPage[Project]
	resp, err := s.client.call(ctx, "GET", apiPath("/project/search"), q, nil, &page)
	page.fill(resp)
	return page.Values, resp, err
}

// All iterates over every project.
func (s *ProjectsService) All(ctx context.Context, opts ProjectListOptions) iter.Seq2[Project, error] {
	return listAll(ctx, opts, s.List)
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
		ID   flexID `json:"id"`
		Key  string `json:"key"`
		Self string `json:"self"`
	}
	resp, err := s.client.call(ctx, "POST", apiPath("/project"), nil, p, &out)
	if err != nil {
		return Project{}, resp, err
	}
	return Project{ID: string(out.ID), Key: out.Key, Self: out.Self, Name: p.Name}, resp, nil
}

// Update changes a project and returns it.
func (s *ProjectsService) Update(ctx context.Context, keyOrID string, p ProjectDetails) (Project, *Response, error) {
	p, err := s.details(ctx, p)
	if err != nil {
		return Project{}, nil, err
	}
	return callJSON[Project](ctx, s.client, "PUT", apiPath("/project/%s", keyOrID), nil, p)
}

// ProjectInput names a project for list actions.
type ProjectInput struct {
	Project string `json:"project" expr:"project" scope:"project"`
}

func (in ProjectInput) validate() error {
	return required("project", in.Project, "give the project key")
}

// projectListAction is the action named name that returns a project's
// whole list of things all yields (its components, its versions): Jira
// sends such a list in one answer, so the action takes no limit and only
// a bound keeps a step output from growing without end.
func projectListAction[T any](c *Client, name string, all func(ctx context.Context, project string) iter.Seq2[T, error]) action.Action[ProjectInput, []T] {
	return newAction(c, name, ProjectInput.validate, func(ctx context.Context, in ProjectInput) ([]T, error) {
		return upTo(all(ctx, in.Project), 0, 10000)
	})
}

// CreateProjectInput is the input of the create_project action.
type CreateProjectInput struct {
	// Key is the project key: 2 to 10 capital letters and digits, starting
	// with a letter. Required.
	Key  string `json:"key" expr:"key"`
	Name string `json:"name" expr:"name"`
	// ProjectTypeKey is "software" (default), "business" or "service_desk".
	ProjectTypeKey string `json:"projectTypeKey,omitempty" expr:"projectTypeKey"`
	// TemplateKey is a project template key (optional).
	TemplateKey string `json:"templateKey,omitempty" expr:"templateKey"`
	Description string `json:"description,omitempty" expr:"description"`
	// Lead is the project lead's account id (Cloud) or user name (Data
	// Center); default the connection's own account.
	Lead string `json:"lead,omitempty" expr:"lead"`
	// AssigneeType is "PROJECT_LEAD" or "UNASSIGNED".
	AssigneeType string `json:"assigneeType,omitempty" expr:"assigneeType"`
	URL          string `json:"url,omitempty" expr:"url"`
}

func (in CreateProjectInput) validate() error {
	var errs []error
	if !projectKeyRE.MatchString(in.Key) {
		errs = append(errs, action.Invalid("key", "%q is not a project key: use 2 to 10 capital letters or digits, starting with a letter", in.Key))
	}
	errs = append(errs, required("name", in.Name, "give the project's name"))
	switch in.ProjectTypeKey {
	case "", "software", "business", "service_desk":
	default:
		errs = append(errs, action.Invalid("projectTypeKey", "must be software, business or service_desk, not %q", in.ProjectTypeKey))
	}
	switch in.AssigneeType {
	case "", "PROJECT_LEAD", "UNASSIGNED":
	default:
		errs = append(errs, action.Invalid("assigneeType", "must be PROJECT_LEAD or UNASSIGNED, not %q", in.AssigneeType))
	}
	return errors.Join(errs...)
}

var projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}$`)

// CreateProject returns the create_project action (needs the Administer
// Jira global permission).
func (c *Client) CreateProject() action.Action[CreateProjectInput, Project] {
	return newAction(c, "create_project", CreateProjectInput.validate, func(ctx context.Context, in CreateProjectInput) (Project, error) {
		lead := in.Lead
		if lead == "" {
			me, _, err := c.Users.Myself(ctx)
			if err != nil {
				return Project{}, err
			}
			lead = me.ID()
		}
		typ := in.ProjectTypeKey
		if typ == "" {
			typ = "software"
		}
		p, _, err := c.Projects.Create(ctx, ProjectDetails{Key: in.Key, Name: in.Name, ProjectTypeKey: typ, ProjectTemplateKey: in.TemplateKey,
			Description: in.Description, Lead: lead, AssigneeType: in.AssigneeType, URL: in.URL})
		if err != nil {
			return Project{}, err
		}
		full, _, err := c.Projects.Get(ctx, p.Key)
		if err != nil {
			return p, nil
		}
		return full, nil
	})
}

// ProjectKeyInput names one project.
type ProjectKeyInput struct {
	ProjectKey string `json:"projectKey" expr:"projectKey" scope:"project"`
}

func (in ProjectKeyInput) validate() error {
	return required("projectKey", in.ProjectKey, "give a project key")
}

// GetProject returns the get_project action.
func (c *Client) GetProject() action.Action[ProjectKeyInput, Project] {
	return newAction(c, "get_project", ProjectKeyInput.validate, func(ctx context.Context, in ProjectKeyInput) (Project, error) {
		return decoded(c.Projects.Get(ctx, in.ProjectKey))
	})
}

// ListProjectsInput is the input of the list_projects action.
type ListProjectsInput struct {
	// Query filters by key or name.
	Query string `json:"query,omitempty" expr:"query"`
	// Limit caps the number of projects (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListProjectsInput) validate() error { return checkLimit(in.Limit) }

// ListProjects returns the list_projects action.
func (c *Client) ListProjects() action.Action[ListProjectsInput, []Project] {
	return newAction(c, "list_projects", ListProjectsInput.validate, func(ctx context.Context, in ListProjectsInput) ([]Project, error) {
		return upTo(c.Projects.All(ctx, ProjectListOptions{Query: in.Query}), in.Limit, 1000)
	})
}

// UpdateProjectInput is the input of the update_project action. Empty
// inputs leave their attribute unchanged.
type UpdateProjectInput struct {
	ProjectKey   string `json:"projectKey" expr:"projectKey" scope:"project"`
	Name         string `json:"name,omitempty" expr:"name"`
	Description  string `json:"description,omitempty" expr:"description"`
	Lead         string `json:"lead,omitempty" expr:"lead"`
	URL          string `json:"url,omitempty" expr:"url"`
	AssigneeType string `json:"assigneeType,omitempty" expr:"assigneeType"`
}

func (in UpdateProjectInput) validate() error {
	if err := required("projectKey", in.ProjectKey, "give a project key"); err != nil {
		return err
	}
	if in.Name == "" && in.Description == "" && in.Lead == "" && in.URL == "" && in.AssigneeType == "" {
		return action.Invalid("", "nothing to update: set at least one attribute")
	}
	return nil
}

// UpdateProject returns the update_project action.
func (c *Client) UpdateProject() action.Action[UpdateProjectInput, Project] {
	return newAction(c, "update_project", UpdateProjectInput.validate, func(ctx context.Context, in UpdateProjectInput) (Project, error) {
		return decoded(c.Projects.Update(ctx, in.ProjectKey, ProjectDetails{Name: in.Name, Description: in.Description, Lead: in.Lead, URL: in.URL, AssigneeType: in.AssigneeType}))
	})
}

// ProjectRef is the short form of a project embedded in an issue.
type ProjectRef struct {
	Self           string `json:"self,omitempty" expr:"self"`
	ID             string `json:"id,omitempty" expr:"id"`
	Key            string `json:"key,omitempty" expr:"key"`
	Name           string `json:"name,omitempty" expr:"name"`
	ProjectTypeKey string `json:"projectTypeKey,omitempty" expr:"projectTypeKey"`
}

// Delete deletes a project with its issues. On Cloud, with undo true the
// project goes to the recycle bin for 60 days; Data Center deletes it at
// once whatever undo says.
func (s *ProjectsService) Delete(ctx context.Context, keyOrID string, undo bool) (*Response, error) {
	q := url.Values{"enableUndo": {strconv.FormatBool(undo)}}
	return s.client.call(ctx, "DELETE", apiPath("/project/%s", keyOrID), q, nil, nil)
}

// DeleteProjectInput is the input of the delete_project action.
type DeleteProjectInput struct {
	ProjectKey string `json:"projectKey" expr:"projectKey" scope:"project"`
	// Permanently skips Cloud's recycle bin (where a deleted project can be
	// restored for 60 days). Data Center always deletes permanently.
	Permanently bool `json:"permanently,omitempty" expr:"permanently"`
}

func (in DeleteProjectInput) validate() error {
	return required("projectKey", in.ProjectKey, "give the key of the project to delete")
}

// DeleteProject returns the delete_project action.
func (c *Client) DeleteProject() action.Action[DeleteProjectInput, DeleteResult] {
	return newAction(c, "delete_project", DeleteProjectInput.validate, func(ctx context.Context, in DeleteProjectInput) (DeleteResult, error) {
		_, err := c.Projects.Delete(ctx, in.ProjectKey, !in.Permanently)
		return deleteResult(in.ProjectKey, err)
	})
}
