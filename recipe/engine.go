package recipe

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"io"
	"iter"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runtimeDeps is what a running job needs from its engine.
type runtimeDeps struct {
	store Store
	hooks Hooks
	clock Clock
	log   *slog.Logger
}

// Engine runs recipes: it polls their triggers on schedule, receives their
// webhooks, turns each new event into a job, runs jobs on a worker pool per
// recipe and keeps every job's record in its [Store].
//
// Add recipes, then call Run (until the context ends) or RunOnce (until
// caught up). An Engine is safe for concurrent use.
type Engine struct {
	tel            *telemetry
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider

	rt                runtimeDeps
	webhookBase       string
	webhookURL        *url.URL
	webhookErr        error
	unsubscribeOnStop bool
	subRetryInitial   time.Duration
	subRetryMax       time.Duration
	optErr            error
	maxBody           int64
	readTimeout       time.Duration
	retention         Retention
	shutdownTimeout   time.Duration
	leaseTTL          time.Duration
	owner             string

	mu      sync.Mutex
	order   []string
	entries map[string]*entry
	running bool
	runCtx  context.Context
}

// Option configures an [Engine].
type Option func(*Engine)

// WithLogger sets the engine's logger; the default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.rt.log = l
		}
	}
}

// WithHooks sets the engine's hooks.
func WithHooks(h Hooks) Option {
	return func(e *Engine) {
		if h != nil {
			e.rt.hooks = h
		}
	}
}

// WithClock sets the clock used for job times, poll intervals and retry
// waits; the default is the system clock.
func WithClock(c Clock) Option {
	return func(e *Engine) {
		if c != nil {
			e.rt.clock = c
		}
	}
}

// WithWebhookBaseURL turns on webhook triggers: a recipe whose trigger
// implements trigger.Webhook is subscribed with the callback URL
// base + "/" + recipe name, and [Engine.WebhookHandler] serves that path.
func WithWebhookBaseURL(base string) Option {
	return func(e *Engine) {
		e.webhookBase = strings.TrimRight(base, "/")
		u, err := url.Parse(e.webhookBase)
		switch {
		case err != nil:
			e.webhookErr = fmt.Errorf("recipe: webhook base URL %q: %w", base, err)
		case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
			e.webhookErr = fmt.Errorf("recipe: webhook base URL %q must be an absolute http(s) URL such as https://host/hooks", base)
		default:
			e.webhookURL = u
		}
	}
}

// WithUnsubscribeOnStop says whether the engine removes a recipe's webhook
// registration when the recipe stops or the engine shuts down (default
// true). With false the registration stays, and deliveries made while the
// engine is down are retried by the sender or caught by the
// reconciliation poll.
func WithUnsubscribeOnStop(on bool) Option {
	return func(e *Engine) { e.unsubscribeOnStop = on }
}

// WithSubscribeRetry sets how long the engine waits before retrying a
// webhook subscription that failed: initial after the first failure,
// doubling after each further one up to max (defaults 30s and 30m). The
// trigger's reconciliation poll keeps running meanwhile. initial must be
// above zero and max at least initial; otherwise Run reports the mistake.
func WithSubscribeRetry(initial, max time.Duration) Option {
	return func(e *Engine) {
		if initial <= 0 || max < initial {
			e.optErr = fmt.Errorf("recipe: WithSubscribeRetry(%v, %v): the first wait must be above zero and the longest at least the first, such as WithSubscribeRetry(30*time.Second, 30*time.Minute)", initial, max)
			return
		}
		e.subRetryInitial, e.subRetryMax = initial, max
	}
}

// WithMaxBodyBytes caps the size of a webhook delivery (default 1 MiB);
// larger deliveries are answered 413.
func WithMaxBodyBytes(n int64) Option {
	return func(e *Engine) {
		if n > 0 {
			e.maxBody = n
		}
	}
}

// WithReadTimeout bounds how long a webhook sender may take to send one
// delivery (default 30s): [Serve] and [ListenAndServe] close connections
// whose request headers take longer, and the handler of
// [Engine.WebhookHandler] gives the body this long from the moment the
// handler starts reading it, on any server that supports read deadlines
// (net/http's does). A client that announces a body and then stalls is
// disconnected instead of holding a connection and a goroutine. d must be
// above zero; otherwise Run reports the mistake.
func WithReadTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d <= 0 {
			e.optErr = errors.Join(e.optErr, fmt.Errorf("recipe: WithReadTimeout(%v): the timeout must be above zero, such as WithReadTimeout(30*time.Second)", d))
			return
		}
		e.readTimeout = d
	}
}

