package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
)

// ServiceDeskDate is how Jira Service Management writes a time: the same
// instant in several forms.
type ServiceDeskDate struct {
	ISO8601     string `json:"iso8601" expr:"iso8601"`
	Jira        string `json:"jira" expr:"jira"`
	Friendly    string `json:"friendly" expr:"friendly"`
	EpochMillis int64  `json:"epochMillis" expr:"epochMillis"`
}

// Time returns the instant (zero when absent).
func (d ServiceDeskDate) Time() time.Time {
	if d.EpochMillis == 0 {
		return time.Time{}
	}
	return time.UnixMilli(d.EpochMillis).UTC()
}

// CustomerRequest is a Jira Service Management customer request: an issue
// of a service desk's project raised through a request type.
type CustomerRequest struct {
	IssueID            string              `json:"issueId" expr:"issueId"`
	IssueKey           string              `json:"issueKey" expr:"issueKey"`
	RequestTypeID      string              `json:"requestTypeId" expr:"requestTypeId"`
	ServiceDeskID      string              `json:"serviceDeskId" expr:"serviceDeskId"`
	CreatedDate        ServiceDeskDate     `json:"createdDate" expr:"createdDate"`
	Reporter           User                `json:"reporter" expr:"reporter"`
	RequestFieldValues []RequestFieldValue `json:"requestFieldValues" expr:"requestFieldValues"`
	CurrentStatus      RequestStatus       `json:"currentStatus" expr:"currentStatus"`
	// Links holds the request's addresses: web (the customer portal),
	// agent (the issue in Jira), jiraRest and self.
	Links map[string]string `json:"_links,omitempty" expr:"links"`
}

// Field returns the value of a request field by id (summary,
// description, customfield_10010...), or nil.
func (r CustomerRequest) Field(id string) any {
	for _, f := range r.RequestFieldValues {
		if f.FieldID == id {
			return f.Value
		}
	}
	return nil
}

// Summary returns the request's summary field as text.
func (r CustomerRequest) Summary() string {
	s, _ := r.Field("summary").(string)
	return s
}

// RequestFieldValue is a field of a customer request as the customer
// filled it in.
type RequestFieldValue struct {
	FieldID string `json:"fieldId" expr:"fieldId"`
	Label   string `json:"label" expr:"label"`
	Value   any    `json:"value" expr:"value"`
}

// RequestStatus is a status a customer request is or was in. Category is
// NEW, INDETERMINATE, DONE or UNDEFINED.
type RequestStatus struct {
	Status         string          `json:"status" expr:"status"`
	StatusCategory string          `json:"statusCategory,omitempty" expr:"statusCategory"`
	StatusDate     ServiceDeskDate `json:"statusDate" expr:"statusDate"`
}

// RequestComment is a comment on a customer request; Public is false for
// an internal comment customers do not see.
type RequestComment struct {
	ID      string          `json:"id" expr:"id"`
	Body    string          `json:"body" expr:"body"`
	Public  bool            `json:"public" expr:"public"`
	Author  User            `json:"author" expr:"author"`
	Created ServiceDeskDate `json:"created" expr:"created"`
}

// SLA is one service level agreement of a request: the cycle running
// now, if any, and those completed.
type SLA struct {
	ID              string     `json:"id" expr:"id"`
	Name            string     `json:"name" expr:"name"`
	OngoingCycle    *SLACycle  `json:"ongoingCycle,omitempty" expr:"ongoingCycle"`
	CompletedCycles []SLACycle `json:"completedCycles" expr:"completedCycles"`
}

