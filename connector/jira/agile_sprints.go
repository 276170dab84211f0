package jira

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"
)

// SprintsService manages the sprints of scrum boards and moves issues
// between sprints and the backlog (/rest/agile/1.0/sprint).
type SprintsService service

// Sprint states.
const (
	SprintFuture = "future"
	SprintActive = "active"
	SprintClosed = "closed"
)

// Sprint is a sprint of a scrum board.
type Sprint struct {
	ID   int64  `json:"id" expr:"id"`
	Self string `json:"self,omitempty" expr:"self"`
	// State is "future", "active" or "closed".
	State string `json:"state" expr:"state"`
	Name  string `json:"name" expr:"name"`
	Goal  string `json:"goal,omitempty" expr:"goal"`
	// OriginBoardID is the board the sprint was created on.
	OriginBoardID int64 `json:"originBoardId,omitempty" expr:"originBoardId"`
	// StartDate and EndDate are the planned (for an active sprint, the
	// chosen) start and end.
	StartDate Time `json:"startDate" expr:"startDate"`
	EndDate   Time `json:"endDate" expr:"endDate"`
	// CompleteDate is when the sprint was closed.
	CompleteDate Time `json:"completeDate" expr:"completeDate"`
	// CreatedDate is when the sprint was created (Cloud only).
	CreatedDate Time `json:"createdDate" expr:"createdDate"`
	// ActivatedDate is when the sprint was started (Data Center only;
	// StartDate may be set to another moment when starting).
	ActivatedDate Time `json:"activatedDate" expr:"activatedDate"`
}

// SprintListOptions selects a page of a board's sprints.
type SprintListOptions struct {
	ListOptions
	// States keeps sprints in these states ("future", "active",
	// "closed"); empty keeps all.
	States []string
}

// List returns a page of a board's sprints, oldest first.
func (s *SprintsService) List(ctx context.Context, boardID int64, opts SprintListOptions) ([]Sprint, *Response, error) {
	q := opts.values()
	if len(opts.States) > 0 {
		q.Set("state", strings.Join(opts.States, ","))
	}
	return agileList[Sprint](ctx, s.client, agilePath("/board/%d/sprint", boardID), q)
}

// All iterates over every sprint of a board matching opts.
func (s *SprintsService) All(ctx context.Context, boardID int64, opts SprintListOptions) iter.Seq2[Sprint, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]Sprint, bool, error) {
		o := opts
		o.StartAt = startAt
		items, resp, err := s.List(ctx, boardID, o)
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}

// Get returns one sprint.
func (s *SprintsService) Get(ctx context.Context, id int64) (Sprint, *Response, error) {
	var sp Sprint
	resp, err := s.client.call(ctx, "GET", agilePath("/sprint/%d", id), nil, nil, &sp)
	return sp, resp, err
}

// SprintBody is the body of create and (partial) update sprint. Only the
// fields set are sent. Dates are ISO 8601 timestamps (see SprintDate).
type SprintBody struct {
	Name          string  `json:"name,omitempty"`
	Goal          *string `json:"goal,omitempty"`
	State         string  `json:"state,omitempty"`
	StartDate     string  `json:"startDate,omitempty"`
	EndDate       string  `json:"endDate,omitempty"`
	OriginBoardID int64   `json:"originBoardId,omitempty"`
}

// SprintDate formats t as the agile API reads sprint dates.
func SprintDate(t time.Time) string { return agileTime(t) }

// Create creates a future sprint on the board OriginBoardID. It is not
// idempotent: the request is sent once.
func (s *SprintsService) Create(ctx context.Context, body SprintBody) (Sprint, *Response, error) {
	var sp Sprint
	resp, err := s.client.call(ctx, "POST", agilePath("/sprint"), nil, body, &sp)
	return sp, resp, err
}

// Update changes the fields of body that are set and leaves the others
// (POST /sprint/{id}, the partial update). Setting State starts a future
// sprint ("active", with both dates known) or closes an active one
// ("closed").
func (s *SprintsService) Update(ctx context.Context, id int64, body SprintBody) (Sprint, *Response, error) {
	var sp Sprint
	resp, err := s.client.call(ctx, "POST", agilePath("/sprint/%d", id), nil, body, &sp)
	return sp, resp, err
}

// Start starts a future sprint with the given start and end.
func (s *SprintsService) Start(ctx context.Context, id int64, start, end time.Time) (Sprint, *Response, error) {
	return s.Update(ctx, id, SprintBody{State: SprintActive, StartDate: agileTime(start), EndDate: agileTime(end)})
}

// Close closes an active sprint; Jira moves its unfinished issues to the
// backlog.
func (s *SprintsService) Close(ctx context.Context, id int64) (Sprint, *Response, error) {
	return s.Update(ctx, id, SprintBody{State: SprintClosed})
}

// Issues returns a page of a sprint's issues, in rank order.
func (s *SprintsService) Issues(ctx context.Context, id int64, opts AgileIssueOptions) ([]Issue, *Response, error) {
	return s.client.agileIssues(ctx, agilePath("/sprint/%d/issue", id), opts)
}

// AllIssues iterates over every issue of a sprint.
func (s *SprintsService) AllIssues(ctx context.Context, id int64, opts AgileIssueOptions) iter.Seq2[Issue, error] {
	return s.client.allAgileIssues(ctx, agilePath("/sprint/%d/issue", id), opts)
}

// MoveIssues moves up to MaxAgileIssues issues into an open sprint.
// Moving an issue that is already there changes nothing.
func (s *SprintsService) MoveIssues(ctx context.Context, id int64, keys []string) (*Response, error) {
	if len(keys) == 0 || len(keys) > MaxAgileIssues {
		return nil, fmt.Errorf("jira: a move names 1 to %d issues, not %d", MaxAgileIssues, len(keys))
	}
	return s.client.call(ctx, "POST", agilePath("/sprint/%d/issue", id), nil, issueKeysBody{Issues: keys}, nil)
}

// MoveToBacklog moves up to MaxAgileIssues issues out of their open
// sprints into the backlog.
func (s *SprintsService) MoveToBacklog(ctx context.Context, keys []string) (*Response, error) {
	if len(keys) == 0 || len(keys) > MaxAgileIssues {
		return nil, fmt.Errorf("jira: a move names 1 to %d issues, not %d", MaxAgileIssues, len(keys))
	}
	return s.client.call(ctx, "POST", agilePath("/backlog/issue"), nil, issueKeysBody{Issues: keys}, nil)
}

// FindCreated returns an open sprint of the board named name that was
// created at or after notBefore: on Cloud by its createdDate; on Data
// Center, which does not date a sprint's creation, a future sprint of that
// name. found is false when there is none.
func (s *SprintsService) FindCreated(ctx context.Context, boardID int64, name string, notBefore time.Time) (sp Sprint, found bool, err error) {
	for sp, err := range s.All(ctx, boardID, SprintListOptions{States: []string{SprintFuture, SprintActive}}) {
		if err != nil {
			return Sprint{}, false, err
		}
		if sp.Name != name {
			continue
		}
		if sp.CreatedDate.IsZero() {
			if sp.State == SprintFuture {
				return sp, true, nil
			}
			continue
		}
		if notBefore.IsZero() || !sp.CreatedDate.Before(notBefore) {
			return sp, true, nil
		}
	}
	return Sprint{}, false, nil
}
