package httpx_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

func response(code int, body string, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	u, _ := url.Parse("https://user:pw@jira.example.com/rest/api/2/issue/ABC-1?expand=names&token=hush")
	return &http.Response{
		StatusCode: code,
		Header:     h,
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    &http.Request{Method: http.MethodGet, URL: u},
	}
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
			is:   httpx.ErrValidation, msgs: []string{"Bad input."},
			fields: map[string]string{"summary": "You must specify a summary of the issue.", "project": "project is required"},
			text:   "GET https://jira.example.com/rest/api/2/issue/ABC-1: 400 Bad Request: Bad input. (project: project is required; summary: You must specify a summary of the issue.): Jira rejected the request's content: fix the fields named above",
		},
		{
			name: "401",
			resp: response(401, `{"code":401,"message":"Unauthorized; scope does not match"}`),
			is:   httpx.ErrUnauthorized, msgs: []string{"Unauthorized; scope does not match"},
			contains: []string{"check the credentials"},
		},
		{
			name: "403 naming the permission key",
			resp: response(403, `{"errorMessages":["You do not have the BROWSE_PROJECTS permission for project ABC."],"errors":{}}`),
			is:   httpx.ErrForbidden, perm: "BROWSE_PROJECTS",
			contains: []string{"lacks the permission Jira names: BROWSE_PROJECTS"},
		},
		{
			name: "403 naming a permission in words",
			resp: response(403, `{"errorMessages":["You need the 'Administer Jira' global permission to register webhooks."]}`),
			is:   httpx.ErrForbidden, perm: "Administer Jira",
		},
		{
			name:     "403 generic",
			resp:     response(403, `{"errorMessages":["You are not allowed to do that."],"errors":{}}`),
			is:       httpx.ErrForbidden,
			contains: []string{"a project permission, an issue security level or a global permission"},
		},
		{
			name: "403 CAPTCHA on Data Center",
			resp: response(403, `<html><head><title>Unauthorized (403)</title></head></html>`, "X-Seraph-LoginReason", "AUTHENTICATION_DENIED", "Content-Type", "text/html"),
			is:   httpx.ErrForbidden, msgs: []string{"Unauthorized (403)"},
			contains: []string{"CAPTCHA", "log in once in the browser"},
		},
		{
			name: "404 Data Center gateway shape",
			resp: response(404, `{"message":"HTTP 404 Not Found","status-code":404,"sub-code":-1}`),
			is:   httpx.ErrNotFound, msgs: []string{"HTTP 404 Not Found"},
			contains: []string{"not found or not visible to this account"},
		},
		{
			name: "409",
			resp: response(409, `{"errorMessages":["Conflict"]}`),
			is:   httpx.ErrConflict, contains: []string{"try again"},
		},
		{
			name: "410 removed API quotes Jira",
			resp: response(410, `{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],"errors":{}}`),
			is:   httpx.ErrRemoved, contains: []string{"/rest/api/3/search/jql", "removed"},
		},
		{
			name: "OAuth error shape",
			resp: response(400, `{"error":"invalid_request","error_description":"missing parameter"}`),
			is:   httpx.ErrValidation, msgs: []string{"invalid_request: missing parameter"},
		},
		{
			name: "500 plain text",
			resp: response(500, "Internal server error\n  while  processing"),
			is:   httpx.ErrServer, msgs: []string{"Internal server error while processing"},
			contains: []string{"Jira server error"},
		},
		{
			name: "503 empty body is retryable",
			resp: response(503, ""),
			is:   httpx.ErrServer, retry: true,
		},
		{
			name: "429",
			resp: response(429, `{"errorMessages":["Rate limit exceeded."]}`, "Retry-After", "7", "RateLimit-Reason", "jira-burst-based"),
			is:   httpx.ErrRateLimited, retry: true, contains: []string{"jira-burst-based", "7s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := httpx.CheckResponse(tt.resp)
			if !errors.Is(err, tt.is) {
				t.Fatalf("%v is not %v", err, tt.is)
			}
			for _, other := range []error{httpx.ErrUnauthorized, httpx.ErrForbidden, httpx.ErrNotFound, httpx.ErrValidation, httpx.ErrConflict, httpx.ErrRemoved, httpx.ErrServer, httpx.ErrRateLimited} {
				if other != tt.is && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			var e *httpx.Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not an *httpx.Error", err)
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
	err := httpx.CheckResponse(response(429, `{}`, "Retry-After", "30", "RateLimit-Reason", "jira-per-issue-on-write", "Set-Cookie", "JSESSIONID=session-secret"))
	var rl *httpx.RateLimitError
	if !errors.As(err, &rl) || rl.Wait != 30*time.Second || rl.Reason != "jira-per-issue-on-write" {
		t.Fatalf("err = %#v", err)
	}
	if rl.StatusCode != 429 || rl.Header.Get("Retry-After") != "30" || rl.Header.Get("Set-Cookie") != "" {
		t.Errorf("promoted fields: status %d header %v", rl.StatusCode, rl.Header)
	}
	if strings.Contains(fmt.Sprintf("%#v %+v", err, *rl.Unwrap().(*httpx.Error)), "session-secret") {
		t.Error("the session cookie is kept in the error")
	}
}

func TestCheckResponseSuccessAndLimits(t *testing.T) {
	for _, code := range []int{200, 201, 204} {
		if err := httpx.CheckResponse(response(code, "")); err != nil {
			t.Errorf("%d: %v", code, err)
		}
	}
	if err := httpx.CheckResponse(nil); err == nil {
		t.Error("nil response accepted")
	}
	big := strings.Repeat("x", 3<<20)
	var e *httpx.Error
	if !errors.As(httpx.CheckResponse(response(500, big)), &e) || len(e.Body) != 1<<20 {
		t.Errorf("body of %d bytes kept, want 1 MiB", len(e.Body))
	}
	if len(e.Error()) > 1000 {
		t.Errorf("message of %d bytes for a huge plain-text body", len(e.Error()))
	}
}
