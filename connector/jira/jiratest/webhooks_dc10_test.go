package jiratest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/testclock"
)

// TestDataCenter10WebhookResource checks the simulator as Jira Data Center
// 10: serverInfo reports the version, the old admin webhook resource is
// gone (404), the new one registers, lists, updates and removes webhooks
// whose JQL filter, secret and body exclusion are configuration entries,
// deliveries are signed and URL variables lose their $.
func TestDataCenter10WebhookResource(t *testing.T) {
	clock := testclock.New(time.Date(2024, 3, 10, 15, 0, 0, 0, time.UTC))
	s := New(t, Options{Mode: DataCenter, Version: "10.3.1", Now: clock.Now, Seed: 1})
	d := s.SeedDemo()
	c := newClient(t, s.URL(), bearer(d.Admin.PAT))

	info := c.must(200, c.get("/rest/api/2/serverInfo")).json(t)
	if info["version"] != "10.3.1" || dig(info, "versionNumbers").([]any)[0].(float64) != 10 || info["deploymentType"] != "Server" {
		t.Errorf("serverInfo = %v", info)
	}
	if r := c.get("/rest/webhooks/1.0/webhook"); r.status != 404 {
		t.Fatalf("the pre-10 admin webhook resource answered %d on Data Center 10, want 404", r.status)
	}

	rc := newReceiver(t)
	secret := "dc10 secret"
	hook := c.must(201, c.do("POST", "/rest/jira-webhook/1.0/webhooks", map[string]any{
		"name": "bugs", "url": rc.srv.URL + "/hook?key={issue.key}&old=${issue.key}", "events": []string{"jira:issue_updated"},
		"active": true, "scopeType": "global",
		"configuration": map[string]any{"FILTERS": "project = DEMO AND issuetype = Bug", "SECRET": secret, "EXCLUDE_BODY": "false"},
	})).json(t)
	if _, leaked := dig(hook, "configuration").(map[string]any)["SECRET"]; leaked {
		t.Fatal("the secret was returned")
	}
	id := hook["id"].(float64)
	if dig(hook, "configuration").(map[string]any)["FILTERS"] != "project = DEMO AND issuetype = Bug" {
		t.Errorf("created = %v", hook)
	}
	list := c.must(200, c.get("/rest/jira-webhook/1.0/webhooks")).body
	var hooks []map[string]any
	if err := json.Unmarshal(list, &hooks); err != nil || len(hooks) != 1 || hooks[0]["id"] != id {
		t.Fatalf("list = %s (%v)", list, err)
	}
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), secret) {
			t.Fatalf("the request log holds the webhook secret: %s", r.Body)
		}
	}

	if err := s.UpdateIssueAs(d.Alice.Name, "DEMO-2", map[string]any{"priority": "Highest"}); err != nil {
		t.Fatal(err)
	}
	got := rc.delivered(t, s, 1, "deliveries")
	if got[0].header.Get("X-Hub-Signature") != SignPayload(secret, got[0].body) {
		t.Error("the delivery is not signed with the configured secret")
	}
	ds := s.Deliveries()
	if len(ds) != 1 || !strings.HasSuffix(ds[0].URL, "key=DEMO-2&old=$DEMO-2") {
		t.Errorf("delivery URL = %+v, want {issue.key} filled and ${issue.key} left with its $", ds)
	}

	path := "/rest/jira-webhook/1.0/webhooks/" + jsonNumber(id)
	upd := c.must(200, c.do("PUT", path, map[string]any{"name": "bugs", "url": rc.srv.URL + "/hook", "events": []string{"jira:issue_created"},
		"active": false, "configuration": map[string]any{"FILTERS": "project = DEMO"}})).json(t)
	if upd["active"] != false || dig(upd, "events").([]any)[0] != "jira:issue_created" {
		t.Errorf("updated = %v", upd)
	}
	c.must(204, c.do("DELETE", path, nil))
	if r := c.get(path); r.status != 404 {
		t.Errorf("GET after DELETE answered %d", r.status)
	}
}

// TestDataCenter9HasNoNewWebhookResource checks that a Data Center 9 site
// answers 404 on the resource Data Center 10 introduced, so a client can
// tell the two apart.
func TestDataCenter9HasNoNewWebhookResource(t *testing.T) {
	s, d, _, _ := setup(t, DataCenter)
	c := newClient(t, s.URL(), bearer(d.Admin.PAT))
	if r := c.get("/rest/jira-webhook/1.0/webhooks"); r.status != 404 {
		t.Errorf("Data Center 9 answered %d on /rest/jira-webhook/1.0/webhooks, want 404", r.status)
	}
	c.must(200, c.get("/rest/webhooks/1.0/webhook"))
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
