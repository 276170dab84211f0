package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/testshared"
)

// longClause is a JQL clause of about n bytes that matches no issue.
func longClause(n int) string {
	var labels []string
	for i := 0; len(labels)*10 < n; i++ {
		labels = append(labels, fmt.Sprintf("zz%06d", i))
	}
	return "labels in (" + strings.Join(labels, ", ") + ")"
}

// searchRequests returns the method and path of each search request the
// simulator received since the last call.
func searchRequests(e *env) []string {
	var out []string
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Path, "/search") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	e.srv.ResetRequests()
	return out
}

func TestLongSearchesAreSentAsPOST(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		for i := range 7 {
			e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: "bulk " + string(rune('a'+i)), Labels: []string{"bulk"}})
		}
		path := "/rest/api/2/search/jql"
		if e.mode == jiratest.DataCenter {
			path = "/rest/api/2/search"
		}
		short := "project = DEMO AND labels = bulk ORDER BY key ASC"
		want, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: short, Fields: []string{"summary", "labels"}, Limit: 5})
		if err != nil || want.Count != 5 || !want.Truncated {
			t.Fatalf("short search: %d %v %v", want.Count, want.Truncated, err)
		}
		if got := searchRequests(e); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "GET ") }) {
			t.Errorf("a short search is sent as GET, got %v", got)
		}

		// A long JQL: same answer, by POST.
		long := "project = DEMO AND (labels = bulk OR " + longClause(MaxSearchURL) + ") ORDER BY key ASC"
		got, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: long, Fields: []string{"summary", "labels"}, Expand: []string{"names", "renderedFields"}, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keysOf(got.Issues), keysOf(want.Issues)) || !got.Truncated || got.Issues[0].Fields.Summary != "bulk a" {
			t.Errorf("long JQL found %v (truncated %v), want %v", keysOf(got.Issues), got.Truncated, keysOf(want.Issues))
		}
		reqs := searchRequests(e)
		if len(reqs) != 1 || reqs[0] != "POST "+path {
			t.Errorf("long JQL requests: %v, want one POST %s", reqs, path)
		}

		// A long field list alone also moves the search to a POST.
		fields := []string{"summary"}
		for i := range 700 {
			fields = append(fields, fmt.Sprintf("customfield_%d", 20000+i))
		}
		res, _, err := e.jc.Search.Page(ctx, SearchOptions{JQL: short, Fields: fields, MaxResults: 2})
		if err != nil || len(res.Issues) != 2 || res.Issues[0].Fields.Summary != "bulk a" || res.IsLast {
			t.Fatalf("long field list: %+v %v", res, err)
		}
		if reqs := searchRequests(e); len(reqs) != 1 || reqs[0] != "POST "+path {
			t.Errorf("long field list requests: %v", reqs)
		}

		n, err := e.jc.Search.Count(ctx, "project = DEMO AND (labels = bulk OR "+longClause(MaxSearchURL)+")")
		if err != nil || n != 7 {
			t.Errorf("count with a long JQL: %d %v", n, err)
		}
		if reqs := searchRequests(e); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "POST ") {
			t.Errorf("count requests: %v", reqs)
		}
	})
}

// The POST bodies follow each deployment's schema: Cloud's expand is a
// comma-separated string, Data Center's a list; Cloud pages by token, Data
// Center by startAt.
func TestSearchPOSTBodies(t *testing.T) {
	for _, mode := range []jiratest.Mode{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(mode.String(), func(t *testing.T) {
			e := setup(t, mode)
			for i := range 3 {
				e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: fmt.Sprint("p", i), Labels: []string{"paged"}})
			}
			jql := "project = DEMO AND (labels = paged OR " + longClause(MaxSearchURL) + ") ORDER BY key ASC"
			opts := SearchOptions{JQL: jql, Fields: []string{"summary"}, Expand: []string{"names", "changelog"}, Properties: []string{"p1"}, MaxResults: 2}
			var seen []string
			for is, err := range e.jc.Search.All(ctx, opts) {
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, is.Fields.Summary)
			}
			if !slices.Equal(seen, []string{"p0", "p1", "p2"}) {
				t.Errorf("paged by POST: %v", seen)
			}
			var bodies []map[string]any
			for _, r := range e.srv.Requests() {
				if r.Method == "POST" && strings.Contains(r.Path, "/search") {
					var b map[string]any
					if err := json.Unmarshal(r.Body, &b); err != nil {
						t.Fatalf("body %s: %v", r.Body, err)
					}
					bodies = append(bodies, b)
				}
			}
			if len(bodies) != 2 {
				t.Fatalf("%d POST searches, want 2", len(bodies))
			}
			first, second := bodies[0], bodies[1]
			if first["jql"] != jql || fmt.Sprint(first["fields"]) != "[summary]" || fmt.Sprint(first["properties"]) != "[p1]" || first["maxResults"] != 2.0 {
				t.Errorf("first body %v", first)
			}
			if mode == jiratest.Cloud {
				if first["expand"] != "names,changelog" || first["nextPageToken"] != nil || second["nextPageToken"] == nil || second["startAt"] != nil {
					t.Errorf("Cloud bodies %v / %v", first, second)
				}
			} else {
				if fmt.Sprint(first["expand"]) != "[names changelog]" || first["startAt"] != nil || second["startAt"] != 2.0 || second["nextPageToken"] != nil {
					t.Errorf("Data Center bodies %v / %v", first, second)
				}
			}
			e.checkSpec(t)
		})
	}
}

