package jira

import (
	"context"
	"iter"
)

// BoardsService reads Jira Software boards (/rest/agile/1.0/board).
type BoardsService service

// Board is a Jira Software board.
type Board struct {
	ID   int64  `json:"id" expr:"id"`
	Self string `json:"self,omitempty" expr:"self"`
	Name string `json:"name" expr:"name"`
	// Type is "scrum", "kanban" or (Cloud) "simple" for a team-managed
	// project's board.
	Type string `json:"type" expr:"type"`
	// Location is the project (or user) the board belongs to; nil when
	// Jira does not say.
	Location *BoardLocation `json:"location,omitempty" expr:"location"`
}

// BoardLocation is where a board lives: a project, or a user's own board.
type BoardLocation struct {
	ProjectID      int64  `json:"projectId,omitempty" expr:"projectId"`
	ProjectKey     string `json:"projectKey,omitempty" expr:"projectKey"`
	ProjectName    string `json:"projectName,omitempty" expr:"projectName"`
	ProjectTypeKey string `json:"projectTypeKey,omitempty" expr:"projectTypeKey"`
	DisplayName    string `json:"displayName,omitempty" expr:"displayName"`
	Name           string `json:"name,omitempty" expr:"name"`
	AvatarURI      string `json:"avatarURI,omitempty" expr:"avatarURI"`
	UserID         int64  `json:"userId,omitempty" expr:"userId"`
}

// BoardListOptions filters and pages the board list.
type BoardListOptions struct {
	ListOptions
	// Type keeps boards of this type: "scrum" or "kanban" (and "simple"
	// on Cloud).
	Type string
	// Project keeps the boards of a project, by key or id.
	Project string
	// Name keeps boards whose name contains this text.
	Name string
}

// List returns a page of the boards the account may see.
func (s *BoardsService) List(ctx context.Context, opts BoardListOptions) ([]Board, *Response, error) {
	q := opts.values()
	if opts.Type != "" {
		q.Set("type", opts.Type)
	}
	if opts.Project != "" {
		q.Set("projectKeyOrId", opts.Project)
	}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	return agileList[Board](ctx, s.client, agilePath("/board"), q)
}

// All iterates over every board matching opts.
func (s *BoardsService) All(ctx context.Context, opts BoardListOptions) iter.Seq2[Board, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]Board, bool, error) {
		o := opts
		o.StartAt = startAt
		items, resp, err := s.List(ctx, o)
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}

// Get returns one board.
func (s *BoardsService) Get(ctx context.Context, id int64) (Board, *Response, error) {
	var b Board
	resp, err := s.client.call(ctx, "GET", agilePath("/board/%d", id), nil, nil, &b)
	return b, resp, err
}

// Backlog returns a page of a scrum board's backlog: its issues in no open
// sprint, in rank order.
func (s *BoardsService) Backlog(ctx context.Context, id int64, opts AgileIssueOptions) ([]Issue, *Response, error) {
	return s.client.agileIssues(ctx, agilePath("/board/%d/backlog", id), opts)
}
