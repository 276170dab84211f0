package jira

import (
	"context"
	"errors"
	"regexp"

	"github.com/recipekit/recipekit/action"
)

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

var projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}$`)

// CreateProject returns the create_project action (needs the Administer
// Jira global permission).
func (c *Client) CreateProject() action.Action[CreateProjectInput, Project] {
	return newAction(c, action.Info{
		Name:        "create_project",
		Title:       "Create project",
		Description: "Creates a project with a key, name, type and lead (Jira administrators only).",
		Idempotent:  false,
		Permissions: []string{"ADMINISTER"},
	}, func(in CreateProjectInput) error {
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
	}, func(ctx context.Context, in CreateProjectInput) (Project, error) {
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
	ProjectKey string `json:"projectKey" expr:"projectKey"`
}

func (in ProjectKeyInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.ProjectKey}
}

// GetProject returns the get_project action.
func (c *Client) GetProject() action.Action[ProjectKeyInput, Project] {
	return newAction(c, action.Info{
		Name:        "get_project",
		Title:       "Get project",
		Description: "Reads a project: key, name, lead, issue types, components and versions.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ProjectKeyInput) error { return required("projectKey", in.ProjectKey, "give a project key") },
		func(ctx context.Context, in ProjectKeyInput) (Project, error) {
			p, _, err := c.Projects.Get(ctx, in.ProjectKey)
			return p, err
		})
}

// ListProjectsInput is the input of the list_projects action.
type ListProjectsInput struct {
	// Query filters by key or name.
	Query string `json:"query,omitempty" expr:"query"`
	// Limit caps the number of projects (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

// ListProjects returns the list_projects action.
func (c *Client) ListProjects() action.Action[ListProjectsInput, []Project] {
	return newAction(c, action.Info{
		Name:        "list_projects",
		Title:       "List projects",
		Description: "Lists or searches the projects the account can see (paged search on Cloud).",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ListProjectsInput) error { return checkLimit(in.Limit) },
		func(ctx context.Context, in ListProjectsInput) ([]Project, error) {
			out, _, err := collect(c.Projects.All(ctx, ProjectListOptions{Query: in.Query}), in.Limit, 1000)
			return out, err
		})
}

// UpdateProjectInput is the input of the update_project action. Empty
// inputs leave their attribute unchanged.
type UpdateProjectInput struct {
	ProjectKey   string `json:"projectKey" expr:"projectKey"`
	Name         string `json:"name,omitempty" expr:"name"`
	Description  string `json:"description,omitempty" expr:"description"`
	Lead         string `json:"lead,omitempty" expr:"lead"`
	URL          string `json:"url,omitempty" expr:"url"`
	AssigneeType string `json:"assigneeType,omitempty" expr:"assigneeType"`
}

func (in UpdateProjectInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.ProjectKey}
}

// UpdateProject returns the update_project action.
func (c *Client) UpdateProject() action.Action[UpdateProjectInput, Project] {
	return newAction(c, action.Info{
		Name:        "update_project",
		Title:       "Update project",
		Description: "Changes a project's name, description, lead, URL or default assignee.",
		Idempotent:  true,
		Permissions: []string{"ADMINISTER_PROJECTS"},
	}, func(in UpdateProjectInput) error {
		if err := required("projectKey", in.ProjectKey, "give a project key"); err != nil {
			return err
		}
		if in.Name == "" && in.Description == "" && in.Lead == "" && in.URL == "" && in.AssigneeType == "" {
			return action.Invalid("", "nothing to update: set at least one attribute")
		}
		return nil
	}, func(ctx context.Context, in UpdateProjectInput) (Project, error) {
		p, _, err := c.Projects.Update(ctx, in.ProjectKey, ProjectDetails{Name: in.Name, Description: in.Description, Lead: in.Lead, URL: in.URL, AssigneeType: in.AssigneeType})
		return p, err
	})
}
