package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Refused reports whether an answer with this status and header says the
// server refused the request without applying it, so that sending it again
// cannot apply it twice, whatever its method:
//
//   - 429 Too Many Requests: a rate limit is checked before the request is
//     handled, and rate-limited APIs tell clients to wait and send the same
//     request again.
//   - 503 Service Unavailable that carries a wait (Retry-After,
//     X-RateLimit-Reset, or one of resetHeaders, a server's own spelling
//     of it): an admission refusal made before the request ran, as when a
//     resource limit is reached or a proxy holds requests back during
//     maintenance.
//
// A 503 without a wait, a 502 or a 504 may come from a gateway that gave
// up while the server was still working on the request, and a 500 from a
// request that failed halfway: the outcome of a write is then unknown, and
// only the caller can find out whether it was applied (Refused is false).
func Refused(status int, h http.Header, resetHeaders ...string) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		if h.Get("Retry-After") != "" || h.Get("X-RateLimit-Reset") != "" {
			return true
		}
		for _, name := range resetHeaders {
			if h.Get(name) != "" {
				return true
			}
		}
	}
	return false
}

func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

type idempotentKey struct{}

// WithIdempotent marks the requests made with ctx as safe to send more than
// once, so that Client.Do retries a POST or PATCH like a GET. Mark only
// requests whose repetition does no harm (a search by POST, a create with a
// server-side idempotency key).
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func markedIdempotent(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// ServerWait returns the wait the server asked for in h, measured from now:
// Retry-After as seconds (negative counts as 0, more than 24 hours as 24
// hours) or as an HTTP date; else X-RateLimit-Reset, then each of
// resetHeaders (a server's own spelling of it), as an ISO-8601 time such as
// 2026-03-26T16:00Z. A time already past gives 0. Retry-After wins when
// both are present. ok is false when none is present or parseable.
func ServerWait(h http.Header, now time.Time, resetHeaders ...string) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			if secs < 0 {
				secs = 0
			}
			if secs > int64(24*time.Hour/time.Second) {
				secs = int64(24 * time.Hour / time.Second)
			}
			return time.Duration(secs) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	for _, name := range append([]string{"X-RateLimit-Reset"}, resetHeaders...) {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if t, ok := parseISOTime(v); ok {
				return max(t.Sub(now), 0), true
			}
		}
	}
	return 0, false
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

func parseISOTime(v string) (time.Time, bool) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// backoff returns the wait before retry number n (1 for the first retry):
// min·2^(n-1) capped at max, times a jitter factor in [0.7, 1.3), never
// above max.
func backoff(minWait, maxWait time.Duration, n int) time.Duration {
	d := minWait
	for i := 1; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	d = time.Duration(float64(d) * (0.7 + 0.6*rand.Float64()))
	return min(d, maxWait)
}

// jitterUp adds 0-20% to a server-requested wait, so that many clients told
// the same time do not return at the same instant, without exceeding limit
// (unless wait itself does).
func jitterUp(wait, limit time.Duration) time.Duration {
	j := wait + time.Duration(rand.Float64()*0.2*float64(wait))
	return max(min(j, limit), wait)
}

// networkError reports whether err is a transport failure worth retrying
// (a reset connection, a timeout, an unexpected EOF), as opposed to a bad
// URL, a TLS certificate problem or a credential failure.
func networkError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// notSent reports whether err shows the request never left this machine
// (no connection could be made), so its outcome is known: not applied.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
