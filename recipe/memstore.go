package recipe

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/recipe/internal/jobsearch"
	"github.com/recipekit/recipekit/trigger"
)

// NewMemoryStore returns a [Store] that keeps everything in memory, for
// tests and short-lived programs. Nothing survives the process.
func NewMemoryStore() Store {
	return &memoryStore{
		cursors: map[string]trigger.Cursor{},
		ledger:  map[string]map[string]time.Time{},
		jobs:    map[string]*memJob{},
		subs:    map[string]trigger.Subscription{},
		states:  map[string]RecipeState{},
	}
}

type memJob struct {
	seq int64
	job Job
}

type memoryStore struct {
	mu      sync.Mutex
	seq     int64
	cursors map[string]trigger.Cursor
	ledger  map[string]map[string]time.Time
	jobs    map[string]*memJob
	order   []*memJob // by seq; deleted jobs are removed by Prune
	subs    map[string]trigger.Subscription
	states  map[string]RecipeState
	values  map[string][]byte
	closed  bool
}

var errClosed = fmt.Errorf("recipe: store is closed")

func (m *memoryStore) lock() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errClosed
	}
	return nil
}

// lockWrite is lock for a write: a write whose context has ended is
// refused before it waits for the lock.
func (m *memoryStore) lockWrite(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.lock()
}

func (m *memoryStore) Accept(ctx context.Context, b Batch) (Accepted, error) {
	if err := m.lockWrite(ctx); err != nil {
		return Accepted{}, err
	}
	defer m.mu.Unlock()
	for _, j := range b.Jobs {
		if _, ok := m.jobs[j.ID]; ok {
			return Accepted{}, fmt.Errorf("recipe: accept: job %q already exists", j.ID)
		}
	}
	led := m.ledger[b.Recipe]
	if led == nil {
		led = map[string]time.Time{}
		m.ledger[b.Recipe] = led
	}
	var res Accepted
	stored := make([]bool, len(b.Jobs))
	for i, j := range b.Jobs {
		if _, dup := led[j.Event.ID]; dup {
			continue
		}
		led[j.Event.ID] = b.At
		m.insert(j)
		stored[i] = true
	}
	res.DroppedNew = make([]bool, len(b.Dropped))
	for i, id := range b.Dropped {
		if _, dup := led[id]; !dup {
			led[id] = b.At
			res.DroppedNew[i] = true
		}
	}
	if b.SetCursor {
		m.cursors[b.Recipe] = bytes.Clone(b.Cursor)
	}
	res.Stored = stored
	return res, nil
}

// The memory store keeps the records it is given without copying them: the
// engine never changes a record after handing it over. It copies what it
// returns.
func (m *memoryStore) insert(j Job) {
	m.seq++
	j.Steps = slices.Clone(j.Steps)
	if j.Status == "" {
		j.Status = JobPending
	}
	mj := &memJob{seq: m.seq, job: j}
	m.jobs[j.ID] = mj
	m.order = append(m.order, mj)
}

