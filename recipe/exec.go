package recipe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/action"
)

// errInterrupted ends a job that the engine's shutdown interrupted; the job
// stays pending and resumes after a restart.
var errInterrupted = errors.New("job interrupted by shutdown; it stays pending and resumes on the next run")

type stopSignal struct{ msg string }

func (s *stopSignal) Error() string { return "job stopped: " + s.msg }

type failSignal struct{ msg string }

func (s *failSignal) Error() string {
	if s.msg == "" {
		return "job failed by a Fail step"
	}
	return s.msg
}

// storeError is a failure of the store while running a job: the job is
// left unfinished so it resumes later.
type storeError struct{ err error }

func (e *storeError) Error() string { return "store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

type pillError struct {
	step, field string
	err         error
}

func (e *pillError) Error() string {
	return fmt.Sprintf("step %q, field %q: %v", e.step, e.field, e.err)
}
func (e *pillError) Unwrap() error { return e.err }

type limitError struct {
	step string
	max  int
}

func (e *limitError) Error() string {
	return fmt.Sprintf("step %q: the loop ran %d times and its condition still holds: raise MaxIterations or fix the condition", e.step, e.max)
}

// stepError is an action step's failure.
type stepError struct {
	step       string
	err        error
	attempts   int
	idempotent bool
}

func (e *stepError) Error() string { return fmt.Sprintf("step %q: %v", e.step, e.err) }
func (e *stepError) Unwrap() error { return e.err }

// replayedError stands for a failure stored in a checkpoint, so a resumed
// job takes the same path (retry, catch) as the interrupted one would have.
type replayedError struct {
	msg, typ  string
	retryable bool
}

func (e *replayedError) Error() string   { return e.msg }
func (e *replayedError) Retryable() bool { return e.retryable }
func (e *replayedError) errType() string { return e.typ }
func (e *replayedError) Is(t error) bool {
	return t == action.ErrOutcomeUnknown && e.typ == "outcome_unknown"
}
func (e *replayedError) As(t any) bool {
	if v, ok := t.(**action.ValidationError); ok && e.typ == "validation" {
		*v = &action.ValidationError{Problem: e.msg}
		return true
	}
	return false
}

func catchable(err error) bool {
	var s *stopSignal
	var f *failSignal
	var st *storeError
	return !errors.As(err, &s) && !errors.As(err, &f) && !errors.As(err, &st) && !errors.Is(err, errInterrupted)
}

// errorType classifies an error for job records and Catch blocks.
func errorType(err error) string {
	var typed interface{ errType() string }
	var f *failSignal
	var p *pillError
	var l *limitError
	var v *action.ValidationError
	switch {
	case errors.As(err, &typed):
		return typed.errType()
	case errors.As(err, &f):
		return "failed"
	case errors.As(err, &p):
		return "pill"
	case errors.As(err, &l):
		return "limit"
	case errors.As(err, &v):
		return "validation"
	case errors.Is(err, action.ErrOutcomeUnknown):
		return "outcome_unknown"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case action.IsRetryable(err):
		return "retryable"
	}
	return "error"
}

// jobExec is one run of one job on one worker.
//
// A worker keeps one jobExec and reuses it, with its environment, its
// record buffer and its step slice, for every job it runs; [jobExec.start]
// readies it for the next one.
type jobExec struct {
	tel      *telemetry
	stopping <-chan struct{} // closed when the run shuts down
	ctx      context.Context
	storeCtx context.Context
	rt       *runtimeDeps
	r        *Recipe
	vm       *vm.VM
	jenv     jobEnv
	env      reflect.Value
	envAny   any
	rec      *recordBuf
	job      *Job
	jobVal   Job
	steps    []StepRecord // reused backing array of job.Steps
	info     JobInfo
	seq      int
	replay   map[int]StepRecord
	saved    int   // job.Steps[saved:] are not in the store yet
	loops    []int // iteration of each enclosing ForEach and Repeat, outermost first
	retrying int   // enclosing Try blocks running their body again
	fin      *finisher
	// mark is the running mark of the job, made ahead while it was queued
	// (none when it was not).
	mark markRef
	// unrepeatable is set when a step that is neither idempotent nor
	// checks its effect ran since the job's last checkpoint: a crash before
	// the job's end is stored would run it again.
	unrepeatable bool
	// retrySince is when the outermost Try block running its body again
	// first started it.
	retrySince time.Time
}

func newJobExec(run *recipeRun) *jobExec {
	x := &jobExec{
		stopping: run.ctx.Done(),
		ctx:      run.jobCtx,
		storeCtx: run.storeCtx,
		rt:       &run.e.rt,
		tel:      run.e.tel,
		r:        run.r,
		vm:       &vm.VM{MemoryBudget: run.r.opts.PillMemoryBudget},
		jenv:     run.r.env.newEnv(time.Time{}),
		rec:      newRecordBuf(maxRecordBuf),
		steps:    make([]StepRecord, 0, run.r.actions),
	}
	x.env, x.envAny = x.jenv.vals, x.jenv.exprEnv
	x.fin = newFinisher(run)
	x.job = &x.jobVal
	return x
}

// start readies x for job: a zero environment whose now() is the job's
// creation time, the stored checkpoints to replay, no step records yet.
func (x *jobExec) start(job Job) {
	x.jobVal = job
	x.r.env.reset(x.jenv, job.Created)
	x.rec.reset()
	x.seq, x.saved, x.replay, x.unrepeatable = 0, 0, nil, false
	x.loops, x.retrying = x.loops[:0], 0
	x.info = JobInfo{ID: job.ID, Recipe: x.r.name, EventID: job.Event.ID, RerunOf: job.RerunOf, Resumed: len(job.Steps) > 0 || job.Status == JobRunning || job.Retries > 0, Retries: job.Retries}
	if len(job.Steps) > 0 {
		x.replay = make(map[int]StepRecord, len(job.Steps))
		for _, s := range job.Steps {
			x.replay[s.Seq] = s
		}
	}
	// The store copies the records it is given (see Store.SaveSteps), so
	// the slice is free to reuse; clear drops the last job's references.
	clear(x.steps[:cap(x.steps)])
	x.jobVal.Steps = x.steps[:0]
}

// finish readies the step slice for the next job: the job's own (possibly
// grown) one, or, when the finisher has taken it with the job's end, one
// the finisher is done with.
func (x *jobExec) finish(handedOver bool) {
	if handedOver {
		x.steps = x.fin.spare()
	} else {
		x.steps = x.jobVal.Steps[:0]
	}
	x.jobVal = Job{}
}

// keepReplayed adds a record read back from the store to the job's steps.
func (x *jobExec) keepReplayed(rec StepRecord) {
	if x.saved == len(x.job.Steps) {
		x.saved++
	}
	x.job.Steps = append(x.job.Steps, rec)
}

// unsaved returns the step records not yet saved to the store.
func (x *jobExec) unsaved() []StepRecord { return x.job.Steps[x.saved:] }

func (x *jobExec) runBlock(nodes []node) error {
	for _, n := range nodes {
		if err := n.run(x); err != nil {
			return err
		}
	}
	return nil
}

func (x *jobExec) eval(p *vm.Program, step, field string) (any, error) {
	v, err := x.vm.Run(p, x.envAny)
	if err != nil {
		return nil, &pillError{step: step, field: field, err: err}
	}
	return v, nil
}

func (x *jobExec) evalBool(p *vm.Program, step, field string) (bool, error) {
	v, err := x.eval(p, step, field)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, &pillError{step: step, field: field, err: fmt.Errorf("a condition must be true or false, not %T", v)}
}

// checkpoint returns the stored record of step run seq when the job is
// being resumed and the record belongs to the same step.
func (x *jobExec) checkpoint(seq int, name string) (StepRecord, bool) {
	if x.replay == nil {
		return StepRecord{}, false
	}
	rec, ok := x.replay[seq]
	if !ok {
		return StepRecord{}, false
	}
	if rec.Name != name {
		x.rt.log.Warn("resumed job took a different path than before the interruption; running the remaining steps afresh",
			"recipe", x.r.name, "job", x.job.ID, "seq", seq, "stored_step", rec.Name, "step", name)
		x.replay = nil
		return StepRecord{}, false
	}
	return rec, true
}

func (x *jobExec) nextIsReplay() bool {
	_, ok := x.replay[x.seq]
	return ok
}

func (x *jobExec) sleep(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-x.rt.clock.After(d):
		return nil
	case <-x.ctx.Done():
		return errInterrupted
	case <-x.stopping:
		// The run is shutting down: rather than hold the shutdown for a
		// retry wait, leave the job pending to resume on the next run.
		return errInterrupted
	}
}

