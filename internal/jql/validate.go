package jql

// ValidateFields checks every field the query names, in its condition and
// its ORDER BY. Built-in fields are always known; others (custom fields,
// unknown names) are passed to known by canonical name ("customfield_10010",
// or a quoted name as written). The first unknown field gives Jira's
// message: "Field 'foo' does not exist or you do not have permission to
// view it." A nil known accepts built-in fields only.
func (q *Query) ValidateFields(known func(field string) bool) error {
	if q == nil {
		return nil
	}
	ok := func(canonical string) bool {
		return isBuiltin(canonical) || known != nil && known(canonical)
	}
	if err := validateExpr(q.Source, q.Where, ok, 0); err != nil {
		return err
	}
	for _, f := range q.OrderBy {
		canonical := lookupField(f.Field, true).canonical
		if !ok(canonical) {
			return semanticError(q.Source, -1, "Field '%s' does not exist or you do not have permission to view it.", quoteForMsg(f.Field))
		}
	}
	return nil
}

func validateExpr(src string, e Expr, ok func(string) bool, depth int) error {
	if depth > 10*maxDepth {
		return semanticError(src, -1, "The query is nested too deeply.")
	}
	switch e := e.(type) {
	case *And, *Or:
		for _, t := range termsOf(e) {
			if err := validateExpr(src, t, ok, depth+1); err != nil {
				return err
			}
		}
	case *Not:
		if e == nil {
			return nil
		}
		return validateExpr(src, e.X, ok, depth+1)
	case *Clause:
		if e == nil {
			return nil
		}
		if !ok(lookupField(e.Field, true).canonical) {
			name := e.Name
			if name == "" {
				name = e.Field
			}
			return semanticError(src, e.Pos, "Field '%s' does not exist or you do not have permission to view it.", quoteForMsg(name))
		}
	}
	return nil
}
