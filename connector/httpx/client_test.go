package httpx_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// fakeSleep records requested waits and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) all() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// script answers the n-th request with steps[n] (the last step repeats).
type script struct {
	hits  atomic.Int32
	steps []func(w http.ResponseWriter, r *http.Request)
	body  []string
	mu    sync.Mutex
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.body = append(s.body, string(b))
	s.mu.Unlock()
	s.steps[min(n, len(s.steps)-1)](w, r)
}

func status(code int, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if code >= 400 {
			io.WriteString(w, `{"errorMessages":["status `+http.StatusText(code)+`"],"errors":{}}`)
		} else {
			io.WriteString(w, `{"ok":true}`)
		}
	}
}

func newClient(t *testing.T, opts httpx.Options) (*httpx.Client, *fakeSleep) {
	t.Helper()
	fs := &fakeSleep{}
	if opts.Sleep == nil {
		opts.Sleep = fs.Sleep
	}
	c, err := httpx.New(auth.PAT{Token: "pat-token"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, fs
}

func do(t *testing.T, c *httpx.Client, ctx context.Context, method, url, body string) (*http.Response, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func TestPOSTWithUnknownOutcomeIsSentOnce(t *testing.T) {
	for _, tt := range []struct {
		code    int
		headers []string
	}{
		{500, []string{"Retry-After", "1"}},
		{502, nil},
		{503, nil}, // no wait: a gateway may have given up while Jira worked
		{504, []string{"Retry-After", "1"}},
	} {
		s := &script{steps: []func(http.ResponseWriter, *http.Request){status(tt.code, tt.headers...)}}
		srv := httptest.NewServer(s)
		c, fs := newClient(t, httpx.Options{})
		resp, err := do(t, c, t.Context(), http.MethodPost, srv.URL+"/rest/api/2/issue", `{"fields":{}}`)
		if err != nil {
			t.Fatalf("%d: %v", tt.code, err)
		}
		if resp.StatusCode != tt.code || s.hits.Load() != 1 || len(fs.all()) != 0 {
			t.Errorf("POST answered %d %v: final status %d after %d requests and waits %v; want it sent once", tt.code, tt.headers, resp.StatusCode, s.hits.Load(), fs.all())
		}
		var se *httpx.StatusError
		if err = httpx.CheckResponse(resp); !errors.As(err, &se) || !strings.Contains(string(se.Body), "status") {
			t.Errorf("CheckResponse lost the body: %v", err)
		}
		srv.Close()
	}
}

func TestPOSTRefusedIsRetriedWithTheSameBody(t *testing.T) {
	now := time.Now().UTC()
	for _, tt := range []struct {
		name     string
		code     int
		headers  []string
		minWait  time.Duration
		maxWait  time.Duration
		refusals int
	}{
		{"429 Retry-After", 429, []string{"Retry-After", "3"}, 3 * time.Second, 3600 * time.Millisecond, 2},
		{"429 X-RateLimit-Reset", 429, []string{"X-RateLimit-Reset", now.Add(2 * time.Minute).Format("2006-01-02T15:04Z")}, time.Minute, 150 * time.Second, 1},
		{"429 without a wait", 429, nil, 350 * time.Millisecond, 650 * time.Millisecond, 1},
		{"503 resource limit", 503, []string{"Retry-After", "2"}, 2 * time.Second, 2400 * time.Millisecond, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			steps := make([]func(http.ResponseWriter, *http.Request), 0, tt.refusals+1)
			for range tt.refusals {
				steps = append(steps, status(tt.code, tt.headers...))
			}
			s := &script{steps: append(steps, status(201))}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, fs := newClient(t, httpx.Options{MinBackoff: 500 * time.Millisecond, MaxRetryWait: 5 * time.Minute})
			resp, err := do(t, c, t.Context(), http.MethodPost, srv.URL+"/rest/api/2/issue/A-1/comment", `{"body":"once"}`)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 201 || int(s.hits.Load()) != tt.refusals+1 {
				t.Fatalf("final status %d after %d requests; want 201 after %d", resp.StatusCode, s.hits.Load(), tt.refusals+1)
			}
			for i, b := range s.body {
				if b != `{"body":"once"}` {
					t.Errorf("request %d sent body %q", i, b)
				}
			}
			waits := fs.all()
			if len(waits) != tt.refusals {
				t.Fatalf("waits %v, want %d", waits, tt.refusals)
			}
			if w := waits[0]; w < tt.minWait || w > tt.maxWait {
				t.Errorf("first wait %s, want within [%s, %s]", w, tt.minWait, tt.maxWait)
			}
		})
	}
}

func TestPOSTRefusedBeyondTheCapsIsNotApplied(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "1")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{MaxRetries: 2})
	resp, err := do(t, c, t.Context(), http.MethodPost, srv.URL+"/rest/api/2/issue", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	var rl *httpx.StatusError
	if err := httpx.CheckResponse(resp); !errors.As(err, &rl) || rl.StatusCode != http.StatusTooManyRequests || !action.IsRetryable(err) || errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("after the retries: %v; want a retryable 429 *StatusError, not an unknown outcome", err)
	}
	if s.hits.Load() != 3 {
		t.Errorf("sent %d times, want 3 (1 + MaxRetries)", s.hits.Load())
	}

	long := &script{steps: []func(http.ResponseWriter, *http.Request){status(503, "Retry-After", "600")}}
	srv2 := httptest.NewServer(long)
	defer srv2.Close()
	_, err = do(t, c, t.Context(), http.MethodPost, srv2.URL+"/rest/api/2/issue", `{}`)
	if !errors.As(err, &rl) || rl.Wait != 10*time.Minute || long.hits.Load() != 1 {
		t.Errorf("503 asking for 10 minutes: %v after %d requests; want a *StatusError with the wait at once", err, long.hits.Load())
	}
}

