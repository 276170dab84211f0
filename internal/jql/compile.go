package jql

import (
	"strconv"
	"strings"
)

// Matcher is a query compiled for one caller: time zone, relative dates and
// currentUser() are resolved. It is immutable and safe for concurrent use.
type Matcher struct {
	root node // nil matches everything
}

// Match reports whether the record satisfies the query's condition. It does
// not allocate (beyond what the Record's methods do).
func (m *Matcher) Match(r Record) bool {
	if m == nil || m.root == nil {
		return true
	}
	return m.root.match(r)
}

// Match reports whether the record satisfies the query for a caller. It
// compiles the query each time; to test many records, use [Query.Compile].
// A query with no condition matches every record.
func (q *Query) Match(r Record, env Env) (bool, error) {
	m, err := q.Compile(env)
	if err != nil {
		return false, err
	}
	return m.Match(r), nil
}

// Compile resolves the query for a caller and returns a fast [Matcher].
// It validates the condition again (so hand-built queries are safe) and
// fails with an [*Error] on values that cannot be used, such as a date
// literal that does not parse.
func (q *Query) Compile(env Env) (*Matcher, error) {
	if q == nil || q.Where == nil {
		return &Matcher{}, nil
	}
	c := compiler{src: q.Source, env: &env}
	root, err := c.compile(q.Where, 0)
	if err != nil {
		return nil, err
	}
	return &Matcher{root: root}, nil
}

type compiler struct {
	src string
	env *Env
}

func (c *compiler) compile(e Expr, depth int) (node, error) {
	if depth > 10*maxDepth {
		return nil, semanticError(c.src, -1, "The query is nested too deeply.")
	}
	switch e := e.(type) {
	case *And:
		return compileTerms[andNode](c, "An AND", termsOf(e), depth)
	case *Or:
		return compileTerms[orNode](c, "An OR", termsOf(e), depth)
	case *Not:
		if e == nil {
			return nil, semanticError(c.src, -1, "A NOT condition has no operand.")
		}
		x, err := c.compile(e.X, depth+1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case *Clause:
		if e == nil {
			return nil, semanticError(c.src, -1, "The query holds an empty clause.")
		}
		return c.clause(e)
	}
	return nil, semanticError(c.src, -1, "The query holds a condition of unknown type %T.", e)
}

func (c *compiler) clause(cl *Clause) (node, error) {
	name := cl.Name
	if name == "" {
		name = cl.Field
	}
	info := lookupField(cl.Field, true)
	if cl.Op < OpEquals || cl.Op > OpIsNot {
		return nil, semanticError(c.src, cl.Pos, "The clause on field '%s' has an unknown operator.", quoteForMsg(name))
	}
	if !operatorAllowed(info.kind, info.canonical, cl.Op) {
		return nil, semanticError(c.src, cl.Pos, "The operator '%s' is not supported by the '%s' field.", cl.Op, quoteForMsg(name))
	}
	checked := *cl
	checked.Name = name
	checked.Values = append([]Value(nil), cl.Values...)
	if err := checkValues(c.src, &checked, info.kind, false); err != nil {
		return nil, err
	}
	field, op, values := info.canonical, cl.Op, checked.Values

	if op == OpIs || op == OpIsNot {
		return emptyNode{field: field, date: info.kind == kindDate, negate: op == OpIsNot}, nil
	}
	switch info.kind {
	case kindDate:
		return c.dateNode(field, op, values), nil
	case kindText:
		return c.textNode(field, op, values), nil
	case kindKey:
		return c.keyNode(op, values), nil
	}
	if op == OpContains || op == OpNotContains { // custom fields
		return c.textNode(field, op, values), nil
	}
	var strNode node
	switch op {
	case OpEquals, OpNotEquals, OpIn, OpNotIn:
		strNode = c.eqNode(field, op, values)
	default:
		strNode = c.rankNode(field, op, values[0])
	}
	if info.kind != kindCustom {
		return strNode, nil
	}
	// A custom field may hold dates: when the record has a time for it and
	// every value reads as a date, compare as dates.
	for _, v := range values {
		if v.Kind == ValueLiteral {
			if _, ok := parseDateValue(v.Text); !ok {
				return strNode, nil
			}
		} else if v.Kind == ValueFunction && strings.EqualFold(v.Text, "currentUser") {
			return strNode, nil
		}
	}
	return customNode{field: field, date: c.dateNode(field, op, values), other: strNode}, nil
}

// isNegative reports the operators that never match an empty field.
func isNegative(op Operator) bool {
	return op == OpNotEquals || op == OpNotIn || op == OpNotContains
}

func (c *compiler) eqNode(field string, op Operator, values []Value) node {
	n := eqNode{field: field, negate: isNegative(op)}
	for _, v := range values {
		switch v.Kind {
		case ValueEmpty:
			n.empty = true
		case ValueFunction: // currentUser(), or a date function on a custom field
			if strings.EqualFold(v.Text, "currentUser") {
				n.targets = append(n.targets, c.env.CurrentUser...)
			} else if df, ok := dateFuncs[strings.ToLower(v.Text)]; ok {
				n.targets = append(n.targets, strconv.FormatInt(df.eval(v.Args, c.env), 10))
			}
		default:
			n.targets = append(n.targets, v.Text)
		}
	}
	return n
}

func (c *compiler) dateNode(field string, op Operator, values []Value) node {
	n := dateNode{field: field, op: op}
	for _, v := range values {
		switch v.Kind {
		case ValueEmpty:
			n.empty = true
		case ValueFunction:
			if df, ok := dateFuncs[strings.ToLower(v.Text)]; ok {
				n.bounds = append(n.bounds, dateBound{ms: df.eval(v.Args, c.env)})
			}
		default:
			dv, _ := parseDateValue(v.Text) // checked by checkValues
			ms, minute := dv.resolve(c.env)
			n.bounds = append(n.bounds, dateBound{ms: ms, minute: minute})
		}
	}
	return n
}

func (c *compiler) textNode(field string, op Operator, values []Value) node {
	terms, phrase := textTerms(values[0].Text)
	return textNode{field: field, terms: terms, phrase: phrase, negate: op == OpNotContains}
}

func (c *compiler) keyNode(op Operator, values []Value) node {
	switch op {
	case OpEquals, OpNotEquals, OpIn, OpNotIn:
		n := keyEqNode{negate: isNegative(op)}
		for _, v := range values {
			if isDigits(v.Text) {
				n.ids = append(n.ids, v.Text)
			} else {
				n.keys = append(n.keys, v.Text)
			}
		}
		return n
	}
	v := values[0].Text
	if isDigits(v) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return constNode(false)
		}
		return keyCmpNode{op: op, byID: true, num: id}
	}
	project, num, _ := splitKey(v)
	return keyCmpNode{op: op, project: project, num: num}
}

func (c *compiler) rankNode(field string, op Operator, v Value) node {
	n := rankNode{field: field, op: op, lit: v.Text}
	if f, err := strconv.ParseFloat(v.Text, 64); err == nil {
		n.num, n.isNum = f, true
	}
	return n
}

// compileTerms compiles the terms of an AND or an OR (what names it in the
// message) into an N; there must be at least one.
func compileTerms[N interface {
	andNode | orNode
	node
}](c *compiler, what string, terms []Expr, depth int) (node, error) {
	if len(terms) == 0 {
		return nil, semanticError(c.src, -1, "%s condition has no terms.", what)
	}
	n := make(N, len(terms))
	for i, t := range terms {
		var err error
		if n[i], err = c.compile(t, depth+1); err != nil {
			return nil, err
		}
	}
	return n, nil
}
