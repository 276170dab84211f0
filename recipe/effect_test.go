package recipe_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// effectLog records the Effect every attempt of an action saw.
type effectLog struct {
	mu   sync.Mutex
	seen []seenEffect
}

type seenEffect struct {
	text   string
	effect action.Effect
	ok     bool
}

func (l *effectLog) add(ctx context.Context, text string) {
	e, ok := action.EffectOf(ctx)
	l.mu.Lock()
	l.seen = append(l.seen, seenEffect{text, e, ok})
	l.mu.Unlock()
}

func (l *effectLog) all() []seenEffect {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]seenEffect(nil), l.seen...)
}

func TestEffectKeyIsStablePerStepRunAndDistinctAcrossRuns(t *testing.T) {
	var log, idem effectLog
	failed := map[string]bool{}
	write := recipetest.NewAction("write", func(ctx context.Context, in note) (note, error) {
		log.add(ctx, in.Text)
		if in.Text == "a" && !failed["a"] {
			failed["a"] = true // the first attempt for "a" ends ambiguously
			return note{}, action.Retryable(errors.New("connection reset"))
		}
		return in, nil
	})
	read := recipetest.NewAction("read", func(ctx context.Context, in note) (note, error) {
		idem.add(ctx, in.Text)
		return in, nil
	}).Idempotent()
	clock := recipetest.NewInstantClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	r := mustNew(t, "effects", recipetest.Data(1),
		recipe.ForEach("each", `["a", "b"]`,
			recipe.Do("write", write, recipe.Pills{"text": `each.item`}, recipe.Retry(action.RetryPolicy{MaxAttempts: 2})),
			recipe.Do("read", read, recipe.Pills{"text": `each.item`}),
		),
	)
	store := recipe.NewMemoryStore()
	eng := recipe.NewEngine(store, recipe.WithClock(clock))
	runOneJob(t, eng, r)
	jobs, err := recipe.CollectJobs(store.Jobs(context.Background(), recipe.JobQuery{Recipe: "effects"}))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %d, %v", len(jobs), err)
	}
	job := jobs[0]
	seen := log.all()
	if len(seen) != 3 {
		t.Fatalf("write ran %d times, want 3 (a twice, b once): %+v", len(seen), seen)
	}
	a1, a2, b := seen[0], seen[1], seen[2]
	if !a1.ok || !a2.ok || !b.ok {
		t.Fatalf("a non-idempotent action ran without an effect in its context: %+v", seen)
	}
	if a1.effect.Key != a2.effect.Key {
		t.Errorf("the retry of one step run got a new key: %q then %q", a1.effect.Key, a2.effect.Key)
	}
	if a1.effect.Key == b.effect.Key {
		t.Errorf("two loop iterations share the key %q", b.effect.Key)
	}
	if want := recipe.EffectKey("effects", job.ID, "write", 0); a1.effect.Key != want {
		t.Errorf("key = %q, want recipe.EffectKey(recipe, job, step, 0) = %q", a1.effect.Key, want)
	}
	if want := recipe.EffectKey("effects", job.ID, "write", 1); b.effect.Key != want {
		t.Errorf("key of the second iteration = %q, want %q", b.effect.Key, want)
	}
	if a1.effect.MayExist || a1.effect.Attempt != 1 || b.effect.MayExist {
		t.Errorf("a first attempt is marked as possibly done: %+v, %+v", a1.effect, b.effect)
	}
	if !a2.effect.MayExist || a2.effect.Attempt != 2 {
		t.Errorf("the retry after a failed attempt is not marked MayExist: %+v", a2.effect)
	}
	if !a2.effect.Since.Equal(a1.effect.Since) || a1.effect.Since.IsZero() {
		t.Errorf("Since moved between attempts: %v then %v", a1.effect.Since, a2.effect.Since)
	}
	for _, s := range idem.all() {
		if s.ok {
			t.Errorf("an idempotent action got an effect: %+v", s)
		}
	}
}

