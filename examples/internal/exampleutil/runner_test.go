package exampleutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type numbered struct {
	N int `expr:"n"`
}

type noteIn struct {
	N int `expr:"n"`
}

// numbersRecipe emits n = 1..count and fails the job for n = bad (0: none).
func numbersRecipe(t *testing.T, count, bad int) (*recipe.Recipe, *recipetest.Action[noteIn, string]) {
	t.Helper()
	var events []numbered
	for i := 1; i <= count; i++ {
		events = append(events, numbered{N: i})
	}
	act := recipetest.NewAction("note", func(_ context.Context, in noteIn) (string, error) {
		if in.N == bad {
			return "", action.Permanent(fmt.Errorf("number %d is refused", in.N))
		}
		return "ok", nil
	})
	trig := recipetest.Data(events...)
	trig.Interval = 10 * time.Millisecond
	r, err := recipe.New("numbers", trig, recipe.Do("note", act, recipe.Pills{"n": `trigger.n`}))
	if err != nil {
		t.Fatal(err)
	}
	return r, act
}

func newTestRunner(t *testing.T, out *bytes.Buffer) *Runner {
	t.Helper()
	cfg := Config{Stdout: out, Flags: Flags{Store: filepath.Join(t.TempDir(), "runner.db")}}
	rn, err := NewRunner(context.Background(), "runner", cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rn.Close)
	return rn
}

func TestRunnerRunOnceReportsFailures(t *testing.T) {
	var out bytes.Buffer
	rn := newTestRunner(t, &out)
	if !strings.HasSuffix(rn.StorePath, "runner.db") {
		t.Errorf("store path %q", rn.StorePath)
	}
	r, act := numbersRecipe(t, 3, 2)
	if err := rn.Add(r); err != nil {
		t.Fatal(err)
	}
	if err := rn.Add(r); err == nil {
		t.Error("adding a recipe twice should be an error")
	}
	err := rn.RunOnce(context.Background())
	if !errors.Is(err, ErrJobsFailed) {
		t.Fatalf("err = %v, want ErrJobsFailed\n%s", err, out.String())
	}
	if len(act.Calls()) != 3 {
		t.Errorf("%d calls, want 3", len(act.Calls()))
	}
	got := out.String()
	for _, want := range []string{"summary: 3 jobs: 2 succeeded, 1 failed\n", "  failed: ", "number 2 is refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunnerRunOnceSucceeds(t *testing.T) {
	var out bytes.Buffer
	rn := newTestRunner(t, &out)
	r, _ := numbersRecipe(t, 2, 0)
	if err := rn.Add(r); err != nil {
		t.Fatal(err)
	}
	if err := rn.RunOnce(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "summary: 2 jobs: 2 succeeded\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestRunnerStartAndStop(t *testing.T) {
	var out bytes.Buffer
	rn := newTestRunner(t, &out)
	r, act := numbersRecipe(t, 2, 0)
	if err := rn.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stop := rn.Start(ctx)
	if err := rn.Reporter.WaitFinished(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	if len(act.Calls()) != 2 {
		t.Errorf("%d calls, want 2", len(act.Calls()))
	}
}

type ctxKey struct{}

func TestServeHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "carried"))
	shutdown := ServeHTTP(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request outlives the cancelled parent but keeps its values.
		if r.Context().Err() != nil {
			http.Error(w, "request context cancelled", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, r.Context().Value(ctxKey{}))
	}))
	cancel()
	url := "http://" + ln.Addr().String() + "/"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || body.String() != "carried" {
		t.Errorf("got %d %q", resp.StatusCode, body.String())
	}
	shutdown()
	shutdown() // a second call is harmless
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(url); err == nil {
		resp.Body.Close()
		t.Error("the server still answers after shutdown")
	}
}