// SLACycle is one run of an SLA's clock.
type SLACycle struct {
	StartTime           ServiceDeskDate  `json:"startTime" expr:"startTime"`
	StopTime            *ServiceDeskDate `json:"stopTime,omitempty" expr:"stopTime"`
	BreachTime          *ServiceDeskDate `json:"breachTime,omitempty" expr:"breachTime"`
	Breached            bool             `json:"breached" expr:"breached"`
	Paused              bool             `json:"paused" expr:"paused"`
	WithinCalendarHours bool             `json:"withinCalendarHours" expr:"withinCalendarHours"`
	GoalDuration        SLADuration      `json:"goalDuration" expr:"goalDuration"`
	ElapsedTime         SLADuration      `json:"elapsedTime" expr:"elapsedTime"`
	RemainingTime       SLADuration      `json:"remainingTime" expr:"remainingTime"`
}

// SLADuration is a duration as Jira Service Management writes it.
type SLADuration struct {
	Millis   int64  `json:"millis" expr:"millis"`
	Friendly string `json:"friendly" expr:"friendly"`
}

// RequestTransition is a transition a customer request can take.
type RequestTransition struct {
	ID   string `json:"id" expr:"id"`
	Name string `json:"name" expr:"name"`
}

// CreateRequestBody is the body of POST /rest/servicedeskapi/request.
type CreateRequestBody struct {
	ServiceDeskID      string         `json:"serviceDeskId"`
	RequestTypeID      string         `json:"requestTypeId"`
	RequestFieldValues map[string]any `json:"requestFieldValues"`
	// RaiseOnBehalfOf is the customer the request is for: an account id
	// on Cloud, a user name on Data Center.
	RaiseOnBehalfOf     string   `json:"raiseOnBehalfOf,omitempty"`
	RequestParticipants []string `json:"requestParticipants,omitempty"`
}

// CreateRequest raises a customer request. It is not idempotent: the
// request is sent once.
func (s *ServiceDeskService) CreateRequest(ctx context.Context, body CreateRequestBody) (CustomerRequest, *Response, error) {
	return callJSON[CustomerRequest](ctx, s, "POST", servicedeskPath("/request"), nil, body)
}

// Request returns a customer request by issue key or id.
func (s *ServiceDeskService) Request(ctx context.Context, issue string) (CustomerRequest, *Response, error) {
	return callJSON[CustomerRequest](ctx, s, "GET", servicedeskPath("/request/%s", issue), nil, nil)
}

// RequestListOptions selects customer requests.
type RequestListOptions struct {
	PageOptions
	ServiceDeskID string
	// RequestTypeID needs ServiceDeskID.
	RequestTypeID string
	// Ownership is OWNED_REQUESTS, PARTICIPATED_REQUESTS, ORGANIZATION or
	// ALL_REQUESTS (Jira's default differs by role; set it to be sure).
	Ownership string
}

func (o RequestListOptions) query() url.Values {
	q := url.Values{}
	setGiven(q, "serviceDeskId", o.ServiceDeskID)
	setGiven(q, "requestTypeId", o.RequestTypeID)
	setGiven(q, "requestOwnership", o.Ownership)
	return q
}

// Requests returns a page of customer requests, newest first.
func (s *ServiceDeskService) Requests(ctx context.Context, opts RequestListOptions) ([]CustomerRequest, *Response, error) {
	return sdList[CustomerRequest](ctx, s, servicedeskPath("/request"), opts.query(), opts.PageOptions)
}

// AllRequests iterates over customer requests, newest first.
func (s *ServiceDeskService) AllRequests(ctx context.Context, opts RequestListOptions) iter.Seq2[CustomerRequest, error] {
	return sdAll[CustomerRequest](ctx, s, servicedeskPath("/request"), opts.query)
}

// AddComment adds a comment to a request: public (customers see it) or
// internal (agents only). It is not idempotent: the request is sent once.
func (s *ServiceDeskService) AddComment(ctx context.Context, issue, body string, public bool) (RequestComment, *Response, error) {
	return callJSON[RequestComment](ctx, s, "POST", servicedeskPath("/request/%s/comment", issue), nil, map[string]any{"body": body, "public": public})
}

// RequestCommentListOptions selects a request's comments.
type RequestCommentListOptions struct {
	PageOptions
	// PublicOnly leaves internal comments out.
	PublicOnly bool
	// InternalOnly leaves public comments out.
	InternalOnly bool
}

