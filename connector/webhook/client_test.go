package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector"
	"github.com/recipekit/recipekit/connector/httpx"
)

// recorded is what the test server saw of one request.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   string
}

// recorder is an httptest server that records requests and answers with
// the handler's status, headers and body.
type recorder struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	count atomic.Int32
}

func newRecorder(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.count.Add(1)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), string(body)})
		rec.mu.Unlock()
		answer(w, r, body)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("the server received no request")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func (rec *recorder) hostPort() string { return strings.TrimPrefix(rec.srv.URL, "http://") }

// noSleep lets retries run at once while recording the waits.
func noSleep(context.Context, time.Duration) error { return nil }

func newClient(t *testing.T, opts ClientOptions) *Client {
	t.Helper()
	if opts.HTTP.Sleep == nil {
		opts.HTTP.Sleep = noSleep
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func TestRequestShape(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":42,"tags":["x","y"],"ok":true}`)
	})
	c := newClient(t, ClientOptions{
		Auth:         auth.PAT{Token: "pat-credential-123456"},
		AllowedHosts: []string{rec.hostPort()},
	})
	act := c.Request()
	in := RequestInput{
		Method:  "post",
		URL:     rec.srv.URL + "/v1/items?source=recipe&page=1",
		Query:   map[string]string{"page": "2", "q": "a b&c"},
		Headers: map[string]string{"X-Request-Id": "r-1", "Accept": "application/json"},
		JSON:    map[string]any{"summary": "Printer on fire", "count": 3, "labels": []string{"hw"}},
	}
	if err := act.Validate(in); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	out, err := act.Run(context.Background(), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := rec.last(t)
	if got.Method != http.MethodPost || got.Path != "/v1/items" {
		t.Errorf("request line %s %s", got.Method, got.Path)
	}
	wantQuery := url.Values{"source": {"recipe"}, "page": {"2"}, "q": {"a b&c"}}
	if got.Query.Encode() != wantQuery.Encode() {
		t.Errorf("query %v, want %v", got.Query, wantQuery)
	}
	for k, want := range map[string]string{
		"X-Request-Id":  "r-1",
		"Accept":        "application/json",
		"Content-Type":  "application/json",
		"Authorization": "Bearer pat-credential-123456",
	} {
		if v := got.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(got.Body), &sent); err != nil {
		t.Fatalf("body %q is not JSON: %v", got.Body, err)
	}
	if sent["summary"] != "Printer on fire" || sent["count"] != float64(3) || fmt.Sprint(sent["labels"]) != "[hw]" {
		t.Errorf("JSON body %v", sent)
	}

	if out.Status != http.StatusCreated || out.Body != `{"id":42,"tags":["x","y"],"ok":true}` {
		t.Errorf("response %d %q", out.Status, out.Body)
	}
	if out.Headers["X-Multi"] != "a, b" || !strings.HasPrefix(out.Headers["Content-Type"], "application/json") {
		t.Errorf("response headers %v", out.Headers)
	}
	obj, _ := out.JSON.(map[string]any)
	if obj["id"] != float64(42) || obj["ok"] != true || len(obj["tags"].([]any)) != 2 {
		t.Errorf("response JSON %#v", out.JSON)
	}
}

func TestRequestRawBodyAndDefaults(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, `{"looks":"like json"}`)
	})
	c := newClient(t, ClientOptions{})
	out, err := c.Send(context.Background(), RequestInput{URL: rec.srv.URL + "/ping"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t); got.Method != http.MethodGet || got.Body != "" {
		t.Errorf("empty method sent %s with body %q, want GET without body", got.Method, got.Body)
	}
	if out.JSON != nil {
		t.Errorf("a text/plain answer was decoded as JSON: %#v", out.JSON)
	}

	_, err = c.Send(context.Background(), RequestInput{
		Method:  "PUT",
		URL:     rec.srv.URL + "/raw",
		Body:    "a=1&b=2",
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t); got.Body != "a=1&b=2" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("raw body request: %+v", got)
	}
	// JSON with the caller's own content type keeps it.
	_, err = c.Send(context.Background(), RequestInput{
		Method: "PATCH", URL: rec.srv.URL + "/j", JSON: []int{1, 2},
		Headers: map[string]string{"content-type": "application/merge-patch+json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t); got.Body != "[1,2]" || got.Header.Get("Content-Type") != "application/merge-patch+json" {
		t.Errorf("JSON with custom content type: %+v", got)
	}
}

func TestNon2xxIsTypedError(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"error":"summary is required"}`)
	})
	c := newClient(t, ClientOptions{})
	out, err := c.Request().Run(context.Background(), RequestInput{Method: "POST", URL: rec.srv.URL + "/v1/items", JSON: map[string]any{}})
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want *StatusError", err, err)
	}
	if se.Status != 422 || se.Method != "POST" || se.URL != rec.srv.URL+"/v1/items" || se.Body != `{"error":"summary is required"}` {
		t.Errorf("StatusError = %+v", se)
	}
	for _, want := range []string{"POST", "/v1/items", "422 Unprocessable Entity", "summary is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	var hse *httpx.StatusError
	if !errors.As(err, &hse) || hse.StatusCode != http.StatusUnprocessableEntity || hse.Method != "POST" || string(hse.Body) != se.Body {
		t.Errorf("the neutral status error underneath: %+v", hse)
	}
	if action.IsRetryable(err) || errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("a 422 must be permanent and of known outcome")
	}
	if out.Status != 422 || out.JSON == nil {
		t.Errorf("the response is still returned with the error: %+v", out)
	}
}

func TestStatusRetryClassification(t *testing.T) {
	var status atomic.Int32
	var namesWait atomic.Bool
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if s := int(status.Load()); s == 429 || namesWait.Load() {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(int(status.Load()))
		fmt.Fprint(w, "busy")
	})
	c := newClient(t, ClientOptions{HTTP: httpx.Options{MaxRetries: 2}})
	tests := []struct {
		status      int
		in          RequestInput
		wantSends   int32
		retryable   bool
		outcomeUnkn bool
		namesWait   bool
	}{
		{503, RequestInput{Method: "POST", URL: rec.srv.URL}, 1, false, true, false},
		{500, RequestInput{Method: "POST", URL: rec.srv.URL}, 1, false, true, false},
		{503, RequestInput{Method: "POST", URL: rec.srv.URL, Idempotent: true}, 3, true, false, false},
		{503, RequestInput{Method: "GET", URL: rec.srv.URL}, 3, true, false, false},
		{500, RequestInput{Method: "PUT", URL: rec.srv.URL}, 1, true, false, false},
		{429, RequestInput{Method: "POST", URL: rec.srv.URL}, 3, true, false, false},
		{503, RequestInput{Method: "POST", URL: rec.srv.URL}, 3, true, false, true},
		{501, RequestInput{Method: "POST", URL: rec.srv.URL}, 1, false, false, false},
		{404, RequestInput{Method: "DELETE", URL: rec.srv.URL}, 1, false, false, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s idempotent=%v wait=%v", tt.status, tt.in.Method, tt.in.Idempotent, tt.namesWait), func(t *testing.T) {
			status.Store(int32(tt.status))
			namesWait.Store(tt.namesWait)
			rec.count.Store(0)
			_, err := c.Send(context.Background(), tt.in)
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tt.status {
				t.Fatalf("error %v, want a *StatusError with status %d", err, tt.status)
			}
			if n := rec.count.Load(); n != tt.wantSends {
				t.Errorf("sent %d times, want %d", n, tt.wantSends)
			}
			if got := action.IsRetryable(err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tt.retryable)
			}
			if got := errors.Is(err, action.ErrOutcomeUnknown); got != tt.outcomeUnkn {
				t.Errorf("Is(ErrOutcomeUnknown) = %v, want %v", got, tt.outcomeUnkn)
			}
			if se.Body != "busy" || !strings.Contains(err.Error(), "busy") {
				t.Errorf("the error lost the body: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	c := newClient(t, ClientOptions{AllowedHosts: []string{"api.example.com", "*.hooks.example.com:8443"}})
	tests := []struct {
		name  string
		in    RequestInput
		field string
		want  string
	}{
		{"unknown method", RequestInput{Method: "FETCH", URL: "https://api.example.com/"}, "method", `"FETCH" is not a supported HTTP method`},
		{"connect refused", RequestInput{Method: "CONNECT", URL: "https://api.example.com/"}, "method", "not a supported"},
		{"empty url", RequestInput{}, "url", "is empty"},
		{"relative url", RequestInput{URL: "/v1/items"}, "url", "absolute http or https URL"},
		{"ftp", RequestInput{URL: "ftp://api.example.com/x"}, "url", `scheme "ftp"`},
		{"no host", RequestInput{URL: "https:///x"}, "url", "has no host"},
		{"unparseable", RequestInput{URL: "https://api.example.com/%zz"}, "url", "cannot be parsed"},
		{"user info", RequestInput{URL: "https://me:pw@api.example.com/"}, "url", "ClientOptions.Auth"},
		{"host not allowed", RequestInput{URL: "https://evil.example.net/"}, "url", `"evil.example.net" is not in the connection's AllowedHosts`},
		{"wildcard needs port", RequestInput{URL: "https://a.hooks.example.com/x"}, "url", "not in the connection's AllowedHosts"},
		{"apex not in wildcard", RequestInput{URL: "https://hooks.example.com:8443/x"}, "url", "not in the connection's AllowedHosts"},
		{"body and json", RequestInput{URL: "https://api.example.com/", Body: "x", JSON: 1}, "json", "not both"},
		{"unencodable json", RequestInput{URL: "https://api.example.com/", JSON: math.Inf(1)}, "json", "cannot be encoded"},
		{"bad header name", RequestInput{URL: "https://api.example.com/", Headers: map[string]string{"X Bad": "1"}}, "headers", "not a valid header name"},
		{"header injection", RequestInput{URL: "https://api.example.com/", Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}, "headers", "line break"},
		{"empty query name", RequestInput{URL: "https://api.example.com/", Query: map[string]string{"": "1"}}, "query", "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Validate(tt.in)
			var ve *action.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v, want a *action.ValidationError", err)
			}
			if ve.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (field %q), want field %q containing %q", err, ve.Field, tt.field, tt.want)
			}
			if _, err := c.Send(context.Background(), tt.in); err == nil {
				t.Error("Send accepted what Validate refused")
			}
		})
	}
	for _, ok := range []RequestInput{
		{URL: "https://api.example.com/v1"},
		{Method: "delete", URL: "http://API.example.com:8080/v1"},
		{Method: "POST", URL: "https://x.hooks.example.com:8443/y", JSON: map[string]any{"a": nil}},
	} {
		if err := c.Validate(ok); err != nil {
			t.Errorf("Validate(%+v): %v", ok, err)
		}
	}
	// Every problem at once.
	err := c.Validate(RequestInput{Method: "NOPE", URL: "nope", Body: "b", JSON: 1})
	for _, field := range []string{`"method"`, `"url"`, `"json"`} {
		if !strings.Contains(fmt.Sprint(err), field) {
			t.Errorf("joined error %q does not mention %s", err, field)
		}
	}
}

