package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// Sentinels matched with errors.Is by every error of a non-2xx answer
// (*Error, *RateLimitError, *PermissionError, *NotFoundError), according
// to the status code.
var (
	ErrUnauthorized = errors.New("unauthorized")    // 401
	ErrForbidden    = errors.New("forbidden")       // 403
	ErrNotFound     = errors.New("not found")       // 404
	ErrValidation   = errors.New("invalid request") // 400, 422
	ErrConflict     = errors.New("conflict")        // 409
	ErrRateLimited  = errors.New("rate limited")    // 429, or a wait above the cap
	ErrRemoved      = errors.New("API removed")     // 410
	ErrServer       = errors.New("server error")    // 5xx
)

// resetHeaders are the headers, besides Retry-After and X-RateLimit-Reset,
// in which Jira Cloud says when a rate limit resets.
var resetHeaders = []string{"X-Beta-RateLimit-Reset"}

// Error is a non-2xx answer from Jira, parsed leniently from any of the
// error bodies Jira and Atlassian's gateway send. errors.As also finds the
// *httpx.StatusError it was read from.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method is the request's method.
	Method string
	// URL is the request's URL without query string or user info.
	URL string
	// Messages are the error messages (errorMessages, message, error...).
	Messages []string
	// FieldErrors maps a field to its problem (the errors object).
	FieldErrors map[string]string
	// Body is the response body, at most 1 MiB.
	Body []byte
	// Header is the response's header, without Set-Cookie.
	Header http.Header
	// Permission is the missing permission of a 403 when Jira names it
	// (a permission key such as BROWSE_PROJECTS, a quoted permission name,
	// or a missing OAuth scope).
	Permission string

	status *httpx.StatusError
}

// newError reads Jira's error body of the answer se.
func newError(se *httpx.StatusError) *Error {
	e := &Error{StatusCode: se.StatusCode, Method: se.Method, URL: se.URL, Body: se.Body, Header: se.Header, status: se}
	e.Messages, e.FieldErrors = parseErrorBody(se.Body, se.Header.Get("Content-Type"))
	if e.StatusCode == http.StatusForbidden {
		e.Permission = findPermission(e.Messages, e.FieldErrors)
	}
	return e
}

// Error returns a stable message: method, URL, status, Jira's messages,
// field errors sorted by field, and what to do.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if len(e.FieldErrors) > 0 {
		keys := make([]string, 0, len(e.FieldErrors))
		for k := range e.FieldErrors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, e.FieldErrors[k])
		}
		b.WriteString(")")
	}
	if h := e.hint(); h != "" {
		b.WriteString(": ")
		b.WriteString(h)
	}
	return b.String()
}

// statusClasses are the kinds of error answer: the statuses of each, the
// sentinel they match and what to do about them.
var statusClasses = []struct {
	sentinel error
	match    func(status int) bool
	hint     string
}{
	{ErrUnauthorized, statusIn(http.StatusUnauthorized), "check the credentials (email and API token, username and password, personal access token or OAuth grant): they are missing, wrong, expired or revoked"},
	{ErrForbidden, statusIn(http.StatusForbidden), "the account is authenticated but lacks a permission for this: a project permission, an issue security level or a global permission (or the OAuth grant lacks a scope); ask a Jira administrator"},
	{ErrNotFound, statusIn(http.StatusNotFound), "not found or not visible to this account (Jira hides what the account may not browse): check the key or id and the account's Browse projects permission"},
	{ErrValidation, statusIn(http.StatusBadRequest, http.StatusUnprocessableEntity), "Jira rejected the request's content: fix the fields named above"},
	{ErrConflict, statusIn(http.StatusConflict), "conflict with a concurrent change: fetch the current state and try again"},
	{ErrRemoved, statusIn(http.StatusGone), "this API was removed from Jira: use its replacement as Jira's message says"},
	{ErrRateLimited, statusIn(http.StatusTooManyRequests), "rate limited: wait and try again"},
	{ErrServer, func(status int) bool { return status >= 500 }, "Jira server error: try again later; if it persists, check Jira's status page or logs"},
}

// statusIn returns a match for the given statuses.
func statusIn(statuses ...int) func(int) bool {
	return func(status int) bool { return slices.Contains(statuses, status) }
}