// A search changes nothing, so its POST is retried like a GET.
func TestSearchPOSTIsRetried(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/search", Unavailable: jiratest.FaultRate{Next: 2}})
		res, _, err := e.jc.Search.Page(ctx, SearchOptions{JQL: "project = DEMO AND (labels = setup OR " + longClause(MaxSearchURL) + ")"})
		if err != nil || len(res.Issues) != 1 || res.Issues[0].Fields.Summary != "Set up the integration" {
			t.Fatalf("%+v %v", res.Issues, err)
		}
		var statuses []int
		for _, r := range e.srv.Requests() {
			if r.Method == "POST" {
				statuses = append(statuses, r.Status)
			}
		}
		if !slices.Equal(statuses, []int{503, 503, 200}) {
			t.Errorf("POST statuses %v, want two 503s then 200", statuses)
		}
	})
}

func TestSearchIssuesAndCount(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		for i := range 7 {
			e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: "bulk " + string(rune('a'+i)), Labels: []string{"bulk"}})
		}
		res, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND labels = bulk ORDER BY key ASC", Limit: 5, Fields: []string{"summary"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 5 || !res.Truncated || res.Issues[0].Fields.Summary != "bulk a" {
			t.Errorf("search: count %d truncated %v first %+v", res.Count, res.Truncated, res.Issues[0].Fields)
		}
		res, err = e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND labels = bulk"})
		if err != nil || res.Count != 7 || res.Truncated {
			t.Errorf("all: %d %v %v", res.Count, res.Truncated, err)
		}
		n, err := e.jc.Search.Count(ctx, "project = DEMO AND labels = bulk")
		if err != nil || n != 7 {
			t.Errorf("count %d %v", n, err)
		}
		if _, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND"}); !errors.Is(err, ErrValidation) {
			t.Errorf("bad JQL: %v", err)
		}
	})
}

func TestSearchReconcilesFreshIssuesOnCloud(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "fresh"})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetSearchLag(10 * 60e9)
	jql := `project = DEMO AND summary ~ "fresh"`
	res, _ := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: jql})
	if res.Count != 0 {
		t.Fatalf("the simulator's search lag is off: %d", res.Count)
	}
	var id int64
	for _, c := range is.ID {
		id = id*10 + int64(c-'0')
	}
	res, err = e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: jql, ReconcileIssues: []int64{id}})
	if err != nil || res.Count != 1 {
		t.Errorf("with reconcileIssues: %d %v", res.Count, err)
	}
	e.checkSpec(t)
}

func TestCloudSearchStopsOnMissingTokenAndAlwaysAsksForFields(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path != "/rest/api/2/search/jql" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("fields") == "" {
			t.Errorf("search without fields: %s", r.URL.RawQuery)
		}
		switch r.URL.Query().Get("nextPageToken") {
		case "":
			fmt.Fprint(w, `{"issues":[{"id":"1","key":"D-1","fields":{"summary":"a"}},{"id":"2","key":"D-2","fields":{}}],"nextPageToken":"p2","isLast":false}`)
		case "p2":
			// The last page omits nextPageToken but (wrongly) says isLast false.
			fmt.Fprint(w, `{"issues":[{"id":"3","key":"D-3","fields":{}}],"isLast":false}`)
		default:
			t.Errorf("asked for a page after the last: %s", r.URL.RawQuery)
			fmt.Fprint(w, `{"issues":[],"isLast":true}`)
		}
	}))
	defer srv.Close()
	jc := newTestClient(t, srv.URL, Cloud)
	var keys []string
	for is, err := range jc.Search.All(context.Background(), SearchOptions{JQL: "project = D", ReconcileIssues: []int64{3}}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
	}
	if strings.Join(keys, ",") != "D-1,D-2,D-3" || len(queries) != 2 {
		t.Errorf("keys %v after %d requests", keys, len(queries))
	}
	if !strings.Contains(queries[0], "reconcileIssues=3") || !strings.Contains(queries[0], "fields=%2Anavigable") {
		t.Errorf("first query %s", queries[0])
	}
}

