package jira

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// Machine names of the sprint triggers.
const (
	TriggerSprintStarted = "sprint_started"
	TriggerSprintClosed  = "sprint_closed"
)

// SprintPollOptions configures the sprint triggers.
type SprintPollOptions struct {
	// BoardID is the scrum board whose sprints are watched. Required.
	BoardID int64
	// Since is where the trigger starts on its first poll: sprints
	// started (or closed) before it are not emitted. Default one hour
	// before the first poll; fixed in the cursor from then on.
	Since time.Time
	// PollInterval is how often the runtime polls; default 5 minutes.
	PollInterval time.Duration
	// Now is the trigger's clock, for the default Since; default
	// time.Now.
	Now func() time.Time
}

// SprintEvent is a sprint that started or closed. Event IDs are
// "sprint-started:<sprint id>" and "sprint-closed:<sprint id>": a sprint
// starts and closes once.
type SprintEvent struct {
	Sprint Sprint `json:"sprint" expr:"sprint"`
	// BoardID is the board the trigger watches.
	BoardID int64 `json:"boardId" expr:"boardId"`
}

// SprintStarted returns a polling trigger that emits each sprint of a
// board that starts, once, when it is seen active or closed.
//
// How nothing is lost or repeated: each poll reads every active and
// closed sprint of the board (sprints never return to the future state,
// and a closed one stays closed), and the cursor remembers the ids of the
// sprints already handled. The first poll emits the sprints started at or
// after Since and remembers the others without emitting them; every later
// poll emits each sprint it has not seen, whatever date it carries, so a
// sprint started with a start date set in the past is not missed. The
// event's time is the sprint's activatedDate (Data Center) or startDate.
func (c *Client) SprintStarted(opts SprintPollOptions) trigger.Trigger[SprintEvent] {
	return newSprintPoller(c, opts, sprintTriggerSpec{
		info: trigger.Info{Name: TriggerSprintStarted, Title: "Sprint started",
			Description: "Emits each sprint of a scrum board that starts, once, with its dates and goal."},
		prefix: "sprint-started",
		states: []string{SprintActive, SprintClosed},
		when: func(sp Sprint) time.Time {
			if !sp.ActivatedDate.IsZero() {
				return sp.ActivatedDate.Time
			}
			return sp.StartDate.Time
		},
	})
}

// SprintClosed returns a polling trigger that emits each sprint of a board
// that closes, once, as SprintStarted does for starts; the event's time is
// the sprint's completeDate.
func (c *Client) SprintClosed(opts SprintPollOptions) trigger.Trigger[SprintEvent] {
	return newSprintPoller(c, opts, sprintTriggerSpec{
		info: trigger.Info{Name: TriggerSprintClosed, Title: "Sprint closed",
			Description: "Emits each sprint of a scrum board that closes (completes), once, with its dates and goal."},
		prefix: "sprint-closed",
		states: []string{SprintClosed},
		when:   func(sp Sprint) time.Time { return sp.CompleteDate.Time },
	})
}

type sprintTriggerSpec struct {
	info   trigger.Info
	prefix string
	states []string
	when   func(Sprint) time.Time
}

type sprintPoller struct {
	c    *Client
	opts SprintPollOptions
	spec sprintTriggerSpec
	err  error
}

func newSprintPoller(c *Client, opts SprintPollOptions, spec sprintTriggerSpec) *sprintPoller {
	var errs []error
	if opts.BoardID <= 0 {
		errs = append(errs, fmt.Errorf("SprintPollOptions.BoardID is required: give the scrum board's numeric id (list_boards finds it), not %d", opts.BoardID))
	}
	if opts.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("SprintPollOptions.PollInterval %s is negative", opts.PollInterval))
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &sprintPoller{c: c, opts: opts, spec: spec}
	if len(errs) > 0 {
		p.err = fmt.Errorf("jira: trigger %s: %w", spec.info.Name, errors.Join(errs...))
	}
	p.spec.info.Connector = ConnectorName
	p.spec.info.PollInterval = opts.PollInterval
	p.spec.info.Permissions = []string{"BROWSE_PROJECTS"}
	return p
}