// record keeps a step record until the next checkpoint.
func (x *jobExec) record(rec StepRecord) {
	x.job.Steps = append(x.job.Steps, rec)
}

// checkpointNow writes the records kept since the last checkpoint. It runs
// before every non-idempotent action, so the record of a completed
// non-idempotent step is durable before the next side effect starts (or,
// for the last one, with the job's final record): a crash re-runs at most
// the one non-idempotent step in flight. The first checkpoint of a job
// marks it running even with no record to write, so that a job resumed
// after a crash inside its first writing step knows that the step may have
// made its change (see jobExec.effect).
func (x *jobExec) checkpointNow() error {
	if x.saved == len(x.job.Steps) && x.job.Status == JobRunning {
		return nil
	}
	if m := x.mark; m.w != nil {
		x.mark = markRef{}
		if m.wait() == nil && x.saved == len(x.job.Steps) {
			x.job.Status = JobRunning
			x.unrepeatable = false
			return nil
		}
	}
	if err := x.rt.store.SaveSteps(x.storeCtx, x.job.ID, x.unsaved()); err != nil {
		return &storeError{err: err}
	}
	x.saved = len(x.job.Steps)
	x.job.Status = JobRunning
	x.unrepeatable = false
	return nil
}

// ---- action step ----

type doNode[In, Out any] struct {
	inputs  sync.Pool // of *In, zeroed
	name    string
	act     action.Action[In, Out]
	info    action.Info
	actName string
	setters []setter
	field   int
	retry   action.RetryPolicy
	timeout time.Duration
	redIn   *redactor
	redOut  *redactor
	tel     *stepAttrs
}

