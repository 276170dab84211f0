package jql

import "strings"

// checkValues validates a clause's values against its field and, when
// normalize is true, rewrites function names to their canonical spelling.
// Parse and Compile share it, so hand-built queries are checked too.
func checkValues(src string, c *Clause, kind fieldKind, normalize bool) *Error {
	if len(c.Values) == 0 {
		return semanticError(src, c.Pos, "The clause on field '%s' has no value.", quoteForMsg(c.Name))
	}
	if len(c.Values) > 1 && c.Op != OpIn && c.Op != OpNotIn {
		return semanticError(src, c.Pos, "The operator '%s' takes a single value, not a list.", c.Op)
	}
	for i := range c.Values {
		v := c.Values[i]
		switch v.Kind {
		case ValueEmpty:
			if kind == kindKey {
				return semanticError(src, v.Pos, "The field '%s' does not support searching for EMPTY values.", quoteForMsg(c.Name))
			}
			if c.Op == OpContains || c.Op == OpNotContains {
				return semanticError(src, v.Pos, "The operator '%s' cannot be used with EMPTY; use IS EMPTY or IS NOT EMPTY.", c.Op)
			}
		case ValueFunction:
			name, err := checkFunction(src, c, kind, v)
			if err != nil {
				return err
			}
			if normalize {
				c.Values[i].Text = name
			}
		case ValueLiteral:
			if c.Op == OpIs || c.Op == OpIsNot {
				return semanticError(src, v.Pos, "Expecting 'EMPTY' or 'NULL' after '%s' but got '%s'.", c.Op, quoteForMsg(v.Text))
			}
			switch {
			case kind == kindDate:
				if _, ok := parseDateValue(v.Text); !ok {
					return semanticError(src, v.Pos, invalidDateMsg, quoteForMsg(v.Text), quoteForMsg(c.Name))
				}
			case kind == kindKey:
				if _, _, ok := splitKey(v.Text); !ok && !isDigits(v.Text) {
					return semanticError(src, v.Pos, "The issue key '%s' for field '%s' is invalid.", quoteForMsg(v.Text), quoteForMsg(c.Name))
				}
			case c.Op == OpContains || c.Op == OpNotContains:
				if terms, _ := textTerms(v.Text); len(terms) == 0 {
					return semanticError(src, v.Pos, "The field '%s' does not support searching for an empty string.", quoteForMsg(c.Name))
				}
			}
		default:
			return semanticError(src, v.Pos, "The clause on field '%s' has a value of unknown kind %d.", quoteForMsg(c.Name), v.Kind)
		}
	}
	return nil
}

// checkFunction validates a function call used as a value of c and returns
// its canonical name.
func checkFunction(src string, c *Clause, kind fieldKind, v Value) (string, *Error) {
	lower := strings.ToLower(v.Text)
	invalidFor := func(name string) *Error {
		return semanticError(src, v.Pos, "A value provided by the function '%s' is invalid for the field '%s'.", name, quoteForMsg(c.Name))
	}
	if df, ok := dateFuncs[lower]; ok {
		if kind != kindDate && kind != kindCustom || c.Op == OpContains || c.Op == OpNotContains {
			return "", invalidFor(df.name)
		}
		maxArgs := 1
		if df.unit == 0 {
			maxArgs = 0
		}
		if len(v.Args) > maxArgs {
			return "", semanticError(src, v.Pos, "Function '%s' expected between 0 and %d arguments but received %d.", df.name, maxArgs, len(v.Args))
		}
		if len(v.Args) == 1 {
			if _, ok := parseIncrement(v.Args[0], df.unit); !ok {
				return "", semanticError(src, v.Pos, "Duration format '%s' for function '%s' is invalid. Use a period such as '-1d', '+2w' or '1M'.", quoteForMsg(v.Args[0]), df.name)
			}
		}
		return df.name, nil
	}
	if lower == "currentuser" {
		if kind != kindUser && kind != kindCustom || c.Op == OpContains || c.Op == OpNotContains || c.Op == OpLess || c.Op == OpLessEq || c.Op == OpGreater || c.Op == OpGreaterEq {
			return "", invalidFor("currentUser")
		}
		if len(v.Args) > 0 {
			return "", semanticError(src, v.Pos, "Function 'currentUser' expected 0 arguments but received %d.", len(v.Args))
		}
		return "currentUser", nil
	}
	return "", semanticError(src, v.Pos, "Unable to find JQL function '%s()'.", quoteForMsg(v.Text))
}

// splitKey splits an issue key PROJ-123 into its project and number.
func splitKey(s string) (project string, num int64, ok bool) {
	dash := strings.LastIndexByte(s, '-')
	if dash <= 0 || dash == len(s)-1 || len(s)-dash-1 > 18 {
		return "", 0, false
	}
	for i := dash + 1; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", 0, false
		}
		num = num*10 + int64(c-'0')
	}
	return s[:dash], num, true
}
