package httpx

import (
	"context"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "github.com/recipekit/recipekit/connector/httpx"

// telemetry holds a Client's instruments: a client span per Do call (all
// its attempts), a counter of attempts by status and a counter of
// rate-limit waits.
type telemetry struct {
	tracer   trace.Tracer
	requests metric.Int64Counter
	waits    metric.Int64Counter
	waitTime metric.Float64Counter
	route    func(*http.Request) string
}

func newTelemetry(opts Options) *telemetry {
	tp, mp := opts.TracerProvider, opts.MeterProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(instrumentationName)
	t := &telemetry{tracer: tp.Tracer(instrumentationName), route: opts.Route}
	if t.route == nil {
		t.route = RouteTemplate
	}
	// Errors come only from invalid fixed names; the API then hands back
	// no-op instruments.
	t.requests, _ = m.Int64Counter("recipekit.http.requests", metric.WithDescription("HTTP attempts by method, route and status (0: no response)."), metric.WithUnit("{request}"))
	t.waits, _ = m.Int64Counter("recipekit.http.rate_limit.waits", metric.WithDescription("Waits before a request because of a rate limit: the server's (429, or a wait it asked for) or the client's own."), metric.WithUnit("{wait}"))
	t.waitTime, _ = m.Float64Counter("recipekit.http.rate_limit.wait_time", metric.WithDescription("Time spent waiting for rate limits."), metric.WithUnit("s"))
	return t
}

// RouteTemplate is the default Options.Route: the request's path with each
// segment that looks like an identifier (a number of two digits or more, a
// key such as PROJ-12, a long hexadecimal or UUID token) replaced by {id},
// so that /rest/api/2/issue/PROJ-12/comment/10001 becomes
// /rest/api/2/issue/{id}/comment/{id}: a span name and metric attribute of
// bounded cardinality. It runs for every request: a path with no
// identifier is returned as it is, and one with identifiers is built in
// one allocation.
func RouteTemplate(req *http.Request) string {
	path := req.URL.Path
	var out []byte // nil until a segment is replaced
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		seg := path[start:i]
		switch {
		case seg != "" && idSegment(seg):
			if out == nil {
				out = make([]byte, 0, len(path)+8)
				out = append(out, path[:start]...)
			}
			out = append(out, "{id}"...)
		case out != nil:
			out = append(out, seg...)
		}
		if out != nil && i < len(path) {
			out = append(out, '/')
		}
		start = i + 1
	}
	if out == nil {
		return path
	}
	return string(out)
}

// idSegment reports whether a path segment is an identifier rather than a
// route word: a number of two digits or more, a key such as PROJ-12 (a
// letter, letters, digits or underscores, a dash, digits), a hexadecimal
// or UUID-like token of 16 characters or more, or two lowercase
// hexadecimal parts around a colon (an Atlassian account id).
func idSegment(s string) bool {
	if len(s) >= 2 && all(s, isDigit) {
		return true
	}
	if len(s) >= 16 && all(s, func(c byte) bool { return isHex(c) || c == '-' }) {
		return true
	}
	if dash := strings.IndexByte(s, '-'); dash > 0 && isLetter(s[0]) {
		if all(s[1:dash], func(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }) && dash+1 < len(s) && all(s[dash+1:], isDigit) {
			return true
		}
	}
	if colon := strings.IndexByte(s, ':'); colon > 0 && colon+1 < len(s) {
		lowerHex := func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' }
		return all(s[:colon], lowerHex) && all(s[colon+1:], func(c byte) bool { return lowerHex(c) || c == '-' })
	}
	return false
}

func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isHex(c byte) bool    { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (t *telemetry) start(ctx context.Context, req *http.Request, method string) (context.Context, trace.Span, string) {
	route := t.route(req)
	ctx, span := t.tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", method),
		attribute.String("http.route", route),
		attribute.String("server.address", req.URL.Hostname()),
	))
	return ctx, span, route
}

// attempt counts one attempt's outcome.
func (t *telemetry) attempt(ctx context.Context, st *call, status int) {
	// Without a metrics SDK the instrument drops the count: skip building
	// its attribute set, which costs more than the rest of the count.
	if st == nil || !t.requests.Enabled(ctx) {
		return
	}
	t.requests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("http.request.method", st.method),
		attribute.String("http.route", st.route),
		attribute.Int("http.response.status_code", status),
	))
}

// wait records a rate-limit wait on the span and in the metrics.
func (t *telemetry) wait(ctx context.Context, st *call, source string, status int, d time.Duration) {
	if st == nil {
		st = &call{}
	}
	if t.waits.Enabled(ctx) || t.waitTime.Enabled(ctx) {
		attrs := []attribute.KeyValue{attribute.String("recipekit.rate_limit.source", source), attribute.String("http.route", st.route)}
		t.waits.Add(ctx, 1, metric.WithAttributes(attrs...))
		t.waitTime.Add(ctx, d.Seconds(), metric.WithAttributes(attrs...))
	}
	if st.span != nil {
		st.span.AddEvent("rate limit wait", trace.WithAttributes(
			attribute.String("recipekit.rate_limit.source", source),
			attribute.Int("http.response.status_code", status),
			attribute.Float64("recipekit.wait.seconds", d.Seconds()),
			attribute.Int("recipekit.attempt", st.attempt),
		))
	}
}

// end closes a Do call's span with its final status or error.
func endSpan(span trace.Span, resp *http.Response, err error) {
	switch {
	case err != nil:
		span.SetStatus(codes.Error, err.Error())
	case resp != nil:
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 400 {
			span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
		}
	}
	span.End()
}
