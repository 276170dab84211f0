package jira

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// fixture reads testdata/agile/name as decoded JSON.
func fixture(t *testing.T, name string) (raw []byte, v map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "agile", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw, v
}

// missingKeys lists the keys of want that got lacks, recursively: into
// objects both have, and into the first elements of arrays both have
// non-empty. A value of a different JSON kind counts as missing too.
func missingKeys(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s (an object, got %T)", path, got)}
		}
		var out []string
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				out = append(out, path+"."+k)
				continue
			}
			if wv != nil && gv != nil {
				out = append(out, missingKeys(path+"."+k, wv, gv)...)
			}
		}
		slices.Sort(out)
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s (an array, got %T)", path, got)}
		}
		if len(w) > 0 && len(g) > 0 {
			return missingKeys(path+"[0]", w[0], g[0])
		}
	case string, float64, bool:
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s (a %T, got %T)", path, want, got)}
		}
	}
	return nil
}

// TestAgileFixturesDecode reads Atlassian's documented shapes with the
// client's types.
func TestAgileFixturesDecode(t *testing.T) {
	raw, _ := fixture(t, "board.json")
	var b Board
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if b.ID != 84 || b.Type != "scrum" || b.Location == nil || b.Location.ProjectKey != "SSP" || b.Location.ProjectID != 10040 {
		t.Errorf("board.json decoded as %+v (location %+v)", b, b.Location)
	}

	for _, name := range []string{"sprint.json", "sprint-dc.json"} {
		raw, _ = fixture(t, name)
		var sp Sprint
		if err := json.Unmarshal(raw, &sp); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		start := time.Date(2015, 4, 11, 5, 22, 0, 0, time.UTC)
		if sp.ID != 37 || sp.State != SprintClosed || sp.OriginBoardID != 5 || sp.Goal != "sprint 1 goal" ||
			!sp.StartDate.Equal(start) || !sp.CompleteDate.Equal(time.Date(2015, 4, 20, 1, 4, 0, 0, time.UTC)) {
			t.Errorf("%s decoded as %+v", name, sp)
		}
		if name == "sprint.json" && sp.CreatedDate.IsZero() || name == "sprint-dc.json" && !sp.ActivatedDate.Equal(start) {
			t.Errorf("%s: createdDate %v, activatedDate %v", name, sp.CreatedDate, sp.ActivatedDate)
		}
	}

	raw, _ = fixture(t, "issue-page.json")
	var page agileIssuePage
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Issues) != 1 || page.Issues[0].Key != "HSP-1" || page.Issues[0].Fields.Summary != "Bug in the login page" {
		t.Fatalf("issue-page.json decoded as %+v", page)
	}
	sprint, _ := page.Issues[0].Fields.Other["sprint"].(map[string]any)
	epic, _ := page.Issues[0].Fields.Other["epic"].(map[string]any)
	if sprint["state"] != "future" || epic["name"] != "epic 1" {
		t.Errorf("the agile fields of issue-page.json: sprint %v, epic %v", sprint, epic)
	}
}

// TestAgilePagingOnDocumentedPages pages through Atlassian's documented
// board and sprint pages: isLast false means another page, and startAt,
// maxResults and total reach the Response.
func TestAgilePagingOnDocumentedPages(t *testing.T) {
	boards, _ := fixture(t, "board-page.json")
	sprints, _ := fixture(t, "sprint-page.json")
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("startAt") != "":
			fmt.Fprint(w, `{"maxResults":2,"startAt":3,"isLast":true,"values":[]}`)
		case r.URL.Path == "/rest/agile/1.0/board":
			_, _ = w.Write(boards)
		default:
			_, _ = w.Write(sprints)
		}
	}))
	defer srv.Close()
	jc, err := New(Config{URL: srv.URL, Auth: auth.PAT{Token: "t"}, Deployment: DataCenter})
	if err != nil {
		t.Fatal(err)
	}
	bs, resp, err := jc.Boards.List(ctx, BoardListOptions{Type: "scrum", Project: "SSP"})
	if err != nil || len(bs) != 2 || bs[1].Name != "kanban board" {
		t.Fatalf("Boards.List = %+v, %v", bs, err)
	}
	if resp.IsLast || resp.Total != 5 || resp.StartAt != 1 || resp.MaxResults != 2 {
		t.Errorf("board page: isLast %v total %d startAt %d maxResults %d", resp.IsLast, resp.Total, resp.StartAt, resp.MaxResults)
	}
	if queries[0] != "/rest/agile/1.0/board?projectKeyOrId=SSP&type=scrum" {
		t.Errorf("board list query %q", queries[0])
	}
	var all []Sprint
	for sp, err := range jc.Sprints.All(ctx, 5, SprintListOptions{States: []string{SprintClosed, SprintFuture}}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sp)
	}
	if len(all) != 2 || all[0].State != SprintClosed || all[1].Name != "sprint 2" || !all[1].StartDate.IsZero() {
		t.Errorf("Sprints.All = %+v", all)
	}
	if got := queries[len(queries)-1]; got != "/rest/agile/1.0/board/5/sprint?startAt=2&state=closed%2Cfuture" {
		t.Errorf("the second sprint page was asked as %q; want startAt after the two sprints read", got)
	}
}

