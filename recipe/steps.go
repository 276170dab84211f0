package recipe

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/recipekit/recipekit/action"
)

// Step is one step of a recipe. Build steps with [Do], [If], [ForEach],
// [RepeatWhile], [Try], [Stop], [Fail], [Var], [Set] and [Append].
type Step interface {
	Part
	declare(d *declarer)
	compile(c *compiler, sc *scope) node
}

// node is a compiled step.
type node interface {
	run(x *jobExec) error
}

// StepOption is a setting of one action step ([Retry], [Timeout]). Like
// the recipe's own settings it is a call, placed after the step's pills.
type StepOption interface {
	applyStep(o *stepOptions)
}

type stepOptions struct {
	retry    action.RetryPolicy
	retrySet bool
	timeout  time.Duration
}

type stepOptionFunc func(o *stepOptions)

func (f stepOptionFunc) applyStep(o *stepOptions) { f(o) }

// Retry makes an action step retry its action as the policy says (see
// action.RetryPolicy for each field and its default), instead of the
// recipe's policy ([StepRetry], by default [DefaultStepRetry]); the zero
// policy runs the action once. Retries happen inside the step: the step's
// record counts every attempt in Attempts. An error wrapping
// action.ErrOutcomeUnknown is retried only when the action is repeatable
// (idempotent, or checking its effect by key), and validation errors are
// never retried. A policy with a negative field fails [New].
func Retry(p action.RetryPolicy) StepOption {
	return stepOptionFunc(func(o *stepOptions) { o.retry, o.retrySet = p, true })
}

// Timeout bounds each attempt of an action step; 0 (the default) means no
// bound other than the engine's.
func Timeout(d time.Duration) StepOption {
	return stepOptionFunc(func(o *stepOptions) { o.timeout = d })
}

// ---- Do ----

type doStep[In, Out any] struct {
	name  string
	act   action.Action[In, Out]
	pills Pills
	opts  stepOptions
}

// Do is an action step. The pills fill the action's input: each key names a
// field of In (its `expr` tag, else its Go name; "a.b" for a nested field)
// and each value is an expression whose result must fit that field. The
// step's output, of type Out, is readable by later pills under the step's
// name.
func Do[In, Out any](name string, a action.Action[In, Out], pills Pills, opts ...StepOption) Step {
	s := &doStep[In, Out]{name: name, act: a, pills: pills}
	for _, o := range opts {
		if o != nil {
			o.applyStep(&s.opts)
		}
	}
	return s
}

func (s *doStep[In, Out]) applyTo(b *builder) { b.steps = append(b.steps, s) }

func (s *doStep[In, Out]) declare(d *declarer) {
	d.step(s.name, reflect.TypeFor[Out]())
}

func (s *doStep[In, Out]) compile(c *compiler, sc *scope) node {
	c.ordinal++
	if s.act == nil {
		c.fail(s.name, "", "the action is nil")
		return nil
	}
	info := s.act.Info()
	if s.opts.retrySet {
		if err := s.opts.retry.Validate(); err != nil {
			c.fail(s.name, "", "Retry: "+err.Error())
		}
	}
	c.actions++
	c.infos = append(c.infos, StepAction{Step: s.name, Action: info})
	n := &doNode[In, Out]{
		name:    s.name,
		act:     s.act,
		info:    info,
		actName: strings.Trim(info.Connector+"."+info.Name, "."),
		retry:   c.opts.StepRetry,
		timeout: s.opts.timeout,
		redIn:   redactorFor(reflect.TypeFor[In]()),
		redOut:  redactorFor(reflect.TypeFor[Out]()),
	}
	n.tel = newStepAttrs(c.recipe, n.name, n.actName)
	if s.opts.retrySet {
		n.retry = s.opts.retry
	}
	inT := reflect.TypeFor[In]()
	keys := make([]string, 0, len(s.pills))
	for k := range s.pills {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ok := true
	for _, key := range keys {
		path, ft, err := resolveField(inT, key)
		if err != nil {
			c.fail(s.name, key, err.Error())
			ok = false
			continue
		}
		prog, pt := c.pill(s.name, key, s.pills[key], sc)
		if prog == nil {
			ok = false
			continue
		}
		conv, err := converterFor(pt, ft)
		if err != nil {
			c.errs = append(c.errs, &BuildError{Recipe: c.recipe, Step: s.name, Field: key, Line: 1, Column: 1, Pill: s.pills[key],
				Problem: fmt.Sprintf("the pill yields %s, which does not fit the field's type %s: %v", pt, ft, err)})
			ok = false
			continue
		}
		n.setters = append(n.setters, setter{key: key, prog: prog, path: path, conv: conv})
	}
	sc.visible.add(s.name)
	n.field = c.env.fields[s.name]
	if !ok {
		return nil
	}
	return n
}

type setter struct {
	key  string
	prog *vm.Program
	path []int
	conv convFn
}

// target returns the field the setter fills, allocating nil pointers on the
// way.
func (s *setter) target(root reflect.Value) reflect.Value {
	v := root
	for _, idx := range s.path {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(idx)
	}
	return v
}

// resolveField finds the field a pill key names in t.
func resolveField(t reflect.Type, key string) ([]int, reflect.Type, error) {
	var path []int
	cur := t
	for i, part := range strings.Split(key, ".") {
		for cur.Kind() == reflect.Pointer {
			cur = cur.Elem()
		}
		if cur.Kind() != reflect.Struct {
			where := "the action's input"
			if i > 0 {
				where = fmt.Sprintf("%q", strings.Join(strings.Split(key, ".")[:i], "."))
			}
			return nil, nil, fmt.Errorf("%s is %s, not a struct, so it has no field %q", where, cur, part)
		}
		idx, ft, ok := fieldByPillName(cur, part)
		if !ok {
			return nil, nil, fmt.Errorf("%s has no field %q; its fields are: %s", cur, part, strings.Join(pillFieldNames(cur), ", "))
		}
		path = append(path, idx)
		cur = ft
	}
	return path, cur, nil
}

func pillName(f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("expr"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name != "" {
			return name
		}
	}
	return f.Name
}

func fieldByPillName(t reflect.Type, name string) (int, reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("expr") == "-" {
			continue
		}
		if pillName(f) == name {
			return i, f.Type, true
		}
	}
	return 0, nil, false
}

func pillFieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() && f.Tag.Get("expr") != "-" {
			names = append(names, pillName(f))
		}
	}
	if len(names) == 0 {
		names = []string{"(none)"}
	}
	return names
}

// ---- If ----

type ifBranch struct {
	cond  string
	steps []Step
}

// IfStep is a conditional step built by [If]; add branches with ElseIf and
// Else.
type IfStep struct {
	branches []ifBranch
	els      []Step
	hasElse  bool
	misuse   string
}

// If runs steps when the condition is true. Chain ElseIf and Else for the
// other cases; the first branch whose condition holds runs, and none runs
// when no condition holds and there is no Else.
func If(condition string, steps ...Step) *IfStep {
	return &IfStep{branches: []ifBranch{{cond: condition, steps: steps}}}
}

// ElseIf adds a branch tried when the earlier conditions are false.
func (s *IfStep) ElseIf(condition string, steps ...Step) *IfStep {
	n := s.clone()
	if n.hasElse {
		n.misuse = "ElseIf after Else: put every ElseIf before the Else"
	}
	n.branches = append(n.branches, ifBranch{cond: condition, steps: steps})
	return n
}

// Else adds the steps run when no condition holds.
func (s *IfStep) Else(steps ...Step) *IfStep {
	n := s.clone()
	if n.hasElse {
		n.misuse = "Else given twice: an If has at most one Else"
	}
	n.hasElse = true
	n.els = steps
	return n
}

func (s *IfStep) clone() *IfStep {
	n := *s
	n.branches = slices.Clone(s.branches)
	return &n
}

func (s *IfStep) applyTo(b *builder) { b.steps = append(b.steps, s) }

func (s *IfStep) declare(d *declarer) {
	for _, br := range s.branches {
		d.blocks(br.steps)
	}
	d.blocks(s.els)
}

func (s *IfStep) compile(c *compiler, sc *scope) node {
	label := c.label("If")
	if s.misuse != "" {
		c.fail(label, "", s.misuse)
	}
	n := &ifNode{label: label}
	ok := s.misuse == ""
	for i, br := range s.branches {
		field := "condition"
		if i > 0 {
			field = fmt.Sprintf("condition %d (ElseIf)", i)
		}
		p := c.boolPill(label, field, br.cond, sc)
		ok = ok && p != nil
		n.conds = append(n.conds, p)
		n.blocks = append(n.blocks, c.block(br.steps, sc.child()))
	}
	if s.hasElse {
		n.els = c.block(s.els, sc.child())
	}
	if !ok {
		return nil
	}
	return n
}

// ---- ForEach ----

type forEachStep struct {
	name  string
	list  string
	steps []Step
}

// ForEach runs steps once per element of the list the pill yields. Inside,
// `item` is the element and `index` its position from 0; the loop's name
// gives the same as `name.item` and `name.index`, which is how an inner
// loop reads an outer loop's item. After the loop they hold the last
// iteration's values.
func ForEach(name, list string, steps ...Step) Step {
	return &forEachStep{name: name, list: list, steps: steps}
}

