package jira

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/trigger"
)

func pollSprints(t *testing.T, tr trigger.Trigger[SprintEvent], cur trigger.Cursor) ([]string, trigger.Page[SprintEvent]) {
	t.Helper()
	page, err := tr.Poll(ctx, cur)
	if err != nil {
		t.Fatalf("%s: %v", tr.Info().Name, err)
	}
	if page.More {
		t.Errorf("%s: More after reading the whole board", tr.Info().Name)
	}
	ids := make([]string, len(page.Events))
	for i, ev := range page.Events {
		ids[i] = ev.ID
	}
	return ids, page
}

// TestSprintTriggers: the first poll remembers the sprints started or
// closed before Since without emitting them; later polls emit each sprint
// that starts or closes once, even one started with a start date in the
// past; a replayed cursor gives the same events again; in both modes.
func TestSprintTriggers(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		started := e.jc.SprintStarted(SprintPollOptions{BoardID: ag.Board.ID})
		closed := e.jc.SprintClosed(SprintPollOptions{BoardID: ag.Board.ID})
		for _, tr := range []trigger.Trigger[SprintEvent]{started, closed} {
			if err := tr.(trigger.Validator).Validate(); err != nil {
				t.Fatal(err)
			}
			if in := tr.Info(); in.Connector != "jira" || in.PollInterval != DefaultPollInterval || in.Permissions[0] != "BROWSE_PROJECTS" {
				t.Errorf("%s info %+v", in.Name, in)
			}
		}
		ids, sp := pollSprints(t, started, nil)
		ids2, cp := pollSprints(t, closed, nil)
		if len(ids) != 0 || len(ids2) != 0 {
			t.Fatalf("first polls emitted sprints older than Since: %v %v", ids, ids2)
		}

		if _, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: ag.Active.ID}); err != nil {
			t.Fatal(err)
		}
		// Started with a start date long past: still a new start.
		if _, err := e.jc.StartSprint().Run(ctx, StartSprintInput{SprintID: ag.Future.ID, StartDate: "2020-01-06T09:00:00.000+0000", EndDate: "2031-01-01"}); err != nil {
			t.Fatal(err)
		}
		ids, sp2 := pollSprints(t, started, sp.Next)
		if want := fmt.Sprintf("sprint-started:%d", ag.Future.ID); len(ids) != 1 || ids[0] != want {
			t.Fatalf("sprint_started = %v, want [%s]", ids, want)
		}
		ev := sp2.Events[0]
		if ev.Data.Sprint.State != SprintActive || ev.Data.BoardID != ag.Board.ID || ev.Data.Sprint.Name != ag.Future.Name {
			t.Errorf("sprint_started event %+v", ev.Data)
		}
		// Data Center says when the sprint was started; Cloud has only
		// the start date chosen.
		if e.mode == jiratest.DataCenter && time.Since(ev.Time) > time.Minute || e.mode == jiratest.Cloud && ev.Time.Year() != 2020 {
			t.Errorf("%s: sprint_started event time %v", e.mode, ev.Time)
		}
		ids2, cp2 := pollSprints(t, closed, cp.Next)
		if want := fmt.Sprintf("sprint-closed:%d", ag.Active.ID); len(ids2) != 1 || ids2[0] != want || cp2.Events[0].Data.Sprint.CompleteDate.IsZero() {
			t.Fatalf("sprint_closed = %v, want [%s]", ids2, want)
		}

		// Nothing new: nothing emitted. A replayed cursor: the same events.
		if ids, _ := pollSprints(t, started, sp2.Next); len(ids) != 0 {
			t.Errorf("sprint_started emitted %v again", ids)
		}
		if ids, _ := pollSprints(t, closed, cp2.Next); len(ids) != 0 {
			t.Errorf("sprint_closed emitted %v again", ids)
		}
		if again, _ := pollSprints(t, started, sp.Next); len(again) != 1 || again[0] != sp2.Events[0].ID {
			t.Errorf("replaying the cursor gave %v, want the same event", again)
		}

		// A cursor of another board is refused.
		other := e.jc.SprintStarted(SprintPollOptions{BoardID: ag.Kanban.ID})
		if _, err := other.Poll(ctx, sp.Next); err == nil || !strings.Contains(err.Error(), "board") {
			t.Errorf("another board's cursor: %v", err)
		}
	})
}

// TestSprintTriggersSinceAndPaging: Since set in the past emits the
// sprints started or closed after it on the first poll, across pages of
// sprints.
func TestSprintTriggersSinceAndPaging(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		now := time.Now()
		for i := range 60 {
			end := now.Add(-time.Duration(200-i) * time.Hour)
			e.srv.AddSprint(jiratest.Sprint{Name: fmt.Sprintf("old %d", i), BoardID: ag.Board.ID, State: "closed",
				StartDate: end.Add(-24 * time.Hour), EndDate: end, CompleteDate: end})
		}
		ids, _ := pollSprints(t, e.jc.SprintStarted(SprintPollOptions{BoardID: ag.Board.ID, Since: now.Add(-48 * time.Hour)}), nil)
		if len(ids) != 1 || ids[0] != fmt.Sprintf("sprint-started:%d", ag.Active.ID) {
			t.Errorf("sprints started in the last two days = %v", ids)
		}
		ids, page := pollSprints(t, e.jc.SprintClosed(SprintPollOptions{BoardID: ag.Board.ID, Since: now.Add(-300 * time.Hour)}), nil)
		if len(ids) != 61 {
			t.Fatalf("sprints closed in the last 300 hours = %d, want 61 (60 over two pages, and the seeded one)", len(ids))
		}
		for i := 1; i < len(page.Events); i++ {
			if page.Events[i].Time.Before(page.Events[i-1].Time) {
				t.Fatalf("events out of time order at %d: %v then %v", i, page.Events[i-1].Time, page.Events[i].Time)
			}
		}
	})
}

// TestSprintTriggersValidate refuses a trigger without a board before any
// request.
func TestSprintTriggersValidate(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	e.srv.ResetRequests()
	for _, tr := range []trigger.Trigger[SprintEvent]{e.jc.SprintStarted(SprintPollOptions{}), e.jc.SprintClosed(SprintPollOptions{BoardID: 1, PollInterval: -time.Second})} {
		err := tr.(trigger.Validator).Validate()
		if err == nil {
			t.Errorf("%s: no validation error", tr.Info().Name)
			continue
		}
		if _, perr := tr.Poll(ctx, nil); perr == nil {
			t.Errorf("%s polled despite %v", tr.Info().Name, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("invalid triggers sent %d requests", n)
	}
	if _, err := e.jc.SprintStarted(SprintPollOptions{BoardID: 99}).Poll(ctx, nil); err == nil || !strings.Contains(err.Error(), "board 99 was not found") {
		t.Errorf("an unknown board: %v", err)
	}
}
