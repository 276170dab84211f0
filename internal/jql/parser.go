package jql

import "strings"

// maxDepth bounds nesting of parentheses and NOT so hostile input cannot
// exhaust the stack.
const maxDepth = 100

// Parse parses a JQL query. Empty text (or only blanks) gives a query with
// no condition and no ORDER BY. Errors are [*Error] values with Jira's
// messages: syntax errors, operators a field does not support, invalid date
// values, unknown functions, and more than [MaxOrderByFields] sort fields.
// Unknown field names are accepted here; see [Query.ValidateFields].
func Parse(src string) (*Query, error) {
	p := &parser{src: src, toks: lex(src)}
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	return q, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF && t.kind != tokError {
		p.i++
	}
	return t
}

// unexpected builds "Expecting X but got 'y'." or "... but reached the end
// of the query." for token t, or returns t's lexical error.
func (p *parser) unexpected(t token, expecting string) *Error {
	if t.kind == tokError {
		return t.err
	}
	if t.kind == tokEOF {
		return syntaxError(p.src, t.pos, "Expecting %s but reached the end of the query.", expecting)
	}
	return syntaxError(p.src, t.pos, "Expecting %s but got '%s'.", expecting, t.display())
}

func (p *parser) parseQuery() (*Query, error) {
	q := &Query{Source: p.src}
	t := p.peek()
	if t.kind == tokError {
		return nil, t.err
	}
	if t.kind != tokEOF && !t.isKeyword("order") {
		where, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		q.Where = where
	}
	t = p.peek()
	switch {
	case t.kind == tokEOF:
		return q, nil
	case t.isKeyword("order"):
		p.next()
		if err := p.parseOrderBy(q); err != nil {
			return nil, err
		}
		if t := p.peek(); t.kind != tokEOF {
			return nil, p.unexpected(t, "either ',' or the end of the query")
		}
		return q, nil
	case t.kind == tokRParen:
		return nil, syntaxError(p.src, t.pos, "Expecting either 'OR' or 'AND' but got ')'. The query has a ')' without a matching '('.")
	default:
		return nil, p.unexpected(t, "either 'OR' or 'AND'")
	}
}

func (p *parser) parseOrderBy(q *Query) error {
	if t := p.next(); !t.isKeyword("by") {
		return p.unexpected(t, "'BY'")
	}
	seen := map[string]bool{}
	for {
		t := p.next()
		if t.kind != tokWord && t.kind != tokString || t.kind == tokWord && isReservedWord(t.text) {
			return p.unexpected(t, "a field name")
		}
		info := lookupField(t.text, t.kind == tokString)
		if seen[info.canonical] {
			return semanticError(p.src, t.pos, "The sort field '%s' is referenced multiple times in the JQL sort.", quoteForMsg(t.text))
		}
		seen[info.canonical] = true
		f := OrderField{Field: info.canonical}
		if n := p.peek(); n.isKeyword("asc") {
			p.next()
		} else if n.isKeyword("desc") {
			p.next()
			f.Desc = true
		}
		q.OrderBy = append(q.OrderBy, f)
		if len(q.OrderBy) > MaxOrderByFields {
			return semanticError(p.src, t.pos, "The ORDER BY clause may list at most %d fields.", MaxOrderByFields)
		}
		if p.peek().kind != tokComma {
			return nil
		}
		p.next()
	}
}

func (p *parser) parseOr() (Expr, error) {
	return parseJoined(p, tokOr, "or", p.parseAnd, func(terms []Expr) *Or { return &Or{Terms: terms} })
}

func (p *parser) parseAnd() (Expr, error) {
	return parseJoined(p, tokAnd, "and", p.parseNot, func(terms []Expr) *And { return &And{Terms: terms} })
}

// parseJoined parses the operands that operand reads, joined by the
// operator tok (or its keyword kw), into one T. An operand that is itself a
// T gives its terms ((a AND b) AND c is a AND b AND c); a lone operand is
// returned as it is.
func parseJoined[T interface {
	*And | *Or
	Expr
}](p *parser, tok tokenKind, kw string, operand func() (Expr, error), join func([]Expr) T) (Expr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	operands := []Expr{first}
	for {
		t := p.peek()
		if t.kind != tok && !t.isKeyword(kw) {
			break
		}
		p.next()
		e, err := operand()
		if err != nil {
			return nil, err
		}
		operands = append(operands, e)
	}
	if len(operands) == 1 {
		return first, nil
	}
	var terms []Expr
	for _, e := range operands {
		if same, ok := e.(T); ok {
			terms = append(terms, termsOf(same)...)
		} else {
			terms = append(terms, e)
		}
	}
	return join(terms), nil
}

func (p *parser) parseNot() (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	t := p.peek()
	if p.depth > maxDepth {
		return nil, syntaxError(p.src, t.pos, "The query is nested more than %d levels deep.", maxDepth)
	}
	switch {
	case t.kind == tokBang || t.isKeyword("not"):
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case t.kind == tokLParen:
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, p.unexpected(c, "')'")
		}
		return e, nil
	}
	return p.parseClause()
}

