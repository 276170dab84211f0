package jiratest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ---- search lag ----

// SetSearchLag makes changes younger than d (by the simulator clock)
// invisible to search (an issue created less than d ago is missing; one
// changed less than d ago matches and shows as it was before), unless its
// id is in reconcileIssues of a Cloud enhanced search. Zero turns it off.
func (s *Server) SetSearchLag(d time.Duration) {
	s.knobMu.Lock()
	s.lag = d
	s.knobMu.Unlock()
}

func (s *Server) searchLag() time.Duration {
	s.knobMu.Lock()
	defer s.knobMu.Unlock()
	return s.lag
}

// ---- faults ----

// FaultRate says how often a fault happens: each matching request has
// Probability of it, and the next Next matching requests get it for sure.
type FaultRate struct {
	Probability float64
	Next        int
}

func (f FaultRate) zero() bool { return f.Probability <= 0 && f.Next <= 0 }

// Faults injects failures into matching requests. SetFaults(Faults{})
// clears them. Random choices follow Options.Seed.
type Faults struct {
	// Methods restricts the faults to these HTTP methods (empty = all).
	Methods []string
	// PathPrefix restricts the faults to paths starting with it, such as
	// "/rest/api/2/issue" (the /ex/jira/{cloudId} prefix is ignored).
	PathPrefix string
	// Unavailable answers 503 with Retry-After (before any work is done).
	Unavailable FaultRate
	// RetryAfter is the Retry-After of a 503; default 1 s.
	RetryAfter time.Duration
	// DropConnection closes the connection before the request is handled.
	DropConnection FaultRate
	// LoseResponse handles the request (the write happens) and then
	// closes the connection without answering, so the client cannot know
	// the outcome.
	LoseResponse FaultRate
	// GatewayTimeout handles the request (the write happens) and then
	// answers 504 Gateway Timeout without Retry-After, as a proxy in front
	// of Jira does when it stops waiting for an answer: the client cannot
	// know the outcome.
	GatewayTimeout FaultRate
	// Latency delays matching requests by this long, by the real clock,
	// before they are handled; a request whose client gives up during the
	// delay is not handled. Delays are kept close to Latency (see
	// latency.go): a Go timer wakes an idle process about 0.2 ms after it
	// is due, which would make n requests take n × (Latency + 0.2 ms), so
	// on Linux a delay waits on a timerfd instead, set to end early by how
	// late delays have been ending, by at most a twentieth of Latency:
	// delays last Latency on average, and one request may be handled up
	// to that much before Latency has passed.
	Latency time.Duration
	// LatencyRate says which requests are delayed; zero means all.
	LatencyRate FaultRate
}

// SetFaults replaces the fault configuration.
func (s *Server) SetFaults(f Faults) {
	s.knobMu.Lock()
	f.Methods = slices.Clone(f.Methods)
	s.faults = f
	s.knobMu.Unlock()
}

// roll decides a fault; callers hold knobMu.
func (s *Server) roll(f *FaultRate) bool {
	if f.Next > 0 {
		f.Next--
		return true
	}
	return f.Probability > 0 && s.rng.Float64() < f.Probability
}

// afterFault is what happens to a request's answer once it is handled.
type afterFault int

const (
	answer         afterFault = iota // sent as the handler wrote it
	loseAnswer                       // the connection closes instead
	gatewayTimeout                   // a 504 replaces it
)

