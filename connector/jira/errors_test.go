package jira

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestPermissionErrorMatchesForbidden(t *testing.T) {
	base := errors.New("403")
	pe := &PermissionError{Action: "add_comment", Permission: "ADD_COMMENTS", Scope: PermissionScope{IssueKey: "DEMO-1"}, Checked: true, Err: base}
	if !errors.Is(pe, base) || !strings.Contains(pe.Error(), "does NOT have it") || !strings.Contains(pe.Error(), "issue DEMO-1") {
		t.Errorf("%v", pe)
	}
}

// asNotFound checks that err is an explained 404 that still matches
// httpx.ErrNotFound and holds the *httpx.Error.
func asNotFound(t *testing.T, err error) *NotFoundError {
	t.Helper()
	var nf *NotFoundError
	var he *httpx.Error
	if !errors.As(err, &nf) || !errors.Is(err, httpx.ErrNotFound) || !errors.As(err, &he) || he.StatusCode != 404 {
		t.Fatalf("want an explained 404, got %T: %v", err, err)
	}
	if action.IsRetryable(err) {
		t.Errorf("a 404 is retryable: %v", err)
	}
	return nf
}

func TestNotFoundIssueExplained(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		bobID := e.id(e.demo.Bob)
		hidden := e.demo.Issues[2].Key
		e.srv.AddSecurityLevel("DEMO", "Staff", e.id(e.demo.Admin))
		if _, err := e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: hidden, Fields: map[string]any{"security": map[string]any{"name": "Staff"}}}); err != nil {
			t.Fatal(err)
		}
		bob := e.client(t, e.demo.Bob)

		t.Run("missing issue in a browsable project", func(t *testing.T) {
			_, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "DEMO-999"})
			nf := asNotFound(t, err)
			if nf.Action != "get_issue" || nf.IssueKey != "DEMO-999" || nf.ProjectKey != "DEMO" || !nf.Checked || !nf.CanBrowse || nf.ProjectHidden {
				t.Errorf("%+v", nf)
			}
			if msg := err.Error(); !strings.Contains(msg, "has Browse Projects in project DEMO") || !strings.Contains(msg, "security level") || !strings.Contains(msg, "404") {
				t.Errorf("message: %s", msg)
			}
		})

		t.Run("issue hidden by a security level", func(t *testing.T) {
			_, err := bob.AddComment().Run(ctx, AddCommentInput{IssueKey: hidden, Body: "hello?"})
			nf := asNotFound(t, err)
			if nf.ProjectKey != "DEMO" || !nf.Checked || !nf.CanBrowse || !strings.Contains(err.Error(), "issue security level hides it") {
				t.Errorf("%+v: %v", nf, err)
			}
			// A lower-case key names the same project.
			_, err = bob.GetIssue().Run(ctx, GetIssueInput{IssueKey: strings.ToLower(hidden)})
			if nf := asNotFound(t, err); nf.ProjectKey != "DEMO" || !nf.CanBrowse {
				t.Errorf("lower-case key: %+v", nf)
			}
		})

		t.Run("no Browse Projects", func(t *testing.T) {
			e.srv.SetPermission("DEMO", bobID, "CREATE_ISSUES")
			defer e.srv.SetPermission("DEMO", bobID, jiratest.AllPermissions...)
			_, err := bob.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: e.demo.Issues[0].Key, To: "Done"})
			nf := asNotFound(t, err)
			if nf.CanBrowse || (!nf.ProjectHidden && !nf.Checked) {
				t.Errorf("%+v", nf)
			}
			if msg := err.Error(); !strings.Contains(msg, "BROWSE_PROJECTS") || strings.Contains(msg, "security level hides") {
				t.Errorf("message: %s", msg)
			}
		})

		t.Run("unknown project", func(t *testing.T) {
			_, err := e.jc.ListComments().Run(ctx, ListCommentsInput{IssueKey: "NOPE-1"})
			nf := asNotFound(t, err)
			if nf.ProjectKey != "NOPE" || !nf.ProjectHidden || !strings.Contains(err.Error(), "project NOPE is not visible") {
				t.Errorf("%+v: %v", nf, err)
			}
		})

		t.Run("numeric id", func(t *testing.T) {
			e.srv.ResetRequests()
			_, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "999999"})
			nf := asNotFound(t, err)
			if nf.ProjectKey != "" || nf.Checked || !strings.Contains(err.Error(), "check the id") {
				t.Errorf("%+v: %v", nf, err)
			}
			for _, r := range e.srv.Requests() {
				if strings.Contains(r.Path, "mypermissions") {
					t.Errorf("mypermissions asked without a project: %s?%s", r.Path, r.Query.Encode())
				}
			}
		})

		t.Run("404 about something else passes through", func(t *testing.T) {
			_, err := e.jc.UpdateComment().Run(ctx, UpdateCommentInput{IssueKey: e.demo.Issues[0].Key, CommentID: "987654", Body: "x"})
			var nf *NotFoundError
			if !errors.Is(err, httpx.ErrNotFound) || errors.As(err, &nf) {
				t.Errorf("missing comment on a visible issue: %T %v", err, err)
			}
		})
	})
}

// Jira may answer mypermissions for a project the account cannot browse
// with havePermission false rather than 404, and mypermissions itself may
// fail; both are reported.
func TestNotFoundExplainedFromMyPermissionsAnswers(t *testing.T) {
	var mu sync.Mutex
	permStatus := http.StatusOK
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/rest/api/2/mypermissions":
			asked = append(asked, r.URL.RawQuery)
			w.WriteHeader(permStatus)
			w.Write([]byte(`{"permissions":{"BROWSE_PROJECTS":{"key":"BROWSE_PROJECTS","havePermission":false}}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`))
		}
	}))
	defer srv.Close()
	jc := newTestClient(t, srv.URL, Cloud)

	_, err := jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "ops-12"})
	nf := asNotFound(t, err)
	if nf.ProjectKey != "OPS" || !nf.Checked || nf.CanBrowse || !strings.Contains(err.Error(), "does NOT have Browse Projects (BROWSE_PROJECTS) in project OPS") {
		t.Errorf("%+v: %v", nf, err)
	}
	if len(asked) != 1 || asked[0] != "permissions=BROWSE_PROJECTS&projectKey=OPS" {
		t.Errorf("mypermissions queries %v", asked)
	}

	mu.Lock()
	permStatus = http.StatusBadRequest
	mu.Unlock()
	_, err = jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "OPS-12"})
	nf = asNotFound(t, err)
	if nf.Checked || nf.CheckErr == nil || !strings.Contains(err.Error(), "mypermissions could not be checked") {
		t.Errorf("%+v: %v", nf, err)
	}
	if strings.Contains(err.Error(), "s3cret-token") {
		t.Errorf("error leaks the token: %v", err)
	}
}
