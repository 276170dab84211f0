package jira

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func keysOf(issues []Issue) []string {
	out := make([]string, len(issues))
	for i, is := range issues {
		out[i] = is.Key
	}
	return out
}

// TestAgileBoardsAndSprintsService lists boards by type and project,
// pages through a board's sprints by state, and takes a sprint through its
// life (create, update, start, close) with the issues it holds, in both
// modes.
func TestAgileBoardsAndSprintsService(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		other := e.srv.AddProject(jiratest.Project{Key: "OPS", Name: "Operations"})
		e.srv.AddBoard(jiratest.Board{Name: "OPS board", Project: other.Key})

		scrum, _, err := e.jc.Boards.List(ctx, BoardListOptions{Type: "scrum", Project: "DEMO"})
		if err != nil || len(scrum) != 1 || scrum[0].ID != ag.Board.ID || scrum[0].Location == nil || scrum[0].Location.ProjectKey != "DEMO" {
			t.Fatalf("scrum boards of DEMO = %+v, %v", scrum, err)
		}
		var names []string
		for b, err := range e.jc.Boards.All(ctx, BoardListOptions{ListOptions: ListOptions{MaxResults: 1}}) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, b.Name)
		}
		if !slices.Equal(names, []string{"DEMO board", "DEMO kanban", "OPS board"}) {
			t.Errorf("every board, one per page: %v", names)
		}
		if b, _, err := e.jc.Boards.Get(ctx, ag.Kanban.ID); err != nil || b.Type != "kanban" {
			t.Errorf("Boards.Get(kanban) = %+v, %v", b, err)
		}
		if _, _, err := e.jc.Boards.Get(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown board: %v, want ErrNotFound", err)
		}
		if _, _, err := e.jc.Sprints.List(ctx, ag.Kanban.ID, SprintListOptions{}); !errors.Is(err, ErrValidation) {
			t.Errorf("sprints of a kanban board: %v, want a 400", err)
		}

		open, _, err := e.jc.Sprints.List(ctx, ag.Board.ID, SprintListOptions{States: []string{SprintActive, SprintFuture}})
		if err != nil || len(open) != 2 || open[0].ID != ag.Active.ID || open[1].ID != ag.Future.ID {
			t.Fatalf("open sprints = %+v, %v", open, err)
		}

		// Create, plan, start and close a sprint.
		start := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		sp, _, err := e.jc.Sprints.Create(ctx, SprintBody{Name: "Release train", OriginBoardID: ag.Board.ID})
		if err != nil || sp.State != SprintFuture || sp.ID == 0 || sp.OriginBoardID != ag.Board.ID {
			t.Fatalf("Sprints.Create = %+v, %v", sp, err)
		}
		if e.mode == jiratest.Cloud && sp.CreatedDate.IsZero() {
			t.Error("a Cloud sprint has no createdDate")
		}
		goal := "Ship it"
		sp, _, err = e.jc.Sprints.Update(ctx, sp.ID, SprintBody{Goal: &goal, StartDate: SprintDate(start), EndDate: SprintDate(start.Add(DefaultSprintLength))})
		if err != nil || sp.Goal != goal || !sp.StartDate.Equal(start) || sp.Name != "Release train" {
			t.Fatalf("Sprints.Update = %+v, %v", sp, err)
		}
		if _, _, err := e.jc.Sprints.Start(ctx, sp.ID, start, start.Add(time.Hour)); !errors.Is(err, ErrValidation) {
			t.Errorf("starting a second active sprint on the board: %v, want a 400", err)
		}
		if _, _, err := e.jc.Sprints.Close(ctx, ag.Active.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.srv.Sprints(ag.Board.ID)[1]; got.State != "closed" || !slices.Equal(got.Issues, []string{"DEMO-1", "DEMO-2"}) {
			t.Errorf("the closed sprint keeps its issues: %+v", got)
		}
		if _, in := e.srv.SprintOf("DEMO-1"); in {
			t.Error("DEMO-1 is still in an open sprint after its sprint closed; it belongs in the backlog")
		}
		sp, _, err = e.jc.Sprints.Start(ctx, sp.ID, start, start.Add(DefaultSprintLength))
		if err != nil || sp.State != SprintActive {
			t.Fatalf("Sprints.Start = %+v, %v", sp, err)
		}
		if e.mode == jiratest.DataCenter && sp.ActivatedDate.IsZero() {
			t.Error("a started Data Center sprint has no activatedDate")
		}

		// Issues move into the sprint, and back to the backlog.
		if _, err := e.jc.Sprints.MoveIssues(ctx, sp.ID, []string{"DEMO-1", "DEMO-3"}); err != nil {
			t.Fatal(err)
		}
		in, _, err := e.jc.Sprints.Issues(ctx, sp.ID, AgileIssueOptions{})
		if err != nil || !slices.Equal(keysOf(in), []string{"DEMO-1", "DEMO-3"}) {
			t.Fatalf("sprint issues = %v, %v", keysOf(in), err)
		}
		if s, _ := in[0].Fields.Other["sprint"].(map[string]any); s["name"] != "Release train" {
			t.Errorf("an issue of the sprint names another sprint: %v", in[0].Fields.Other["sprint"])
		}
		if _, err := e.jc.Sprints.MoveToBacklog(ctx, []string{"DEMO-3"}); err != nil {
			t.Fatal(err)
		}
		backlog, _, err := e.jc.Boards.Backlog(ctx, ag.Board.ID, AgileIssueOptions{})
		if err != nil || !slices.Contains(keysOf(backlog), "DEMO-3") || slices.Contains(keysOf(backlog), "DEMO-1") {
			t.Errorf("backlog = %v, %v", keysOf(backlog), err)
		}
		if _, err := e.jc.Sprints.MoveIssues(ctx, ag.Closed.ID, []string{"DEMO-3"}); !errors.Is(err, ErrValidation) {
			t.Errorf("moving an issue into a closed sprint: %v, want a 400", err)
		}

		sp, _, err = e.jc.Sprints.Close(ctx, sp.ID)
		if err != nil || sp.State != SprintClosed || sp.CompleteDate.IsZero() {
			t.Fatalf("Sprints.Close = %+v, %v", sp, err)
		}
		if _, _, err := e.jc.Sprints.Update(ctx, sp.ID, SprintBody{State: SprintActive}); !errors.Is(err, ErrValidation) {
			t.Errorf("reopening a closed sprint: %v, want a 400", err)
		}
	})
}

