package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type number struct {
	N int `expr:"n"`
}

// numbersEngine is an engine with one recipe that calls its action once
// for each of n = 1..3.
func numbersEngine(t *testing.T, out *bytes.Buffer) (*recipe.Engine, *Reporter, *recipetest.Action[number, string]) {
	t.Helper()
	act := recipetest.NewAction("note", func(_ context.Context, in number) (string, error) { return "ok", nil })
	trig := recipetest.Data(number{1}, number{2}, number{3})
	trig.Interval = 10 * time.Millisecond
	r, err := recipe.New("numbers", trig, recipe.Do("note", act, recipe.Pills{"n": `trigger.n`}))
	if err != nil {
		t.Fatal(err)
	}
	store := recipe.NewMemoryStore()
	rep := newReporter(out, false, store)
	eng := recipe.NewEngine(store, recipe.WithHooks(rep))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	return eng, rep, act
}

func TestPlayRunsTheEngineUntilTheSceneIsOver(t *testing.T) {
	for _, once := range []bool{false, true} {
		var out bytes.Buffer
		eng, rep, act := numbersEngine(t, &out)
		var did atomic.Int32
		shown := false
		sc := Scene{
			Intro: "the numbers scene",
			Beats: []Beat{
				{After: time.Hour, Do: func(context.Context) (string, error) { did.Add(1); return "someone acts", nil }},
				{What: "every number is noted", Until: func() bool { return len(act.Calls()) == 3 }},
			},
			Show: func(rep *Reporter) { shown = true; rep.Printf("the end") },
		}
		failed, err := Play(context.Background(), eng, rep, sc, PlayOptions{Once: once, Fast: true})
		if err != nil || failed != 0 {
			t.Fatalf("once=%v: failed %d, err %v\n%s", once, failed, err, out.String())
		}
		if did.Load() != 1 || !shown || len(act.Calls()) != 3 {
			t.Errorf("once=%v: beat ran %d times, shown %v, %d calls", once, did.Load(), shown, len(act.Calls()))
		}
		for _, want := range []string{"the numbers scene\n", "  · someone acts\n", "summary: 3 jobs: 3 succeeded\n", "the end\n"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("once=%v: output lacks %q:\n%s", once, want, out.String())
			}
		}
	}
}

func TestPlayOnceSaysWhatNeverHappened(t *testing.T) {
	var out bytes.Buffer
	eng, rep, _ := numbersEngine(t, &out)
	sc := Scene{Beats: []Beat{{What: "pigs fly", Until: func() bool { return false }}}}
	_, err := Play(context.Background(), eng, rep, sc, PlayOptions{Once: true, Fast: true})
	if err == nil || !strings.Contains(err.Error(), "pigs fly") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlayStopsWaitingWhenTheEngineCannotStart(t *testing.T) {
	eng := recipe.NewEngine(nil) // no store: Run fails at once
	rep := newReporter(&bytes.Buffer{}, false, nil)
	sc := Scene{Beats: []Beat{{What: "pigs fly", Until: func() bool { return false }}}}
	_, err := Play(context.Background(), eng, rep, sc, PlayOptions{Fast: true})
	if err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("err = %v, want the engine's error", err)
	}
}

func TestPauseEndsWithTheContext(t *testing.T) {
	if err := Pause(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Pause(ctx, time.Hour); err == nil {
		t.Error("Pause should end with the context")
	}
}

func TestStartJira(t *testing.T) {
	j, err := StartJira(JiraOptions{Project: "SUP", ProjectName: "Support"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Sim.CreateIssueAs(j.ID(j.People.Alice), jiratest.IssueSeed{Project: "SUP", Summary: "x"}); err != nil || j.Project != "SUP" {
		t.Fatalf("project SUP not created: %v", err)
	}
	path, err := j.StorePath("x")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("the temporary store's directory is left behind: %v", err)
	}
	if _, err := StartJira(JiraOptions{Project: "bad key!"}); err == nil || !strings.Contains(err.Error(), "JIRA_PROJECT") {
		t.Errorf("a bad project key: err = %v", err)
	}
}

func TestPlayInterruptedStopsCleanly(t *testing.T) {
	var out bytes.Buffer
	eng, rep, _ := numbersEngine(t, &out)
	ctx, cancel := context.WithCancel(context.Background())
	sc := Scene{Beats: []Beat{
		{Do: func(context.Context) (string, error) { cancel(); return "someone presses Ctrl-C", nil }},
		{What: "pigs fly", Until: func() bool { return false }},
	}}
	if _, err := Play(ctx, eng, rep, sc, PlayOptions{Fast: true}); err != nil {
		t.Fatalf("an interrupted scene should end without an error: %v", err)
	}
	if !strings.Contains(out.String(), "Interrupted") || !strings.Contains(out.String(), "summary:") {
		t.Errorf("output:\n%s", out.String())
	}
}