func (m *memoryStore) AddJob(ctx context.Context, job Job) error {
	if err := m.lockWrite(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.jobs[job.ID]; ok {
		return fmt.Errorf("recipe: add job: job %q already exists", job.ID)
	}
	m.insert(job)
	return nil
}

func (m *memoryStore) Cursor(ctx context.Context, recipe string) (trigger.Cursor, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return bytes.Clone(m.cursors[recipe]), nil
}

func (m *memoryStore) sorted(keep func(*memJob) bool) []*memJob {
	var out []*memJob
	for _, j := range m.order {
		if keep(j) {
			out = append(out, j)
		}
	}
	return out
}

func (m *memoryStore) PendingJobs(ctx context.Context, recipe string) ([]Job, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []Job
	for _, j := range m.sorted(func(j *memJob) bool { return j.job.Recipe == recipe && !j.job.Status.Final() }) {
		out = append(out, cloneJob(j.job))
	}
	return out, nil
}

func mergeSteps(have []StepRecord, add []StepRecord) []StepRecord {
	if len(have) == 0 {
		return slices.Clone(add)
	}
	for _, s := range add {
		if i := slices.IndexFunc(have, func(h StepRecord) bool { return h.Seq == s.Seq }); i >= 0 {
			have[i] = s
			continue
		}
		have = append(have, s)
	}
	slices.SortFunc(have, func(a, b StepRecord) int { return a.Seq - b.Seq })
	return have
}

// unfinishedLocked returns the job jobID, which must exist and not be
// finished yet, for the store write what describes ("finish job"). m.mu
// is held.
func (m *memoryStore) unfinishedLocked(jobID, what string) (*memJob, error) {
	j, ok := m.jobs[jobID]
	if !ok {
		return nil, fmt.Errorf("recipe: %s %q: %w", what, jobID, ErrNotFound)
	}
	if j.job.Status.Final() {
		return nil, fmt.Errorf("recipe: %s %q: job already finished", what, jobID)
	}
	return j, nil
}

func (m *memoryStore) SaveSteps(ctx context.Context, jobID string, steps []StepRecord) error {
	if err := m.lockWrite(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	return m.saveSteps(jobID, steps)
}

// saveSteps is SaveSteps with m.mu held.
func (m *memoryStore) saveSteps(jobID string, steps []StepRecord) error {
	j, err := m.unfinishedLocked(jobID, "save steps of job")
	if err != nil {
		return err
	}
	j.job.Steps = mergeSteps(j.job.Steps, steps)
	j.job.Status = JobRunning
	return nil
}

func (m *memoryStore) FinishJob(ctx context.Context, jobID string, res JobResult, steps []StepRecord) error {
	if err := m.lockWrite(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	return m.finishJob(jobID, res, steps)
}

// finishJob is FinishJob with m.mu held.
func (m *memoryStore) finishJob(jobID string, res JobResult, steps []StepRecord) error {
	if !res.Status.Final() {
		return fmt.Errorf("recipe: finish job %q: status %q is not final", jobID, res.Status)
	}
	j, err := m.unfinishedLocked(jobID, "finish job")
	if err != nil {
		return err
	}
	j.job.Steps = mergeSteps(j.job.Steps, steps)
	j.job.Status = res.Status
	j.job.Error = res.Error
	j.job.ErrorType = res.ErrorType
	j.job.Message = res.Message
	j.job.Finished = res.Finished
	j.job.NextAttempt = time.Time{}
	if res.Status == JobFailed {
		j.job.NextAttempt = res.NextAttempt
	}
	return nil
}

// WriteJobs implements JobWriter: the writes are applied under one hold
// of the store's lock, so no reader sees some of them without the others.
func (m *memoryStore) WriteJobs(ctx context.Context, writes []JobWrite) []error {
	fail := func(err error) []error {
		errs := make([]error, len(writes))
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	if err := m.lockWrite(ctx); err != nil {
		return fail(err)
	}
	defer m.mu.Unlock()
	var errs []error
	for i, w := range writes {
		var err error
		if w.Result == nil {
			err = m.saveSteps(w.JobID, w.Steps)
		} else {
			err = m.finishJob(w.JobID, *w.Result, w.Steps)
		}
		if err != nil {
			if errs == nil {
				errs = make([]error, len(writes))
			}
			errs[i] = err
		}
	}
	return errs
}

var _ JobWriter = (*memoryStore)(nil)

func (m *memoryStore) RetryJob(ctx context.Context, jobID string) (Job, error) {
	if err := m.lockWrite(ctx); err != nil {
		return Job{}, err
	}
	defer m.mu.Unlock()
	j, ok := m.jobs[jobID]
	if !ok {
		return Job{}, fmt.Errorf("recipe: retry job %q: %w", jobID, ErrNotFound)
	}
	if j.job.Status != JobFailed {
		return Job{}, fmt.Errorf("recipe: retry job %q (%s): %w", jobID, j.job.Status, ErrNotFailed)
	}
	if n := len(j.job.Steps); n > 0 && j.job.Steps[n-1].Failed() {
		j.job.Steps = j.job.Steps[:n-1]
	}
	j.job.Status = JobPending
	j.job.Error, j.job.ErrorType, j.job.Message = "", "", ""
	j.job.Finished, j.job.NextAttempt = time.Time{}, time.Time{}
	j.job.Retries++
	return cloneJob(j.job), nil
}

func (m *memoryStore) Job(ctx context.Context, id string) (Job, error) {
	if err := m.lock(); err != nil {
		return Job{}, err
	}
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, fmt.Errorf("recipe: job %q: %w", id, ErrNotFound)
	}
	return cloneJob(j.job), nil
}

// jobsPerPage is how many jobs the memory store clones per lock while
// iterating a listing.
const jobsPerPage = 256

func (m *memoryStore) Jobs(ctx context.Context, q JobQuery) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		text := jobsearch.Lower(q.Text)
		before := int64(math.MaxInt64)
		match := func(j *memJob) bool {
			return j.seq < before &&
				(q.Recipe == "" || j.job.Recipe == q.Recipe) &&
				(q.Status == "" || j.job.Status == q.Status) &&
				(q.EventID == "" || j.job.Event.ID == q.EventID) &&
				(q.Since.IsZero() || !j.job.Created.Before(q.Since)) &&
				(q.Until.IsZero() || j.job.Created.Before(q.Until)) &&
				(text == "" || containsFold(&j.job, text)) &&
				(q.RetryDue.IsZero() || j.job.RetryScheduled() && !j.job.NextAttempt.After(q.RetryDue))

		}
		if err := m.lock(); err != nil {
			yield(Job{}, err)
			return
		}
		if q.Before != "" {
			b, ok := m.jobs[q.Before]
			if !ok {
				m.mu.Unlock()
				yield(Job{}, fmt.Errorf("recipe: jobs before %q: %w", q.Before, ErrNotFound))
				return
			}
			before = b.seq
		}
		all := m.sorted(match)
		ids := make([]string, len(all))
		for i, j := range all {
			ids[len(all)-1-i] = j.job.ID // newest first
		}
		m.mu.Unlock()
		if q.Limit > 0 && len(ids) > q.Limit {
			ids = ids[:q.Limit]
		}
		page := make([]Job, 0, min(len(ids), jobsPerPage))
		for len(ids) > 0 {
			if err := ctx.Err(); err != nil {
				yield(Job{}, err)
				return
			}
			if err := m.lock(); err != nil {
				yield(Job{}, err)
				return
			}
			n := min(len(ids), jobsPerPage)
			page = page[:0]
			for _, id := range ids[:n] {
				// A job pruned or changed since the listing began is left out
				// when it no longer exists or matches.
				if j, ok := m.jobs[id]; ok && match(j) {
					c := cloneJob(j.job)
					if q.WithoutSteps {
						c.Steps = nil
					}
					page = append(page, c)
				}
			}
			m.mu.Unlock()
			ids = ids[n:]
			for _, j := range page {
				if !yield(j, nil) {
					return
				}
			}
		}
	}
}

// containsFold reports whether the job's label, event ID and ID, joined by
// spaces, contain lower (already lower-cased), ignoring ASCII case.
func containsFold(j *Job, lower string) bool {
	return strings.Contains(jobsearch.Text(j.Label, j.Event.ID, j.ID), lower)
}

// lockCount validates the query of JobCounts or StepStats and takes the
// lock, as lock does.
func (m *memoryStore) lockCount(q CountQuery) error {
	if err := q.Validate(); err != nil {
		return err
	}
	return m.lock()
}

// createdInLocked returns the jobs created in q's time range, of its
// recipe when it names one, in insertion order. m.mu is held.
func (m *memoryStore) createdInLocked(q CountQuery) []*Job {
	var jobs []*Job
	for _, mj := range m.order {
		j := &mj.job
		if (q.Recipe != "" && j.Recipe != q.Recipe) || j.Created.Before(q.Since) || !j.Created.Before(q.Until) {
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func (m *memoryStore) JobCounts(ctx context.Context, q CountQuery) ([]JobCount, error) {
	if err := m.lockCount(q); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	type key struct {
		recipe string
		status JobStatus
		bucket time.Time
	}
	counts := map[key]int{}
	for _, j := range m.createdInLocked(q) {
		counts[key{j.Recipe, j.Status, q.BucketOf(j.Created)}]++
	}
	out := make([]JobCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, JobCount{Recipe: k.recipe, Status: k.status, Bucket: k.bucket, Count: n})
	}
	return out, nil
}

func (m *memoryStore) StepStats(ctx context.Context, q CountQuery) ([]StepStat, error) {
	if err := m.lockCount(q); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	type key struct{ name, action string }
	durations := map[key][]time.Duration{}
	failed := map[key]int{}
	inRange := m.createdInLocked(q)
	if q.MaxJobs > 0 && len(inRange) > q.MaxJobs {
		slices.SortStableFunc(inRange, func(a, b *Job) int { return a.Created.Compare(b.Created) })
		inRange = inRange[len(inRange)-q.MaxJobs:]
	}
	for _, j := range inRange {
		for _, s := range j.Steps {
			k := key{s.Name, s.Action}
			durations[k] = append(durations[k], s.Duration)
			if s.Failed() {
				failed[k]++
			}
		}
	}
	out := make([]StepStat, 0, len(durations))
	for k, d := range durations {
		out = append(out, NewStepStat(k.name, k.action, d, failed[k]))
	}
	slices.SortFunc(out, func(a, b StepStat) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Action, b.Action))
	})
	return out, nil
}