// TestAgileEpicsAndRankService sets epics the way each deployment wants
// (Cloud: the parent field; Data Center: the agile epic resource), lists
// an epic's issues in rank order, and ranks issues, with a partial
// failure reported per issue.
func TestAgileEpicsAndRankService(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		for _, k := range []string{"DEMO-2", "DEMO-3"} {
			if _, err := e.jc.Epics.SetEpic(ctx, k, ag.Epic.Key); err != nil {
				t.Fatal(err)
			}
		}
		wantCloud := e.sent("PUT", "/rest/api/2/issue/DEMO-2", `"parent":{"key":"`+ag.Epic.Key+`"}`)
		wantDC := e.sent("POST", "/rest/agile/1.0/epic/"+ag.Epic.Key+"/issue", `"DEMO-2"`)
		if e.mode == jiratest.Cloud && (!wantCloud || wantDC) || e.mode == jiratest.DataCenter && (wantCloud || !wantDC) {
			t.Errorf("%s set the epic with parent %v, with the epic resource %v", e.mode, wantCloud, wantDC)
		}
		if got := e.srv.EpicOf("DEMO-3"); got != ag.Epic.Key {
			t.Errorf("DEMO-3's epic is %q", got)
		}
		issues, _, err := e.jc.Epics.Issues(ctx, ag.Epic.Key, AgileIssueOptions{})
		if err != nil || !slices.Equal(keysOf(issues), []string{"DEMO-2", "DEMO-3"}) {
			t.Fatalf("epic issues = %v, %v", keysOf(issues), err)
		}
		if _, _, err := e.jc.Epics.Issues(ctx, "DEMO-1", AgileIssueOptions{}); !errors.Is(err, ErrValidation) {
			t.Errorf("the issues of a task as an epic: %v, want a 400", err)
		}

		res, _, err := e.jc.Rank.Rank(ctx, RankRequest{Issues: []string{"DEMO-3"}, Before: "DEMO-2"})
		if err != nil || len(res.Failed()) != 0 {
			t.Fatalf("rank = %+v, %v", res, err)
		}
		issues, _, _ = e.jc.Epics.Issues(ctx, ag.Epic.Key, AgileIssueOptions{})
		if !slices.Equal(keysOf(issues), []string{"DEMO-3", "DEMO-2"}) {
			t.Errorf("after ranking DEMO-3 before DEMO-2 the epic lists %v", keysOf(issues))
		}
		// An epic's issues are not its sub-tasks, and deleting the epic
		// leaves them.
		epic, _, err := e.jc.Issues.Get(ctx, ag.Epic.Key, nil)
		if err != nil || len(epic.Fields.Subtasks) != 0 {
			t.Errorf("the epic lists sub-tasks %+v, %v", epic.Fields.Subtasks, err)
		}
		if _, err := e.jc.Epics.RemoveIssues(ctx, []string{"DEMO-2"}); err != nil {
			t.Fatal(err)
		}
		if got := e.srv.EpicOf("DEMO-2"); got != "" {
			t.Errorf("DEMO-2 still has epic %q after removal", got)
		}

		res, resp, err := e.jc.Rank.Rank(ctx, RankRequest{Issues: []string{"DEMO-4", "DEMO-404"}, After: "DEMO-1"})
		if err != nil || resp.StatusCode != 207 {
			t.Fatalf("a partly failing rank: %v (status %v)", err, resp)
		}
		if f := res.Failed(); len(f) != 1 || f[0].IssueKey != "DEMO-404" || len(f[0].Errors) == 0 {
			t.Errorf("failed rank entries = %+v", f)
		}
		order := e.srv.RankOrder("DEMO")
		if i := slices.Index(order, "DEMO-1"); i < 0 || i+1 >= len(order) || order[i+1] != "DEMO-4" {
			t.Errorf("rank order after ranking DEMO-4 after DEMO-1: %v", order)
		}
		if _, _, err := e.jc.Rank.Rank(ctx, RankRequest{Issues: []string{"DEMO-4"}}); err == nil {
			t.Error("a rank request without before or after was sent")
		}
		if _, err := e.jc.Issues.Delete(ctx, ag.Epic.Key, false); err != nil {
			t.Fatalf("deleting the epic: %v", err)
		}
		if _, _, err := e.jc.Issues.Get(ctx, "DEMO-3", nil); err != nil {
			t.Errorf("DEMO-3 went with its epic: %v", err)
		}
	})
}
