package recipe

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// BuildError is one problem [New] found in a recipe.
type BuildError struct {
	// Recipe is the recipe's name.
	Recipe string
	// Step is the step at fault: the name given to Do, ForEach or Var, or
	// a label such as "If#3" (the kind and its position among the recipe's
	// steps, counting nested steps in reading order). Empty for the
	// recipe itself and its When condition.
	Step string
	// Field is the input field of a Do step, or the part of another step
	// ("condition", "list", "message", "value", "when").
	Field string
	// Line and Column locate the problem in the pill, both counted from 1
	// as editors count them (Column in characters, not bytes). Zero when
	// the problem is not in the pill's text.
	Line, Column int
	// Pill is the pill's text, when the problem is in it.
	Pill string
	// Problem says what is wrong and what to do.
	Problem string
}

// Error names the recipe, step, field and position, and the problem.
func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recipe %q", e.Recipe)
	if e.Step != "" {
		fmt.Fprintf(&b, ", step %q", e.Step)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ", field %q", e.Field)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " (pill line %d, column %d)", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Pill != "" && e.Line > 0 {
		if line, ok := file.NewSource(e.Pill).Snippet(e.Line); ok {
			b.WriteString("\n | ")
			b.WriteString(line)
			b.WriteString("\n | ")
			b.WriteString(strings.Repeat(".", max(e.Column-1, 0)))
			b.WriteString("^")
		}
	}
	return b.String()
}

// ErrorInfo is what a Catch block sees as `error`.
type ErrorInfo struct {
	// Message is the error's message.
	Message string `expr:"message" json:"message"`
	// Type classifies the error: "validation" (the action rejected its
	// input), "outcome_unknown" (the request may or may not have been
	// applied), "retryable" (a retry may succeed: rate limit, 503),
	// "timeout", "pill" (a pill could not be evaluated or did not fit its
	// field), "limit" (a RepeatWhile hit its cap) or "error" (anything
	// else).
	Type string `expr:"type" json:"type"`
	// Step is the name of the step that failed.
	Step string `expr:"step" json:"step"`
	// Attempts is how many times the Try block ran.
	Attempts int `expr:"attempts" json:"attempts"`
	// Retryable reports whether the error said a retry might succeed.
	Retryable bool `expr:"retryable" json:"retryable"`
}

var reservedNames = func() map[string]bool {
	m := map[string]bool{"trigger": true, "vars": true, "item": true, "index": true, "error": true, "now": true,
		"true": true, "false": true, "nil": true, "let": true, "if": true, "else": true, "in": true, "not": true,
		"and": true, "or": true, "matches": true, "contains": true, "startsWith": true, "endsWith": true}
	for _, f := range helperFuncs {
		m[f.name] = true
	}
	return m
}()

// envLayout is the typed environment every pill of a recipe is compiled
// against and evaluated in: a struct built with reflect.StructOf.
//
// Pills are evaluated against a second struct, ptrTyp, whose fields point
// into the first (except now, a plain time): expr boxes every struct value
// it reads from its environment, and reading through pointers avoids those
// copies.
type envLayout struct {
	typ       reflect.Type
	ptrTyp    reflect.Type
	trigger   int
	now       int
	vars      int
	errField  int
	fields    map[string]int // step and loop names
	varFields map[string]int // variable name -> field of the vars struct
	varTypes  map[string]reflect.Type
}

func loopType(item reflect.Type) reflect.Type {
	return reflect.StructOf([]reflect.StructField{
		{Name: "Item", Type: item, Tag: `expr:"item" json:"item"`},
		{Name: "Index", Type: reflect.TypeFor[int](), Tag: `expr:"index" json:"index"`},
	})
}

var anyType = reflect.TypeFor[any]()

