package httpx

import (
	"context"
	"net/http"
	"regexp"
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

// idSegment matches path segments that are identifiers rather than route
// words: numbers, keys such as PROJ-12, and long hexadecimal or UUID-like
// tokens.
var idSegment = regexp.MustCompile(`^(\d{2,}|[A-Za-z][A-Za-z0-9_]*-\d+|[0-9a-fA-F-]{16,}|[0-9a-f]+:[0-9a-f-]+)$`)

// RouteTemplate is the default Options.Route: the request's path with each
// segment that looks like an identifier (a number of two digits or more, a
// key such as PROJ-12, a long hexadecimal or UUID token) replaced by {id},
// so that /rest/api/2/issue/PROJ-12/comment/10001 becomes
// /rest/api/2/issue/{id}/comment/{id}: a span name and metric attribute of
// bounded cardinality.
func RouteTemplate(req *http.Request) string {
	parts := strings.Split(req.URL.Path, "/")
	for i, p := range parts {
		if p != "" && idSegment.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

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
	if st == nil {
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
	attrs := []attribute.KeyValue{attribute.String("recipekit.rate_limit.source", source), attribute.String("http.route", st.route)}
	t.waits.Add(ctx, 1, metric.WithAttributes(attrs...))
	t.waitTime.Add(ctx, d.Seconds(), metric.WithAttributes(attrs...))
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