// Comments returns a page of a request's comments, oldest first.
func (s *ServiceDeskService) Comments(ctx context.Context, issue string, opts RequestCommentListOptions) ([]RequestComment, *Response, error) {
	q := url.Values{}
	if opts.PublicOnly {
		q.Set("internal", "false")
	}
	if opts.InternalOnly {
		q.Set("public", "false")
	}
	return sdList[RequestComment](ctx, s, servicedeskPath("/request/%s/comment", issue), q, opts.PageOptions)
}

// Statuses returns a page of a request's status history, newest first.
func (s *ServiceDeskService) Statuses(ctx context.Context, issue string, opts PageOptions) ([]RequestStatus, *Response, error) {
	return sdList[RequestStatus](ctx, s, servicedeskPath("/request/%s/status", issue), url.Values{}, opts)
}

// SLAs returns a page of a request's SLAs (agents only).
func (s *ServiceDeskService) SLAs(ctx context.Context, issue string, opts PageOptions) ([]SLA, *Response, error) {
	return sdList[SLA](ctx, s, servicedeskPath("/request/%s/sla", issue), url.Values{}, opts)
}

// Transitions returns a page of the transitions a request can take.
func (s *ServiceDeskService) Transitions(ctx context.Context, issue string, opts PageOptions) ([]RequestTransition, *Response, error) {
	return sdList[RequestTransition](ctx, s, servicedeskPath("/request/%s/transition", issue), url.Values{}, opts)
}

// Transition moves a request through a transition, with an optional
// public comment.
func (s *ServiceDeskService) Transition(ctx context.Context, issue, transitionID, comment string) (*Response, error) {
	body := map[string]any{"id": transitionID}
	if comment != "" {
		body["additionalComment"] = map[string]string{"body": comment}
	}
	return s.call(ctx, "POST", servicedeskPath("/request/%s/transition", issue), nil, body, nil)
}

// ---- actions ----

// CreateCustomerRequestInput is the input of create_customer_request.
type CreateCustomerRequestInput struct {
	ServiceDeskID string `json:"serviceDeskId" expr:"serviceDeskId"`
	RequestTypeID string `json:"requestTypeId" expr:"requestTypeId"`
	// Summary fills the summary field. Required unless Fields has it.
	Summary string `json:"summary,omitempty" expr:"summary"`
	// Description fills the description field (wiki markup).
	Description string `json:"description,omitempty" expr:"description"`
	// Fields are the other request type fields by field id
	// (get_request_type_fields lists them).
	Fields map[string]any `json:"fields,omitempty" expr:"fields"`
	// OnBehalfOf raises the request for a customer: an account id on
	// Cloud, a user name on Data Center. Empty raises it as the
	// connection's account.
	OnBehalfOf string `json:"onBehalfOf,omitempty" expr:"onBehalfOf"`
}

func (in CreateCustomerRequestInput) validate() error {
	var errs []error
	errs = append(errs, validDeskID("serviceDeskId", in.ServiceDeskID), required("requestTypeId", in.RequestTypeID, "give the request type's id (list_request_types shows them)"))
	if _, ok := in.Fields["summary"]; !ok {
		errs = append(errs, required("summary", in.Summary, "give the request's summary"))
	} else if in.Summary != "" {
		errs = append(errs, action.Invalid("summary", "is given twice, here and in fields.summary; keep one"))
	}
	if _, ok := in.Fields["description"]; ok && in.Description != "" {
		errs = append(errs, action.Invalid("description", "is given twice, here and in fields.description; keep one"))
	}
	return errors.Join(errs...)
}

func (in CreateCustomerRequestInput) values() map[string]any {
	v := make(map[string]any, len(in.Fields)+2)
	for k, x := range in.Fields {
		v[k] = x
	}
	if in.Summary != "" {
		v["summary"] = in.Summary
	}
	if in.Description != "" {
		v["description"] = in.Description
	}
	return v
}

