package jql

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// mapRecord is a Record backed by maps, as a test double for an issue store.
type mapRecord struct {
	values map[string][]string
	times  map[string]time.Time
}

var priorityNames = []string{"Highest", "High", "Medium", "Low", "Lowest"}

func (m mapRecord) Values(field string) []string { return m.values[field] }

func (m mapRecord) Time(field string) (time.Time, bool) {
	t, ok := m.times[field]
	return t, ok
}

func (m mapRecord) Rank(field, value string) (int, bool) {
	if field != "priority" {
		return 0, false
	}
	for i, name := range priorityNames {
		if strings.EqualFold(name, value) {
			return i + 1, true
		}
	}
	return 0, false
}

// issue builds a record; times are given as RFC 3339 strings.
func issue(values map[string][]string, times map[string]string) mapRecord {
	r := mapRecord{values: values, times: map[string]time.Time{}}
	for f, s := range times {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		r.times[f] = t
	}
	return r
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone database lacks %s: %v", name, err)
	}
	return loc
}

func mustMatch(t *testing.T, jql string, r Record, env Env) bool {
	t.Helper()
	q, err := Parse(jql)
	if err != nil {
		t.Fatalf("Parse(%q): %v", jql, err)
	}
	ok, err := q.Match(r, env)
	if err != nil {
		t.Fatalf("Match(%q): %v", jql, err)
	}
	return ok
}

type matchCase struct {
	jql  string
	want bool
}

func runMatches(t *testing.T, r Record, env Env, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		if got := mustMatch(t, c.jql, r, env); got != c.want {
			t.Errorf("%s: got %v, want %v", c.jql, got, c.want)
		}
	}
}

var demo = issue(map[string][]string{
	"project":           {"DEMO", "10000", "Demo project"},
	"key":               {"DEMO-9"},
	"id":                {"10009"},
	"status":            {"In Progress", "3"},
	"issuetype":         {"Bug", "10004"},
	"assignee":          {"5b10a2844c20165700ede21g", "Alana Grant", "alana@example.com"},
	"reporter":          {"557058:f58131cb", "Mia Krystof"},
	"labels":            {"backend", "urgent"},
	"priority":          {"High", "2"},
	"summary":           {"Login failed for SSO users"},
	"description":       {"When a user signs in with SSO the login page shows an error."},
	"comment":           {"Reproduced on staging.", "Fixed by the auth-proxy patch?"},
	"resolution":        nil,
	"customfield_10010": {"42"},
}, map[string]string{
	"created": "2024-01-10T08:00:00Z",
	"updated": "2024-01-15T10:05:59.999Z",
})

func TestMatchFields(t *testing.T) {
	env := Env{Now: time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC), CurrentUser: []string{"alana@example.com", "5b10a2844c20165700ede21g"}}
	runMatches(t, demo, env, []matchCase{
		{`project = DEMO`, true},
		{`project = demo`, true},
		{`project = 10000`, true},
		{`project = "Demo project"`, true},
		{`project = OTHER`, false},
		{`project != DEMO`, false},
		{`project != OTHER`, true},
		{`project in (A, B, DEMO)`, true},
		{`project not in (A, B)`, true},
		{`project not in (A, demo)`, false},
		{`key = DEMO-9`, true},
		{`issuekey = demo-9`, true},
		{`key = 10009`, true},
		{`id = 10009`, true},
		{`key in (DEMO-1, DEMO-9)`, true},
		{`key != DEMO-9`, false},
		{`key > DEMO-8`, true},
		{`key > DEMO-9`, false},
		{`key >= DEMO-9`, true},
		{`key < DEMO-10`, true}, // by number, not text
		{`key < OTHER-100`, false},
		{`key > 10008`, true},
		{`status = "in progress"`, true},
		{`status = Done`, false},
		{`status != Done`, true},
		{`type = bug`, true},
		{`issuetype in (Task, Story)`, false},
		{`assignee = currentUser()`, true},
		{`assignee != currentUser()`, false},
		{`reporter = currentUser()`, false},
		{`assignee in ("Mia Krystof", currentUser())`, true},
		{`assignee = "alana@example.com"`, true},
		{`labels = urgent`, true},
		{`labels = frontend`, false},
		{`labels in (frontend, backend)`, true},
		{`labels != urgent`, false},
		{`labels != frontend`, true},
		{`labels not in (frontend, ux)`, true},
		{`labels not in (frontend, backend)`, false},
		{`labels is empty`, false},
		{`labels is not empty`, true},
		{`resolution is empty`, true},
		{`resolution = EMPTY`, true},
		{`resolution != EMPTY`, false},
		{`resolution = Fixed`, false},
		{`resolution != Fixed`, false}, // != never matches an empty field
		{`NOT resolution = Fixed`, true},
		{`resolution in (Fixed, EMPTY)`, true},
		{`resolution not in (Fixed, EMPTY)`, false},
		{`resolution is empty or resolution != Fixed`, true},
		{`priority = high`, true},
		{`priority > Medium`, true},
		{`priority > High`, false},
		{`priority >= High`, true},
		{`priority < Highest`, true},
		{`priority <= Low`, false},
		{`priority in (Highest, High)`, true},
		{`cf[10010] = 42`, true},
		{`customfield_10010 > 41.5`, true},
		{`cf[10010] < 10`, false},
		{`cf[10011] is empty`, true},
		{`cf[10010] is not empty`, true},
		{`project = DEMO and (status = Done or labels = urgent)`, true},
		{`project = DEMO and status = Done or labels = urgent`, true},
		{`project = DEMO and (status = Done or labels = ux)`, false},
		{`not (status = Done or labels = ux)`, true},
		{`!project = DEMO`, false},
		{`created is not empty and resolutiondate is empty and due is empty`, true},
		{`created is empty`, false},
	})
}

