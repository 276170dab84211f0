package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// MaxErrorBody is how much of a non-2xx answer's body a *StatusError keeps.
const MaxErrorBody = 1 << 20

// StatusError is a non-2xx answer as the HTTP layer sees it: the request's
// method and URL, the status, the headers, the start of the body and the
// wait the server asked for. It knows nothing of what the body means: a
// connector reads Body into its own error type, and may keep the
// *StatusError underneath so that errors.As finds it whatever the
// connector.
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method is the request's method.
	Method string
	// URL is the request's URL without query string, fragment or user info,
	// which may hold secrets.
	URL string
	// Header is the response's header, without Set-Cookie.
	Header http.Header
	// Body is the start of the response body, at most MaxErrorBody bytes.
	Body []byte
	// Wait is how long the server asked the caller to wait before trying
	// again (see ServerWait); 0 when it did not say.
	Wait time.Duration
}

// Error returns "METHOD URL: STATUS TEXT", followed by the wait the server
// asked for, if any. It never quotes the body, which only the connector
// knows how to read.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Wait > 0 {
		msg += fmt.Sprintf("; the server asks to wait %s", e.Wait)
	}
	return msg
}

// Retryable reports whether the same request may succeed later: true for
// 429, 502, 503 and 504, so that action.IsRetryable accepts it.
func (e *StatusError) Retryable() bool { return retryableStatus(e.StatusCode) }

// CheckResponse returns nil for a 2xx response. Otherwise it reads (at most
// MaxErrorBody of) and closes the body and returns a *StatusError whose
// Wait is read from the headers with ServerWait and waitHeaders.
func CheckResponse(resp *http.Response, waitHeaders ...string) error {
	if resp == nil {
		return errors.New("httpx.CheckResponse: nil response")
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	return newStatusError(resp, time.Now(), waitHeaders)
}

func newStatusError(resp *http.Response, now time.Time, waitHeaders []string) *StatusError {
	e := &StatusError{StatusCode: resp.StatusCode, Header: resp.Header.Clone()}
	// A session cookie is a credential; keep it out of %#v output and logs.
	e.Header.Del("Set-Cookie")
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = cleanURL(resp.Request.URL)
	}
	if resp.Body != nil {
		e.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	e.Wait, _ = ServerWait(resp.Header, now, waitHeaders...)
	return e
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
