package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

const (
	crashEnv         = "RECIPEKIT_CRASH_CHILD_DIR"
	crashEvents      = 2000
	crashKills       = 20
	crashConcurrency = 4
)

type crashEvent struct {
	N int `expr:"n" json:"n"`
}

type effectIn struct {
	Event string `expr:"event" json:"event"`
	Step  string `expr:"step" json:"step"`
}

// countingPoller is a deterministic trigger: events e0..e1999 in pages of
// 50, the cursor being the offset.
type countingPoller struct{}

func (countingPoller) Info() trigger.Info {
	return trigger.Info{Name: "count", Connector: "test", PollInterval: time.Minute}
}

func (countingPoller) Poll(_ context.Context, c trigger.Cursor) (trigger.Page[crashEvent], error) {
	off := 0
	if len(c) > 0 {
		off, _ = strconv.Atoi(string(c))
	}
	end := min(off+50, crashEvents)
	var p trigger.Page[crashEvent]
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := off; i < end; i++ {
		p.Events = append(p.Events, trigger.Event[crashEvent]{ID: fmt.Sprintf("e%d", i), Time: base.Add(time.Duration(i) * time.Second), Data: crashEvent{N: i}})
	}
	p.Next = trigger.Cursor(strconv.Itoa(end))
	p.More = end < crashEvents
	return p, nil
}

// crashChild runs in the child process: it runs the recipe over the SQLite
// store until caught up, recording each side effect in an append-only file
// and announcing it on stdout, where the parent counts them to choose when
// to kill.
func crashChild(dir string) error {
	ctx := context.Background()
	effects, err := os.OpenFile(filepath.Join(dir, "effects"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	effect := func(_ context.Context, in effectIn) (effectIn, error) {
		line := in.Event + " " + in.Step + "\n"
		if _, err := effects.WriteString(line); err != nil {
			return in, err
		}
		mu.Lock()
		out.WriteString("effect\n")
		out.Flush()
		mu.Unlock()
		return in, nil
	}
	first := recipetest.NewAction("first", effect)
	middle := recipetest.NewAction("middle", func(_ context.Context, in effectIn) (effectIn, error) { return in, nil }).Idempotent()
	last := recipetest.NewAction("last", effect)
	r, err := recipe.New("crash", trigger.Trigger[crashEvent](countingPoller{}), recipe.Concurrency(crashConcurrency),
		recipe.Do("first", first, recipe.Pills{"event": `"e" + to_s(trigger.n)`, "step": `"first"`}),
		recipe.Do("middle", middle, recipe.Pills{"event": `first.event`, "step": `"middle"`}),
		recipe.Do("last", last, recipe.Pills{"event": `middle.event`, "step": `"last"`}),
	)
	if err != nil {
		return err
	}
	return runCrashChild(ctx, dir, r, func() {
		mu.Lock()
		out.WriteString("DONE\n")
		out.Flush()
		mu.Unlock()
	})
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(jiraCrashEnv); dir != "" {
		if err := jiraCrashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	if dir := os.Getenv(checkedCrashEnv); dir != "" {
		if err := checkedCrashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	if dir := os.Getenv(crashEnv); dir != "" {
		if err := crashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild re-runs this test binary as the crash child. It returns a
// channel that receives one value per side effect, and closes when the
// child's output ends; done reports whether the child said DONE.
func startChild(t *testing.T, dir string) (*exec.Cmd, <-chan struct{}, *bool) {
	t.Helper()
	return startChildOf(t, crashEnv, dir)
}

// startChildOf is startChild for the child that env (set to dir) selects.
func startChildOf(t *testing.T, env, dir string) (*exec.Cmd, <-chan struct{}, *bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	effects := make(chan struct{}, 1024)
	done := new(bool)
	go func() {
		defer close(effects)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			switch sc.Text() {
			case "effect":
				effects <- struct{}{}
			case "DONE":
				*done = true
			}
		}
	}()
	t.Cleanup(func() {
		if stderr.Len() > 0 {
			t.Logf("child stderr: %s", stderr.String())
		}
	})
	return cmd, effects, done
}

func TestCrashSafetyUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	rng := crashRand(t, 0)

	// 0 side effects to wait for kills at start-up.
	killRepeatedly(t, crashEnv, dir, crashKills, func() int { return rng.IntN(160) })
	kills := crashKills

	jobs := crashJobs(t, dir, "crash")
	perEvent := map[string]int{}
	for _, j := range jobs {
		perEvent[j.Event.ID]++
	}
	lost, dup := 0, 0
	for i := range crashEvents {
		switch perEvent[fmt.Sprintf("e%d", i)] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	if lost != 0 || dup != 0 || len(jobs) != crashEvents {
		t.Fatalf("%d jobs for %d events: %d events lost, %d with several jobs", len(jobs), crashEvents, lost, dup)
	}

	raw, err := os.ReadFile(filepath.Join(dir, "effects"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		counts[line]++
	}
	extra := 0
	for i := range crashEvents {
		for _, step := range []string{"first", "last"} {
			n := counts[fmt.Sprintf("e%d %s", i, step)]
			if n == 0 {
				t.Errorf("step %s of e%d never ran", step, i)
			}
			if n > 1 {
				extra += n - 1
			}
		}
	}
	// Each kill interrupts at most one step per in-flight job; such a step
	// may run once more after the restart.
	if extra > kills*crashConcurrency {
		t.Errorf("non-idempotent steps ran %d extra times over %d kills (at most %d allowed)", extra, kills, kills*crashConcurrency)
	}
	t.Logf("%d kills, %d jobs, %d repeated non-idempotent step runs", kills, len(jobs), extra)
}
