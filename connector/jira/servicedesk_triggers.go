package jira

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/recipekit/recipekit/trigger"
)

// TriggerNewRequest is the machine name of the new customer request
// trigger.
const TriggerNewRequest = "new_request"

// NewRequestOptions configures the new customer request trigger.
type NewRequestOptions struct {
	PollOptions
	// ServiceDeskID is the desk whose requests the trigger emits
	// (required; list_service_desks shows the ids). Its project replaces
	// PollOptions.Project.
	ServiceDeskID string
	// RequestTypeID keeps only requests of one request type; empty keeps
	// every type.
	RequestTypeID string
}

// RequestEvent is a new customer request with its issue.
type RequestEvent struct {
	Request CustomerRequest `json:"request" expr:"request"`
	// Issue is the request's issue as the search returned it.
	Issue Issue `json:"issue" expr:"issue"`
}

// NewCustomerRequest returns a polling trigger that emits each customer request
// raised in a service desk (optionally of one request type), once. It
// polls the desk's project for new issues, with the same cursor, overlap
// and dedup ledger as new_issue, and reads each new issue's request
// through the servicedeskapi: issues created in the project directly
// (not requests) and requests of other types are skipped. Event IDs are
// "request-created:<issue id>".
func (c *Client) NewCustomerRequest(opts NewRequestOptions) trigger.Trigger[RequestEvent] {
	t := &requestTrigger{c: c, opts: opts}
	t.info = trigger.Info{Name: TriggerNewRequest, Title: "New customer request", Connector: ConnectorName,
		Description: "Emits each customer request raised in a Jira Service Management service desk (optionally of one request type), once.",
		Permissions: []string{"BROWSE_PROJECTS"}}
	probe := opts.PollOptions
	if err := probe.defaults(); err != nil {
		t.err = fmt.Errorf("jira: trigger %s: %w", TriggerNewRequest, err)
	}
	t.info.PollInterval = probe.PollInterval
	if err := validDeskID("serviceDeskId", opts.ServiceDeskID); err != nil {
		t.err = errors.Join(t.err, fmt.Errorf("jira: trigger %s: %w", TriggerNewRequest, err))
	}
	return t
}

type requestTrigger struct {
	c    *Client
	opts NewRequestOptions
	info trigger.Info
	err  error

	mu    sync.Mutex
	inner *poller[RequestEvent]
}

// Info describes the trigger.
func (t *requestTrigger) Info() trigger.Info { return t.info }

// Validate reports a missing or malformed service desk id and bad poll
// options.
func (t *requestTrigger) Validate() error { return t.err }

// poller builds, once, the JQL poller over the desk's project.
func (t *requestTrigger) poller(ctx context.Context) (*poller[RequestEvent], error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inner != nil {
		return t.inner, nil
	}
	desk, _, err := t.c.ServiceDesk.Get(ctx, t.opts.ServiceDeskID)
	if err != nil {
		return nil, fmt.Errorf("jira: trigger %s: reading service desk %s: %w", TriggerNewRequest, t.opts.ServiceDeskID, err)
	}
	po := t.opts.PollOptions
	po.Project = desk.ProjectKey
	deskID, typeID := t.opts.ServiceDeskID, t.opts.RequestTypeID
	spec := pollSpec[RequestEvent]{
		info:      t.info,
		timeField: "created",
		extract: func(ctx context.Context, c *Client, is Issue, floor int64) ([]found[RequestEvent], error) {
			ms := timeMs(is.Fields.Created)
			if ms < floor || is.ID == "" {
				return nil, nil
			}
			r, _, err := c.ServiceDesk.Request(ctx, is.Key)
			if errors.Is(err, ErrNotFound) {
				return nil, nil // an issue created in the project, not a request
			}
			if err != nil {
				return nil, err
			}
			if r.ServiceDeskID != deskID || typeID != "" && r.RequestTypeID != typeID {
				return nil, nil
			}
			return []found[RequestEvent]{{id: "request-created:" + is.ID, ms: ms, author: creatorOf(is), data: RequestEvent{Request: r, Issue: bare(is)}}}, nil
		},
	}
	t.inner = newPoller(t.c, po, spec)
	return t.inner, nil
}

// Poll reads the next page of new requests. See trigger.Trigger.
func (t *requestTrigger) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[RequestEvent], error) {
	if t.err != nil {
		return trigger.Page[RequestEvent]{}, t.err
	}
	p, err := t.poller(ctx)
	if err != nil {
		return trigger.Page[RequestEvent]{}, err
	}
	return p.Poll(ctx, cursor)
}
