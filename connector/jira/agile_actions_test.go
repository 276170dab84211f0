package jira

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// TestAgileActions runs every Jira Software action against the simulator
// in both modes: boards, a sprint's whole life, moves of more issues than
// one request takes, epics and rank.
func TestAgileActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()

		boards, err := e.jc.ListBoards().Run(ctx, ListBoardsInput{Project: "DEMO", Type: "kanban"})
		if err != nil || len(boards) != 1 || boards[0].ID != ag.Kanban.ID {
			t.Errorf("list_boards kanban in DEMO = %+v, %v", boards, err)
		}
		if boards, err = e.jc.ListBoards().Run(ctx, ListBoardsInput{Name: "board", Limit: 1}); err != nil || len(boards) != 1 {
			t.Errorf("list_boards with limit 1 = %+v, %v", boards, err)
		}

		sprints, err := e.jc.ListSprints().Run(ctx, ListSprintsInput{BoardID: ag.Board.ID, State: "closed, future"})
		if err != nil || len(sprints) != 2 || sprints[0].ID != ag.Closed.ID || sprints[1].ID != ag.Future.ID {
			t.Fatalf("list_sprints closed,future = %+v, %v", sprints, err)
		}
		got, err := e.jc.GetSprint().Run(ctx, SprintInput{SprintID: ag.Active.ID})
		if err != nil || got.State != SprintActive || got.Goal != "Log in" || got.StartDate.IsZero() {
			t.Errorf("get_sprint = %+v, %v", got, err)
		}

		created, err := e.jc.CreateSprint().Run(ctx, CreateSprintInput{BoardID: ag.Board.ID, Name: "Hardening", Goal: "No open bugs", StartDate: "2030-03-02", EndDate: "2030-03-16"})
		if err != nil || created.State != SprintFuture || created.Goal != "No open bugs" || created.StartDate.UTC().Format("2006-01-02") != "2030-03-02" {
			t.Fatalf("create_sprint = %+v, %v", created, err)
		}
		upd, err := e.jc.UpdateSprint().Run(ctx, UpdateSprintInput{SprintID: created.ID, Name: "Hardening II", ClearGoal: true})
		if err != nil || upd.Name != "Hardening II" || upd.Goal != "" || !upd.StartDate.Equal(created.StartDate.Time) {
			t.Errorf("update_sprint = %+v, %v", upd, err)
		}

		// Only one sprint is active on a board: close the active one first.
		closed, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: ag.Active.ID})
		if err != nil || closed.State != SprintClosed {
			t.Fatalf("close_sprint = %+v, %v", closed, err)
		}
		e.srv.ResetRequests()
		again, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: ag.Active.ID})
		if err != nil || again.State != SprintClosed || requestsTo(e, "POST", "/rest/agile/1.0/sprint") != 0 {
			t.Errorf("closing a closed sprint = %+v, %v (%d POSTs); want it as it is, nothing sent", again, err, requestsTo(e, "POST", "/rest/agile/1.0/sprint"))
		}
		if _, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: ag.Future.ID}); err == nil || !strings.Contains(err.Error(), "has not started") {
			t.Errorf("closing a future sprint: %v", err)
		}

		// Starting without dates: now, and the planned end date.
		before := time.Now().Add(-time.Second)
		started, err := e.jc.StartSprint().Run(ctx, StartSprintInput{SprintID: created.ID})
		if err != nil || started.State != SprintActive || started.StartDate.Before(before) || !started.EndDate.Equal(created.EndDate.Time) {
			t.Fatalf("start_sprint = %+v, %v; want it started now, ending %v", started, err, created.EndDate)
		}
		e.srv.ResetRequests()
		if again, err := e.jc.StartSprint().Run(ctx, StartSprintInput{SprintID: created.ID}); err != nil || again.ID != created.ID || requestsTo(e, "POST", "/rest/agile/1.0/sprint") != 0 {
			t.Errorf("starting an active sprint = %+v, %v; want it as it is, nothing sent", again, err)
		}
		if _, err := e.jc.StartSprint().Run(ctx, StartSprintInput{SprintID: ag.Closed.ID}); err == nil || !strings.Contains(err.Error(), "cannot be started again") {
			t.Errorf("starting a closed sprint: %v", err)
		}
		// A sprint without a planned end runs two weeks.
		bare, err := e.jc.CreateSprint().Run(ctx, CreateSprintInput{BoardID: ag.Board.ID, Name: "Unplanned"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: created.ID}); err != nil {
			t.Fatal(err)
		}
		s2, err := e.jc.StartSprint().Run(ctx, StartSprintInput{SprintID: bare.ID, StartDate: "2030-01-06T09:00:00.000+0000"})
		if err != nil || s2.EndDate.Sub(s2.StartDate.Time) != DefaultSprintLength {
			t.Errorf("start_sprint without any end = %+v, %v; want two weeks", s2, err)
		}

		// 60 issues move in two requests, and back to the backlog.
		var keys []string
		for i := range 60 {
			keys = append(keys, e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Story", Summary: fmt.Sprintf("story %d", i)}).Key)
		}
		e.srv.ResetRequests()
		moved, err := e.jc.MoveIssuesToSprint().Run(ctx, MoveToSprintInput{SprintID: bare.ID, IssueKeys: keys})
		if err != nil || moved.Count != 60 || moved.SprintID != bare.ID {
			t.Fatalf("move_issues_to_sprint = %+v, %v", moved, err)
		}
		if n := requestsTo(e, "POST", fmt.Sprintf("/rest/agile/1.0/sprint/%d/issue", bare.ID)); n != 2 {
			t.Errorf("60 issues moved in %d requests, want 2", n)
		}
		if sp, ok := e.srv.SprintOf(keys[59]); !ok || sp.ID != bare.ID {
			t.Errorf("the 60th issue is in %+v, %v", sp, ok)
		}
		if _, err := e.jc.MoveIssuesToSprint().Run(ctx, MoveToSprintInput{SprintID: bare.ID, IssueKeys: keys[:3]}); err != nil {
			t.Errorf("moving issues already in the sprint again: %v", err)
		}
		back, err := e.jc.MoveIssuesToBacklog().Run(ctx, MoveToBacklogInput{IssueKeys: keys[:55]})
		if err != nil || back.Count != 55 || back.SprintID != 0 {
			t.Fatalf("move_issues_to_backlog = %+v, %v", back, err)
		}
		if _, ok := e.srv.SprintOf(keys[54]); ok {
			t.Errorf("%s is still in a sprint", keys[54])
		}
		if sp, ok := e.srv.SprintOf(keys[55]); !ok || sp.ID != bare.ID {
			t.Errorf("%s left the sprint too", keys[55])
		}

		// Epics.
		for _, k := range []string{"DEMO-3", "DEMO-2"} {
			res, err := e.jc.SetEpic().Run(ctx, SetEpicInput{IssueKey: k, EpicKey: ag.Epic.Key})
			if err != nil || res.EpicKey != ag.Epic.Key {
				t.Fatalf("set_epic %s = %+v, %v", k, res, err)
			}
		}
		epicIssues, err := e.jc.ListEpicIssues().Run(ctx, ListEpicIssuesInput{EpicKey: ag.Epic.Key})
		if err != nil || !slices.Equal(keysOf(epicIssues), []string{"DEMO-2", "DEMO-3"}) {
			t.Errorf("list_epic_issues = %v, %v", keysOf(epicIssues), err)
		}
		if res, err := e.jc.SetEpic().Run(ctx, SetEpicInput{IssueKey: "DEMO-2", Remove: true}); err != nil || res.EpicKey != "" || e.srv.EpicOf("DEMO-2") != "" {
			t.Errorf("set_epic remove = %+v, %v; epic now %q", res, err, e.srv.EpicOf("DEMO-2"))
		}
		if _, err := e.jc.SetEpic().Run(ctx, SetEpicInput{IssueKey: "DEMO-404", EpicKey: ag.Epic.Key}); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrValidation) {
			t.Errorf("set_epic on a missing issue: %v", err)
		}

		// Rank 60 issues after DEMO-1: two requests, the order kept.
		slices.Reverse(keys)
		e.srv.ResetRequests()
		if res, err := e.jc.RankIssues().Run(ctx, RankIssuesInput{IssueKeys: keys, After: "DEMO-1"}); err != nil || res.Count != 60 {
			t.Fatalf("rank_issues = %+v, %v", res, err)
		}
		if n := requestsTo(e, "PUT", "/rest/agile/1.0/issue/rank"); n != 2 {
			t.Errorf("60 issues ranked in %d requests, want 2", n)
		}
		order := e.srv.RankOrder("DEMO")
		at := slices.Index(order, "DEMO-1")
		if at < 0 || at+61 > len(order) || !slices.Equal(order[at+1:at+61], keys) {
			t.Errorf("rank order after DEMO-1 = %v, want %v", order[at+1:min(len(order), at+61)], keys)
		}
		if _, err := e.jc.RankIssues().Run(ctx, RankIssuesInput{IssueKeys: []string{"DEMO-2", "DEMO-404"}, Before: "DEMO-1"}); err == nil || !strings.Contains(err.Error(), "DEMO-404") {
			t.Errorf("rank_issues with an unknown issue: %v, want the issue named", err)
		}
	})
}