func buildEnv(trig reflect.Type, d *declarer) *envLayout {
	l := &envLayout{fields: map[string]int{}, varFields: map[string]int{}, varTypes: map[string]reflect.Type{}}
	var vf []reflect.StructField
	for i, name := range d.vars {
		vf = append(vf, reflect.StructField{Name: fmt.Sprintf("V%d", i), Type: d.varTypes[name], Tag: reflect.StructTag(fmt.Sprintf(`expr:%q json:%q`, name, name))})
		l.varFields[name] = i
		l.varTypes[name] = d.varTypes[name]
	}
	fields := []reflect.StructField{
		{Name: "Trigger", Type: trig, Tag: `expr:"trigger"`},
		{Name: "Now", Type: reflect.TypeFor[time.Time](), Tag: `expr:"now"`},
		{Name: "Vars", Type: reflect.StructOf(vf), Tag: `expr:"vars"`},
		{Name: "Error", Type: reflect.TypeFor[ErrorInfo](), Tag: `expr:"error"`},
	}
	l.trigger, l.now, l.vars, l.errField = 0, 1, 2, 3
	for i, name := range d.names {
		t := d.types[name]
		if t == nil { // a loop whose item type is not resolved yet
			t = loopType(anyType)
		}
		l.fields[name] = len(fields)
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("S%d", i), Type: t, Tag: reflect.StructTag(fmt.Sprintf(`expr:%q`, name))})
	}
	l.typ = reflect.StructOf(fields)
	ptrFields := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		if i != l.now {
			f.Type = reflect.PointerTo(f.Type)
		}
		ptrFields[i] = f
	}
	l.ptrTyp = reflect.StructOf(ptrFields)
	return l
}

// jobEnv is one job's environment: vals holds the values (addressable),
// exprEnv is what pills are evaluated against.
type jobEnv struct {
	vals    reflect.Value
	ptr     reflect.Value
	now     *time.Time
	exprEnv any
}

func (l *envLayout) newEnv(now time.Time) jobEnv {
	vals := reflect.New(l.typ).Elem()
	p := reflect.New(l.ptrTyp)
	ptr := p.Elem()
	for i := range ptr.NumField() {
		if i != l.now {
			ptr.Field(i).Set(vals.Field(i).Addr())
		}
	}
	nowp := ptr.Field(l.now).Addr().Interface().(*time.Time)
	*nowp = now
	return jobEnv{vals: vals, ptr: ptr, now: nowp, exprEnv: p.Interface()}
}

// reset makes env as newEnv(now) would, without allocating: every value
// zero (steps that do not run read as zero values), now set.
func (l *envLayout) reset(env jobEnv, now time.Time) {
	env.vals.SetZero()
	*env.now = now
}

// declarer is the first pass over the steps: it collects names, output
// types and variables, and resolves each ForEach's item type.
type declarer struct {
	c        *compiler
	names    []string
	types    map[string]reflect.Type
	loopName map[string]bool
	vars     []string
	varTypes map[string]reflect.Type
	loops    []string
}

func (d *declarer) checkName(kind, name string) bool {
	switch {
	case !identRE.MatchString(name):
		d.c.fail(name, "", fmt.Sprintf("%s name %q is not an identifier: use letters, digits and '_', not starting with a digit", kind, name))
	case reservedNames[name]:
		d.c.fail(name, "", fmt.Sprintf("%s name %q is reserved (it names a pill root or a helper function): choose another", kind, name))
	default:
		return true
	}
	return false
}

func (d *declarer) step(name string, out reflect.Type) {
	if !d.checkName("step", name) {
		return
	}
	if _, dup := d.types[name]; dup || slices.Contains(d.names, name) {
		d.c.fail(name, "", fmt.Sprintf("step name %q is used twice: step and loop names must be unique within a recipe", name))
		return
	}
	d.names = append(d.names, name)
	d.types[name] = out
}

func (d *declarer) variable(name string, t reflect.Type) {
	if !d.checkName("variable", name) {
		return
	}
	if _, dup := d.varTypes[name]; dup {
		d.c.fail(name, "", fmt.Sprintf("variable %q is declared twice: declare it once with Var and change it with Set or Append", name))
		return
	}
	d.vars = append(d.vars, name)
	d.varTypes[name] = t
}

