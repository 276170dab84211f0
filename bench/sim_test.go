package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// simRoleEnv, set in the environment of the test binary, makes it serve the
// simulator instead of running tests (see TestMain).
const simRoleEnv = "RECIPEKIT_BENCH_SIMULATOR"

// simProfileEnv, set to a file name in the environment of `go test`, makes
// the simulator process write a CPU profile of its whole life there (read
// it with `go tool pprof`), to see what the simulator spends per request.
const simProfileEnv = "RECIPEKIT_BENCH_SIM_CPUPROFILE"

func TestMain(m *testing.M) {
	if os.Getenv(simRoleEnv) == "1" {
		if err := profiled(os.Getenv(simProfileEnv), func() error { return serveSimulator(os.Stdin, os.Stdout) }); err != nil {
			fmt.Fprintln(os.Stderr, "bench simulator:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// profiled runs serve, under the CPU profiler writing to file when file is
// not empty.
func profiled(file string, serve func() error) error {
	if file == "" {
		return serve()
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("creating the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("starting the CPU profile: %w", err)
	}
	err = serve()
	pprof.StopCPUProfile()
	return errors.Join(err, f.Close())
}

// serveSimulator runs in the child process: a Cloud simulator with the
// demo users, and a control server on another loopback port that prepares
// a project for each run and counts the requests made. It writes the two
// URLs on one line and serves until stdin ends (the parent exited or
// closed it).
func serveSimulator(stdin io.Reader, stdout io.Writer) error {
	sim, err := jiratest.Start(jiratest.Options{Mode: jiratest.Cloud, Seed: 1})
	if err != nil {
		return err
	}
	defer sim.Close()
	demo := sim.SeedDemo()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctl := &control{sim: sim, lead: demo.Admin.AccountID}
	srv := &http.Server{Handler: ctl, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if _, err := fmt.Fprintf(stdout, "%s http://%s\n", sim.URL(), ln.Addr()); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, stdin)
	return nil
}

// control is the child's control server.
type control struct {
	sim  *jiratest.Server
	lead string

	mu       sync.Mutex
	projects int
}

// setup is the control server's answer to POST /setup.
type setup struct {
	Project string    `json:"project"`
	Since   time.Time `json:"since"`
}

// ServeHTTP answers POST /setup?issues=N&latency=D (a new project with N
// issues created one second apart, every request delayed by D from now on,
// the request log cleared) and GET /requests (the requests made since,
// counted by kind).
func (c *control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var out any
	switch r.URL.Path {
	case "/setup":
		n, err := strconv.Atoi(r.URL.Query().Get("issues"))
		if err != nil || n < 0 {
			http.Error(w, "issues must be a count", http.StatusBadRequest)
			return
		}
		latency, err := time.ParseDuration(r.URL.Query().Get("latency"))
		if err != nil {
			http.Error(w, "latency must be a duration", http.StatusBadRequest)
			return
		}
		out = c.setup(n, latency)
	case "/requests":
		out = countRequests(c.sim.Requests())
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (c *control) setup(n int, latency time.Duration) setup {
	c.mu.Lock()
	c.projects++
	key := fmt.Sprintf("BENCH%d", c.projects)
	c.mu.Unlock()
	c.sim.SetFaults(jiratest.Faults{})
	c.sim.AddProject(jiratest.Project{Key: key, Lead: c.lead})
	// One issue a second, ending a minute ago: every issue has its own
	// millisecond, as issues filed by people do.
	first := time.Now().Add(-time.Minute - time.Duration(n)*time.Second).Truncate(time.Second)
	for i := range n {
		c.sim.SeedIssue(jiratest.IssueSeed{Project: key, Summary: fmt.Sprintf("Printer %d on fire", i+1), Created: first.Add(time.Duration(i) * time.Second)})
	}
	c.sim.SetFaults(jiratest.Faults{Latency: latency})
	c.sim.ResetRequests()
	return setup{Project: key, Since: first.Add(-time.Second)}
}

// requestCounts counts a run's requests by kind.
type requestCounts struct {
	ServerInfo int `json:"serverInfo"`
	Searches   int `json:"searches"`
	Counts     int `json:"counts"`
	Comments   int `json:"comments"`
	Other      int `json:"other"`
	Failed     int `json:"failed"`
}

// total is every request made.
func (n requestCounts) total() int {
	return n.ServerInfo + n.Searches + n.Counts + n.Comments + n.Other
}

// delayed is the number of requests the latency knob delays (all but
// serverInfo, which the simulator never delays).
func (n requestCounts) delayed() int { return n.total() - n.ServerInfo }

func countRequests(reqs []jiratest.Request) requestCounts {
	var n requestCounts
	for _, r := range reqs {
		switch p := r.Path; {
		case strings.HasSuffix(p, "/serverInfo"):
			n.ServerInfo++
		case strings.HasSuffix(p, "/search/approximate-count"):
			n.Counts++
		case strings.Contains(p, "/search"):
			n.Searches++
		case r.Method == http.MethodPost && strings.HasSuffix(p, "/comment"):
			n.Comments++
		default:
			n.Other++
		}
		if r.Status < 200 || r.Status > 299 {
			n.Failed++
		}
	}
	return n
}

// simulator is the parent's handle on the child process.
type simulator struct {
	url, ctl string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
}

var (
	simOnce sync.Once
	simErr  error
	sim     *simulator
)

// startSimulator starts the child process once for the whole test binary;
// it ends when the binary does (its stdin closes).
func startSimulator(tb testing.TB) *simulator {
	tb.Helper()
	simOnce.Do(func() { sim, simErr = spawnSimulator() })
	if simErr != nil {
		tb.Fatalf("starting the simulator process: %v", simErr)
	}
	return sim
}

func spawnSimulator() (*simulator, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), simRoleEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("reading its address: %w", err)
	}
	urls := strings.Fields(line)
	if len(urls) != 2 {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("it answered %q, not two URLs", line)
	}
	return &simulator{url: urls[0], ctl: urls[1], cmd: cmd, stdin: stdin}, nil
}

// setup asks the simulator for a new project of n issues and sets the
// latency of every request.
func (s *simulator) setup(ctx context.Context, n int, latency time.Duration) (setup, error) {
	var out setup
	err := s.control(ctx, http.MethodPost, fmt.Sprintf("/setup?issues=%d&latency=%s", n, latency), &out)
	return out, err
}

// requests returns the requests made since the last setup.
func (s *simulator) requests(ctx context.Context) (requestCounts, error) {
	var out requestCounts
	err := s.control(ctx, http.MethodGet, "/requests", &out)
	return out, err
}

func (s *simulator) control(ctx context.Context, method, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.ctl+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return errors.New(strings.TrimSpace(string(msg)))
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
