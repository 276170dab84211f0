package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
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
	setList(q, "state", opts.States)
	return agileList[Sprint](ctx, s.client, agilePath("/board/%d/sprint", boardID), q)
}

// All iterates over every sprint of a board matching opts.
func (s *SprintsService) All(ctx context.Context, boardID int64, opts SprintListOptions) iter.Seq2[Sprint, error] {
	return listAll(ctx, opts, func(ctx context.Context, o SprintListOptions) ([]Sprint, *Response, error) {
		return s.List(ctx, boardID, o)
	})
}

// Get returns one sprint.
func (s *SprintsService) Get(ctx context.Context, id int64) (Sprint, *Response, error) {
	return callJSON[Sprint](ctx, s.client, "GET", agilePath("/sprint/%d", id), nil, nil)
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
	return callJSON[Sprint](ctx, s.client, "POST", agilePath("/sprint"), nil, body)
}

// Update changes the fields of body that are set and leaves the others
// (POST /sprint/{id}, the partial update). Setting State starts a future
// sprint ("active", with both dates known) or closes an active one
// ("closed").
func (s *SprintsService) Update(ctx context.Context, id int64, body SprintBody) (Sprint, *Response, error) {
	return callJSON[Sprint](ctx, s.client, "POST", agilePath("/sprint/%d", id), nil, body)
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
	return s.client.moveIssues(ctx, agilePath("/sprint/%d/issue", id), keys)
}