// loop declares a ForEach and resolves its item type by compiling its list
// pill against the environment known so far.
func (d *declarer) loop(name, list string, body []Step) {
	d.step(name, nil)
	item := anyType
	if list != "" {
		env := buildEnv(d.c.trigType, d)
		sc := &scope{visible: allVisible{}, loops: slices.Clone(d.loops), inCatch: true}
		opts := append(d.c.exprOptions(env), expr.Patch(&scopeVisitor{c: d.c, env: env, sc: sc, quiet: true}))
		if p, err := expr.Compile(list, opts...); err == nil {
			if t := p.Node().Type(); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				item = t.Elem()
			}
		}
	}
	if slices.Contains(d.names, name) {
		d.types[name] = loopType(item)
		d.loopName[name] = true
	}
	d.loops = append(d.loops, name)
	d.blocks(body)
	d.loops = d.loops[:len(d.loops)-1]
}

// blocks declares the steps of each block in turn.
func (d *declarer) blocks(blocks ...[]Step) {
	for _, block := range blocks {
		for _, s := range block {
			s.declare(d)
		}
	}
}

// scope says what a pill may refer to at its place in the recipe.
type scope struct {
	visible visibility
	vars    map[string]bool
	loops   []string
	inCatch bool
	parent  *scope
}

type visibility interface {
	has(name string) bool
	add(name string)
}

type visibleSet map[string]bool

func (v visibleSet) has(n string) bool { return v[n] }
func (v visibleSet) add(n string)      { v[n] = true }

type allVisible struct{}

func (allVisible) has(string) bool { return true }
func (allVisible) add(string)      {}

// scopeVisitor checks, before expr type-checks a pill, that it refers only
// to steps that ran before it and to variables already declared, and turns
// `item` and `index` into the innermost loop's item and index.
//
// It also makes a top-level name used whole read its value rather than the
// environment's pointer to it (see envLayout.derefFuncs): every such name
// becomes a call of its deref function, undone where the name turns out to
// be the object of a member read (Walk visits children before parents).
type scopeVisitor struct {
	c     *compiler
	env   *envLayout
	sc    *scope
	quiet bool
	errs  []*file.Error
}

// bare returns the identifier a deref call wraps.
func bare(n ast.Node) (*ast.IdentifierNode, bool) {
	call, ok := n.(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return nil, false
	}
	callee, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || !strings.HasPrefix(callee.Value, derefPrefix) {
		return nil, false
	}
	id, ok := call.Arguments[0].(*ast.IdentifierNode)
	return id, ok
}

func (v *scopeVisitor) deref(node *ast.Node, id *ast.IdentifierNode) {
	if _, ok := v.env.pointee(id.Value); !ok {
		return
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: derefPrefix + id.Value}, Arguments: []ast.Node{id}}
	call.SetLocation(id.Location())
	call.Callee.SetLocation(id.Location())
	ast.Patch(node, call)
}

func (v *scopeVisitor) errAt(n ast.Node, format string, args ...any) {
	if v.quiet {
		return
	}
	v.errs = append(v.errs, &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...)})
}

func (v *scopeVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case "item", "index":
			if len(v.sc.loops) == 0 {
				v.errAt(n, "%s is only defined inside ForEach", n.Value)
				return
			}
			loop := v.sc.loops[len(v.sc.loops)-1]
			ast.Patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: loop}, Property: &ast.StringNode{Value: n.Value}})
		case "error":
			if !v.sc.inCatch {
				v.errAt(n, "error is only defined inside a Catch block")
			}
		default:
			if v.c.stepNames[n.Value] && !v.sc.visible.has(n.Value) {
				if v.c.loopNames[n.Value] {
					v.errAt(n, "loop %q has not started here: a loop's item and index are readable inside it and after it", n.Value)
				} else {
					v.errAt(n, "step %q has not run yet here: a pill may only read the output of steps that come before it", n.Value)
				}
			}
		}
		if n.Value != "item" && n.Value != "index" {
			v.deref(node, n)
		}
	case *ast.CallNode:
		// now() is the job's creation time, a field of the environment.
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "now" && len(n.Arguments) == 0 {
			ast.Patch(node, &ast.IdentifierNode{Value: "now"})
		}
	case *ast.BinaryNode:
		if n.Operator == "??" {
			return
		}
		_, leftNil := n.Left.(*ast.NilNode)
		_, rightNil := n.Right.(*ast.NilNode)
		if !rightNil {
			defaultChain(&n.Left)
		}
		if !leftNil {
			defaultChain(&n.Right)
		}
	case *ast.MemberNode:
		if id, ok := bare(n.Node); ok {
			n.Node = id
		}
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || id.Value != "vars" {
			return
		}
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		if v.c.varNames[prop.Value] && v.sc.vars != nil && !v.sc.vars[prop.Value] {
			v.errAt(n, "variable %q is declared by a Var step that comes later: move the Var before this step", prop.Value)
		}
	}
}

