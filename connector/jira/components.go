package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/recipekit/recipekit/action"
)

// ComponentsService manages project components.
type ComponentsService service

// ComponentBody is the body of create and update component. Project (a
// key) is required to create. Lead is an account id on Cloud, a user name
// on Data Center.
type ComponentBody struct {
	Name          string `json:"name,omitempty"`
	Description   string `json:"description,omitempty"`
	Project       string `json:"project,omitempty"`
	AssigneeType  string `json:"assigneeType,omitempty"`
	LeadAccountID string `json:"leadAccountId,omitempty"`
	LeadUserName  string `json:"leadUserName,omitempty"`
}

func (s *ComponentsService) body(ctx context.Context, b ComponentBody, lead string) (ComponentBody, error) {
	if lead == "" {
		return b, nil
	}
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return b, err
	}
	if d == DataCenter {
		b.LeadUserName = lead
	} else {
		b.LeadAccountID = lead
	}
	return b, nil
}

// Create creates a component; lead (optional) is the component lead.
func (s *ComponentsService) Create(ctx context.Context, b ComponentBody, lead string) (Component, *Response, error) {
	b, err := s.body(ctx, b, lead)
	if err != nil {
		return Component{}, nil, err
	}
	return callJSON[Component](ctx, s.client, "POST", apiPath("/component"), nil, b)
}

// Update changes a component.
func (s *ComponentsService) Update(ctx context.Context, id string, b ComponentBody, lead string) (Component, *Response, error) {
	b, err := s.body(ctx, b, lead)
	if err != nil {
		return Component{}, nil, err
	}
	return callJSON[Component](ctx, s.client, "PUT", apiPath("/component/%s", id), nil, b)
}

// List returns every component of a project.
func (s *ComponentsService) List(ctx context.Context, project string) ([]Component, *Response, error) {
	return callJSON[[]Component](ctx, s.client, "GET", apiPath("/project/%s/components", project), nil, nil)
}

// All iterates over a project's components.
func (s *ComponentsService) All(ctx context.Context, project string) iter.Seq2[Component, error] {
	return sliceIter(ctx, project, s.List)
}

// ComponentInput is the input of create_component and update_component.
// Create needs Project and Name; update needs ComponentID.
type ComponentInput struct {
	Project     string `json:"project,omitempty" expr:"project" scope:"project"`
	ComponentID string `json:"componentId,omitempty" expr:"componentId"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	// Lead is an account id (Cloud) or user name (Data Center).
	Lead string `json:"lead,omitempty" expr:"lead"`
	// AssigneeType is PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD or
	// UNASSIGNED.
	AssigneeType string `json:"assigneeType,omitempty" expr:"assigneeType"`
}

func (in ComponentInput) validateCreate() error {
	return errors.Join(required("project", in.Project, "give the project key"), required("name", in.Name, "give the component name"), validAssigneeType(in.AssigneeType))
}

func (in ComponentInput) validateUpdate() error {
	if err := required("componentId", in.ComponentID, "give the component id"); err != nil {
		return err
	}
	if in.Name == "" && in.Description == "" && in.Lead == "" && in.AssigneeType == "" {
		return action.Invalid("", "nothing to update: set at least one attribute")
	}
	return validAssigneeType(in.AssigneeType)
}

func validAssigneeType(t string) error {
	switch t {
	case "", "PROJECT_DEFAULT", "COMPONENT_LEAD", "PROJECT_LEAD", "UNASSIGNED":
		return nil
	}
	return action.Invalid("assigneeType", "must be PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD or UNASSIGNED, not %q", t)
}

// CreateComponent returns the create_component action.
func (c *Client) CreateComponent() action.Action[ComponentInput, Component] {
	return newAction(c, "create_component", ComponentInput.validateCreate, func(ctx context.Context, in ComponentInput) (Component, error) {
		return exactlyOnce(ctx, c, effectWrite[Component]{
			what: fmt.Sprintf("creating component %q in %s", in.Name, in.Project),
			write: func(ctx context.Context, _ action.Effect) (Component, error) {
				return decoded(c.Components.Create(ctx, ComponentBody{Name: in.Name, Description: in.Description, Project: in.Project, AssigneeType: in.AssigneeType}, in.Lead))
			},
			find: func(ctx context.Context, _ action.Effect) (Component, bool, error) {
				return findNamed(c.Components.All(ctx, in.Project), in.Name, func(cm Component) string { return cm.Name })
			},
		})
	})
}

// UpdateComponent returns the update_component action.
func (c *Client) UpdateComponent() action.Action[ComponentInput, Component] {
	return newAction(c, "update_component", ComponentInput.validateUpdate, func(ctx context.Context, in ComponentInput) (Component, error) {
		return decoded(c.Components.Update(ctx, in.ComponentID, ComponentBody{Name: in.Name, Description: in.Description, AssigneeType: in.AssigneeType}, in.Lead))
	})
}

// ListComponents returns the list_components action.
func (c *Client) ListComponents() action.Action[ProjectInput, []Component] {
	return projectListAction(c, "list_components", c.Components.All)
}

// Component is a project component.
type Component struct {
	Self          string `json:"self,omitempty" expr:"self"`
	ID            string `json:"id,omitempty" expr:"id"`
	Name          string `json:"name,omitempty" expr:"name"`
	Description   string `json:"description,omitempty" expr:"description"`
	Project       string `json:"project,omitempty" expr:"project"`
	ProjectID     int64  `json:"projectId,omitempty" expr:"projectId"`
	AssigneeType  string `json:"assigneeType,omitempty" expr:"assigneeType"`
	Lead          *User  `json:"lead,omitempty" expr:"lead"`
	LeadAccountID string `json:"leadAccountId,omitempty" expr:"leadAccountId"`
}