func TestRefused(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tt := range []struct {
		status int
		h      http.Header
		want   bool
	}{
		{429, h(), true},
		{429, h("Retry-After", "5"), true},
		{503, h("Retry-After", "5"), true},
		{503, h("X-RateLimit-Reset", "2026-03-26T16:00Z"), true},
		{503, h("X-Custom-RateLimit-Reset", "2026-03-26T16:00Z"), true},
		{503, h(), false},
		{502, h("Retry-After", "5"), false},
		{504, h(), false},
		{500, h("Retry-After", "5"), false},
		{409, h(), false},
	} {
		if got := httpx.Refused(tt.status, tt.h, "X-Custom-RateLimit-Reset"); got != tt.want {
			t.Errorf("Refused(%d, %v) = %v, want %v", tt.status, tt.h, got, tt.want)
		}
	}
	if httpx.Refused(503, h("X-Custom-RateLimit-Reset", "2026-03-26T16:00Z")) {
		t.Error("a reset header that was not named counts as a wait")
	}
}

func TestGETRetriedOn503ThenSucceeds(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503), status(502), status(504), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, fs := newClient(t, httpx.Options{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL+"/rest/api/2/myself", "")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != `{"ok":true}` || s.hits.Load() != 4 {
		t.Errorf("status %d body %q after %d requests", resp.StatusCode, b, s.hits.Load())
	}
	waits := fs.all()
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	// Exponential with jitter in [0.7, 1.3): 100ms, 200ms, 400ms nominal.
	for i, nominal := range []time.Duration{100, 200, 400} {
		nominal *= time.Millisecond
		if w := waits[i]; w < nominal*7/10 || w > nominal*13/10 {
			t.Errorf("wait %d = %s, want about %s", i, w, nominal)
		}
	}
}

