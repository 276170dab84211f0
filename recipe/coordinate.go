package recipe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Coordinator is implemented by a [Store] that several engine processes
// share (package recipe/postgres). When an engine's store implements it,
// the processes running the same recipes divide the work between them:
//
//   - each recipe's trigger is polled by one process at a time, the holder
//     of the recipe's poll lease; the others wait and take the lease over
//     when its holder stops renewing it (it died, or lost the database);
//   - a real-time trigger's webhook is registered and renewed by the poll
//     lease holder only, once for the group, and removed when the last
//     process running the recipe stops it (see [Coordinator.Leave]);
//   - any process may claim a recipe's unfinished jobs; a claimed job is
//     leased to its process, which renews the lease while it runs the job,
//     so a job whose process died is claimed again by another after the
//     lease expires and resumes from its step checkpoints;
//   - webhook deliveries are accepted by whichever process receives them.
//
// Lease times are measured by the store (one clock for the whole group).
// The memory and SQLite stores serve one process and do not implement it;
// an engine on them runs everything itself.
//
// All methods may be called from many goroutines and processes at once.
type Coordinator interface {
	// AcquireLease takes the named lease for owner until ttl from now, or
	// extends it when owner holds it already. It reports whether owner
	// holds the lease afterwards: false when another owner holds a lease
	// that has not expired.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if owner holds it, so another owner
	// may take it at once.
	ReleaseLease(ctx context.Context, name, owner string) error
	// ClaimJobs leases unfinished jobs of a recipe (see [JobClaim]) and
	// returns them, oldest first, each with its step records.
	ClaimJobs(ctx context.Context, c JobClaim) ([]Job, error)
	// RenewJobs extends owner's leases of the given unfinished jobs by ttl
	// from now and returns the IDs whose lease owner no longer holds (it
	// expired and another owner claimed the job).
	RenewJobs(ctx context.Context, owner string, ids []string, ttl time.Duration) (lost []string, err error)
	// ReleaseJobs gives up owner's leases of the given unfinished jobs, so
	// any owner may claim them at once.
	ReleaseJobs(ctx context.Context, owner string, ids []string) error
	// Join records member in group until ttl from now (or extends it).
	Join(ctx context.Context, group, member string, ttl time.Duration) error
	// Leave removes member from group and returns how many other members
	// have not expired. Leave calls on one group are serialised, so of
	// several members leaving together exactly one sees 0.
	Leave(ctx context.Context, group, member string) (others int, err error)
}

// JobClaim says which jobs [Coordinator.ClaimJobs] leases.
type JobClaim struct {
	// Recipe names the recipe whose jobs are claimed.
	Recipe string
	// Owner names the claiming process.
	Owner string
	// Max caps the number of jobs claimed.
	Max int
	// InOrder claims only the recipe's oldest unfinished job, and only
	// when no other unfinished job of the recipe is leased to anyone: the
	// group then runs the recipe's jobs one at a time, in order.
	InOrder bool
	// TTL is how long the leases last unless renewed.
	TTL time.Duration
}

// WithLeaseTTL sets how long the leases of a shared store (see
// [Coordinator]) last unless renewed (default 30s): a recipe's poll lease
// lasts the smaller of this and two thirds of the trigger's poll interval
// (at least one second), and a claimed job's lease lasts this long. Leases
// are renewed every third of their time, so when a process dies another
// takes its polling over within about 4/3 of the poll lease time (under
// two poll intervals), and its jobs within about the job lease time.
// Shorter leases fail over faster and cost more store writes.
func WithLeaseTTL(d time.Duration) Option {
	return func(e *Engine) {
		if d < time.Second {
			e.optErr = errors.Join(e.optErr, fmt.Errorf("recipe: WithLeaseTTL(%v): a lease must last at least one second", d))
			return
		}
		e.leaseTTL = d
	}
}

