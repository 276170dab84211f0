package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/testclock"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

func userClient(t testing.TB, srv *jiratest.Server, u jiratest.User) *Client {
	t.Helper()
	return mustNew(t, Config{URL: srv.URL(), Auth: userAuth(jiratest.Cloud, u, dcPassword), HTTP: noSleepHTTP()})
}

// waitFor polls cond until it holds (or fails the test after 10 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func ourHooks(srv *jiratest.Server) []jiratest.Webhook {
	var out []jiratest.Webhook
	for _, w := range srv.Webhooks() {
		if w.Dynamic || strings.HasPrefix(w.Name, WebhookNamePrefix) {
			out = append(out, w)
		}
	}
	return out
}

func TestWebhookAdminRegistrationReplacesItsOwn(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{})
	demo := srv.SeedDemo()
	ctx := context.Background()
	cb := "http://127.0.0.1:9/hooks/sync"
	opts := WebhookOptions{PollOptions: PollOptions{Project: "DEMO", JQL: "issuetype = Bug"}}
	tr := userClient(t, srv, demo.Admin).IssueWebhook(opts)

	sub1, err := tr.Subscribe(ctx, cb, trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	hooks := srv.Webhooks()
	if len(hooks) != 1 || hooks[0].ID != sub1.ID || hooks[0].URL != cb || !hooks[0].HasSecret || hooks[0].Name != "recipekit:"+TriggerIssueWebhook {
		t.Fatalf("after the first start: %+v (sub %+v)", hooks, sub1)
	}
	if hooks[0].JQL != `project = "DEMO" AND (issuetype = Bug)` || strings.Join(hooks[0].Events, ",") != "jira:issue_created,jira:issue_updated" {
		t.Errorf("registration filter %q events %v", hooks[0].JQL, hooks[0].Events)
	}
	if len(sub1.Secret.Reveal()) != 64 || strings.Contains(fmt.Sprintf("%v %+v", sub1, sub1), sub1.Secret.Reveal()) {
		t.Errorf("the secret is not a fresh 64-hex value or leaks through %%v")
	}

	// A restart with the stored subscription keeps the registration and
	// its secret.
	tr2 := userClient(t, srv, demo.Admin).IssueWebhook(opts)
	sub2, err := tr2.Subscribe(ctx, cb, sub1)
	if err != nil {
		t.Fatal(err)
	}
	if hooks := srv.Webhooks(); len(hooks) != 1 || sub2.ID != sub1.ID || sub2.Secret != sub1.Secret {
		t.Fatalf("after a restart: %d registrations, id %s -> %s, secret kept %v", len(hooks), sub1.ID, sub2.ID, sub2.Secret == sub1.Secret)
	}

	// An older duplicate for the same URL (spelled differently) and a
	// lost store: still one registration, with a fresh secret; another
	// webhook is left alone.
	if _, _, err := userClient(t, srv, demo.Admin).Webhooks.CreateAdmin(ctx, AdminWebhook{Name: "recipekit:old", URL: "HTTP://127.0.0.1:9/hooks/sync/", Events: []string{"jira:issue_created"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := userClient(t, srv, demo.Admin).Webhooks.CreateAdmin(ctx, AdminWebhook{Name: "someone else's", URL: "http://127.0.0.1:9/other", Events: []string{"jira:issue_created"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	sub3, err := tr2.Subscribe(ctx, "http://127.0.0.1:9/hooks/./sync", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	if hooks := srv.Webhooks(); len(hooks) != 2 || sub3.Secret == sub1.Secret {
		t.Fatalf("after a restart without the stored subscription: %+v", hooks)
	}

	if err := tr2.Unsubscribe(ctx, sub3); err != nil {
		t.Fatal(err)
	}
	if hooks := srv.Webhooks(); len(hooks) != 1 || hooks[0].Name != "someone else's" {
		t.Fatalf("after Unsubscribe: %+v", hooks)
	}
	if err := tr2.Unsubscribe(ctx, sub3); err != nil {
		t.Errorf("removing a registration already gone: %v", err)
	}
}

func TestWebhookWithoutAdministerJira(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{})
	demo := srv.SeedDemo()
	tr := userClient(t, srv, demo.Alice).IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}})
	cb := "http://127.0.0.1:9/hooks/triage"
	_, err := tr.Subscribe(context.Background(), cb, trigger.Subscription{})
	if !errors.Is(err, ErrNoWebhookPermission) || !errors.Is(err, ErrForbidden) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"Administer Jira", "NewOrUpdatedIssue", "System > Webhooks", cb, "connector/webhook", "jira.WebhookEvent"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q: %v", want, err)
		}
	}
	if len(srv.Webhooks()) != 0 {
		t.Error("a webhook was registered")
	}
}

// issuePayload builds a jira:issue_updated body.
func issuePayload(event, issueID, key, typ string, updatedMs int64, user User, items string) []byte {
	upd := time.UnixMilli(updatedMs).UTC().Format(TimeLayout)
	return fmt.Appendf(nil, `{"timestamp":%d,"webhookEvent":%q,"issue_event_type_name":"issue_generic",
 "user":{"accountId":%q,"displayName":%q},
 "issue":{"id":%q,"key":%q,"fields":{"summary":"s","issuetype":{"name":%q},"project":{"key":"DEMO","id":"10000"},"status":{"name":"To Do"},"created":%q,"updated":%q}},
 "changelog":{"id":"10500","items":[%s]}}`, updatedMs, event, user.AccountID, user.DisplayName, issueID, key, typ, upd, upd, items)
}

func TestWebhookParseVerifiesAndFilters(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{})
	demo := srv.SeedDemo()
	jc := userClient(t, srv, demo.Admin)
	tr := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO", JQL: "issuetype = Bug", IgnoreOwnChanges: true}})
	sub, err := tr.Subscribe(context.Background(), "http://127.0.0.1:9/h", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(sub.Secret.Reveal())
	alice := User{AccountID: demo.Alice.AccountID, DisplayName: "Alice"}
	me := User{AccountID: demo.Admin.AccountID}
	change := `{"field":"summary","fieldtype":"jira","from":null,"fromString":"a","to":null,"toString":"b"}`
	noop := `{"field":"labels","fieldtype":"jira","from":"","fromString":"x","to":"","toString":"x"}`
	signed := func(body []byte) http.Header {
		return http.Header{"X-Hub-Signature": {webhooksign.Sign(secret, body)}, "X-Atlassian-Webhook-Identifier": {"d-1"}}
	}
	good := issuePayload("jira:issue_updated", "10042", "DEMO-42", "Bug", 1700000000123, alice, change)

	evs, err := tr.Parse(sub, signed(good), good)
	if err != nil || len(evs) != 1 || evs[0].ID != "issue:10042#10500" || evs[0].Data.Author.AccountID != alice.AccountID || !evs[0].Data.Changed("summary") {
		t.Fatalf("a good delivery: %+v, %v", evs, err)
	}
	for name, h := range map[string]http.Header{
		"no signature":     {},
		"wrong secret":     {"X-Hub-Signature": {webhooksign.Sign([]byte("other"), good)}},
		"malformed header": {"X-Hub-Signature": {"sha256=zz"}},
		"other method":     {"X-Hub-Signature": {"sha1=" + strings.Repeat("a", 40)}},
	} {
		if _, err := tr.Parse(sub, h, good); !errors.Is(err, trigger.ErrUnauthenticated) || strings.Contains(err.Error(), string(secret)) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	tampered := bytes.Replace(good, []byte("DEMO-42"), []byte("DEMO-43"), 1)
	if _, err := tr.Parse(sub, signed(good), tampered); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Errorf("an altered body: %v", err)
	}
	bad := []byte(`{"webhookEvent": 5}`)
	if _, err := tr.Parse(sub, signed(bad), bad); err == nil || errors.Is(err, trigger.ErrUnauthenticated) || !errors.Is(err, ErrWebhookPayload) {
		t.Errorf("a malformed payload: %v", err)
	}
	for name, body := range map[string][]byte{
		"another event type":   issuePayload("jira:issue_deleted", "10042", "DEMO-42", "Bug", 1700000000123, alice, change),
		"outside the filter":   issuePayload("jira:issue_updated", "10042", "DEMO-42", "Task", 1700000000123, alice, change),
		"another project":      bytes.Replace(good, []byte(`"key":"DEMO","id":"10000"`), []byte(`"key":"OPS","id":"10001"`), 1),
		"the connection's own": issuePayload("jira:issue_updated", "10042", "DEMO-42", "Bug", 1700000000123, me, change),
		"a no-op update":       issuePayload("jira:issue_updated", "10042", "DEMO-42", "Bug", 1700000000123, alice, noop),
		"no changelog items":   issuePayload("jira:issue_updated", "10042", "DEMO-42", "Bug", 1700000000123, alice, ""),
	} {
		evs, err := tr.Parse(sub, signed(body), body)
		if err != nil || len(evs) != 0 {
			t.Errorf("%s: %d events, %v", name, len(evs), err)
		}
	}
}

// TestCommentAndWorklogDeliveries checks the events the comment and
// worklog webhooks make of a delivery: the poll's event ID (the creation
// time for a new item, the edit time for an edited one), the edit
// attributed to its update author (so IgnoreOwnChanges drops the
// connection's own edit of someone else's item), and, when the delivery
// carries no issue, the issue id the worklog names.
func TestCommentAndWorklogDeliveries(t *testing.T) {
	jc := mustNew(t, Config{URL: "https://acme.atlassian.net", Auth: auth.APIToken{Email: "a@b.c", Token: "t"}})
	secret := auth.Secret("s3cret")
	sub := trigger.Subscription{ID: "1", Secret: secret, State: []byte(`{"mode":"admin","me":{"accountId":"me"}}`)}
	parse := func(tr interface {
		Parse(trigger.Subscription, http.Header, []byte) ([]trigger.Event[CommentEvent], error)
	}, body string) []trigger.Event[CommentEvent] {
		t.Helper()
		evs, err := tr.Parse(sub, http.Header{"X-Hub-Signature": {webhooksign.Sign([]byte(secret.Reveal()), []byte(body))}}, []byte(body))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		return evs
	}
	const (
		created = "2026-12-04T09:00:00.000+0000" // 1796374800000
		edited  = "2026-12-04T10:00:00.000+0000" // 1796378400000
	)
	comment := func(event string) string {
		return `{"webhookEvent":"` + event + `","timestamp":1796380000000,"issue":{"id":"10042","key":"DEMO-42","fields":{"summary":"s"}},` +
			`"comment":{"id":"7","body":"hi","author":{"accountId":"alice"},"updateAuthor":{"accountId":"me"},"created":"` + created + `","updated":"` + edited + `"}}`
	}
	comments := jc.CommentWebhook(WebhookOptions{PollOptions: PollOptions{IgnoreOwnChanges: true}})
	evs := parse(comments, comment("comment_created"))
	if len(evs) != 1 || evs[0].ID != "comment:7@1796378400000" || evs[0].Data.Comment.ID != "7" || evs[0].Data.Issue.Key != "DEMO-42" {
		t.Fatalf("comment_created: %+v", evs)
	}
	if !evs[0].Time.Equal(time.UnixMilli(1796378400000)) {
		t.Errorf("comment_created at %s, want the comment's last edit", evs[0].Time)
	}
	if evs := parse(comments, comment("comment_updated")); len(evs) != 0 {
		t.Errorf("the connection's own edit of alice's comment was not dropped: %+v", evs)
	}
	if evs := parse(jc.CommentWebhook(WebhookOptions{}), comment("comment_updated")); len(evs) != 1 || evs[0].ID != "comment:7@1796378400000" {
		t.Errorf("comment_updated without IgnoreOwnChanges: %+v", evs)
	}

	worklogs := jc.WorklogWebhook(WebhookOptions{PollOptions: PollOptions{IgnoreOwnChanges: true}})
	body := `{"webhookEvent":"worklog_created","timestamp":1796380000000,` +
		`"worklog":{"id":"9","issueId":"10042","timeSpentSeconds":60,"author":{"accountId":"alice"},"updateAuthor":{"accountId":"alice"},"created":"` + created + `","updated":"` + created + `"}}`
	wevs, err := worklogs.Parse(sub, http.Header{"X-Hub-Signature": {webhooksign.Sign([]byte(secret.Reveal()), []byte(body))}}, []byte(body))
	if err != nil || len(wevs) != 1 || wevs[0].ID != "worklog:9@1796374800000" || wevs[0].Data.Worklog.ID != "9" || wevs[0].Data.Issue.ID != "10042" {
		t.Fatalf("worklog_created without an issue: %+v, %v", wevs, err)
	}
}

func TestParseWebhookEventErrors(t *testing.T) {
	for body, want := range map[string]string{
		"":                    "body is empty",
		"[1]":                 "not a JSON object",
		`{"webhookEvent":"x"`: "not valid JSON",
		`{"timestamp":1}`:     "no webhookEvent",
		`{"webhookEvent":"jira:issue_updated","issue":"DEMO-1"}`:           "issue member",
		`{"webhookEvent":"jira:issue_updated","issue":{"fields":{}}}`:      "neither id nor key",
		`{"webhookEvent":"comment_created","comment":{"body":"x"}}`:        "comment of a comment_created event has no id",
		`{"webhookEvent":"jira:issue_updated","timestamp":"soon"}`:         "timestamp must be epoch milliseconds",
		`{"webhookEvent":"jira:issue_updated","changelog":{"items":"no"}}`: "changelog member",
	} {
		_, err := ParseWebhookEvent([]byte(body))
		if !errors.Is(err, ErrWebhookPayload) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
	ev, err := ParseWebhookEvent([]byte(`{"timestamp":"1700000000000","webhookEvent":"sprint_started","sprint":{"id":7,"name":"S1"}}`))
	if err != nil || ev.Timestamp != 1700000000000 || ev.Other["sprint"].(map[string]any)["name"] != "S1" {
		t.Fatalf("%+v %v", ev, err)
	}
	// The whole envelope survives a job record's JSON round trip.
	var back WebhookEvent
	b, _ := ev.MarshalJSON()
	if err := back.UnmarshalJSON(b); err != nil || back.Other["sprint"] == nil || back.WebhookEvent != "sprint_started" {
		t.Errorf("round trip: %s -> %+v %v", b, back, err)
	}
}

// TestParseWebhookEventReadsTheChangelogIDAsANumberOrAString: Jira sends a
// changelog's id as a string ("10196") and some versions as a number
// (10500); either reads as the id's text, with the items kept.
func TestParseWebhookEventReadsTheChangelogIDAsANumberOrAString(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{`10500`, "10500"},
		{`"10196"`, "10196"},
		{`null`, ""},
	} {
		body := `{"timestamp":1700000000000,"webhookEvent":"jira:issue_updated","issue":{"id":"10042","key":"DEMO-1","fields":{}},
 "changelog":{"id":` + tt.id + `,"items":[{"field":"status","fromString":"To Do","toString":"Done"}]}}`
		ev, err := ParseWebhookEvent([]byte(body))
		if err != nil {
			t.Fatalf("changelog id %s: %v", tt.id, err)
		}
		if ev.Changelog == nil || ev.Changelog.ID != tt.want {
			t.Errorf("changelog id %s: read %+v, want id %q", tt.id, ev.Changelog, tt.want)
			continue
		}
		if len(ev.Changelog.Items) != 1 || ev.Changelog.Items[0].Field != "status" || ev.Changelog.Items[0].ToString != "Done" {
			t.Errorf("changelog id %s: items %+v, want the status change", tt.id, ev.Changelog.Items)
		}
	}
}

type keyInput struct {
	Key string `expr:"key"`
}

// TestWebhookDeliveriesThroughEngine runs a recipe on the runtime's engine
// against the simulator delivering late, twice, out of order or not at
// all: every change becomes exactly one job once the reconciliation poll
// has run, and the registration is removed when the engine stops.
func TestWebhookDeliveriesThroughEngine(t *testing.T) {
	clock := testclock.New(time.Now().Truncate(time.Millisecond))
	srv := jiratest.New(t, jiratest.Options{Seed: 3, Now: clock.Now})
	demo := srv.SeedDemo()
	ctx := context.Background()
	ts := newLaterServer(t)

	store := recipe.NewMemoryStore()
	newRecipe := func() *recipe.Recipe {
		act := recipetest.NewAction("note", func(ctx context.Context, in keyInput) (struct{}, error) { return struct{}{}, nil })
		trig := userClient(t, srv, demo.Admin).IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO", JQL: "issuetype = Bug", IgnoreOwnChanges: true, Now: clock.Now}})
		r, err := recipe.New("bugs", trig, recipe.Do("note", act, recipe.Pills{"key": "trigger.issue.key"}))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	eng := recipe.NewEngine(store, recipe.WithWebhookBaseURL(ts.URL+"/hooks"))
	if err := eng.Add(newRecipe()); err != nil {
		t.Fatal(err)
	}
	ts.serve(eng.WebhookHandler())
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	waitFor(t, "the webhook registration", func() bool { return len(ourHooks(srv)) == 1 })
	if len(srv.Webhooks()) != 1 {
		t.Fatalf("registrations: %+v", srv.Webhooks())
	}

	srv.SetDelivery(jiratest.DeliveryOptions{Duplicate: 0.4, Shuffle: true, Drop: 0.15})
	expected := map[string]bool{}
	for i := range 25 {
		typ := "Bug"
		if i%5 == 4 {
			typ = "Task" // outside the filter
		}
		is, err := srv.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: typ, Summary: fmt.Sprintf("bug %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if typ == "Bug" {
			expected["issue:"+is.ID+"#created"] = true
		}
		for j := range 2 {
			who := demo.Bob.AccountID
			if j == 1 && i%3 == 0 {
				who = demo.Admin.AccountID // the connection's own change
			}
			clock.Advance(time.Second)
			if err := srv.UpdateIssueAs(who, is.Key, map[string]any{"summary": fmt.Sprintf("bug %d v%d", i, j)}); err != nil {
				t.Fatal(err)
			}
			if typ == "Bug" && who != demo.Admin.AccountID {
				expected["issue:"+is.ID+"#"+lastChangeID(t, userClient(t, srv, demo.Admin), is.Key)] = true
			}
		}
		clock.Advance(time.Second)
		if _, err := srv.CommentAs(demo.Bob.AccountID, is.Key, "no issue change"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	var dup, dropped int
	for _, d := range srv.Deliveries() {
		if d.Duplicate {
			dup++
		}
		if d.Dropped {
			dropped++
		}
	}
	if dup == 0 || dropped == 0 {
		t.Fatalf("the knobs did not bite: %d duplicates, %d dropped", dup, dropped)
	}
	jobsByEvent := func() map[string]int {
		jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "bugs"}))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, j := range jobs {
			out[j.Event.ID]++
		}
		return out
	}
	delivered := jobsByEvent()
	for id, n := range delivered {
		if !expected[id] || n != 1 {
			t.Errorf("after deliveries: job for %s (%d times, expected %v)", id, n, expected[id])
		}
	}
	if len(delivered) >= len(expected) {
		t.Logf("no delivery was lost for a wanted event (%d dropped deliveries)", dropped)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if hooks := ourHooks(srv); len(hooks) != 0 {
		t.Fatalf("the registration was not removed on stop: %+v", hooks)
	}

	// The reconciliation poll catches what was dropped, and only that.
	eng2 := recipe.NewEngine(store)
	if err := eng2.Add(newRecipe()); err != nil {
		t.Fatal(err)
	}
	sum, err := eng2.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	final := jobsByEvent()
	for id := range expected {
		if final[id] != 1 {
			t.Errorf("event %s has %d jobs", id, final[id])
		}
	}
	for id := range final {
		if !expected[id] {
			t.Errorf("unexpected job for %s", id)
		}
	}
	t.Logf("%d events: %d by webhook (%d deliveries duplicated, %d dropped), reconciliation poll: %d events, %d duplicates",
		len(expected), len(delivered), dup, dropped, sum.Events, sum.Duplicates)
	if sum.Duplicates == 0 {
		t.Error("the reconciliation poll re-read no delivered event: dedup between webhook and poll is not exercised")
	}
}

// oauthEnv is a simulator with a fake clock and an OAuth connection.
func oauthClient(t *testing.T, srv *jiratest.Server, demo jiratest.Demo, now func() time.Time) *Client {
	t.Helper()
	o := &auth.OAuth2{ClientID: demo.OAuthClient.ID, ClientSecret: auth.Secret(demo.OAuthClient.Secret), RedirectURL: "http://localhost/cb",
		Store: &auth.MemoryTokenStore{}, AuthURL: srv.URL() + "/authorize", TokenURL: srv.URL() + "/oauth/token",
		ResourcesURL: srv.URL() + "/oauth/token/accessible-resources", APIGatewayURL: srv.URL() + "/ex/jira", Now: now}
	if _, err := o.Exchange(context.Background(), srv.IssueOAuthCode(demo.Admin.AccountID)); err != nil {
		t.Fatal(err)
	}
	jc := mustNew(t, Config{URL: srv.URL(), Auth: o, HTTP: noSleepHTTP()})
	return jc
}

// receiver hands deliveries to a trigger's Parse, as the runtime does.
type receiver[T any] struct {
	mu     sync.Mutex
	sub    trigger.Subscription
	tr     trigger.Webhook[T]
	events []trigger.Event[T]
	denied int
}

func (rc *receiver[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	evs, err := rc.tr.Parse(rc.sub, r.Header, body)
	switch {
	case errors.Is(err, trigger.ErrUnauthenticated):
		rc.denied++
		w.WriteHeader(http.StatusUnauthorized)
	case err != nil:
		w.WriteHeader(http.StatusBadRequest)
	default:
		rc.events = append(rc.events, evs...)
	}
}

func TestWebhookDynamicRenewal(t *testing.T) {
	clock := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	srv := jiratest.New(t, jiratest.Options{Now: clock.Now})
	demo := srv.SeedDemo()
	ctx := context.Background()
	jc := oauthClient(t, srv, demo, clock.Now)
	tr := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO", Now: clock.Now}})
	rc := &receiver[IssueChange]{tr: tr}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	cb := ts.URL + "/hooks/sync"

	sub, err := tr.Subscribe(ctx, cb, trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err = tr.Subscribe(ctx, cb, sub) // a restart replaces, never adds
	if err != nil {
		t.Fatal(err)
	}
	hooks := ourHooks(srv)
	if len(hooks) != 1 || !hooks[0].Dynamic || !sub.ExpiresAt.Equal(clock.Now().Add(30*24*time.Hour)) || sub.Secret != "" {
		t.Fatalf("dynamic registration: %+v, sub expires %s", hooks, sub.ExpiresAt)
	}
	rc.mu.Lock()
	rc.sub = sub
	rc.mu.Unlock()

	deliver := func() int {
		t.Helper()
		rc.mu.Lock()
		before := len(rc.events)
		rc.mu.Unlock()
		if _, err := srv.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "hello"}); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.events) - before
	}
	if n := deliver(); n != 1 || rc.denied != 0 {
		t.Fatalf("a signed delivery: %d events, %d denied", n, rc.denied)
	}

	// The runtime renews RenewBefore ahead of the expiry.
	clock.Advance(30*24*time.Hour - tr.RenewBefore())
	renewed, err := tr.Renew(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(30 * 24 * time.Hour); !renewed.ExpiresAt.Equal(want) || renewed.ID != sub.ID {
		t.Fatalf("renewed until %s (id %s), want %s", renewed.ExpiresAt, renewed.ID, want)
	}
	clock.Advance(15 * 24 * time.Hour) // past the first expiry
	if n := deliver(); n != 1 {
		t.Fatalf("after the first 30 days: %d events", n)
	}

	// A registration Jira dropped is registered again on renewal.
	if _, err := jc.Webhooks.DeleteDynamic(ctx, hooksIDs(t, sub)...); err != nil {
		t.Fatal(err)
	}
	again, err := tr.Renew(ctx, renewed)
	if err != nil {
		t.Fatal(err)
	}
	if len(ourHooks(srv)) != 1 || again.ID == sub.ID {
		t.Fatalf("not registered again: %+v", ourHooks(srv))
	}
	rc.mu.Lock()
	rc.sub = again
	rc.mu.Unlock()
	if n := deliver(); n != 1 {
		t.Fatalf("after re-registration: %d events", n)
	}

	// A forged token is refused.
	body := issuePayload("jira:issue_created", "1", "DEMO-1", "Task", 1, User{}, "")
	forged := http.Header{"Authorization": {"Bearer " + strings.Join([]string{"eyJhbGciOiJIUzI1NiJ9", "e30", "c2lnbmF0dXJl"}, ".")}}
	if _, err := tr.Parse(again, forged, body); !errors.Is(err, trigger.ErrUnauthenticated) || strings.Contains(err.Error(), demo.OAuthClient.Secret) {
		t.Errorf("forged JWT: %v", err)
	}
	if _, err := tr.Parse(again, http.Header{}, body); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Errorf("no token: %v", err)
	}

	if err := tr.Unsubscribe(ctx, again); err != nil {
		t.Fatal(err)
	}
	if hooks := ourHooks(srv); len(hooks) != 0 {
		t.Fatalf("after Unsubscribe: %+v", hooks)
	}
	// Worklog events are not offered to dynamic webhooks.
	if _, err := jc.WorklogWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}}).Subscribe(ctx, cb, trigger.Subscription{}); err == nil || !strings.Contains(err.Error(), "worklog_created") {
		t.Errorf("worklog webhook with OAuth: %v", err)
	}
}

