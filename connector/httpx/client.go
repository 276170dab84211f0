package httpx

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/internal/ctxwait"
)

// Options configure a Client. The zero value gives the documented defaults.
type Options struct {
	// MaxRetries is the number of retries after the first attempt; 0 means
	// the default 4, -1 disables retries.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff (with jitter)
	// used when the server does not say how long to wait. Defaults 500ms
	// and 30s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryWait caps a server-requested wait (Retry-After in seconds or
	// as an HTTP date, X-RateLimit-Reset as an ISO-8601 time). A longer wait
	// makes Do return a *StatusError carrying the wait at once instead of
	// sleeping. Default 60s.
	MaxRetryWait time.Duration
	// ResetHeaders names further headers read, after Retry-After and
	// X-RateLimit-Reset, as the ISO-8601 time a rate limit resets: a
	// server's own spelling of X-RateLimit-Reset.
	ResetHeaders []string
	// RateLimit is a client-side limit in requests per second for this
	// Client (every attempt counts); 0 means none.
	RateLimit float64
	// Burst is the number of requests allowed at once above RateLimit;
	// default 1 when RateLimit is set.
	Burst int
	// Timeout bounds each attempt, including reading the response body.
	// Default 60s. HTTPClient's client has no timeout (downloads).
	Timeout time.Duration
	// Transport is the base transport under the credential; when nil, a
	// pooled transport keeping up to 64 idle connections per host.
	Transport http.RoundTripper
	// Logger receives one debug record per attempt and one info record per
	// retry (method, path, status, attempt, wait). Headers, query strings
	// and bodies are never logged. Nil means no logging.
	Logger *slog.Logger
	// UserAgent is sent as User-Agent when the request sets none.
	UserAgent string
	// Sleep waits d or until ctx ends (returning ctx's error); tests pass a
	// fake. Default: a timer that honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// TracerProvider receives a client span per Do call (method and route
	// template as its name; http.request.method, http.route,
	// http.response.status_code), with an event for each rate-limit wait.
	// Default: the global provider, which records nothing until a program
	// installs an SDK.
	TracerProvider trace.TracerProvider
	// MeterProvider receives recipekit.http.requests (attempts by method,
	// route and status), recipekit.http.rate_limit.waits and
	// recipekit.http.rate_limit.wait_time. Default: the global provider.
	MeterProvider metric.MeterProvider
	// Route turns a request into its route template for spans and metrics,
	// such as /rest/api/2/issue/{issueIdOrKey}; a connector that knows its
	// routes sets it. Default: RouteTemplate.
	Route func(req *http.Request) string
}

// Client sends requests with a credential, retries and rate limiting. It is
// safe for concurrent use.
type Client struct {
	tel     *telemetry
	opts    Options
	retries int
	rc      *retryablehttp.Client
	plain   *http.Client
	limiter *rate.Limiter
	log     *slog.Logger
	now     func() time.Time
}

// New returns a Client that authenticates with strategy (nil for anonymous
// requests). It validates strategy and opts, so a bad configuration fails
// here rather than at the first request.
func New(strategy auth.Strategy, opts Options) (*Client, error) {
	if strategy != nil {
		if err := strategy.Validate(); err != nil {
			return nil, err
		}
	}
	switch {
	case opts.MaxRetries < -1:
		return nil, fmt.Errorf("httpx: Options.MaxRetries is %d: use -1 to disable retries, 0 for the default (4), or a positive number", opts.MaxRetries)
	case opts.MinBackoff < 0, opts.MaxBackoff < 0, opts.MaxRetryWait < 0, opts.Timeout < 0:
		return nil, errors.New("httpx: Options durations (MinBackoff, MaxBackoff, MaxRetryWait, Timeout) must not be negative: use 0 for the defaults")
	case opts.RateLimit < 0 || math.IsNaN(opts.RateLimit) || math.IsInf(opts.RateLimit, 0):
		return nil, fmt.Errorf("httpx: Options.RateLimit is %v: give requests per second, or 0 for no limit", opts.RateLimit)
	case opts.Burst < 0:
		return nil, fmt.Errorf("httpx: Options.Burst is %d: give a positive burst, or 0 for the default", opts.Burst)
	}
	c := &Client{opts: opts, retries: opts.MaxRetries, log: opts.Logger, now: time.Now, tel: newTelemetry(opts)}
	switch c.retries {
	case 0:
		c.retries = 4
	case -1:
		c.retries = 0
	}
	if c.opts.MinBackoff == 0 {
		c.opts.MinBackoff = 500 * time.Millisecond
	}
	if c.opts.MaxBackoff == 0 {
		c.opts.MaxBackoff = 30 * time.Second
	}
	if c.opts.MaxBackoff < c.opts.MinBackoff {
		return nil, fmt.Errorf("httpx: Options.MaxBackoff (%s) is below MinBackoff (%s): raise it", c.opts.MaxBackoff, c.opts.MinBackoff)
	}
	if c.opts.MaxRetryWait == 0 {
		c.opts.MaxRetryWait = 60 * time.Second
	}
	if c.opts.Timeout == 0 {
		c.opts.Timeout = 60 * time.Second
	}
	if c.opts.Sleep == nil {
		c.opts.Sleep = ctxwait.Sleep
	}
	if opts.RateLimit > 0 {
		burst := max(opts.Burst, 1)
		c.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), burst)
	}
	base := opts.Transport
	if base == nil {
		base = pooledTransport()
	}
	var rt http.RoundTripper = base
	if strategy != nil {
		rt = &redirectGuard{authed: strategy.Transport(base), base: base}
	}
	if opts.UserAgent != "" {
		rt = &userAgent{base: rt, ua: opts.UserAgent}
	}
	c.plain = &http.Client{Transport: rt}
	c.rc = &retryablehttp.Client{
		HTTPClient: &http.Client{Transport: &attemptTimeout{base: rt, d: c.opts.Timeout}},
		// Every retry decision is made by checkRetry, so retryablehttp's
		// own counter only needs to stay out of the way.
		RetryMax:   math.MaxInt32,
		CheckRetry: c.checkRetry,
		Backoff:    func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if resp != nil && resp.Body != nil {
				resp.Body.Close()
			}
			return nil, err
		},
		PrepareRetry: c.prepareRetry,
	}
	return c, nil
}

