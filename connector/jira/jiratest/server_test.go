package jiratest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestServerInfoByMode(t *testing.T) {
	for _, tc := range []struct {
		mode       Mode
		deployment string
		version    string
	}{{Cloud, "Cloud", "1001.0.0-SNAPSHOT"}, {DataCenter, "Server", "9.12.2"}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			s := New(t, Options{Mode: tc.mode})
			c := newClient(t, s.URL(), nil)
			m := c.must(200, c.get("/rest/api/2/serverInfo")).json(t)
			if m["deploymentType"] != tc.deployment || m["version"] != tc.version {
				t.Errorf("serverInfo = %v", m)
			}
		})
	}
}

func TestIssueLifecycleBothModes(t *testing.T) {
	for _, mode := range []Mode{Cloud, DataCenter} {
		t.Run(mode.String(), func(t *testing.T) {
			s, d, c, _ := setup(t, mode)
			me := c.must(200, c.get("/rest/api/2/myself")).json(t)
			if mode == Cloud && me["accountId"] != d.Admin.AccountID {
				t.Errorf("myself = %v", me)
			}
			if mode == DataCenter && (me["name"] != "integration" || me["accountId"] != nil) {
				t.Errorf("myself = %v", me)
			}
			assignee := map[string]any{"accountId": d.Bob.AccountID}
			if mode == DataCenter {
				assignee = map[string]any{"name": d.Bob.Name}
			}
			r := c.must(201, c.do("POST", "/rest/api/2/issue", map[string]any{"fields": map[string]any{
				"project": map[string]any{"key": "DEMO"}, "issuetype": map[string]any{"name": "Bug"},
				"summary": "Crash on save", "priority": map[string]any{"name": "High"}, "labels": []string{"crash"},
				"assignee": assignee, "components": []any{map[string]any{"name": "Backend"}},
			}})).json(t)
			key := r["key"].(string)
			got := c.must(200, c.get("/rest/api/2/issue/"+key)).json(t)
			if dig(got, "fields", "summary") != "Crash on save" || dig(got, "fields", "priority", "name") != "High" {
				t.Errorf("issue = %v", got)
			}
			c.must(204, c.do("PUT", "/rest/api/2/issue/"+key, map[string]any{"update": map[string]any{"labels": []any{map[string]any{"add": "ui"}, map[string]any{"remove": "crash"}}}}))
			is, _ := s.Issue(key)
			if fmt.Sprint(is.Labels) != "[ui]" {
				t.Errorf("labels = %v", is.Labels)
			}
			// Components as strings are refused, as Jira does.
			bad := c.do("POST", "/rest/api/2/issue", map[string]any{"fields": map[string]any{
				"project": map[string]any{"key": "DEMO"}, "issuetype": map[string]any{"name": "Bug"}, "summary": "x", "components": []string{"Backend"}}})
			if bad.status != 400 || dig(bad.json(t), "errors", "components") == nil {
				t.Errorf("string components: %d %s", bad.status, bad.body)
			}
			path := "/rest/api/2/search/jql?jql=project%3DDEMO&fields=summary"
			if mode == DataCenter {
				path = "/rest/api/2/search?jql=project%3DDEMO&fields=summary"
			}
			res := c.must(200, c.get(path)).json(t)
			if n := len(res["issues"].([]any)); n != 6 {
				t.Errorf("search returned %d issues, want 6: %v", n, res)
			}
		})
	}
}

func TestRemovedAndMissingSearch(t *testing.T) {
	_, _, cc, _ := setup(t, Cloud)
	r := cc.get("/rest/api/2/search?jql=project=DEMO")
	if r.status != http.StatusGone {
		t.Errorf("cloud /search: %d", r.status)
	}
	_, _, dc, _ := setup(t, DataCenter)
	if r := dc.get("/rest/api/2/search/jql?jql=project=DEMO"); r.status != 404 {
		t.Errorf("dc /search/jql: %d", r.status)
	}
}

