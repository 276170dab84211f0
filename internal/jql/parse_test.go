package jql

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// tree renders a condition as an S-expression so tests see its structure.
func tree(e Expr) string {
	switch e := e.(type) {
	case *And:
		parts := make([]string, len(e.Terms))
		for i, t := range e.Terms {
			parts[i] = tree(t)
		}
		return "(and " + strings.Join(parts, " ") + ")"
	case *Or:
		parts := make([]string, len(e.Terms))
		for i, t := range e.Terms {
			parts[i] = tree(t)
		}
		return "(or " + strings.Join(parts, " ") + ")"
	case *Not:
		return "(not " + tree(e.X) + ")"
	case *Clause:
		vals := make([]string, len(e.Values))
		for i, v := range e.Values {
			vals[i] = v.String()
		}
		return "[" + e.Field + " " + e.Op.String() + " " + strings.Join(vals, "|") + "]"
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("%T", e)
}

func TestParseStructure(t *testing.T) {
	tests := []struct {
		in, tree string
	}{
		{`project = DEMO`, `[project = DEMO]`},
		{`a = 1 OR b = 2 AND c = 3`, `(or [a = 1] (and [b = 2] [c = 3]))`},
		{`a = 1 AND b = 2 OR c = 3`, `(or (and [a = 1] [b = 2]) [c = 3])`},
		{`(a = 1 OR b = 2) AND c = 3`, `(and (or [a = 1] [b = 2]) [c = 3])`},
		{`NOT a = 1 AND b = 2`, `(and (not [a = 1]) [b = 2])`},
		{`(a = 1 AND b = 2) AND c = 3`, `(and [a = 1] [b = 2] [c = 3])`},
		{`a = 1 OR (b = 2 OR c = 3) OR (d = 4 AND e = 5)`, `(or [a = 1] [b = 2] [c = 3] (and [d = 4] [e = 5]))`},
		{`NOT (a = 1 AND b = 2)`, `(not (and [a = 1] [b = 2]))`},
		{`!a = 1 || b = 2 && c = 3`, `(or (not [a = 1]) (and [b = 2] [c = 3]))`},
		{`a = 1 & b = 2 | c = 3`, `(or (and [a = 1] [b = 2]) [c = 3])`},
		{`not not a = 1`, `(not (not [a = 1]))`},
		{`a = 1 and b = 2 and c = 3`, `(and [a = 1] [b = 2] [c = 3])`},
		{`(a = 1 and b = 2) and c = 3`, `(and [a = 1] [b = 2] [c = 3])`},
		{`a = 1 or (b = 2 or c = 3)`, `(or [a = 1] [b = 2] [c = 3])`},
		{`((((a = 1))))`, `[a = 1]`},
		{`status IN (Done, "In Progress", 'To Do')`, `[status IN Done|"In Progress"|"To Do"]`},
		{`status not in (Done)`, `[status NOT IN Done]`},
		{`status ! in (Done)`, `[status NOT IN Done]`},
		{`assignee in (currentUser(), EMPTY)`, `[assignee IN currentUser()|EMPTY]`},
		{`assignee IN currentuser()`, `[assignee IN currentUser()]`},
		{`assignee is empty`, `[assignee IS EMPTY]`},
		{`assignee IS NOT null`, `[assignee IS NOT EMPTY]`},
		{`assignee = EMPTY`, `[assignee = EMPTY]`},
		{`Project = demo`, `[project = demo]`},
		{`issuekey = DEMO-1`, `[key = DEMO-1]`},
		{`issue = DEMO-1`, `[key = DEMO-1]`},
		{`id = 10001`, `[key = 10001]`},
		{`type = Bug`, `[issuetype = Bug]`},
		{`createdDate > -1d`, `[created > -1d]`},
		{`UpdatedDate <= "2024/01/02 10:00"`, `[updated <= "2024/01/02 10:00"]`},
		{`cf[10010] = x`, `[customfield_10010 = x]`},
		{`CF[10010] = x`, `[customfield_10010 = x]`},
		{`customfield_10010 ~ "a b"`, `[customfield_10010 ~ "a b"]`},
		{`"Story Points" >= 3`, `[Story Points >= 3]`},
		{`summary ~ "say \"hi\""`, `[summary ~ "say \"hi\""]`},
		{`summary ~ 'it\'s'`, `[summary ~ "it's"]`},
		{`summary ~ "tab\there"`, `[summary ~ "tab\there"]`},
		{`summary ~ "\u00e9t\u00E9"`, `[summary ~ "été"]`},
		{`summary ~ bare\ word`, `[summary ~ "bare word"]`},
		{`created >= startOfDay("-1d") and updated < endOfDay("+1")`, `(and [created >= startOfDay("-1d")] [updated < endOfDay("+1")])`},
		{`created > NOW()`, `[created > now()]`},
		{`labels = "and"`, `[labels = "and"]`},
		{`status = Done order by key`, `[status = Done]`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tree(q.Where); got != tt.tree {
				t.Errorf("tree = %s, want %s", got, tt.tree)
			}
			if q.Source != tt.in {
				t.Errorf("Source = %q", q.Source)
			}
			// The canonical form reads back to the same query.
			q2, err := Parse(q.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", q.String(), err)
			}
			if tree(q2.Where) != tt.tree || q2.String() != q.String() {
				t.Errorf("canonical form %q does not round-trip: %s", q.String(), tree(q2.Where))
			}
		})
	}
}