func TestAllowedHostsBlockRedirects(t *testing.T) {
	var elsewhereHit atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereHit.Store(true)
	}))
	t.Cleanup(elsewhere.Close)
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		http.Redirect(w, r, elsewhere.URL+"/internal", http.StatusFound)
	})
	c := newClient(t, ClientOptions{AllowedHosts: []string{rec.hostPort()}})
	_, err := c.Send(context.Background(), RequestInput{URL: rec.srv.URL + "/start"})
	var re *RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "not in ClientOptions.AllowedHosts") {
		t.Fatalf("error %v, want a *RequestError naming AllowedHosts", err)
	}
	if elsewhereHit.Load() {
		t.Fatal("the redirect reached a host outside AllowedHosts")
	}
	if action.IsRetryable(err) {
		t.Error("a refused host must not be retryable")
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	const (
		patToken   = "pat-credential-abcdef123456"
		apiKey     = "hdr-api-key-0987654321"
		queryToken = "qry-token-5555-6666"
		pathToken  = "T0123456789ABCDEFGHIJ"
	)
	// The server echoes the whole request back in an error answer.
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "echo: %s %s headers=%v body=%s", r.Method, r.URL.String(), r.Header, body)
	})
	var logs bytes.Buffer
	c := newClient(t, ClientOptions{
		Auth:         auth.PAT{Token: patToken},
		AllowedHosts: []string{rec.hostPort()},
		Logger:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTP:         httpx.Options{MaxRetries: 1},
	})
	in := RequestInput{
		Method:     "POST",
		URL:        rec.srv.URL + "/services/" + pathToken + "/hook?token=" + queryToken,
		Headers:    map[string]string{"X-Api-Key": apiKey},
		JSON:       map[string]string{"text": "hello"},
		Idempotent: true,
	}
	_, err := c.Send(context.Background(), in)
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want *StatusError", err)
	}
	if !strings.Contains(se.Body, "echo:") || se.URL != rec.srv.URL+"/services/[redacted]/hook" {
		t.Errorf("error %q: want the echoed body and the redacted path", err)
	}

	// A request that gets no answer at all.
	ln, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	c2 := newClient(t, ClientOptions{
		Auth:         auth.PAT{Token: patToken},
		AllowedHosts: []string{deadAddr},
		Logger:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTP:         httpx.Options{MaxRetries: -1},
	})
	in.URL = "http://" + deadAddr + "/services/" + pathToken + "/hook?token=" + queryToken
	in.Idempotent = false
	_, err2 := c2.Send(context.Background(), in)
	var re *RequestError
	if !errors.As(err2, &re) {
		t.Fatalf("error %v (%T), want *RequestError", err2, err2)
	}

	everything := fmt.Sprintf("%v\n%+v\n%v\n%+v\n%#v\n%s", err, se, err2, re, c, logs.String())
	for _, secret := range []string{patToken, apiKey, queryToken, pathToken} {
		if strings.Contains(everything, secret) {
			t.Errorf("secret %q leaked into errors or logs:\n%s", secret, everything)
		}
	}
	if !strings.Contains(logs.String(), "http attempt") {
		t.Errorf("no HTTP log lines were captured, so the check proves nothing:\n%s", logs.String())
	}
}

func TestTransportFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, ClientOptions{HTTP: httpx.Options{MaxRetries: 1}})

	_, err = c.Send(context.Background(), RequestInput{Method: "GET", URL: "http://" + addr + "/x"})
	var re *RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "GET http://"+addr+"/x") {
		t.Fatalf("refused GET: %v", err)
	}
	if !action.IsRetryable(err) {
		t.Errorf("a refused idempotent request should be retryable: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Send(ctx, RequestInput{URL: "http://" + addr + "/x"})
	if !errors.Is(err, context.Canceled) || action.IsRetryable(err) {
		t.Fatalf("canceled: %v (retryable %v)", err, action.IsRetryable(err))
	}

	// A POST whose answer never comes may have been applied.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hang) })
	cs := newClient(t, ClientOptions{HTTP: httpx.Options{Timeout: 50 * time.Millisecond}})
	_, err = cs.Send(context.Background(), RequestInput{Method: "POST", URL: slow.URL, Body: "x"})
	if !errors.Is(err, action.ErrOutcomeUnknown) || action.IsRetryable(err) || !strings.Contains(err.Error(), "may or may not have been applied") {
		t.Fatalf("timed-out POST: %v", err)
	}
}

func TestResponseTooLarge(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		fmt.Fprint(w, strings.Repeat("x", 100))
	})
	c := newClient(t, ClientOptions{MaxResponseBytes: 64})
	_, err := c.Send(context.Background(), RequestInput{URL: rec.srv.URL})
	if err == nil || !strings.Contains(err.Error(), "exceeds 64 bytes") || action.IsRetryable(err) {
		t.Fatalf("error %v", err)
	}
}

