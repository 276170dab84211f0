package recipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/trigger"
)

// queued is a job waiting for a worker.
type queued struct {
	job  Job
	data any // the typed event data when at hand; nil to decode Job.Event.Data
	mark markRef
}

// recipeRun is one recipe running in an engine: its poller, its webhook
// subscription keeper and its workers.
type recipeRun struct {
	e    *Engine
	ent  *entry
	r    *Recipe
	once bool

	ctx       context.Context // polling and subscriptions
	cancel    context.CancelFunc
	jobCtx    context.Context // in-flight jobs
	jobCancel context.CancelFunc
	storeCtx  context.Context // store writes of jobs: not cancelled by shutdown
	// markAhead: the recipe's first step writes, so a job's first
	// checkpoint has nothing to save but the running mark, which is made
	// ahead, while the job waits in the queue (see markAheadLocked), up to
	// markBatch jobs in one store write whenever no more than markLow
	// queued jobs are marked.
	markAhead bool
	markBatch int
	markLow   int

	mu    sync.Mutex
	cond  *sync.Cond
	queue []queued
	head  int
	// held names the jobs queued or running in this run, so that a job is
	// queued once even when two sources hand it over: the unfinished jobs
	// read when the run starts include one that a webhook delivery stored
	// and queued a moment before. It maps each job to its Job.Retries. A
	// job leaves it when it ends.
	held map[string]int
	// again holds a job handed over anew, with more retries, while an
	// earlier attempt of it is held: the job failed and was put back to
	// pending (RerunFailed, the retry loop) before its end was reported.
	// It is queued once that end is.
	again    map[string]queued
	unmarked int // queue[unmarked:] are not marked ahead
	closed   bool
	stopping bool
	// feed stops polling while highWater or more jobs are queued, and
	// waits for popped, which take signals only once the backlog is below
	// highWater: while it stays at highWater or above, a signal for each
	// job taken would wake feed only to wait again.
	highWater int
	popped    chan struct{}
	jobs      map[JobStatus]int
	retryAt   time.Time // earliest retry a worker scheduled since retryLoop last looked
	// retryWake tells retryLoop that a worker scheduled a retry.
	retryWake chan struct{}
	skipped   map[string]int // by reason
	events    int
	dups      int
	errList   []error

	bg      sync.WaitGroup
	workers sync.WaitGroup
	marks   sync.WaitGroup // running marks being written

	// On a shared store (see Coordinator): the leases' state, and the
	// lease keeper, which outlives polling until the workers are done.
	sh         *shared
	keepCtx    context.Context
	keepCancel context.CancelFunc
	keepWG     sync.WaitGroup
}

