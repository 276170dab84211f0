// Package ops holds what every example program does alike around its
// recipe: it defines the common flags (-once, -rerun-failed, -store,
// -since, -ui, -metrics) and the -help text, serves the operator
// endpoints (the web UI, recipe/ui, with -ui ADDR and Prometheus metrics
// with -metrics ADDR), runs the program until Ctrl-C, says where the store
// lives and what went wrong opening it, and carries out -once and
// -rerun-failed. Each example's main.go keeps the calls a user writes: the
// connection, the recipes, the store's Open, the engine and its run.
package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/ui"
)

// Metrics installs an OpenTelemetry meter provider that the Prometheus
// exporter reads, as the global provider (the engine and the HTTP clients
// use the global one by default), and serves it at http://addr/metrics.
// Call it before building clients and the engine. The returned function
// stops the server. Without an address it serves nothing.
func Metrics(addr string, stdout io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("-metrics: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	otel.SetMeterProvider(mp)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	stopSrv, bound, err := serve(addr, mux)
	if err != nil {
		return nil, fmt.Errorf("-metrics %s: %w", addr, err)
	}
	fmt.Fprintf(stdout, "  metrics at http://%s/metrics\n", bound)
	return func() {
		stopSrv()
		_ = mp.Shutdown(context.Background())
	}, nil
}

// UI serves the web UI over store and eng at addr. It asks for the bearer
// token in token (RECIPEKIT_UI_TOKEN in the examples); without one it runs
// in the development mode, which answers only this machine, and refuses an
// address that is not loopback. Without an address it serves nothing.
func UI(addr string, store recipe.Store, eng *recipe.Engine, token string, stdout io.Writer) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	opts := ui.Options{Engine: eng}
	if token != "" {
		opts.Auth = ui.BearerToken(auth.Secret(token))
	} else {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("-ui %s: give host:port, such as 127.0.0.1:8080", addr)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("-ui %s: without RECIPEKIT_UI_TOKEN the UI serves only this machine: listen on 127.0.0.1, or set the token", addr)
		}
		opts.DevLoopbackOnly = true
	}
	h, err := ui.New(store, opts)
	if err != nil {
		return nil, err
	}
	stopSrv, bound, err := serve(addr, h)
	if err != nil {
		return nil, fmt.Errorf("-ui %s: %w", addr, err)
	}
	how := "development mode: this machine only, no password"
	if token != "" {
		how = "send Authorization: Bearer $RECIPEKIT_UI_TOKEN"
	}
	fmt.Fprintf(stdout, "  web UI at http://%s/ (%s)\n", bound, how)
	return stopSrv, nil
}

func serve(addr string, h http.Handler) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under it; nothing to report to
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, ln.Addr().String(), nil
}
