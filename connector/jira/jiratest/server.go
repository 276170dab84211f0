package jiratest

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configures a Server. The zero value is a Cloud site with the
// real clock and America/New_York as the default user time zone.
type Options struct {
	// Mode selects Cloud or DataCenter behaviour.
	Mode Mode
	// TimeZone is the default user time zone for JQL date literals and
	// for users added without one; nil means America/New_York (not UTC,
	// as on many real sites).
	TimeZone *time.Location
	// Now is the simulator clock; nil means time.Now. Created/updated
	// stamps, search lag, token expiry and webhook expiry follow it.
	Now func() time.Time
	// Seed makes faults, latency and generated identifiers deterministic.
	Seed int64
	// Logger receives debug records of requests and deliveries; nil
	// discards them.
	Logger *slog.Logger
	// Addr is the listen address; empty means "127.0.0.1:0". Only
	// NewServer uses it.
	Addr string
	// CaptchaAfter is the number of consecutive failed Data Center
	// password logins that trigger the CAPTCHA; 0 means 3.
	CaptchaAfter int
	// Version is the Data Center version imitated, as serverInfo reports
	// it; empty means "9.12.2". From "10.0" on the simulator behaves as
	// Jira Data Center 10 does: the admin webhook resource moves to
	// /rest/jira-webhook/1.0/webhooks (the old /rest/webhooks/1.0/webhook
	// answers 404), deliveries are asynchronous and arrive out of order,
	// and URL variables are written {issue.id} instead of ${issue.id}.
	// Ignored on Cloud.
	Version string
}

// Server is an in-process Jira simulator serving the REST API over HTTP on
// a loopback port. All methods are safe for concurrent use.
type Server struct {
	opts     Options
	mode     Mode
	version  []int // Data Center version numbers; nil on Cloud
	tz       *time.Location
	log      *slog.Logger
	cloudID  string
	url      string
	mediaURL string
	ln       net.Listener
	srv      *http.Server
	routes   []route

	mu sync.RWMutex
	st *store

	knobMu   sync.Mutex
	rng      *rand.Rand
	faults   Faults
	rate     RateLimit
	rateN    int
	rateWin  map[string]*rateWindow
	lag      time.Duration
	delivery DeliveryOptions
	delays   delayClock // of the Latency knob
	avatars  sync.Map   // avatar URL maps by owner, see avatarURLs

	logMu    sync.Mutex
	requests []Request

	hooks *deliverer

	closeOnce sync.Once
}

// NewServer starts a simulator listening on Options.Addr (default a free
// loopback port). The caller must call Close.
func NewServer(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic(fmt.Sprintf("jiratest: %v", err))
	}
	return s
}

// Start is NewServer returning an error instead of panicking when the
// address cannot be listened on.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (choose another address)", addr, err)
	}
	s := newServer(opts, ln)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// New starts a simulator and closes it when the test ends.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := Start(opts)
	if err != nil {
		tb.Fatalf("jiratest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

func newServer(opts Options, ln net.Listener) *Server {
	tz := opts.TimeZone
	if tz == nil {
		if l, err := time.LoadLocation("America/New_York"); err == nil {
			tz = l
		} else {
			tz = time.FixedZone("EST", -5*3600)
		}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.CaptchaAfter <= 0 {
		opts.CaptchaAfter = 3
	}
	seed := uint64(opts.Seed)
	s := &Server{
		opts:    opts,
		mode:    opts.Mode,
		tz:      tz,
		log:     logger,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		rateWin: map[string]*rateWindow{},
	}
	if s.mode == DataCenter {
		s.version = parseVersion(opts.Version)
	}
	s.delivery = s.defaultDelivery()
	idr := rand.New(rand.NewPCG(seed+1, 42))
	s.cloudID = fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", idr.Uint32(), idr.Uint32()&0xffff,
		idr.Uint32()&0xfff, idr.Uint32()&0xfff, idr.Uint64()&0xffffffffffff)
	host := ln.Addr().String()
	s.url = "http://" + host
	if h, port, err := net.SplitHostPort(host); err == nil {
		mediaHost := "localhost"
		if h == "localhost" || (h != "127.0.0.1" && h != "::1") {
			mediaHost = "127.0.0.1"
		}
		s.mediaURL = "http://" + net.JoinHostPort(mediaHost, port)
		if h == "0.0.0.0" || h == "::" {
			s.url = "http://" + net.JoinHostPort("127.0.0.1", port)
			s.mediaURL = "http://" + net.JoinHostPort("localhost", port)
		}
	}
	s.ln = ln
	s.st = newStore()
	s.hooks = newDeliverer(s)
	s.routes = s.buildRoutes()
	return s
}

// URL returns the site base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// GatewayURL returns the OAuth API base for this site,
// URL()+"/ex/jira/"+CloudID(), where OAuth 2.0 access tokens are accepted.
func (s *Server) GatewayURL() string { return s.url + "/ex/jira/" + s.cloudID }

// CloudID returns the site's cloud id.
func (s *Server) CloudID() string { return s.cloudID }

// Mode returns the deployment the simulator imitates.
func (s *Server) Mode() Mode { return s.mode }

// parseVersion reads a version such as "10.3.1" into its numbers; an empty
// or unreadable version is 9.12.2.
func parseVersion(v string) []int {
	var out []int
	for _, p := range strings.Split(strings.TrimSpace(v), ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return []int{9, 12, 2}
		}
		out = append(out, n)
	}
	for len(out) < 3 {
		out = append(out, 0)
	}
	return out
}

// dc10 reports whether the simulator imitates Jira Data Center 10 or
// later, where admin webhooks live at /rest/jira-webhook/1.0/webhooks.
func (s *Server) dc10() bool { return s.mode == DataCenter && s.version[0] >= 10 }

// Handler returns the simulator's HTTP handler, for mounting it in another
// server. Links in responses still point at URL().
func (s *Server) Handler() http.Handler { return s }

// Close stops the listener, closes client connections and waits for
// webhook deliveries in flight to give up.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.srv != nil {
			_ = s.srv.Close()
		} else if s.ln != nil {
			_ = s.ln.Close()
		}
		s.hooks.close()
	})
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// stamp is the current simulator time truncated to milliseconds, as Jira
// stores timestamps.
func (s *Server) stamp() time.Time { return s.now().Truncate(time.Millisecond) }