// startRun starts a recipe; e.mu must be held.
func (e *Engine) startRun(ctx context.Context, ent *entry, once bool) *recipeRun {
	run := &recipeRun{e: e, ent: ent, r: ent.r, once: once, jobs: map[JobStatus]int{}, skipped: map[string]int{}, popped: make(chan struct{}, 1), retryWake: make(chan struct{}, 1)}
	run.cond = sync.NewCond(&run.mu)
	run.highWater = 256 * ent.r.opts.Concurrency
	run.ctx, run.cancel = context.WithCancel(ctx)
	if once {
		run.jobCtx, run.jobCancel = context.WithCancel(ctx)
		context.AfterFunc(ctx, run.markStopping)
	} else {
		run.jobCtx, run.jobCancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	run.storeCtx = context.WithoutCancel(run.jobCtx)
	run.markAhead = firstStepWrites(ent.r.steps)
	conc := ent.r.opts.Concurrency
	if _, ok := e.rt.store.(JobWriter); ok {
		run.markBatch, run.markLow = max(32, 4*conc), max(8, 2*conc)
	} else {
		run.markBatch, run.markLow = 1, conc
	}
	ent.run = run
	if coord := e.coordinator(); coord != nil {
		run.sh = e.newShared(ent.r, coord)
		run.keepCtx, run.keepCancel = context.WithCancel(context.WithoutCancel(ctx))
		run.keepWG.Add(1)
		go run.keepLeases()
		run.bg.Add(1)
		go run.claimLoop()
	}
	for range ent.r.opts.Concurrency {
		run.workers.Add(1)
		go run.worker()
	}
	run.bg.Add(1)
	go run.feed()
	if run.sh == nil && !once && e.webhookURL != nil && ent.r.src.webhook() != nil {
		run.bg.Add(1)
		go func() {
			defer run.bg.Done()
			e.keepSubscribed(run.ctx, ent)
		}()
	}
	return run
}

func (run *recipeRun) markStopping() {
	run.mu.Lock()
	run.stopping = true
	run.cond.Broadcast()
	run.mu.Unlock()
}

// stop shuts the run down gracefully; see Engine.Stop.
func (run *recipeRun) stop() {
	run.cancel()
	run.markStopping()
	done := make(chan struct{})
	go func() {
		run.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-run.e.rt.clock.After(run.e.shutdownTimeout):
		run.jobCancel()
		<-done
	}
	run.marks.Wait()
	run.bg.Wait()
	run.jobCancel()
	run.endShared()
}

// wait waits for a RunOnce run to finish.
func (run *recipeRun) wait() {
	run.bg.Wait()
	run.workers.Wait()
	run.marks.Wait()
	run.cancel()
	run.jobCancel()
	run.endShared()
}

// endShared stops the lease keeper of a run on a shared store, once its
// workers are done, and gives up the run's leases.
func (run *recipeRun) endShared() {
	if run.sh == nil {
		return
	}
	run.keepCancel()
	run.keepWG.Wait()
	run.releaseAll()
}

func (run *recipeRun) summary() Summary {
	run.mu.Lock()
	defer run.mu.Unlock()
	s := Summary{Events: run.events, Duplicates: run.dups, Jobs: maps.Clone(run.jobs), Skipped: maps.Clone(run.skipped)}
	return s
}

func (run *recipeRun) errs() []error {
	run.mu.Lock()
	defer run.mu.Unlock()
	return run.errList
}

func (run *recipeRun) fail(err error) {
	run.mu.Lock()
	run.errList = append(run.errList, err)
	run.mu.Unlock()
}

// push queues new jobs for the workers. On a shared store the jobs are
// claimed from the store instead (any process may run them), so push only
// wakes the claimer.
func (run *recipeRun) push(qs ...queued) {
	if len(qs) == 0 {
		return
	}
	if run.sh != nil {
		run.sh.signal()
		return
	}
	run.enqueue(qs...)
}

// enqueue hands jobs to the workers. It reports how many it dropped as
// already held by the run with the same retries: they will not end here.
func (run *recipeRun) enqueue(qs ...queued) (dropped int) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.stopping {
		return 0 // the jobs are stored as pending and resume on the next run
	}
	if run.held == nil {
		run.held = make(map[string]int, len(qs))
	}
	for _, q := range qs {
		if retries, dup := run.held[q.job.ID]; dup {
			if q.job.Retries > retries {
				if run.again == nil {
					run.again = map[string]queued{}
				}
				run.again[q.job.ID] = q
			} else {
				dropped++
			}
			continue
		}
		run.held[q.job.ID] = q.job.Retries
		run.queue = append(run.queue, q)
	}
	run.cond.Broadcast()
	return dropped
}

// release takes an ended job out of the run's held jobs, so that it can
// be queued again (a retry, a rerun), and queues it at once when it was
// handed over again while it was held.
func (run *recipeRun) release(id string) {
	run.mu.Lock()
	defer run.mu.Unlock()
	delete(run.held, id)
	q, ok := run.again[id]
	if !ok {
		return
	}
	delete(run.again, id)
	if run.stopping {
		return // pending in the store: it resumes on the next run
	}
	run.held[id] = q.job.Retries
	run.queue = append(run.queue, q)
	run.cond.Broadcast()
}