// defaultChain turns an optional chain of a scalar type (trigger.a?.name,
// a string) used as an operand into (chain ?? zero), so that comparing or
// concatenating it works when the chain stops at nil instead of failing at
// run time. Compare the chain with nil, or use blank(...), to test absence.
func defaultChain(operand *ast.Node) {
	ch, ok := (*operand).(*ast.ChainNode)
	if !ok || ch.Type() == nil {
		return
	}
	var zero ast.Node
	switch k := ch.Type().Kind(); {
	case k == reflect.String:
		zero = &ast.StringNode{Value: ""}
	case k == reflect.Bool:
		zero = &ast.BoolNode{Value: false}
	case isInt(k) || isUint(k):
		zero = &ast.IntegerNode{Value: 0}
	case k == reflect.Float32 || k == reflect.Float64:
		zero = &ast.FloatNode{Value: 0}
	default:
		return
	}
	zero.SetLocation(ch.Location())
	ast.Patch(operand, &ast.BinaryNode{Operator: "??", Left: ch, Right: zero})
}

type compiler struct {
	recipe    string
	opts      Settings
	funcs     []expr.Option // the recipe's own pill functions (Func)
	funcNames []string
	trigType  reflect.Type
	env       *envLayout
	errs      []error
	ordinal   int
	actions   int
	infos     []StepAction
	stepNames map[string]bool
	loopNames map[string]bool
	varNames  map[string]bool
}

func newCompiler(recipe string, trig reflect.Type, opts Settings) *compiler {
	return &compiler{recipe: recipe, trigType: trig, opts: opts}
}

func (c *compiler) fail(step, field, problem string) {
	c.errs = append(c.errs, &BuildError{Recipe: c.recipe, Step: step, Field: field, Problem: problem})
}

func (c *compiler) label(kind string) string {
	c.ordinal++
	return fmt.Sprintf("%s#%d", kind, c.ordinal)
}

func (c *compiler) exprOptions(env *envLayout) []expr.Option {
	opts := []expr.Option{
		expr.Env(reflect.New(env.ptrTyp).Interface()),
		expr.MaxNodes(c.opts.MaxPillNodes),
		expr.DisableBuiltin("now"),
		expr.Timezone("UTC"),
	}
	opts = append(opts, env.derefFuncs()...)
	opts = append(opts, helperOptions...)
	return append(opts, c.funcs...)
}

// derefPrefix names the functions that read a top-level value through its
// pointer; no pill can spell it.
const derefPrefix = "deref·"

// pointee returns the type of the value a top-level name points to in the
// pointer environment (every name but now).
func (l *envLayout) pointee(name string) (reflect.Type, bool) {
	i, ok := l.fields[name]
	switch name {
	case "trigger":
		i, ok = l.trigger, true
	case "vars":
		i, ok = l.vars, true
	case "error":
		i, ok = l.errField, true
	}
	if !ok {
		return nil, false
	}
	return l.typ.Field(i).Type, true
}

// derefFuncs declares, for each top-level name, a typed function that
// reads its value through the environment's pointer: a pill that uses a
// name whole (to_s(trigger), string(s1), trigger in [1, 2]) sees the value,
// as it would without the pointer environment, while member reads
// (trigger.key) keep going through the pointer without copying.
func (l *envLayout) derefFuncs() []expr.Option {
	names := []string{"trigger", "vars", "error"}
	for n := range l.fields {
		names = append(names, n)
	}
	opts := make([]expr.Option, 0, len(names))
	for _, n := range names {
		t, _ := l.pointee(n)
		sig := reflect.FuncOf([]reflect.Type{reflect.PointerTo(t)}, []reflect.Type{t}, false)
		opts = append(opts, expr.Function(derefPrefix+n, func(a ...any) (any, error) {
			return reflect.ValueOf(a[0]).Elem().Interface(), nil
		}, reflect.New(sig).Interface()))
	}
	return opts
}

