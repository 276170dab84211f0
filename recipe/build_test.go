package recipe_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

func TestBuildErrors(t *testing.T) {
	trig := recipetest.Data(sampleIssues()...)
	add := echoComment()
	cases := []struct {
		name  string
		parts []recipe.Part
		want  []string // substrings of the error
	}{
		{"typo in a trigger field", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"issueKey": `trigger.kye`}),
		}, []string{`recipe "r"`, `step "ack"`, `field "issueKey"`, "has no field kye", "column 9"}},
		{"wrong type", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"count": `trigger.key`}),
		}, []string{`step "ack"`, `field "count"`, "yields string", "int", "to_i"}},
		{"later step", []recipe.Part{
			recipe.Do("first", add, recipe.Pills{"body": `second.body`}),
			recipe.Do("second", add, recipe.Pills{"issueKey": `trigger.key`}),
		}, []string{`step "first"`, `field "body"`, `step "second" has not run yet`}},
		{"own output", []recipe.Part{
			recipe.Do("greet", add, recipe.Pills{"body": `greet.body`}),
		}, []string{`step "greet"`, `field "body"`, `step "greet" has not run yet`}},
		{"unknown step", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `nosuch.body`}),
		}, []string{`step "ack"`, `field "body"`, "unknown name nosuch"}},
		{"bad syntax", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `"Thanks " + `}),
		}, []string{`step "ack"`, `field "body"`, "pill line 1"}},
		{"unknown input field", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"isueKey": `trigger.key`}),
		}, []string{`step "ack"`, `field "isueKey"`, `has no field "isueKey"`, "issueKey, body"}},
		{"unknown nested input field", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"meta.visiblity": `"x"`}),
		}, []string{`step "ack"`, `field "meta.visiblity"`, `no field "visiblity"`}},
		{"nested field of a non-struct", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body.x": `"x"`}),
		}, []string{`field "body.x"`, "not a struct"}},
		{"list where a string goes", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `trigger.fields.labels`}),
		}, []string{`field "body"`, "[]string"}},
		{"string where a list goes", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"tags": `trigger.key`}),
		}, []string{`field "tags"`, "wrap it in a list"}},
		{"helper with wrong argument type", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `upcase(trigger.id)`}),
		}, []string{`field "body"`, "upcase"}},
		{"condition not bool", []recipe.Part{
			recipe.If(`trigger.key`, recipe.Do("ack", add, recipe.Pills{})),
		}, []string{`step "If#1"`, `field "condition"`, "true or false"}},
		{"when typo", []recipe.Part{
			recipe.When(`trigger.fields.sumary != ""`),
		}, []string{`recipe "r"`, `field "when"`, "has no field sumary"}},
		{"item outside a loop", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `item`}),
		}, []string{`step "ack"`, "only defined inside ForEach"}},
		{"error outside catch", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `error.message`}),
		}, []string{`step "ack"`, "only defined inside a Catch"}},
		{"variable used before its Var", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"count": `vars.n`}),
			recipe.Var[int]("n", `1`),
		}, []string{`step "ack"`, `variable "n" is declared by a Var step that comes later`}},
		{"set unknown variable", []recipe.Part{
			recipe.Set("n", `1`),
		}, []string{`no variable "n"`, "Var[T]"}},
		{"set with wrong type", []recipe.Part{
			recipe.Var[int]("n", `0`), recipe.Set("n", `"x"`),
		}, []string{`Set#2(n)`, "does not fit int"}},
		{"append to a scalar", []recipe.Part{
			recipe.Var[int]("n", `0`), recipe.Append("n", `1`),
		}, []string{"Append needs a list variable"}},
		{"duplicate step name", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{}), recipe.Do("ack", add, recipe.Pills{}),
		}, []string{`step name "ack" is used twice`}},
		{"reserved step name", []recipe.Part{
			recipe.Do("trigger", add, recipe.Pills{}),
		}, []string{`"trigger" is reserved`}},
		{"helper name as step name", []recipe.Part{
			recipe.Do("upcase", add, recipe.Pills{}),
		}, []string{`"upcase" is reserved`}},
		{"step name not an identifier", []recipe.Part{
			recipe.Do("add comment", add, recipe.Pills{}),
		}, []string{"is not an identifier"}},
		{"ForEach over a string", []recipe.Part{
			recipe.ForEach("each", `trigger.key`),
		}, []string{`step "each"`, `field "list"`, "needs a list"}},
		{"inner loop item typo", []recipe.Part{
			recipe.ForEach("outer", `trigger.fields.subtasks`,
				recipe.ForEach("inner", `item.fields.labels`,
					recipe.Do("ack", add, recipe.Pills{"body": `outer.item.kee`}))),
		}, []string{`step "ack"`, "has no field kee"}},
		{"Try without Catch", []recipe.Part{
			recipe.Try(recipe.Do("ack", add, recipe.Pills{})),
		}, []string{"Try needs a Catch"}},
		{"ElseIf after Else", []recipe.Part{
			recipe.If(`true`).Else().ElseIf(`false`),
		}, []string{"ElseIf after Else"}},
		{"MaxIterations outside RepeatWhile", []recipe.Part{
			recipe.MaxIterations(3),
		}, []string{"belongs directly inside RepeatWhile"}},
		{"too large a pill", []recipe.Part{
			recipe.MaxPillNodes(5),
			recipe.Do("ack", add, recipe.Pills{"body": `trigger.key + trigger.key + trigger.key + trigger.key`}),
		}, []string{`field "body"`, "exceeds maximum allowed nodes"}},
		{"zero concurrency", []recipe.Part{recipe.Concurrency(0)}, []string{"Concurrency must be at least 1, not 0"}},
		{"zero pill size cap", []recipe.Part{recipe.MaxPillNodes(0)}, []string{"MaxPillNodes must be at least 1"}},
		{"zero pill memory budget", []recipe.Part{recipe.PillMemoryBudget(0)}, []string{"PillMemoryBudget must be at least 1"}},
		{"empty pill", []recipe.Part{
			recipe.Do("ack", add, recipe.Pills{"body": `  `}),
		}, []string{`field "body"`, "empty"}},
		{"stop message not a string", []recipe.Part{
			recipe.Stop(`trigger.fields.labels`),
		}, []string{`step "Stop#1"`, `field "message"`, "to_s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recipe.New("r", trig, tc.parts...)
			if err == nil {
				t.Fatal("recipe built, want an error")
			}
			var be *recipe.BuildError
			if !errors.As(err, &be) {
				t.Fatalf("error %T is not a *recipe.BuildError: %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	add := echoComment()
	_, err := recipe.New("r", recipetest.Data(sampleIssues()...),
		recipe.Do("a", add, recipe.Pills{"issueKey": `trigger.nope`}),
		recipe.Do("b", add, recipe.Pills{"body": `1 +`}),
	)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, w := range []string{`step "a"`, `step "b"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %s: %v", w, err)
		}
	}
}

func TestBuildAcceptsValidRecipe(t *testing.T) {
	add := echoComment()
	_, err := recipe.New("valid", recipetest.Data(sampleIssues()...),
		recipe.When(`trigger.fields.summary != ""`),
		recipe.Var[[]string]("seen", ``),
		recipe.Do("ack", add, recipe.Pills{
			"issueKey":        `trigger.key`,
			"body":            `"Thanks! " + trigger.key + " is queued."`,
			"count":           `len(trigger.fields.labels)`,
			"tags":            `trigger.fields.labels`,
			"meta.visibility": `trigger.fields.priority?.name ?? "none"`,
			"meta.props":      `{"a": "b"}`,
			"token":           `"tok"`,
		}),
		recipe.If(`ack.id != ""`, recipe.Append("seen", `ack.id`)).Else(recipe.Stop(`"no id"`)),
		recipe.Try(recipe.Do("t", add, recipe.Pills{"body": `to_s(trigger.fields.points)`})).
			Catch(action.RetryPolicy{MaxAttempts: 2}, recipe.Do("c", add, recipe.Pills{"body": `error.message`})),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// Editors count lines and columns from 1: a user who reads "line 2, column
// 11" must land on the first letter of the typo, and the caret under the
// snippet must point at it too.
func TestBuildErrorColumnsCountFromOne(t *testing.T) {
	cases := []struct {
		name       string
		pill       string
		line, col  int
		caretAbove string // the snippet line the caret points into
	}{
		{"first line", `trigger.kye`, 1, 9, "trigger.kye"},
		{"second line", "trigger.key +\n  trigger.nope", 2, 11, "  trigger.nope"},
		{"multibyte characters count once", `"é→" + trigger.kye`, 1, 16, `"é→" + trigger.kye`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recipe.New("r", recipetest.Data(sampleIssues()...),
				recipe.Do("ack", echoComment(), recipe.Pills{"body": tc.pill}))
			var be *recipe.BuildError
			if !errors.As(err, &be) {
				t.Fatalf("want a *recipe.BuildError, got %v", err)
			}
			if be.Line != tc.line || be.Column != tc.col {
				t.Fatalf("error at line %d, column %d; want line %d, column %d:\n%v", be.Line, be.Column, tc.line, tc.col, err)
			}
			msg := err.Error()
			if want := "column " + strconv.Itoa(tc.col); !strings.Contains(msg, want) {
				t.Errorf("message lacks %q:\n%s", want, msg)
			}
			lines := strings.Split(msg, "\n")
			last := lines[len(lines)-1]
			if len(lines) < 3 || lines[len(lines)-2] != " | "+tc.caretAbove {
				t.Fatalf("snippet line wrong:\n%s", msg)
			}
			caret := []rune(strings.TrimPrefix(last, " | "))
			if len(caret) != tc.col || caret[tc.col-1] != '^' {
				t.Errorf("caret line %q does not point at column %d", last, tc.col)
			}
		})
	}
}