// writes reports whether the step's action may change something that a
// crash must not change twice: the engine checkpoints before it runs.
func (n *doNode[In, Out]) writes() bool { return !n.info.Idempotent }

// firstStepWrites reports whether a recipe's first step is an action that
// writes, so that every job checkpoints before anything else happens.
func firstStepWrites(steps []node) bool {
	if len(steps) == 0 {
		return false
	}
	w, ok := steps[0].(interface{ writes() bool })
	return ok && w.writes()
}

func (n *doNode[In, Out]) setOut(x *jobExec, out Out) {
	*(x.env.Field(n.field).Addr().Interface().(*Out)) = out
}

func (n *doNode[In, Out]) replay(x *jobExec, rec StepRecord) (error, bool) {
	if rec.Failed() {
		x.keepReplayed(rec)
		return &stepError{step: n.name, err: &replayedError{msg: rec.Error, typ: rec.ErrorType, retryable: rec.Retryable},
			attempts: rec.Attempts, idempotent: n.info.Repeatable()}, true
	}
	var out Out
	if len(rec.Output) > 0 {
		if err := json.Unmarshal(rec.Output, &out); err != nil {
			x.rt.log.Warn("cannot decode a stored step output; running the step again",
				"recipe", x.r.name, "job", x.job.ID, "step", n.name, "error", err)
			return nil, false
		}
	}
	n.setOut(x, out)
	x.keepReplayed(rec)
	return nil, true
}

func (n *doNode[In, Out]) run(x *jobExec) error {
	seq := x.seq
	x.seq++
	if rec, ok := x.checkpoint(seq, n.name); ok {
		if err, done := n.replay(x, rec); done {
			return err
		}
	}
	start := x.rt.clock.Now()
	var effect action.Effect
	if !n.info.Idempotent {
		if err := x.checkpointNow(); err != nil {
			return err
		}
		effect = x.effect(n.name, start)
		if !n.info.Repeatable() {
			x.unrepeatable = true
		}
	}
	jobCtx := x.ctx
	var span trace.Span
	x.ctx, span = x.tel.startStep(jobCtx, n.tel)
	rec := StepRecord{Seq: seq, Name: n.name, Action: n.actName, Started: start}
	defer func() {
		x.tel.endStep(x.ctx, span, rec, n.tel)
		x.ctx = jobCtx
	}()
	x.rt.hooks.StepStarted(x.ctx, x.info, n.name)
	var err error
	rec.Input, rec.Attempts, err = n.attempt(x, effect)
	if errors.Is(err, errInterrupted) {
		return err
	}
	rec.Duration = x.rt.clock.Now().Sub(start)
	if err != nil {
		rec.Error = err.Error()
		rec.ErrorType = errorType(err)
		rec.Retryable = action.IsRetryable(err)
	} else {
		var merr error
		if rec.Output, merr = x.rec.marshal(n.redOut, x.env.Field(n.field).Addr().Interface()); merr != nil {
			rec.Output = nil
			x.rt.log.WarnContext(x.ctx, "cannot record a step output as JSON", "recipe", x.r.name, "step", n.name, "error", merr)
		}
	}
	x.rt.hooks.StepFinished(x.ctx, x.info, rec)
	x.record(rec)
	if err != nil {
		return &stepError{step: n.name, err: err, attempts: rec.Attempts, idempotent: n.info.Repeatable()}
	}
	return nil
}