// TestAgileActionsValidate refuses bad input before any request.
func TestAgileActionsValidate(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	e.srv.ResetRequests()
	jc := e.jc
	many := make([]string, 0, 2)
	many = append(many, "DEMO-1", "demo-1")
	cases := []struct {
		name  string
		run   func() error
		field string
	}{
		{"list_boards type", runErr(jc.ListBoards(), ListBoardsInput{Type: "agility"}), "type"},
		{"list_boards limit", runErr(jc.ListBoards(), ListBoardsInput{Limit: -1}), "limit"},
		{"list_sprints board", runErr(jc.ListSprints(), ListSprintsInput{}), "boardId"},
		{"list_sprints state", runErr(jc.ListSprints(), ListSprintsInput{BoardID: 1, State: "open"}), "state"},
		{"get_sprint id", runErr(jc.GetSprint(), SprintInput{SprintID: -3}), "sprintId"},
		{"create_sprint name", runErr(jc.CreateSprint(), CreateSprintInput{BoardID: 1}), "name"},
		{"create_sprint dates", runErr(jc.CreateSprint(), CreateSprintInput{BoardID: 1, Name: "x", StartDate: "2030-03-16", EndDate: "2030-03-02"}), "endDate"},
		{"create_sprint bad date", runErr(jc.CreateSprint(), CreateSprintInput{BoardID: 1, Name: "x", StartDate: "next monday"}), "startDate"},
		{"update_sprint nothing", runErr(jc.UpdateSprint(), UpdateSprintInput{SprintID: 1}), ""},
		{"update_sprint goal", runErr(jc.UpdateSprint(), UpdateSprintInput{SprintID: 1, Goal: "g", ClearGoal: true}), "clearGoal"},
		{"start_sprint id", runErr(jc.StartSprint(), StartSprintInput{}), "sprintId"},
		{"close_sprint id", runErr(jc.CloseSprint(), SprintInput{}), "sprintId"},
		{"move none", runErr(jc.MoveIssuesToSprint(), MoveToSprintInput{SprintID: 1}), "issueKeys"},
		{"move twice", runErr(jc.MoveIssuesToSprint(), MoveToSprintInput{SprintID: 1, IssueKeys: many}), "issueKeys[1]"},
		{"backlog bad key", runErr(jc.MoveIssuesToBacklog(), MoveToBacklogInput{IssueKeys: []string{"DEMO 1"}}), "issueKeys[0]"},
		{"list_epic_issues order", runErr(jc.ListEpicIssues(), ListEpicIssuesInput{EpicKey: "DEMO-6", JQL: "status = Done ORDER BY key"}), "jql"},
		{"set_epic none", runErr(jc.SetEpic(), SetEpicInput{IssueKey: "DEMO-1"}), "epicKey"},
		{"set_epic both", runErr(jc.SetEpic(), SetEpicInput{IssueKey: "DEMO-1", EpicKey: "DEMO-6", Remove: true}), "remove"},
		{"set_epic self", runErr(jc.SetEpic(), SetEpicInput{IssueKey: "DEMO-6", EpicKey: "demo-6"}), "epicKey"},
		{"rank no anchor", runErr(jc.RankIssues(), RankIssuesInput{IssueKeys: []string{"DEMO-1"}}), "before"},
		{"rank both", runErr(jc.RankIssues(), RankIssuesInput{IssueKeys: []string{"DEMO-1"}, Before: "DEMO-2", After: "DEMO-3"}), "after"},
		{"rank itself", runErr(jc.RankIssues(), RankIssuesInput{IssueKeys: []string{"DEMO-1", "DEMO-2"}, After: "DEMO-2"}), "issueKeys[1]"},
	}
	for _, tc := range cases {
		err := tc.run()
		var ve *action.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a validation error", tc.name, err)
			continue
		}
		if ve.Field != tc.field {
			t.Errorf("%s: the error names %q (%v), want %q", tc.name, ve.Field, err, tc.field)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("invalid inputs sent %d requests", n)
	}
}