// rawAgile GETs path from the simulator as decoded JSON.
func (e *env) rawAgile(t *testing.T, path string) map[string]any {
	t.Helper()
	req, err := e.jc.NewRequest(ctx, "GET", path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if _, err := e.jc.Do(req, &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// TestAgileSimulatorMatchesFixtures checks that the simulator's agile
// answers have every key of Atlassian's documented shapes, in both modes:
// boards, board sprints, a sprint (Cloud's and Data Center's own), and a
// sprint's issues with their sprint, closed sprints and epic.
func TestAgileSimulatorMatchesFixtures(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ag := e.srv.SeedAgile()
		if _, err := e.jc.Sprints.MoveIssues(ctx, ag.Active.ID, []string{"DEMO-4"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.Epics.SetEpic(ctx, "DEMO-4", ag.Epic.Key); err != nil {
			t.Fatal(err)
		}
		sprintFixture := "sprint.json"
		if e.mode == jiratest.DataCenter {
			sprintFixture = "sprint-dc.json"
		}
		for _, tc := range []struct{ fixture, path string }{
			{"board-page.json", "/rest/agile/1.0/board?maxResults=1"},
			{"board.json", fmt.Sprintf("/rest/agile/1.0/board/%d", ag.Board.ID)},
			{"sprint-page.json", fmt.Sprintf("/rest/agile/1.0/board/%d/sprint?state=closed,future", ag.Board.ID)},
			{sprintFixture, fmt.Sprintf("/rest/agile/1.0/sprint/%d", ag.Closed.ID)},
		} {
			_, want := fixture(t, tc.fixture)
			got := e.rawAgile(t, tc.path)
			if miss := missingKeys("", want, got); len(miss) > 0 {
				t.Errorf("GET %s lacks keys of %s: %v", tc.path, tc.fixture, miss)
			}
		}
		// A future sprint has no dates, as in the documented page.
		page := e.rawAgile(t, fmt.Sprintf("/rest/agile/1.0/board/%d/sprint?state=future", ag.Board.ID))
		if vals, _ := page["values"].([]any); len(vals) != 1 {
			t.Errorf("future sprints: %v", page)
		} else if _, dated := vals[0].(map[string]any)["startDate"]; dated {
			t.Errorf("a future sprint without dates has a startDate: %v", vals[0])
		}

		_, want := fixture(t, "issue-page.json")
		wantIssue := want["issues"].([]any)[0]
		delete(want, "issues")
		got := e.rawAgile(t, fmt.Sprintf("/rest/agile/1.0/sprint/%d/issue", ag.Active.ID))
		if miss := missingKeys("", want, got); len(miss) > 0 {
			t.Errorf("sprint issues lack keys of issue-page.json: %v", miss)
		}
		issues, _ := got["issues"].([]any)
		i := slices.IndexFunc(issues, func(v any) bool { return v.(map[string]any)["key"] == "DEMO-4" })
		if i < 0 {
			t.Fatalf("DEMO-4 is not among the active sprint's issues: %v", issues)
		}
		if miss := missingKeys("issues[DEMO-4]", wantIssue, issues[i]); len(miss) > 0 {
			t.Errorf("DEMO-4 lacks keys of issue-page.json's issue: %v", miss)
		}
	})
}