func TestNewClientErrors(t *testing.T) {
	tests := []struct {
		opts ClientOptions
		want []string
	}{
		{ClientOptions{Auth: auth.PAT{Token: "t"}}, []string{"AllowedHosts is empty"}},
		{ClientOptions{AllowedHosts: []string{"https://api.example.com"}}, []string{"has a scheme"}},
		{ClientOptions{AllowedHosts: []string{"api.example.com/v1", "", "a.*.com"}}, []string{"not a bare host", "is empty", "wildcard"}},
		{ClientOptions{MaxResponseBytes: -5}, []string{"MaxResponseBytes is -5"}},
		{ClientOptions{Auth: auth.PAT{}, AllowedHosts: []string{"x"}}, []string{"PAT"}},
		{ClientOptions{HTTP: httpx.Options{MaxRetries: -3}}, []string{"MaxRetries"}},
	}
	for _, tt := range tests {
		_, err := NewClient(tt.opts)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("NewClient(%+v): error %v, want one containing %q", tt.opts, err, w)
			}
		}
	}
}

func TestConnector(t *testing.T) {
	conn, err := NewConnector("outbound", ClientOptions{
		Auth:         auth.PAT{Token: "secret-pat-value"},
		AllowedHosts: []string{"api.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info := conn.Info()
	if info.Name != "webhook" || info.Connection != "outbound" || info.Title == "" {
		t.Errorf("Info = %+v", info)
	}
	res, err := conn.Test(context.Background())
	if err != nil {
		t.Fatalf("Test: %v", err)
	}
	if !strings.Contains(res.Detail, "api.example.com") || strings.Contains(fmt.Sprintf("%+v", res), "secret-pat-value") {
		t.Errorf("TestResult = %+v", res)
	}
	acts := conn.Actions()
	if len(acts) != 1 || acts[0].Name != "http_request" || acts[0].Connector != "webhook" || acts[0].Idempotent {
		t.Errorf("Actions = %+v", acts)
	}
	if got := conn.Request().Info(); got.Name != "http_request" {
		t.Errorf("Request().Info() = %+v", got)
	}
	trigs := conn.Triggers()
	if len(trigs) != 1 || trigs[0].Name != "new_event" || trigs[0].Connector != "webhook" || trigs[0].PollInterval != 0 {
		t.Errorf("Triggers = %+v", trigs)
	}
	var reg connector.Registry
	if err := reg.Register(conn); err != nil {
		t.Fatal(err)
	}
	if got, ok := reg.Get("outbound"); !ok || got != conn {
		t.Error("the registry does not find the connection by name")
	}
	if _, err := NewConnector("", ClientOptions{AllowedHosts: []string{"http://x"}}); err == nil {
		t.Error("NewConnector accepted a bad allow-list")
	}
	anon, err := NewConnector("", ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if anon.Info().Connection != "webhook" {
		t.Errorf("default connection name %q", anon.Info().Connection)
	}
	if res, err := anon.Test(context.Background()); err != nil || res.Account != "anonymous" {
		t.Errorf("anonymous Test = %+v, %v", res, err)
	}
}

func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	in := RequestInput{Method: "POST", URL: srv.URL + "/hook", JSON: map[string]any{"text": "hello"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
