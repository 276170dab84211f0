package recipe

import (
	"context"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer and meter of the runtime.
const instrumentationName = "github.com/recipekit/recipekit/recipe"

// WithTracerProvider sets where the engine's spans go: one per job, with a
// child per action step (and, below those, the connectors' HTTP spans when
// they use the same provider). The default is the global provider
// (otel.GetTracerProvider), which records nothing until a program installs
// an SDK.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(e *Engine) {
		if tp != nil {
			e.tracerProvider = tp
		}
	}
}

// WithMeterProvider sets where the engine's metrics go; the default is the
// global provider (otel.GetMeterProvider), a no-op until a program installs
// an SDK. The metrics:
//
//   - recipekit.jobs.started (recipe) and recipekit.jobs.finished (recipe,
//     status): counters of jobs;
//   - recipekit.step.duration (recipe, step, action, outcome): seconds
//     from a step's first attempt to its last;
//   - recipekit.trigger.lag (recipe): seconds the oldest waiting event has
//     waited; recipekit.trigger.backlog (recipe): jobs queued in this
//     process plus the events the trigger says are still to come;
//   - recipekit.webhook.deliveries (outcome accepted or refused,
//     http.response.status_code).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(e *Engine) {
		if mp != nil {
			e.meterProvider = mp
		}
	}
}

// telemetry holds the engine's instruments.
type telemetry struct {
	tracer       trace.Tracer
	jobsStarted  metric.Int64Counter
	jobsFinished metric.Int64Counter
	stepDuration metric.Float64Histogram
	deliveries   metric.Int64Counter
}

func (e *Engine) initTelemetry() {
	tp, mp := e.tracerProvider, e.meterProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &telemetry{tracer: tp.Tracer(instrumentationName)}
	m := mp.Meter(instrumentationName)
	// Instrument errors only come from invalid names or options, fixed
	// here; the API then returns no-op instruments, which is what we want.
	t.jobsStarted, _ = m.Int64Counter("recipekit.jobs.started", metric.WithDescription("Jobs whose steps started running."), metric.WithUnit("{job}"))
	t.jobsFinished, _ = m.Int64Counter("recipekit.jobs.finished", metric.WithDescription("Jobs that reached a final status."), metric.WithUnit("{job}"))
	t.stepDuration, _ = m.Float64Histogram("recipekit.step.duration", metric.WithDescription("Time from a step's first attempt to the end of its last."), metric.WithUnit("s"))
	t.deliveries, _ = m.Int64Counter("recipekit.webhook.deliveries", metric.WithDescription("Webhook deliveries answered, by outcome."), metric.WithUnit("{delivery}"))
	lag, _ := m.Float64ObservableGauge("recipekit.trigger.lag", metric.WithDescription("How long the oldest event waiting for a worker has waited."), metric.WithUnit("s"))
	backlog, _ := m.Int64ObservableGauge("recipekit.trigger.backlog", metric.WithDescription("Jobs queued in this process plus events the trigger reports still to come."), metric.WithUnit("{event}"))
	_, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, name := range e.Recipes() {
			st, err := e.Status(name)
			if err != nil {
				continue
			}
			attrs := metric.WithAttributes(attribute.String("recipekit.recipe", name))
			o.ObserveFloat64(lag, st.Lag.Seconds(), attrs)
			o.ObserveInt64(backlog, int64(st.Queued)+st.TriggerBacklog, attrs)
		}
		return nil
	}, lag, backlog)
	e.tel = t
}

// jobAttrs holds a recipe's job attributes for the metrics, built once
// when the recipe is compiled rather than for every job: a recipe's name
// and the statuses a job ends with are known ahead.
type jobAttrs struct {
	recipe   string
	spanName string
	started  metric.MeasurementOption
	finished map[string]metric.MeasurementOption // by job status
}

