package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

// Part is anything that goes into [New] after the trigger: steps ([Do],
// [If], [ForEach], [RepeatWhile], [Try], [Stop], [Fail], [Var], [Set],
// [Append]), the trigger condition [When], and the recipe's settings
// ([Concurrency], [InOrder], [MaxPillNodes], [PillMemoryBudget],
// [StepRetry], [JobRetry]).
//
// Every setting of a recipe is written the same way: a call placed among
// the things it configures. Recipe settings go among New's parts, step
// settings ([Retry], [Timeout]) after a Do step's pills, and a loop's cap
// ([MaxIterations]) among its RepeatWhile's steps. The engine's options
// ([Option]) go to [NewEngine].
type Part interface {
	applyTo(b *builder)
}

// Pills maps an action's input fields to expressions. Keys are the input
// field names as pills spell them (the `expr` struct tag, else the Go field
// name); a dotted key ("fields.summary") fills a nested field. Values are
// expr-lang expressions over `trigger`, earlier steps' outputs by step name,
// `vars`, the loop's `item` and `index`, and `error` inside a Catch.
type Pills map[string]string

// Settings are a recipe's settings as [New] built them, defaults applied;
// [Recipe.Settings] returns them. Set them with the setting parts
// [Concurrency], [InOrder], [MaxPillNodes], [PillMemoryBudget], [StepRetry]
// and [JobRetry].
type Settings struct {
	// Concurrency is how many of the recipe's jobs run at once. Default 1.
	Concurrency int
	// InOrder runs the recipe's jobs one at a time in the order their
	// events were accepted, whatever Concurrency says.
	InOrder bool
	// MaxPillNodes caps the size of each pill (expr syntax-tree nodes),
	// checked when the recipe is built. Default 1,000.
	MaxPillNodes uint
	// PillMemoryBudget caps what one pill evaluation may allocate (expr
	// memory units, roughly one per element of a built list or map).
	// Default 1,000,000.
	PillMemoryBudget uint
	// StepRetry is how the recipe's action steps retry a failed action,
	// unless a step sets its own with [Retry]. Default [DefaultStepRetry].
	StepRetry action.RetryPolicy
	// JobRetry is when a job that failed with a retryable error runs
	// again. Default [DefaultJobRetry].
	JobRetry action.RetryPolicy
}

// defaultSettings are the settings of a recipe given none.
var defaultSettings = Settings{Concurrency: 1, MaxPillNodes: 1000, PillMemoryBudget: 1_000_000,
	StepRetry: DefaultStepRetry(), JobRetry: DefaultJobRetry()}

// settingPart is a recipe setting: it changes one field of the settings.
type settingPart func(s *Settings)

func (f settingPart) applyTo(b *builder) { f(&b.opts) }

// Concurrency sets how many of the recipe's jobs run at once (default 1).
// It must be at least 1.
func Concurrency(n int) Part { return settingPart(func(s *Settings) { s.Concurrency = n }) }

// InOrder makes the recipe run its jobs one at a time, in the order their
// events were accepted, whatever Concurrency says.
func InOrder() Part { return settingPart(func(s *Settings) { s.InOrder = true }) }

// MaxPillNodes caps the size of each of the recipe's pills, in expr
// syntax-tree nodes (default 1,000). A larger pill fails [New]. It must be
// at least 1.
func MaxPillNodes(n uint) Part { return settingPart(func(s *Settings) { s.MaxPillNodes = n }) }

// PillMemoryBudget caps what one evaluation of a pill may allocate, in expr
// memory units, roughly one per element of a list or map it builds
// (default 1,000,000). A pill over budget fails its job. It must be at
// least 1.
func PillMemoryBudget(n uint) Part { return settingPart(func(s *Settings) { s.PillMemoryBudget = n }) }

type whenPart struct{ cond string }

func (w whenPart) applyTo(b *builder) { b.when = append(b.when, w.cond) }

// When adds a trigger condition: an expression over `trigger` that must be
// true for an event to become a job. Events for which it is false are
// dropped before any job exists (they are counted as skipped and marked in
// the dedup ledger). Several When parts must all hold.
func When(condition string) Part { return whenPart{cond: condition} }

type builder struct {
	opts  Settings
	when  []string
	steps []Step
	funcs []funcPart
}

// Recipe is a built recipe: a trigger, a condition and compiled steps. It
// is immutable and may be added to several engines.
type Recipe struct {
	name    string
	src     source
	opts    Settings
	when    []*vm.Program
	whenSrc []string // the text of each When condition, for skip reasons
	steps   []node
	env     *envLayout
	actions int // action steps, a hint for sizing job records

	stepActions []StepAction
	tel         *jobAttrs
}

// Name returns the recipe's name.
func (r *Recipe) Name() string { return r.name }

// Trigger returns the recipe's trigger's description.
func (r *Recipe) Trigger() trigger.Info { return r.src.info() }

