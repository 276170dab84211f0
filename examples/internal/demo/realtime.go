package demo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// RealtimeScene is the realtime example's story: the engine registers its
// webhook, Alice files an issue, Bob raises it to Highest, and someone
// posts a forged delivery to the callback, which is refused. Show reports
// whether the webhook was removed when the engine stopped.
func RealtimeScene(j *Jira, callback string) Scene {
	var key string
	hook := func() (jiratest.Webhook, bool) {
		i := slices.IndexFunc(j.Sim.Webhooks(), func(w jiratest.Webhook) bool { return w.URL == callback })
		if i < 0 {
			return jiratest.Webhook{}, false
		}
		return j.Sim.Webhooks()[i], true
	}
	p := j.People
	return Scene{
		Beats: []Beat{
			{What: "the webhook is registered with Jira", Until: func() bool { _, ok := hook(); return ok }},
			{Do: func(context.Context) (string, error) {
				w, _ := hook()
				signed := "deliveries authenticated by Jira's token"
				if w.HasSecret {
					signed = "deliveries signed with a secret (HMAC-SHA256)"
				}
				return fmt.Sprintf("Jira now has webhook %s for %s, %s", w.ID, w.URL, signed), nil
			}},
			{After: 500 * time.Millisecond, Do: func(context.Context) (string, error) {
				is, err := j.Sim.CreateIssueAs(j.ID(p.Alice), jiratest.IssueSeed{Project: j.Project, IssueType: "Bug", Summary: "Search returns nothing for quoted terms"})
				key = is.Key
				return fmt.Sprintf("%s files %s %q", p.Alice.DisplayName, is.Key, is.Summary), err
			}},
			{What: "the new issue is thanked", Until: func() bool { return len(j.Sim.Comments(key)) > 0 }},
			{After: 800 * time.Millisecond, Do: func(context.Context) (string, error) {
				err := j.Sim.UpdateIssueAs(j.ID(p.Bob), key, map[string]any{"priority": "Highest"})
				return fmt.Sprintf("%s raises %s to Highest", p.Bob.DisplayName, key), err
			}},
			{What: "the issue is labelled urgent", Until: func() bool {
				is, _ := j.Sim.Issue(key)
				return slices.Contains(is.Labels, "urgent")
			}},
			{After: 500 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				status, err := forge(ctx, callback)
				if err != nil {
					return "", err
				}
				if status != http.StatusUnauthorized {
					return "", fmt.Errorf("a forged delivery was answered %d, not 401", status)
				}
				return "someone posts a forged delivery (no valid signature): refused with 401, nothing runs", nil
			}},
		},
		Show: func(rep *Reporter) {
			if is, ok := j.Sim.Issue(key); ok {
				rep.Printf("In Jira now: %s priority %s, labels %s, %d comment(s)", key, is.Priority, strings.Join(is.Labels, ", "), len(j.Sim.Comments(key)))
			}
			if _, ok := hook(); ok {
				rep.Printf("Jira still has the webhook for %s", callback)
			} else {
				rep.Printf("The engine removed its webhook when it stopped: Jira has none for this program any more.")
			}
		},
	}
}

// forge posts an issue event with a made-up signature to the callback.
func forge(ctx context.Context, callback string) (int, error) {
	body := []byte(`{"timestamp":1700000000000,"webhookEvent":"jira:issue_created","issue":{"id":"99999","key":"DEMO-999","fields":{"summary":"forged"}}}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature", "sha256=0000000000000000000000000000000000000000000000000000000000000000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
