package jira

import (
	"context"
	"errors"
	"iter"
	"net/url"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

// AddWorklogInput is the input of the add_worklog action. Give TimeSpent
// ("2h 30m") or TimeSpentSeconds.
type AddWorklogInput struct {
	IssueKey         string `json:"issueKey" expr:"issueKey" scope:"issue"`
	TimeSpent        string `json:"timeSpent,omitempty" expr:"timeSpent"`
	TimeSpentSeconds int64  `json:"timeSpentSeconds,omitempty" expr:"timeSpentSeconds"`
	// Started is when the work started (default now), as
	// 2026-03-11T09:00:00.000+0000 or RFC 3339.
	Started string `json:"started,omitempty" expr:"started"`
	Comment string `json:"comment,omitempty" expr:"comment"`
	// AdjustEstimate is "auto" (default), "leave", "new" or "manual".
	AdjustEstimate string `json:"adjustEstimate,omitempty" expr:"adjustEstimate"`
}

func (in AddWorklogInput) validate() error {
	errs := []error{validIssueKey("issueKey", in.IssueKey)}
	if (in.TimeSpent == "") == (in.TimeSpentSeconds == 0) {
		errs = append(errs, action.Invalid("timeSpent", "give either timeSpent (like \"2h 30m\") or timeSpentSeconds"))
	}
	errs = append(errs, checkWorkTime(in.TimeSpentSeconds, in.Started)...)
	return errors.Join(append(errs, validAdjustEstimate(in.AdjustEstimate))...)
}

// checkWorkTime checks the time fields the add and update worklog actions
// share: a duration that is not negative and a start Jira can read.
func checkWorkTime(seconds int64, started string) []error {
	var errs []error
	if seconds < 0 {
		errs = append(errs, action.Invalid("timeSpentSeconds", "must be positive"))
	}
	if started != "" {
		if _, err := ParseTime(started); err != nil {
			errs = append(errs, action.Invalid("started", "%q is not a time; write it like 2026-03-11T09:00:00.000+0000", started))
		}
	}
	return errs
}

func validAdjustEstimate(v string) error {
	switch v {
	case "", "auto", "leave", "new", "manual":
		return nil
	}
	return action.Invalid("adjustEstimate", "must be auto, leave, new or manual")
}

// worklogBody is the request body of the add and update worklog actions;
// started has been validated, and an empty one is left to Jira (now on
// add, unchanged on update).
func worklogBody(comment, timeSpent string, seconds int64, started string) WorklogBody {
	body := WorklogBody{Comment: comment, TimeSpent: timeSpent, TimeSpentSeconds: seconds}
	if started != "" {
		t, _ := ParseTime(started)
		body.Started = t.Time.Format(TimeLayout)
	}
	return body
}

// AddWorklog returns the add_worklog action.
//
// Exactly once: the worklog carries the step run's effect key in its
// recipekit.effect property, set in the create request itself. When an
// earlier attempt may have logged it (a retry, a resumed job) or the
// request ends ambiguously, the issue's worklogs are read with
// expand=properties and the one found is returned instead of logging the
// time twice. Jira leaves no window: the property is written with the
// worklog (and the estimate adjusted once with it).
func (c *Client) AddWorklog() action.Action[AddWorklogInput, Worklog] {
	return newAction(c, "add_worklog", AddWorklogInput.validate, func(ctx context.Context, in AddWorklogInput) (Worklog, error) {
		body := worklogBody(in.Comment, in.TimeSpent, in.TimeSpentSeconds, in.Started)
		return exactlyOnce(ctx, c, effectWrite[Worklog]{
			what: "logging work on " + in.IssueKey,
			write: func(ctx context.Context, e action.Effect) (Worklog, error) {
				body.Properties = effectProperties(e.Key)
				return decoded(c.Worklogs.Add(ctx, in.IssueKey, body, in.AdjustEstimate))
			},
			find: func(ctx context.Context, e action.Effect) (Worklog, bool, error) {
				return c.Worklogs.FindByEffect(ctx, in.IssueKey, e.Key)
			},
		})
	})
}

// ListWorklogs returns the list_worklogs action.
func (c *Client) ListWorklogs() action.Action[IssueKeyInput, []Worklog] {
	return newAction(c, "list_worklogs", IssueKeyInput.validate, func(ctx context.Context, in IssueKeyInput) ([]Worklog, error) {
		return upTo(c.Worklogs.All(ctx, in.IssueKey), 0, 5000)
	})
}

// WorklogPage is the worklog field embedded in an issue.
type WorklogPage struct {
	Worklogs   []Worklog `json:"worklogs" expr:"worklogs"`
	StartAt    int       `json:"startAt" expr:"startAt"`
	MaxResults int       `json:"maxResults" expr:"maxResults"`
	Total      int       `json:"total" expr:"total"`
}

// Worklog is time logged on an issue.
type Worklog struct {
	Self             string      `json:"self,omitempty" expr:"self"`
	ID               string      `json:"id,omitempty" expr:"id"`
	IssueID          string      `json:"issueId,omitempty" expr:"issueId"`
	Author           User        `json:"author" expr:"author"`
	UpdateAuthor     User        `json:"updateAuthor" expr:"updateAuthor"`
	Comment          string      `json:"comment,omitempty" expr:"comment"`
	Created          Time        `json:"created" expr:"created"`
	Updated          Time        `json:"updated" expr:"updated"`
	Started          Time        `json:"started" expr:"started"`
	TimeSpent        string      `json:"timeSpent,omitempty" expr:"timeSpent"`
	TimeSpentSeconds int64       `json:"timeSpentSeconds" expr:"timeSpentSeconds"`
	Visibility       *Visibility `json:"visibility,omitempty" expr:"visibility"`
	// Properties are the worklog's entity properties, when asked for with
	// expand=properties.
	Properties []EntityProperty `json:"properties,omitempty" expr:"properties"`
}

// NewWorklog returns a polling trigger that emits each new worklog with its
// issue. Event IDs are "worklog:<id>@<created ms>".
func (c *Client) NewWorklog(opts PollOptions) trigger.Trigger[WorklogEvent] {
	return newPoller(c, opts, worklogSpec(TriggerNewWorklog, false))
}

// NewOrUpdatedWorklog returns a polling trigger that emits each new or
// edited worklog. Event IDs are "worklog:<id>@<updated ms>".
func (c *Client) NewOrUpdatedWorklog(opts PollOptions) trigger.Trigger[WorklogEvent] {
	return newPoller(c, opts, worklogSpec(TriggerNewOrUpdatedWorklog, true))
}

// NewWorklogsBatch is NewWorklog handing each job up to BatchSize worklogs.
func (c *Client) NewWorklogsBatch(opts PollOptions) trigger.Trigger[WorklogBatch] {
	return newBatcher(c.NewWorklog(opts), opts.BatchSize)
}

func worklogSpec(name string, updated bool) pollSpec[WorklogEvent] {
	title, desc := "New worklog", "Emits each new worklog with its issue, once."
	if updated {
		title, desc = "New or updated worklog", "Emits each new worklog and each edit of one, with its issue, once."
	}
	return childSpec(trigger.Info{Name: name, Title: title, Description: desc}, updated, worklogKind)
}

// worklogKind is how the worklog triggers read worklogs: embedded in a
// searched issue, through the API, and from a webhook delivery.
var worklogKind = childKind[Worklog, WorklogEvent]{
	field: "worklog",
	embedded: func(is Issue) ([]Worklog, int) {
		if wp := is.Fields.Worklog; wp != nil {
			return wp.Worklogs, wp.Total
		}
		return nil, 0
	},
	all: func(ctx context.Context, c *Client, issueID string) iter.Seq2[Worklog, error] {
		return c.Worklogs.All(ctx, issueID)
	},
	delivered: func(ev *WebhookEvent) *Worklog { return ev.Worklog },
	meta: func(w Worklog) childMeta {
		return childMeta{id: w.ID, created: w.Created, updated: w.Updated, author: w.Author, updateAuthor: w.UpdateAuthor, issueID: w.IssueID}
	},
	event: func(w Worklog, is Issue) WorklogEvent { return WorklogEvent{Worklog: w, Issue: is} },
}

// WorklogEvent is a new or updated worklog with its issue. Event IDs are
// "worklog:<worklog id>@<epoch ms>".
type WorklogEvent struct {
	Worklog Worklog `json:"worklog" expr:"worklog"`
	// Issue is the worklog's issue (without its worklog list); from a
	// webhook delivery that carries none, only its id is set.
	Issue Issue `json:"issue" expr:"issue"`
}

// WorklogBatch is a batch of worklogs.
type WorklogBatch = Batch[WorklogEvent]

// WorklogsService manages worklogs.
type WorklogsService service

// WorklogBody is the body of add worklog. Give TimeSpentSeconds or
// TimeSpent ("3h 20m"); Started defaults to now in Jira.
type WorklogBody struct {
	Comment          string      `json:"comment,omitempty"`
	Started          string      `json:"started,omitempty"`
	TimeSpent        string      `json:"timeSpent,omitempty"`
	TimeSpentSeconds int64       `json:"timeSpentSeconds,omitempty"`
	Visibility       *Visibility `json:"visibility,omitempty"`
	// Properties are entity properties set with a new worklog.
	Properties []EntityProperty `json:"properties,omitempty"`
}

// Add logs work on an issue. adjustEstimate is "", "auto", "leave", "new"
// or "manual" (Jira's default is auto).
func (s *WorklogsService) Add(ctx context.Context, issue string, w WorklogBody, adjustEstimate string) (Worklog, *Response, error) {
	return callJSON[Worklog](ctx, s.client, "POST", apiPath("/issue/%s/worklog", issue), estimateQuery(adjustEstimate), w)
}

// estimateQuery is the query of a worklog write: how Jira adjusts the
// issue's remaining estimate, Jira's default (auto) when empty.
func estimateQuery(adjustEstimate string) url.Values {
	q := url.Values{}
	setGiven(q, "adjustEstimate", adjustEstimate)
	return q
}

// List returns a page of an issue's worklogs.
func (s *WorklogsService) List(ctx context.Context, issue string, opts ListOptions) ([]Worklog, *Response, error) {
	return s.list(ctx, issue, opts, nil)
}

func (s *WorklogsService) list(ctx context.Context, issue string, opts ListOptions, expand []string) ([]Worklog, *Response, error) {
	var page struct {
		offsetPage[Worklog]
		Worklogs []Worklog `json:"worklogs"`
	}
	q := opts.values()
	setList(q, "expand", expand)
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/worklog", issue), q, nil, &page)
	page.Values = page.Worklogs
	page.fill(resp)
	return page.Worklogs, resp, err
}

// FindByEffect returns the worklog of issue whose recipekit.effect
// property records effectKey, reading the issue's worklogs with their
// properties. found is false when there is none.
func (s *WorklogsService) FindByEffect(ctx context.Context, issue, effectKey string) (w Worklog, found bool, err error) {
	all := allPages(ctx, func(ctx context.Context, startAt int) ([]Worklog, *Response, error) {
		return s.list(ctx, issue, ListOptions{StartAt: startAt}, []string{"properties"})
	})
	for w, err := range all {
		if err != nil {
			return Worklog{}, false, err
		}
		if carriesEffect(w.Properties, effectKey) {
			return w, true, nil
		}
	}
	return Worklog{}, false, nil
}

// All iterates over every worklog of an issue.
func (s *WorklogsService) All(ctx context.Context, issue string) iter.Seq2[Worklog, error] {
	return allPages(ctx, func(ctx context.Context, startAt int) ([]Worklog, *Response, error) {
		return s.List(ctx, issue, ListOptions{StartAt: startAt})
	})
}

// Update changes a worklog; empty fields of w stay as they are.
func (s *WorklogsService) Update(ctx context.Context, issue, id string, w WorklogBody, adjustEstimate string) (Worklog, *Response, error) {
	return callJSON[Worklog](ctx, s.client, "PUT", apiPath("/issue/%s/worklog/%s", issue, id), estimateQuery(adjustEstimate), w)
}

// Delete removes a worklog. adjustEstimate is "", "auto", "leave" or
// "manual".
func (s *WorklogsService) Delete(ctx context.Context, issue, id, adjustEstimate string) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/worklog/%s", issue, id), estimateQuery(adjustEstimate), nil, nil)
}