// CreateCustomerRequest returns the create_customer_request action.
//
// Exactly once: the servicedeskapi keeps no key with a new request, so the
// created issue gets the step run's effect key in its recipekit.effect
// property right after. When an earlier attempt may have raised the
// request (a retry, a resumed job) or the create ends ambiguously, the
// desk's requests of the type raised since the step began are read newest
// first; one carrying the key, or one without a key that has the same
// summary and reporter (an attempt cut off before its key was written,
// which then gets it), is returned instead of raising a second one.
func (c *Client) CreateCustomerRequest() action.Action[CreateCustomerRequestInput, CustomerRequest] {
	return newAction(c, "create_customer_request", CreateCustomerRequestInput.validate, func(ctx context.Context, in CreateCustomerRequestInput) (CustomerRequest, error) {
		values := in.values()
		return exactlyOnce(ctx, c, effectWrite[CustomerRequest]{
			what: "raising a request in service desk " + in.ServiceDeskID,
			write: func(ctx context.Context, e action.Effect) (CustomerRequest, error) {
				r, _, err := c.ServiceDesk.CreateRequest(ctx, CreateRequestBody{ServiceDeskID: in.ServiceDeskID, RequestTypeID: in.RequestTypeID, RequestFieldValues: values, RaiseOnBehalfOf: in.OnBehalfOf})
				if err != nil {
					return r, err
				}
				c.markRequest(ctx, r.IssueKey, e.Key)
				return r, nil
			},
			find: func(ctx context.Context, e action.Effect) (CustomerRequest, bool, error) {
				return c.findRequest(ctx, in, values, e)
			},
		})
	})
}

// markRequest records effectKey on a new request's issue. A failure is
// logged, not returned: the request exists, and a lookup still finds it
// by its summary and reporter.
func (c *Client) markRequest(ctx context.Context, issue, effectKey string) {
	if _, err := c.Issues.SetProperty(ctx, issue, EffectProperty, effectValue(effectKey)); err != nil {
		c.logger.WarnContext(ctx, "jira: recording the effect key on a new request failed; a retry finds the request by its summary", "issue", issue, "error", err)
	}
}

// findRequest looks for the request an earlier attempt of effect e
// raised.
func (c *Client) findRequest(ctx context.Context, in CreateCustomerRequestInput, values map[string]any, e action.Effect) (CustomerRequest, bool, error) {
	notBefore := since(e)
	summary, _ := values["summary"].(string)
	for r, err := range c.ServiceDesk.AllRequests(ctx, RequestListOptions{ServiceDeskID: in.ServiceDeskID, RequestTypeID: in.RequestTypeID, Ownership: "ALL_REQUESTS"}) {
		if err != nil {
			return CustomerRequest{}, false, err
		}
		if !notBefore.IsZero() && r.CreatedDate.Time().Before(notBefore) {
			break // newest first: the rest are older than the step
		}
		p, _, err := c.Issues.GetProperty(ctx, r.IssueKey, EffectProperty)
		switch {
		case err == nil:
			if carriesEffect([]EntityProperty{p}, e.Key) {
				return r, true, nil
			}
			continue // another step run's request
		case !errors.Is(err, ErrNotFound):
			return CustomerRequest{}, false, err
		}
		if r.Summary() != summary || in.OnBehalfOf != "" && in.OnBehalfOf != r.Reporter.ID() && in.OnBehalfOf != r.Reporter.Key {
			continue
		}
		c.markRequest(ctx, r.IssueKey, e.Key)
		return r, true, nil
	}
	return CustomerRequest{}, false, nil
}

// RequestKeyInput names a customer request.
type RequestKeyInput struct {
	// IssueKey is the request's issue key or id.
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
}

func (in RequestKeyInput) validate() error {
	return validIssueKey("issueKey", in.IssueKey)
}

