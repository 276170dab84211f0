package jiratest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSignPayloadAtlassianVector(t *testing.T) {
	got := SignPayload("It's a Secret to Everybody", []byte("Hello World!"))
	want := "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
	if got != want {
		t.Fatalf("SignPayload = %s, want %s", got, want)
	}
}

// receiver records webhook deliveries and answers with the statuses
// queued in plan (then 200).
type receiver struct {
	mu   sync.Mutex
	got  []received
	plan []int
	srv  *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, plan ...int) *receiver {
	rc := &receiver{plan: plan}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		status := 200
		if len(rc.plan) > 0 {
			status, rc.plan = rc.plan[0], rc.plan[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// delivered waits for the deliveries s has under way and returns the
// requests rc received, stopping the test unless there are want of them;
// what names them in the failure.
func (rc *receiver) delivered(t *testing.T, s *Server, want int, what string) []received {
	t.Helper()
	wait(t, s)
	got := rc.all()
	if len(got) != want {
		t.Fatalf("%s: received %d, want %d", what, len(got), want)
	}
	return got
}

func wait(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAdminWebhookDelivery(t *testing.T) {
	s, d, c, _ := setup(t, Cloud)
	rc := newReceiver(t, 503, 500) // two failures, then success
	secret := "It's a Secret to Everybody"
	hook := c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{
		"name": "bugs", "url": rc.srv.URL + "/hook?key=${issue.key}", "events": []string{"jira:issue_updated", "comment_created"},
		"filters": map[string]any{"issue-related-events-section": "project = DEMO AND issuetype = Bug"}, "secret": secret,
	})).json(t)
	if _, leaked := hook["secret"]; leaked {
		t.Fatal("the secret was returned")
	}
	// A Task does not match the filter; a Bug does.
	if err := s.UpdateIssueAs(d.Alice.AccountID, "DEMO-1", map[string]any{"summary": "task edit"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateIssueAs(d.Alice.AccountID, "DEMO-2", map[string]any{"priority": "Highest"}); err != nil {
		t.Fatal(err)
	}
	got := rc.delivered(t, s, 3, "requests (two retries)")
	id := got[0].header.Get("X-Atlassian-Webhook-Identifier")
	for i, r := range got {
		if r.header.Get("X-Atlassian-Webhook-Identifier") != id {
			t.Errorf("identifier changed across retries")
		}
		if retry := r.header.Get("X-Atlassian-Webhook-Retry"); (i == 0 && retry != "") || (i > 0 && retry != string(rune('0'+i))) {
			t.Errorf("attempt %d: X-Atlassian-Webhook-Retry = %q", i, retry)
		}
		if r.header.Get("X-Hub-Signature") != SignPayload(secret, r.body) {
			t.Errorf("bad signature")
		}
		if r.header.Get("User-Agent") != "Atlassian Webhook HTTP Client" {
			t.Errorf("user agent %q", r.header.Get("User-Agent"))
		}
	}
	var p map[string]any
	if err := json.Unmarshal(got[2].body, &p); err != nil {
		t.Fatal(err)
	}
	if p["webhookEvent"] != "jira:issue_updated" || dig(p, "issue", "key") != "DEMO-2" || dig(p, "user", "accountId") != d.Alice.AccountID {
		t.Errorf("payload = %v", p)
	}
	items := dig(p, "changelog", "items").([]any)
	if dig(items[0], "field") != "priority" || dig(items[0], "toString") != "Highest" {
		t.Errorf("changelog = %v", items)
	}
	if _, ok := p["matchedWebhookIds"]; ok {
		t.Error("admin webhook payload carries matchedWebhookIds")
	}
	ds := s.Deliveries()
	if len(ds) != 1 || !ds[0].Delivered || ds[0].Attempts != 3 || !strings.HasSuffix(ds[0].URL, "key=DEMO-2") {
		t.Errorf("deliveries = %+v", ds)
	}
	// Non-retryable failures are not retried.
	rc.mu.Lock()
	rc.plan = []int{400}
	rc.mu.Unlock()
	if _, err := s.CommentAs(d.Bob.AccountID, "DEMO-2", "hello"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if n := len(rc.all()); n != 5 { // comment_created (400, not retried) + jira:issue_updated
		t.Errorf("after the comment: %d requests, want 5", n)
	}
}

func TestAdminWebhooksNeedAdmin(t *testing.T) {
	s, d, _, _ := setup(t, DataCenter)
	bob := newClient(t, s.URL(), basic(d.Bob.Name, d.Bob.Password))
	if r := bob.get("/rest/webhooks/1.0/webhook"); r.status != 403 {
		t.Errorf("non-admin list: %d", r.status)
	}
	admin := newClient(t, s.URL(), bearer(d.Admin.PAT))
	if r := admin.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "x", "url": "https://example.com/hook", "events": []string{"jira:issue_created"}}); r.status != 400 {
		t.Errorf("non-loopback URL accepted: %d", r.status)
	}
}

func TestDynamicWebhooks(t *testing.T) {
	s, d, basicClient, clock := setup(t, Cloud)
	rc := newReceiver(t)
	if r := basicClient.do("POST", "/rest/api/2/webhook", map[string]any{"url": rc.srv.URL, "webhooks": []any{}}); r.status != 403 ||
		!strings.Contains(string(r.body), "Only Connect and OAuth 2.0 apps can register and manage webhooks") {
		t.Fatalf("basic caller: %d %s", r.status, r.body)
	}
	anon := newClient(t, s.URL(), nil)
	tok := anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": s.IssueOAuthCode(d.Admin.AccountID),
		"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret})).json(t)
	app := newClient(t, s.GatewayURL(), bearer(tok["access_token"].(string)))
	res := app.must(200, app.do("POST", "/rest/api/2/webhook", map[string]any{"url": rc.srv.URL, "webhooks": []any{
		map[string]any{"events": []string{"jira:issue_created"}, "jqlFilter": "project = DEMO"},
		map[string]any{"events": []string{"jira:issue_created"}, "jqlFilter": "summary ~ foo"},
		map[string]any{"events": []string{"jira:issue_created", "jira:issue_updated"}, "jqlFilter": "project IN (DEMO)"},
	}})).json(t)
	results := res["webhookRegistrationResult"].([]any)
	if dig(results[0], "createdWebhookId") == nil || dig(results[1], "errors") == nil || dig(results[2], "createdWebhookId") == nil {
		t.Fatalf("registration = %v", results)
	}
	if _, err := s.CreateIssueAs(d.Bob.AccountID, IssueSeed{Project: "DEMO", Summary: "via hook"}); err != nil {
		t.Fatal(err)
	}
	got := rc.delivered(t, s, 1, "deliveries (grouped)")
	var p map[string]any
	_ = json.Unmarshal(got[0].body, &p)
	if ids := p["matchedWebhookIds"].([]any); len(ids) != 2 || p["issue_event_type_name"] != "issue_created" || p["changelog"] == nil {
		t.Errorf("payload = %v", p)
	}
	if !strings.HasPrefix(got[0].header.Get("Authorization"), "Bearer ") || got[0].header.Get("X-Hub-Signature") != "" {
		t.Errorf("dynamic delivery headers = %v", got[0].header)
	}
	list := app.must(200, app.get("/rest/api/2/webhook")).json(t)
	if list["total"] != float64(2) {
		t.Errorf("list = %v", list)
	}
	// Expired webhooks stop delivering; a refresh keeps one alive.
	clock.Advance(29 * 24 * time.Hour)
	// The access token has long expired; refresh it (rotating).
	refresh := func() {
		tok = anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
			"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret})).json(t)
		app = newClient(t, s.GatewayURL(), bearer(tok["access_token"].(string)))
	}
	refresh()
	id0 := dig(results[0], "createdWebhookId")
	app.must(200, app.do("PUT", "/rest/api/2/webhook/refresh", map[string]any{"webhookIds": []any{id0}}))
	clock.Advance(2 * 24 * time.Hour)
	if _, err := s.CreateIssueAs(d.Bob.AccountID, IssueSeed{Project: "DEMO", Summary: "later"}); err != nil {
		t.Fatal(err)
	}
	got = rc.delivered(t, s, 2, "deliveries")
	_ = json.Unmarshal(got[1].body, &p)
	if ids := p["matchedWebhookIds"].([]any); len(ids) != 1 || ids[0] != id0 {
		t.Errorf("after expiry matched = %v", ids)
	}
	refresh()
	app.must(202, app.do("DELETE", "/rest/api/2/webhook", map[string]any{"webhookIds": []any{id0}}))
	if n := len(s.Webhooks()); n != 1 {
		t.Errorf("webhooks after delete = %d", n)
	}
}

func TestDeliveryKnobs(t *testing.T) {
	s, d, c, _ := setup(t, Cloud)
	rc := newReceiver(t)
	c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "all", "url": rc.srv.URL, "events": []string{"comment_created"}}))
	s.SetDelivery(DeliveryOptions{DropNext: 1})
	if _, err := s.CommentAs(d.Bob.AccountID, "DEMO-1", "lost"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if n := len(rc.all()); n != 0 {
		t.Fatalf("dropped delivery arrived: %d", n)
	}
	if ds := s.Deliveries(); len(ds) != 1 || !ds[0].Dropped {
		t.Fatalf("deliveries = %+v", ds)
	}
	s.SetDelivery(DeliveryOptions{Duplicate: 1, Shuffle: true})
	for i := 0; i < 3; i++ {
		if _, err := s.CommentAs(d.Bob.AccountID, "DEMO-1", "twice"); err != nil {
			t.Fatal(err)
		}
	}
	got := rc.delivered(t, s, 6, "duplicated deliveries")
	ids := map[string]int{}
	for _, r := range got {
		ids[r.header.Get("X-Atlassian-Webhook-Identifier")]++
	}
	for id, n := range ids {
		if n != 2 {
			t.Errorf("identifier %s seen %d times", id, n)
		}
	}
}

func TestAdminWebhookExcludeBodyPerHook(t *testing.T) {
	s, d, c, _ := setup(t, Cloud)
	rc := newReceiver(t)
	for _, h := range []struct {
		name    string
		exclude bool
	}{{"full", false}, {"bare", true}} {
		c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{
			"name": h.name, "url": rc.srv.URL + "/" + h.name, "events": []string{"comment_created"}, "excludeBody": h.exclude, "secret": "s3",
		}))
	}
	if _, err := s.CommentAs(d.Alice.AccountID, "DEMO-1", "two hooks"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	bodies := map[string][]byte{}
	for _, dl := range s.Deliveries() {
		if !dl.Delivered {
			t.Errorf("delivery %+v not delivered", dl)
		}
		bodies[dl.URL[strings.LastIndex(dl.URL, "/")+1:]] = dl.Body
	}
	if len(bodies) != 2 {
		t.Fatalf("deliveries by hook = %d, want 2", len(bodies))
	}
	if len(bodies["bare"]) != 0 {
		t.Errorf("excludeBody hook got a body: %s", bodies["bare"])
	}
	var p map[string]any
	if err := json.Unmarshal(bodies["full"], &p); err != nil || p["webhookEvent"] != "comment_created" || dig(p, "comment", "body") != "two hooks" {
		t.Errorf("full hook body = %s (%v)", bodies["full"], err)
	}
	for _, r := range rc.all() {
		if got, want := r.header.Get("X-Hub-Signature"), SignPayload("s3", r.body); got != want {
			t.Errorf("signature %q, want %q for body %q", got, want, r.body)
		}
	}
}

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLoggerRecordsDeliveriesWithoutSecrets(t *testing.T) {
	var logs lockedBuffer
	s := New(t, Options{Seed: 1, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	d := s.SeedDemo()
	c := newClient(t, s.URL(), basic(d.Admin.Email, d.Admin.APIToken))
	rc := newReceiver(t, 503)
	c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "logged", "url": rc.srv.URL, "events": []string{"comment_created"}, "secret": "log-hook-secret"}))
	if _, err := s.CommentAs(d.Alice.AccountID, "DEMO-1", "log me"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	out := logs.String()
	for _, want := range []string{"jiratest webhook delivery", "event=comment_created attempt=1 status=503", "attempt=2 status=200"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"log-hook-secret", d.Admin.APIToken, d.OAuthClient.Secret} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q", secret)
		}
	}
}