func TestRetriesStopAtMaxRetriesAndReturnTheFinalResponse(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{MaxRetries: 2})
	resp, err := do(t, c, t.Context(), http.MethodPut, srv.URL+"/x", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || s.hits.Load() != 3 {
		t.Errorf("status %d after %d requests; want 503 after 3", resp.StatusCode, s.hits.Load())
	}
	for i, b := range s.body {
		if b != `{"a":1}` {
			t.Errorf("attempt %d body %q: the body was not replayed", i+1, b)
		}
	}
	err = httpx.CheckResponse(resp)
	var se *httpx.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable || !action.IsRetryable(err) {
		t.Errorf("CheckResponse = %v, want a retryable server error", err)
	}

	s2 := &script{steps: []func(http.ResponseWriter, *http.Request){status(503)}}
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	c2, _ := newClient(t, httpx.Options{MaxRetries: -1})
	resp, err = do(t, c2, t.Context(), http.MethodGet, srv2.URL, "")
	if err != nil || resp.StatusCode != 503 || s2.hits.Load() != 1 {
		t.Errorf("MaxRetries -1: %v, %d requests", err, s2.hits.Load())
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "2", "RateLimit-Reason", "jira-burst-based"), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, fs := newClient(t, httpx.Options{})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	waits := fs.all()
	if len(waits) != 1 || waits[0] < 2*time.Second || waits[0] > 2400*time.Millisecond {
		t.Errorf("waits %v, want one of 2s plus at most 20%% jitter", waits)
	}
}

func TestRetryAfterHTTPDateAndRateLimitReset(t *testing.T) {
	in90 := time.Now().Add(90 * time.Second).UTC()
	tests := []struct {
		name   string
		header []string
		min    time.Duration
		max    time.Duration
	}{
		{"http date", []string{"Retry-After", time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat)}, 18 * time.Second, 25 * time.Second},
		{"x-ratelimit-reset", []string{"X-RateLimit-Reset", in90.Truncate(time.Minute).Add(time.Minute).Format("2006-01-02T15:04Z")}, 30 * time.Second, 180 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, tt.header...), status(200)}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, fs := newClient(t, httpx.Options{MaxRetryWait: 10 * time.Minute})
			resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%v %v", resp, err)
			}
			if w := fs.all(); len(w) != 1 || w[0] < tt.min || w[0] > tt.max {
				t.Errorf("waits %v, want one in [%s, %s]", w, tt.min, tt.max)
			}
		})
	}
}

func TestWaitAboveCapReturnsStatusError(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "120", "RateLimit-Reason", "tenant-quota"), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, fs := newClient(t, httpx.Options{MaxRetryWait: 30 * time.Second})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL+"/rest/api/2/search/jql?jql=x", "")
	if resp != nil {
		t.Errorf("got a response with the error")
	}
	var se *httpx.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StatusError", err)
	}
	if se.Wait != 120*time.Second || se.Header.Get("RateLimit-Reason") != "tenant-quota" || se.StatusCode != 429 {
		t.Errorf("StatusError wait %s reason %q status %d", se.Wait, se.Header.Get("RateLimit-Reason"), se.StatusCode)
	}
	if !action.IsRetryable(err) {
		t.Error("not retryable")
	}
	if s.hits.Load() != 1 || len(fs.all()) != 0 {
		t.Errorf("%d requests, waits %v: want no sleeping", s.hits.Load(), fs.all())
	}
	if !strings.Contains(err.Error(), "2m0s") || strings.Contains(err.Error(), "jql=x") {
		t.Errorf("message %q should carry the wait and no query string", err)
	}
}

func TestContextCancellationStopsTheRetryLoop(t *testing.T) {
	first := make(chan struct{}, 1)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case first <- struct{}{}:
		default:
		}
		w.Header().Set("Retry-After", "50")
		w.WriteHeader(503)
	}))
	defer srv.Close()
	// The real sleep: a 50-second wait that only the context can cut short.
	c, err := httpx.New(nil, httpx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-first; cancel() }()
	_, err = do(t, c, ctx, http.MethodGet, srv.URL, "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if action.IsRetryable(err) {
		t.Error("a cancelled request is not retryable")
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
}

func TestIdempotentPOSTIsRetried(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{})
	resp, err := do(t, c, httpx.WithIdempotent(t.Context()), http.MethodPost, srv.URL+"/rest/api/2/search", `{"jql":"project = A"}`)
	if err != nil || resp.StatusCode != 200 || s.hits.Load() != 2 {
		t.Fatalf("status %v err %v after %d requests", resp, err, s.hits.Load())
	}
	if s.body[1] != `{"jql":"project = A"}` {
		t.Errorf("retried body %q", s.body[1])
	}
}

