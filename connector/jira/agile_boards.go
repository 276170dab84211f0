package jira

import (
	"context"
	"errors"
	"iter"
	"strings"

	"github.com/recipekit/recipekit/action"
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
	setGiven(q, "type", opts.Type)
	setGiven(q, "projectKeyOrId", opts.Project)
	setGiven(q, "name", opts.Name)
	return agileList[Board](ctx, s.client, agilePath("/board"), q)
}

// All iterates over every board matching opts.
func (s *BoardsService) All(ctx context.Context, opts BoardListOptions) iter.Seq2[Board, error] {
	return listAll(ctx, opts, s.List)
}

// Get returns one board.
func (s *BoardsService) Get(ctx context.Context, id int64) (Board, *Response, error) {
	return callJSON[Board](ctx, s.client, "GET", agilePath("/board/%d", id), nil, nil)
}

// Backlog returns a page of a scrum board's backlog: its issues in no open
// sprint, in rank order.
func (s *BoardsService) Backlog(ctx context.Context, id int64, opts AgileIssueOptions) ([]Issue, *Response, error) {
	return s.client.agileIssues(ctx, agilePath("/board/%d/backlog", id), opts)
}

// ListBoardsInput is the input of the list_boards action.
type ListBoardsInput struct {
	// Type keeps boards of one type: "scrum" or "kanban" ("simple" for a
	// team-managed project on Cloud).
	Type string `json:"type,omitempty" expr:"type"`
	// Project keeps the boards of one project (key or id).
	Project string `json:"project,omitempty" expr:"project" scope:"project"`
	// Name keeps boards whose name contains this text.
	Name string `json:"name,omitempty" expr:"name"`
	// Limit caps the number of boards (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListBoardsInput) validate() error {
	var errs []error
	switch in.Type {
	case "", "scrum", "kanban", "simple":
	default:
		errs = append(errs, action.Invalid("type", "must be \"scrum\", \"kanban\" or \"simple\", not %q", in.Type))
	}
	if strings.ContainsAny(in.Project, " /?#") {
		errs = append(errs, action.Invalid("project", "%q is not a project key or id", in.Project))
	}
	return errors.Join(append(errs, checkLimit(in.Limit))...)
}

// ListBoards returns the list_boards action.
func (c *Client) ListBoards() action.Action[ListBoardsInput, []Board] {
	return newAction(c, "list_boards", ListBoardsInput.validate, func(ctx context.Context, in ListBoardsInput) ([]Board, error) {
		return upTo(c.Boards.All(ctx, BoardListOptions{Type: in.Type, Project: in.Project, Name: in.Name}), in.Limit, 1000)
	})
}