// StepAction names an action step of a recipe and the action it runs.
type StepAction struct {
	// Step is the step's name.
	Step string
	// Action is the action's metadata, with the permissions it needs.
	Action action.Info
}

// Actions lists every action step of the recipe, in the order they appear
// (steps inside If, ForEach, RepeatWhile and Try blocks included), so tools
// can tell what a recipe needs (its permissions) before it runs.
func (r *Recipe) Actions() []StepAction { return slices.Clone(r.stepActions) }

// Settings returns the recipe's settings with defaults applied.
func (r *Recipe) Settings() Settings { return r.opts }

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var recipeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// New builds a recipe from a trigger and its parts, compiling every pill and
// condition once. Every problem found (a syntax error, an unknown field or
// step, a reference to a later step, a pill whose type does not fit its
// input field, a duplicate name) is reported, each as a *[BuildError]
// joined into the returned error.
//
// The name identifies the recipe in the store and in the webhook URL; it
// may contain letters, digits, '.', '_' and '-'. Step, loop and variable
// names must be identifiers, unique within the recipe, and must not be one
// of the reserved names (trigger, vars, item, index, error, now and the
// helper functions). A step named like one of expr's builtins (first, last,
// count, ...) hides that builtin from the recipe's pills.
func New[T any](name string, trig trigger.Trigger[T], parts ...Part) (*Recipe, error) {
	if !recipeNameRE.MatchString(name) {
		return nil, &BuildError{Recipe: name, Problem: "the recipe name must start with a letter or digit and contain only letters, digits, '.', '_' and '-'"}
	}
	if trig == nil {
		return nil, &BuildError{Recipe: name, Problem: "the trigger is nil"}
	}
	if v, ok := trig.(trigger.Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, &BuildError{Recipe: name, Field: "trigger", Problem: "the trigger " + trig.Info().Name + " is misconfigured: " + err.Error()}
		}
	}
	b := &builder{opts: defaultSettings}
	for _, p := range parts {
		if p == nil {
			return nil, &BuildError{Recipe: name, Problem: "a part is nil"}
		}
		p.applyTo(b)
	}
	if b.opts.Concurrency < 1 {
		return nil, &BuildError{Recipe: name, Problem: fmt.Sprintf("Concurrency must be at least 1, not %d", b.opts.Concurrency)}
	}
	if b.opts.MaxPillNodes < 1 {
		return nil, &BuildError{Recipe: name, Problem: "MaxPillNodes must be at least 1: leave it out for the default of 1,000"}
	}
	if b.opts.PillMemoryBudget < 1 {
		return nil, &BuildError{Recipe: name, Problem: "PillMemoryBudget must be at least 1: leave it out for the default of 1,000,000"}
	}
	if err := b.opts.StepRetry.Validate(); err != nil {
		return nil, &BuildError{Recipe: name, Problem: "StepRetry: " + err.Error()}
	}
	if err := b.opts.JobRetry.Validate(); err != nil {
		return nil, &BuildError{Recipe: name, Problem: "JobRetry: " + err.Error()}
	}
	if b.opts.InOrder {
		b.opts.Concurrency = 1
	}
	src := newSource(trig)
	c := newCompiler(name, src.dataType(), b.opts)
	for _, f := range b.funcs {
		opt, err := f.option()
		if err != nil {
			return nil, &BuildError{Recipe: name, Problem: err.Error()}
		}
		c.funcs = append(c.funcs, opt)
		c.funcNames = append(c.funcNames, f.name)
	}
	r, err := c.build(b)
	if err != nil {
		return nil, err
	}
	r.src = src
	return r, nil
}

// source hides the trigger's type parameter from the engine.
type source interface {
	info() trigger.Info
	dataType() reflect.Type
	// poll polls the trigger, or for a trigger.Timed asks it what is due
	// at now.
	poll(ctx context.Context, cursor trigger.Cursor, now time.Time) (rawPage, error)
	// convert checks that data handed to Engine.Trigger fits the
	// trigger's type: a value of that type, JSON, or nil for its zero value.
	convert(data any) (any, error)
	decode(data json.RawMessage) (any, error)
	// encode returns the record of an event's data: raw, the JSON the
	// trigger read it from, when there is one and the type holds no
	// secrets, else data encoded into buf.
	encode(buf *recordBuf, data any, raw json.RawMessage) (json.RawMessage, error)
	set(env reflect.Value, field int, data any)
	webhook() webhookSource
}

type rawEvent struct {
	ID   string
	Time time.Time
	Data any
	// Raw is Data's JSON as the trigger read it, or nil (trigger.Event.Raw).
	Raw json.RawMessage
}

type rawPage struct {
	Events  []rawEvent
	Next    trigger.Cursor
	More    bool
	Backlog int64
	// NextDue is when a timed trigger's next event falls due; zero for
	// other triggers.
	NextDue time.Time
}