func TestEffectKeyDerivation(t *testing.T) {
	base := recipe.EffectKey("r", "j", "s")
	distinct := map[string]string{
		"base":        base,
		"recipe":      recipe.EffectKey("r2", "j", "s"),
		"job":         recipe.EffectKey("r", "j2", "s"),
		"step":        recipe.EffectKey("r", "j", "s2"),
		"iteration":   recipe.EffectKey("r", "j", "s", 0),
		"nested":      recipe.EffectKey("r", "j", "s", 0, 0),
		"other iter":  recipe.EffectKey("r", "j", "s", 1),
		"boundary":    recipe.EffectKey("rj", "", "s"),
		"boundary 2":  recipe.EffectKey("r", "js", ""),
		"nested swap": recipe.EffectKey("r", "j", "s", 1, 0),
		"nested 2":    recipe.EffectKey("r", "j", "s", 0, 1),
	}
	seen := map[string]string{}
	for name, k := range distinct {
		if len(k) > 64 || k[:4] != "rk1-" {
			t.Errorf("%s: key %q is not rk1- and at most 64 bytes", name, k)
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		seen[k] = name
	}
	if recipe.EffectKey("r", "j", "s", 3) != recipe.EffectKey("r", "j", "s", 3) {
		t.Error("EffectKey is not deterministic")
	}
	// Keys already written to Jira must be found again after an upgrade:
	// the derivation of rk1- keys never changes.
	for _, v := range []struct {
		key, want string
	}{
		{recipe.EffectKey("comment-each-issue", "job-0001", "comment"), "rk1-7d33b6eb489c72053d9ec7e043cd1c761a8a1aa3"},
		{recipe.EffectKey("r", "j", "s", 0, 2), "rk1-d1ff848d1183f178c6da6617b8ead370da4a10c5"},
		{recipe.EffectKey(strings.Repeat("long", 100), "j", "s", 7), "rk1-d59883f4cf3e975b23b0b43439fb1718c39cb9ec"},
	} {
		if v.key != v.want {
			t.Errorf("key %s, want %s", v.key, v.want)
		}
	}
}

func TestTryRetryReusesTheEffectKeyAndMarksItMayExist(t *testing.T) {
	var log effectLog
	write := recipetest.NewAction("write", func(ctx context.Context, in note) (note, error) {
		log.add(ctx, in.Text)
		return in, nil
	})
	var flakyCalls int
	flaky := recipetest.NewAction("flaky", func(ctx context.Context, in note) (note, error) {
		flakyCalls++
		if flakyCalls == 1 {
			return note{}, action.Retryable(errors.New("503"))
		}
		return in, nil
	}).Idempotent()
	r := mustNew(t, "try", recipetest.Data(1),
		recipe.Try(
			recipe.Do("write", write, recipe.Pills{"text": `"x"`}),
			// The Try block retries, not the step.
			recipe.Do("flaky", flaky, recipe.Pills{}, recipe.Retry(action.RetryPolicy{})),
		).Catch(action.RetryPolicy{MaxAttempts: 2}),
	)
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(recipetest.NewInstantClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))))
	runOneJob(t, eng, r)
	seen := log.all()
	if len(seen) != 2 {
		t.Fatalf("write ran %d times, want 2 (the Try body ran twice)", len(seen))
	}
	if seen[0].effect.Key != seen[1].effect.Key {
		t.Errorf("the Try retry gave the step a new key: %q then %q", seen[0].effect.Key, seen[1].effect.Key)
	}
	if seen[0].effect.MayExist || !seen[1].effect.MayExist {
		t.Errorf("MayExist = %v then %v, want false then true", seen[0].effect.MayExist, seen[1].effect.MayExist)
	}
	if seen[1].effect.Since.After(seen[0].effect.Since) {
		t.Errorf("Since of the second pass (%v) is after the first pass began (%v)", seen[1].effect.Since, seen[0].effect.Since)
	}
}

func TestResumedStepSeesItsEffectMayExist(t *testing.T) {
	store := recipe.NewMemoryStore()
	var log effectLog
	entered := make(chan struct{}, 10)
	var mu sync.Mutex
	block := true
	write := recipetest.NewAction("write", func(ctx context.Context, in note) (note, error) {
		log.add(ctx, in.Text)
		mu.Lock()
		b := block
		mu.Unlock()
		if b {
			entered <- struct{}{}
			<-ctx.Done() // interrupted mid-step: the change may have landed
			return note{}, ctx.Err()
		}
		return in, nil
	})
	r := mustNew(t, "resume-effect", recipetest.Data(1),
		recipe.Do("write", write, recipe.Pills{"text": `"x"`}),
	)
	pending := stopInStep(t, store, r, entered)
	mu.Lock()
	block = false
	mu.Unlock()
	eng2 := recipe.NewEngine(store)
	runOneJob(t, eng2, r)
	seen := log.all()
	if len(seen) != 2 {
		t.Fatalf("write ran %d times, want 2", len(seen))
	}
	first, resumed := seen[0].effect, seen[1].effect
	if first.MayExist {
		t.Errorf("the first run is marked MayExist")
	}
	if resumed.Key != first.Key || !resumed.MayExist {
		t.Errorf("resumed effect = %+v, want the key %q marked MayExist", resumed, first.Key)
	}
	if !resumed.Since.Equal(pending[0].Created) {
		t.Errorf("resumed Since = %v, want the job's creation %v", resumed.Since, pending[0].Created)
	}
}

// runOneJob adds r to eng and runs it once: it must run one job, which
// succeeds.
func runOneJob(t *testing.T, eng *recipe.Engine, r *recipe.Recipe) {
	t.Helper()
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if sum, err := eng.RunOnce(context.Background()); err != nil || sum.Jobs[recipe.JobSucceeded] != 1 {
		t.Fatalf("RunOnce = %+v, %v; want one job that succeeded", sum, err)
	}
}