func (p *parser) parseClause() (Expr, error) {
	t := p.next()
	if t.kind != tokWord && t.kind != tokString || t.kind == tokWord && isReservedWord(t.text) || t.kind == tokString && t.text == "" {
		return nil, p.unexpected(t, "a field name")
	}
	info := lookupField(t.text, t.kind == tokString)
	c := &Clause{Field: info.canonical, Name: t.text, Pos: t.pos}
	opTok := p.next()
	switch {
	case opTok.kind == tokOp:
		c.Op = map[string]Operator{"=": OpEquals, "!=": OpNotEquals, "~": OpContains, "!~": OpNotContains,
			"<": OpLess, "<=": OpLessEq, ">": OpGreater, ">=": OpGreaterEq}[opTok.text]
	case opTok.isKeyword("in"):
		c.Op = OpIn
	case opTok.isKeyword("is"):
		c.Op = OpIs
		if p.peek().isKeyword("not") {
			p.next()
			c.Op = OpIsNot
		}
	case opTok.isKeyword("not") || opTok.kind == tokBang:
		if !p.peek().isKeyword("in") {
			return nil, p.unexpected(p.peek(), "'IN'")
		}
		p.next()
		c.Op = OpNotIn
	case opTok.kind == tokWord && isUnsupportedHistoryOperator(opTok.text):
		return nil, semanticError(p.src, opTok.pos, "The operator '%s' is not supported by this Jira: history searches (WAS, CHANGED) are not available.", strings.ToUpper(opTok.text))
	default:
		return nil, p.unexpected(opTok, "operator")
	}
	if !operatorAllowed(info.kind, info.canonical, c.Op) {
		return nil, semanticError(p.src, opTok.pos, "The operator '%s' is not supported by the '%s' field.", c.Op, quoteForMsg(t.text))
	}
	if err := p.parseOperand(c); err != nil {
		return nil, err
	}
	if err := checkValues(p.src, c, info.kind, true); err != nil {
		return nil, err
	}
	return c, nil
}

func isUnsupportedHistoryOperator(w string) bool {
	switch strings.ToLower(w) {
	case "was", "changed":
		return true
	}
	return false
}

func (p *parser) parseOperand(c *Clause) error {
	switch c.Op {
	case OpIs, OpIsNot:
		t := p.next()
		if !t.isKeyword("empty") && !t.isKeyword("null") {
			return p.unexpected(t, "'EMPTY' or 'NULL'")
		}
		c.Values = []Value{{Kind: ValueEmpty, Pos: t.pos}}
		return nil
	case OpIn, OpNotIn:
		t := p.peek()
		if t.kind == tokWord && p.toks[p.i+1].kind == tokLParen && !isReservedWord(t.text) {
			v, err := p.parseValue()
			if err != nil {
				return err
			}
			c.Values = []Value{v}
			return nil
		}
		if t.kind != tokLParen {
			return p.unexpected(t, "'('")
		}
		p.next()
		for {
			v, err := p.parseValue()
			if err != nil {
				return err
			}
			c.Values = append(c.Values, v)
			t := p.next()
			if t.kind == tokRParen {
				return nil
			}
			if t.kind != tokComma {
				return p.unexpected(t, "either ',' or ')'")
			}
		}
	}
	v, err := p.parseValue()
	if err != nil {
		return err
	}
	if v.Kind == ValueEmpty && c.Op != OpEquals && c.Op != OpNotEquals {
		return semanticError(p.src, v.Pos, "The operator '%s' cannot be used with EMPTY; use IS EMPTY or IS NOT EMPTY.", c.Op)
	}
	c.Values = []Value{v}
	return nil
}

// parseValue reads a literal, EMPTY/NULL or a function call.
func (p *parser) parseValue() (Value, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return Value{Kind: ValueLiteral, Text: t.text, Quoted: true, Pos: t.pos}, nil
	case tokWord:
		if t.isKeyword("empty") || t.isKeyword("null") {
			return Value{Kind: ValueEmpty, Pos: t.pos}, nil
		}
		if isReservedWord(t.text) {
			return Value{}, syntaxError(p.src, t.pos, "Expecting either a value, list or function but got '%s'. You must surround '%s' in quotation marks to use it as a value.", t.text, t.text)
		}
		if p.peek().kind != tokLParen {
			return Value{Kind: ValueLiteral, Text: t.text, Pos: t.pos}, nil
		}
		p.next()
		v := Value{Kind: ValueFunction, Text: t.text, Pos: t.pos, Args: []string{}}
		if p.peek().kind == tokRParen {
			p.next()
			return v, nil
		}
		for {
			a := p.next()
			if a.kind != tokString && (a.kind != tokWord || isReservedWord(a.text)) {
				return Value{}, p.unexpected(a, "a function argument")
			}
			v.Args = append(v.Args, a.text)
			n := p.next()
			if n.kind == tokRParen {
				return v, nil
			}
			if n.kind != tokComma {
				return Value{}, p.unexpected(n, "either ',' or ')'")
			}
		}
	}
	return Value{}, p.unexpected(t, "either a value, list or function")
}
