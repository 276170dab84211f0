package jira

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/internal/httpfake"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// createPosts counts the create-issue POSTs recorded so far.
func (e *env) createPosts() int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	n := 0
	for _, r := range e.rec.reqs {
		if r.method == http.MethodPost && strings.HasSuffix(r.url.Path, "/rest/api/2/issue") {
			n++
		}
	}
	return n
}

func TestIdempotencyLookupFailsWhenThePropertyCannotBeRead(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		in := CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "Charge the card", IdempotencyKey: "order-5001"}
		first, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		before, posts := len(e.srv.Issues("DEMO")), e.createPosts()
		// Every read of the first issue's properties answers 503, retries included.
		e.srv.SetFaults(jiratest.Faults{Methods: []string{http.MethodGet}, PathPrefix: "/rest/api/2/issue/" + first.Key + "/properties", Unavailable: jiratest.FaultRate{Probability: 1}})
		_, err = e.jc.CreateIssue().Run(ctx, in)
		e.srv.SetFaults(jiratest.Faults{})
		if err == nil {
			t.Fatal("the create succeeded although the property could not be read")
		}
		if !errors.Is(err, ErrServer) {
			t.Errorf("err = %v, want it to wrap the server error", err)
		}
		if errors.Is(err, action.ErrOutcomeUnknown) {
			t.Errorf("err = %v: nothing was posted, so the outcome is known", err)
		}
		for _, want := range []string{"could not confirm", first.Key, IdempotencyProperty, "nothing was posted"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %q, want it to mention %q", err, want)
			}
		}
		if n := e.createPosts(); n != posts {
			t.Errorf("%d POSTs sent after the failed lookup, want none", n-posts)
		}
		if n := len(e.srv.Issues("DEMO")); n != before {
			t.Errorf("%d issues created, want none", n-before)
		}
		// Once the property reads again, the same key finds the first issue.
		again, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil || again.Key != first.Key {
			t.Errorf("after recovery: %q %v, want %s", again.Key, err, first.Key)
		}
	})
}

// forbidProperties answers 403 to every read of an issue property, as Jira
// does for a user who may search an issue but not read its properties.
type forbidProperties struct{ base http.RoundTripper }

func (f forbidProperties) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/properties/") {
		body := `{"errorMessages":["You do not have the permission to see the specified issue."],"errors":{}}`
		return httpfake.Response(req, http.StatusForbidden, body, "Content-Type", "application/json;charset=UTF-8"), nil
	}
	return f.base.RoundTrip(req)
}

func TestIdempotencyLookupForbiddenPropertyIsAnErrorNotANewIssue(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	in := CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "Ship the order", IdempotencyKey: "order-5002"}
	first, err := e.jc.CreateIssue().Run(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	jc := mustNew(t, Config{Name: "forbidden", URL: e.srv.URL(), Auth: userAuth(e.mode, e.demo.Admin, dcPassword),
		HTTP: httpx.Options{Transport: forbidProperties{base: e.rec}, Sleep: noSleep}})
	before, posts := len(e.srv.Issues("DEMO")), e.createPosts()
	_, err = jc.CreateIssue().Run(ctx, in)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "nothing was posted") || !strings.Contains(err.Error(), first.Key) {
		t.Fatalf("err = %v, want a forbidden error naming %s and saying nothing was posted", err, first.Key)
	}
	if action.IsRetryable(err) {
		t.Errorf("a 403 is classified retryable: %v", err)
	}
	if n := e.createPosts(); n != posts {
		t.Errorf("%d POSTs sent, want none", n-posts)
	}
	if n := len(e.srv.Issues("DEMO")); n != before {
		t.Errorf("%d issues created, want none", n-before)
	}
}

func TestIdempotencyLookupSkipsLabelWithoutOrWithAnotherProperty(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		const key = "order-5003"
		label := idempotencyLabel(key)
		// One issue carries the label but no property, another the label
		// and a property naming another key: neither is ours.
		var decoys []string
		for i, prop := range []any{nil, map[string]string{"key": "order-9999"}} {
			body := IssueUpdate{Fields: map[string]any{
				"project": map[string]string{"key": "DEMO"}, "issuetype": map[string]string{"name": "Task"},
				"summary": "decoy", "labels": []string{label},
			}}
			if prop != nil {
				body.Properties = []EntityProperty{{Key: IdempotencyProperty, Value: prop}}
			}
			c, _, err := e.jc.Issues.Create(ctx, body)
			if err != nil {
				t.Fatalf("decoy %d: %v", i, err)
			}
			decoys = append(decoys, c.Key)
		}
		in := CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "The real one", IdempotencyKey: key}
		is, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range decoys {
			if is.Key == d {
				t.Fatalf("the lookup returned the decoy %s", d)
			}
		}
		if is.Fields.Summary != "The real one" {
			t.Errorf("summary %q", is.Fields.Summary)
		}
		// The same key now finds the issue it created, past the decoys.
		again, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil || again.Key != is.Key {
			t.Errorf("second run: %q %v, want %s", again.Key, err, is.Key)
		}
	})
}