// UpdateWorklogInput is the input of the update_worklog action. Empty
// fields stay as they are.
type UpdateWorklogInput struct {
	IssueKey         string `json:"issueKey" expr:"issueKey" scope:"issue"`
	WorklogID        string `json:"worklogId" expr:"worklogId"`
	TimeSpent        string `json:"timeSpent,omitempty" expr:"timeSpent"`
	TimeSpentSeconds int64  `json:"timeSpentSeconds,omitempty" expr:"timeSpentSeconds"`
	// Started is when the work started, as 2026-03-11T09:00:00.000+0000
	// or RFC 3339.
	Started string `json:"started,omitempty" expr:"started"`
	Comment string `json:"comment,omitempty" expr:"comment"`
	// AdjustEstimate is "auto" (default), "leave", "new" or "manual".
	AdjustEstimate string `json:"adjustEstimate,omitempty" expr:"adjustEstimate"`
}

func (in UpdateWorklogInput) validate() error {
	errs := []error{validIssueKey("issueKey", in.IssueKey), required("worklogId", in.WorklogID, "give the worklog's id")}
	if in.TimeSpent != "" && in.TimeSpentSeconds != 0 {
		errs = append(errs, action.Invalid("timeSpent", "give either timeSpent (like \"2h 30m\") or timeSpentSeconds, not both"))
	}
	errs = append(errs, checkWorkTime(in.TimeSpentSeconds, in.Started)...)
	if in.TimeSpent == "" && in.TimeSpentSeconds == 0 && in.Started == "" && in.Comment == "" {
		errs = append(errs, action.Invalid("timeSpent", "nothing to change: give timeSpent, timeSpentSeconds, started or comment"))
	}
	return errors.Join(append(errs, validAdjustEstimate(in.AdjustEstimate))...)
}