// call is one request being served.
type call struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	body    []byte
	params  []string
	user    *user
	oauth   *accessToken
	gateway bool
}

func (c *call) param(i int) string {
	if i < len(c.params) {
		return c.params[i]
	}
	return ""
}

// route is one entry of the router. Server.routes is built once, in
// buildRoutes, and is the complete list of what the simulator serves:
// the conformance tests enumerate it to prove every route is checked.
type route struct {
	method  string
	pattern string // as registered, e.g. /rest/api/2/issue/{k}
	segs    []string
	mode    int // -1 both, else Mode
	anon    bool
	h       func(*call)
	// when, if set, says whether the route exists on this server (a
	// resource that a Data Center version added or removed).
	when func(*Server) bool
}

const both = -1

func (s *Server) handle(method, pattern string, mode int, anon bool, h func(*call)) {
	s.handleWhen(method, pattern, mode, anon, nil, h)
}

// handleWhen is handle for a route that exists only where when says.
func (s *Server) handleWhen(method, pattern string, mode int, anon bool, when func(*Server) bool, h func(*call)) {
	s.routes = append(s.routes, route{method: method, pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/"), mode: mode, anon: anon, h: h, when: when})
}

// match finds the route for a path; pathMatched reports whether any route
// had the path (for 405 answers).
func (s *Server) match(method, path string) (r *route, params []string, pathMatched bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.mode != both && Mode(rt.mode) != s.mode || rt.when != nil && !rt.when(s) {
			continue
		}
		ps, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		if rt.method != method && !(method == http.MethodHead && rt.method == http.MethodGet) {
			pathMatched = true
			continue
		}
		return rt, ps, true
	}
	return nil, nil, pathMatched
}

// matchSegs matches a path's segments against a route's pattern and
// returns the parameters. Most routes do not match: it allocates nothing
// until the whole pattern has matched.
func matchSegs(pat, segs []string) ([]string, bool) {
	n, rest := 0, false // parameters; a * takes the rest of the path
	for i, p := range pat {
		if p == "*" {
			n, rest = n+1, true
			break
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			n++
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	if !rest && len(pat) != len(segs) {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	ps := make([]string, 0, n)
	for i, p := range pat {
		if p == "*" {
			return append(ps, strings.Join(segs[i:], "/")), true
		}
		if strings.HasPrefix(p, "{") {
			ps = append(ps, segs[i])
		}
	}
	return ps, true
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	body, err := readBody(r)
	rec := &statusWriter{ResponseWriter: w}
	c := &call{s: s, w: rec, r: r, body: body}
	recorded := false
	defer func() {
		if recorded {
			return
		}
		if rec.status == 0 && !rec.hijacked {
			rec.status = http.StatusOK
		}
		s.record(r, body, rec.status, start)
	}()
	if err != nil {
		c.fail(errf(http.StatusRequestEntityTooLarge, "The request body is too large: %v", err))
		return
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/ex/jira/"); ok {
		id, after, _ := strings.Cut(rest, "/")
		if s.mode != Cloud || id != s.cloudID {
			c.fail(errf(http.StatusNotFound, "No Jira site with cloud id %q is reachable through this gateway; use the id from /oauth/token/accessible-resources.", id))
			return
		}
		c.gateway = true
		path = "/" + after
	}
	rt, params, pathMatched := s.match(r.Method, path)
	exempt := strings.HasSuffix(path, "/serverInfo") || strings.HasPrefix(path, "/media/")
	// Faults and rate limits apply to everything but serverInfo (never
	// rate limited on real Jira) and media downloads.
	after := answer
	if !exempt {
		var stop bool
		stop, after = s.applyFaults(rec, r, path, func() {
			recorded = true
			s.record(r, body, 0, start) // status 0: no answer was sent
		})
		if stop {
			return
		}
		if s.applyRateLimit(rec, r, path) {
			return
		}
	}
	if rt == nil {
		if pathMatched {
			c.fail(errf(http.StatusMethodNotAllowed, "Method %s is not allowed on %s.", r.Method, path))
			return
		}
		s.notFound(c, path)
		return
	}
	c.params = params
	if !rt.anon {
		if !s.authenticate(c) {
			return
		}
	}
	switch after {
	case loseAnswer:
		s.serveThenLose(c, rt, func(status int) {
			recorded = true
			s.record(r, body, status, start) // the write happened; its answer is lost
		})
	case gatewayTimeout:
		s.serveThenGatewayTimeout(c, rt)
	default:
		rt.h(c)
	}
}

func (s *Server) notFound(c *call, path string) {
	if s.mode == DataCenter {
		// Data Center's JAX-RS answer for unknown resources.
		c.json(http.StatusNotFound, map[string]any{"message": "null for uri: " + s.url + path, "status-code": 404, "sub-code": -1})
		return
	}
	c.fail(errf(http.StatusNotFound, "No resource at %s %s in this Jira simulator.", c.r.Method, path))
}

const maxBody = 32 << 20

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return b, err
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("more than %d bytes", maxBody)
	}
	return b, nil
}

type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// apiError is a Jira error answer.
type apiError struct {
	status   int
	messages []string
	fields   map[string]string
	header   http.Header
	// serviceDesk answers in Jira Service Management's error shape
	// ({"errorMessage", "i18nErrorMessage"}) instead of REST v2's.
	serviceDesk bool
}

func (e *apiError) Error() string {
	parts := append([]string(nil), e.messages...)
	keys := sortedKeys(e.fields)
	for _, k := range keys {
		parts = append(parts, k+": "+e.fields[k])
	}
	return fmt.Sprintf("jira %d: %s", e.status, strings.Join(parts, "; "))
}

func errf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, messages: []string{fmt.Sprintf(format, args...)}}
}