func (e *Error) hint() string {
	if e.StatusCode == http.StatusForbidden {
		switch reason := strings.ToUpper(e.Header.Get("X-Seraph-LoginReason")); {
		case strings.Contains(reason, "AUTHENTICATION_DENIED"):
			return "Jira refused the login, most likely because it now requires a CAPTCHA after failed attempts: log in once in the browser, then try again"
		case strings.Contains(reason, "AUTHORISATION_FAILED"):
			return "Jira refused the login (X-Seraph-LoginReason: AUTHORISATION_FAILED): log in once in the browser (a CAPTCHA may be pending) and check that the account may use Jira"
		}
		if e.Permission != "" {
			return "the account lacks the permission Jira names: " + e.Permission + "; ask a Jira administrator to grant it"
		}
	}
	for _, c := range statusClasses {
		if c.match(e.StatusCode) {
			return c.hint
		}
	}
	return ""
}

// Is matches the sentinel for the status code.
func (e *Error) Is(target error) bool {
	for _, c := range statusClasses {
		if c.sentinel == target {
			return c.match(e.StatusCode)
		}
	}
	return false
}

// Unwrap returns the *httpx.StatusError the answer was read from, if any.
func (e *Error) Unwrap() error {
	if e.status == nil {
		return nil
	}
	return e.status
}

// Retryable reports whether the same request may succeed later: true for
// 429, 502, 503 and 504, so that action.IsRetryable accepts it.
func (e *Error) Retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// errorDetail lets RateLimitError embed *Error under a name that does not
// clash with its Error method; StatusCode, Messages, Header... are promoted.
type errorDetail = Error

// RateLimitError is a 429 answer, or any retryable answer whose requested
// wait exceeds the connection's httpx.Options.MaxRetryWait. It matches
// ErrRateLimited, and errors.As finds the underlying *Error.
type RateLimitError struct {
	*errorDetail
	// Wait is how long Jira asked the caller to wait; 0 if it did not say.
	Wait time.Duration
	// Reason is the RateLimit-Reason header (jira-burst-based,
	// jira-quota-tenant-based, jira-per-issue-on-write...), if any.
	Reason string
}

// Error is the *Error text followed by the reason and the requested wait.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	b.WriteString(e.errorDetail.Error())
	if e.Reason != "" {
		fmt.Fprintf(&b, " (reason %s)", e.Reason)
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, "; the server asks to wait %s", e.Wait)
	}
	return b.String()
}

// Unwrap returns the underlying *Error.
func (e *RateLimitError) Unwrap() error { return e.errorDetail }

// Is matches ErrRateLimited, and the sentinels of the status code.
func (e *RateLimitError) Is(target error) bool {
	return target == ErrRateLimited || e.errorDetail.Is(target)
}

// Retryable returns true: waiting helps.
func (e *RateLimitError) Retryable() bool { return true }

// checkResponse returns nil for a 2xx response. Otherwise it reads (at most
// 1 MiB of) and closes the body and returns an *Error, or a
// *RateLimitError for 429.
func checkResponse(resp *http.Response) error {
	return answerError(httpx.CheckResponse(resp, resetHeaders...), false)
}

// answerError turns the *httpx.StatusError in err into Jira's reading of
// it: a *RateLimitError for a 429, or for any answer when waitTooLong (the
// HTTP layer gave up on a wait above its cap), else an *Error. Other
// errors pass through.
func answerError(err error, waitTooLong bool) error {
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		return err
	}
	e := newError(se)
	if waitTooLong || se.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{errorDetail: e, Wait: se.Wait, Reason: rateLimitReason(se.Header)}
	}
	return e
}

func rateLimitReason(h http.Header) string {
	if r := h.Get("RateLimit-Reason"); r != "" {
		return r
	}
	return h.Get("X-Beta-RateLimit-Reason")
}

