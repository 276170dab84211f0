package ops_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// idleMode, when set in the environment, makes the test binary run as the
// measured program instead of running tests.
const idleMode = "RECIPEKIT_IDLE_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(idleMode); mode != "" {
		if err := idleProgram(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// idleProgram is a program that runs an engine over a SQLite store with a
// polling recipe; in mode "ops" it also serves the UI and the metrics, and
// has each served once. It then prints "ready" and idles until SIGTERM.
func idleProgram(mode string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "recipekit-idle")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var out strings.Builder
	if mode == "ops" {
		stopMetrics, err := ops.Metrics("127.0.0.1:0", &out)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "idle.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	act := recipetest.NewAction("noop", func(_ context.Context, in struct{}) (struct{}, error) { return in, nil })
	r, err := recipe.New("idle", recipetest.Data(1, 2, 3), recipe.Do("noop", act, nil))
	if err != nil {
		return err
	}
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	if mode == "ops" {
		stopUI, err := ops.UI("127.0.0.1:0", store, eng, "", &out)
		if err != nil {
			return err
		}
		defer stopUI()
		for _, m := range regexp.MustCompile(`http://[^ \n]+`).FindAllString(out.String(), -1) {
			resp, err := http.Get(m)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	time.Sleep(time.Second) // the first poll and jobs are over
	runtime.GC()
	debug.FreeOSMemory()
	fmt.Println("ready")
	<-ctx.Done()
	return <-done
}

func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return strconv.Atoi(string(m[1]))
}

// idleRSS starts the program in mode and returns its resident set size
// once it idles.
func idleRSS(b *testing.B, mode string) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), idleMode+"="+mode)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "ready" {
	}
	time.Sleep(500 * time.Millisecond) // let the idle process settle
	kb, err := rssKB(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return kb
}

// BenchmarkIdleRSS measures what serving the web UI and the Prometheus
// metrics costs a program at rest: the resident set size of the same
// program (an engine polling a recipe over SQLite) with and without them.
func BenchmarkIdleRSS(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	var plain, withOps int
	for b.Loop() {
		plain = idleRSS(b, "plain")
		withOps = idleRSS(b, "ops")
	}
	b.ReportMetric(float64(plain)/1024, "MB-rss-plain")
	b.ReportMetric(float64(withOps)/1024, "MB-rss-ui+metrics")
	b.ReportMetric(float64(withOps-plain)/1024, "MB-rss-added")
}