// WithShutdownTimeout bounds how long in-flight jobs may run after Run's
// context ends or a recipe is stopped (default 30s). Jobs still running
// then are interrupted and left pending, to resume on the next run. A job
// waiting to retry a step (or a Try block) does not wait out its backoff:
// it is left pending at once.
func WithShutdownTimeout(d time.Duration) Option {
	return func(e *Engine) {
		if d >= 0 {
			e.shutdownTimeout = d
		}
	}
}

// Retention says how long finished jobs are kept. The zero value keeps
// everything.
type Retention struct {
	// MaxAge deletes finished jobs older than this; 0 keeps any age.
	MaxAge time.Duration
	// MaxJobs keeps at most this many finished jobs per recipe (the
	// newest); 0 keeps any number.
	MaxJobs int
	// LedgerMaxAge forgets dedup ledger entries older than this; 0 keeps
	// them forever. Keep it well above the longest time a trigger may
	// re-deliver an event (poll overlap windows, webhook retries).
	LedgerMaxAge time.Duration
	// Interval is how often Run prunes; default 10 minutes. RunOnce prunes
	// once at the end.
	Interval time.Duration
}

func (r Retention) active() bool { return r.MaxAge > 0 || r.MaxJobs > 0 || r.LedgerMaxAge > 0 }

// WithRetention sets the retention of finished jobs.
func WithRetention(r Retention) Option {
	return func(e *Engine) { e.retention = r }
}

// NewEngine returns an engine that keeps its state in store.
func NewEngine(store Store, opts ...Option) *Engine {
	e := &Engine{
		rt: runtimeDeps{
			store: store,
			hooks: NopHooks{},
			clock: systemClock{},
			log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		},
		unsubscribeOnStop: true,
		subRetryInitial:   30 * time.Second,
		subRetryMax:       30 * time.Minute,
		maxBody:           1 << 20,
		readTimeout:       30 * time.Second,
		shutdownTimeout:   30 * time.Second,
		leaseTTL:          30 * time.Second,
		entries:           map[string]*entry{},
	}
	for _, o := range opts {
		if o != nil {
			o(e)
		}
	}
	e.rt.log = slog.New(TraceLogHandler(e.rt.log.Handler()))
	e.initTelemetry()
	if e.owner == "" {
		e.owner = defaultProcessID()
	}
	return e
}

// entry is a recipe added to the engine.
type entry struct {
	r       *Recipe
	stopped bool
	run     *recipeRun

	subMu       sync.Mutex
	sub         *subscriptionState
	subscribing bool // a Subscribe call is under way

	vms sync.Pool // of *vm.VM for webhook deliveries

	stats recipeStats // for Engine.Status
}

// Add adds a recipe. Names must be unique within the engine. If the engine
// is running, the recipe starts at once (unless its stored state says it
// was stopped).
func (e *Engine) Add(r *Recipe) error {
	if r == nil {
		return errors.New("recipe: Add: the recipe is nil")
	}
	if e.rt.store == nil {
		return errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.entries[r.name]; dup {
		return fmt.Errorf("recipe: a recipe named %q was already added", r.name)
	}
	ent := &entry{r: r}
	e.entries[r.name] = ent
	e.order = append(e.order, r.name)
	if e.running {
		ctx := e.runCtx
		st, err := e.rt.store.State(ctx, r.name)
		if err != nil {
			return fmt.Errorf("recipe: read state of %q: %w", r.name, err)
		}
		ent.stopped = st.Stopped
		if !ent.stopped {
			e.startRun(ctx, ent, false)
		}
	}
	return nil
}

// Recipes returns the names of the recipes added, in the order they were
// added.
func (e *Engine) Recipes() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.order)
}

func (e *Engine) entry(name string) (*entry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent, ok := e.entries[name]
	if !ok {
		return nil, fmt.Errorf("recipe: no recipe named %q in this engine: %w", name, ErrNotFound)
	}
	return ent, nil
}

