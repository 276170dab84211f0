package jiratest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWorklogUpdateDelete(t *testing.T) {
	s, d, c, clock := setup(t, Cloud)
	rc := newReceiver(t)
	c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "worklogs", "url": rc.srv.URL,
		"events": []string{"worklog_created", "worklog_updated", "worklog_deleted"}}))
	start := clock.Now()

	w := c.must(201, c.do("POST", "/rest/api/2/issue/DEMO-2/worklog", map[string]any{"timeSpent": "1h", "comment": "first"})).json(t)
	path := fmt.Sprintf("/rest/api/2/issue/DEMO-2/worklog/%s", w["id"])
	clock.Advance(time.Minute)
	upd := c.must(200, c.do("PUT", path, map[string]any{"timeSpentSeconds": 5400, "comment": "corrected", "started": "2024-03-10T09:00:00.000+0000"})).json(t)
	if upd["timeSpentSeconds"] != float64(5400) || upd["timeSpent"] != "1h 30m" || upd["comment"] != "corrected" ||
		!strings.HasPrefix(upd["started"].(string), "2024-03-10T") || upd["updated"] == w["updated"] {
		t.Errorf("update = %v", upd)
	}
	if got := c.must(200, c.get(path)).json(t); got["comment"] != "corrected" {
		t.Errorf("get after update = %v", got)
	}
	if is, _ := s.Issue("DEMO-2"); !is.Updated.Equal(clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("issue updated = %v, want the update time %v", is.Updated, clock.Now())
	}
	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"timeSpent": "soon"}, "Invalid time duration"},
		{map[string]any{"timeSpentSeconds": 0}, "time spent"},
		{map[string]any{"started": "yesterday"}, "Invalid start date"},
	} {
		if r := c.do("PUT", path, tc.body); r.status != 400 || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("PUT %v: %d %s, want 400 with %q", tc.body, r.status, r.body, tc.want)
		}
	}
	c.must(404, c.do("PUT", "/rest/api/2/issue/DEMO-1/worklog/"+w["id"].(string), map[string]any{"comment": "x"}))
	c.must(400, c.get("/rest/api/2/issue/DEMO-2/worklog/abc"))

	// Someone else's worklog needs the ALL permissions.
	s.RevokePermission("DEMO", d.Bob.AccountID, "EDIT_ALL_WORKLOGS", "DELETE_ALL_WORKLOGS")
	bob := newClient(t, s.URL(), basic(d.Bob.Email, d.Bob.APIToken))
	if r := bob.do("PUT", path, map[string]any{"comment": "mine now"}); r.status != 403 || !strings.Contains(string(r.body), "edit this worklog") {
		t.Errorf("bob edits the admin's worklog: %d %s", r.status, r.body)
	}
	bob.must(403, bob.do("DELETE", path, nil))
	own, err := s.AddWorklogAs(d.Bob.AccountID, "DEMO-2", time.Hour, "bob's")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateWorklogAs(d.Bob.AccountID, "DEMO-2", own.ID, 2*time.Hour, "bob's, longer"); err != nil {
		t.Errorf("bob edits his own worklog: %v", err)
	}
	if _, err := s.UpdateWorklogAs(d.Bob.AccountID, "DEMO-2", w["id"].(string), 0, "x"); err == nil {
		t.Error("UpdateWorklogAs let bob edit the admin's worklog")
	}

	clock.Advance(time.Minute)
	c.must(204, c.do("DELETE", path, nil))
	c.must(404, c.get(path))
	c.must(404, c.do("DELETE", path, nil))
	if err := s.DeleteWorklogAs(d.Bob.AccountID, "DEMO-2", own.ID); err != nil {
		t.Fatal(err)
	}
	if got := s.Worklogs("DEMO-2"); len(got) != 0 {
		t.Errorf("worklogs after deletes = %+v", got)
	}
	if list := c.must(200, c.get("/rest/api/2/issue/DEMO-2/worklog")).json(t); list["total"] != float64(0) {
		t.Errorf("worklog list after deletes = %v", list)
	}

	// /worklog/updated lists the live ones once; /worklog/deleted the rest.
	since := start.Add(-time.Second).UnixMilli()
	up := c.must(200, c.get(fmt.Sprintf("/rest/api/2/worklog/updated?since=%d", since))).json(t)
	del := c.must(200, c.get(fmt.Sprintf("/rest/api/2/worklog/deleted?since=%d", since))).json(t)
	if vals := up["values"].([]any); len(vals) != 0 {
		t.Errorf("updated after deleting both = %v", vals)
	}
	dvals := del["values"].([]any)
	if len(dvals) != 2 || dig(dvals[0], "worklogId") != mustFloat(t, w["id"]) || del["lastPage"] != true {
		t.Errorf("deleted = %v", del)
	}
	c.must(400, c.get("/rest/api/2/worklog/deleted?since=yesterday"))

	wait(t, s)
	// Deliveries run concurrently: check the order events were raised in,
	// and that every one arrived with its worklog.
	var raised []string
	for _, dl := range s.Deliveries() {
		if !dl.Delivered {
			t.Errorf("delivery %s (%s) failed: %d %s", dl.ID, dl.Event, dl.Status, dl.Err)
		}
		raised = append(raised, dl.Event)
	}
	want := []string{"worklog_created", "worklog_updated", "worklog_created", "worklog_updated", "worklog_deleted", "worklog_deleted"}
	if !slices.Equal(raised, want) {
		t.Errorf("events raised = %v\nwant %v", raised, want)
	}
	var arrived []string
	for _, r := range rc.all() {
		var p map[string]any
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if p["worklog"] == nil || dig(p, "worklog", "issueId") == nil {
			t.Errorf("%v payload without the worklog: %v", p["webhookEvent"], p)
		}
		arrived = append(arrived, p["webhookEvent"].(string))
	}
	slices.Sort(arrived)
	slices.Sort(want)
	if !slices.Equal(arrived, want) {
		t.Errorf("events arrived = %v, want %v in any order", arrived, want)
	}
}

func TestWorklogUpdatedListsEachOnce(t *testing.T) {
	s, d, c, clock := setup(t, DataCenter)
	w, err := s.AddWorklogAs(d.Alice.AccountID, "DEMO-1", time.Hour, "a")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		clock.Advance(time.Second)
		if _, err := s.UpdateWorklogAs(d.Alice.AccountID, "DEMO-1", w.ID, 0, fmt.Sprint("edit ", i)); err != nil {
			t.Fatal(err)
		}
	}
	up := c.must(200, c.get("/rest/api/2/worklog/updated?since=0")).json(t)
	var mine []any
	for _, v := range up["values"].([]any) {
		if fmt.Sprint(dig(v, "worklogId")) == w.ID {
			mine = append(mine, v)
		}
	}
	if len(mine) != 1 || dig(mine[0], "updatedTime") != float64(clock.Now().UnixMilli()) {
		t.Errorf("worklog %s in /worklog/updated: %v", w.ID, mine)
	}
}

func mustFloat(t *testing.T, v any) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(fmt.Sprint(v), &f); err != nil {
		t.Fatalf("%v is not a number", v)
	}
	return f
}