// WithProcessID names this engine among the processes sharing a store (see
// [Coordinator]): it owns leases under this name. The default is made from
// the host name, the process ID and random bits. Two live engines must
// never share a name.
func WithProcessID(id string) Option {
	return func(e *Engine) {
		if id != "" {
			e.owner = id
		}
	}
}

// ProcessID returns the name this engine owns shared leases under (see
// [WithProcessID]).
func (e *Engine) ProcessID() string { return e.owner }

func defaultProcessID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// coordinator returns the store's Coordinator, or nil for a store that
// serves one process.
func (e *Engine) coordinator() Coordinator {
	c, _ := e.rt.store.(Coordinator)
	return c
}

// pollLeaseName and memberGroup name a recipe's poll lease and the group
// of processes running it.
func pollLeaseName(recipe string) string { return "poll:" + recipe }
func memberGroup(recipe string) string   { return "recipe:" + recipe }

// shared is the state of a recipe run on a shared store.
type shared struct {
	coord    Coordinator
	owner    string
	pollTTL  time.Duration
	jobTTL   time.Duration
	tick     time.Duration // how often leases are renewed and free ones tried
	claimGap time.Duration // how often an idle process looks for jobs

	mu        sync.Mutex
	leader    bool
	epoch     int           // counts the times this run gained the poll lease
	leaderCh  chan struct{} // closed when leader becomes true
	subCancel context.CancelFunc
	subWG     sync.WaitGroup
	claimed   map[string]bool // jobs leased to this run, queued or running
	inflight  int             // claimed jobs queued or running
	wake      chan struct{}
	feedDone  bool // a RunOnce run's polling has finished
}

func (e *Engine) newShared(r *Recipe, coord Coordinator) *shared {
	// Two thirds of the poll interval: a successor polls within about
	// 4/3 of the lease time after its holder died, under two intervals.
	pollTTL := e.leaseTTL
	if iv := r.src.info().PollInterval; iv > 0 && iv*2/3 < pollTTL {
		pollTTL = max(iv*2/3, time.Second)
	}
	tick := pollTTL / 3
	return &shared{
		coord:    coord,
		owner:    e.owner,
		pollTTL:  pollTTL,
		jobTTL:   e.leaseTTL,
		tick:     tick,
		claimGap: min(tick, e.leaseTTL/3, time.Second),
		leaderCh: make(chan struct{}),
		claimed:  map[string]bool{},
		wake:     make(chan struct{}, 1),
	}
}

func (sh *shared) signal() {
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

// isLeader reports whether this run holds the poll lease, and the epoch
// of its tenure.
func (sh *shared) isLeader() (bool, int, chan struct{}) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.leader, sh.epoch, sh.leaderCh
}

// awaitLeader blocks until this run holds the poll lease; it returns the
// tenure's epoch, or false when the run stops.
func (run *recipeRun) awaitLeader() (int, bool) {
	sh := run.sh
	for {
		ok, epoch, ch := sh.isLeader()
		if ok {
			return epoch, true
		}
		select {
		case <-run.ctx.Done():
			return 0, false
		case <-ch:
		}
	}
}

