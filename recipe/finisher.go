package recipe

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// The ends of a worker's jobs that may wait (see finisher) are committed
// together once endBatch of them are gathered, once the oldest has waited
// endLag, and whenever the worker has nothing more to run.
const (
	endBatch = 32
	endLag   = 50 * time.Millisecond
)

// finishing is the end of a job on its way to the store.
type finishing struct {
	ctx     context.Context // the job's, with its span
	span    trace.Span
	info    JobInfo
	eventID string
	res     JobResult
	steps   []StepRecord // the records not saved yet
	// buf is the job's whole step slice (steps is its tail), which the
	// worker reuses once the end is stored.
	buf []StepRecord
	// repeatable: no step a crash would run again (one that ran since the
	// job's last checkpoint) can duplicate its change.
	repeatable bool
}

// finisher stores the ends of one worker's jobs. When no step that a
// crash would run again can duplicate its change, the end may wait: the
// worker goes on with its next job while the end is stored in the
// background, so that the store write overlaps the next job's requests
// instead of adding to them, and on a store that writes several jobs in
// one transaction ([JobWriter]) the ends that may wait are gathered and
// committed together (up to endBatch of them, none waiting longer than
// endLag, and all of them as soon as the worker has nothing to run or
// stops), so that one commit serves many jobs. Otherwise the end, with
// any gathered before it, is stored before the worker goes on.
//
// The steps a crash would run again are those since the job's last
// checkpoint: its last non-idempotent step, whose record is stored with the
// end, and any idempotent ones after it. When that step is repeatable
// (idempotent, or checking its effect by key), a crash before the end is
// committed loses nothing: the job is unfinished in the store and marked
// running (its first checkpoint came before its first non-idempotent
// step), so it resumes from its checkpoints with action.Effect.MayExist
// set, and the step finds the change it made instead of making it again;
// a crash with ends gathered costs each of their jobs that lookup. When
// the step is not repeatable, the end is durable before the next job
// starts, so a crash runs at most one such step per worker again.
//
// When a gathered batch fills up, the worker waits for every commit of
// its ends still under way before it sends the batch off, so a slow store
// holds the worker back instead of piling up ends. (The batch sent off
// when the worker runs out of jobs does not wait: a worker that keeps
// running out of jobs on a slow store may have several commits under way.)
// The worker waits for every end to be stored before it leaves.
type finisher struct {
	run    *recipeRun
	writer JobWriter // nil: the store writes one job at a time
	max    int       // ends gathered before they are committed

	mu       sync.Mutex
	done     *sync.Cond // a commit ended
	gathered []finishing
	timer    *time.Timer // commits the gathered ends when the oldest has waited endLag
	inflight int         // commits under way
	free     [][]StepRecord
}

func newFinisher(run *recipeRun) *finisher {
	f := &finisher{run: run, max: 1}
	f.done = sync.NewCond(&f.mu)
	// On a shared store a worker's claimed jobs are counted until their
	// ends are stored: gathering them would hold the claimer back.
	if w, ok := run.e.rt.store.(JobWriter); ok && run.sh == nil {
		f.writer, f.max = w, endBatch
	}
	return f
}

// end stores a job's end, or gathers it to store with others in the
// background. The finisher keeps fs.buf until the end is stored.
func (f *finisher) end(fs finishing) {
	f.mu.Lock()
	f.gathered = append(f.gathered, fs)
	if !fs.repeatable {
		ends := f.takeLocked()
		f.mu.Unlock()
		f.commit(ends)
		return
	}
	var ends []finishing
	switch {
	case len(f.gathered) >= f.max:
		for f.inflight > 0 {
			f.done.Wait()
		}
		ends = f.takeLocked()
	case len(f.gathered) == 1:
		f.timer = time.AfterFunc(endLag, f.flushDue)
	}
	f.mu.Unlock()
	if ends != nil {
		go f.commit(ends)
	}
}

// flush stores the gathered ends, in the background unless wait is set.
// The worker flushes when it has nothing to run for now, and as it leaves.
func (f *finisher) flush(wait bool) {
	f.mu.Lock()
	ends := f.takeLocked()
	f.mu.Unlock()
	switch {
	case ends == nil:
	case wait:
		f.commit(ends)
	default:
		go f.commit(ends)
	}
}

// flushDue stores the gathered ends once the oldest has waited endLag.
func (f *finisher) flushDue() { f.flush(true) }

// close stores the gathered ends and waits until every end is stored.
func (f *finisher) close() {
	f.flush(true)
	f.mu.Lock()
	for f.inflight > 0 {
		f.done.Wait()
	}
	f.mu.Unlock()
}

// takeLocked takes the gathered ends for a commit, which it counts; nil
// when there are none. f.mu is held.
func (f *finisher) takeLocked() []finishing {
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	ends := f.gathered
	if len(ends) == 0 {
		return nil
	}
	f.gathered = make([]finishing, 0, f.max)
	f.inflight++
	return ends
}

// spare returns a step slice for the worker's next job: one of a job
// whose end is stored, or a new one.
func (f *finisher) spare() []StepRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.free); n > 0 {
		s := f.free[n-1]
		f.free[n-1] = nil
		f.free = f.free[:n-1]
		return s
	}
	return make([]StepRecord, 0, f.run.r.actions)
}

// commit stores ends, several in one transaction when the store can, and
// reports each one.
func (f *finisher) commit(ends []finishing) {
	run := f.run
	store := run.e.rt.store
	var errs []error
	if f.writer != nil && len(ends) > 1 {
		ws := make([]JobWrite, len(ends))
		for i := range ends {
			ws[i] = JobWrite{JobID: ends[i].info.ID, Steps: ends[i].steps, Result: &ends[i].res}
		}
		errs = writeJobs(run.storeCtx, f.writer, ws)
	} else {
		for i := range ends {
			if err := store.FinishJob(run.storeCtx, ends[i].info.ID, ends[i].res, ends[i].steps); err != nil {
				if errs == nil {
					errs = make([]error, len(ends))
				}
				errs[i] = err
			}
		}
	}
	for i := range ends {
		var err error
		if errs != nil {
			err = errs[i]
		}
		run.finished(&ends[i], err)
	}
	f.mu.Lock()
	for i := range ends {
		if b := ends[i].buf; b != nil && len(f.free) <= f.max {
			f.free = append(f.free, b[:0])
		}
	}
	f.inflight--
	f.done.Broadcast()
	f.mu.Unlock()
}

// writeJobs stores ws in one WriteJobs call and returns its errors: nil
// when every write was stored, otherwise one per write. A store answering
// with another number of errors fails every write.
func writeJobs(ctx context.Context, w JobWriter, ws []JobWrite) []error {
	errs := w.WriteJobs(ctx, ws)
	if errs != nil && len(errs) != len(ws) {
		err := fmt.Errorf("recipe: the store answered %d results for %d job writes", len(errs), len(ws))
		errs = make([]error, len(ws))
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}
