package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Sentinels matched by *Error (and *RateLimitError) with errors.Is,
// according to the status code.
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

// maxErrorBody is how much of an error response CheckResponse reads.
const maxErrorBody = 1 << 20

// Error is a non-2xx answer from Jira, parsed leniently from any of the
// error bodies Jira and Atlassian's gateway send.
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

func (e *Error) hint() string {
	switch s := e.StatusCode; {
	case s == http.StatusUnauthorized:
		return "check the credentials (email and API token, username and password, personal access token or OAuth grant): they are missing, wrong, expired or revoked"
	case s == http.StatusForbidden:
		switch reason := strings.ToUpper(e.Header.Get("X-Seraph-LoginReason")); {
		case strings.Contains(reason, "AUTHENTICATION_DENIED"):
			return "Jira refused the login, most likely because it now requires a CAPTCHA after failed attempts: log in once in the browser, then try again"
		case strings.Contains(reason, "AUTHORISATION_FAILED"):
			return "Jira refused the login (X-Seraph-LoginReason: AUTHORISATION_FAILED): log in once in the browser (a CAPTCHA may be pending) and check that the account may use Jira"
		}
		if e.Permission != "" {
			return "the account lacks the permission Jira names: " + e.Permission + "; ask a Jira administrator to grant it"
		}
		return "the account is authenticated but lacks a permission for this: a project permission, an issue security level or a global permission (or the OAuth grant lacks a scope); ask a Jira administrator"
	case s == http.StatusNotFound:
		return "not found or not visible to this account (Jira hides what the account may not browse): check the key or id and the account's Browse projects permission"
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return "Jira rejected the request's content: fix the fields named above"
	case s == http.StatusConflict:
		return "conflict with a concurrent change: fetch the current state and try again"
	case s == http.StatusGone:
		return "this API was removed from Jira: use its replacement as Jira's message says"
	case s == http.StatusTooManyRequests:
		return "rate limited: wait and try again"
	case s >= 500:
		return "Jira server error: try again later; if it persists, check Jira's status page or logs"
	}
	return ""
}

// Is matches the sentinel for the status code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrRemoved:
		return e.StatusCode == http.StatusGone
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// Retryable reports whether the same request may succeed later: true for
// 429, 502, 503 and 504, so that action.IsRetryable accepts it.
func (e *Error) Retryable() bool { return retryableStatus(e.StatusCode) }

// errorDetail lets RateLimitError embed *Error under a name that does not
// clash with its Error method; StatusCode, Messages, Header... are promoted.
type errorDetail = Error

// RateLimitError is a 429 answer, or any retryable answer whose requested
// wait exceeds Options.MaxRetryWait. It matches ErrRateLimited, and
// errors.As finds the underlying *Error.
type RateLimitError struct {
	*errorDetail
	// Wait is how long the server asked the caller to wait; 0 if it did not say.
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

// CheckResponse returns nil for a 2xx response. Otherwise it reads (at most
// 1 MiB of) and closes the body and returns an *Error, or a *RateLimitError
// for 429.
func CheckResponse(resp *http.Response) error {
	if resp == nil {
		return errors.New("httpx.CheckResponse: nil response")
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	e := newError(resp)
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := ServerWait(resp.Header, time.Now())
		return &RateLimitError{errorDetail: e, Wait: wait, Reason: rateLimitReason(resp.Header)}
	}
	return e
}

func newError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, Header: resp.Header.Clone()}
	// A session cookie is a credential; keep it out of %#v output and logs.
	e.Header.Del("Set-Cookie")
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = cleanURL(resp.Request.URL)
	}
	if resp.Body != nil {
		e.Body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	e.Messages, e.FieldErrors = parseErrorBody(e.Body, resp.Header.Get("Content-Type"))
	if e.StatusCode == http.StatusForbidden {
		e.Permission = findPermission(e.Messages, e.FieldErrors)
	}
	return e
}

func rateLimitReason(h http.Header) string {
	if r := h.Get("RateLimit-Reason"); r != "" {
		return r
	}
	return h.Get("X-Beta-RateLimit-Reason")
}

// cleanURL drops the query string, fragment and user info, which may hold
// secrets.
func cleanURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment, c.ForceQuery = nil, "", "", "", false
	return c.String()
}

// parseErrorBody understands {"errorMessages":[],"errors":{}},
// {"message":..., "status-code":...}, {"error":..., "error_description":...},
// {"code":..., "message":...}, and plain text or HTML.
func parseErrorBody(body []byte, contentType string) ([]string, map[string]string) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(trimmed), &raw); err != nil {
		if msg := textMessage(trimmed, contentType); msg != "" {
			return []string{msg}, nil
		}
		return nil, nil
	}
	var msgs []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(msgs, s) {
			msgs = append(msgs, s)
		}
	}
	var list []string
	if json.Unmarshal(raw["errorMessages"], &list) == nil {
		for _, m := range list {
			add(m)
		}
	}
	for _, k := range []string{"message", "errorMessage"} {
		if s := jsonString(raw[k]); s != "" {
			add(s)
		}
	}
	if s := jsonString(raw["error"]); s != "" {
		if d := jsonString(raw["error_description"]); d != "" {
			s += ": " + d
		}
		add(s)
	}
	var fields map[string]json.RawMessage
	var fe map[string]string
	if json.Unmarshal(raw["errors"], &fields) == nil && len(fields) > 0 {
		fe = make(map[string]string, len(fields))
		for k, v := range fields {
			if s := jsonString(v); s != "" {
				fe[k] = s
			} else {
				fe[k] = strings.TrimSpace(string(v))
			}
		}
	}
	return msgs, fe
}

// jsonString returns a JSON string's value, or a number's text.
func jsonString(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

func textMessage(body, contentType string) string {
	if strings.Contains(contentType, "html") || strings.HasPrefix(body, "<") {
		if m := titleRE.FindStringSubmatch(body); m != nil {
			return shorten(spaceRE.ReplaceAllString(m[1], " "), 200)
		}
		return ""
	}
	return shorten(spaceRE.ReplaceAllString(body, " "), 200)
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

var (
	// Jira's permission keys: BROWSE_PROJECTS, ADMINISTER_PROJECTS...
	permKeyRE = regexp.MustCompile(`\b(ADMINISTER|SYSTEM_ADMIN|[A-Z]{2,}(?:_[A-Z]{2,})+)\b`)
	// A quoted permission name: 'Browse projects' permission.
	permNameRE = regexp.MustCompile(`['"‘“]([A-Za-z][A-Za-z ]{2,40}?)['"’”]\s+(?:global\s+|project\s+)?permission`)
	// Atlassian's gateway on a missing OAuth scope.
	scopeRE = regexp.MustCompile(`(?i)scope does not match|insufficient[_ ]scope`)
)

func findPermission(msgs []string, fields map[string]string) string {
	texts := slices.Clone(msgs)
	for _, v := range fields {
		texts = append(texts, v)
	}
	sort.Strings(texts)
	for _, t := range texts {
		if m := permKeyRE.FindString(t); m != "" {
			return m
		}
		if m := permNameRE.FindStringSubmatch(t); m != nil {
			return m[1]
		}
		if strings.Contains(t, "Administer Jira") {
			return "Administer Jira"
		}
	}
	for _, t := range texts {
		if scopeRE.MatchString(t) {
			return "an OAuth scope the app was not granted"
		}
	}
	return ""
}
