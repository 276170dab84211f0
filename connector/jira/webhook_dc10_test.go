package jira

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/trigger"
)

// TestWebhookRegistrationAcrossDataCenterVersions registers a real-time
// trigger's webhook on Data Center 9 (/rest/webhooks/1.0/webhook) and on
// Data Center 10 (/rest/jira-webhook/1.0/webhooks, where the old resource
// answers 404), receives a signed delivery through it, and removes it.
func TestWebhookRegistrationAcrossDataCenterVersions(t *testing.T) {
	for _, tc := range []struct {
		version  string
		resource string
	}{
		{"9.12.2", "/rest/webhooks/1.0/webhook"},
		{"10.3.1", "/rest/jira-webhook/1.0/webhooks"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			srv := jiratest.New(t, jiratest.Options{Mode: jiratest.DataCenter, Version: tc.version, Seed: 7})
			demo := srv.SeedDemo()
			ctx := context.Background()
			var mu sync.Mutex
			var bodies [][]byte
			var headers []http.Header
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies, headers = append(bodies, b), append(headers, r.Header.Clone())
				mu.Unlock()
			}))
			t.Cleanup(rc.Close)

			jc := mustNew(t, Config{URL: srv.URL(), Auth: userAuth(jiratest.DataCenter, demo.Admin, dcPAT), HTTP: noSleepHTTP()})
			tr := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}})
			sub, err := tr.Subscribe(ctx, rc.URL+"/hooks/dc", trigger.Subscription{})
			if err != nil {
				t.Fatal(err)
			}
			hooks := ourHooks(srv)
			if len(hooks) != 1 || hooks[0].ID != sub.ID || !hooks[0].HasSecret || hooks[0].JQL != `project = "DEMO"` {
				t.Fatalf("registrations = %+v, subscription id %q", hooks, sub.ID)
			}
			var onResource bool
			for _, r := range srv.Requests() {
				if r.Method == "POST" && strings.HasPrefix(r.Path, tc.resource) {
					onResource = true
				}
			}
			if !onResource {
				t.Errorf("the webhook was not registered at %s: %v", tc.resource, srv.Requests())
			}

			// A restart finds the registration again instead of adding one.
			sub2, err := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}}).Subscribe(ctx, rc.URL+"/hooks/dc", sub)
			if err != nil {
				t.Fatal(err)
			}
			if len(ourHooks(srv)) != 1 || sub2.ID != sub.ID || sub2.Secret != sub.Secret {
				t.Fatalf("after a restart: %+v (id %s -> %s)", ourHooks(srv), sub.ID, sub2.ID)
			}

			if err := srv.UpdateIssueAs(demo.Alice.Name, "DEMO-1", map[string]any{"summary": "changed on " + tc.version}); err != nil {
				t.Fatal(err)
			}
			if err := srv.WaitDeliveries(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != 1 {
				t.Fatalf("received %d deliveries, want 1", len(bodies))
			}
			evs, err := tr.Parse(sub2, headers[0], bodies[0])
			if err != nil {
				t.Fatalf("the delivery does not verify and parse: %v", err)
			}
			if len(evs) != 1 || evs[0].Data.Issue.Key != "DEMO-1" {
				t.Fatalf("events = %+v", evs)
			}

			if err := tr.Unsubscribe(ctx, sub2); err != nil {
				t.Fatal(err)
			}
			if hooks := ourHooks(srv); len(hooks) != 0 {
				t.Fatalf("after Unsubscribe: %+v", hooks)
			}
		})
	}
}

// TestAdminWebhookResourceFallsBackOn404 checks the fallback: a client that
// believes the site is Data Center 9 (serverInfo hidden behind a proxy that
// answers 404) still registers on a Data Center 10 site, and remembers the
// resource that answered.
func TestAdminWebhookResourceFallsBackOn404(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{Mode: jiratest.DataCenter, Version: "10.0.0"})
	demo := srv.SeedDemo()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/serverInfo") {
			http.NotFound(w, r)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	jc := mustNew(t, Config{URL: proxy.URL, Deployment: DataCenter, Auth: userAuth(jiratest.DataCenter, demo.Admin, dcPAT), HTTP: noSleepHTTP()})
	ctx := context.Background()
	created, _, err := jc.Webhooks.CreateAdmin(ctx, AdminWebhook{Name: "recipekit:fallback", URL: "http://127.0.0.1:9/h", Events: []string{"jira:issue_created"}, Enabled: true, Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID() == "" || !strings.Contains(created.Self, "/rest/jira-webhook/1.0/webhooks/") {
		t.Fatalf("created = %+v", created)
	}
	before := len(srv.Requests())
	list, _, err := jc.Webhooks.ListAdmin(ctx)
	if err != nil || len(list) != 1 || list[0].ID() != created.ID() {
		t.Fatalf("list = %+v, %v", list, err)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0].Path, "/rest/jira-webhook/") {
		t.Errorf("after the fallback the list went to %v; want one request to the resource that answered", reqs)
	}
	if _, err := jc.Webhooks.DeleteAdmin(ctx, created.ID()); err != nil {
		t.Fatal(err)
	}
}