func (m *memoryStore) Subscription(ctx context.Context, recipe string) (trigger.Subscription, error) {
	if err := m.lock(); err != nil {
		return trigger.Subscription{}, err
	}
	defer m.mu.Unlock()
	s, ok := m.subs[recipe]
	if !ok {
		return trigger.Subscription{}, fmt.Errorf("recipe: subscription of %q: %w", recipe, ErrNotFound)
	}
	s.State = bytes.Clone(s.State)
	return s, nil
}

func (m *memoryStore) SaveSubscription(ctx context.Context, recipe string, sub trigger.Subscription) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	sub.State = bytes.Clone(sub.State)
	m.subs[recipe] = sub
	return nil
}

func (m *memoryStore) DeleteSubscription(ctx context.Context, recipe string) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	delete(m.subs, recipe)
	return nil
}

func (m *memoryStore) State(ctx context.Context, recipe string) (RecipeState, error) {
	if err := m.lock(); err != nil {
		return RecipeState{}, err
	}
	defer m.mu.Unlock()
	return m.states[recipe], nil
}

func (m *memoryStore) SetState(ctx context.Context, recipe string, st RecipeState) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.states[recipe] = st
	return nil
}

func (m *memoryStore) Prune(ctx context.Context, recipe string, p PrunePolicy) (int, error) {
	if err := m.lock(); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	finished := m.sorted(func(j *memJob) bool {
		return j.job.Recipe == recipe && j.job.Status.Final() && !j.job.RetryScheduled()
	})
	n := 0
	for i, j := range finished {
		tooMany := p.Keep > 0 && i < len(finished)-p.Keep
		tooOld := !p.FinishedBefore.IsZero() && j.job.Finished.Before(p.FinishedBefore)
		if tooMany || tooOld {
			delete(m.jobs, j.job.ID)
			n++
		}
	}
	if n > 0 {
		m.order = slices.DeleteFunc(m.order, func(j *memJob) bool { return m.jobs[j.job.ID] != j })
	}
	if !p.LedgerBefore.IsZero() {
		for id, at := range m.ledger[recipe] {
			if at.Before(p.LedgerBefore) {
				delete(m.ledger[recipe], id)
			}
		}
	}
	return n, nil
}

func (m *memoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func cloneStep(s StepRecord) StepRecord {
	s.Input = bytes.Clone(s.Input)
	s.Output = bytes.Clone(s.Output)
	return s
}

func cloneJob(j Job) Job {
	j.Event.Data = json.RawMessage(bytes.Clone(j.Event.Data))
	if j.Steps != nil {
		steps := make([]StepRecord, len(j.Steps))
		for i, s := range j.Steps {
			steps[i] = cloneStep(s)
		}
		j.Steps = steps
	}
	return j
}

var _ ValueStore = (*memoryStore)(nil)

// Value implements ValueStore.
func (m *memoryStore) Value(ctx context.Context, key string) ([]byte, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	v, ok := m.values[key]
	if !ok {
		return nil, fmt.Errorf("recipe: value %q: %w", key, ErrNotFound)
	}
	return slices.Clone(v), nil
}

// SetValue implements ValueStore.
func (m *memoryStore) SetValue(ctx context.Context, key string, value []byte) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if m.values == nil {
		m.values = map[string][]byte{}
	}
	m.values[key] = slices.Clone(value)
	return nil
}