// keepLeases runs beside a shared recipe run: every tick it takes or
// renews the poll lease, renews the run's membership and the leases of
// its claimed jobs, and stops the run when another process stopped the
// recipe.
func (run *recipeRun) keepLeases() {
	defer run.keepWG.Done()
	sh := run.sh
	rt := &run.e.rt
	name := run.r.name
	group := memberGroup(name)
	defer func() {
		run.setLeader(false)
		sh.subWG.Wait()
	}()
	ctx := run.keepCtx
	for {
		sh.mu.Lock()
		feedDone := sh.feedDone
		sh.mu.Unlock()
		var held bool
		if !feedDone && run.ctx.Err() == nil {
			ok, err := sh.coord.AcquireLease(ctx, pollLeaseName(name), sh.owner, sh.pollTTL)
			if err != nil && ctx.Err() == nil {
				rt.log.Warn("cannot renew the poll lease; polling pauses", "recipe", name, "error", err)
			}
			held = ok && err == nil
		}
		run.setLeader(held)
		if !run.once && run.ctx.Err() == nil {
			if err := sh.coord.Join(ctx, group, sh.owner, 3*sh.pollTTL); err != nil && ctx.Err() == nil {
				rt.log.Warn("cannot renew membership of the recipe's process group", "recipe", name, "error", err)
			}
			if st, err := rt.store.State(ctx, name); err == nil && st.Stopped {
				rt.log.Info("recipe stopped by another process; stopping here", "recipe", name)
				go run.e.stopLocal(name, run)
			}
		}
		if ids := run.claimedIDs(); len(ids) > 0 {
			lost, err := sh.coord.RenewJobs(ctx, sh.owner, ids, sh.jobTTL)
			if err != nil && ctx.Err() == nil {
				rt.log.Warn("cannot renew the leases of running jobs", "recipe", name, "error", err)
			}
			for _, id := range lost {
				rt.log.Warn("lost the lease of a running job; another process may run it too", "recipe", name, "job", id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-rt.clock.After(sh.tick):
		}
	}
}

// setLeader records whether this run holds the poll lease, starting or
// stopping the webhook subscription keeper with it.
func (run *recipeRun) setLeader(on bool) {
	sh := run.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if on == sh.leader {
		return
	}
	sh.leader = on
	if on {
		sh.epoch++
		close(sh.leaderCh)
		run.e.rt.log.Debug("took the poll lease", "recipe", run.r.name, "process", sh.owner)
		if !run.once && run.e.webhookURL != nil && run.r.src.webhook() != nil && run.ctx.Err() == nil {
			ctx, cancel := context.WithCancel(run.ctx)
			sh.subCancel = cancel
			sh.subWG.Add(1)
			go func() {
				defer sh.subWG.Done()
				run.e.keepSubscribed(ctx, run.ent)
			}()
		}
		return
	}
	sh.leaderCh = make(chan struct{})
	if sh.subCancel != nil {
		sh.subCancel()
		sh.subCancel = nil
	}
}

// claimedIDs lists the jobs leased to this run.
func (run *recipeRun) claimedIDs() []string {
	sh := run.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ids := make([]string, 0, len(sh.claimed))
	for id := range sh.claimed {
		ids = append(ids, id)
	}
	return ids
}

// claimLoop keeps the run's workers supplied with jobs claimed from the
// store. A RunOnce run ends when its polling has finished and nothing is
// left to claim.
func (run *recipeRun) claimLoop() {
	defer run.bg.Done()
	sh := run.sh
	rt := &run.e.rt
	defer func() {
		run.mu.Lock()
		run.closed = true
		run.cond.Broadcast()
		run.mu.Unlock()
	}()
	// Claim ahead: up to twice the workers, in batches of at least half
	// of that, so a claim (one transaction) serves several jobs. An
	// InOrder recipe holds one job at a time.
	capacity := 2 * run.r.opts.Concurrency
	if run.r.opts.InOrder {
		capacity = 1
	}
	for run.ctx.Err() == nil {
		sh.mu.Lock()
		free := capacity - sh.inflight
		idle := sh.inflight == 0
		feedDone := sh.feedDone
		sh.mu.Unlock()
		if free > 0 && (idle || free >= capacity/2) {
			jobs, err := sh.coord.ClaimJobs(run.ctx, JobClaim{Recipe: run.r.name, Owner: sh.owner, Max: free, InOrder: run.r.opts.InOrder, TTL: sh.jobTTL})
			if err != nil {
				if run.ctx.Err() != nil {
					return
				}
				rt.log.Warn("cannot claim jobs", "recipe", run.r.name, "error", err)
				if run.once {
					run.fail(fmt.Errorf("recipe %q: claim jobs: %w", run.r.name, err))
					return
				}
			}
			if len(jobs) > 0 {
				sh.mu.Lock()
				for _, j := range jobs {
					sh.claimed[j.ID] = true
				}
				sh.inflight += len(jobs)
				sh.mu.Unlock()
				qs := make([]queued, len(jobs))
				for i, j := range jobs {
					qs[i] = queued{job: j}
				}
				if n := run.enqueue(qs...); n > 0 {
					// Held already (claimed again after its lease
					// lapsed while it ran): the attempt under way
					// ends it, once.
					sh.mu.Lock()
					sh.inflight -= n
					sh.mu.Unlock()
				}
				continue
			}
			if run.once && feedDone {
				sh.mu.Lock()
				idle := sh.inflight == 0
				sh.mu.Unlock()
				if idle {
					return
				}
			}
		}
		select {
		case <-run.ctx.Done():
			return
		case <-sh.wake:
		case <-rt.clock.After(sh.claimGap):
		}
	}
}

// jobDone tells the claimer that a worker is free again; finished says
// whether the job reached a final status (its lease ended with it).
//
// A job left unfinished while the run goes on (the store failed) is no
// longer renewed: when its lease expires a process, maybe this one, claims
// it again, the lease time serving as the wait before the retry. One left
// by a stopping run is given back at once by releaseAll.
func (run *recipeRun) jobDone(id string, finished bool) {
	sh := run.sh
	sh.mu.Lock()
	sh.inflight--
	if finished || run.ctx.Err() == nil {
		delete(sh.claimed, id)
	}
	sh.mu.Unlock()
	sh.signal()
}

// releaseAll gives up the run's leases when it stops: the poll lease, so
// another process polls at once, and the leases of jobs it did not
// finish, so another process resumes them at once.
func (run *recipeRun) releaseAll() {
	sh := run.sh
	ctx, cancel := context.WithTimeout(context.WithoutCancel(run.storeCtx), 10*time.Second)
	defer cancel()
	rt := &run.e.rt
	if err := sh.coord.ReleaseLease(ctx, pollLeaseName(run.r.name), sh.owner); err != nil {
		rt.log.Warn("cannot release the poll lease; another process takes it when it expires", "recipe", run.r.name, "error", err)
	}
	if ids := run.claimedIDs(); len(ids) > 0 {
		if err := sh.coord.ReleaseJobs(ctx, sh.owner, ids); err != nil {
			rt.log.Warn("cannot release the leases of unfinished jobs; another process resumes them when they expire", "recipe", run.r.name, "error", err)
		}
	}
}

// feedFinished records that a RunOnce run's polling is over: it gives the
// poll lease up so another process's RunOnce may poll.
func (run *recipeRun) feedFinished() {
	sh := run.sh
	sh.mu.Lock()
	sh.feedDone = true
	sh.mu.Unlock()
	run.setLeader(false)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(run.storeCtx), 10*time.Second)
	defer cancel()
	_ = sh.coord.ReleaseLease(ctx, pollLeaseName(run.r.name), sh.owner)
	sh.signal()
}

// stopLocal stops a recipe's run in this process only, because another
// process stopped the recipe (its stored state says so).
func (e *Engine) stopLocal(name string, run *recipeRun) {
	e.mu.Lock()
	ent, ok := e.entries[name]
	if !ok || ent.run != run {
		e.mu.Unlock()
		return
	}
	ent.stopped = true
	ent.run = nil
	ctx := e.runCtx
	e.mu.Unlock()
	run.stop()
	if ctx == nil {
		ctx = context.Background()
	}
	if err := e.unsubscribe(context.WithoutCancel(ctx), ent); err != nil {
		e.rt.log.Warn("cannot remove webhook registration", "recipe", name, "error", err)
	}
}

// leaveGroup removes this process from the recipe's group and reports
// whether it was the last one running it (then the webhook registration
// may go).
func (e *Engine) leaveGroup(ctx context.Context, name string) (last bool, err error) {
	coord := e.coordinator()
	if coord == nil {
		return true, nil
	}
	others, err := coord.Leave(ctx, memberGroup(name), e.owner)
	if err != nil {
		return false, err
	}
	return others == 0, nil
}
