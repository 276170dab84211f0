package jira

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/internal/testshared"
	"github.com/recipekit/recipekit/trigger"
)

// Seeds with the shapes of real deliveries (Cloud issue events with a
// changelog, a comment event with a trimmed issue, a Data Center user, a
// worklog event), and broken variants of them.
var webhookSeeds = []string{
	`{"timestamp":1685267893503,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic","user":{"accountId":"5b10a2844c20165700ede21g","displayName":"Alice","active":true,"accountType":"atlassian","timeZone":"Pacific/Auckland"},"issue":{"id":"10002","key":"PROJ-1","self":"https://x.atlassian.net/rest/api/2/issue/10002","fields":{"summary":"s","issuetype":{"id":"10001","name":"Bug"},"project":{"id":"10000","key":"PROJ"},"status":{"name":"In Progress","statusCategory":{"key":"indeterminate"}},"labels":["a"],"created":"2023-05-28T09:58:13.503+1200","updated":"2023-05-28T09:58:13.503+1200","customfield_10010":{"value":"S1"}}},"changelog":{"id":"10196","items":[{"field":"status","fieldtype":"jira","fieldId":"status","from":"10101","fromString":"Done","to":"3","toString":"In Progress"}]}}`,
	`{"timestamp":1524205492300,"webhookEvent":"comment_created","comment":{"id":"10021","author":{"name":"admin","key":"admin"},"body":"hi","updateAuthor":{"name":"admin"},"created":"2018-04-20T09:24:52.300+0300","updated":"2018-04-20T09:24:52.300+0300"},"issue":{"id":"10023","key":"JTP-7","fields":{"summary":"t","status":{"name":"To Do"},"issuetype":{"name":"Task"},"priority":{"name":"Medium"}}}}`,
	`{"timestamp":1524205492300,"webhookEvent":"jira:issue_created","user":{"name":"admin","key":"admin"},"issue":{"id":10024,"key":"JTP-8","fields":{"description":{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"adf"}]}]},"created":1524205492300}},"changelog":{"id":10500,"items":[{"field":"summary","from":null,"to":null,"toString":"x"}]},"matchedWebhookIds":[1,2]}`,
	`{"timestamp":1,"webhookEvent":"worklog_created","worklog":{"id":"100","issueId":"10002","timeSpentSeconds":60,"created":"2024-01-01T00:00:00.000+0000","updated":"2024-01-01T00:00:00.000+0000"}}`,
	`{"webhookEvent":"sprint_started","sprint":{"id":1}}`,
	`{"webhookEvent":"jira:issue_updated","issue":{"fields":{}}}`,
	`{"webhookEvent":"jira:issue_updated","issue":{"id":"1","fields":{"created":"yesterday"}}}`,
	`{"webhookEvent":"jira:issue_updated","changelog":{"items":[{"field":1}]}}`,
	`{"webhookEvent":["x"]}`,
	`{"webhookEvent":"comment_updated","comment":{"id":"1","body":[1,2]}}`,
	`{"timestamp":1e400,"webhookEvent":"x"}`,
	`{"webhookEvent":"x","timestamp":"NaN"}`,
	`{"webhookEvent":"x",`,
	`[]`,
	``,
	"\xff\xfe{",
	`{"webhookEvent":"x","issue":null,"user":null}`,
}

// FuzzParseWebhook feeds payloads to ParseWebhookEvent and to a webhook
// trigger's Parse (with a valid signature, so parsing is reached): no
// panic, an error wrapping ErrWebhookPayload with a message, or events
// with IDs.
func FuzzParseWebhook(f *testing.F) {
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	jc, err := New(Config{URL: "https://fuzz.atlassian.net", Auth: auth.APIToken{Email: "a@b.c", Token: "t"}})
	if err != nil {
		f.Fatal(err)
	}
	secret := auth.Secret("fuzz-secret")
	sub := trigger.Subscription{ID: "1", Secret: secret, State: []byte(`{"mode":"admin","me":{"accountId":"me"}}`)}
	issues := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "PROJ", JQL: "issuetype = Bug AND labels = a", IgnoreOwnChanges: true}})
	comments := jc.CommentWebhook(WebhookOptions{PollOptions: PollOptions{JQL: "status = \"To Do\""}})
	worklogs := jc.WorklogWebhook(WebhookOptions{})
	any := jc.AnyEventWebhook(WebhookOptions{Events: []string{"sprint_started", "jira:issue_updated"}})
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhookEvent(body)
		if err != nil {
			if !errors.Is(err, ErrWebhookPayload) || err.Error() == "" {
				t.Fatalf("error without ErrWebhookPayload: %v", err)
			}
		} else if ev.WebhookEvent == "" {
			t.Fatal("accepted a delivery without an event name")
		}
		h := http.Header{"X-Hub-Signature": {webhooksign.Sign([]byte(secret.Reveal()), body)}}
		check := func(n int, ids []string, err error) {
			if err != nil {
				if errors.Is(err, trigger.ErrUnauthenticated) || !errors.Is(err, ErrWebhookPayload) {
					t.Fatalf("Parse: unexpected error %v", err)
				}
				return
			}
			for _, id := range ids {
				if id == "" || strings.Contains(id, "\n") {
					t.Fatalf("bad event id %q", id)
				}
			}
		}
		e1, err := issues.Parse(sub, h, body)
		check(len(e1), eventIDs(e1), err)
		e2, err := comments.Parse(sub, h, body)
		check(len(e2), eventIDs(e2), err)
		e3, err := worklogs.Parse(sub, h, body)
		check(len(e3), eventIDs(e3), err)
		e4, err := any.Parse(sub, h, body)
		check(len(e4), eventIDs(e4), err)
	})
}

// TestParseWebhookSamples parses the real deliveries kept in the shared
// reference material.
func TestParseWebhookSamples(t *testing.T) {
	dir := testshared.Path(t, "jira", "samples")
	var files []string
	for _, sub := range []string{"webhooks-jenkinsci-jira-trigger-plugin", "webhooks-cloud-activepieces"} {
		m, _ := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		// testshared.Path already skipped when the material is absent; a
		// present folder without these samples means they moved.
		t.Fatalf("no webhook samples under %s; update the folder names this test reads", dir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := ParseWebhookEvent(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if ev.Issue == nil && ev.Comment == nil {
			t.Errorf("%s: %s without issue or comment", filepath.Base(f), ev.WebhookEvent)
		}
		if strings.HasPrefix(ev.WebhookEvent, "comment_") && (ev.Comment == nil || ev.Comment.ID == "") {
			t.Errorf("%s: comment event without a comment id", filepath.Base(f))
		}
	}
}