// GetCustomerRequest returns the get_customer_request action.
func (c *Client) GetCustomerRequest() action.Action[RequestKeyInput, CustomerRequest] {
	return newAction(c, "get_customer_request", RequestKeyInput.validate, func(ctx context.Context, in RequestKeyInput) (CustomerRequest, error) {
		return decoded(c.ServiceDesk.Request(ctx, in.IssueKey))
	})
}

// AddRequestCommentInput is the input of add_request_comment.
type AddRequestCommentInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Body is wiki markup. Required.
	Body string `json:"body" expr:"body"`
	// Internal keeps the comment among agents; by default customers see
	// it.
	Internal bool `json:"internal,omitempty" expr:"internal"`
}

func (in AddRequestCommentInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("body", in.Body, "give the comment text"))
}

// sdPublicCommentProperty is the comment property by which Jira Service
// Management marks a comment internal ({"internal": true}).
const sdPublicCommentProperty = "sd.public.comment"

// AddRequestComment returns the add_request_comment action.
//
// Exactly once: the comment is written through REST v2, which takes
// entity properties with a new comment, so it carries both Jira Service
// Management's sd.public.comment property (internal or public, what the
// servicedeskapi's "public" flag sets) and the step run's effect key in
// the one request that creates it; the servicedeskapi comment resource
// takes no properties, and a key added after the fact would leave a
// window. After an ambiguous failure, or when an earlier attempt may have
// run, the issue's comments are looked up by the key first.
func (c *Client) AddRequestComment() action.Action[AddRequestCommentInput, RequestComment] {
	return newAction(c, "add_request_comment", AddRequestCommentInput.validate, func(ctx context.Context, in AddRequestCommentInput) (RequestComment, error) {
		cm, err := exactlyOnce(ctx, c, effectWrite[Comment]{
			what: "adding a comment to request " + in.IssueKey,
			write: func(ctx context.Context, e action.Effect) (Comment, error) {
				props := append(effectProperties(e.Key), EntityProperty{Key: sdPublicCommentProperty, Value: map[string]bool{"internal": in.Internal}})
				return decoded(c.Comments.Add(ctx, in.IssueKey, CommentBody{Body: in.Body, Properties: props}))
			},
			find: func(ctx context.Context, e action.Effect) (Comment, bool, error) {
				return c.Comments.FindByEffect(ctx, in.IssueKey, e.Key, since(e))
			},
		})
		if err != nil {
			return RequestComment{}, err
		}
		return RequestComment{ID: cm.ID, Body: cm.Body, Public: !in.Internal, Author: cm.Author,
			Created: ServiceDeskDate{Jira: cm.Created.Format("2006-01-02T15:04:05.000-0700"), ISO8601: cm.Created.Format("2006-01-02T15:04:05-0700"), EpochMillis: cm.Created.UnixMilli()}}, nil
	})
}

// ListRequestCommentsInput is the input of list_request_comments.
type ListRequestCommentsInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// PublicOnly leaves internal comments out.
	PublicOnly bool `json:"publicOnly,omitempty" expr:"publicOnly"`
	// Limit caps the number of comments (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListRequestCommentsInput) validate() error { return validIssueItems(in.IssueKey, in.Limit) }

// ListRequestComments returns the list_request_comments action.
func (c *Client) ListRequestComments() action.Action[ListRequestCommentsInput, []RequestComment] {
	return newAction(c, "list_request_comments", ListRequestCommentsInput.validate, func(ctx context.Context, in ListRequestCommentsInput) ([]RequestComment, error) {
		seq := allPages(ctx, func(ctx context.Context, start int) ([]RequestComment, *Response, error) {
			return c.ServiceDesk.Comments(ctx, in.IssueKey, RequestCommentListOptions{PageOptions: PageOptions{Start: start}, PublicOnly: in.PublicOnly})
		})
		return upTo(seq, in.Limit, 1000)
	})
}