func (run *recipeRun) pop() (queued, bool) {
	return run.take(true)
}

// take takes the next job; with wait false it returns at once when none
// is queued.
func (run *recipeRun) take(wait bool) (queued, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	for wait && run.head == len(run.queue) && !run.closed && !run.stopping {
		run.cond.Wait()
	}
	if run.stopping || run.head == len(run.queue) {
		return queued{}, false
	}
	if run.markAhead {
		run.markAheadLocked()
	}
	q := run.queue[run.head]
	run.queue[run.head] = queued{}
	run.head++
	if run.head == len(run.queue) {
		run.queue, run.head, run.unmarked = run.queue[:0], 0, 0
	} else if run.head > 1024 && run.head*2 > len(run.queue) {
		n := copy(run.queue, run.queue[run.head:])
		run.unmarked = max(run.unmarked-run.head, 0)
		run.queue, run.head = run.queue[:n], 0
	}
	if len(run.queue)-run.head < run.highWater {
		select {
		case run.popped <- struct{}{}:
		default:
		}
	}
	return q, true
}

func (run *recipeRun) backlog() int {
	run.mu.Lock()
	defer run.mu.Unlock()
	return len(run.queue) - run.head
}

func (run *recipeRun) count(st JobStatus, n int) {
	run.mu.Lock()
	run.jobs[st] += n
	run.mu.Unlock()
}

func (run *recipeRun) sleep(d time.Duration) bool {
	if d <= 0 {
		return run.ctx.Err() == nil
	}
	select {
	case <-run.ctx.Done():
		return false
	case <-run.e.rt.clock.After(d):
		return true
	}
}

