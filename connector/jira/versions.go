package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/recipekit/recipekit/action"
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
	return callJSON[Version](ctx, s.client, "POST", apiPath("/version"), nil, v)
}

// Update changes a version.
func (s *VersionsService) Update(ctx context.Context, id string, v VersionBody) (Version, *Response, error) {
	return callJSON[Version](ctx, s.client, "PUT", apiPath("/version/%s", id), nil, v)
}

// Get returns a version.
func (s *VersionsService) Get(ctx context.Context, id string) (Version, *Response, error) {
	return callJSON[Version](ctx, s.client, "GET", apiPath("/version/%s", id), nil, nil)
}

// List returns every version of a project (GET /project/{key}/versions,
// on both deployments).
func (s *VersionsService) List(ctx context.Context, project string) ([]Version, *Response, error) {
	return callJSON[[]Version](ctx, s.client, "GET", apiPath("/project/%s/versions", project), nil, nil)
}

// All iterates over a project's versions.
func (s *VersionsService) All(ctx context.Context, project string) iter.Seq2[Version, error] {
	return sliceIter(ctx, project, s.List)
}

// VersionInput is the input of create_version and update_version. Create
// needs Project and Name; update needs VersionID and something to change.
type VersionInput struct {
	Project     string `json:"project,omitempty" expr:"project" scope:"project"`
	VersionID   string `json:"versionId,omitempty" expr:"versionId"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	// StartDate and ReleaseDate are dates like 2026-03-11.
	StartDate   string `json:"startDate,omitempty" expr:"startDate"`
	ReleaseDate string `json:"releaseDate,omitempty" expr:"releaseDate"`
	// Released and Archived change the flags when set.
	Released *bool `json:"released,omitempty" expr:"released"`
	Archived *bool `json:"archived,omitempty" expr:"archived"`
}

func (in VersionInput) validateCreate() error {
	return errors.Join(required("project", in.Project, "give the project key"), required("name", in.Name, "give the version name"), in.dates())
}

func (in VersionInput) validateUpdate() error {
	if err := required("versionId", in.VersionID, "give the version id"); err != nil {
		return err
	}
	if in.Name == "" && in.Description == "" && in.StartDate == "" && in.ReleaseDate == "" && in.Released == nil && in.Archived == nil {
		return action.Invalid("", "nothing to update: set at least one attribute")
	}
	return in.dates()
}

func (in VersionInput) dates() error {
	return errors.Join(checkDate("startDate", in.StartDate), checkDate("releaseDate", in.ReleaseDate))
}

// CreateVersion returns the create_version action.
func (c *Client) CreateVersion() action.Action[VersionInput, Version] {
	return newAction(c, "create_version", VersionInput.validateCreate, func(ctx context.Context, in VersionInput) (Version, error) {
		p, _, err := c.Projects.Get(ctx, in.Project)
		if err != nil {
			return Version{}, err
		}
		var pid int64
		if _, err := fmt.Sscan(p.ID, &pid); err != nil {
			return Version{}, fmt.Errorf("jira: project %s has a non-numeric id %q", in.Project, p.ID)
		}
		return exactlyOnce(ctx, c, effectWrite[Version]{
			what: fmt.Sprintf("creating version %q in %s", in.Name, in.Project),
			write: func(ctx context.Context, _ action.Effect) (Version, error) {
				return decoded(c.Versions.Create(ctx, VersionBody{Name: in.Name, Description: in.Description, ProjectID: pid,
					StartDate: in.StartDate, ReleaseDate: in.ReleaseDate, Released: in.Released, Archived: in.Archived}))
			},
			find: func(ctx context.Context, _ action.Effect) (Version, bool, error) {
				return findNamed(c.Versions.All(ctx, in.Project), in.Name, func(v Version) string { return v.Name })
			},
		})
	})
}

// UpdateVersion returns the update_version action.
func (c *Client) UpdateVersion() action.Action[VersionInput, Version] {
	return newAction(c, "update_version", VersionInput.validateUpdate, func(ctx context.Context, in VersionInput) (Version, error) {
		return decoded(c.Versions.Update(ctx, in.VersionID, VersionBody{Name: in.Name, Description: in.Description,
			StartDate: in.StartDate, ReleaseDate: in.ReleaseDate, Released: in.Released, Archived: in.Archived}))
	})
}

// ListVersions returns the list_versions action.
func (c *Client) ListVersions() action.Action[ProjectInput, []Version] {
	return projectListAction(c, "list_versions", c.Versions.All)
}

// Version is a project version (release).
type Version struct {
	Self        string `json:"self,omitempty" expr:"self"`
	ID          string `json:"id,omitempty" expr:"id"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	Archived    bool   `json:"archived" expr:"archived"`
	Released    bool   `json:"released" expr:"released"`
	ReleaseDate string `json:"releaseDate,omitempty" expr:"releaseDate"`
	StartDate   string `json:"startDate,omitempty" expr:"startDate"`
	Overdue     bool   `json:"overdue,omitempty" expr:"overdue"`
	ProjectID   int64  `json:"projectId,omitempty" expr:"projectId"`
	Project     string `json:"project,omitempty" expr:"project"`
}