// runErr returns a run of a with in that keeps only its error.
func runErr[In, Out any](a action.Action[In, Out], in In) func() error {
	return func() error {
		_, err := a.Run(ctx, in)
		return err
	}
}

// TestSprintActionsNeedManageSprints: a 403 from a sprint action is
// explained with the permission it needs, in both modes.
func TestSprintActionsNeedManageSprints(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		e.srv.SetPermission("DEMO", e.id(e.demo.Alice), "BROWSE_PROJECTS")
		alice := e.client(t, e.demo.Alice)
		_, err := alice.CreateSprint().Run(ctx, CreateSprintInput{BoardID: ag.Board.ID, Name: "not mine"})
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Permission != "MANAGE_SPRINTS_PERMISSION" || !pe.Checked || pe.HasPermission {
			t.Fatalf("create_sprint as a user without Manage Sprints: %v", err)
		}
		if _, err := alice.MoveIssuesToSprint().Run(ctx, MoveToSprintInput{SprintID: ag.Active.ID, IssueKeys: []string{"DEMO-3"}}); !errors.As(err, &pe) || pe.Permission != "SCHEDULE_ISSUES" {
			t.Errorf("move_issues_to_sprint without Schedule Issues: %v", err)
		}
		if sps, err := alice.ListSprints().Run(ctx, ListSprintsInput{BoardID: ag.Board.ID}); err != nil || len(sps) != 3 {
			t.Errorf("list_sprints with Browse Projects = %d sprints, %v", len(sps), err)
		}
	})
}

// TestStartSprintAfterLostAnswer: start_sprint whose answer is lost reads
// the sprint, finds it active and does not start it again; in both modes.
func TestStartSprintAfterLostAnswer(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		if _, err := e.jc.CloseSprint().Run(ctx, SprintInput{SprintID: ag.Active.ID}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/rest/agile/1.0/sprint/%d", ag.Future.ID)
		e.srv.ResetRequests()
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: path, LoseResponse: jiratest.FaultRate{Next: 1}})
		sp, err := e.jc.StartSprint().Run(context.Background(), StartSprintInput{SprintID: ag.Future.ID, EndDate: "2031-01-01"})
		e.srv.SetFaults(jiratest.Faults{})
		if err != nil || sp.State != SprintActive {
			t.Fatalf("start_sprint after a lost answer = %+v, %v", sp, err)
		}
		if n := requestsTo(e, "POST", path); n != 1 {
			t.Errorf("%d POSTs to start the sprint, want 1", n)
		}
	})
}