// feed queues the jobs earlier runs left unfinished, then polls the
// trigger: in a RunOnce run until it has nothing more, otherwise every poll
// interval until the run stops.
func (run *recipeRun) feed() {
	defer run.bg.Done()
	defer func() {
		if run.sh != nil {
			// The claimer closes the queue when nothing is left to claim.
			run.feedFinished()
			return
		}
		run.mu.Lock()
		run.closed = true
		run.cond.Broadcast()
		run.mu.Unlock()
	}()
	rt := &run.e.rt
	info := run.r.src.info()
	// Failed jobs whose retry is due go back to pending first, so the
	// unfinished jobs read next include them (and no job is queued twice).
	nextRetry, ok := loadRetrying(run, "failed jobs awaiting a retry", info.PollInterval, func(ctx context.Context) (time.Time, error) {
		_, next, err := run.e.requeueDue(ctx, run.r.name)
		return next, err
	})
	if !ok {
		return
	}
	if run.sh == nil {
		// On a shared store the claimer finds them, with those of other
		// processes that died.
		pending, ok := loadRetrying(run, "unfinished jobs", info.PollInterval, func(ctx context.Context) ([]Job, error) {
			return rt.store.PendingJobs(ctx, run.r.name)
		})
		if !ok {
			return
		}
		run.pushJobs(pending)
	}
	if !run.once {
		run.bg.Add(1)
		go run.retryLoop(nextRetry)
	}

	if info.PollInterval <= 0 {
		// A push-only trigger: its jobs arrive through the webhook handler
		// for as long as the run lasts, so the workers must not be told
		// that no more will come.
		if !run.once {
			<-run.ctx.Done()
		}
		return
	}
	loadCursor := func() (trigger.Cursor, bool) {
		return loadRetrying(run, "the trigger cursor", info.PollInterval, func(ctx context.Context) (trigger.Cursor, error) {
			return rt.store.Cursor(ctx, run.r.name)
		})
	}
	var cursor trigger.Cursor
	tenure := -1 // the poll lease tenure the cursor was read in
	if run.sh == nil {
		var ok bool
		if cursor, ok = loadCursor(); !ok {
			return
		}
	}
	m := &vm.VM{MemoryBudget: run.r.opts.PillMemoryBudget}
	buf := newRecordBuf(maxPageBuf)
	var done int64 // new events handled, for Hooks.Progress
	for run.ctx.Err() == nil {
		if run.sh != nil {
			// Only the poll lease holder polls. Another process may have
			// moved the cursor since this one last held the lease.
			epoch, ok := run.awaitLeader()
			if !ok {
				return
			}
			if epoch != tenure {
				if cursor, ok = loadCursor(); !ok {
					return
				}
				tenure = epoch
			}
		}
		for run.backlog() >= run.highWater {
			select {
			case <-run.ctx.Done():
				return
			case <-run.popped:
			}
		}
		page, err := run.r.src.poll(run.ctx, cursor, rt.clock.Now())
		if run.ctx.Err() != nil {
			return
		}
		// A timed trigger with nothing due leaves everything as it was:
		// no store write for each look at the clock.
		polled := err == nil
		idle := polled && !page.NextDue.IsZero() && len(page.Events) == 0 && bytes.Equal(page.Next, cursor)
		var res PollResult
		wait := info.PollInterval
		if err != nil {
			var bo *trigger.BackOffError
			if errors.As(err, &bo) && bo.Wait > wait {
				wait = bo.Wait
			}
			res = PollResult{Err: err, Wait: wait}
			rt.log.Warn("poll failed", "recipe", run.r.name, "error", err, "retry_in", wait)
		} else if !idle {
			var qs []queued
			res, qs, err = run.e.accept(run.ctx, run.ent, m, buf, page.Events, page.Next, true)
			if err != nil {
				res.Err = err
				rt.log.Error("cannot store accepted events; polling again", "recipe", run.r.name, "error", err)
			} else {
				cursor = page.Next
				run.mu.Lock()
				run.events += res.Events
				run.dups += res.Duplicates
				if res.Skipped > 0 {
					run.jobs[JobSkipped] += res.Skipped
					for reason, n := range res.SkippedBy {
						run.skipped[reason] += n
					}
				}
				run.mu.Unlock()
				run.push(qs...)
				// Progress counts the new events this run handled: those that
				// became jobs and those the trigger condition dropped, not
				// duplicates (an overlapping poll window would otherwise
				// move the count with no new work).
				done += int64(res.New + res.Skipped)
				rt.hooks.Progress(run.ctx, run.r.name, done, done+max(page.Backlog, 0))
			}
			if page.More && err == nil {
				wait = 0
			}
		}
		if polled {
			if !page.NextDue.IsZero() {
				// Sleep until the next event falls due, but look at the
				// clock at least every poll interval, so a wall clock set
				// forward is noticed.
				wait = max(min(wait, page.NextDue.Sub(rt.clock.Now())), 0)
			}
			res.More = page.More
			res.Wait = wait
		}
		run.ent.stats.polled(rt.clock.Now(), res, page.Backlog)
		rt.hooks.PollFinished(run.ctx, run.r.name, res)
		if run.once && (res.Err != nil || !page.More) {
			if res.Err != nil {
				run.fail(res.Err)
			}
			return
		}
		if !run.sleep(wait) {
			return
		}
	}
}

// loadRetrying reads what feed needs from the store before it can poll. A
// RunOnce run gives up at the first error, which RunOnce returns. A Run run
// retries every wait (a minute for a push-only trigger): a store outage at
// start must not end the recipe's polling until the process restarts.
func loadRetrying[V any](run *recipeRun, what string, wait time.Duration, load func(context.Context) (V, error)) (V, bool) {
	if wait <= 0 {
		wait = time.Minute
	}
	for {
		v, err := load(run.ctx)
		if err == nil {
			return v, true
		}
		var zero V
		if run.ctx.Err() != nil {
			return zero, false
		}
		if run.once {
			run.e.rt.log.Error("cannot load "+what, "recipe", run.r.name, "error", err)
			run.fail(err)
			return zero, false
		}
		run.e.rt.log.Error("cannot load "+what, "recipe", run.r.name, "error", err, "retry_in", wait)
		if !run.sleep(wait) {
			return zero, false
		}
	}
}

