package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// StatusError is a non-2xx answer to the "http_request" action.
//
// It matches action.ErrOutcomeUnknown with errors.Is for a 5xx answer to
// a request that is not idempotent: the server may have applied it before
// failing. A refusal (429, or 503 naming a wait, see httpx.Refused) was not
// applied and is retryable for every method; Retryable also reports true
// for 408, 500, 502, 503 and 504 when the request is idempotent. errors.As
// also finds the HTTP layer's neutral *httpx.StatusError of the answer, as
// for every connector.
type StatusError struct {
	// Status is the HTTP status code.
	Status int
	// Method is the request's method.
	Method string
	// URL is the request's URL without user info, query string or
	// fragment, with token-like path segments redacted.
	URL string
	// Header is the response's header.
	Header http.Header
	// Body is the response body, with any credential the request carried
	// (sensitive headers, query parameters, token-like path segments)
	// replaced by "[redacted]" should the server echo it.
	Body string
	// Idempotent reports whether the request was safe to repeat.
	Idempotent bool
}

// maxQuotedBody bounds how much of the body Error quotes.
const maxQuotedBody = 512

// Error returns "webhook: METHOD URL: STATUS TEXT: body excerpt: hint".
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webhook: %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if excerpt := strings.Join(strings.Fields(e.Body), " "); excerpt != "" {
		if len(excerpt) > maxQuotedBody {
			excerpt = excerpt[:maxQuotedBody] + "…"
		}
		b.WriteString(": ")
		b.WriteString(excerpt)
	}
	if h := e.hint(); h != "" {
		b.WriteString(" (")
		b.WriteString(h)
		b.WriteString(")")
	}
	return b.String()
}

func (e *StatusError) hint() string {
	switch s := e.Status; {
	case s == http.StatusUnauthorized:
		return "the server wants credentials: check ClientOptions.Auth or the request's headers"
	case s == http.StatusForbidden:
		return "the credentials are not allowed to do this"
	case s == http.StatusNotFound:
		return "check the URL"
	case s == http.StatusTooManyRequests:
		if wait, ok := httpx.ServerWait(e.Header, time.Now()); ok {
			return fmt.Sprintf("rate limited: the server asks to wait %s", wait.Round(time.Second))
		}
		return "rate limited: wait and try again"
	case s >= 500 && e.outcomeUnknown():
		return "the request may or may not have been applied; it is not retried unless the input marks it idempotent"
	case s >= 500:
		return "server error: try again later"
	case s >= 300 && s < 400:
		return "a redirect that was not followed: request the URL in its Location header"
	}
	return ""
}

func (e *StatusError) outcomeUnknown() bool {
	return !e.Idempotent && e.Status >= 500 && e.Status != http.StatusNotImplemented && e.Status != http.StatusHTTPVersionNotSupported &&
		!httpx.Refused(e.Status, e.Header)
}

// Retryable reports whether sending the same request again may succeed.
func (e *StatusError) Retryable() bool {
	switch e.Status {
	case http.StatusTooManyRequests:
		return true // refused before being processed
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return e.Idempotent || httpx.Refused(e.Status, e.Header)
	}
	return false
}

// Is matches action.ErrOutcomeUnknown for a 5xx answer to a request that
// is not idempotent.
func (e *StatusError) Is(target error) bool {
	return target == action.ErrOutcomeUnknown && e.outcomeUnknown()
}

// Unwrap returns the answer as the HTTP layer's neutral *httpx.StatusError
// (with the redacted body), so code that handles any connector's HTTP
// answers finds its status with errors.As.
func (e *StatusError) Unwrap() error {
	wait, _ := httpx.ServerWait(e.Header, time.Now())
	return &httpx.StatusError{StatusCode: e.Status, Method: e.Method, URL: e.URL, Header: e.Header, Body: []byte(e.Body), Wait: wait}
}

// RequestError is a request of the "http_request" action that got no
// answer: a connection failure, a timeout, the context's end, a host
// outside AllowedHosts reached by a redirect, or a rate-limit wait above
// the HTTP layer's cap. Its message names the method and the redacted URL,
// never the query string or headers. It unwraps to the HTTP layer's error,
// so errors.Is finds action.ErrOutcomeUnknown (a POST that may have been
// applied), context.Canceled or, for a rate-limit wait above the cap, the
// *httpx.StatusError of the answer, and action.IsRetryable sees its
// classification.
type RequestError struct {
	// Method is the request's method.
	Method string
	// URL is the request's redacted URL.
	URL          string
	err          error
	secrets      *secretSet
	outcomeKnown bool
}

// Error says what failed without quoting any credential.
func (e *RequestError) Error() string {
	return e.secrets.clean(fmt.Sprintf("webhook: %s %s: %s", e.Method, e.URL, e.cause()))
}

func (e *RequestError) cause() string {
	var rl *httpx.StatusError
	var hna *hostNotAllowedError
	var ue *url.Error
	switch {
	case errors.As(e.err, &hna):
		return hna.Error()
	case errors.As(e.err, &rl):
		if rl.Wait > 0 {
			return fmt.Sprintf("rate limited (%d): the server asks to wait %s, longer than the HTTP client's MaxRetryWait", rl.StatusCode, rl.Wait)
		}
		return fmt.Sprintf("rate limited (%d)", rl.StatusCode)
	case errors.Is(e.err, context.Canceled):
		return "canceled before an answer arrived"
	case errors.Is(e.err, context.DeadlineExceeded) && !errors.As(e.err, &ue):
		return "the deadline passed before an answer arrived"
	}
	msg := e.err.Error()
	if errors.As(e.err, &ue) {
		msg = ue.Err.Error() // without the URL, which may carry a query secret
	}
	if !e.outcomeKnown && errors.Is(e.err, action.ErrOutcomeUnknown) {
		return msg + " (the request may or may not have been applied; it is not retried unless the input marks it idempotent)"
	}
	return msg
}

// Unwrap returns the HTTP layer's error.
func (e *RequestError) Unwrap() error { return e.err }

// Retryable reports whether a retry may help: not after the context's
// end, an unknown outcome or a refused host; yes after a network failure
// of an idempotent request or a long rate-limit wait.
func (e *RequestError) Retryable() bool { return action.IsRetryable(e.err) }
