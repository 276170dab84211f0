package postgres_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
)

// childEnv carries a child engine process's configuration (JSON); a test
// binary started with it runs the engine instead of the tests.
const childEnv = "RECIPEKIT_TEST_ENGINE_CHILD"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(engineChild(cfg))
	}
	os.Exit(m.Run())
}

// childConfig is what a child engine process is told.
type childConfig struct {
	Name         string
	DB           string
	Jira         string
	Email        string
	Token        string
	Project      string
	Since        time.Time
	Public       string // base URL the simulator posts webhooks to
	Sink         string // where the side-effect action writes
	LeaseTTL     time.Duration
	PollInterval time.Duration
	SecretKey    string // base64, seals the webhook secret
	Bench        bool   // run the benchmark recipe instead
	Resume       bool   // run the resume test's recipe instead
}

// Recipe names of the chaos test.
const (
	pollRecipe     = "chaos-poll"
	realtimeRecipe = "chaos-realtime"
)

type effectIn struct {
	Event string `json:"event" expr:"event"`
}

type effectOut struct {
	Written bool `json:"written" expr:"written"`
}

// sinkAction writes one effect per step run to the sink, keyed by the
// runtime's effect key; when an earlier attempt may have written it, it
// looks the key up first (the action.Effect contract).
func sinkAction(sink string) action.Action[effectIn, effectOut] {
	client := &http.Client{Timeout: 10 * time.Second}
	info := action.Info{Name: "record_effect", Connector: "chaos", Title: "Record an effect", EffectChecked: true}
	return action.New(info, nil, func(ctx context.Context, in effectIn) (effectOut, error) {
		eff := action.EffectOrNew(ctx, time.Now())
		u := sink + "/effects/" + url.PathEscape(eff.Key) + "?event=" + url.QueryEscape(in.Event)
		if eff.MayExist {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			resp, err := client.Do(req)
			if err != nil {
				return effectOut{}, action.Retryable(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return effectOut{}, nil
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		resp, err := client.Do(req)
		if err != nil {
			return effectOut{}, action.Retryable(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return effectOut{}, action.Retryable(fmt.Errorf("sink answered %s", resp.Status))
		}
		return effectOut{Written: true}, nil
	})
}

// pollReporter tells the parent, on stdout, when this process polled.
type pollReporter struct {
	recipe.NopHooks
	mu sync.Mutex
	w  io.Writer
}

func (p *pollReporter) PollFinished(ctx context.Context, name string, res recipe.PollResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "POLL %s %d\n", name, time.Now().UnixNano())
}

// engineChild runs the chaos recipes on one engine until SIGTERM (or a
// SIGKILL from the parent).
func engineChild(raw string) int {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("process", cfg.Name)
	if cfg.Bench {
		return benchChild(ctx, cfg)
	}
	if cfg.Resume {
		return resumeChild(ctx, cfg)
	}
	keys, err := seal.ParseKeyring(cfg.SecretKey, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	store, err := postgres.Open(ctx, cfg.DB, postgres.WithMaxConns(8), postgres.WithLogger(log), postgres.WithSecretKeys(keys))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	jc, err := jira.New(jira.Config{Name: "chaos", URL: cfg.Jira, Auth: auth.APIToken{Email: cfg.Email, Token: auth.Secret(cfg.Token)}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := jira.PollOptions{Project: cfg.Project, Since: cfg.Since, PollInterval: cfg.PollInterval}
	pollR, err := recipe.New(pollRecipe, jc.NewIssue(opts),
		recipe.Do("effect", sinkAction(cfg.Sink), recipe.Pills{"event": `"issue:" + trigger.key`}),
		recipe.Concurrency(4))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rtR, err := recipe.New(realtimeRecipe, jc.CommentWebhook(jira.WebhookOptions{PollOptions: opts}),
		recipe.Do("effect", sinkAction(cfg.Sink), recipe.Pills{"event": `"comment:" + trigger.comment.id`}),
		recipe.Concurrency(4))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	eng := recipe.NewEngine(store, recipe.WithLogger(log), recipe.WithProcessID(cfg.Name), recipe.WithLeaseTTL(cfg.LeaseTTL),
		recipe.WithWebhookBaseURL(cfg.Public+"/hooks"), recipe.WithSubscribeRetry(200*time.Millisecond, time.Second),
		recipe.WithHooks(&pollReporter{w: os.Stdout}))
	for _, r := range []*recipe.Recipe{pollR, rtR} {
		if err := eng.Add(r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return serveChild(ctx, eng)
}

// sink records the effects the children write.
type sink struct {
	mu      sync.Mutex
	writes  map[string]int // effect key -> writes
	byEvent map[string]int // event -> writes
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/effects/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		if s.writes[key] > 0 {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	case http.MethodPost:
		s.writes[key]++
		s.byEvent[r.URL.Query().Get("event")]++
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (s *sink) events() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.byEvent))
	for k, v := range s.byEvent {
		out[k] = v
	}
	return out
}

// child is one running engine process.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// fleet starts, kills and routes to child engine processes.
type fleet struct {
	t      testing.TB
	cfg    childConfig
	logDir string

	mu       sync.Mutex
	children []*child
	polls    []pollSeen
	started  int
}

type pollSeen struct {
	process, recipe string
	at              time.Time
}

func (f *fleet) start(slot int) *child {
	f.t.Helper()
	f.mu.Lock()
	f.started++
	name := fmt.Sprintf("p%d-%d", slot, f.started)
	f.mu.Unlock()
	cfg := f.cfg
	cfg.Name = name
	raw, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	logf, err := os.Create(fmt.Sprintf("%s/%s.log", f.logDir, name))
	if err != nil {
		f.t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			switch {
			case len(fields) == 2 && fields[0] == "LISTEN":
				listening <- fields[1]
			case len(fields) == 3 && fields[0] == "POLL":
				ns, _ := strconv.ParseInt(fields[2], 10, 64)
				f.mu.Lock()
				f.polls = append(f.polls, pollSeen{process: name, recipe: fields[1], at: time.Unix(0, ns)})
				f.mu.Unlock()
			}
		}
		_ = cmd.Wait()
		logf.Close()
		close(c.done)
	}()
	select {
	case c.addr = <-listening:
	case <-c.done:
		f.t.Fatalf("engine process %s exited before listening; see %s/%s.log", name, f.logDir, name)
	case <-time.After(2 * time.Minute):
		f.t.Fatalf("engine process %s did not start listening", name)
	}
	f.mu.Lock()
	for len(f.children) <= slot {
		f.children = append(f.children, nil)
	}
	f.children[slot] = c
	f.mu.Unlock()
	return c
}

// kill SIGKILLs the child in slot and waits for it to die.
func (f *fleet) kill(slot int) time.Time {
	f.mu.Lock()
	c := f.children[slot]
	f.children[slot] = nil
	f.mu.Unlock()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	at := time.Now()
	<-c.done
	return at
}

// stop ends the child in slot cleanly (SIGTERM) and waits.
func (f *fleet) stop(slot int) {
	f.mu.Lock()
	c := f.children[slot]
	f.children[slot] = nil
	f.mu.Unlock()
	if c == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// route picks a live child for a webhook delivery.
func (f *fleet) route(rng func(int) int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var live []string
	for _, c := range f.children {
		if c != nil {
			live = append(live, c.addr)
		}
	}
	if len(live) == 0 {
		return ""
	}
	return live[rng(len(live))]
}

// firstPollAfter returns when a process other than dead first finished a
// poll of name after t.
func (f *fleet) firstPollAfter(name, dead string, t time.Time) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best time.Time
	for _, p := range f.polls {
		if p.recipe == name && p.process != dead && p.at.After(t) && (best.IsZero() || p.at.Before(best)) {
			best = p.at
		}
	}
	return best, !best.IsZero()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestChaosEngineProcessesKilled runs three engine processes over one
// database and the simulator (search lag; duplicated, shuffled and dropped
// webhook deliveries) while issues and comments are created, SIGKILLs a
// random process again and again and restarts it, and checks that every
// event became exactly one succeeded job with exactly one side effect.
// RECIPEKIT_CHAOS_SEED replays a run's choices; RECIPEKIT_CHAOS_EVENTS and
// RECIPEKIT_CHAOS_KILLS scale it.
func TestChaosEngineProcessesKilled(t *testing.T) {
	dbURL := pgtestDatabase(t)
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("RECIPEKIT_CHAOS_SEED"), 10, 64); err == nil {
		seed = v
	}
	events := envInt("RECIPEKIT_CHAOS_EVENTS", 2000)
	kills := envInt("RECIPEKIT_CHAOS_KILLS", 20)
	t.Logf("seed %d (replay with RECIPEKIT_CHAOS_SEED=%d), %d events, %d kills", seed, seed, events, kills)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var rngMu sync.Mutex
	intn := func(n int) int {
		rngMu.Lock()
		defer rngMu.Unlock()
		return rng.IntN(n)
	}

	ctx := context.Background()
	key := sealtest.Key(t)
	keys := sealtest.Keyring(t, key)
	store, err := postgres.Open(ctx, dbURL, postgres.WithSecretKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()

	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud, Seed: int64(seed)})
	demo := sim.SeedDemo()
	sim.AddProject(jiratest.Project{Key: "CHAOS", Name: "Chaos", Lead: demo.Admin.AccountID})
	sim.SetSearchLag(300 * time.Millisecond)
	sim.SetDelivery(jiratest.DeliveryOptions{
		Duplicate: 0.1, Shuffle: true, ShuffleWindow: 100 * time.Millisecond, Drop: 0.05,
		RetryDelays: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond},
	})

	sk := &sink{writes: map[string]int{}, byEvent: map[string]int{}}
	sinkSrv := httptest.NewServer(sk)
	defer sinkSrv.Close()

	f := &fleet{t: t, logDir: t.TempDir()}
	var acceptedMu sync.Mutex
	acceptedBy := map[string]int{} // process address -> deliveries it accepted
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: r.In.Header.Get("X-Chaos-Target")})
			r.Out.Header.Del("X-Chaos-Target")
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) },
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := f.route(intn)
		if target == "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.Header.Set("X-Chaos-Target", target)
		rec := &statusRecorder{ResponseWriter: w}
		proxy.ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			acceptedMu.Lock()
			acceptedBy[target]++
			acceptedMu.Unlock()
		}
	}))
	defer front.Close()

	const pollInterval = 2 * time.Second
	f.cfg = childConfig{DB: dbURL, Jira: sim.URL(), Email: demo.Admin.Email, Token: demo.Admin.APIToken, Project: "CHAOS",
		Since: time.Now().Add(-time.Minute), Public: front.URL, Sink: sinkSrv.URL, LeaseTTL: 10 * time.Second, PollInterval: pollInterval, SecretKey: key.Base64()}
	const processes = 3
	for slot := range processes {
		f.start(slot)
	}
	defer func() {
		for slot := range processes {
			f.mu.Lock()
			c := f.children[slot]
			f.mu.Unlock()
			if c != nil {
				_ = c.cmd.Process.Kill()
				<-c.done
			}
		}
		if t.Failed() {
			logs, _ := os.ReadDir(f.logDir)
			for _, l := range logs {
				b, _ := os.ReadFile(f.logDir + "/" + l.Name())
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("--- %s (tail)\n%s", l.Name(), b)
			}
		}
	}()
	hookURL := front.URL + "/hooks/" + realtimeRecipe
	waitFor(t, 2*time.Minute, "the real-time recipe's webhook to be registered", func() bool { return countHooks(sim, hookURL) == 1 })

	// Events: half new issues (polling trigger), half comments (real-time
	// trigger with its reconciliation poll), created while processes die.
	issues, comments := events/2, events-events/2
	genDone := make(chan struct{})
	var genErr error
	go func() {
		defer close(genDone)
		var keys []string
		for i := range max(issues, comments) {
			if i < issues {
				is, err := sim.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "CHAOS", Summary: fmt.Sprintf("chaos %d", i)})
				if err != nil {
					genErr = err
					return
				}
				keys = append(keys, is.Key)
			}
			if i < comments {
				if _, err := sim.CommentAs(demo.Bob.AccountID, keys[intn(len(keys))], fmt.Sprintf("comment %d", i)); err != nil {
					genErr = err
					return
				}
			}
			time.Sleep(time.Duration(5+intn(10)) * time.Millisecond)
		}
	}()

	var failovers, takeovers []time.Duration
	var measuring sync.WaitGroup
	for k := range kills {
		time.Sleep(time.Duration(300+intn(900)) * time.Millisecond)
		var owner string
		_ = store.Pool().QueryRow(ctx, `SELECT owner FROM leases WHERE name = $1 AND expires_at > clock_timestamp()`, "poll:"+pollRecipe).Scan(&owner)
		slot := intn(processes)
		if k%2 == 0 && owner != "" {
			// Every other kill takes the poller down, to measure failover.
			f.mu.Lock()
			for i, c := range f.children {
				if c != nil && c.name == owner {
					slot = i
				}
			}
			f.mu.Unlock()
		}
		f.mu.Lock()
		victim := f.children[slot].name
		f.mu.Unlock()
		at := f.kill(slot)
		if victim == owner {
			measuring.Add(1)
			go func() {
				defer measuring.Done()
				// Measured on the side: when another process holds the
				// lease, and its first poll.
				deadline := time.Now().Add(time.Minute)
				for time.Now().Before(deadline) {
					var next string
					_ = store.Pool().QueryRow(ctx, `SELECT owner FROM leases WHERE name = $1 AND expires_at > clock_timestamp()`, "poll:"+pollRecipe).Scan(&next)
					if next != "" && next != victim {
						f.mu.Lock()
						takeovers = append(takeovers, time.Since(at))
						f.mu.Unlock()
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				for time.Now().Before(deadline) {
					if next, ok := f.firstPollAfter(pollRecipe, victim, at); ok {
						f.mu.Lock()
						failovers = append(failovers, next.Sub(at))
						f.mu.Unlock()
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
		f.start(slot)
	}
	<-genDone
	if genErr != nil {
		t.Fatal(genErr)
	}

	// Every event must end as one succeeded job with one effect.
	want := map[string]bool{}
	for _, is := range sim.Issues("CHAOS") {
		want["issue:"+is.Key] = true
		for _, c := range sim.Comments(is.Key) {
			want["comment:"+c.ID] = true
		}
	}
	if len(want) != events {
		t.Fatalf("the simulator holds %d events, want %d", len(want), events)
	}
	waitFor(t, 4*time.Minute, "every event's job to succeed", func() bool {
		var done int
		_ = store.Pool().QueryRow(ctx, `SELECT count(*) FROM jobs WHERE status = 'succeeded'`).Scan(&done)
		return done >= events
	})
	// A process killed a moment ago counts as running the recipes until
	// its membership expires; then stopping the live ones one by one must
	// keep the webhook registered until the last one stops.
	waitFor(t, time.Minute, "the killed processes' memberships to expire", func() bool {
		var n int
		_ = store.Pool().QueryRow(ctx, `SELECT count(*) FROM members WHERE grp = $1 AND expires_at > clock_timestamp()`, "recipe:"+realtimeRecipe).Scan(&n)
		return n == processes
	})
	for slot := range processes {
		if n := countHooks(sim, hookURL); n != 1 {
			t.Errorf("%d webhook registrations with %d of %d processes stopped, want 1", n, slot, processes)
		}
		f.stop(slot)
	}

	got := sk.events()
	lost, repeated := 0, 0
	for ev := range want {
		switch n := got[ev]; {
		case n == 0:
			lost++
			if lost <= 5 {
				t.Errorf("event %s has no effect", ev)
			}
		case n > 1:
			repeated++
			if repeated <= 5 {
				t.Errorf("event %s has %d effects", ev, n)
			}
		}
	}
	for ev := range got {
		if !want[ev] {
			t.Errorf("effect for an unknown event %s", ev)
		}
	}
	rows, err := store.Pool().Query(ctx, `SELECT recipe, status, count(*), count(DISTINCT event_id) FROM jobs GROUP BY recipe, status ORDER BY recipe, status`)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for rows.Next() {
		var name, status string
		var n, distinct int
		if err := rows.Scan(&name, &status, &n, &distinct); err != nil {
			t.Fatal(err)
		}
		t.Logf("jobs of %s: %d %s (%d distinct events)", name, n, status, distinct)
		if status != string(recipe.JobSucceeded) {
			t.Errorf("%d jobs of %s ended %s", n, name, status)
		}
		if n != distinct {
			t.Errorf("%s: %d jobs for %d events: duplicated jobs", name, n, distinct)
		}
		total += n
	}
	rows.Close()
	if total != events {
		t.Errorf("%d jobs for %d events", total, events)
	}
	t.Logf("events %d: lost %d, repeated effects %d; processes started %d", events, lost, repeated, f.started)

	// Deliveries were accepted by whichever process received them.
	acceptedMu.Lock()
	t.Logf("webhook deliveries accepted per process: %v", acceptedBy)
	if len(acceptedBy) < 2 {
		t.Errorf("deliveries were accepted by %d processes; every process must accept those it receives", len(acceptedBy))
	}
	acceptedMu.Unlock()

	// The last process to stop removed the group's webhook registration.
	if n := countHooks(sim, hookURL); n != 0 {
		t.Errorf("%d webhook registrations left after every process stopped", n)
	}
	measuring.Wait()
	f.mu.Lock()
	fo, to := slices.Clone(failovers), slices.Clone(takeovers)
	f.mu.Unlock()
	t.Logf("poll interval %v; after SIGKILL of the poller, another process took the poll lease in %s and finished its first poll in %s",
		pollInterval, spread(to), spread(fo))
}

// spread summarises durations as min, median and max.
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "(none measured)"
	}
	slices.Sort(ds)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("min %v, median %v, max %v (%d kills)", r(ds[0]), r(ds[len(ds)/2]), r(ds[len(ds)-1]), len(ds))
}

func countHooks(sim *jiratest.Server, u string) int {
	n := 0
	for _, w := range sim.Webhooks() {
		if w.URL == u {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// serveChild runs eng in a child process of a test until ctx ends, serving
// its webhooks on a loopback port it announces on stdout as "LISTEN
// <address>", and returns the process's exit code.
func serveChild(ctx context.Context, eng *recipe.Engine) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stdout, "LISTEN %s\n", ln.Addr())
	if err := recipe.Serve(ctx, ln, eng); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