// PermissionError is a 403 from an action, explained: which permission the
// action needs and whether GET /mypermissions says the account has it. It
// matches ErrForbidden with errors.Is, and errors.As finds the
// underlying *Error.
type PermissionError struct {
	// Action is the action's name ("create_issue").
	Action string
	// Permission is the permission at issue: the first one the action needs
	// that the account lacks, or the first it needs when it has them all.
	Permission string
	// Permissions lists every permission the action needs.
	Permissions []string
	// Scope is where the permission was checked.
	Scope PermissionScope
	// Checked reports whether mypermissions answered; when false, HasPermission
	// means nothing and CheckErr says why.
	Checked bool
	// HasPermission is mypermissions' answer for Permission.
	HasPermission bool
	// CheckErr is why mypermissions could not be asked, if it could not.
	CheckErr error
	// Err is the 403 itself.
	Err error
}

// Error names the action, the permission it needs and what to do.
func (e *PermissionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jira: %s was refused (403 Forbidden)", e.Action)
	if e.Permission == "" {
		b.WriteString("; ")
		b.WriteString(e.Err.Error())
		return b.String()
	}
	fmt.Fprintf(&b, ": it needs the %s permission in %s", e.Permission, e.Scope)
	switch {
	case !e.Checked:
		fmt.Fprintf(&b, "; mypermissions could not be checked (%v)", e.CheckErr)
	case !e.HasPermission:
		fmt.Fprintf(&b, ", and mypermissions says this account does NOT have it: ask a Jira administrator to grant %s to the account (through the project's permission scheme or a global permission)", e.Permission)
	default:
		b.WriteString(", and mypermissions says this account has it: the refusal comes from elsewhere (an issue security level, a workflow condition, a field missing from the screen, or a missing OAuth scope)")
	}
	fmt.Fprintf(&b, " [%v]", e.Err)
	return b.String()
}

// Unwrap returns the 403 error.
func (e *PermissionError) Unwrap() error { return e.Err }

// Retryable returns false: a missing permission does not fix itself.
func (e *PermissionError) Retryable() bool { return false }

// explainForbidden turns a 403 into a *PermissionError. Other errors, a 403
// caused by a CAPTCHA lock (which no permission fixes) and actions that
// need no permission pass through.
func (c *Client) explainForbidden(ctx context.Context, info action.Info, scope PermissionScope, err error) error {
	var he *Error
	if !errors.Is(err, ErrForbidden) || !errors.As(err, &he) || len(info.Permissions) == 0 {
		return err
	}
	var pe *PermissionError
	if errors.As(err, &pe) {
		return err
	}
	if he.Header.Get("X-Seraph-LoginReason") != "" && he.Header.Get("X-Seraph-LoginReason") != "OK" {
		return err
	}
	pe = &PermissionError{Action: info.Name, Permissions: info.Permissions, Scope: scope, Err: err}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	perms, _, cerr := c.Permissions.Mine(ctx, scope, info.Permissions...)
	if cerr != nil {
		pe.Permission, pe.CheckErr = info.Permissions[0], cerr
		if he.Permission != "" {
			pe.Permission = he.Permission
		}
		return pe
	}
	pe.Checked = true
	for _, p := range info.Permissions {
		if !perms[p].HavePermission {
			pe.Permission = p
			return pe
		}
	}
	pe.Permission, pe.HasPermission = info.Permissions[0], true
	return pe
}

// NotFoundError is a 404 from an action on an issue, explained. Jira gives
// the same 404 for an issue that does not exist and for one the account
// may not see (it lacks Browse Projects in the issue's project, or an
// issue security level hides the issue), so NotFoundError says what GET
// /mypermissions answers about BROWSE_PROJECTS in the project of the key.
// It matches ErrNotFound with errors.Is, and errors.As finds the
// underlying *Error.
type NotFoundError struct {
	// Action is the action's name ("add_comment").
	Action string
	// IssueKey is the issue key or id the action was given.
	IssueKey string
	// ProjectKey is the project part of IssueKey ("DEMO" for DEMO-7);
	// empty when IssueKey is a numeric id, whose project cannot be told.
	ProjectKey string
	// Checked reports whether mypermissions answered for ProjectKey; when
	// false, CanBrowse means nothing and CheckErr says why (nil when there
	// was no project key to check).
	Checked bool
	// CanBrowse is mypermissions' answer for BROWSE_PROJECTS in ProjectKey.
	CanBrowse bool
	// ProjectHidden reports that mypermissions answered 404 for ProjectKey
	// itself: the project does not exist, or the account may not browse it.
	ProjectHidden bool
	// CheckErr is why mypermissions could not be asked, if it could not.
	CheckErr error
	// Err is the 404 itself.
	Err error
}