func TestParseCanonicalString(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, ``},
		{`   `, ``},
		{`project=DEMO`, `project = DEMO`},
		{`project = DEMO AND updated >= 1700000000000 AND status != Done ORDER BY updated ASC`,
			`project = DEMO AND updated >= 1700000000000 AND status != Done ORDER BY updated ASC`},
		{`a=1 and (b=2 or c=3)`, `a = 1 AND (b = 2 OR c = 3)`},
		{`not (a=1 or b=2)`, `NOT (a = 1 OR b = 2)`},
		{`status in(Done,'In Progress')`, `status IN (Done, "In Progress")`},
		{`status = "Done"`, `status = "Done"`},
		{`status = "EMPTY"`, `status = "EMPTY"`},
		{`cf[10010] = x order by cf[10010] desc`, `cf[10010] = x ORDER BY cf[10010] DESC`},
		{`order by KEY desc, Created, priority asc`, `ORDER BY key DESC, created ASC, priority ASC`},
		{`"My Field" = 1`, `"My Field" = 1`},
		{`"Status" = 1`, `status = 1`},
		{"summary ~ \"line\\nbreak\"", `summary ~ "line\nbreak"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseOrderBy(t *testing.T) {
	q, err := Parse(`project = DEMO ORDER BY priority DESC, updated, key ASC, cf[10010] DESC`)
	if err != nil {
		t.Fatal(err)
	}
	want := []OrderField{{"priority", true}, {"updated", false}, {"key", false}, {"customfield_10010", true}}
	if !reflect.DeepEqual(q.OrderBy, want) {
		t.Errorf("OrderBy = %+v, want %+v", q.OrderBy, want)
	}
	if !q.HasOrderBy() || !q.Bounded() {
		t.Errorf("HasOrderBy = %v, Bounded = %v", q.HasOrderBy(), q.Bounded())
	}

	q, err = Parse(`order by key desc`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Bounded() || !q.HasOrderBy() || q.Where != nil {
		t.Errorf("ORDER BY only: Bounded = %v, HasOrderBy = %v, Where = %v", q.Bounded(), q.HasOrderBy(), q.Where)
	}
	q, err = Parse(``)
	if err != nil {
		t.Fatal(err)
	}
	if q.Bounded() || q.HasOrderBy() {
		t.Errorf("empty query: Bounded = %v, HasOrderBy = %v", q.Bounded(), q.HasOrderBy())
	}

	seven := `a = 1 ORDER BY f1, f2, f3, f4, f5, f6, f7`
	if _, err := Parse(seven); err != nil {
		t.Errorf("seven sort fields: %v", err)
	}
	if _, err := Parse(seven + `, f8`); err == nil || !strings.Contains(err.Error(), "at most 7 fields") {
		t.Errorf("eight sort fields: err = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		msg  string // full Error() text
		pos  int
		line int
		col  int
	}{
		{`project = DEMO foo`, `Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 1, character 16)`, 15, 1, 16},
		{`project foo DEMO`, `Error in the JQL Query: Expecting operator but got 'foo'. (line 1, character 9)`, 8, 1, 9},
		{`project =`, `Error in the JQL Query: Expecting either a value, list or function but reached the end of the query. (line 1, character 10)`, 9, 1, 10},
		{`project = AND`, `Error in the JQL Query: Expecting either a value, list or function but got 'AND'. You must surround 'AND' in quotation marks to use it as a value. (line 1, character 11)`, 10, 1, 11},
		{`(project = DEMO`, `Error in the JQL Query: Expecting ')' but reached the end of the query. (line 1, character 16)`, 15, 1, 16},
		{`project = DEMO)`, `Error in the JQL Query: Expecting either 'OR' or 'AND' but got ')'. The query has a ')' without a matching '('. (line 1, character 15)`, 14, 1, 15},
		{`status in Done`, `Error in the JQL Query: Expecting '(' but got 'Done'. (line 1, character 11)`, 10, 1, 11},
		{`status in (Done`, `Error in the JQL Query: Expecting either ',' or ')' but reached the end of the query. (line 1, character 16)`, 15, 1, 16},
		{`status in (Done,)`, `Error in the JQL Query: Expecting either a value, list or function but got ')'. (line 1, character 17)`, 16, 1, 17},
		{`status is Done`, `Error in the JQL Query: Expecting 'EMPTY' or 'NULL' but got 'Done'. (line 1, character 11)`, 10, 1, 11},
		{`status not Done`, `Error in the JQL Query: Expecting 'IN' but got 'Done'. (line 1, character 12)`, 11, 1, 12},
		{`= Done`, `Error in the JQL Query: Expecting a field name but got '='. (line 1, character 1)`, 0, 1, 1},
		{`status = Done AND`, `Error in the JQL Query: Expecting a field name but reached the end of the query. (line 1, character 18)`, 17, 1, 18},
		{`summary ~ "login`, `Error in the JQL Query: The quoted string 'login' has not been completed. (line 1, character 11)`, 10, 1, 11},
		{`summary ~ 'a\qb'`, `Error in the JQL Query: The escape sequence '\q' in the string ''a\q' is illegal. (line 1, character 13)`, 12, 1, 13},
		{`summary ~ fail*`, `Error in the JQL Query: The character '*' is a reserved JQL character. You must enclose it in a string or use the escape '\u002a' instead. (line 1, character 15)`, 14, 1, 15},
		{`reporter = bob@example.com`, `Error in the JQL Query: The character '@' is a reserved JQL character. You must enclose it in a string or use the escape '\u0040' instead. (line 1, character 15)`, 14, 1, 15},
		{"project = DEMO\nAND status = \"x", `Error in the JQL Query: The quoted string 'x' has not been completed. (line 2, character 14)`, 28, 2, 14},
		{"project = DEMO\n  foo", `Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 2, character 3)`, 17, 2, 3},
		{`summary ~ "é" x`, `Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'x'. (line 1, character 15)`, 15, 1, 15},
		{`ORDER key`, `Error in the JQL Query: Expecting 'BY' but got 'key'. (line 1, character 7)`, 6, 1, 7},
		{`ORDER BY`, `Error in the JQL Query: Expecting a field name but reached the end of the query. (line 1, character 9)`, 8, 1, 9},
		{`a = 1 ORDER BY key desc foo`, `Error in the JQL Query: Expecting either ',' or the end of the query but got 'foo'. (line 1, character 25)`, 24, 1, 25},
		{`a = 1 ORDER BY key, issuekey`, `The sort field 'issuekey' is referenced multiple times in the JQL sort.`, 20, 1, 21},
		// Semantic errors: Jira prints them without the syntax prefix.
		{`summary = login`, `The operator '=' is not supported by the 'summary' field.`, 8, 1, 9},
		{`status > Open`, `The operator '>' is not supported by the 'status' field.`, 7, 1, 8},
		{`labels ~ x`, `The operator '~' is not supported by the 'labels' field.`, 7, 1, 8},
		{`created ~ x`, `The operator '~' is not supported by the 'created' field.`, 8, 1, 9},
		{`key is empty`, `The operator 'IS' is not supported by the 'key' field.`, 4, 1, 5},
		{`created > "yesterday"`, `Date value 'yesterday' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`, 10, 1, 11},
		{`updated > "2024-02-30"`, `Date value '2024-02-30' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`, 10, 1, 11},
		{`updated > "2024-01-01 24:00"`, `Date value '2024-01-01 24:00' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`, 10, 1, 11},
		{`updated > "-99999999w"`, `Date value '-99999999w' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`, 10, 1, 11},
		{`updated > "10430w 100d"`, `Date value '10430w 100d' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`, 10, 1, 11},
		{`key = DEMO`, `The issue key 'DEMO' for field 'key' is invalid.`, 6, 1, 7},
		{`assignee = foo()`, `Unable to find JQL function 'foo()'.`, 11, 1, 12},
		{`status = now()`, `A value provided by the function 'now' is invalid for the field 'status'.`, 9, 1, 10},
		{`created > currentUser()`, `A value provided by the function 'currentUser' is invalid for the field 'created'.`, 10, 1, 11},
		{`created > startOfDay(1, 2)`, `Function 'startOfDay' expected between 0 and 1 arguments but received 2.`, 10, 1, 11},
		{`created > startOfDay("x")`, `Duration format 'x' for function 'startOfDay' is invalid. Use a period such as '-1d', '+2w' or '1M'.`, 10, 1, 11},
		{`created > startOfDay("+9999999h")`, `Duration format '+9999999h' for function 'startOfDay' is invalid. Use a period such as '-1d', '+2w' or '1M'.`, 10, 1, 11},
		{`created > endOfDay("-99999999m")`, `Duration format '-99999999m' for function 'endOfDay' is invalid. Use a period such as '-1d', '+2w' or '1M'.`, 10, 1, 11},
		{`summary ~ ""`, `The field 'summary' does not support searching for an empty string.`, 10, 1, 11},
		{`priority > EMPTY`, `The operator '>' cannot be used with EMPTY; use IS EMPTY or IS NOT EMPTY.`, 11, 1, 12},
		{`key in (A-1, EMPTY)`, `The field 'key' does not support searching for EMPTY values.`, 13, 1, 14},
		{`summary ~ EMPTY`, `The operator '~' cannot be used with EMPTY; use IS EMPTY or IS NOT EMPTY.`, 10, 1, 11},
		{`status was Open`, `The operator 'WAS' is not supported by this Jira: history searches (WAS, CHANGED) are not available.`, 7, 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse succeeded: %s", q)
			}
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if err.Error() != tt.msg {
				t.Errorf("Error() =\n  %s\nwant\n  %s", err.Error(), tt.msg)
			}
			if je.Pos != tt.pos || je.Line() != tt.line || je.Column() != tt.col {
				t.Errorf("Pos, Line, Column = %d, %d, %d; want %d, %d, %d", je.Pos, je.Line(), je.Column(), tt.pos, tt.line, tt.col)
			}
		})
	}
}

func TestParseDeepNestingIsAnError(t *testing.T) {
	deep := strings.Repeat("(", 10000) + "a = 1" + strings.Repeat(")", 10000)
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("err = %v", err)
	}
	nots := strings.Repeat("NOT ", 10000) + "a = 1"
	if _, err := Parse(nots); err == nil {
		t.Error("10000 NOTs parsed")
	}
	ok := strings.Repeat("(", 50) + "a = 1" + strings.Repeat(")", 50)
	if _, err := Parse(ok); err != nil {
		t.Errorf("50 levels: %v", err)
	}
}

func TestValidateFields(t *testing.T) {
	q, err := Parse(`project = DEMO AND cf[10010] = x AND "Story Points" > 3 ORDER BY customfield_10020 DESC`)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	known := func(f string) bool {
		asked = append(asked, f)
		return f == "customfield_10010" || f == "Story Points" || f == "customfield_10020"
	}
	if err := q.ValidateFields(known); err != nil {
		t.Fatalf("ValidateFields: %v", err)
	}
	if want := []string{"customfield_10010", "Story Points", "customfield_10020"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("asked about %v, want %v (built-in fields are not asked about)", asked, want)
	}

	q, _ = Parse(`project = DEMO AND (Foo = x OR status = Done)`)
	err = q.ValidateFields(nil)
	if err == nil || err.Error() != "Field 'Foo' does not exist or you do not have permission to view it." {
		t.Errorf("unknown field: %v", err)
	}
	var je *Error
	if !errors.As(err, &je) || je.Pos != 20 {
		t.Errorf("error = %#v, want *Error at 20", err)
	}

	q, _ = Parse(`project = DEMO ORDER BY rank`)
	if err := q.ValidateFields(func(string) bool { return false }); err == nil || !strings.Contains(err.Error(), "Field 'rank' does not exist") {
		t.Errorf("unknown sort field: %v", err)
	}
	q, _ = Parse(`issuekey = A-1 and TYPE = Bug and createdDate > -1d ORDER BY resolved`)
	if err := q.ValidateFields(nil); err != nil {
		t.Errorf("built-in aliases: %v", err)
	}
}