// pill compiles one pill. It reports problems and returns nil on failure.
func (c *compiler) pill(step, field, src string, sc *scope, extra ...expr.Option) (*vm.Program, reflect.Type) {
	if strings.TrimSpace(src) == "" {
		c.fail(step, field, "the pill is empty: write an expression, such as trigger.key or \"text\"")
		return nil, nil
	}
	v := &scopeVisitor{c: c, env: c.env, sc: sc}
	opts := append(c.exprOptions(c.env), expr.Patch(v))
	opts = append(opts, extra...)
	prog, err := expr.Compile(src, opts...)
	var ferr *file.Error
	if len(v.errs) > 0 {
		ferr = v.errs[0].Bind(file.NewSource(src))
	} else if err != nil && !errors.As(err, &ferr) {
		c.fail(step, field, err.Error())
		return nil, nil
	}
	if ferr != nil {
		c.errs = append(c.errs, &BuildError{Recipe: c.recipe, Step: step, Field: field, Line: ferr.Line, Column: ferr.Column + 1, Pill: src, Problem: ferr.Message})
		return nil, nil
	}
	t := prog.Node().Type()
	if t == nil {
		t = anyType
	}
	return prog, t
}

// boolPill compiles a condition.
func (c *compiler) boolPill(step, field, src string, sc *scope) *vm.Program {
	p, t := c.pill(step, field, src, sc)
	if p == nil {
		return nil
	}
	if t.Kind() != reflect.Bool && t.Kind() != reflect.Interface {
		c.fail(step, field, fmt.Sprintf("a condition must be true or false, but this pill yields %s: compare it (==, !=, <) or use present(...)", t))
		return nil
	}
	return p
}

func (c *compiler) build(b *builder) (*Recipe, error) {
	d := &declarer{c: c, types: map[string]reflect.Type{}, loopName: map[string]bool{}, varTypes: map[string]reflect.Type{}}
	for _, s := range b.steps {
		s.declare(d)
	}
	c.stepNames = map[string]bool{}
	for _, n := range d.names {
		c.stepNames[n] = true
	}
	c.loopNames = d.loopName
	c.varNames = map[string]bool{}
	for _, n := range d.vars {
		c.varNames[n] = true
	}
	for _, f := range c.funcNames {
		if c.stepNames[f] || c.varNames[f] || c.loopNames[f] {
			return nil, &BuildError{Recipe: c.recipe, Problem: fmt.Sprintf("Func(%q): a step, loop or variable of the recipe has the same name; rename one of them", f)}
		}
	}
	c.env = buildEnv(c.trigType, d)
	r := &Recipe{name: c.recipe, opts: c.opts, env: c.env, tel: newJobAttrs(c.recipe)}
	whenScope := &scope{visible: visibleSet{}, vars: map[string]bool{}}
	for _, w := range b.when {
		if p := c.boolPill("", "when", w, whenScope); p != nil {
			r.when = append(r.when, p)
			r.whenSrc = append(r.whenSrc, w)
		}
	}
	sc := &scope{visible: visibleSet{}, vars: map[string]bool{}}
	r.steps = c.block(b.steps, sc)
	r.actions = c.actions
	r.stepActions = c.infos
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return r, nil
}

func (c *compiler) block(steps []Step, sc *scope) []node {
	nodes := make([]node, 0, len(steps))
	for _, s := range steps {
		if n := s.compile(c, sc); n != nil {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// child returns a scope for a nested block: it sees what sc sees, and what
// the block declares stays visible after it (a step in an If branch may not
// have run; its output is then the zero value).
func (sc *scope) child() *scope {
	n := *sc
	n.parent = sc
	return &n
}
