package jira

import (
	"context"
	"iter"
)

// VersionsService manages project versions.
type VersionsService service

// VersionBody is the body of create and update version. ProjectID is
// required to create.
type VersionBody struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	ProjectID   int64  `json:"projectId,omitempty"`
	ReleaseDate string `json:"releaseDate,omitempty"`
	StartDate   string `json:"startDate,omitempty"`
	Released    *bool  `json:"released,omitempty"`
	Archived    *bool  `json:"archived,omitempty"`
}

// Create creates a version.
func (s *VersionsService) Create(ctx context.Context, v VersionBody) (Version, *Response, error) {
	var out Version
	resp, err := s.client.call(ctx, "POST", apiPath("/version"), nil, v, &out)
	return out, resp, err
}

// Update changes a version.
func (s *VersionsService) Update(ctx context.Context, id string, v VersionBody) (Version, *Response, error) {
	var out Version
	resp, err := s.client.call(ctx, "PUT", apiPath("/version/%s", id), nil, v, &out)
	return out, resp, err
}

// Get returns a version.
func (s *VersionsService) Get(ctx context.Context, id string) (Version, *Response, error) {
	var out Version
	resp, err := s.client.call(ctx, "GET", apiPath("/version/%s", id), nil, nil, &out)
	return out, resp, err
}

// List returns every version of a project (GET /project/{key}/versions,
// on both deployments).
func (s *VersionsService) List(ctx context.Context, project string) ([]Version, *Response, error) {
	var out []Version
	resp, err := s.client.call(ctx, "GET", apiPath("/project/%s/versions", project), nil, nil, &out)
	return out, resp, err
}

// All iterates over a project's versions.
func (s *VersionsService) All(ctx context.Context, project string) iter.Seq2[Version, error] {
	return sliceIter(func() ([]Version, error) {
		v, _, err := s.List(ctx, project)
		return v, err
	})
}