// attempt builds the input and runs the action with the step's retries;
// on success the output is in the environment. It returns the input as
// JSON and the number of attempts. A non-zero effect goes in every
// attempt's context, marked MayExist from the second attempt on.
func (n *doNode[In, Out]) attempt(x *jobExec, effect action.Effect) (input []byte, attempts int, err error) {
	in, _ := n.inputs.Get().(*In)
	if in == nil {
		in = new(In)
	}
	defer n.putInput(in)
	iv := reflect.ValueOf(in).Elem()
	for i := range n.setters {
		s := &n.setters[i]
		v, err := x.eval(s.prog, n.name, s.key)
		if err != nil {
			return nil, 0, err
		}
		if err := s.conv(v, s.target(iv)); err != nil {
			return nil, 0, &pillError{step: n.name, field: s.key, err: err}
		}
	}
	input, err = x.rec.marshal(n.redIn, in)
	if err != nil {
		input = nil
		x.rt.log.Warn("cannot record a step input as JSON", "recipe", x.r.name, "step", n.name, "error", err)
	}
	if err := n.act.Validate(*in); err != nil {
		return input, 0, err
	}
	first := x.rt.clock.Now()
	for attempt := 1; ; attempt++ {
		ctx := x.ctx
		if effect.Key != "" {
			effect.Attempt = attempt
			effect.MayExist = effect.MayExist || attempt > 1
			ctx = action.WithEffect(ctx, effect)
		}
		var cancel context.CancelFunc
		if n.timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, n.timeout)
		}
		out, err := n.act.Run(ctx, *in)
		if cancel != nil {
			cancel()
		}
		if err == nil {
			n.setOut(x, out)
			return input, attempt, nil
		}
		if x.ctx.Err() != nil {
			return input, attempt, errInterrupted
		}
		if !n.retry.ShouldRetry(attempt, err, n.info.Repeatable()) {
			return input, attempt, err
		}
		wait := n.retry.Backoff(attempt + 1)
		if !n.retry.WithinElapsed(x.rt.clock.Now().Add(wait).Sub(first)) {
			return input, attempt, err
		}
		if x.rt.log.Enabled(x.ctx, slog.LevelDebug) {
			x.rt.log.Debug("retrying step", "recipe", x.r.name, "job", x.job.ID, "step", n.name, "attempt", attempt, "error", err)
		}
		if err := x.sleep(wait); err != nil {
			return input, attempt, err
		}
	}
}

// putInput zeroes an input and keeps it for the step's next run. The
// action saw copies of it, and a zero value holds no references, so
// nothing of one job reaches the next.
func (n *doNode[In, Out]) putInput(in *In) {
	var zero In
	*in = zero
	n.inputs.Put(in)
}

// ---- control flow ----

type ifNode struct {
	label  string
	conds  []*vm.Program
	blocks [][]node
	els    []node
}

func (n *ifNode) run(x *jobExec) error {
	for i, c := range n.conds {
		ok, err := x.evalBool(c, n.label, "condition")
		if err != nil {
			return err
		}
		if ok {
			return x.runBlock(n.blocks[i])
		}
	}
	return x.runBlock(n.els)
}

type forEachNode struct {
	name  string
	list  *vm.Program
	field int
	body  []node
}