// idleConnsPerHost is how many idle keep-alive connections the pooled
// transport keeps per host: enough for a recipe running its jobs with a
// high Concurrency, so that each request reuses a connection instead of
// opening (and on a real site negotiating TLS for) a new one.
const idleConnsPerHost = 64

func pooledTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(idleConnsPerHost, runtime.GOMAXPROCS(0)+1)
	t.MaxIdleConns = max(t.MaxIdleConns, t.MaxIdleConnsPerHost)
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// HTTPClient returns a plain *http.Client with the same credential and base
// transport but no retries and no timeout, for downloads and requests whose
// redirects the caller follows itself.
func (c *Client) HTTPClient() *http.Client { return c.plain }

// call is the state of one Do call, reached from retryablehttp's callbacks
// through the request's context.
type call struct {
	span       trace.Span
	route      string
	method     string
	path       string
	idempotent bool
	replayable bool
	attempt    int
	wait       time.Duration
}

type callKey struct{}

// Do sends req, retrying as the package documentation describes, and
// returns the final response whatever its status, with its body intact;
// pass it to CheckResponse. It returns an error only when no usable
// response arrived: a transport failure (wrapping action.ErrOutcomeUnknown
// when a non-idempotent request may have been applied), the context's end,
// or a *StatusError (with the answer's status, headers, start of body and
// Wait) when the server asks for a wait above MaxRetryWait.
//
// A request body must be replayable (http.NewRequest with a bytes, strings
// or bytes.Buffer reader sets GetBody) to be retried; a streaming body is
// sent once.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		if req != nil {
			closeReqBody(req)
		}
		return nil, errors.New("httpx: Do needs a request with a URL")
	}
	ctx := req.Context()
	st := &call{
		method:     req.Method,
		path:       req.URL.Path,
		idempotent: idempotentMethod(req.Method) || markedIdempotent(ctx),
		replayable: req.Body == nil || req.Body == http.NoBody || req.GetBody != nil,
	}
	if st.method == "" {
		st.method = http.MethodGet
	}
	ctx, st.span, st.route = c.tel.start(ctx, req, st.method)
	if err := c.throttle(ctx, st); err != nil {
		closeReqBody(req)
		err = c.wrap(st, err)
		endSpan(st.span, nil, err)
		return nil, err
	}
	rreq := &retryablehttp.Request{Request: req.WithContext(context.WithValue(ctx, callKey{}, st))}
	resp, err := c.rc.Do(rreq)
	if err != nil {
		err = c.wrap(st, err)
		endSpan(st.span, nil, err)
		return nil, err
	}
	endSpan(st.span, resp, nil)
	return resp, nil
}

func (c *Client) wrap(st *call, err error) error {
	var se *StatusError
	if errors.As(err, &se) {
		return err
	}
	return &requestError{method: st.method, path: st.path, attempts: st.attempt, err: sanitize(err)}
}

