package recipe_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type textIn struct {
	Text string `expr:"text"`
}

type ticket struct {
	Title string `expr:"title"`
}

func shout(s string) string { return strings.ToUpper(s) + "!" }

func TestFuncIsCallableFromPills(t *testing.T) {
	got := recipetest.NewAction("note", func(ctx context.Context, in textIn) (struct{}, error) { return struct{}{}, nil })
	r, err := recipe.New("funcs", recipetest.Data(ticket{Title: "printer on fire"}, ticket{Title: "bad"}),
		recipe.Func("shout", shout),
		recipe.Func("checked", func(s string) (string, error) {
			if s == "bad" {
				return "", errors.New("refusing bad input")
			}
			return s, nil
		}),
		recipe.Func("join_all", func(sep string, parts ...string) string { return strings.Join(parts, sep) }),
		recipe.Do("note", got, recipe.Pills{"text": `join_all(" / ", shout(checked(trigger.title)), "x")`}),
	)
	if err != nil {
		t.Fatal(err)
	}
	res := recipetest.Run(t, r, nil)
	calls := got.Calls()
	if len(calls) != 1 || calls[0].Text != "PRINTER ON FIRE! / x" {
		t.Fatalf("calls = %+v", calls)
	}
	if len(res.Jobs) != 2 {
		t.Fatalf("jobs = %d", len(res.Jobs))
	}
	var failed bool
	for _, j := range res.Jobs {
		if j.Error != "" && strings.Contains(j.Error, "refusing bad input") {
			failed = true
		}
	}
	if !failed {
		t.Errorf("the function's error did not fail its job: %+v", res.Jobs)
	}
}

func TestFuncBuildErrors(t *testing.T) {
	act := recipetest.NewAction("note", func(ctx context.Context, in textIn) (struct{}, error) { return struct{}{}, nil })
	trig := recipetest.Data(ticket{})
	for _, c := range []struct {
		name  string
		parts []recipe.Part
		want  string
	}{
		{"not a function", []recipe.Part{recipe.Func("f", 42)}, "want a Go function, got int"},
		{"no result", []recipe.Part{recipe.Func("f", func(string) {})}, "must return a value"},
		{"second result not error", []recipe.Part{recipe.Func("f", func(string) (string, int) { return "", 0 })}, "second result must be an error"},
		{"bad name", []recipe.Part{recipe.Func("1x", shout)}, "must be an identifier"},
		{"helper name", []recipe.Part{recipe.Func("upcase", shout)}, "already a name pills use"},
		{"reserved name", []recipe.Part{recipe.Func("trigger", shout)}, "already a name pills use"},
		{"step name", []recipe.Part{recipe.Func("note", shout), recipe.Do("note", act, recipe.Pills{"text": `"x"`})}, "same name"},
		{"wrong argument type", []recipe.Part{recipe.Func("shout", shout), recipe.Do("note", act, recipe.Pills{"text": `shout(42)`})}, "shout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := recipe.New("funcs", trig, c.parts...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