// hangUp reads the request and closes the connection without answering.
func hangUp(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestNetworkErrorOnPOSTIsOutcomeUnknown(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){hangUp}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{})
	_, err := do(t, c, t.Context(), http.MethodPost, srv.URL+"/rest/api/2/issue?x=1", `{}`)
	if !errors.Is(err, action.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if s.hits.Load() != 1 {
		t.Errorf("POST sent %d times", s.hits.Load())
	}
	if action.IsRetryable(err) {
		t.Error("an unknown outcome must not be retryable")
	}

	// The same failure on a GET is retried, then succeeds.
	s2 := &script{steps: []func(http.ResponseWriter, *http.Request){hangUp, status(200)}}
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	resp, err := do(t, c, t.Context(), http.MethodGet, srv2.URL, "")
	if err != nil || resp.StatusCode != 200 || s2.hits.Load() != 2 {
		t.Errorf("GET after a hang-up: %v, %d requests", err, s2.hits.Load())
	}
}

func TestConnectionRefusedOnPOSTIsNotOutcomeUnknown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := newClient(t, httpx.Options{MaxRetries: 1})
	_, err := do(t, c, t.Context(), http.MethodPost, url, `{}`)
	if err == nil || errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("err = %v: a request that never left is not of unknown outcome", err)
	}
}

func TestStreamingBodyIsSentOnceAndNotRetried(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{})
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, "part one, ")
		io.WriteString(pw, "part two")
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL+"/attach", pr)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || s.hits.Load() != 1 || s.body[0] != "part one, part two" {
		t.Errorf("status %d after %d requests, body %q", resp.StatusCode, s.hits.Load(), s.body)
	}
}

func TestClientSideRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(status(200)))
	defer srv.Close()
	c, fs := newClient(t, httpx.Options{RateLimit: 10, Burst: 2})
	for range 4 {
		resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Two within the burst; the next two each wait for a token (about 100ms,
	// the fake sleep returning at once).
	waits := fs.all()
	if len(waits) < 2 {
		t.Fatalf("waits %v: the limiter did not hold requests back", waits)
	}
	for _, w := range waits {
		if w <= 0 || w > 250*time.Millisecond {
			t.Errorf("limiter wait %s, want about 100ms", w)
		}
	}
}

func TestRedirectToAnotherHostDropsTheCredential(t *testing.T) {
	var gotAuth atomic.Value
	gotAuth.Store("unset")
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "file")
	}))
	defer cdn.Close()
	var jiraAuth string
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jiraAuth = r.Header.Get("Authorization")
		http.Redirect(w, r, cdn.URL+"/blob", http.StatusFound)
	}))
	defer jira.Close()
	c, _ := newClient(t, httpx.Options{UserAgent: "recipekit-test"})
	resp, err := c.HTTPClient().Get(jira.URL + "/secure/attachment/1/f.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if jiraAuth != "Bearer pat-token" {
		t.Errorf("Jira got Authorization %q", jiraAuth)
	}
	if got := gotAuth.Load(); got != "" {
		t.Errorf("the other host got Authorization %q", got)
	}
}

func TestUserAgent(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{UserAgent: "recipekit/1"})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ua != "recipekit/1" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		strategy auth.Strategy
		opts     httpx.Options
		says     string
	}{
		{"bad strategy", auth.APIToken{Email: "a@b.c"}, httpx.Options{}, "Token"},
		{"retries", nil, httpx.Options{MaxRetries: -2}, "MaxRetries"},
		{"negative timeout", nil, httpx.Options{Timeout: -time.Second}, "negative"},
		{"rate", nil, httpx.Options{RateLimit: -1}, "RateLimit"},
		{"burst", nil, httpx.Options{Burst: -1}, "Burst"},
		{"backoff order", nil, httpx.Options{MinBackoff: time.Minute, MaxBackoff: time.Second}, "MaxBackoff"},
	}
	for _, tt := range tests {
		if _, err := httpx.New(tt.strategy, tt.opts); err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.says)
		}
	}
}

func TestNilRequest(t *testing.T) {
	c, _ := newClient(t, httpx.Options{})
	if _, err := c.Do(nil); err == nil {
		t.Error("nil request accepted")
	}
}