// accept evaluates the trigger condition for each event and stores the
// batch; it returns the new jobs to queue.
func (e *Engine) accept(ctx context.Context, ent *entry, m *vm.VM, buf *recordBuf, events []rawEvent, cursor trigger.Cursor, setCursor bool) (PollResult, []queued, error) {
	r := ent.r
	now := e.rt.clock.Now()
	res := PollResult{Events: len(events)}
	b := Batch{Recipe: r.name, Cursor: cursor, SetCursor: setCursor, At: now}
	b.Jobs = make([]Job, 0, len(events))
	data := make([]any, 0, len(events))
	var dropCond []int // for each of b.Dropped, the index of the condition that was false
	var env jobEnv
	if len(r.when) > 0 {
		env = r.env.newEnv(now)
	}
	buf.reset()
	for _, ev := range events {
		var condErr error
		if len(r.when) > 0 {
			failed, err := r.matches(m, env, ev.Data, now)
			if err != nil {
				condErr = err
			} else if failed >= 0 {
				b.Dropped = append(b.Dropped, ev.ID)
				dropCond = append(dropCond, failed)
				continue
			}
		}
		raw, err := r.src.encode(buf, ev.Data, ev.Raw)
		if err != nil {
			return res, nil, err
		}
		id := newJobID(now)
		evID := ev.ID
		if evID == "" {
			e.rt.log.Warn("trigger returned an event without an ID; it cannot be deduplicated", "recipe", r.name, "job", id)
			evID = "job:" + id
		}
		job := Job{ID: id, Recipe: r.name, Event: EventRecord{ID: evID, Time: ev.Time, Data: raw}, Label: eventLabel(ev.Data), Status: JobPending, Created: now}
		if condErr != nil {
			// The condition could not be evaluated: keep the event as a
			// failed job rather than drop it silently. It is stored failed
			// in the same transaction as the rest of the page, so it is
			// never left pending for a later run to resume without its
			// condition.
			perr := &pillError{step: "", field: "when", err: condErr}
			job.Status, job.Error, job.ErrorType, job.Finished = JobFailed, perr.Error(), "pill", now
		}
		b.Jobs = append(b.Jobs, job)
		data = append(data, ev.Data)
	}
	acc, err := e.rt.store.Accept(ctx, b)
	if err != nil {
		return res, nil, err
	}
	if len(acc.Stored) != len(b.Jobs) {
		return res, nil, fmt.Errorf("recipe: the store answered %d results for %d jobs", len(acc.Stored), len(b.Jobs))
	}
	if len(acc.DroppedNew) != len(b.Dropped) {
		return res, nil, fmt.Errorf("recipe: the store answered %d results for %d dropped events", len(acc.DroppedNew), len(b.Dropped))
	}
	for i, isNew := range acc.DroppedNew {
		if !isNew {
			res.Duplicates++
			continue
		}
		reason := r.skipReason(dropCond[i])
		if res.SkippedBy == nil {
			res.SkippedBy = map[string]int{}
		}
		res.Skipped++
		res.SkippedBy[reason]++
		e.rt.log.Debug("event skipped", "recipe", r.name, "event", b.Dropped[i], "reason", reason)
	}
	qs := make([]queued, 0, len(b.Jobs))
	for i, ok := range acc.Stored {
		if !ok {
			res.Duplicates++
			continue
		}
		res.New++
		if b.Jobs[i].Status != JobPending {
			continue // stored failed: its condition could not be evaluated
		}
		qs = append(qs, queued{job: b.Jobs[i], data: data[i]})
	}
	return res, qs, nil
}

