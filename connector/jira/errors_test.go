package jira

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/internal/httpfake"
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
// ErrNotFound and holds the *Error.
func asNotFound(t *testing.T, err error) *NotFoundError {
	t.Helper()
	var nf *NotFoundError
	var he *Error
	if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) || !errors.As(err, &he) || he.StatusCode != 404 {
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
			if !errors.Is(err, ErrNotFound) || errors.As(err, &nf) {
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

// response is Jira's answer to a GET of an issue whose URL holds
// credentials and a token that errors must not show.
func response(code int, body string, header ...string) *http.Response {
	u, _ := url.Parse("https://user:pw@jira.example.com/rest/api/2/issue/ABC-1?expand=names&token=hush")
	return httpfake.Response(&http.Request{Method: http.MethodGet, URL: u}, code, body, header...)
}

func TestCheckResponseTypedErrors(t *testing.T) {
	tests := []struct {
		name     string
		resp     *http.Response
		is       error
		msgs     []string
		fields   map[string]string
		perm     string
		text     string // the whole Error() text, stable
		contains []string
		retry    bool
	}{
		{
			name: "400 with field errors sorted",
			resp: response(400, `{"errorMessages":["Bad input."],"errors":{"summary":"You must specify a summary of the issue.","project":"project is required"}}`),
			is:   ErrValidation, msgs: []string{"Bad input."},
			fields: map[string]string{"summary": "You must specify a summary of the issue.", "project": "project is required"},
			text:   "GET https://jira.example.com/rest/api/2/issue/ABC-1: 400 Bad Request: Bad input. (project: project is required; summary: You must specify a summary of the issue.): Jira rejected the request's content: fix the fields named above",
		},
		{
			name: "401",
			resp: response(401, `{"code":401,"message":"Unauthorized; scope does not match"}`),
			is:   ErrUnauthorized, msgs: []string{"Unauthorized; scope does not match"},
			contains: []string{"check the credentials"},
		},
		{
			name: "403 naming the permission key",
			resp: response(403, `{"errorMessages":["You do not have the BROWSE_PROJECTS permission for project ABC."],"errors":{}}`),
			is:   ErrForbidden, perm: "BROWSE_PROJECTS",
			contains: []string{"lacks the permission Jira names: BROWSE_PROJECTS"},
		},
		{
			name: "403 naming a permission in words",
			resp: response(403, `{"errorMessages":["You need the 'Administer Jira' global permission to register webhooks."]}`),
			is:   ErrForbidden, perm: "Administer Jira",
		},
		{
			name:     "403 generic",
			resp:     response(403, `{"errorMessages":["You are not allowed to do that."],"errors":{}}`),
			is:       ErrForbidden,
			contains: []string{"a project permission, an issue security level or a global permission"},
		},
		{
			name: "403 CAPTCHA on Data Center",
			resp: response(403, `<html><head><title>Unauthorized (403)</title></head></html>`, "X-Seraph-LoginReason", "AUTHENTICATION_DENIED", "Content-Type", "text/html"),
			is:   ErrForbidden, msgs: []string{"Unauthorized (403)"},
			contains: []string{"CAPTCHA", "log in once in the browser"},
		},
		{
			name: "404 Data Center gateway shape",
			resp: response(404, `{"message":"HTTP 404 Not Found","status-code":404,"sub-code":-1}`),
			is:   ErrNotFound, msgs: []string{"HTTP 404 Not Found"},
			contains: []string{"not found or not visible to this account"},
		},
		{
			name: "409",
			resp: response(409, `{"errorMessages":["Conflict"]}`),
			is:   ErrConflict, contains: []string{"try again"},
		},
		{
			name: "410 removed API quotes Jira",
			resp: response(410, `{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],"errors":{}}`),
			is:   ErrRemoved, contains: []string{"/rest/api/3/search/jql", "removed"},
		},
		{
			name: "OAuth error shape",
			resp: response(400, `{"error":"invalid_request","error_description":"missing parameter"}`),
			is:   ErrValidation, msgs: []string{"invalid_request: missing parameter"},
		},
		{
			name: "500 plain text",
			resp: response(500, "Internal server error\n  while  processing"),
			is:   ErrServer, msgs: []string{"Internal server error while processing"},
			contains: []string{"Jira server error"},
		},
		{
			name: "503 empty body is retryable",
			resp: response(503, ""),
			is:   ErrServer, retry: true,
		},
		{
			name: "429",
			resp: response(429, `{"errorMessages":["Rate limit exceeded."]}`, "Retry-After", "7", "RateLimit-Reason", "jira-burst-based"),
			is:   ErrRateLimited, retry: true, contains: []string{"jira-burst-based", "7s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkResponse(tt.resp)
			if !errors.Is(err, tt.is) {
				t.Fatalf("%v is not %v", err, tt.is)
			}
			for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrValidation, ErrConflict, ErrRemoved, ErrServer, ErrRateLimited} {
				if other != tt.is && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not an *Error", err)
			}
			if e.StatusCode != tt.resp.StatusCode || e.Method != "GET" || e.URL != "https://jira.example.com/rest/api/2/issue/ABC-1" {
				t.Errorf("status %d method %q url %q", e.StatusCode, e.Method, e.URL)
			}
			if tt.msgs != nil && fmt.Sprint(e.Messages) != fmt.Sprint(tt.msgs) {
				t.Errorf("Messages = %q, want %q", e.Messages, tt.msgs)
			}
			if tt.fields != nil && fmt.Sprint(e.FieldErrors) != fmt.Sprint(tt.fields) {
				t.Errorf("FieldErrors = %v, want %v", e.FieldErrors, tt.fields)
			}
			if e.Permission != tt.perm {
				t.Errorf("Permission = %q, want %q", e.Permission, tt.perm)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Errorf("Error() =\n%s\nwant\n%s", err, tt.text)
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("Error() = %q, want it to contain %q", err, c)
				}
			}
			if strings.Contains(err.Error(), "hush") || strings.Contains(err.Error(), "pw@") || strings.Contains(fmt.Sprintf("%+v", err), "hush") {
				t.Errorf("Error() leaks the query string or user info: %s", err)
			}
			if action.IsRetryable(err) != tt.retry {
				t.Errorf("IsRetryable = %v, want %v", action.IsRetryable(err), tt.retry)
			}
		})
	}
}

