package jql

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxOrderByFields is the most fields an ORDER BY clause may list, as on
// Jira Cloud.
const MaxOrderByFields = 7

// Query is a parsed JQL query. It is immutable once parsed and safe for
// concurrent use.
type Query struct {
	// Where is the condition, nil when the query has none (empty text or
	// only ORDER BY).
	Where Expr
	// OrderBy lists the sort fields in order of significance.
	OrderBy []OrderField
	// Source is the text the query was parsed from.
	Source string
}

// OrderField is one ORDER BY entry.
type OrderField struct {
	// Field is the canonical field name (see [Record.Values]).
	Field string
	// Desc is true for DESC; ASC (the default) otherwise.
	Desc bool
}

// Bounded reports whether the query restricts the search, which Jira Cloud's
// enhanced search requires. A query with only ORDER BY, or none at all, is
// unbounded; Jira Cloud answers such a search with 400 "Unbounded JQL
// queries are not allowed here. Please add a search restriction to your
// query."
func (q *Query) Bounded() bool { return q != nil && q.Where != nil }

// HasOrderBy reports whether the query has an ORDER BY clause.
func (q *Query) HasOrderBy() bool { return q != nil && len(q.OrderBy) > 0 }

// String returns the canonical form of the query: canonical field names,
// upper-case keywords, values quoted with "..." when they need it (or were
// quoted), single spaces, and an explicit ASC or DESC for every sort field.
// Parsing the canonical form yields the same canonical form.
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	var b strings.Builder
	if q.Where != nil {
		b.WriteString(q.Where.String())
	}
	if len(q.OrderBy) > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("ORDER BY ")
		for i, f := range q.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatField(f.Field))
			if f.Desc {
				b.WriteString(" DESC")
			} else {
				b.WriteString(" ASC")
			}
		}
	}
	return b.String()
}

// Expr is a condition: a [*Clause], [*And], [*Or] or [*Not].
type Expr interface {
	// String returns the canonical JQL text of the condition.
	String() string
	isExpr()
}

// And matches when every term matches.
type And struct{ Terms []Expr }

// Or matches when any term matches.
type Or struct{ Terms []Expr }

// termsOf returns the terms of an AND or an OR; none for a nil one or
// another expression.
func termsOf(e Expr) []Expr {
	switch e := e.(type) {
	case *And:
		if e != nil {
			return e.Terms
		}
	case *Or:
		if e != nil {
			return e.Terms
		}
	}
	return nil
}

// Not matches when X does not match.
type Not struct{ X Expr }

// Clause is a single field condition such as status != Done.
type Clause struct {
	// Field is the canonical field name (see [Record.Values]).
	Field string
	// Name is the field as written in the query (for messages).
	Name string
	// Op is the operator.
	Op Operator
	// Values holds one value, or the list of an IN / NOT IN operator.
	// IS and IS NOT have a single value of kind ValueEmpty.
	Values []Value
	// Pos is the byte offset of the field name in the query text.
	Pos int
}

func (*And) isExpr()    {}
func (*Or) isExpr()     {}
func (*Not) isExpr()    {}
func (*Clause) isExpr() {}

// String returns the terms joined by AND, OR terms in parentheses.
func (a *And) String() string {
	parts := make([]string, len(a.Terms))
	for i, t := range a.Terms {
		parts[i] = exprString(t)
		if _, ok := t.(*Or); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " AND ")
}

// String returns the terms joined by OR.
func (o *Or) String() string {
	parts := make([]string, len(o.Terms))
	for i, t := range o.Terms {
		parts[i] = exprString(t)
	}
	return strings.Join(parts, " OR ")
}

// String returns NOT followed by the condition, in parentheses when it is
// an AND or OR.
func (n *Not) String() string {
	switch n.X.(type) {
	case *And, *Or:
		return "NOT (" + exprString(n.X) + ")"
	}
	return "NOT " + exprString(n.X)
}

func exprString(e Expr) string {
	if e == nil {
		return ""
	}
	return e.String()
}

