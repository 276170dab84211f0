package jiratest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCommentAndWorklogPropertiesSetOnCreateAndExpanded(t *testing.T) {
	for _, mode := range []Mode{Cloud, DataCenter} {
		s, d, c, _ := setup(t, mode)
		key := d.Issues[0].Key
		prop := []map[string]any{{"key": "recipekit.effect", "value": map[string]any{"key": "rk1-abc"}}}

		cm := c.must(201, c.do("POST", "/rest/api/2/issue/"+key+"/comment", map[string]any{"body": "once", "properties": prop})).json(t)
		if _, ok := cm["properties"]; ok {
			t.Errorf("%v: properties returned without expand: %v", mode, cm)
		}
		wl := c.must(201, c.do("POST", "/rest/api/2/issue/"+key+"/worklog?expand=properties", map[string]any{"timeSpentSeconds": 60, "properties": prop})).json(t)
		if !hasEffect(wl["properties"], "rk1-abc") {
			t.Errorf("%v: worklog create with expand=properties: %v", mode, wl["properties"])
		}

		list := c.must(200, c.get("/rest/api/2/issue/"+key+"/comment?orderBy=-created&expand=renderedBody,properties")).json(t)
		comments := list["comments"].([]any)
		if first := comments[0].(map[string]any); first["id"] != cm["id"] || !hasEffect(first["properties"], "rk1-abc") {
			t.Errorf("%v: newest comment with expand=properties: %v", mode, first)
		}
		got := c.must(200, c.get("/rest/api/2/issue/"+key+"/comment/"+cm["id"].(string)+"?expand=properties")).json(t)
		if !hasEffect(got["properties"], "rk1-abc") {
			t.Errorf("%v: comment get with expand=properties: %v", mode, got)
		}
		wls := c.must(200, c.get("/rest/api/2/issue/"+key+"/worklog?expand=properties")).json(t)["worklogs"].([]any)
		if last := wls[len(wls)-1].(map[string]any); !hasEffect(last["properties"], "rk1-abc") {
			t.Errorf("%v: worklog list with expand=properties: %v", mode, last)
		}
		plain := c.must(200, c.get("/rest/api/2/issue/"+key+"/comment")).json(t)["comments"].([]any)
		for _, x := range plain {
			if _, ok := x.(map[string]any)["properties"]; ok {
				t.Errorf("%v: comment list without expand carries properties", mode)
			}
		}
		snap := s.Comments(key)
		if p := snap[len(snap)-1].Properties["recipekit.effect"]; string(p) != `{"key":"rk1-abc"}` {
			t.Errorf("%v: Server.Comments properties = %s", mode, p)
		}

		for _, bad := range []map[string]any{
			{"key": "", "value": 1},
			{"key": strings.Repeat("k", 256), "value": 1},
			{"key": "k"},
			{"key": "k", "value": strings.Repeat("v", 33000)},
		} {
			r := c.do("POST", "/rest/api/2/issue/"+key+"/comment", map[string]any{"body": "x", "properties": []any{bad}})
			if r.status != 400 {
				t.Errorf("%v: comment with property %.40v answered %d, want 400", mode, bad, r.status)
			}
		}
	}
}

func hasEffect(props any, key string) bool {
	list, _ := props.([]any)
	for _, p := range list {
		m, _ := p.(map[string]any)
		if m["key"] != "recipekit.effect" {
			continue
		}
		b, _ := json.Marshal(m["value"])
		if string(b) == `{"key":"`+key+`"}` {
			return true
		}
	}
	return false
}

func TestFaultGatewayTimeoutAfterCommit(t *testing.T) {
	s, d, c, _ := setup(t, Cloud)
	key := d.Issues[0].Key
	before := len(s.Comments(key))
	s.SetFaults(Faults{GatewayTimeout: FaultRate{Next: 1}, Methods: []string{"POST"}})
	r := c.do("POST", "/rest/api/2/issue/"+key+"/comment", map[string]any{"body": "applied behind a 504"})
	if r.status != 504 || r.header.Get("Retry-After") != "" {
		t.Fatalf("answered %d (Retry-After %q), want 504 without a wait", r.status, r.header.Get("Retry-After"))
	}
	if after := len(s.Comments(key)); after != before+1 {
		t.Errorf("the write behind the 504 was not committed: %d -> %d comments", before, after)
	}
	if reqs := s.Requests(); reqs[len(reqs)-1].Status != 504 {
		t.Errorf("request log status %d, want 504", reqs[len(reqs)-1].Status)
	}
}
