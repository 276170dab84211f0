package jira

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProjectActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		p, err := e.jc.CreateProject().Run(ctx, CreateProjectInput{Key: "OPS", Name: "Operations", Description: "on call"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Key != "OPS" || p.Lead == nil || p.Lead.DisplayName != "Integration Bot" {
			t.Errorf("created %+v", p)
		}
		if _, err := e.jc.CreateProject().Run(ctx, CreateProjectInput{Key: "ops", Name: "x"}); err == nil || !strings.Contains(err.Error(), "not a project key") {
			t.Errorf("bad key: %v", err)
		}
		got, err := e.jc.GetProject().Run(ctx, ProjectKeyInput{ProjectKey: "DEMO"})
		if err != nil || got.Name != "Demo" || len(got.IssueTypes) == 0 {
			t.Errorf("get %+v %v", got, err)
		}
		all, err := e.jc.ListProjects().Run(ctx, ListProjectsInput{})
		if err != nil || len(all) != 2 {
			t.Errorf("list %d %v", len(all), err)
		}
		some, err := e.jc.ListProjects().Run(ctx, ListProjectsInput{Query: "oper"})
		if err != nil || len(some) != 1 || some[0].Key != "OPS" {
			t.Errorf("query %+v %v", some, err)
		}
		up, err := e.jc.UpdateProject().Run(ctx, UpdateProjectInput{ProjectKey: "OPS", Name: "Operations team", Lead: e.id(e.demo.Alice)})
		if err != nil || up.Name != "Operations team" {
			t.Errorf("update %+v %v", up, err)
		}
		// A non-administrator is refused: the error names the permission.
		_, err = e.client(t, e.demo.Bob).CreateProject().Run(ctx, CreateProjectInput{Key: "BOB", Name: "Bob's"})
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Permission != "ADMINISTER" || !pe.Checked || pe.HasPermission {
			t.Errorf("non-admin create: %v", err)
		}
	})
}

// TestCreateProjectReadsTheNewIDAsANumberOrAString: Jira answers a project
// create with the id as a number (as its API documentation says) or, on
// some versions, as a string; the Project returned carries its text.
func TestCreateProjectReadsTheNewIDAsANumberOrAString(t *testing.T) {
	for _, id := range []string{`10042`, `"10042"`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/rest/api/2/project" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"self":"https://example.atlassian.net/rest/api/2/project/10042","id":`+id+`,"key":"OPS"}`)
		}))
		p, _, err := newTestClient(t, srv.URL, Cloud).Projects.Create(ctx, ProjectDetails{Key: "OPS", Name: "Operations", ProjectTypeKey: "software"})
		srv.Close()
		if err != nil {
			t.Fatalf("id %s: %v", id, err)
		}
		if p.ID != "10042" || p.Key != "OPS" || p.Name != "Operations" || p.Self != "https://example.atlassian.net/rest/api/2/project/10042" {
			t.Errorf("id %s: created %+v, want id 10042, key OPS, the self link and the name", id, p)
		}
	}
}
