package recipe

import (
	"context"
	"errors"
	"fmt"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/trigger"
)

// ErrDuplicateEvent is returned by [Engine.Trigger] when an event with the
// same ID was accepted before: no second job is made.
var ErrDuplicateEvent = errors.New("recipe: an event with this ID was already accepted")

// ErrEventSkipped is returned by [Engine.Trigger] when the recipe's
// trigger condition (When) dropped the event.
var ErrEventSkipped = errors.New("recipe: the trigger condition dropped the event")

// Trigger hands the named recipe an event, as if its trigger had emitted
// it: the event goes through the recipe's trigger conditions and the dedup
// ledger, becomes a pending job in the store, and runs at once when the
// engine is running, or with the next RunOnce otherwise. It returns the
// job's ID. This is how a recipe built on a [trigger.Manual] trigger runs
// ("search once, then act on each result" from a command or a button),
// and it works for any recipe: a scheduled report can be run now.
//
// event.Data must be of the recipe's trigger type (or a pointer to one),
// its JSON as a json.RawMessage, or nil for the type's zero value.
// event.ID is the dedup key: Trigger with an ID already accepted makes no
// second job and returns the earlier job's ID (when the store still has
// it) with an error wrapping [ErrDuplicateEvent], so a caller may retry a
// Trigger whose outcome it did not learn. An empty ID gets a new unique
// one, so each such call makes a job. A zero event.Time is the engine's
// clock's now. An event the recipe's conditions drop makes no job and
// returns an error wrapping [ErrEventSkipped] that names the condition.
func (e *Engine) Trigger(ctx context.Context, recipe string, event trigger.Event[any]) (string, error) {
	if e.rt.store == nil {
		return "", errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	ent, err := e.entry(recipe)
	if err != nil {
		return "", fmt.Errorf("recipe: trigger: %w", err)
	}
	data, err := ent.r.src.convert(event.Data)
	if err != nil {
		return "", fmt.Errorf("recipe: trigger %q: %w", recipe, err)
	}
	now := e.rt.clock.Now()
	if event.ID == "" {
		event.ID = "manual:" + newJobID(now)
	}
	if event.Time.IsZero() {
		event.Time = now
	}
	m, _ := ent.vms.Get().(*vm.VM)
	if m == nil {
		m = &vm.VM{MemoryBudget: ent.r.opts.PillMemoryBudget}
	}
	res, qs, err := e.accept(ctx, ent, m, newRecordBuf(maxPageBuf), []rawEvent{{ID: event.ID, Time: event.Time, Data: data}}, nil, false)
	ent.vms.Put(m)
	if err != nil {
		return "", fmt.Errorf("recipe: trigger %q: store the event: %w", recipe, err)
	}
	e.rt.hooks.PollFinished(ctx, recipe, res)
	switch {
	case res.Skipped > 0:
		for reason := range res.SkippedBy {
			return "", fmt.Errorf("recipe: trigger %q: event %q: %s: %w", recipe, event.ID, reason, ErrEventSkipped)
		}
	case res.Duplicates > 0:
		var earlier string
		for j, err := range e.rt.store.Jobs(ctx, JobQuery{Recipe: recipe, EventID: event.ID, Limit: 1}) {
			if err == nil {
				earlier = j.ID
			}
		}
		return earlier, fmt.Errorf("recipe: trigger %q: event %q: %w", recipe, event.ID, ErrDuplicateEvent)
	}
	if len(qs) == 0 {
		// Stored failed: its condition could not be evaluated.
		for j, err := range e.rt.store.Jobs(ctx, JobQuery{Recipe: recipe, EventID: event.ID, Limit: 1}) {
			if err != nil {
				return "", fmt.Errorf("recipe: trigger %q: %w", recipe, err)
			}
			return j.ID, nil
		}
		return "", fmt.Errorf("recipe: trigger %q: event %q was accepted but its job cannot be found", recipe, event.ID)
	}
	e.mu.Lock()
	run := ent.run
	e.mu.Unlock()
	if run != nil {
		run.push(qs...)
	}
	return qs[0].job.ID, nil
}
