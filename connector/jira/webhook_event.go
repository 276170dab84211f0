package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// WebhookEvent is a Jira webhook delivery: the envelope Jira posts for
// every event (issue, comment, worklog, attachment, version, sprint, ...).
// Pills read trigger.webhookEvent, trigger.issue.fields.summary,
// trigger.changelog.items, trigger.other.sprint.
//
// It is the output of AnyEventWebhook, and the payload type to use with
// the generic webhook trigger (package connector/webhook) when a Jira
// administrator registers the webhook by hand (System > Webhooks) because
// the connection's account may not:
//
//	trig, err := webhook.NewTrigger(webhook.TriggerOptions[jira.WebhookEvent]{
//		Name:         "jira_events",
//		Verification: webhook.VerifyHMAC(""), // X-Hub-Signature
//		Secret:       secret,                 // the webhook's Secret in Jira
//		IDHeader:     "X-Atlassian-Webhook-Identifier",
//		TimeField:    "timestamp",
//		Accept: func(e jira.WebhookEvent) bool {
//			return e.WebhookEvent == "jira:issue_created"
//		},
//	})
//
// Decoding (json.Unmarshal, or ParseWebhookEvent) checks the envelope and
// fails with a message saying what is wrong.
type WebhookEvent struct {
	// Timestamp is when Jira raised the event, in epoch milliseconds.
	Timestamp int64 `json:"timestamp" expr:"timestamp"`
	// WebhookEvent is the event name, such as "jira:issue_updated" or
	// "comment_created".
	WebhookEvent string `json:"webhookEvent" expr:"webhookEvent"`
	// IssueEventTypeName is the finer issue event ("issue_generic",
	// "issue_assigned", "issue_commented", ...), for issue events.
	IssueEventTypeName string `json:"issue_event_type_name,omitempty" expr:"issue_event_type_name"`
	// User is who caused the event.
	User *User `json:"user,omitempty" expr:"user"`
	// Issue is the issue concerned (a trimmed one for comment events).
	Issue *Issue `json:"issue,omitempty" expr:"issue"`
	// Changelog lists the fields an issue event changed.
	Changelog *WebhookChangelog `json:"changelog,omitempty" expr:"changelog"`
	// Comment is the comment of a comment event (and of the
	// jira:issue_updated a comment also raises).
	Comment *Comment `json:"comment,omitempty" expr:"comment"`
	// Worklog is the worklog of a worklog event.
	Worklog *Worklog `json:"worklog,omitempty" expr:"worklog"`
	// MatchedWebhookIDs lists the dynamic webhooks that matched.
	MatchedWebhookIDs []int64 `json:"matchedWebhookIds,omitempty" expr:"matchedWebhookIds"`
	// DeliveryID is the X-Atlassian-Webhook-Identifier of the delivery,
	// the same on each retry, when the trigger saw the headers.
	DeliveryID string `json:"deliveryId,omitempty" expr:"deliveryId"`
	// Other holds the other top-level members (attachment, issueLink,
	// version, project, sprint, board, user events' data ...) as decoded
	// JSON.
	Other map[string]any `json:"-" expr:"other"`
}

// WebhookChangelog is the changelog of a webhook issue event.
type WebhookChangelog struct {
	ID    string          `json:"id" expr:"id"`
	Items []ChangelogItem `json:"items" expr:"items"`
}