// storeStopped stores whether the recipe named name is stopped, for
// [Engine.Start] and [Engine.Stop], and returns its entry.
func (e *Engine) storeStopped(ctx context.Context, name string, stopped bool) (*entry, error) {
	ent, err := e.entry(name)
	if err != nil {
		return nil, err
	}
	verb := "start"
	if stopped {
		verb = "stop"
	}
	if err := e.rt.store.SetState(ctx, name, RecipeState{Stopped: stopped, Updated: e.rt.clock.Now()}); err != nil {
		return nil, fmt.Errorf("recipe: %s %q: %w", verb, name, err)
	}
	return ent, nil
}

// Start marks a stopped recipe as started (in the store, so it survives a
// restart) and, if the engine is running, starts it.
func (e *Engine) Start(ctx context.Context, name string) error {
	ent, err := e.storeStopped(ctx, name, false)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ent.stopped = false
	if e.running && ent.run == nil {
		e.startRun(e.runCtx, ent, false)
	}
	return nil
}

// Stop stops a recipe: no more polls, in-flight jobs finish (or are left
// pending after the shutdown timeout), queued jobs stay pending, and its
// webhook registration is removed (see [WithUnsubscribeOnStop]). The
// stopped state is stored, so the recipe stays stopped across restarts
// until Start.
func (e *Engine) Stop(ctx context.Context, name string) error {
	ent, err := e.storeStopped(ctx, name, true)
	if err != nil {
		return err
	}
	e.mu.Lock()
	ent.stopped = true
	run := ent.run
	ent.run = nil
	e.mu.Unlock()
	if run != nil {
		run.stop()
	}
	return e.unsubscribe(ctx, ent)
}

// Run runs every added recipe that is not stopped until ctx ends, then shuts
// down gracefully: polling stops, in-flight jobs finish (or are left
// pending after the shutdown timeout), and webhook registrations are
// removed if so configured. It returns nil after a shutdown caused by ctx,
// and an error if the engine cannot start.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.configErr(); err != nil {
		return err
	}
	if e.rt.store == nil {
		return errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return errors.New("recipe: the engine is already running")
	}
	e.running = true
	e.runCtx = ctx
	ents := e.list()
	for _, ent := range ents {
		st, err := e.rt.store.State(ctx, ent.r.name)
		if err != nil {
			e.running = false
			e.mu.Unlock()
			return fmt.Errorf("recipe: read state of %q: %w", ent.r.name, err)
		}
		ent.stopped = st.Stopped
		if !ent.stopped {
			e.startRun(ctx, ent, false)
		}
	}
	e.mu.Unlock()

	var pruneWG sync.WaitGroup
	if e.retention.active() {
		pruneWG.Add(1)
		go func() {
			defer pruneWG.Done()
			interval := e.retention.Interval
			if interval <= 0 {
				interval = 10 * time.Minute
			}
			for {
				e.prune(ctx)
				select {
				case <-ctx.Done():
					return
				case <-e.rt.clock.After(interval):
				}
			}
		}()
	}
	<-ctx.Done()

	e.mu.Lock()
	var runs []*recipeRun
	ents = e.list()
	for _, ent := range ents {
		if ent.run != nil {
			runs = append(runs, ent.run)
			ent.run = nil
		}
	}
	e.running = false
	e.runCtx = nil
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(run.stop)
	}
	wg.Wait()
	pruneWG.Wait()
	if e.unsubscribeOnStop {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.shutdownTimeout)
		defer cancel()
		for _, ent := range ents {
			if err := e.unsubscribe(uctx, ent); err != nil {
				e.rt.log.Warn("cannot remove webhook registration", "recipe", ent.r.name, "error", err)
			}
		}
	}
	return nil
}

// configErr reports the mistakes found in the engine's options.
func (e *Engine) configErr() error {
	return errors.Join(e.webhookErr, e.optErr)
}

func (e *Engine) list() []*entry {
	out := make([]*entry, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.entries[n])
	}
	return out
}

// Summary counts what RunOnce did.
type Summary struct {
	// Events is the number of events the triggers returned.
	Events int
	// Duplicates is how many of them were already accepted before.
	Duplicates int
	// Jobs counts the jobs run (or, for JobSkipped, the events the trigger
	// conditions dropped) by final status. Jobs left unfinished by
	// cancellation are counted as JobPending.
	Jobs map[JobStatus]int
	// Skipped counts the events the trigger conditions dropped by reason,
	// such as `condition "trigger.x == 1" false` (the first When condition
	// that was false). Its counts add up to Jobs[JobSkipped].
	Skipped map[string]int
}