// UpdateWorklog returns the update_worklog action.
func (c *Client) UpdateWorklog() action.Action[UpdateWorklogInput, Worklog] {
	return newAction(c, "update_worklog", UpdateWorklogInput.validate, func(ctx context.Context, in UpdateWorklogInput) (Worklog, error) {
		body := worklogBody(in.Comment, in.TimeSpent, in.TimeSpentSeconds, in.Started)
		return decoded(c.Worklogs.Update(ctx, in.IssueKey, in.WorklogID, body, in.AdjustEstimate))
	})
}

// WorklogRefInput names a worklog of an issue.
type WorklogRefInput struct {
	IssueKey  string `json:"issueKey" expr:"issueKey" scope:"issue"`
	WorklogID string `json:"worklogId" expr:"worklogId"`
	// AdjustEstimate is "auto" (default), "leave" or "manual".
	AdjustEstimate string `json:"adjustEstimate,omitempty" expr:"adjustEstimate"`
}

func (in WorklogRefInput) validate() error {
	errs := []error{validIssueKey("issueKey", in.IssueKey), required("worklogId", in.WorklogID, "give the worklog's id")}
	switch in.AdjustEstimate {
	case "", "auto", "leave", "manual":
	default:
		errs = append(errs, action.Invalid("adjustEstimate", "must be auto, leave or manual"))
	}
	return errors.Join(errs...)
}

// DeleteWorklog returns the delete_worklog action.
func (c *Client) DeleteWorklog() action.Action[WorklogRefInput, DeleteResult] {
	return newAction(c, "delete_worklog", WorklogRefInput.validate, func(ctx context.Context, in WorklogRefInput) (DeleteResult, error) {
		_, err := c.Worklogs.Delete(ctx, in.IssueKey, in.WorklogID, in.AdjustEstimate)
		return deleteResult(in.WorklogID, err)
	})
}