// RequestStatusResult is the output of get_request_status.
type RequestStatusResult struct {
	IssueKey string        `json:"issueKey" expr:"issueKey"`
	Current  RequestStatus `json:"current" expr:"current"`
	// History lists every status the request has been in, newest first.
	History []RequestStatus `json:"history" expr:"history"`
}

// GetRequestStatus returns the get_request_status action.
func (c *Client) GetRequestStatus() action.Action[RequestKeyInput, RequestStatusResult] {
	return newAction(c, "get_request_status", RequestKeyInput.validate, func(ctx context.Context, in RequestKeyInput) (RequestStatusResult, error) {
		seq := allPages(ctx, func(ctx context.Context, start int) ([]RequestStatus, *Response, error) {
			return c.ServiceDesk.Statuses(ctx, in.IssueKey, PageOptions{Start: start})
		})
		hist, _, err := collect(seq, 0, 1000)
		if err != nil {
			return RequestStatusResult{}, err
		}
		out := RequestStatusResult{IssueKey: in.IssueKey, History: hist}
		if len(hist) > 0 {
			out.Current = hist[0]
		}
		return out, nil
	})
}

// GetRequestSLAs returns the get_request_slas action.
func (c *Client) GetRequestSLAs() action.Action[RequestKeyInput, []SLA] {
	return newAction(c, "get_request_slas", RequestKeyInput.validate, func(ctx context.Context, in RequestKeyInput) ([]SLA, error) {
		seq := allPages(ctx, func(ctx context.Context, start int) ([]SLA, *Response, error) {
			return c.ServiceDesk.SLAs(ctx, in.IssueKey, PageOptions{Start: start})
		})
		return upTo(seq, 0, 1000)
	})
}

// TransitionRequestInput is the input of transition_request.
type TransitionRequestInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Transition is the transition's id or name, as the request's
	// customer transitions list them (names match case-insensitively).
	Transition string `json:"transition" expr:"transition"`
	// Comment is an optional public comment added with the transition.
	Comment string `json:"comment,omitempty" expr:"comment"`
}

func (in TransitionRequestInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("transition", in.Transition, "give the transition's id or name"))
}

// TransitionRequestResult is the output of transition_request.
type TransitionRequestResult struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Transition is the id of the transition taken.
	Transition string `json:"transition" expr:"transition"`
	// Status is the request's status afterwards.
	Status RequestStatus `json:"status" expr:"status"`
}

// TransitionRequest returns the transition_request action.
//
// Not idempotent, and at most once: a transition is looked up by id or
// name among the request's available ones; when it is not available
// (already taken by an earlier attempt, or the request moved on) the
// error says so and nothing is sent.
func (c *Client) TransitionRequest() action.Action[TransitionRequestInput, TransitionRequestResult] {
	return newAction(c, "transition_request", TransitionRequestInput.validate, func(ctx context.Context, in TransitionRequestInput) (TransitionRequestResult, error) {
		out := TransitionRequestResult{IssueKey: in.IssueKey}
		list, _, err := c.ServiceDesk.Transitions(ctx, in.IssueKey, PageOptions{Limit: 100})
		if err != nil {
			return out, err
		}
		var names []string
		for _, t := range list {
			if t.ID == in.Transition || strings.EqualFold(t.Name, in.Transition) {
				out.Transition = t.ID
			}
			names = append(names, fmt.Sprintf("%q (%s)", t.Name, t.ID))
		}
		if out.Transition == "" {
			return out, action.Permanent(fmt.Errorf("jira: request %s has no transition %q available now; available: %s", in.IssueKey, in.Transition, strings.Join(names, ", ")))
		}
		if _, err := c.ServiceDesk.Transition(ctx, in.IssueKey, out.Transition, in.Comment); err != nil {
			return out, err
		}
		r, _, err := c.ServiceDesk.Request(ctx, in.IssueKey)
		if err != nil {
			return out, err
		}
		out.Status = r.CurrentStatus
		return out, nil
	})
}