// securityLevelHint is what to do when the account may browse the project
// but still cannot see the issue.
const securityLevelHint = "either the issue does not exist (check the key; it may have been deleted) or an issue security level hides it from this account (ask a Jira administrator to add the account to the issue's security level, or to clear the level)"

// Error names what was not found and why it may be hidden.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jira: %s: issue %s was not found (404 Not Found); Jira answers the same for an issue that does not exist and for one this account may not see", e.Action, e.IssueKey)
	switch {
	case e.ProjectKey == "":
		b.WriteString(": check the id, the account's Browse Projects permission in the issue's project, and the issue's security level")
	case e.ProjectHidden:
		fmt.Fprintf(&b, "; project %s is not visible to this account either: it does not exist, or the account lacks the Browse Projects permission (BROWSE_PROJECTS) in it; check the key, or ask a Jira administrator to grant BROWSE_PROJECTS", e.ProjectKey)
	case !e.Checked:
		fmt.Fprintf(&b, "; mypermissions could not be checked (%v): check the key, the account's Browse Projects permission in project %s, and the issue's security level", e.CheckErr, e.ProjectKey)
	case !e.CanBrowse:
		fmt.Fprintf(&b, "; mypermissions says this account does NOT have Browse Projects (BROWSE_PROJECTS) in project %s: ask a Jira administrator to grant it", e.ProjectKey)
	default:
		fmt.Fprintf(&b, "; mypermissions says this account has Browse Projects in project %s, so %s", e.ProjectKey, securityLevelHint)
	}
	fmt.Fprintf(&b, " [%v]", e.Err)
	return b.String()
}

// Unwrap returns the 404 error.
func (e *NotFoundError) Unwrap() error { return e.Err }

// Retryable returns false: a missing or hidden issue does not appear by
// itself on a retry.
func (e *NotFoundError) Retryable() bool { return false }

// issueKeyRE matches an issue key and captures its project key.
var issueKeyRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)-[0-9]+$`)

// explainNotFound turns a 404 from an action on an issue into a
// *NotFoundError. A 404 about something else (a comment, a user, a link
// type, while the issue itself is visible) and actions without an issue
// pass through.
func (c *Client) explainNotFound(ctx context.Context, info action.Info, scope PermissionScope, err error) error {
	var he *Error
	key := strings.TrimSpace(scope.IssueKey)
	if key == "" || !errors.Is(err, ErrNotFound) || !errors.As(err, &he) {
		return err
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return err
	}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if !isIssueRead(he, key) {
		// The request was about more than the issue: is the issue itself
		// visible? If it is, the 404 concerns something else.
		_, _, gerr := c.Issues.Get(ctx, key, &GetIssueOptions{Fields: []string{"id"}})
		if gerr == nil || !errors.Is(gerr, ErrNotFound) {
			return err
		}
	}
	nf = &NotFoundError{Action: info.Name, IssueKey: key, Err: err}
	m := issueKeyRE.FindStringSubmatch(key)
	if m == nil {
		return nf
	}
	nf.ProjectKey = strings.ToUpper(m[1])
	perms, _, cerr := c.Permissions.Mine(ctx, PermissionScope{ProjectKey: nf.ProjectKey}, "BROWSE_PROJECTS")
	switch {
	case errors.Is(cerr, ErrNotFound):
		nf.ProjectHidden = true
	case cerr != nil:
		nf.CheckErr = cerr
	default:
		nf.Checked = true
		nf.CanBrowse = perms["BROWSE_PROJECTS"].HavePermission
	}
	return nf
}

// isIssueRead reports whether the failed request was a GET of the issue
// itself, whose 404 needs no second look.
func isIssueRead(he *Error, key string) bool {
	if he.Method != http.MethodGet {
		return false
	}
	u, err := url.Parse(he.URL)
	if err != nil {
		return false
	}
	return strings.HasSuffix(u.EscapedPath(), "/rest/api/2/issue/"+url.PathEscape(key))
}
