package recipe

import (
	"sync"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// RecipeStatus is what an engine knows about one of its recipes right now,
// for dashboards and health checks (see [Engine.Status]).
type RecipeStatus struct {
	// Name is the recipe's name.
	Name string
	// Trigger describes the recipe's trigger.
	Trigger trigger.Info
	// Running reports that the engine is running the recipe now.
	Running bool
	// Stopped reports that the recipe was stopped with Engine.Stop (a
	// stored state that survives restarts).
	Stopped bool
	// Failing reports that the last poll failed or the last job finished
	// failed.
	Failing bool
	// LastPoll is when the trigger was last polled by this engine; zero
	// before the first poll.
	LastPoll time.Time
	// LastPollError is the last poll's error message; empty when it
	// succeeded.
	LastPollError string
	// LastPollEvents is how many events the last poll returned, and
	// LastPollNew how many of them became jobs.
	LastPollEvents, LastPollNew int
	// Queued counts the jobs waiting in this process for a worker.
	Queued int
	// TriggerBacklog is the trigger's estimate of the events still to come
	// after its last page (trigger.Page.Backlog); 0 when unknown or none.
	TriggerBacklog int64
	// Lag is how far behind the recipe is: the age of the event of the
	// oldest job waiting for a worker, 0 when none waits.
	Lag time.Duration
	// LastJobStatus and LastJobFinished describe the job that finished
	// last in this engine; empty before the first.
	LastJobStatus   JobStatus
	LastJobFinished time.Time
}

// recipeStats is what an entry remembers for Status between runs.
type recipeStats struct {
	mu             sync.Mutex
	lastPoll       time.Time
	lastPollErr    string
	lastEvents     int
	lastNew        int
	triggerBacklog int64
	lastJob        JobStatus
	lastJobAt      time.Time
}

func (s *recipeStats) polled(at time.Time, res PollResult, backlog int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastPoll, s.lastEvents, s.lastNew = at, res.Events, res.New
	s.lastPollErr = ""
	if res.Err != nil {
		s.lastPollErr = res.Err.Error()
	} else {
		s.triggerBacklog = max(backlog, 0)
	}
}

func (s *recipeStats) finished(res JobResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastJob, s.lastJobAt = res.Status, res.Finished
}

// oldestWaiting returns the event time of the oldest queued job.
func (run *recipeRun) oldestWaiting() (time.Time, bool) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.head == len(run.queue) {
		return time.Time{}, false
	}
	return run.queue[run.head].job.Event.Time, true
}

// Status returns what the engine knows about a recipe right now, or an
// error wrapping ErrNotFound when no recipe of that name was added.
func (e *Engine) Status(name string) (RecipeStatus, error) {
	ent, err := e.entry(name)
	if err != nil {
		return RecipeStatus{}, err
	}
	e.mu.Lock()
	run, stopped := ent.run, ent.stopped
	e.mu.Unlock()
	st := RecipeStatus{Name: name, Trigger: ent.r.src.info(), Running: run != nil, Stopped: stopped}
	ent.stats.mu.Lock()
	st.LastPoll, st.LastPollError = ent.stats.lastPoll, ent.stats.lastPollErr
	st.LastPollEvents, st.LastPollNew = ent.stats.lastEvents, ent.stats.lastNew
	st.TriggerBacklog = ent.stats.triggerBacklog
	st.LastJobStatus, st.LastJobFinished = ent.stats.lastJob, ent.stats.lastJobAt
	ent.stats.mu.Unlock()
	st.Failing = st.LastPollError != "" || st.LastJobStatus == JobFailed
	if run != nil {
		st.Queued = run.backlog()
		if t, ok := run.oldestWaiting(); ok && !t.IsZero() {
			st.Lag = max(e.rt.clock.Now().Sub(t), 0)
		}
	}
	return st, nil
}