func (s *forEachStep) applyTo(b *builder) { b.steps = append(b.steps, s) }

func (s *forEachStep) declare(d *declarer) { d.loop(s.name, s.list, s.steps) }

func (s *forEachStep) compile(c *compiler, sc *scope) node {
	c.ordinal++
	prog, t := c.pill(s.name, "list", s.list, sc)
	if prog != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array && t.Kind() != reflect.Interface {
		c.fail(s.name, "list", fmt.Sprintf("ForEach needs a list, but the pill yields %s", t))
		prog = nil
	}
	sc.visible.add(s.name)
	inner := sc.child()
	inner.loops = append(slices.Clone(sc.loops), s.name)
	body := c.block(s.steps, inner)
	if prog == nil {
		return nil
	}
	return &forEachNode{name: s.name, list: prog, field: c.env.fields[s.name], body: body}
}

// ---- RepeatWhile ----

// DefaultMaxIterations is RepeatWhile's iteration cap unless MaxIterations
// says otherwise.
const DefaultMaxIterations = 50_000

type maxIterations struct{ n int }

func (m maxIterations) applyTo(b *builder) { b.steps = append(b.steps, m) }
func (m maxIterations) declare(*declarer)  {}
func (m maxIterations) compile(c *compiler, _ *scope) node {
	c.fail(c.label("MaxIterations"), "", "MaxIterations belongs directly inside RepeatWhile(...)")
	return nil
}

// MaxIterations caps a RepeatWhile; put it among the RepeatWhile's steps.
// Default [DefaultMaxIterations].
func MaxIterations(n int) Step { return maxIterations{n: n} }

type repeatStep struct {
	cond  string
	max   int
	steps []Step
}

// RepeatWhile runs steps, then evaluates the condition, and runs them again
// while it is true (a do-while loop: the steps run at least once). When the
// steps have run the maximum number of times (see [MaxIterations]) and the
// condition still holds, the job fails with an error of type "limit".
func RepeatWhile(condition string, steps ...Step) Step {
	s := &repeatStep{cond: condition, max: DefaultMaxIterations}
	for _, st := range steps {
		if m, ok := st.(maxIterations); ok {
			s.max = m.n
			continue
		}
		s.steps = append(s.steps, st)
	}
	return s
}

func (s *repeatStep) applyTo(b *builder) { b.steps = append(b.steps, s) }

func (s *repeatStep) declare(d *declarer) { d.blocks(s.steps) }

func (s *repeatStep) compile(c *compiler, sc *scope) node {
	label := c.label("RepeatWhile")
	if s.max < 1 {
		c.fail(label, "", fmt.Sprintf("MaxIterations must be at least 1, not %d", s.max))
	}
	body := c.block(s.steps, sc.child())
	// The condition is evaluated after the body, so it sees the body's steps.
	p := c.boolPill(label, "condition", s.cond, sc)
	if p == nil || s.max < 1 {
		return nil
	}
	return &repeatNode{label: label, cond: p, max: s.max, body: body}
}

// ---- Try / Catch ----

// TryStep is a block built by [Try]; finish it with Catch.
type TryStep struct {
	steps []Step
}

// Try runs steps and, when one fails, hands the failure to the Catch block.
func Try(steps ...Step) *TryStep { return &TryStep{steps: steps} }

// Catch completes a Try. When a step of the Try block fails, the block is
// run again from its first step as long as policy allows (policy's fields
// are documented on action.RetryPolicy: MaxAttempts counts runs of the
// whole block; the zero policy never retries); after the last attempt the
// catch steps run with `error` describing the failure (see [ErrorInfo]) and
// the job carries on after the Try. Stop and Fail are not caught.
func (s *TryStep) Catch(policy action.RetryPolicy, steps ...Step) Step {
	return &catchStep{try: s.steps, policy: policy, catch: steps}
}

func (s *TryStep) applyTo(b *builder)  { b.steps = append(b.steps, s) }
func (s *TryStep) declare(d *declarer) { d.blocks(s.steps) }
func (s *TryStep) compile(c *compiler, sc *scope) node {
	c.fail(c.label("Try"), "", "Try needs a Catch: write Try(...).Catch(action.RetryPolicy{}, ...steps to run on failure)")
	c.block(s.steps, sc.child())
	return nil
}

type catchStep struct {
	try    []Step
	policy action.RetryPolicy
	catch  []Step
}

func (s *catchStep) applyTo(b *builder)  { b.steps = append(b.steps, s) }
func (s *catchStep) declare(d *declarer) { d.blocks(s.try, s.catch) }