func (n *forEachNode) run(x *jobExec) error {
	v, err := x.eval(n.list, n.name, "list")
	if err != nil || v == nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return &pillError{step: n.name, field: "list", err: fmt.Errorf("ForEach needs a list, got %T", v)}
	}
	lf := x.env.Field(n.field)
	item, index := lf.Field(0), lf.Field(1)
	level := len(x.loops)
	x.loops = append(x.loops, 0)
	defer func() { x.loops = x.loops[:level] }()
	for i := range rv.Len() {
		x.loops[level] = i
		if x.ctx.Err() != nil {
			return errInterrupted
		}
		e := rv.Index(i)
		if e.Type().AssignableTo(item.Type()) {
			item.Set(e)
		} else if err := convertValue(e, item); err != nil {
			return &pillError{step: n.name, field: "list", err: fmt.Errorf("[%d]: %w", i, err)}
		}
		index.SetInt(int64(i))
		if err := x.runBlock(n.body); err != nil {
			return err
		}
	}
	return nil
}

type repeatNode struct {
	label string
	cond  *vm.Program
	max   int
	body  []node
}

func (n *repeatNode) run(x *jobExec) error {
	level := len(x.loops)
	x.loops = append(x.loops, 0)
	defer func() { x.loops = x.loops[:level] }()
	for i := 1; ; i++ {
		x.loops[level] = i
		if x.ctx.Err() != nil {
			return errInterrupted
		}
		if err := x.runBlock(n.body); err != nil {
			return err
		}
		again, err := x.evalBool(n.cond, n.label, "condition")
		if err != nil || !again {
			return err
		}
		if i >= n.max {
			return &limitError{step: n.label, max: n.max}
		}
	}
}

type tryNode struct {
	label    string
	body     []node
	policy   action.RetryPolicy
	catch    []node
	errField int
}

func (n *tryNode) run(x *jobExec) error {
	began := x.rt.clock.Now()
	for attempt := 1; ; attempt++ {
		if attempt == 2 {
			// The body's steps keep their effect keys; an earlier pass may
			// have made their changes.
			if x.retrying == 0 {
				x.retrySince = began
			}
			x.retrying++
			defer func() { x.retrying-- }()
		}
		err := x.runBlock(n.body)
		if err == nil || !catchable(err) {
			return err
		}
		var se *stepError
		idempotent := errors.As(err, &se) && se.idempotent
		if n.policy.ShouldRetry(attempt, err, idempotent) {
			if !x.nextIsReplay() {
				if err := x.sleep(n.policy.Backoff(attempt + 1)); err != nil {
					return err
				}
			}
			continue
		}
		info := ErrorInfo{Message: err.Error(), Type: errorType(err), Attempts: attempt, Retryable: action.IsRetryable(err)}
		var pe *pillError
		switch {
		case se != nil:
			info.Step = se.step
			info.Message = se.err.Error()
		case errors.As(err, &pe):
			info.Step = pe.step
		}
		*(x.env.Field(n.errField).Addr().Interface().(*ErrorInfo)) = info
		return x.runBlock(n.catch)
	}
}

type endNode struct {
	label string // "Stop#n" or "Fail#n", as build errors name the step
	fail  bool
	msg   *vm.Program
	conv  convFn
}

func (n *endNode) run(x *jobExec) error {
	var msg string
	if n.msg != nil {
		v, err := x.eval(n.msg, n.label, "message")
		if err != nil {
			return err
		}
		if err := n.conv(v, reflect.ValueOf(&msg).Elem()); err != nil {
			return &pillError{step: n.label, field: "message", err: err}
		}
	}
	if n.fail {
		return &failSignal{msg: msg}
	}
	return &stopSignal{msg: msg}
}

type setNode struct {
	name   string
	vars   int
	field  int
	prog   *vm.Program
	conv   convFn
	zero   bool
	append bool
}

func (n *setNode) run(x *jobExec) error {
	dst := x.env.Field(n.vars).Field(n.field)
	if n.zero {
		dst.SetZero()
		return nil
	}
	v, err := x.eval(n.prog, n.name, "value")
	if err != nil {
		return err
	}
	if !n.append {
		if err := n.conv(v, dst); err != nil {
			return &pillError{step: n.name, field: "value", err: err}
		}
		return nil
	}
	e := reflect.New(dst.Type().Elem()).Elem()
	if err := n.conv(v, e); err != nil {
		return &pillError{step: n.name, field: "value", err: err}
	}
	dst.Set(reflect.Append(dst, e))
	return nil
}