func newJobAttrs(recipe string) *jobAttrs {
	a := &jobAttrs{
		recipe:   recipe,
		spanName: "job " + recipe,
		started:  metric.WithAttributeSet(attribute.NewSet(attribute.String("recipekit.recipe", recipe))),
		finished: map[string]metric.MeasurementOption{},
	}
	for _, st := range []JobStatus{JobPending, JobRunning, JobSucceeded, JobFailed, JobStopped, JobSkipped} {
		a.finished[string(st)] = finishedAttrs(recipe, string(st))
	}
	return a
}

func finishedAttrs(recipe, status string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("recipekit.recipe", recipe), attribute.String("recipekit.job.status", status)))
}

// stepAttrs holds an action step's span and metric attributes, built once
// when the recipe is compiled: recipe, step and action names are fixed.
type stepAttrs struct {
	spanName string
	span     trace.SpanStartOption
	ok, fail metric.MeasurementOption
}

func newStepAttrs(recipe, step, action string) *stepAttrs {
	base := []attribute.KeyValue{
		attribute.String("recipekit.recipe", recipe),
		attribute.String("recipekit.step", step),
		attribute.String("recipekit.action", action),
	}
	with := func(outcome string) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(append(slices.Clip(base), attribute.String("outcome", outcome))...))
	}
	return &stepAttrs{spanName: "step " + step, span: trace.WithAttributes(base...), ok: with("ok"), fail: with("error")}
}

// startJob opens a job's span and counts the start.
func (t *telemetry) startJob(ctx context.Context, info JobInfo, a *jobAttrs) (context.Context, trace.Span) {
	ctx, span := t.tracer.Start(ctx, a.spanName, trace.WithAttributes(
		attribute.String("recipekit.recipe", info.Recipe),
		attribute.String("recipekit.job.id", info.ID),
		attribute.String("recipekit.event.id", info.EventID),
	))
	if info.RerunOf != "" {
		span.SetAttributes(attribute.String("recipekit.job.rerun_of", info.RerunOf))
	}
	t.jobsStarted.Add(ctx, 1, a.started)
	return ctx, span
}

// endJob closes a job's span with its outcome; finished is false when the
// job was left pending to resume later.
func (t *telemetry) endJob(ctx context.Context, span trace.Span, info JobInfo, res JobResult, finished bool, a *jobAttrs) {
	status := string(res.Status)
	if !finished {
		status = string(JobPending)
	}
	if span.IsRecording() {
		span.SetAttributes(attribute.String("recipekit.job.status", status))
	}
	if finished {
		attrs, ok := a.finished[status]
		if !ok {
			attrs = finishedAttrs(a.recipe, status)
		}
		t.jobsFinished.Add(ctx, 1, attrs)
	}
	if res.Status == JobFailed && finished {
		span.SetStatus(codes.Error, res.Error)
	}
	span.End()
}

// startStep opens a step's span, a child of the job's.
func (t *telemetry) startStep(ctx context.Context, a *stepAttrs) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, a.spanName, a.span)
}

// endStep closes a step's span and records its duration.
func (t *telemetry) endStep(ctx context.Context, span trace.Span, rec StepRecord, a *stepAttrs) {
	attrs := a.ok
	if rec.Failed() {
		attrs = a.fail
		span.SetStatus(codes.Error, rec.Error)
	}
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("recipekit.step.attempts", rec.Attempts))
	}
	t.stepDuration.Record(ctx, rec.Duration.Seconds(), attrs)
	span.End()
}

// TraceLogHandler wraps h so that every record logged with a context that
// carries a span (the engine logs inside a job with the job's context) has
// trace_id and span_id attributes, linking logs to traces. The engine wraps
// its logger with it.
func TraceLogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(traceLogHandler); ok {
		return h
	}
	return traceLogHandler{h}
}

type traceLogHandler struct{ slog.Handler }

func (h traceLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceLogHandler{h.Handler.WithAttrs(as)}
}

func (h traceLogHandler) WithGroup(name string) slog.Handler {
	return traceLogHandler{h.Handler.WithGroup(name)}
}
