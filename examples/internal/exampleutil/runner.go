package exampleutil

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/recipe"
)

// Runner is what an example that runs recipes needs: the SQLite store, an
// engine over it, and the [Reporter] the engine's hooks print through.
type Runner struct {
	// Engine runs the recipes; add them with [Runner.Add].
	Engine *recipe.Engine
	// Reporter prints the jobs and counts them.
	Reporter *Reporter
	// StorePath is the store's file, for the "state kept in" line.
	StorePath string

	closeStore func()
}

// NewRunner opens the example's store (cfg.Store, else the default for
// the mode: see [OpenStore]) and builds an engine over it with a Reporter
// on cfg.Stdout as its hooks; opts are further engine options. The store
// seals webhook secrets with RECIPEKIT_SECRET_KEY (cfg.Env.SecretKey) when
// it is set. Close releases the store.
func NewRunner(ctx context.Context, example string, cfg Config, offline bool, opts ...recipe.Option) (*Runner, error) {
	var keys *seal.Keyring
	if cfg.Env.SecretKey != "" {
		k, err := cfg.Env.Keys()
		if err != nil {
			return nil, err
		}
		keys = k
	}
	store, path, closeStore, err := OpenStore(ctx, example, cfg.Store, offline, keys)
	if err != nil {
		return nil, err
	}
	rep := NewReporter(cfg.Stdout, cfg.Terminal, store)
	eng := recipe.NewEngine(store, append([]recipe.Option{recipe.WithHooks(rep)}, opts...)...)
	return &Runner{Engine: eng, Reporter: rep, StorePath: path, closeStore: closeStore}, nil
}

// Close closes the store (and removes a temporary one). Stop the engine
// first.
func (r *Runner) Close() { r.closeStore() }

// Add adds the recipes to the engine, stopping at the first error.
func (r *Runner) Add(recipes ...*recipe.Recipe) error {
	for _, rc := range recipes {
		if err := r.Engine.Add(rc); err != nil {
			return err
		}
	}
	return nil
}

// RunOnce catches up once (polls every trigger until caught up and runs
// the jobs), then prints the summary line and each failure. A failed job
// makes it return [ErrJobsFailed].
func (r *Runner) RunOnce(ctx context.Context) error {
	sum, err := r.Engine.RunOnce(ctx)
	r.Reporter.Printf("%s", SummaryLine(sum.Jobs))
	for _, f := range r.Reporter.Failures() {
		r.Reporter.Printf("  failed: %s", f)
	}
	if err != nil {
		return err
	}
	if sum.Jobs[recipe.JobFailed] > 0 {
		return ErrJobsFailed
	}
	return nil
}

// Watch runs the engine until ctx ends (Ctrl-C), then prints the summary
// of the jobs run meanwhile.
func (r *Runner) Watch(ctx context.Context) error {
	if err := r.Engine.Run(ctx); err != nil {
		return err
	}
	r.Reporter.PrintSummary()
	return nil
}

// Start runs the engine in the background until ctx ends or stop is
// called. stop cancels the run, waits for the engine to return and gives
// its error; calling it again returns the same error at once.
func (r *Runner) Start(ctx context.Context) (stop func() error) {
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Engine.Run(runCtx) }()
	var (
		once sync.Once
		err  error
	)
	return func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
}

// ShutdownTimeout bounds how long the shutdown function of [ServeHTTP]
// waits for requests in flight.
const ShutdownTimeout = 5 * time.Second

// ServeHTTP serves h on ln in the background. Requests' contexts carry
// ctx's values but are not cancelled with it, so a delivery being handled
// when ctx ends still finishes. shutdown stops the server, waiting up to
// [ShutdownTimeout] for requests in flight, and closes ln.
func ServeHTTP(ctx context.Context, ln net.Listener, h http.Handler) (shutdown func()) {
	base := context.WithoutCancel(ctx)
	// Slow senders are shed: a request must arrive within ReadTimeout
	// (the engine's webhook handler also bounds the body on its own), and
	// idle keep-alive connections are closed.
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(base, ShutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
			_ = ln.Close()
		})
	}
}