func TestCloudSearchStopsOnEmptyPage(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n > 1 {
			fmt.Fprint(w, `{"issues":[],"nextPageToken":"again","isLast":false}`)
			return
		}
		fmt.Fprint(w, `{"issues":[{"id":"1","key":"D-1","fields":{}}],"nextPageToken":"p2"}`)
	}))
	defer srv.Close()
	count := 0
	for _, err := range newTestClient(t, srv.URL, Cloud).Search.All(context.Background(), SearchOptions{JQL: "project = D"}) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != 1 || n != 2 {
		t.Errorf("%d issues in %d requests", count, n)
	}
}

func TestDataCenterSearchHonoursEchoedPageSize(t *testing.T) {
	var starts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/rest/api/2/search" {
			http.NotFound(w, r)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
		starts = append(starts, strconv.Itoa(start))
		var issues []string
		for i := start; i < min(start+2, 5); i++ {
			issues = append(issues, fmt.Sprintf(`{"id":"%d","key":"D-%d","fields":{}}`, i+1, i+1))
		}
		// The server caps pages at 2 whatever the client asks.
		fmt.Fprintf(w, `{"startAt":%d,"maxResults":2,"total":5,"issues":[%s]}`, start, strings.Join(issues, ","))
	}))
	defer srv.Close()
	jc := newTestClient(t, srv.URL, DataCenter)
	n := 0
	for _, err := range jc.Search.All(context.Background(), SearchOptions{JQL: "project = D", MaxResults: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 || strings.Join(starts, ",") != "0,2,4" {
		t.Errorf("%d issues, startAt sequence %v", n, starts)
	}
}

func TestSpecSearchExampleDecodes(t *testing.T) {
	b, err := os.ReadFile(testshared.Path(t, "jira", "samples", "spec-examples-v2", "get_search_jql_200.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res SearchResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Issues) != 1 || res.Issues[0].Fields.Description != "Main order flow broken" || res.Issues[0].Fields.Attachment[0].ID != "10000" {
		t.Errorf("decoded %+v", res.Issues)
	}
}

// decodeIssue reads a search answer's issue as json.Unmarshal does, and
// refuses what json.Unmarshal refuses, also in members Issue does not
// hold (the issue's JSON is kept as its record).
func TestDecodeIssueMatchesUnmarshal(t *testing.T) {
	for name, in := range map[string]string{
		"typical":          issueJSON,
		"escaped key":      `{"id":"10\u0030","key":"DEMO-\"1\"","self":null,"fields":{"summary":"a\nb"}}`,
		"null fields":      `{"id":"1","key":"DEMO-1","fields":null}`,
		"expansions":       `{"id":"1","key":"DEMO-1","fields":{},"names":{"summary":"Summary"},"renderedFields":{"description":"<p>x</p>"},"changelog":{"startAt":0,"maxResults":1,"total":1,"histories":[{"id":"5","created":"2024-01-02T03:04:05.000+0000","items":[{"field":"status","fromString":"To Do","toString":"Done"}]}]},"properties":{"p":{"a":1}},"transitions":[{"id":"11","name":"Done"}]}`,
		"unknown members":  `{"expand":"names,schema","id":"1","key":"DEMO-1","fields":{},"extra":[1,{"a":null}]}`,
		"bad unknown":      `{"id":"1","extra":{"a" 1}}`,
		"bad fields":       `{"id":"1","fields":{"summary":}}`,
		"number id":        `{"id":7,"key":"DEMO-7"}`,
		"not an object":    `[1,2]`,
		"trailing comma":   `{"id":"1",}`,
		"wrong field type": `{"id":"1","fields":{"labels":"x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var want, got Issue
			werr := json.Unmarshal([]byte(in), &want)
			_, gerr := decodeIssue([]byte(in), 0, &got)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("json.Unmarshal: %v; decodeIssue: %v", werr, gerr)
			}
			if werr == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("decodeIssue =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}