func TestMatchText(t *testing.T) {
	env := Env{Now: time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)}
	runMatches(t, demo, env, []matchCase{
		{`summary ~ login`, true},
		{`summary ~ LOGIN`, true},
		{`summary ~ "login failed"`, true},
		{`summary ~ "failed login"`, true}, // words in any order
		{`summary ~ "\"login failed\""`, true},
		{`summary ~ "\"failed login\""`, false}, // exact phrase
		{`summary ~ "login fail*"`, true},
		{`summary ~ "fail*"`, true},
		{`summary ~ "fai"`, false}, // whole words only
		{`summary ~ "logout"`, false},
		{`summary ~ "login logout"`, false},
		{`summary !~ logout`, true},
		{`summary !~ login`, false},
		{`description ~ "sso error"`, true},
		{`description ~ "\"login page\""`, true},
		{`comment ~ staging`, true},
		{`comment ~ "auth proxy"`, true},
		{`text ~ staging`, true}, // no "text" values: summary, description and comments are searched
		{`text ~ "sso"`, true},
		{`text !~ nothing`, true},
		{`text ~ nothing`, false},
		{`summary ~ "sso users"`, true},
		{`summary is not empty`, true},
		{`environment ~ x`, false}, // unknown fields are empty
	})

	explicitText := issue(map[string][]string{"text": {"only this"}, "summary": {"something else"}}, nil)
	runMatches(t, explicitText, env, []matchCase{
		{`text ~ only`, true},
		{`text ~ something`, false},
	})
	unicode := issue(map[string][]string{"summary": {"Échec de connexion: ÉTÉ"}}, nil)
	runMatches(t, unicode, env, []matchCase{
		{`summary ~ "échec"`, true},
		{`summary ~ "été"`, true},
		{`summary ~ "conn*"`, true},
		{`summary ~ "éc*"`, true},
	})
}

func TestMatchTimeZones(t *testing.T) {
	auckland := mustLoad(t, "Pacific/Auckland")
	la := mustLoad(t, "America/Los_Angeles")
	// 2024-03-01 09:00 in Auckland (UTC+13) is 2024-02-29 20:00 UTC;
	// in Los Angeles (UTC-8) it is 2024-03-01 17:00 UTC.
	r := issue(nil, map[string]string{"created": "2024-02-29T20:00:00Z"})
	for _, c := range []struct {
		jql      string
		akl, lax bool
	}{
		{`created = "2024-03-01 09:00"`, true, false},
		{`created >= "2024-03-01 09:00"`, true, false},
		{`created < "2024-03-01 09:00"`, false, true},
		{`created >= "2024/03/01 09:00"`, true, false},
		{`created >= "2024-03-01"`, true, false},
		{`created >= "2024/03/01"`, true, false},
		{`created >= "2024-02-29"`, true, true},
		{`created < "2024-03-02"`, true, true},
		{`created >= 1709236800000`, true, true}, // epoch ms is zone-independent
	} {
		if got := mustMatch(t, c.jql, r, Env{Location: auckland}); got != c.akl {
			t.Errorf("Auckland: %s = %v, want %v", c.jql, got, c.akl)
		}
		if got := mustMatch(t, c.jql, r, Env{Location: la}); got != c.lax {
			t.Errorf("Los Angeles: %s = %v, want %v", c.jql, got, c.lax)
		}
	}
	// nil Location is UTC.
	if !mustMatch(t, `created = "2024-02-29 20:00"`, r, Env{}) {
		t.Error("UTC: literal not read in UTC")
	}
}

func TestMatchMinutePrecisionAndEpoch(t *testing.T) {
	// updated is 2024-01-15 10:05:59.999 UTC = 1705313159999 ms.
	runMatches(t, demo, Env{}, []matchCase{
		{`updated >= "2024-01-15 10:05"`, true},
		{`updated <= "2024-01-15 10:05"`, true}, // the record is truncated to the minute
		{`updated = "2024-01-15 10:05"`, true},
		{`updated > "2024-01-15 10:05"`, false},
		{`updated < "2024-01-15 10:06"`, true},
		{`updated >= "2024-01-15 10:06"`, false},
		{`updated != "2024-01-15 10:05"`, false},
		{`updated in ("2024-01-01", "2024-01-15 10:05")`, true},
		{`updated = 1705313159999`, true}, // epoch ms is exact
		{`updated >= 1705313159999`, true},
		{`updated > 1705313159999`, false},
		{`updated >= 1705313160000`, false},
		{`updated < 1705313160000`, true},
		{`updated = 1705313100000`, false},
		{`updated != 1705313100000`, true},
		{`resolutiondate != 1705313100000`, false}, // empty never matches !=
		{`resolutiondate in (EMPTY, 1)`, true},
	})
}

func TestMatchRelativeDates(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	r := issue(nil, map[string]string{
		"updated": "2024-06-15T11:50:00Z",
		"created": "2024-06-01T12:00:00Z",
		"duedate": "2024-06-16T11:00:00Z",
	})
	runMatches(t, r, Env{Now: now}, []matchCase{
		{`updated >= -15m`, true},
		{`updated >= -5m`, false},
		{`updated > -2h`, true},
		{`updated > "-1d"`, true},
		{`created > -1w`, false},
		{`created > -3w`, true},
		{`created >= "-2w 0d"`, true},
		{`created >= "-2w 1d"`, true}, // -(2w 1d): 15 days ago
		{`created <= "-2w 1d"`, false},
		{`created >= "-13d"`, false},
		{`created >= "-14d"`, true},
		{`created > "-2w 1d 1m"`, true},
		{`duedate <= "+1d"`, true},
		{`duedate <= 23h`, true},
		{`duedate <= "+22h"`, false},
		{`updated <= now()`, true},
		{`duedate > now()`, true},
	})
}

func TestMatchDateFunctions(t *testing.T) {
	auckland := mustLoad(t, "Pacific/Auckland")
	la := mustLoad(t, "America/Los_Angeles")
	// Saturday 2024-06-15 12:00 UTC is Sunday 00:00 in Auckland (UTC+12)
	// and Saturday 05:00 in Los Angeles (UTC-7).
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	r := issue(nil, map[string]string{"created": "2024-06-15T10:00:00Z"})
	for _, c := range []struct {
		jql      string
		akl, lax bool
	}{
		{`created >= startOfDay()`, false, true},
		{`created >= startOfDay("-1d")`, true, true},
		{`created >= startOfDay(-1)`, true, true},
		{`created <= endOfDay()`, true, true},
		{`created <= endOfDay("-1")`, true, false},
		{`created >= startOfWeek()`, false, true},
		{`created >= startOfMonth()`, true, true},
		{`created < startOfMonth("+1M")`, true, true},
		{`created >= startOfYear()`, true, true},
		{`created <= endOfYear("-1y")`, false, false},
		{`created > endOfMonth("-1M")`, true, true},
	} {
		if got := mustMatch(t, c.jql, r, Env{Now: now, Location: auckland}); got != c.akl {
			t.Errorf("Auckland: %s = %v, want %v", c.jql, got, c.akl)
		}
		if got := mustMatch(t, c.jql, r, Env{Now: now, Location: la}); got != c.lax {
			t.Errorf("Los Angeles: %s = %v, want %v", c.jql, got, c.lax)
		}
	}
}

func TestDateFunctionValues(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	env := &Env{Now: time.Date(2024, 1, 31, 20, 0, 0, 0, la), Location: la} // a Wednesday
	at := func(y int, m time.Month, d, h, min, s, ms int) int64 {
		return time.Date(y, m, d, h, min, s, ms*1e6, la).UnixMilli()
	}
	tests := []struct {
		fn   string
		args []string
		want int64
	}{
		{"now", nil, env.Now.UnixMilli()},
		{"startofday", nil, at(2024, 1, 31, 0, 0, 0, 0)},
		{"endofday", nil, at(2024, 1, 31, 23, 59, 59, 999)},
		{"startofday", []string{"+1"}, at(2024, 2, 1, 0, 0, 0, 0)},
		{"startofday", []string{"-2h"}, at(2024, 1, 30, 22, 0, 0, 0)},
		{"startofweek", nil, at(2024, 1, 28, 0, 0, 0, 0)},
		{"endofweek", nil, at(2024, 2, 3, 23, 59, 59, 999)},
		{"startofmonth", nil, at(2024, 1, 1, 0, 0, 0, 0)},
		{"endofmonth", []string{"+1M"}, at(2024, 2, 29, 23, 59, 59, 999)},
		{"endofmonth", []string{"-1d"}, at(2024, 1, 30, 23, 59, 59, 999)},
		{"startofmonth", []string{"+14d"}, at(2024, 1, 15, 0, 0, 0, 0)},
		{"startofyear", []string{"-1"}, at(2023, 1, 1, 0, 0, 0, 0)},
		{"endofyear", nil, at(2024, 12, 31, 23, 59, 59, 999)},
	}
	for _, tt := range tests {
		got := dateFuncs[tt.fn].eval(tt.args, env)
		if got != tt.want {
			t.Errorf("%s(%v) = %v, want %v", tt.fn, tt.args, time.UnixMilli(got).In(la), time.UnixMilli(tt.want).In(la))
		}
	}
}

func TestMatchCustomDateField(t *testing.T) {
	r := issue(map[string][]string{"customfield_10015": {"2024-05-01"}}, map[string]string{"customfield_10015": "2024-05-01T00:00:00Z"})
	runMatches(t, r, Env{Now: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}, []matchCase{
		{`cf[10015] >= "2024-04-30"`, true},
		{`cf[10015] > "2024-05-01"`, false},
		{`cf[10015] < startOfMonth()`, true},
		{`cf[10015] = "2024-05-01"`, true},
	})
}

func TestCurrentUserAnonymous(t *testing.T) {
	if mustMatch(t, `assignee = currentUser()`, demo, Env{}) {
		t.Error("currentUser() matched an anonymous caller")
	}
	if !mustMatch(t, `assignee != currentUser()`, demo, Env{}) {
		t.Error("!= currentUser() should match an assigned issue for an anonymous caller")
	}
}

func TestCompileRejectsBadHandBuiltQueries(t *testing.T) {
	tests := []struct {
		name string
		q    *Query
		msg  string
	}{
		{"bad date", &Query{Where: &Clause{Field: "created", Name: "created", Op: OpGreater, Values: []Value{{Text: "yesterday"}}}},
			"Date value 'yesterday' for field 'created' is invalid."},
		{"no values", &Query{Where: &Clause{Field: "status", Op: OpEquals}}, "has no value"},
		{"bad operator", &Query{Where: &Clause{Field: "status", Op: 99, Values: []Value{{Text: "x"}}}}, "unknown operator"},
		{"unsupported operator", &Query{Where: &Clause{Field: "summary", Op: OpEquals, Values: []Value{{Text: "x"}}}}, "The operator '=' is not supported by the 'summary' field."},
		{"empty and", &Query{Where: &And{}}, "AND condition has no terms"},
		{"nil and", &Query{Where: (*And)(nil)}, "AND condition has no terms"},
		{"empty or", &Query{Where: &Or{}}, "OR condition has no terms"},
		{"nil or", &Query{Where: (*Or)(nil)}, "OR condition has no terms"},
		{"nil not", &Query{Where: &Not{}}, "unknown type <nil>"},
		{"unknown function", &Query{Where: &Clause{Field: "assignee", Op: OpEquals, Values: []Value{{Kind: ValueFunction, Text: "membersOf"}}}}, "Unable to find JQL function 'membersOf()'."},
	}
	for _, tt := range tests {
		_, err := tt.q.Compile(Env{})
		var je *Error
		if !errors.As(err, &je) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err = %v, want *Error containing %q", tt.name, err, tt.msg)
		}
		if _, err := tt.q.Match(demo, Env{}); err == nil {
			t.Errorf("%s: Match did not fail", tt.name)
		}
	}
	// A query without a condition matches everything.
	m, err := (&Query{}).Compile(Env{})
	if err != nil || !m.Match(demo) {
		t.Errorf("empty query: %v, %v", m, err)
	}
}

func TestCompare(t *testing.T) {
	mk := func(key, prio, updated, assignee string) mapRecord {
		v := map[string][]string{"key": {key}, "priority": {prio}}
		if assignee != "" {
			v["assignee"] = []string{assignee}
		}
		tm := map[string]string{}
		if updated != "" {
			tm["updated"] = updated
		}
		return issue(v, tm)
	}
	recs := map[string]mapRecord{
		"DEMO-9":  mk("DEMO-9", "Low", "2024-01-02T00:00:00Z", "bob"),
		"DEMO-10": mk("DEMO-10", "High", "2024-01-01T00:00:00Z", "Alice"),
		"ABC-100": mk("ABC-100", "High", "", ""),
		"demo-2":  mk("demo-2", "Highest", "2024-01-03T00:00:00Z", "carol"),
	}
	sorted := func(jql string) string {
		q, err := Parse(jql)
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{"DEMO-9", "DEMO-10", "ABC-100", "demo-2"}
		slices.SortStableFunc(keys, func(a, b string) int { return q.Compare(recs[a], recs[b]) })
		return strings.Join(keys, " ")
	}
	tests := []struct{ jql, want string }{
		{`ORDER BY key ASC`, "ABC-100 demo-2 DEMO-9 DEMO-10"},
		{`ORDER BY key DESC`, "DEMO-10 DEMO-9 demo-2 ABC-100"},
		{`ORDER BY updated ASC`, "DEMO-10 DEMO-9 demo-2 ABC-100"}, // empty last
		{`ORDER BY updated DESC`, "ABC-100 demo-2 DEMO-9 DEMO-10"},
		{`ORDER BY priority DESC, key ASC`, "demo-2 ABC-100 DEMO-10 DEMO-9"},
		{`ORDER BY priority ASC, key DESC`, "DEMO-9 DEMO-10 ABC-100 demo-2"},
		{`ORDER BY assignee`, "DEMO-10 DEMO-9 demo-2 ABC-100"}, // case-insensitive, empty last
		{`project = X`, "DEMO-9 DEMO-10 ABC-100 demo-2"},       // no ORDER BY: ties keep input order
	}
	for _, tt := range tests {
		if got := sorted(tt.jql); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.jql, got, tt.want)
		}
	}
	if c := compareText("9", "10"); c >= 0 {
		t.Errorf("compareText numeric: %d", c)
	}
}

func TestMatcherDoesNotAllocate(t *testing.T) {
	q, err := Parse(`project = DEMO AND updated >= 1700000000000 AND status != Done AND (labels in (a, urgent) OR summary ~ "login fail*") AND description ~ "\"login page\"" AND text ~ staging AND priority > Low AND key > DEMO-1 AND created < startOfDay() AND resolution is empty`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Compile(Env{})
	if err != nil {
		t.Fatal(err)
	}
	var r Record = demo
	if !m.Match(r) {
		t.Fatal("query does not match the demo issue")
	}
	if allocs := testing.AllocsPerRun(100, func() { m.Match(r) }); allocs != 0 {
		t.Errorf("Match allocates %v times per call", allocs)
	}
}

func TestMatcherIsSafeForConcurrentUse(t *testing.T) {
	q, err := Parse(`project = DEMO AND summary ~ "login fail*" AND updated >= "2024-01-15 10:05"`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Compile(Env{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && m.Match(demo)
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent Match returned false")
		}
	}
}
