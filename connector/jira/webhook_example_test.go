package jira_test

import (
	"fmt"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/webhook"
)

// A Jira administrator registered a webhook by hand (System > Webhooks)
// because the connection's account may not: the generic webhook trigger
// receives it, with jira.WebhookEvent as the payload type.
func ExampleParseWebhookEvent() {
	trig, err := webhook.NewTrigger(webhook.TriggerOptions[jira.WebhookEvent]{
		Name:         "jira_issue_events",
		Verification: webhook.VerifyHMAC(""), // X-Hub-Signature: sha256=...
		Secret:       auth.Secret("the secret entered in Jira"),
		IDHeader:     "X-Atlassian-Webhook-Identifier",
		TimeField:    "timestamp",
		Accept: func(e jira.WebhookEvent) bool {
			return e.WebhookEvent == "jira:issue_created"
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(trig.Info().Name)

	ev, err := jira.ParseWebhookEvent([]byte(`{"timestamp":1700000000000,"webhookEvent":"jira:issue_created",
		"issue":{"id":"10001","key":"DEMO-1","fields":{"summary":"Printer on fire"}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.WebhookEvent, ev.Issue.Key, ev.Issue.Fields.Summary)

	_, err = jira.ParseWebhookEvent([]byte(`{"timestamp":1700000000000}`))
	fmt.Println(err)
	// Output:
	// jira_issue_events
	// jira:issue_created DEMO-1 Printer on fire
	// not a Jira webhook delivery: the body has no webhookEvent naming the event (such as "jira:issue_updated")
}