// throttle waits for the client-side rate limiter.
func (c *Client) throttle(ctx context.Context, st *call) error {
	if c.limiter == nil {
		return nil
	}
	r := c.limiter.Reserve()
	if d := r.Delay(); d > 0 {
		c.tel.wait(ctx, st, "client", 0, d)
		if err := c.opts.Sleep(ctx, d); err != nil {
			r.Cancel()
			return err
		}
	}
	return nil
}

// checkRetry decides after each attempt. It records the wait for
// prepareRetry, which sleeps with the context (retryablehttp's own wait is
// zero), so that a fake Sleep sees every wait.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(callKey{}).(*call)
	if st == nil { // not a request made by Do
		return false, err
	}
	st.attempt++
	retriesLeft := st.idempotent && st.replayable && st.attempt <= c.retries
	if err != nil {
		c.tel.attempt(ctx, st, 0)
		c.logAttempt(ctx, st, 0, err)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		if !networkError(err) {
			return false, err
		}
		if !st.idempotent && !notSent(err) {
			return false, fmt.Errorf("%w: %w", action.ErrOutcomeUnknown, err)
		}
		if !retriesLeft {
			return false, err
		}
		st.wait = backoff(c.opts.MinBackoff, c.opts.MaxBackoff, st.attempt)
		c.logRetry(ctx, st, 0)
		return true, nil
	}
	c.tel.attempt(ctx, st, resp.StatusCode)
	c.logAttempt(ctx, st, resp.StatusCode, nil)
	if !retryableStatus(resp.StatusCode) {
		return false, nil
	}
	wait, told := ServerWait(resp.Header, c.now(), c.opts.ResetHeaders...)
	// A refusal was not applied, so any method may be sent again; another
	// retryable status to a write leaves its outcome unknown, and the
	// caller (who can look its change up) decides.
	if !(st.idempotent || Refused(resp.StatusCode, resp.Header, c.opts.ResetHeaders...)) || !st.replayable || st.attempt > c.retries {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		// A retry was due but the context has ended: stop now.
		return false, err
	}
	if told && wait > c.opts.MaxRetryWait {
		c.logGiveUp(ctx, st, resp.StatusCode, wait)
		return false, newStatusError(resp, c.now(), c.opts.ResetHeaders)
	}
	if told {
		st.wait = jitterUp(wait, c.opts.MaxRetryWait)
		c.tel.wait(ctx, st, "server", resp.StatusCode, st.wait)
	} else if resp.StatusCode == http.StatusTooManyRequests {
		st.wait = backoff(c.opts.MinBackoff, c.opts.MaxBackoff, st.attempt)
		c.tel.wait(ctx, st, "server", resp.StatusCode, st.wait)
	} else {
		st.wait = backoff(c.opts.MinBackoff, c.opts.MaxBackoff, st.attempt)
	}
	c.logRetry(ctx, st, resp.StatusCode)
	return true, nil
}

// prepareRetry sleeps the recorded wait, waits for the rate limiter and
// rewinds the body before the next attempt.
func (c *Client) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	st, _ := ctx.Value(callKey{}).(*call)
	if st != nil {
		if err := c.opts.Sleep(ctx, st.wait); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := c.throttle(ctx, st); err != nil {
		return err
	}
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return errors.New("the request body cannot be replayed for a retry")
		}
		body, err := req.GetBody()
		if err != nil {
			return fmt.Errorf("rewinding the request body: %w", err)
		}
		req.Body = body
	}
	return nil
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// requestError reports a request that got no usable response.
type requestError struct {
	method, path string
	attempts     int
	err          error
}

func (e *requestError) Error() string {
	if e.attempts > 1 {
		return fmt.Sprintf("%s %s: %v (after %d attempts)", e.method, e.path, e.err, e.attempts)
	}
	return fmt.Sprintf("%s %s: %v", e.method, e.path, e.err)
}

func (e *requestError) Unwrap() error { return e.err }

// Retryable says a retry may help: not after the context's end, nor when
// the outcome of a write is unknown (the caller decides).
func (e *requestError) Retryable() bool {
	if errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded) || errors.Is(e.err, action.ErrOutcomeUnknown) {
		return false
	}
	return networkError(e.err)
}

// redirectGuard sends a request through the authenticated transport only
// while it stays on the host of the original request: a redirect to
// another host (a download served from a CDN or object store) must not
// carry the credential.
type redirectGuard struct {
	authed, base http.RoundTripper
}

func (g *redirectGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first != req && first.URL.Host != req.URL.Host {
		return g.base.RoundTrip(req)
	}
	return g.authed.RoundTrip(req)
}

type userAgent struct {
	base http.RoundTripper
	ua   string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") != "" {
		return u.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", u.ua)
	return u.base.RoundTrip(r)
}