func TestChangelogPaging(t *testing.T) {
	_, _, c, _ := setup(t, Cloud)
	for _, summary := range []string{"one", "two", "three"} {
		c.must(204, c.do("PUT", "/rest/api/2/issue/DEMO-1", map[string]any{"fields": map[string]any{"summary": summary}}))
	}
	all := c.must(200, c.get("/rest/api/2/issue/DEMO-1/changelog")).json(t)
	total := int(all["total"].(float64))
	if total < 3 || len(all["values"].([]any)) != total || all["isLast"] != true || all["nextPage"] != nil {
		t.Fatalf("full changelog = %v", all)
	}
	first := c.must(200, c.get("/rest/api/2/issue/DEMO-1/changelog?maxResults=2")).json(t)
	if len(first["values"].([]any)) != 2 || first["isLast"] != false || first["maxResults"] != float64(2) {
		t.Errorf("first page = %v", first)
	}
	if next, _ := first["nextPage"].(string); !strings.HasSuffix(next, "/changelog?startAt=2&maxResults=2") {
		t.Errorf("nextPage = %q", next)
	}
	last := c.must(200, c.get(fmt.Sprintf("/rest/api/2/issue/DEMO-1/changelog?startAt=%d&maxResults=2", total-1))).json(t)
	if len(last["values"].([]any)) != 1 || last["isLast"] != true || last["nextPage"] != nil {
		t.Errorf("last page = %v", last)
	}
	past := c.must(200, c.get(fmt.Sprintf("/rest/api/2/issue/DEMO-1/changelog?startAt=%d", total+5))).json(t)
	if len(past["values"].([]any)) != 0 || past["isLast"] != true {
		t.Errorf("page past the end = %v", past)
	}
	capped := c.must(200, c.get("/rest/api/2/issue/DEMO-1/changelog?maxResults=5000")).json(t)
	if capped["maxResults"] != float64(100) {
		t.Errorf("maxResults above 100 answered %v, want 100", capped["maxResults"])
	}
}

// A maxResults as large as an int holds must page like any other value,
// not overflow the end of the page.
func TestHugeMaxResultsPages(t *testing.T) {
	_, _, c, _ := setup(t, Cloud)
	const huge = "startAt=1&maxResults=9223372036854775807"
	for _, path := range []string{
		"/rest/api/2/project/DEMO/version?" + huge,
		"/rest/api/2/issue/DEMO-2/comment?" + huge,
		"/rest/api/2/issue/DEMO-2/worklog?" + huge,
		"/rest/api/2/issue/DEMO-2/changelog?" + huge,
		"/rest/api/2/user/search?query=a&" + huge,
		"/rest/api/2/project/search?" + huge,
	} {
		r := c.get(path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	for _, path := range []string{
		"/rest/api/2/project/search?startAt=9223372036854775800",
		"/rest/api/2/project/DEMO/version?startAt=9223372036854775800",
		"/rest/api/2/issue/DEMO-2/changelog?startAt=9223372036854775800",
	} {
		r := c.must(200, c.get(path)).json(t)
		if len(r["values"].([]any)) != 0 || r["isLast"] != true || r["nextPage"] != nil {
			t.Errorf("GET %s past the end = %v", path, r)
		}
	}
	// Project search pages hold 50 by default and at most 100.
	for q, want := range map[string]float64{"": 50, "?maxResults=0": 50, "?maxResults=7": 7, "?maxResults=500": 100} {
		if got := c.must(200, c.get("/rest/api/2/project/search"+q)).json(t)["maxResults"]; got != want {
			t.Errorf("project search%s: maxResults %v, want %v", q, got, want)
		}
	}
}

func TestRoutePatternsMatchWholePathsAndTakeTheirParameters(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		params        []string
		ok            bool
	}{
		{"/rest/api/2/serverInfo", "/rest/api/2/serverInfo", nil, true},
		{"/rest/api/2/issue/{k}/comment", "/rest/api/2/issue/DEMO-1/comment", []string{"DEMO-1"}, true},
		{"/rest/api/2/issue/{k}/comment/{id}", "/rest/api/2/issue/DEMO-1/comment/10000", []string{"DEMO-1", "10000"}, true},
		{"/rest/api/2/issue/{k}/comment", "/rest/api/2/issue/DEMO-1/comment/10000", nil, false},
		{"/rest/api/2/issue/{k}/comment", "/rest/api/2/issue/DEMO-1", nil, false},
		{"/rest/api/2/issue/{k}", "/rest/api/2/issue/", nil, false},
		{"/rest/api/2/issue/{k}", "/rest/api/2/issues/DEMO-1", nil, false},
		{"/media/*", "/media/file/abc/binary", []string{"file/abc/binary"}, true},
		{"/media/*", "/media", []string{""}, true},
		{"/secure/attachment/{id}/*", "/secure/attachment/10/a/b.txt", []string{"10", "a/b.txt"}, true},
	} {
		pat := strings.Split(strings.Trim(tc.pattern, "/"), "/")
		params, ok := matchSegs(pat, strings.Split(strings.Trim(tc.path, "/"), "/"))
		if ok != tc.ok || !slices.Equal(params, tc.params) {
			t.Errorf("%s against %s = %q, %v; want %q, %v", tc.pattern, tc.path, params, ok, tc.params, tc.ok)
		}
	}
}