// Info describes the trigger.
func (p *sprintPoller) Info() trigger.Info { return p.spec.info }

// Validate reports a missing board or a bad option without any request.
func (p *sprintPoller) Validate() error { return p.err }

const sprintCursorVersion = 1

type sprintCursor struct {
	V int `json:"v"`
	// Since is the start bound of the first poll (epoch ms).
	Since int64 `json:"since"`
	// Board is the board the cursor was made for.
	Board int64 `json:"board"`
	// Seen are the ids of the sprints handled, emitted or not, sorted.
	Seen []int64 `json:"seen"`
}

// Poll reads every sprint of the board in the trigger's states and
// returns the ones not seen before. See trigger.Trigger.
func (p *sprintPoller) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[SprintEvent], error) {
	if p.err != nil {
		return trigger.Page[SprintEvent]{}, p.err
	}
	name := p.spec.info.Name
	var cur *sprintCursor
	if len(cursor) > 0 {
		cur = new(sprintCursor)
		if err := json.Unmarshal(cursor, cur); err != nil {
			return trigger.Page[SprintEvent]{}, fmt.Errorf("jira: trigger %s: the stored cursor is not a sprint trigger cursor (%v); reset the recipe's cursor", name, err)
		}
		if cur.V != sprintCursorVersion {
			return trigger.Page[SprintEvent]{}, fmt.Errorf("jira: trigger %s: the stored cursor has version %d, this trigger reads version %d; reset the recipe's cursor", name, cur.V, sprintCursorVersion)
		}
		if cur.Board != p.opts.BoardID {
			return trigger.Page[SprintEvent]{}, fmt.Errorf("jira: trigger %s: the stored cursor watches board %d, not board %d; reset the recipe's cursor to watch another board", name, cur.Board, p.opts.BoardID)
		}
	}
	first := cur == nil
	if first {
		since := p.opts.Since
		if since.IsZero() {
			since = p.opts.Now().Add(-defaultSinceAgo)
		}
		cur = &sprintCursor{V: sprintCursorVersion, Since: since.UnixMilli(), Board: p.opts.BoardID, Seen: []int64{}}
	}
	var events []trigger.Event[SprintEvent]
	for sp, err := range p.c.Sprints.All(ctx, p.opts.BoardID, SprintListOptions{States: p.spec.states}) {
		if err != nil {
			return trigger.Page[SprintEvent]{}, p.pollError(err)
		}
		if _, seen := slices.BinarySearch(cur.Seen, sp.ID); seen {
			continue
		}
		at := p.spec.when(sp)
		i, _ := slices.BinarySearch(cur.Seen, sp.ID)
		cur.Seen = slices.Insert(cur.Seen, i, sp.ID)
		if first && (at.IsZero() || at.UnixMilli() < cur.Since) {
			continue // the baseline: what was there before Since
		}
		if at.IsZero() {
			at = p.opts.Now()
		}
		events = append(events, trigger.Event[SprintEvent]{
			ID:   p.spec.prefix + ":" + strconv.FormatInt(sp.ID, 10),
			Time: at.UTC(),
			Data: SprintEvent{Sprint: sp, BoardID: p.opts.BoardID},
		})
	}
	slices.SortStableFunc(events, func(a, b trigger.Event[SprintEvent]) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Data.Sprint.ID, b.Data.Sprint.ID))
	})
	next, err := json.Marshal(cur)
	if err != nil {
		return trigger.Page[SprintEvent]{}, fmt.Errorf("jira: trigger %s: encoding the cursor: %w", name, err)
	}
	return trigger.Page[SprintEvent]{Events: events, Next: next}, nil
}

func (p *sprintPoller) pollError(err error) error {
	name := p.spec.info.Name
	if bo := rateLimitBackOff(name, err); bo != nil {
		return bo
	}
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("jira: trigger %s: board %d was not found or is not visible to this account (check the id with list_boards, and the account's Browse Projects permission in its project): %w", name, p.opts.BoardID, err)
	}
	return fmt.Errorf("jira: trigger %s: reading the sprints of board %d: %w", name, p.opts.BoardID, err)
}