// applyFaults runs the fault knobs for a request. stop means the request
// has been answered (or its connection dropped); after says what happens
// to the handler's answer. beforeDrop runs just before a
// connection is dropped, so the request log has the request by the time the
// client sees its connection close.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, path string, beforeDrop func()) (stop bool, after afterFault) {
	s.knobMu.Lock()
	f := &s.faults
	if (len(f.Methods) > 0 && !slices.Contains(f.Methods, r.Method)) || !strings.HasPrefix(path, f.PathPrefix) {
		s.knobMu.Unlock()
		return false, answer
	}
	var delay time.Duration
	if f.Latency > 0 && (f.LatencyRate.zero() || s.roll(&f.LatencyRate)) {
		delay = f.Latency
	}
	unavailable := s.roll(&f.Unavailable)
	drop := !unavailable && s.roll(&f.DropConnection)
	switch {
	case unavailable || drop:
	case s.roll(&f.LoseResponse):
		after = loseAnswer
	case s.roll(&f.GatewayTimeout):
		after = gatewayTimeout
	}
	retryAfter := f.RetryAfter
	s.knobMu.Unlock()
	if delay > 0 && !s.delays.wait(r.Context(), delay) {
		return true, answer
	}
	switch {
	case unavailable:
		if retryAfter <= 0 {
			retryAfter = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"errorMessages":["The service is temporarily unavailable: a resource limit was reached. Retry after the Retry-After delay."],"errors":{}}`))
		return true, answer
	case drop:
		beforeDrop()
		hijackClose(w)
		return true, answer
	}
	return false, after
}

func hijackClose(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.hijacked = true
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2 or a test recorder): abort the handler,
		// which net/http turns into a reset stream or closed connection.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// bufferWriter captures a response that will be thrown away.
type bufferWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.h }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

// serveThenLose runs the handler for real and then closes the connection
// without sending what it answered.
func (s *Server) serveThenLose(c *call, rt *route, beforeClose func(status int)) {
	real := c.w
	bw := &bufferWriter{h: http.Header{}}
	c.w = bw
	rt.h(c)
	if sw, ok := real.(*statusWriter); ok {
		sw.status = bw.status
	}
	// Log the request before the client can see its connection close.
	beforeClose(bw.status)
	hijackClose(real)
}

// serveThenGatewayTimeout runs the handler for real and then answers 504
// in place of what it answered.
func (s *Server) serveThenGatewayTimeout(c *call, rt *route) {
	real := c.w
	c.w = &bufferWriter{h: http.Header{}}
	rt.h(c)
	real.Header().Set("Content-Type", "text/html; charset=UTF-8")
	real.WriteHeader(http.StatusGatewayTimeout)
	_, _ = real.Write([]byte("<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>"))
}

// ---- rate limiting ----

// RateLimit makes the simulator answer 429 like Jira Cloud. The zero value
// disables it. serverInfo is never rate limited.
type RateLimit struct {
	// EveryNth answers every Nth matching request with 429.
	EveryNth int
	// PerSecond is a budget of requests per credential per second of the
	// simulator clock; requests beyond it get 429 until the next second.
	PerSecond int
	// RetryAfter is the Retry-After for EveryNth; default 1 s (PerSecond
	// answers the time left in the current second, rounded up).
	RetryAfter time.Duration
	// Reason is the RateLimit-Reason header; default "jira-burst-based".
	Reason string
	// PathPrefix restricts the limit to matching paths.
	PathPrefix string
}

type rateWindow struct {
	second int64
	used   int
}

// SetRateLimit replaces the rate-limit configuration.
func (s *Server) SetRateLimit(r RateLimit) {
	s.knobMu.Lock()
	s.rate = r
	s.rateN = 0
	s.rateWin = map[string]*rateWindow{}
	s.knobMu.Unlock()
}

func credentialKey(r *http.Request) string {
	sum := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	return hex.EncodeToString(sum[:8])
}

func (s *Server) applyRateLimit(w http.ResponseWriter, r *http.Request, path string) bool {
	s.knobMu.Lock()
	rl := s.rate
	if (rl.EveryNth <= 0 && rl.PerSecond <= 0) || !strings.HasPrefix(path, rl.PathPrefix) {
		s.knobMu.Unlock()
		return false
	}
	now := s.now()
	limited := false
	retry := rl.RetryAfter
	if retry <= 0 {
		retry = time.Second
	}
	limit, remaining := rl.EveryNth, 0
	if rl.EveryNth > 0 {
		s.rateN++
		remaining = rl.EveryNth - s.rateN%rl.EveryNth
		if s.rateN%rl.EveryNth == 0 {
			limited, remaining = true, 0
		}
	}
	if !limited && rl.PerSecond > 0 {
		key := credentialKey(r)
		win := s.rateWin[key]
		sec := now.Unix()
		if win == nil || win.second != sec {
			win = &rateWindow{second: sec}
			s.rateWin[key] = win
		}
		win.used++
		limit, remaining = rl.PerSecond, max0(rl.PerSecond-win.used)
		if win.used > rl.PerSecond {
			limited = true
			retry = time.Unix(sec+1, 0).Sub(now)
		}
	}
	s.knobMu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	if !limited {
		return false
	}
	secs := int((retry + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	reason := rl.Reason
	if reason == "" {
		reason = "jira-burst-based"
	}
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("X-RateLimit-Reset", now.Add(time.Duration(secs)*time.Second).UTC().Format("2006-01-02T15:04Z"))
	h.Set("RateLimit-Reason", reason)
	h.Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"errorMessages":["Rate limit exceeded. Wait for the Retry-After delay before retrying."],"errors":{}}`))
	return true
}

// ---- request log ----

// Request is one entry of the request log.
type Request struct {
	Method string
	// Path is the request path as sent (including any /ex/jira/{cloudId}
	// prefix).
	Path   string
	Query  url.Values
	Header http.Header // Authorization is redacted to its scheme
	Body   []byte      // capped at MaxLoggedBody bytes
	Status int         // 0 when the connection was dropped
	Time   time.Time   // simulator clock
}

// MaxLoggedBody caps the request bodies the log keeps.
const MaxLoggedBody = 64 << 10

// maxLogged caps the log length; older entries are discarded.
const maxLogged = 10000

func (s *Server) record(r *http.Request, body []byte, status int, at time.Time) {
	h := r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		h.Set("Authorization", scheme+" [redacted]")
	}
	body = redactBody(r.URL.Path, body)
	if len(body) > MaxLoggedBody {
		body = body[:MaxLoggedBody]
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h, Body: slices.Clone(body), Status: status, Time: at}
	s.logMu.Lock()
	if len(s.requests) >= 2*maxLogged {
		s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-maxLogged:]...)
	}
	s.requests = append(s.requests, req)
	s.logMu.Unlock()
	s.log.Debug("jiratest request", "method", r.Method, "path", r.URL.Path, "status", status)
}

// Requests returns a copy of the request log (the most recent 10,000).
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return slices.Clone(s.requests[max0(len(s.requests)-maxLogged):])
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	s.requests = nil
	s.logMu.Unlock()
}

// redactBody keeps secrets out of the request log: token requests carry
// client secrets and refresh tokens, webhook registrations a secret.
func redactBody(path string, body []byte) []byte {
	switch {
	case len(body) == 0:
		return body
	case strings.HasSuffix(path, "/oauth/token"):
		return []byte("[redacted]")
	case strings.Contains(path, "/rest/webhooks/1.0/webhook"), strings.Contains(path, "/rest/jira-webhook/1.0/webhooks"):
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return []byte("[redacted]")
		}
		conf, _ := m["configuration"].(map[string]any)
		_, top := m["secret"]
		_, nested := conf["SECRET"]
		if top || nested {
			if top {
				m["secret"] = "[redacted]"
			}
			if nested {
				conf["SECRET"] = "[redacted]"
			}
			if b, err := json.Marshal(m); err == nil {
				return b
			}
			return []byte("[redacted]")
		}
	}
	return body
}
