package recipe

import (
	"fmt"
	"reflect"
	"regexp"

	"github.com/expr-lang/expr"
)

// Func adds a function the recipe's pills may call by name, next to the
// built-in helpers: a conversion a connector offers, such as
// markup.MarkdownToWiki from connector/jira/markup, or one of the
// program's own.
//
// The Func example shows a recipe using it.
//
// fn must be a Go function with at least one result; a second result, if
// any, must be an error, which fails the pill (and its job) with that
// error. Calls are type-checked against fn's parameters when the recipe is
// built. fn must be pure and quick: it runs inside pill evaluation, may
// run many times per job and must not do I/O. The name must be an
// identifier that is neither a built-in helper nor a name pills already
// use (trigger, vars, a step's name, ...).
func Func(name string, fn any) Part { return funcPart{name: name, fn: fn} }

type funcPart struct {
	name string
	fn   any
}

func (f funcPart) applyTo(b *builder) { b.funcs = append(b.funcs, f) }

var funcNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var errorIface = reflect.TypeFor[error]()

// option checks the function and returns it as an expr option.
func (f funcPart) option() (expr.Option, error) {
	if !funcNameRE.MatchString(f.name) {
		return nil, fmt.Errorf("Func(%q): the name must be an identifier (letters, digits and _, not starting with a digit)", f.name)
	}
	if reservedNames[f.name] {
		return nil, fmt.Errorf("Func(%q): %s is already a name pills use (a built-in helper or a variable); choose another", f.name, f.name)
	}
	v := reflect.ValueOf(f.fn)
	if f.fn == nil || v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("Func(%q): want a Go function, got %T", f.name, f.fn)
	}
	t := v.Type()
	switch {
	case t.NumOut() == 0 || t.NumOut() > 2:
		return nil, fmt.Errorf("Func(%q): the function must return a value, or a value and an error; %s does not", f.name, t)
	case t.NumOut() == 2 && t.Out(1) != errorIface:
		return nil, fmt.Errorf("Func(%q): the second result must be an error; %s returns %s", f.name, t, t.Out(1))
	case t.Out(0) == errorIface:
		return nil, fmt.Errorf("Func(%q): the first result must be the value, not an error", f.name)
	}
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	// expr checks calls against a signature with the value alone.
	sig := reflect.Zero(reflect.FuncOf(in, []reflect.Type{t.Out(0)}, t.IsVariadic())).Interface()
	name := f.name
	call := func(args ...any) (any, error) {
		vals := make([]reflect.Value, len(args))
		for i, a := range args {
			pt := paramType(t, i)
			if a == nil {
				vals[i] = reflect.Zero(pt)
				continue
			}
			av := reflect.ValueOf(a)
			if !av.Type().AssignableTo(pt) {
				if !av.Type().ConvertibleTo(pt) {
					return nil, fmt.Errorf("%s: argument %d is %T, want %s", name, i+1, a, pt)
				}
				av = av.Convert(pt)
			}
			vals[i] = av
		}
		out := v.Call(vals)
		if len(out) == 2 && !out[1].IsNil() {
			return nil, fmt.Errorf("%s: %w", name, out[1].Interface().(error))
		}
		return out[0].Interface(), nil
	}
	return expr.Function(f.name, call, sig), nil
}

// paramType is the type argument i of a call to t takes.
func paramType(t reflect.Type, i int) reflect.Type {
	if t.IsVariadic() && i >= t.NumIn()-1 {
		return t.In(t.NumIn() - 1).Elem()
	}
	return t.In(i)
}