// MoveToBacklog moves up to MaxAgileIssues issues out of their open
// sprints into the backlog.
func (s *SprintsService) MoveToBacklog(ctx context.Context, keys []string) (*Response, error) {
	return s.client.moveIssues(ctx, agilePath("/backlog/issue"), keys)
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

// ---- actions ----

// SprintInput names one sprint.
type SprintInput struct {
	SprintID int64 `json:"sprintId" expr:"sprintId"`
}

func (in SprintInput) validate() error { return validID("sprintId", in.SprintID, "sprint") }

// ListSprintsInput is the input of the list_sprints action.
type ListSprintsInput struct {
	BoardID int64 `json:"boardId" expr:"boardId"`
	// State keeps sprints in one state or a comma-separated list of
	// states: "future", "active", "closed". Empty keeps all.
	State string `json:"state,omitempty" expr:"state"`
	// Limit caps the number of sprints (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListSprintsInput) validate() error {
	_, serr := sprintStates("state", in.State)
	return errors.Join(validID("boardId", in.BoardID, "board"), serr, checkLimit(in.Limit))
}

func sprintStates(field, s string) ([]string, error) {
	var out []string
	for _, st := range strings.Split(s, ",") {
		st = strings.ToLower(strings.TrimSpace(st))
		switch st {
		case "":
		case SprintFuture, SprintActive, SprintClosed:
			out = append(out, st)
		default:
			return nil, action.Invalid(field, "%q is not a sprint state: use future, active or closed (or several, comma-separated)", st)
		}
	}
	return out, nil
}

// ListSprints returns the list_sprints action.
func (c *Client) ListSprints() action.Action[ListSprintsInput, []Sprint] {
	return newAction(c, "list_sprints", ListSprintsInput.validate, func(ctx context.Context, in ListSprintsInput) ([]Sprint, error) {
		states, _ := sprintStates("state", in.State)
		return upTo(c.Sprints.All(ctx, in.BoardID, SprintListOptions{States: states}), in.Limit, 1000)
	})
}

// GetSprint returns the get_sprint action.
func (c *Client) GetSprint() action.Action[SprintInput, Sprint] {
	return newAction(c, "get_sprint", SprintInput.validate, func(ctx context.Context, in SprintInput) (Sprint, error) {
		return decoded(c.Sprints.Get(ctx, in.SprintID))
	})
}

// CreateSprintInput is the input of the create_sprint action.
type CreateSprintInput struct {
	BoardID int64  `json:"boardId" expr:"boardId"`
	Name    string `json:"name" expr:"name"`
	Goal    string `json:"goal,omitempty" expr:"goal"`
	// StartDate and EndDate plan the sprint: a timestamp
	// (2026-03-11T09:00:00.000+0000) or a date (2026-03-11, read as
	// midnight UTC). Optional.
	StartDate string `json:"startDate,omitempty" expr:"startDate"`
	EndDate   string `json:"endDate,omitempty" expr:"endDate"`
}

func (in CreateSprintInput) validate() error {
	_, _, derr := sprintDates(in.StartDate, in.EndDate)
	return errors.Join(validID("boardId", in.BoardID, "board"), validSprintName("name", in.Name, true), derr)
}

// sprintDates reads and checks a pair of optional date inputs.
func sprintDates(start, end string) (time.Time, time.Time, error) {
	var errs []error
	var st, en time.Time
	if start != "" {
		t, err := ParseTime(start)
		if err != nil {
			errs = append(errs, action.Invalid("startDate", "%q is not a date or timestamp; write it like 2026-03-11 or 2026-03-11T09:00:00.000+0000", start))
		}
		st = t.Time
	}
	if end != "" {
		t, err := ParseTime(end)
		if err != nil {
			errs = append(errs, action.Invalid("endDate", "%q is not a date or timestamp; write it like 2026-03-25 or 2026-03-25T17:00:00.000+0000", end))
		}
		en = t.Time
	}
	if len(errs) == 0 && !st.IsZero() && !en.IsZero() && !en.After(st) {
		errs = append(errs, action.Invalid("endDate", "%s is not after the start date %s", end, start))
	}
	return st, en, errors.Join(errs...)
}

func validSprintName(field, name string, need bool) error {
	if need {
		if err := required(field, name, "give the sprint's name"); err != nil {
			return err
		}
	}
	if len(name) > 255 {
		return action.Invalid(field, "is %d characters long; Jira takes at most 255", len(name))
	}
	return nil
}

// CreateSprint returns the create_sprint action.
//
// Exactly once: a sprint keeps no key of ours, so when an earlier attempt
// may have created it (a retry, a resumed job) or the request ends
// ambiguously, the board's open sprints are read and a sprint of the same
// name created since the step began (by Cloud's createdDate; on Data
// Center, which does not date creation, a future sprint of that name) is
// returned instead of a second one.
func (c *Client) CreateSprint() action.Action[CreateSprintInput, Sprint] {
	return newAction(c, "create_sprint", CreateSprintInput.validate, func(ctx context.Context, in CreateSprintInput) (Sprint, error) {
		st, en, _ := sprintDates(in.StartDate, in.EndDate)
		body := SprintBody{Name: in.Name, OriginBoardID: in.BoardID, StartDate: agileTime(st), EndDate: agileTime(en)}
		if in.Goal != "" {
			body.Goal = &in.Goal
		}
		return exactlyOnce(ctx, c, effectWrite[Sprint]{
			what: fmt.Sprintf("creating sprint %q on board %d", in.Name, in.BoardID),
			write: func(ctx context.Context, _ action.Effect) (Sprint, error) {
				return decoded(c.Sprints.Create(ctx, body))
			},
			find: func(ctx context.Context, e action.Effect) (Sprint, bool, error) {
				return c.Sprints.FindCreated(ctx, in.BoardID, in.Name, since(e))
			},
		})
	})
}

// UpdateSprintInput is the input of the update_sprint action: the fields
// set change, the others stay.
type UpdateSprintInput struct {
	SprintID int64  `json:"sprintId" expr:"sprintId"`
	Name     string `json:"name,omitempty" expr:"name"`
	// Goal replaces the goal when set; ClearGoal empties it.
	Goal      string `json:"goal,omitempty" expr:"goal"`
	ClearGoal bool   `json:"clearGoal,omitempty" expr:"clearGoal"`
	// StartDate and EndDate re-plan the sprint (a date or a timestamp).
	StartDate string `json:"startDate,omitempty" expr:"startDate"`
	EndDate   string `json:"endDate,omitempty" expr:"endDate"`
}

func (in UpdateSprintInput) validate() error {
	var errs []error
	if in.Name == "" && in.Goal == "" && !in.ClearGoal && in.StartDate == "" && in.EndDate == "" {
		errs = append(errs, action.Invalid("", "nothing to update: set name, goal, clearGoal, startDate or endDate"))
	}
	if in.ClearGoal && in.Goal != "" {
		errs = append(errs, action.Invalid("clearGoal", "contradicts goal %q: set one of them", in.Goal))
	}
	_, _, derr := sprintDates(in.StartDate, in.EndDate)
	return errors.Join(append(errs, validID("sprintId", in.SprintID, "sprint"), validSprintName("name", in.Name, false), derr)...)
}

// UpdateSprint returns the update_sprint action.
func (c *Client) UpdateSprint() action.Action[UpdateSprintInput, Sprint] {
	return newAction(c, "update_sprint", UpdateSprintInput.validate, func(ctx context.Context, in UpdateSprintInput) (Sprint, error) {
		st, en, _ := sprintDates(in.StartDate, in.EndDate)
		body := SprintBody{Name: in.Name, StartDate: agileTime(st), EndDate: agileTime(en)}
		switch {
		case in.ClearGoal:
			body.Goal = new(string)
		case in.Goal != "":
			body.Goal = &in.Goal
		}
		return decoded(c.Sprints.Update(ctx, in.SprintID, body))
	})
}

// StartSprintInput is the input of the start_sprint action.
type StartSprintInput struct {
	SprintID int64 `json:"sprintId" expr:"sprintId"`
	// StartDate is when the sprint starts (a date or a timestamp);
	// default now.
	StartDate string `json:"startDate,omitempty" expr:"startDate"`
	// EndDate is when it ends; default the sprint's planned end date when
	// that is after the start, else two weeks after the start (Jira's
	// default sprint length).
	EndDate string `json:"endDate,omitempty" expr:"endDate"`
}

func (in StartSprintInput) validate() error {
	_, _, derr := sprintDates(in.StartDate, in.EndDate)
	return errors.Join(validID("sprintId", in.SprintID, "sprint"), derr)
}

// DefaultSprintLength is the length start_sprint gives a sprint that has
// no planned end date and is given none.
const DefaultSprintLength = 14 * 24 * time.Hour

// StartSprint returns the start_sprint action. Starting a sprint that is
// already active returns it unchanged, so a retry after an ambiguous
// failure cannot fail or start it twice.
func (c *Client) StartSprint() action.Action[StartSprintInput, Sprint] {
	return newAction(c, "start_sprint", StartSprintInput.validate, func(ctx context.Context, in StartSprintInput) (Sprint, error) {
		st, en, _ := sprintDates(in.StartDate, in.EndDate)
		return c.moveSprint(ctx, in.SprintID, SprintActive, func(sp Sprint) (SprintBody, error) {
			if sp.State == SprintClosed {
				return SprintBody{}, action.Permanent(fmt.Errorf("jira: start_sprint: sprint %d (%s) is closed, and a closed sprint cannot be started again; create a new sprint", sp.ID, sp.Name))
			}
			start, end := st, en
			if start.IsZero() {
				start = time.Now()
			}
			if end.IsZero() {
				end = sp.EndDate.Time
				if !end.After(start) {
					end = start.Add(DefaultSprintLength)
				}
			}
			if !end.After(start) {
				return SprintBody{}, action.Invalid("endDate", "%s is not after the start %s", agileTime(end), agileTime(start))
			}
			return SprintBody{State: SprintActive, StartDate: agileTime(start), EndDate: agileTime(end)}, nil
		})
	})
}

// CloseSprint returns the close_sprint action. Closing a sprint that is
// already closed returns it unchanged.
func (c *Client) CloseSprint() action.Action[SprintInput, Sprint] {
	return newAction(c, "close_sprint", SprintInput.validate, func(ctx context.Context, in SprintInput) (Sprint, error) {
		return c.moveSprint(ctx, in.SprintID, SprintClosed, func(sp Sprint) (SprintBody, error) {
			if sp.State == SprintFuture {
				return SprintBody{}, action.Permanent(fmt.Errorf("jira: close_sprint: sprint %d (%s) has not started; start it first (start_sprint), or leave it planned", sp.ID, sp.Name))
			}
			return SprintBody{State: SprintClosed}, nil
		})
	})
}

// moveSprint brings a sprint to state target: it reads the sprint, returns
// it when it is already there, and otherwise sends the body plan makes of
// it. After an ambiguous failure, or a refusal that a concurrent or
// earlier attempt may explain, it reads the sprint again before sending
// anything more.
func (c *Client) moveSprint(ctx context.Context, id int64, target string, plan func(Sprint) (SprintBody, error)) (Sprint, error) {
	var lastErr error
	for attempt := 1; attempt <= maxEffectWrites; attempt++ {
		sp, _, err := c.Sprints.Get(ctx, id)
		if err != nil {
			if lastErr != nil {
				return Sprint{}, fmt.Errorf("jira: sprint %d: the outcome of the change to %s is unknown, and reading the sprint failed (%v): %w", id, target, err, withOutcomeUnknown(lastErr))
			}
			return Sprint{}, err
		}
		if sp.State == target {
			return sp, nil
		}
		if lastErr != nil && !isAmbiguous(lastErr) {
			return Sprint{}, lastErr // a refusal the sprint's state does not explain
		}
		body, err := plan(sp)
		if err != nil {
			return Sprint{}, err
		}
		out, _, err := c.Sprints.Update(ctx, id, body)
		if err == nil {
			return out, nil
		}
		if !isAmbiguous(err) && !errors.Is(err, ErrValidation) {
			return Sprint{}, err
		}
		if ctx.Err() != nil {
			return Sprint{}, err
		}
		lastErr = err
	}
	return Sprint{}, fmt.Errorf("jira: sprint %d: %d attempts to change it to %s ended without an answer: %w", id, maxEffectWrites, target, withOutcomeUnknown(lastErr))
}

// MoveToSprintInput is the input of the move_issues_to_sprint action.
type MoveToSprintInput struct {
	SprintID  int64    `json:"sprintId" expr:"sprintId"`
	IssueKeys []string `json:"issueKeys" expr:"issueKeys"`
}

func (in MoveToSprintInput) validate() error {
	return errors.Join(validID("sprintId", in.SprintID, "sprint"), validIssueKeys("issueKeys", in.IssueKeys))
}

// MoveIssuesResult is the output of the move actions.
type MoveIssuesResult struct {
	// SprintID is the sprint the issues are now in; 0 for the backlog.
	SprintID int64 `json:"sprintId" expr:"sprintId"`
	// IssueKeys are the issues moved.
	IssueKeys []string `json:"issueKeys" expr:"issueKeys"`
	Count     int      `json:"count" expr:"count"`
}

// movedInChunks moves keys to sprint (0 for the backlog) with move, at most
// MaxAgileIssues a request, and reports them moved once every request has
// succeeded.
func movedInChunks(sprint int64, keys []string, move func(part []string) (*Response, error)) (MoveIssuesResult, error) {
	for _, part := range chunks(keys) {
		if _, err := move(part); err != nil {
			return MoveIssuesResult{}, err
		}
	}
	return MoveIssuesResult{SprintID: sprint, IssueKeys: keys, Count: len(keys)}, nil
}

// MoveIssuesToSprint returns the move_issues_to_sprint action.
func (c *Client) MoveIssuesToSprint() action.Action[MoveToSprintInput, MoveIssuesResult] {
	return newAction(c, "move_issues_to_sprint", MoveToSprintInput.validate, func(ctx context.Context, in MoveToSprintInput) (MoveIssuesResult, error) {
		return movedInChunks(in.SprintID, in.IssueKeys, func(part []string) (*Response, error) {
			return c.Sprints.MoveIssues(ctx, in.SprintID, part)
		})
	})
}

// MoveToBacklogInput is the input of the move_issues_to_backlog action.
type MoveToBacklogInput struct {
	IssueKeys []string `json:"issueKeys" expr:"issueKeys"`
}

func (in MoveToBacklogInput) validate() error { return validIssueKeys("issueKeys", in.IssueKeys) }

// MoveIssuesToBacklog returns the move_issues_to_backlog action.
func (c *Client) MoveIssuesToBacklog() action.Action[MoveToBacklogInput, MoveIssuesResult] {
	return newAction(c, "move_issues_to_backlog", MoveToBacklogInput.validate, func(ctx context.Context, in MoveToBacklogInput) (MoveIssuesResult, error) {
		return movedInChunks(0, in.IssueKeys, func(part []string) (*Response, error) {
			return c.Sprints.MoveToBacklog(ctx, part)
		})
	})
}