func hooksIDs(t *testing.T, sub trigger.Subscription) []int64 {
	t.Helper()
	var ids []int64
	for _, p := range strings.Split(sub.ID, ",") {
		var id int64
		if _, err := fmt.Sscan(p, &id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestAdminWebhookSecretOnlyInRegistrationRequests: CreateAdmin and
// UpdateAdmin send the secret Jira signs deliveries with, while encoding
// an AdminWebhook anywhere else (a job record, a log line) leaves it out.
func TestAdminWebhookSecretOnlyInRegistrationRequests(t *testing.T) {
	const secret = "wh-s3cret-value"
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/serverInfo") {
			// Data Center's version picks the webhook resource.
			_, _ = io.WriteString(w, `{"deploymentType":"Server","version":"9.12.2","versionNumbers":[9,12,2]}`)
			return
		}
		mu.Lock()
		bodies = append(bodies, r.Method+" "+string(b))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"self":"http://jira/rest/webhooks/1.0/webhook/7","name":"n","url":"http://cb","events":[]}`)
	}))
	t.Cleanup(srv.Close)
	jc := newTestClient(t, srv.URL, DataCenter)
	hook := AdminWebhook{Name: "n", URL: "http://cb", Events: []string{"jira:issue_created"}, Secret: auth.Secret(secret)}
	ctx := context.Background()
	if _, _, err := jc.Webhooks.CreateAdmin(ctx, hook); err != nil {
		t.Fatal(err)
	}
	if _, _, err := jc.Webhooks.UpdateAdmin(ctx, "7", hook); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("requests: %q", bodies)
	}
	for _, b := range bodies {
		if !strings.Contains(b, `"secret":"`+secret+`"`) || !strings.Contains(b, `"name":"n"`) {
			t.Errorf("registration request without the secret or the fields: %s", b)
		}
	}
	enc, err := json.Marshal(hook)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(enc), secret) || strings.Contains(fmt.Sprintf("%v %+v", hook, hook), secret) {
		t.Errorf("the secret leaks through JSON or %%v: %s", enc)
	}
}

// A real-time trigger's permissions say whether an OAuth connection can
// register its webhook: dynamic webhooks offer issue and comment events
// only, so a worklog trigger needs an admin webhook.
func TestWebhookPermissionsOfferOAuthOnlyForDynamicEvents(t *testing.T) {
	jc := newTestClient(t, "https://docs.example.net", Cloud)
	const adminOnly, either = "ADMINISTER (admin webhooks)", "ADMINISTER (admin webhooks) or the manage:jira-webhook scope (OAuth)"
	for _, tc := range []struct {
		name string
		info trigger.Info
		want string
	}{
		{"issue", jc.IssueWebhook(WebhookOptions{}).Info(), either},
		{"deleted comment", jc.DeletedCommentWebhook(WebhookOptions{}).Info(), either},
		{"worklog", jc.WorklogWebhook(WebhookOptions{}).Info(), adminOnly},
		{"deleted worklog", jc.DeletedWorklogWebhook(WebhookOptions{}).Info(), adminOnly},
		{"any: issue and comment events", jc.AnyEventWebhook(WebhookOptions{Events: []string{"jira:issue_created", "comment_created"}}).Info(), either},
		{"any: with a sprint event", jc.AnyEventWebhook(WebhookOptions{Events: []string{"jira:issue_created", "sprint_started"}}).Info(), adminOnly},
	} {
		if want := []string{tc.want, "BROWSE_PROJECTS"}; !slices.Equal(tc.info.Permissions, want) {
			t.Errorf("%s: permissions %q, want %q", tc.name, tc.info.Permissions, want)
		}
	}
}