// matches evaluates the recipe's trigger conditions for one event in env,
// which it resets first. It returns the index of the first condition that
// is false, or -1 when every one holds.
func (r *Recipe) matches(m *vm.VM, env jobEnv, data any, now time.Time) (int, error) {
	r.env.reset(env, now)
	r.src.set(env.vals, r.env.trigger, data)
	for i, p := range r.when {
		v, err := m.Run(p, env.exprEnv)
		if err != nil {
			return -1, err
		}
		if b, _ := v.(bool); !b {
			return i, nil
		}
	}
	return -1, nil
}

// skipReason says why the When condition with index i dropped an event,
// as summaries and logs show it.
func (r *Recipe) skipReason(i int) string {
	return fmt.Sprintf("condition %q false", r.whenSrc[i])
}

func (run *recipeRun) worker() {
	defer run.workers.Done()
	x := newJobExec(run)
	// The ends of the last jobs may still be on their way to the store.
	defer x.fin.close()
	for {
		q, ok := run.take(false)
		if !ok {
			// Nothing to run for now: the ends gathered must not wait
			// for the next job.
			x.fin.flush(false)
			if q, ok = run.pop(); !ok {
				return
			}
		}
		x.mark = q.mark
		run.execute(q, x)
	}
}

// markAheadLocked marks queued jobs running before a worker takes them,
// so that when a job starts, the checkpoint before its first step (which
// writes) is already made instead of sitting between two requests. When no
// more than markLow of the jobs at the head of the queue (the one being
// taken included) are marked, the next markBatch are marked in the
// background, in one store write when the store is a JobWriter. A crash
// before a marked job starts leaves it marked running, so it resumes with
// its first step's action.Effect.MayExist set: a step that checks its
// effect looks it up once, finds nothing and makes its change. run.mu is
// held.
func (run *recipeRun) markAheadLocked() {
	run.unmarked = max(run.unmarked, run.head)
	for run.unmarked-run.head <= run.markLow && run.unmarked < len(run.queue) {
		n := min(run.markBatch, len(run.queue)-run.unmarked)
		w := &markWindow{ids: make([]string, n), done: make(chan struct{})}
		for i := range n {
			e := &run.queue[run.unmarked+i]
			e.mark = markRef{w: w, i: i}
			w.ids[i] = e.job.ID
		}
		run.unmarked += n
		run.marks.Add(1)
		go run.writeMarks(w)
	}
}

// markWindow is the running marks of queued jobs written by one store
// write.
type markWindow struct {
	ids  []string
	done chan struct{} // closed once the marks are written
	errs []error       // by job, once done is closed; nil when every mark was stored
}

// markRef is a queued job's mark in its window; the zero markRef is no
// mark.
type markRef struct {
	w *markWindow
	i int
}

// wait waits for the mark and returns its error.
func (m markRef) wait() error {
	<-m.w.done
	if m.w.errs == nil {
		return nil
	}
	return m.w.errs[m.i]
}

// writeMarks writes the running marks of a window.
func (run *recipeRun) writeMarks(w *markWindow) {
	defer run.marks.Done()
	defer close(w.done)
	store := run.e.rt.store
	if jw, ok := store.(JobWriter); ok && len(w.ids) > 1 {
		ws := make([]JobWrite, len(w.ids))
		for i, id := range w.ids {
			ws[i] = JobWrite{JobID: id}
		}
		w.errs = writeJobs(run.storeCtx, jw, ws)
		return
	}
	for i, id := range w.ids {
		if err := store.SaveSteps(run.storeCtx, id, nil); err != nil {
			if w.errs == nil {
				w.errs = make([]error, len(w.ids))
			}
			w.errs[i] = err
		}
	}
}

