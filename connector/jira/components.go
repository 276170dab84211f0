package jira

import (
	"context"
	"iter"
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
	var out Component
	resp, err := s.client.call(ctx, "POST", apiPath("/component"), nil, b, &out)
	return out, resp, err
}

// Update changes a component.
func (s *ComponentsService) Update(ctx context.Context, id string, b ComponentBody, lead string) (Component, *Response, error) {
	b, err := s.body(ctx, b, lead)
	if err != nil {
		return Component{}, nil, err
	}
	var out Component
	resp, err := s.client.call(ctx, "PUT", apiPath("/component/%s", id), nil, b, &out)
	return out, resp, err
}

// List returns every component of a project.
func (s *ComponentsService) List(ctx context.Context, project string) ([]Component, *Response, error) {
	var out []Component
	resp, err := s.client.call(ctx, "GET", apiPath("/project/%s/components", project), nil, nil, &out)
	return out, resp, err
}

// All iterates over a project's components.
func (s *ComponentsService) All(ctx context.Context, project string) iter.Seq2[Component, error] {
	return sliceIter(func() ([]Component, error) {
		v, _, err := s.List(ctx, project)
		return v, err
	})
}
