package recipe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type fetchIn struct {
	N int `json:"n" expr:"n"`
}

type fetchOut struct {
	Status int `json:"status" expr:"status"`
}

// TestTelemetryOfOneJob runs a job whose step makes an HTTP request that is
// rate limited once, through providers with in-memory exporters, and checks
// the span tree (job, step, HTTP request with its wait), the metrics, and
// that the engine's log records inside a job carry the job's trace id.
func TestTelemetryOfOneJob(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()

	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	client, err := httpx.New(nil, httpx.Options{TracerProvider: tp, MeterProvider: mp, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	fetch := recipetest.NewAction("fetch", func(ctx context.Context, in fetchIn) (fetchOut, error) {
		if in.N == 2 {
			return fetchOut{}, action.Permanent(errors.New("two is refused"))
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/items/%d00/detail", srv.URL, in.N), nil)
		resp, err := client.Do(req)
		if err != nil {
			return fetchOut{}, err
		}
		resp.Body.Close()
		return fetchOut{Status: resp.StatusCode}, nil
	})
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := mustNew(t, "fetcher", recipetest.Data(1, 2), recipe.Do("fetch", fetch, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithTracerProvider(tp), recipe.WithMeterProvider(mp), recipe.WithLogger(log))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Spans: two jobs, each with its step; the first step's HTTP request.
	got := spans.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, s := range got {
		byName[s.Name] = append(byName[s.Name], s)
	}
	jobs, steps, reqs := byName["job fetcher"], byName["step fetch"], byName["GET /items/{id}/detail"]
	if len(jobs) != 2 || len(steps) != 2 || len(reqs) != 1 {
		t.Fatalf("spans: %d jobs, %d steps, %d requests; all: %v", len(jobs), len(steps), len(reqs), names(got))
	}
	req := reqs[0]
	var step, job tracetest.SpanStub
	for _, s := range steps {
		if s.SpanContext.SpanID() == req.Parent.SpanID() {
			step = s
		}
	}
	for _, j := range jobs {
		if j.SpanContext.SpanID() == step.Parent.SpanID() {
			job = j
		}
	}
	if !step.SpanContext.IsValid() || !job.SpanContext.IsValid() || job.Parent.IsValid() {
		t.Fatalf("the request is not under a step under a root job span")
	}
	if attr(job.Attributes, "recipekit.job.status") != "succeeded" || attr(step.Attributes, "recipekit.action") != "recipetest.fetch" {
		t.Errorf("job attributes %v, step attributes %v", job.Attributes, step.Attributes)
	}
	if attr(req.Attributes, "http.request.method") != "GET" || attr(req.Attributes, "http.route") != "/items/{id}/detail" || attr(req.Attributes, "http.response.status_code") != "200" {
		t.Errorf("request attributes %v", req.Attributes)
	}
	if len(req.Events) != 1 || req.Events[0].Name != "rate limit wait" || attr(req.Events[0].Attributes, "http.response.status_code") != "429" {
		t.Errorf("request events %+v, want one rate limit wait after a 429", req.Events)
	}
	var failedJob tracetest.SpanStub
	for _, j := range jobs {
		if attr(j.Attributes, "recipekit.job.status") == "failed" {
			failedJob = j
		}
	}

	// Metrics.
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					sums[m.Name+key(p.Attributes)] += float64(p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					sums[m.Name+key(p.Attributes)] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					sums[m.Name+".count"+key(p.Attributes)] += float64(p.Count)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					sums[m.Name+key(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					sums[m.Name+key(p.Attributes)] = p.Value
				}
			}
		}
	}
	for name, want := range map[string]float64{
		"recipekit.jobs.started{recipekit.recipe=fetcher}":                                                                             2,
		"recipekit.jobs.finished{recipekit.job.status=succeeded,recipekit.recipe=fetcher}":                                             1,
		"recipekit.jobs.finished{recipekit.job.status=failed,recipekit.recipe=fetcher}":                                                1,
		"recipekit.step.duration.count{outcome=ok,recipekit.action=recipetest.fetch,recipekit.recipe=fetcher,recipekit.step=fetch}":    1,
		"recipekit.step.duration.count{outcome=error,recipekit.action=recipetest.fetch,recipekit.recipe=fetcher,recipekit.step=fetch}": 1,
		"recipekit.http.requests{http.request.method=GET,http.response.status_code=429,http.route=/items/{id}/detail}":                 1,
		"recipekit.http.requests{http.request.method=GET,http.response.status_code=200,http.route=/items/{id}/detail}":                 1,
		"recipekit.http.rate_limit.waits{http.route=/items/{id}/detail,recipekit.rate_limit.source=server}":                            1,
		"recipekit.trigger.backlog{recipekit.recipe=fetcher}":                                                                          0,
		"recipekit.trigger.lag{recipekit.recipe=fetcher}":                                                                              0,
	} {
		if v, ok := sums[name]; !ok || v != want {
			t.Errorf("%s = %v (recorded %v), want %v", name, v, ok, want)
		}
	}
	if t.Failed() {
		t.Logf("metrics: %v", sums)
	}

	// The "job failed" record carries the failed job's trace.
	var rec map[string]any
	if err := json.Unmarshal(bytes.SplitN(logs.Bytes(), []byte("\n"), 2)[0], &rec); err != nil {
		t.Fatalf("log: %v: %s", err, logs.String())
	}
	if rec["msg"] != "job failed" || rec["trace_id"] != failedJob.SpanContext.TraceID().String() {
		t.Errorf("log record %v, want the failed job's trace id %s", rec, failedJob.SpanContext.TraceID())
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

func attr(kvs []attribute.KeyValue, k string) string {
	for _, kv := range kvs {
		if string(kv.Key) == k {
			return kv.Value.Emit()
		}
	}
	return ""
}

func key(set attribute.Set) string {
	s := "{"
	for i, kv := range set.ToSlice() {
		if i > 0 {
			s += ","
		}
		s += string(kv.Key) + "=" + kv.Value.Emit()
	}
	return s + "}"
}