// execute runs one job to a final status, which the worker's finisher
// stores, or leaves it pending when the run is interrupted or the store
// fails.
func (run *recipeRun) execute(q queued, x *jobExec) {
	r := run.r
	rt := &run.e.rt
	x.start(q.job)
	handedOver := false
	defer func() { x.finish(handedOver) }()
	job := x.job
	base := x.ctx
	jobCtx, span := run.e.tel.startJob(base, x.info, r.tel)
	x.ctx = jobCtx
	defer func() { x.ctx = base }()
	rt.hooks.JobStarted(jobCtx, x.info)
	data := q.data
	var err error
	if data == nil {
		data, err = r.src.decode(job.Event.Data)
	}
	if err == nil {
		r.src.set(x.env, r.env.trigger, data)
		err = x.runBlock(r.steps)
	}
	if x.mark.w != nil {
		// The job ended before its first checkpoint (a replayed first
		// step, an event that does not decode): the mark must land first.
		_ = x.mark.wait()
		x.mark = markRef{}
	}
	res := JobResult{Status: JobSucceeded, Finished: rt.clock.Now()}
	if err != nil {
		var leave bool
		if res, leave = jobOutcome(err, res.Finished); leave {
			var serr *storeError
			if errors.As(err, &serr) {
				rt.log.ErrorContext(jobCtx, "store failed while running a job; it stays pending", "recipe", r.name, "job", job.ID, "error", err)
			}
			run.e.tel.endJob(jobCtx, span, x.info, res, false, r.tel)
			run.count(JobPending, 1)
			run.release(job.ID)
			if run.sh != nil {
				run.jobDone(job.ID, false)
			}
			return
		}
		if res.Status == JobFailed {
			res.NextAttempt = r.nextAttempt(err, job.Retries, job.Created, res.Finished)
		}
	}
	x.fin.end(finishing{ctx: jobCtx, span: span, info: x.info, eventID: job.Event.ID, res: res, steps: x.unsaved(), buf: x.jobVal.Steps, repeatable: !x.unrepeatable})
	handedOver = true
}

// finished reports a job's end once the store write is over: err is the
// write's error.
func (run *recipeRun) finished(fs *finishing, err error) {
	rt := &run.e.rt
	r := run.r
	res := fs.res
	if err != nil {
		rt.log.ErrorContext(fs.ctx, "cannot store a finished job; it stays pending", "recipe", r.name, "job", fs.info.ID, "error", err)
	}
	stored := err == nil
	run.e.tel.endJob(fs.ctx, fs.span, fs.info, res, stored, r.tel)
	run.release(fs.info.ID)
	if run.sh != nil {
		run.jobDone(fs.info.ID, stored)
	}
	if !stored {
		run.count(JobPending, 1)
		return
	}
	switch {
	case res.Status == JobFailed && !res.NextAttempt.IsZero():
		rt.log.Warn("job failed; it runs again later", "recipe", r.name, "job", fs.info.ID, "event", fs.eventID, "error", res.Error, "next_attempt", res.NextAttempt)
		if !run.once {
			run.noteRetry(res.NextAttempt)
		}
	case res.Status == JobFailed:
		rt.log.WarnContext(fs.ctx, "job failed", "recipe", r.name, "job", fs.info.ID, "event", fs.eventID, "error", res.Error)
	}
	run.ent.stats.finished(res)
	rt.hooks.JobFinished(fs.ctx, fs.info, res)
	run.count(res.Status, 1)
}

// jobOutcome turns the error that ended a job into its final result, or
// reports that the job must be left unfinished (interrupted by shutdown, or
// the store failed) to resume later.
func jobOutcome(err error, finished time.Time) (res JobResult, leave bool) {
	res.Finished = finished
	var stop *stopSignal
	var fail *failSignal
	var serr *storeError
	switch {
	case errors.As(err, &stop):
		res.Status, res.Message = JobStopped, stop.msg
	case errors.As(err, &fail):
		res.Status, res.Message, res.Error, res.ErrorType = JobFailed, fail.msg, fail.Error(), "failed"
	case errors.Is(err, errInterrupted) || errors.As(err, &serr):
		return res, true
	default:
		res.Status, res.Error, res.ErrorType = JobFailed, err.Error(), errorType(err)
	}
	return res, false
}
