package action

import (
	"context"
	"regexp"
	"testing"
	"time"
)

func TestEffectContext(t *testing.T) {
	ctx := context.Background()
	if e, ok := EffectOf(ctx); ok || e != (Effect{}) {
		t.Errorf("EffectOf(empty context) = %+v, %v; want none", e, ok)
	}
	if k := EffectKey(ctx); k != "" {
		t.Errorf("EffectKey(empty context) = %q", k)
	}
	if _, ok := EffectOf(WithEffect(ctx, Effect{Attempt: 2})); ok {
		t.Error("an Effect without a key counts as carried")
	}
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := Effect{Key: "rk1-abc", Attempt: 3, MayExist: true, Since: since}
	got, ok := EffectOf(WithEffect(ctx, want))
	if !ok || got != want {
		t.Errorf("EffectOf(WithEffect(%+v)) = %+v, %v", want, got, ok)
	}
	if k := EffectKey(WithEffect(ctx, want)); k != "rk1-abc" {
		t.Errorf("EffectKey = %q", k)
	}
	if e := EffectOrNew(WithEffect(ctx, want), time.Now()); e != want {
		t.Errorf("EffectOrNew with an effect in the context = %+v, want it unchanged", e)
	}
}

func TestEffectOrNewMakesAFreshKeyPerRun(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, b := EffectOrNew(context.Background(), now), EffectOrNew(context.Background(), now)
	shape := regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	for _, e := range []Effect{a, b} {
		if !shape.MatchString(e.Key) || e.Attempt != 1 || e.MayExist || !e.Since.Equal(now) {
			t.Errorf("EffectOrNew = %+v; want a key of letters, digits and '-', attempt 1, Since = now", e)
		}
	}
	if a.Key == b.Key {
		t.Errorf("two runs outside a recipe got the same key %q", a.Key)
	}
}

func TestInfoRepeatable(t *testing.T) {
	for _, tt := range []struct {
		info Info
		want bool
	}{
		{Info{}, false},
		{Info{Idempotent: true}, true},
		{Info{EffectChecked: true}, true},
	} {
		if got := tt.info.Repeatable(); got != tt.want {
			t.Errorf("%+v.Repeatable() = %v, want %v", tt.info, got, tt.want)
		}
	}
}
