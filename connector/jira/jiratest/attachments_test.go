package jiratest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"
)

// upload attaches one file to key through the REST API and returns the
// new attachment's id.
func upload(t *testing.T, c *client, key, name, content string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	up := *c
	up.header = http.Header{"X-Atlassian-Token": {"no-check"}, "Content-Type": {mw.FormDataContentType()}}
	list := up.must(200, up.do("POST", "/rest/api/2/issue/"+key+"/attachments", body.Bytes())).list(t)
	if len(list) != 1 {
		t.Fatalf("upload answered %v, want one attachment", list)
	}
	return dig(list[0], "id").(string)
}

// lastHistory is the newest changelog entry of key.
func lastHistory(t *testing.T, c *client, key string) map[string]any {
	t.Helper()
	is := c.must(200, c.get("/rest/api/2/issue/"+key+"?expand=changelog")).json(t)
	hs, _ := dig(is, "changelog", "histories").([]any)
	if len(hs) == 0 {
		t.Fatalf("%s has no changelog", key)
	}
	return hs[len(hs)-1].(map[string]any)
}

func TestAttachmentsAreRecordedInTheChangelog(t *testing.T) {
	s, d, c, clock := setup(t, Cloud)
	rc := newReceiver(t)
	c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "attachments", "url": rc.srv.URL,
		"events": []string{"jira:issue_updated", "attachment_created", "attachment_deleted"}}))

	before, _ := s.Issue("DEMO-2")
	clock.Advance(time.Hour)
	id := upload(t, c, "DEMO-2", "trace.log", "boom")
	added := clock.Now().Truncate(time.Millisecond)
	if is, _ := s.Issue("DEMO-2"); !is.Updated.Equal(added) || is.Updated.Equal(before.Updated) {
		t.Errorf("updated after the upload = %v, want %v", is.Updated, added)
	}
	h := lastHistory(t, c, "DEMO-2")
	if dig(h, "author", "accountId") != d.Admin.AccountID {
		t.Errorf("history author = %v", dig(h, "author"))
	}
	wantAdd := map[string]any{"field": "Attachment", "fieldtype": "jira", "fieldId": "attachment", "from": nil, "fromString": nil, "to": id, "toString": "trace.log"}
	checkItems(t, "upload", h["items"], wantAdd)
	// The issue is found by a search on its new updated time.
	got := c.must(200, c.do("POST", "/rest/api/2/search/jql", map[string]any{"jql": "updated >= -5m"})).json(t)
	if hits, _ := got["issues"].([]any); len(hits) != 1 || dig(hits[0], "key") != "DEMO-2" {
		t.Errorf("search by the new updated time found %v, want DEMO-2 alone", got["issues"])
	}

	clock.Advance(time.Hour)
	c.must(204, c.do("DELETE", "/rest/api/2/attachment/"+id, nil))
	removed := clock.Now().Truncate(time.Millisecond)
	if is, _ := s.Issue("DEMO-2"); !is.Updated.Equal(removed) {
		t.Errorf("updated after the removal = %v, want %v", is.Updated, removed)
	}
	wantDel := map[string]any{"field": "Attachment", "fieldtype": "jira", "fieldId": "attachment", "from": id, "fromString": "trace.log", "to": nil, "toString": nil}
	checkItems(t, "removal", lastHistory(t, c, "DEMO-2")["items"], wantDel)

	wait(t, s)
	var events []string
	var updates []map[string]any
	for _, r := range rc.all() {
		var p map[string]any
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		events = append(events, p["webhookEvent"].(string))
		if p["webhookEvent"] == "jira:issue_updated" {
			updates = append(updates, p)
		}
	}
	// Deliveries run concurrently: compare the events, not their order.
	slices.Sort(events)
	want := []string{"attachment_created", "attachment_deleted", "jira:issue_updated", "jira:issue_updated"}
	if !slices.Equal(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	slices.SortFunc(updates, func(a, b map[string]any) int {
		ta, _ := a["timestamp"].(float64)
		tb, _ := b["timestamp"].(float64)
		return cmp.Compare(ta, tb)
	})
	for i, wantItem := range []map[string]any{wantAdd, wantDel} {
		p := updates[i]
		if p["issue_event_type_name"] != "issue_updated" || dig(p, "issue", "key") != "DEMO-2" || dig(p, "changelog", "id") == nil {
			t.Errorf("jira:issue_updated %d: %v", i, p)
		}
		checkItems(t, "webhook", dig(p, "changelog", "items"), wantItem)
	}
}

// checkItems asserts that items is exactly one changelog item with the
// keys and values of want.
func checkItems(t *testing.T, what string, items any, want map[string]any) {
	t.Helper()
	list, _ := items.([]any)
	if len(list) != 1 {
		t.Errorf("%s: changelog items %v, want one", what, items)
		return
	}
	got := list[0].(map[string]any)
	for k, v := range want {
		if gv, ok := got[k]; got[k] != v || (v == nil && ok && gv != nil) {
			t.Errorf("%s: item %s = %v, want %v (item %v)", what, k, got[k], v, got)
		}
	}
}
