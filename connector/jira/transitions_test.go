package jira

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
)

func TestTransitionIssue(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key // To Do
		is, err := e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "in progress"})
		if err != nil {
			t.Fatal(err)
		}
		if is.Fields.Status.Name != "In Progress" {
			t.Errorf("status %q", is.Fields.Status.Name)
		}
		_, err = e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "Shipped"})
		if err == nil || !strings.Contains(err.Error(), `no transition or target status "Shipped"; available: `) {
			t.Errorf("unknown transition: %v", err)
		}
		is, err = e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "DONE", Resolution: "Won't Do", Comment: "closing"})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.srv.Issue(key)
		if got.Status != "Done" || got.Resolution != "Won't Do" || is.Fields.Resolution == nil {
			t.Errorf("after Done: %+v", got)
		}
		if cs := e.srv.Comments(key); len(cs) == 0 || cs[len(cs)-1].Body != "closing" {
			t.Errorf("comments %+v", cs)
		}
	})
}

// An update or a transition names every entry of its fields input that is
// not on its screen, in the order of the entries' names, and changes
// nothing.
func TestFieldsOffTheScreenAreEachNamedInOrder(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key // To Do
		_, err := e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "Done", Resolution: "Done",
			Fields: map[string]any{"priority": "High", "labels": []string{"x"}, "environment": "x"}})
		want := `invalid input "fields.environment": the transition "Done" has no field environment on its screen` + "\n" +
			`invalid input "fields.labels": the transition "Done" has no field labels on its screen` + "\n" +
			`invalid input "fields.priority": the transition "Done" has no field priority on its screen`
		if err == nil || err.Error() != want {
			t.Errorf("transition: %v\nwant %s", err, want)
		}
		_, err = e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: key, Summary: "renamed", Fields: map[string]any{"resolution": "Done", "environment": "x"}})
		want = `invalid input "fields.environment": the field environment is not on the edit screen of ` + key + ` (or the account may not edit it)` + "\n" +
			`invalid input "fields.resolution": the field resolution is not on the edit screen of ` + key + ` (or the account may not edit it)`
		if err == nil || err.Error() != want {
			t.Errorf("update: %v\nwant %s", err, want)
		}
		if got, _ := e.srv.Issue(key); got.Status != "To Do" || got.Resolution != "" || got.Summary == "renamed" {
			t.Errorf("the issue changed: %+v", got)
		}
	})
}

// A transition whose screen requires several fields names each missing one
// in the order of their ids, whatever order Jira lists them in, so that
// the same input always gets the same error; it changes nothing.
func TestTransitionNamesMissingRequiredFieldsInOrder(t *testing.T) {
	posted := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/issue/OPS-1/transitions") {
			posted = true
			w.WriteHeader(http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `{"transitions":[{"id":"31","name":"Close","to":{"id":"6","name":"Closed"},"fields":{
			"customfield_10005":{"required":true,"name":"Customer","schema":{"type":"string"}},
			"customfield_10004":{"required":true,"name":"Fix note","schema":{"type":"string"}},
			"customfield_10003":{"required":true,"name":"Root cause","schema":{"type":"string"}},
			"customfield_10002":{"required":true,"name":"Team","schema":{"type":"string"}},
			"customfield_10001":{"required":true,"name":"Area","schema":{"type":"string"}},
			"resolution":{"required":false,"name":"Resolution","schema":{"type":"resolution","system":"resolution"}}}}]}`)
	}))
	defer srv.Close()
	jc := mustNew(t, Config{URL: srv.URL, Deployment: Cloud, Auth: auth.APIToken{Email: "a@b.c", Token: "t"}})
	var want []string
	for _, f := range []string{"Area (customfield_10001)", "Team (customfield_10002)", "Root cause (customfield_10003)", "Fix note (customfield_10004)", "Customer (customfield_10005)"} {
		want = append(want, `invalid input "fields": the transition "Close" requires the field `+f)
	}
	// Each run decodes the screen into a new map, whose iteration order
	// differs from run to run.
	for range 10 {
		_, err := jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: "OPS-1", To: "Close"})
		if err == nil || err.Error() != strings.Join(want, "\n") {
			t.Fatalf("transition: %v\nwant %s", err, strings.Join(want, "\n"))
		}
	}
	if posted {
		t.Error("the transition was attempted")
	}
}