func fieldErr(status int, field, msg string) *apiError {
	return &apiError{status: status, fields: map[string]string{field: msg}}
}

// addUnknownRef adds the error of a field whose value v refers to
// nothing: missing when v is null, invalid otherwise.
func (e *apiError) addUnknownRef(field string, v any, missing, invalid string) {
	if v == nil {
		e.add(field, missing)
	} else {
		e.add(field, invalid)
	}
}

func (e *apiError) add(field, msg string) {
	if e.fields == nil {
		e.fields = map[string]string{}
	}
	if _, dup := e.fields[field]; !dup {
		e.fields[field] = msg
	}
}

func (e *apiError) body() map[string]any {
	msgs := e.messages
	if msgs == nil {
		msgs = []string{}
	}
	fields := e.fields
	if fields == nil {
		fields = map[string]string{}
	}
	if e.serviceDesk {
		parts := slices.Clone(msgs)
		for _, k := range sortedKeys(fields) {
			parts = append(parts, fields[k])
		}
		msg := strings.Join(parts, " ")
		return map[string]any{"errorMessage": msg, "i18nErrorMessage": map[string]any{"i18nKey": "sd.rest.error", "parameters": []string{msg}}}
	}
	return map[string]any{"errorMessages": msgs, "errors": fields}
}

func (c *call) fail(e *apiError) {
	for k, v := range e.header {
		c.w.Header()[k] = v
	}
	c.json(e.status, e.body())
}

func (c *call) json(status int, v any) {
	buf := encodeBufs.Get().(*[]byte)
	defer encodeBufs.Put(buf)
	b, err := appendJSON((*buf)[:0], v)
	*buf = b
	if err != nil {
		c.s.log.Error("jiratest: encoding a response failed", "err", err)
		http.Error(c.w, "encoding error", http.StatusInternalServerError)
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if c.user != nil && c.s.mode == Cloud {
		h.Set("X-AAccountId", c.user.AccountID)
	}
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(b)
	}
}

func (c *call) noContent() {
	c.w.WriteHeader(http.StatusNoContent)
}

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }
