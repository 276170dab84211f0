package jiratest

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/testclock"
)

func keysOf(t *testing.T, m map[string]any) []string {
	t.Helper()
	var out []string
	for _, is := range m["issues"].([]any) {
		out = append(out, is.(map[string]any)["key"].(string))
	}
	return out
}

func TestSearchJQLTimeSemantics(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	auck, _ := time.LoadLocation("Pacific/Auckland")
	clock := testclock.New(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	s := New(t, Options{Mode: Cloud, Now: clock.Now})
	s.AddUser(User{Email: "ny@example.com", APIToken: "t1", TimeZone: ny})
	s.AddUser(User{Email: "nz@example.com", APIToken: "t2", TimeZone: auck})
	s.AddUser(User{Email: "default@example.com", APIToken: "t3"}) // Options.TimeZone default: New York
	s.AddProject(Project{Key: "TZ"})
	// 2024-05-31 14:05:30 UTC = 10:05:30 in New York = 02:05:30 (June 1) in Auckland.
	at := time.Date(2024, 5, 31, 14, 5, 30, 0, time.UTC)
	s.SeedIssue(IssueSeed{Project: "TZ", Summary: "stamped", Created: at, Updated: at})
	s.SeedIssue(IssueSeed{Project: "TZ", Summary: "older", Created: at.Add(-48 * time.Hour)})
	for _, tc := range []struct {
		user, jql string
		want      []string
	}{
		{"ny@example.com", `project = TZ AND created >= "2024-05-31 10:05"`, []string{"TZ-1"}},
		{"ny@example.com", `project = TZ AND created > "2024-05-31 10:05"`, nil}, // minute precision: 10:05:30 is not after 10:05
		{"ny@example.com", `project = TZ AND created <= "2024-05-31 10:05"`, []string{"TZ-1", "TZ-2"}},
		{"ny@example.com", `project = TZ AND created >= "2024/05/31 10:06"`, nil},
		{"default@example.com", `project = TZ AND created >= "2024-05-31 10:05"`, []string{"TZ-1"}},
		{"nz@example.com", `project = TZ AND created >= "2024-05-31 10:05"`, []string{"TZ-1"}},
		{"nz@example.com", `project = TZ AND created >= "2024-06-01 02:06"`, nil},
		{"nz@example.com", `project = TZ AND created >= "2024-06-01"`, []string{"TZ-1"}},
		{"ny@example.com", `project = TZ AND created >= "2024-06-01"`, nil},
		{"ny@example.com", fmt.Sprintf(`project = TZ AND created >= %d`, at.UnixMilli()), []string{"TZ-1"}},
		{"ny@example.com", fmt.Sprintf(`project = TZ AND created > %d`, at.UnixMilli()), nil}, // epoch ms is exact
		{"ny@example.com", `project = TZ AND created >= -1d`, []string{"TZ-1"}},
		{"ny@example.com", `project = TZ AND created >= -22h`, []string{"TZ-1"}},
		{"ny@example.com", `project = TZ AND created >= -21h`, nil},
		{"ny@example.com", `project = TZ ORDER BY created ASC`, []string{"TZ-2", "TZ-1"}},
	} {
		t.Run(tc.user+" "+tc.jql, func(t *testing.T) {
			c := newClient(t, s.URL(), basic(tc.user, map[string]string{"ny@example.com": "t1", "nz@example.com": "t2", "default@example.com": "t3"}[tc.user]))
			m := c.must(200, c.get("/rest/api/2/search/jql?fields=key&jql="+url.QueryEscape(tc.jql))).json(t)
			if got := keysOf(t, m); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	_, _, dc, _ := setup(t, DataCenter)
	for _, tc := range []struct {
		c       *client
		path    string
		status  int
		message string
	}{
		{c, "/rest/api/2/search/jql?jql=" + url.QueryEscape("order by key desc"), 400, "Unbounded JQL"},
		{c, "/rest/api/2/search/jql", 400, "Unbounded JQL"},
		{c, "/rest/api/2/search/jql?jql=project%3DDEMO&maxResults=0", 400, "between 1 and 5,000"},
		{c, "/rest/api/2/search/jql?jql=project%3DDEMO&maxResults=5001", 400, "between 1 and 5,000"},
		{c, "/rest/api/2/search/jql?jql=" + url.QueryEscape("project = NOPE"), 400, "The value 'NOPE' does not exist for the field 'project'."},
		{c, "/rest/api/2/search/jql?jql=" + url.QueryEscape("project = DEMO AND"), 400, "Error in the JQL Query"},
		{c, "/rest/api/2/search/jql?jql=project%3DDEMO&nextPageToken=garbage", 400, "next page token"},
		{c, "/rest/api/2/search?jql=project%3DDEMO", 410, "/rest/api/3/search/jql"},
		{dc, "/rest/api/2/search?jql=" + url.QueryEscape("created >= \"yesterday\""), 400, "Date value"},
		{dc, "/rest/api/2/search?jql=" + url.QueryEscape("foo = bar"), 400, "Field 'foo' does not exist"},
	} {
		r := tc.c.get(tc.path)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.message) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.path, r.status, r.body, tc.status, tc.message)
		}
		if r.status == 400 && dig(r.json(t), "errors") == nil {
			t.Errorf("%s: not a Jira error body: %s", tc.path, r.body)
		}
	}
	_ = s
}

func seedMany(s *Server, project string, n int, start time.Time) {
	s.AddProject(Project{Key: project})
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		s.SeedIssue(IssueSeed{Project: project, Summary: fmt.Sprintf("issue %d", i), Created: at, Updated: at})
	}
}