// UnmarshalJSON reads a changelog whose id Jira sends as a string or a
// number.
func (c *WebhookChangelog) UnmarshalJSON(b []byte) error {
	var v struct {
		ID    flexID          `json:"id"`
		Items []ChangelogItem `json:"items"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.ID, c.Items = string(v.ID), v.Items
	return nil
}

// ErrWebhookPayload marks a webhook body that is not a Jira webhook
// delivery.
var ErrWebhookPayload = errors.New("not a Jira webhook delivery")

// ParseWebhookEvent decodes a Jira webhook body. Errors wrap
// ErrWebhookPayload and say what is wrong: an empty body (a webhook
// registered with "Exclude body"), JSON that does not parse (with the
// position), a missing webhookEvent, or a member of the wrong shape.
func ParseWebhookEvent(body []byte) (WebhookEvent, error) {
	var ev WebhookEvent
	if err := ev.UnmarshalJSON(body); err != nil {
		return WebhookEvent{}, err
	}
	return ev, nil
}

var envelopeKeys = []string{"timestamp", "webhookEvent", "issue_event_type_name", "user", "issue", "changelog", "comment", "worklog", "matchedWebhookIds", "deliveryId"}

// UnmarshalJSON decodes and checks a delivery; see ParseWebhookEvent.
func (e *WebhookEvent) UnmarshalJSON(body []byte) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return fmt.Errorf("%w: the body is empty (was the webhook registered with \"Exclude body\"? the trigger needs the JSON body)", ErrWebhookPayload)
	}
	if body[0] != '{' {
		return fmt.Errorf("%w: the body is not a JSON object (it starts with %q)", ErrWebhookPayload, firstRunes(body, 16))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%w: the body is not valid JSON at byte %d: %v", ErrWebhookPayload, se.Offset, se)
		}
		return fmt.Errorf("%w: the body is not valid JSON: %v", ErrWebhookPayload, err)
	}
	var out WebhookEvent
	if v, ok := raw["webhookEvent"]; ok {
		if err := json.Unmarshal(v, &out.WebhookEvent); err != nil {
			return fmt.Errorf("%w: webhookEvent must be a string such as \"jira:issue_updated\", got %s", ErrWebhookPayload, firstRunes(v, 32))
		}
	}
	if strings.TrimSpace(out.WebhookEvent) == "" {
		return fmt.Errorf("%w: the body has no webhookEvent naming the event (such as \"jira:issue_updated\")", ErrWebhookPayload)
	}
	if v, ok := raw["timestamp"]; ok && !isNull(v) {
		ts, err := readMillis(v)
		if err != nil {
			return fmt.Errorf("%w: timestamp must be epoch milliseconds: %v", ErrWebhookPayload, err)
		}
		out.Timestamp = ts
	}
	fields := []struct {
		key string
		dst any
	}{
		{"issue_event_type_name", &out.IssueEventTypeName},
		{"user", &out.User},
		{"issue", &out.Issue},
		{"changelog", &out.Changelog},
		{"comment", &out.Comment},
		{"worklog", &out.Worklog},
		{"matchedWebhookIds", &out.MatchedWebhookIDs},
		{"deliveryId", &out.DeliveryID},
	}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok || isNull(v) {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return fmt.Errorf("%w: the %s member of a %s event has an unexpected shape: %v", ErrWebhookPayload, f.key, out.WebhookEvent, err)
		}
	}
	switch {
	case out.Issue != nil && out.Issue.ID == "" && out.Issue.Key == "":
		return fmt.Errorf("%w: the issue of a %s event has neither id nor key", ErrWebhookPayload, out.WebhookEvent)
	case out.Comment != nil && out.Comment.ID == "":
		return fmt.Errorf("%w: the comment of a %s event has no id", ErrWebhookPayload, out.WebhookEvent)
	case out.Worklog != nil && out.Worklog.ID == "":
		return fmt.Errorf("%w: the worklog of a %s event has no id", ErrWebhookPayload, out.WebhookEvent)
	}
	for k, v := range raw {
		if slices.Contains(envelopeKeys, k) {
			continue
		}
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return fmt.Errorf("%w: member %s: %v", ErrWebhookPayload, k, err)
		}
		if out.Other == nil {
			out.Other = map[string]any{}
		}
		out.Other[k] = val
	}
	*e = out
	return nil
}

// MarshalJSON writes the envelope back with the Other members, so that a
// job record keeps the whole delivery.
func (e WebhookEvent) MarshalJSON() ([]byte, error) {
	type plain WebhookEvent
	b, err := json.Marshal(plain(e))
	if err != nil || len(e.Other) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(e.Other)) {
		if _, taken := m[k]; taken {
			continue
		}
		v, err := json.Marshal(e.Other[k])
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return json.Marshal(m)
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func readMillis(v json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return 0, fmt.Errorf("got %s", firstRunes(v, 32))
		}
		n = json.Number(s)
	}
	if ms, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return ms, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != f || f > 1<<62 || f < -(1<<62) {
		return 0, fmt.Errorf("got %s", firstRunes(v, 32))
	}
	return int64(f), nil
}

// firstRunes quotes the start of b for an error message.
func firstRunes(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strconv.Quote(s)
}