func TestCheckResponseRateLimit(t *testing.T) {
	err := checkResponse(response(429, `{}`, "Retry-After", "30", "RateLimit-Reason", "jira-per-issue-on-write", "Set-Cookie", "JSESSIONID=session-secret"))
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Wait != 30*time.Second || rl.Reason != "jira-per-issue-on-write" {
		t.Fatalf("err = %#v", err)
	}
	if rl.StatusCode != 429 || rl.Header.Get("Retry-After") != "30" || rl.Header.Get("Set-Cookie") != "" {
		t.Errorf("promoted fields: status %d header %v", rl.StatusCode, rl.Header)
	}
	if strings.Contains(fmt.Sprintf("%#v %+v", err, *rl.Unwrap().(*Error)), "session-secret") {
		t.Error("the session cookie is kept in the error")
	}
}

// TestWaitAboveCapIsRateLimitError: when Jira asks for a wait above the
// HTTP layer's cap, the call fails at once with a *RateLimitError that
// carries the wait and reason, whatever the status, and Jira Cloud's beta
// reset header counts as a wait.
func TestWaitAboveCapIsRateLimitError(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		header []string
		is     error
	}{
		{"503 with Retry-After", 503, []string{"Retry-After", "120", "RateLimit-Reason", "jira-quota-tenant-based"}, ErrServer},
		{"429 with only the beta reset header", 429, []string{"X-Beta-RateLimit-Reset", time.Now().Add(2 * time.Hour).UTC().Format("2006-01-02T15:04Z"), "X-Beta-RateLimit-Reason", "jira-burst-based"}, ErrRateLimited},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hits int
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits++
				mu.Unlock()
				for i := 0; i+1 < len(tt.header); i += 2 {
					w.Header().Set(tt.header[i], tt.header[i+1])
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, `{"errorMessages":["slow down"]}`)
			}))
			defer srv.Close()
			jc := mustNew(t, Config{URL: srv.URL, Deployment: Cloud, Auth: auth.APIToken{Email: "bot@example.com", Token: "s3cret-token"},
				HTTP: httpx.Options{MaxRetryWait: 30 * time.Second, Sleep: noSleep}})
			_, _, err := jc.Issues.Get(t.Context(), "DEMO-1", nil)
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.Wait < time.Hour/60 || rl.Reason == "" {
				t.Fatalf("err = %v (%T), want a *RateLimitError with the wait and reason", err, err)
			}
			if !errors.Is(err, ErrRateLimited) || !errors.Is(err, tt.is) || !action.IsRetryable(err) || rl.StatusCode != tt.status {
				t.Errorf("%v: status %d, ErrRateLimited %v, %v %v, retryable %v", err, rl.StatusCode, errors.Is(err, ErrRateLimited), tt.is, errors.Is(err, tt.is), action.IsRetryable(err))
			}
			if fmt.Sprint(rl.Messages) != "[slow down]" {
				t.Errorf("Jira's message not read: %q", rl.Messages)
			}
			var se *httpx.StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.status {
				t.Errorf("the *httpx.StatusError underneath is missing: %v", se)
			}
			mu.Lock()
			defer mu.Unlock()
			if hits != 1 {
				t.Errorf("%d requests; a wait above the cap must not be slept", hits)
			}
		})
	}
}