func (s *catchStep) compile(c *compiler, sc *scope) node {
	label := c.label("Try")
	body := c.block(s.try, sc.child())
	inner := sc.child()
	inner.inCatch = true
	catch := c.block(s.catch, inner)
	return &tryNode{label: label, body: body, policy: s.policy, catch: catch, errField: c.env.errField}
}

// ---- Stop / Fail ----

type endStep struct {
	fail bool
	msg  string
}

// Stop ends the job early as a success (status "stopped"). The message
// pill, if not empty, is stored as the job's Message.
func Stop(message string) Step { return &endStep{msg: message} }

// Fail ends the job as failed, with the message pill's value as the job's
// Message and error. A Try does not catch it.
func Fail(message string) Step { return &endStep{fail: true, msg: message} }

func (s *endStep) applyTo(b *builder) { b.steps = append(b.steps, s) }
func (s *endStep) declare(*declarer)  {}

func (s *endStep) compile(c *compiler, sc *scope) node {
	kind := "Stop"
	if s.fail {
		kind = "Fail"
	}
	label := c.label(kind)
	n := &endNode{label: label, fail: s.fail}
	if strings.TrimSpace(s.msg) == "" {
		return n
	}
	p, t := c.pill(label, "message", s.msg, sc)
	if p == nil {
		return nil
	}
	conv, err := converterFor(t, reflect.TypeFor[string]())
	if err != nil {
		c.fail(label, "message", fmt.Sprintf("the message must be a string, but the pill yields %s: wrap it in to_s(...)", t))
		return nil
	}
	n.msg, n.conv = p, conv
	return n
}

// ---- variables ----

type varStep struct {
	name    string
	typ     reflect.Type
	initial string
}

// Var declares a job-scoped variable of type T, readable as `vars.name`
// by the pills that come after it, and sets it to the initial pill's value
// (the zero value when the pill is empty). A list variable ([]T) grows with
// Append.
func Var[T any](name, initial string) Step {
	return &varStep{name: name, typ: reflect.TypeFor[T](), initial: initial}
}

func (s *varStep) applyTo(b *builder)  { b.steps = append(b.steps, s) }
func (s *varStep) declare(d *declarer) { d.variable(s.name, s.typ) }

func (s *varStep) compile(c *compiler, sc *scope) node {
	c.ordinal++
	n := &setNode{name: s.name, field: c.env.varFields[s.name], vars: c.env.vars}
	defer func() { sc.vars[s.name] = true }()
	if strings.TrimSpace(s.initial) == "" {
		n.zero = true
		return n
	}
	p, t := c.pill(s.name, "value", s.initial, sc)
	if p == nil {
		return nil
	}
	conv, err := converterFor(t, s.typ)
	if err != nil {
		c.fail(s.name, "value", fmt.Sprintf("variable %q is %s, but the pill yields %s: %v", s.name, s.typ, t, err))
		return nil
	}
	n.prog, n.conv = p, conv
	return n
}

type setStep struct {
	name   string
	pill   string
	append bool
}

// Set changes a variable declared with [Var] to the pill's value, which
// must fit the variable's type.
func Set(name, value string) Step { return &setStep{name: name, pill: value} }

// Append adds the pill's value to a list variable declared with
// Var[[]T]; the value must fit T.
func Append(name, value string) Step { return &setStep{name: name, pill: value, append: true} }

func (s *setStep) applyTo(b *builder) { b.steps = append(b.steps, s) }
func (s *setStep) declare(*declarer)  {}

func (s *setStep) compile(c *compiler, sc *scope) node {
	kind := "Set"
	if s.append {
		kind = "Append"
	}
	label := fmt.Sprintf("%s#%d(%s)", kind, c.ordinal+1, s.name)
	c.ordinal++
	vt, declared := c.env.varTypes[s.name]
	switch {
	case !declared:
		c.fail(label, "", fmt.Sprintf("there is no variable %q: declare it first with Var[T](%q, initial)", s.name, s.name))
		return nil
	case !sc.vars[s.name]:
		c.fail(label, "", fmt.Sprintf("variable %q is declared by a Var step that comes later: move the Var before this step", s.name))
		return nil
	}
	want := vt
	if s.append {
		if vt.Kind() != reflect.Slice {
			c.fail(label, "", fmt.Sprintf("Append needs a list variable, but %q is %s: declare it as Var[[]T]", s.name, vt))
			return nil
		}
		want = vt.Elem()
	}
	p, t := c.pill(label, "value", s.pill, sc)
	if p == nil {
		return nil
	}
	conv, err := converterFor(t, want)
	if err != nil {
		c.fail(label, "value", fmt.Sprintf("the pill yields %s, which does not fit %s: %v", t, want, err))
		return nil
	}
	return &setNode{name: s.name, field: c.env.varFields[s.name], vars: c.env.vars, prog: p, conv: conv, append: s.append}
}