func TestCloudPaginationEndToEnd(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	seedMany(s, "PG", 237, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	var seen []string
	token := ""
	pages := 0
	for {
		q := url.Values{"jql": {"project = PG ORDER BY created ASC"}, "maxResults": {"50"}, "fields": {"summary"}}
		if token != "" {
			q.Set("nextPageToken", token)
		}
		m := c.must(200, c.get("/rest/api/2/search/jql?"+q.Encode())).json(t)
		for _, k := range []string{"total", "startAt", "maxResults"} {
			if _, ok := m[k]; ok {
				t.Fatalf("enhanced search answered %q", k)
			}
		}
		seen = append(seen, keysOf(t, m)...)
		pages++
		if m["isLast"] == true {
			if _, ok := m["nextPageToken"]; ok {
				t.Fatal("last page carries nextPageToken")
			}
			break
		}
		token = m["nextPageToken"].(string)
	}
	if len(seen) != 237 || pages != 5 || seen[0] != "PG-1" || seen[236] != "PG-237" {
		t.Fatalf("pages=%d seen=%d first=%v last=%v", pages, len(seen), seen[0], seen[len(seen)-1])
	}
	// Pages with fields are capped at 100 even when more are asked for;
	// ids-only pages are not.
	m := c.must(200, c.get("/rest/api/2/search/jql?jql=project%3DPG&maxResults=500&fields=summary")).json(t)
	if n := len(m["issues"].([]any)); n != 100 {
		t.Errorf("page with fields: %d issues, want 100", n)
	}
	m = c.must(200, c.get("/rest/api/2/search/jql?jql=project%3DPG&maxResults=500")).json(t)
	if n := len(m["issues"].([]any)); n != 237 {
		t.Errorf("ids-only page: %d issues, want 237", n)
	}
	if f, ok := m["issues"].([]any)[0].(map[string]any)["fields"]; ok {
		t.Errorf("default fields should be id only, got fields %v", f)
	}
	// POST with the same parameters.
	p := c.must(200, c.do("POST", "/rest/api/2/search/jql", map[string]any{"jql": "project = PG", "maxResults": 10, "fields": []string{"summary"}, "expand": "names"})).json(t)
	if len(p["issues"].([]any)) != 10 || p["names"] == nil || p["nextPageToken"] == nil {
		t.Errorf("POST search/jql = %v", p)
	}
	cnt := c.must(200, c.do("POST", "/rest/api/2/search/approximate-count", map[string]any{"jql": "project = PG"})).json(t)
	if cnt["count"] != float64(237) {
		t.Errorf("count = %v", cnt)
	}
	bf := c.must(200, c.do("POST", "/rest/api/2/issue/bulkfetch", map[string]any{"issueIdsOrKeys": []string{"PG-3", "PG-1", "NOPE-1"}})).json(t)
	if got := keysOf(t, bf); !slices.Equal(got, []string{"PG-1", "PG-3"}) {
		t.Errorf("bulkfetch = %v", got)
	}
}

func TestDataCenterPaginationEndToEnd(t *testing.T) {
	s, _, c, _ := setup(t, DataCenter)
	seedMany(s, "PG", 1234, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	var seen []string
	start := 0
	for {
		m := c.must(200, c.get(fmt.Sprintf("/rest/api/2/search?jql=%s&startAt=%d&maxResults=5000&fields=summary", url.QueryEscape("project = PG ORDER BY key ASC"), start))).json(t)
		if m["total"] != float64(1234) || m["maxResults"] != float64(1000) {
			t.Fatalf("total=%v maxResults=%v (DC caps at 1000 and echoes it)", m["total"], m["maxResults"])
		}
		page := keysOf(t, m)
		seen = append(seen, page...)
		if len(page) == 0 || start+len(page) >= 1234 {
			break
		}
		start += len(page)
	}
	if len(seen) != 1234 || seen[9] != "PG-10" || seen[1233] != "PG-1234" {
		t.Fatalf("seen %d, [9]=%s", len(seen), seen[9])
	}
	m := c.must(200, c.do("POST", "/rest/api/2/search", map[string]any{"jql": "project = PG", "startAt": 1230, "maxResults": 10})).json(t)
	if len(m["issues"].([]any)) != 4 || m["startAt"] != float64(1230) {
		t.Errorf("POST search page = %v issues, startAt %v", len(m["issues"].([]any)), m["startAt"])
	}
}

func TestSearchLagAndReconcile(t *testing.T) {
	s, d, c, clock := setup(t, Cloud)
	s.SetSearchLag(30 * time.Second)
	created := c.must(201, c.do("POST", "/rest/api/2/issue", map[string]any{"fields": map[string]any{
		"project": map[string]any{"key": "DEMO"}, "issuetype": map[string]any{"name": "Task"}, "summary": "fresh"}})).json(t)
	id, key := created["id"].(string), created["key"].(string)
	search := func(extra string) []string {
		m := c.must(200, c.get("/rest/api/2/search/jql?fields=summary&jql="+url.QueryEscape("project = DEMO AND summary ~ fresh")+extra)).json(t)
		return keysOf(t, m)
	}
	if got := search(""); len(got) != 0 {
		t.Fatalf("new issue visible during lag: %v", got)
	}
	if got := search("&reconcileIssues=" + id); !slices.Equal(got, []string{key}) {
		t.Fatalf("reconciled search = %v", got)
	}
	clock.Advance(31 * time.Second)
	if got := search(""); !slices.Equal(got, []string{key}) {
		t.Fatalf("after the lag = %v", got)
	}
	// An edit is not visible yet: search still matches the old summary.
	if err := s.UpdateIssueAs(d.Alice.AccountID, key, map[string]any{"summary": "renamed"}); err != nil {
		t.Fatal(err)
	}
	if got := search(""); !slices.Equal(got, []string{key}) {
		t.Fatalf("old state should still match during the lag: %v", got)
	}
	if got := search("&reconcileIssues=" + id); len(got) != 0 {
		t.Fatalf("reconciled search should see the new summary: %v", got)
	}
	clock.Advance(31 * time.Second)
	if got := search(""); len(got) != 0 {
		t.Fatalf("after the lag the old summary must not match: %v", got)
	}
	s.SetSearchLag(0)
}

func TestSearchPermissionsFilterResults(t *testing.T) {
	s, d, _, _ := setup(t, Cloud)
	s.AddSecurityLevel("DEMO", "Secret", d.Admin.AccountID)
	if err := s.UpdateIssueAs(d.Admin.AccountID, "DEMO-1", map[string]any{"security": "Secret"}); err != nil {
		t.Fatal(err)
	}
	bob := newClient(t, s.URL(), basic(d.Bob.Email, d.Bob.APIToken))
	m := bob.must(200, bob.get("/rest/api/2/search/jql?fields=key&jql="+url.QueryEscape("project = DEMO ORDER BY key ASC"))).json(t)
	if got := keysOf(t, m); slices.Contains(got, "DEMO-1") || len(got) != 4 {
		t.Errorf("bob sees %v", got)
	}
	m = bob.must(200, bob.get("/rest/api/2/search/jql?fields=key&jql="+url.QueryEscape("assignee = currentUser()"))).json(t)
	if got := keysOf(t, m); !slices.Equal(got, []string{"DEMO-2"}) {
		t.Errorf("currentUser() for bob = %v", got)
	}
}

// A startAt (or a page token's offset) beyond any int a page could end at
// answers an empty last page on every search path, never a failure.
func TestSearchHugeOffset(t *testing.T) {
	_, _, dc, _ := setup(t, DataCenter)
	for _, jq := range []string{"project = DEMO", "project = DEMO ORDER BY summary", "project = DEMO ORDER BY updated ASC", "project = DEMO ORDER BY created DESC"} {
		want := dc.must(200, dc.get("/rest/api/2/search?jql="+url.QueryEscape(jq))).json(t)["total"]
		r := dc.must(200, dc.get("/rest/api/2/search?jql="+url.QueryEscape(jq)+"&startAt=9223372036854775000&maxResults=1000")).json(t)
		if len(r["issues"].([]any)) != 0 || r["total"] != want || want == float64(0) {
			t.Errorf("%s: issues %d, total %v, want %v", jq, len(r["issues"].([]any)), r["total"], want)
		}
	}
	_, _, cl, _ := setup(t, Cloud)
	for _, jq := range []string{"project = DEMO", "project = DEMO ORDER BY summary", "project = DEMO ORDER BY updated ASC"} {
		tok := pageToken(jq, math.MaxInt-10)
		r := cl.must(200, cl.get("/rest/api/2/search/jql?jql="+url.QueryEscape(jq)+"&nextPageToken="+tok)).json(t)
		if len(r["issues"].([]any)) != 0 || r["isLast"] != true {
			t.Errorf("%s: %v", jq, r)
		}
	}
}