// String sums the run up on one line, for logs and command-line programs:
//
//	events: 5 (1 duplicate); jobs: 2 (1 succeeded, 1 failed); skipped: 2 (condition "trigger.x == 1" false)
//
// Jobs counts every job the run handled, those left pending by a shutdown
// included. A summary with several skip reasons lists each with its count.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events: %d", s.Events)
	if s.Duplicates > 0 {
		fmt.Fprintf(&b, " (%d %s)", s.Duplicates, plural(s.Duplicates, "duplicate", "duplicates"))
	}
	var parts []string
	jobs := 0
	for _, st := range []JobStatus{JobSucceeded, JobStopped, JobFailed, JobPending, JobRunning} {
		if n := s.Jobs[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
			jobs += n
		}
	}
	fmt.Fprintf(&b, "; jobs: %d", jobs)
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if n := s.Jobs[JobSkipped]; n > 0 {
		fmt.Fprintf(&b, "; skipped: %d", n)
		reasons := slices.Sorted(maps.Keys(s.Skipped))
		switch {
		case len(reasons) == 1 && s.Skipped[reasons[0]] == n:
			fmt.Fprintf(&b, " (%s)", reasons[0])
		case len(reasons) > 0:
			parts = parts[:0]
			for _, r := range reasons {
				parts = append(parts, fmt.Sprintf("%d %s", s.Skipped[r], r))
			}
			fmt.Fprintf(&b, " (%s)", strings.Join(parts, "; "))
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Total returns the number of jobs RunOnce ran to a final status.
func (s Summary) Total() int {
	n := 0
	for st, c := range s.Jobs {
		if st.Final() && st != JobSkipped {
			n += c
		}
	}
	return n
}

func (s *Summary) add(o Summary) {
	s.Events += o.Events
	s.Duplicates += o.Duplicates
	for k, v := range o.Jobs {
		s.Jobs[k] += v
	}
	for k, v := range o.Skipped {
		if s.Skipped == nil {
			s.Skipped = map[string]int{}
		}
		s.Skipped[k] += v
	}
}

// RunOnce polls every recipe that is not stopped until its trigger has no
// more events ready, runs the unfinished jobs left by earlier runs and the
// new ones, and returns what it did. Poll errors (including a trigger
// asking to back off) end that recipe's polling for this run and are
// returned, joined, after the jobs ran. It is meant for cron jobs, batch
// programs and tests; it must not be called while Run is running.
func (e *Engine) RunOnce(ctx context.Context) (Summary, error) {
	sum := Summary{Jobs: map[JobStatus]int{}}
	if e.rt.store == nil {
		return sum, errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return sum, errors.New("recipe: RunOnce called while Run is running")
	}
	e.running = true
	ents := e.list()
	var runs []*recipeRun
	var errs []error
	for _, ent := range ents {
		st, err := e.rt.store.State(ctx, ent.r.name)
		if err != nil {
			errs = append(errs, fmt.Errorf("recipe %q: read state: %w", ent.r.name, err))
			continue
		}
		ent.stopped = st.Stopped
		if !ent.stopped {
			runs = append(runs, e.startRun(ctx, ent, true))
		}
	}
	e.mu.Unlock()
	for _, run := range runs {
		run.wait()
		sum.add(run.summary())
		errs = append(errs, run.errs()...)
	}
	e.mu.Lock()
	for _, ent := range ents {
		ent.run = nil
	}
	e.running = false
	e.mu.Unlock()
	if e.retention.active() {
		e.prune(ctx)
	}
	return sum, errors.Join(errs...)
}

func (e *Engine) prune(ctx context.Context) {
	now := e.rt.clock.Now()
	p := PrunePolicy{Keep: e.retention.MaxJobs}
	if e.retention.MaxAge > 0 {
		p.FinishedBefore = now.Add(-e.retention.MaxAge)
	}
	if e.retention.LedgerMaxAge > 0 {
		p.LedgerBefore = now.Add(-e.retention.LedgerMaxAge)
	}
	for _, name := range e.Recipes() {
		n, err := e.rt.store.Prune(ctx, name, p)
		if err != nil {
			e.rt.log.Warn("cannot prune old jobs", "recipe", name, "error", err)
			continue
		}
		if n > 0 {
			e.rt.log.Debug("pruned old jobs", "recipe", name, "jobs", n)
		}
	}
}

// Rerun stores a new pending job for the event of an earlier job (any
// status), decoded from the stored event data, and returns its ID. The new
// job runs with the next RunOnce, or at once when the engine is running.
// Its RerunOf field names the original.
func (e *Engine) Rerun(ctx context.Context, jobID string) (string, error) {
	old, err := e.rt.store.Job(ctx, jobID)
	if err != nil {
		return "", fmt.Errorf("recipe: rerun: %w", err)
	}
	ent, err := e.entry(old.Recipe)
	if err != nil {
		return "", fmt.Errorf("recipe: rerun job %q: %w", jobID, err)
	}
	data, err := ent.r.src.decode(old.Event.Data)
	if err != nil {
		return "", fmt.Errorf("recipe: rerun job %q: %w", jobID, err)
	}
	job := Job{
		ID:      newJobID(e.rt.clock.Now()),
		Recipe:  old.Recipe,
		Event:   old.Event,
		Label:   old.Label,
		Status:  JobPending,
		RerunOf: old.ID,
		Created: e.rt.clock.Now(),
	}
	if err := e.rt.store.AddJob(ctx, job); err != nil {
		return "", fmt.Errorf("recipe: rerun job %q: %w", jobID, err)
	}
	e.mu.Lock()
	run := ent.run
	e.mu.Unlock()
	if run != nil {
		run.push(queued{job: job, data: data})
	}
	return job.ID, nil
}

// Jobs iterates over the jobs of the engine's store that match q, newest
// first, each with its step records: for operators' listings such as "the
// last 20 failed jobs of a recipe" (JobQuery{Recipe: name, Status:
// JobFailed, Limit: 20}) or, with a zero Limit, every job that matches.
// The recipe need not be added to the engine, so jobs of retired recipes
// stay readable. A query that makes no sense (an unknown status, a
// negative limit) yields its error first; so does a failing store, and the
// sequence then ends. [CollectJobs] gathers the listing into a slice.
func (e *Engine) Jobs(ctx context.Context, q JobQuery) iter.Seq2[Job, error] {
	if err := e.checkJobQuery(q); err != nil {
		return func(yield func(Job, error) bool) { yield(Job{}, err) }
	}
	return func(yield func(Job, error) bool) {
		for j, err := range e.rt.store.Jobs(ctx, q) {
			if err != nil {
				yield(Job{}, fmt.Errorf("recipe: list jobs: %w", err))
				return
			}
			if !yield(j, nil) {
				return
			}
		}
	}
}

func (e *Engine) checkJobQuery(q JobQuery) error {
	if e.rt.store == nil {
		return errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	if q.Limit < 0 {
		return fmt.Errorf("recipe: list jobs: limit %d is negative: use 0 to list every job", q.Limit)
	}
	switch q.Status {
	case "", JobPending, JobRunning, JobSucceeded, JobFailed, JobStopped:
		return nil
	case JobSkipped:
		return errors.New("recipe: list jobs: events dropped by a trigger condition keep no job record, so no job is skipped: see Summary.Skipped for their count and reasons")
	default:
		return fmt.Errorf("recipe: list jobs: unknown status %q: use pending, running, succeeded, failed or stopped", q.Status)
	}
}

// Job returns one job of the engine's store with its step records (inputs
// and outputs as JSON, secrets redacted), or an error wrapping ErrNotFound.
func (e *Engine) Job(ctx context.Context, id string) (Job, error) {
	if e.rt.store == nil {
		return Job{}, errors.New("recipe: the engine has no store: pass one to NewEngine")
	}
	if id == "" {
		return Job{}, errors.New("recipe: job: the ID is empty")
	}
	j, err := e.rt.store.Job(ctx, id)
	if err != nil {
		return Job{}, fmt.Errorf("recipe: job: %w", err)
	}
	return j, nil
}

var jobSeq atomic.Uint32

// newJobID returns an ID that sorts by creation time: the time in
// microseconds (hex, fixed width), a process-wide counter and random bits.
func newJobID(now time.Time) string {
	var arr [40]byte
	b := arr[:0]
	us := strconv.FormatUint(uint64(now.UnixMicro()), 16)
	for range 14 - len(us) {
		b = append(b, '0')
	}
	b = append(b, us...)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(jobSeq.Add(1)), 36)
	b = append(b, '-')
	b = strconv.AppendUint(b, rand.Uint64()&0xffffffffff, 36)
	return string(b)
}
