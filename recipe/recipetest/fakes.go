package recipetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

// Trigger is a fake polling trigger over a fixed list of events. The cursor
// is the number of events already returned, so a restart from an older
// cursor returns the same events again, as real triggers do.
type Trigger[T any] struct {
	// PageSize is the most events one poll returns; default 100.
	PageSize int
	// Interval is the PollInterval the trigger reports; default 1 minute.
	Interval time.Duration

	mu     sync.Mutex
	events []trigger.Event[T]
	polls  int
	errs   []error
}

// Events returns a trigger that emits events in order.
func Events[T any](events ...trigger.Event[T]) *Trigger[T] {
	return &Trigger[T]{events: events}
}

// Data returns a trigger that emits one event per value, with IDs "1", "2",
// ... and times one second apart from 2024-01-01 UTC.
func Data[T any](values ...T) *Trigger[T] {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]trigger.Event[T], len(values))
	for i, v := range values {
		evs[i] = trigger.Event[T]{ID: strconv.Itoa(i + 1), Time: base.Add(time.Duration(i) * time.Second), Data: v}
	}
	return Events(evs...)
}

// Add appends events; the next poll returns them.
func (t *Trigger[T]) Add(events ...trigger.Event[T]) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, events...)
}

// FailNext makes the next polls return these errors, one per poll.
func (t *Trigger[T]) FailNext(errs ...error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, errs...)
}

// Polls returns how many times Poll was called.
func (t *Trigger[T]) Polls() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.polls
}

// Info implements trigger.Trigger.
func (t *Trigger[T]) Info() trigger.Info {
	iv := t.Interval
	if iv == 0 {
		iv = time.Minute
	}
	return trigger.Info{Name: "events", Connector: "recipetest", Title: "Fixed events", PollInterval: iv}
}

// Poll implements trigger.Trigger.
func (t *Trigger[T]) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[T], error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.polls++
	if len(t.errs) > 0 {
		err := t.errs[0]
		t.errs = t.errs[1:]
		return trigger.Page[T]{}, err
	}
	off := 0
	if len(cursor) > 0 {
		n, err := strconv.Atoi(string(cursor))
		if err != nil || n < 0 {
			return trigger.Page[T]{}, fmt.Errorf("recipetest: bad cursor %q", cursor)
		}
		off = min(n, len(t.events))
	}
	size := t.PageSize
	if size <= 0 {
		size = 100
	}
	end := min(off+size, len(t.events))
	page := trigger.Page[T]{
		Events:  append([]trigger.Event[T](nil), t.events[off:end]...),
		Next:    trigger.Cursor(strconv.Itoa(end)),
		More:    end < len(t.events),
		Backlog: int64(len(t.events) - end),
	}
	return page, nil
}

// Action is a fake action that records every input it receives and answers
// with its function.
type Action[In, Out any] struct {
	info action.Info
	fn   func(ctx context.Context, in In) (Out, error)

	mu    sync.Mutex
	calls []In
}

// NewAction returns a fake action named name. A nil fn answers the zero
// Out. The action is not idempotent unless Idempotent is called.
func NewAction[In, Out any](name string, fn func(ctx context.Context, in In) (Out, error)) *Action[In, Out] {
	return &Action[In, Out]{info: action.Info{Name: name, Connector: "recipetest", Title: name}, fn: fn}
}

// Idempotent marks the action idempotent and returns it.
func (a *Action[In, Out]) Idempotent() *Action[In, Out] {
	a.info.Idempotent = true
	return a
}

// EffectChecked marks the action as keeping the action.Effect contract
// (Info.EffectChecked) and returns it; its function reads the effect with
// action.EffectOf.
func (a *Action[In, Out]) EffectChecked() *Action[In, Out] {
	a.info.EffectChecked = true
	return a
}

// Info implements action.Action.
func (a *Action[In, Out]) Info() action.Info { return a.info }

// Validate implements action.Action; it accepts everything.
func (a *Action[In, Out]) Validate(In) error { return nil }

// Run implements action.Action.
func (a *Action[In, Out]) Run(ctx context.Context, in In) (Out, error) {
	a.mu.Lock()
	a.calls = append(a.calls, in)
	a.mu.Unlock()
	if a.fn == nil {
		var zero Out
		return zero, nil
	}
	return a.fn(ctx, in)
}

// Calls returns the inputs received so far, in order.
func (a *Action[In, Out]) Calls() []In {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]In(nil), a.calls...)
}

// InstantClock is a fake recipe.Clock: waits return at once and move the
// clock forward by the wait, and every wait is recorded.
type InstantClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// NewInstantClock returns a clock starting at start (2024-01-01 UTC when
// zero).
func NewInstantClock(start time.Time) *InstantClock {
	if start.IsZero() {
		start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &InstantClock{now: start}
}

// Now implements recipe.Clock.
func (c *InstantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements recipe.Clock: the channel is ready at once.
func (c *InstantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	now := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

// Set sets the clock to t, forward or back, as an operator or NTP setting
// the wall clock would. Waits already returned are not affected.
func (c *InstantClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Waits returns the waits asked for so far, in order.
func (c *InstantClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