// String returns the clause in canonical form, e.g. status IN (Done, "In Progress").
func (c *Clause) String() string {
	var b strings.Builder
	b.WriteString(formatField(c.Field))
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	if c.Op == OpIn || c.Op == OpNotIn {
		if len(c.Values) == 1 && c.Values[0].Kind == ValueFunction {
			b.WriteString(c.Values[0].String())
			return b.String()
		}
		b.WriteByte('(')
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	if len(c.Values) > 0 {
		b.WriteString(c.Values[0].String())
	}
	return b.String()
}

// Operator is a JQL comparison operator.
type Operator int

// The operators, named after their meaning.
const (
	OpEquals      Operator = iota + 1 // =
	OpNotEquals                       // !=
	OpIn                              // IN
	OpNotIn                           // NOT IN
	OpLess                            // <
	OpLessEq                          // <=
	OpGreater                         // >
	OpGreaterEq                       // >=
	OpContains                        // ~
	OpNotContains                     // !~
	OpIs                              // IS
	OpIsNot                           // IS NOT
)

var operatorText = [...]string{
	OpEquals: "=", OpNotEquals: "!=", OpIn: "IN", OpNotIn: "NOT IN", OpLess: "<", OpLessEq: "<=",
	OpGreater: ">", OpGreaterEq: ">=", OpContains: "~", OpNotContains: "!~", OpIs: "IS", OpIsNot: "IS NOT",
}

// String returns the operator as written in JQL.
func (o Operator) String() string {
	if o > 0 && int(o) < len(operatorText) {
		return operatorText[o]
	}
	return "Operator(" + strconv.Itoa(int(o)) + ")"
}

// ValueKind tells what a [Value] holds.
type ValueKind int

// The kinds of values.
const (
	ValueLiteral  ValueKind = iota // a quoted string or a bare word
	ValueEmpty                     // EMPTY or NULL
	ValueFunction                  // a function call: Text is the name, Args its arguments
)

// Value is an operand of a clause.
type Value struct {
	// Kind tells what the value is.
	Kind ValueKind
	// Text is the literal text with escapes resolved, or the function
	// name as written.
	Text string
	// Quoted is true when the literal was written in quotes.
	Quoted bool
	// Args are a function's arguments, escapes resolved.
	Args []string
	// Pos is the byte offset of the value in the query text.
	Pos int
}

// String returns the value in canonical form.
func (v Value) String() string {
	switch v.Kind {
	case ValueEmpty:
		return "EMPTY"
	case ValueFunction:
		var b strings.Builder
		b.WriteString(v.Text)
		b.WriteByte('(')
		for i, a := range v.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatLiteral(a, true))
		}
		b.WriteByte(')')
		return b.String()
	}
	return formatLiteral(v.Text, v.Quoted)
}

// formatField writes a canonical field name: custom fields as cf[N], names
// that are not plain words in quotes.
func formatField(f string) string {
	if strings.HasPrefix(f, "customfield_") && isDigits(f[len("customfield_"):]) {
		return "cf[" + f[len("customfield_"):] + "]"
	}
	if lookupField(f, false).canonical == f {
		return formatLiteral(f, false)
	}
	return formatLiteral(f, true)
}

// formatLiteral quotes s when it was quoted or would not read back as the
// same bare word.
func formatLiteral(s string, quoted bool) string {
	if !quoted && isBareWord(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				b.WriteString(`\u`)
				h := strconv.FormatInt(int64(r), 16)
				b.WriteString(strings.Repeat("0", 4-len(h)))
				b.WriteString(h)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBareWord reports whether s lexes back as one bare word with the same
// text and is not a keyword.
func isBareWord(s string) bool {
	if s == "" || isReservedWord(s) {
		return false
	}
	for _, r := range s {
		if !isWordRune(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// isWordRune reports whether r may appear unescaped in a bare word.
func isWordRune(r rune) bool {
	if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
		return false
	}
	switch r {
	case '"', '\'', '(', ')', ',', '=', '!', '<', '>', '~', '&', '|', '\\':
		return false
	}
	return !isReservedChar(r)
}

// isReservedChar reports the characters Jira reserves; they must be quoted.
func isReservedChar(r rune) bool {
	switch r {
	case '+', ';', '?', '*', '/', '%', '^', '$', '#', '@', '[', ']', '{', '}', '`':
		return true
	}
	return false
}

// reservedWords cannot be used as bare values.
var reservedWords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "empty": true, "null": true,
	"order": true, "by": true,
}

func isReservedWord(s string) bool {
	if len(s) > 5 {
		return false
	}
	return reservedWords[strings.ToLower(s)]
}
