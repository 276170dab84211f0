package jira

import (
	"context"
	"errors"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// NotifyRecipients says who gets an issue notification.
type NotifyRecipients struct {
	Reporter bool
	Assignee bool
	Watchers bool
	Voters   bool
	// Users are account ids (Cloud) or user names (Data Center).
	Users []string
	// Groups are group names.
	Groups []string
}

// Notify asks Jira to email recipients about an issue (POST
// /issue/{key}/notify). Jira queues the email and answers 204; a site
// without outgoing mail answers 403.
func (s *IssuesService) Notify(ctx context.Context, keyOrID, subject, textBody, htmlBody string, to NotifyRecipients) (*Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, err
	}
	recipients := map[string]any{"reporter": to.Reporter, "assignee": to.Assignee, "watchers": to.Watchers, "voters": to.Voters}
	var us []map[string]any
	for _, u := range to.Users {
		us = append(us, userRef(d, u))
	}
	if len(us) > 0 {
		recipients["users"] = us
	}
	var gs []map[string]string
	for _, g := range to.Groups {
		gs = append(gs, map[string]string{"name": g})
	}
	if len(gs) > 0 {
		recipients["groups"] = gs
	}
	body := map[string]any{"subject": subject, "textBody": textBody, "to": recipients}
	if htmlBody != "" {
		body["htmlBody"] = htmlBody
	}
	return s.client.call(ctx, "POST", apiPath("/issue/%s/notify", keyOrID), nil, body, nil)
}

// NotifyIssueInput is the input of the notify_issue action.
type NotifyIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Subject is the email subject; empty lets Jira use the issue's key
	// and summary.
	Subject string `json:"subject,omitempty" expr:"subject"`
	// Body is the plain-text message. Required.
	Body string `json:"body" expr:"body"`
	// HTMLBody is an optional HTML version of the message.
	HTMLBody string `json:"htmlBody,omitempty" expr:"htmlBody"`
	Reporter bool   `json:"reporter,omitempty" expr:"reporter"`
	Assignee bool   `json:"assignee,omitempty" expr:"assignee"`
	Watchers bool   `json:"watchers,omitempty" expr:"watchers"`
	Voters   bool   `json:"voters,omitempty" expr:"voters"`
	// Users are account ids (Cloud) or user names (Data Center).
	Users []string `json:"users,omitempty" expr:"users"`
	// Groups are group names.
	Groups []string `json:"groups,omitempty" expr:"groups"`
}

func (in NotifyIssueInput) validate() error {
	errs := []error{validIssueKey("issueKey", in.IssueKey), required("body", in.Body, "give the message text")}
	if !in.Reporter && !in.Assignee && !in.Watchers && !in.Voters && len(in.Users) == 0 && len(in.Groups) == 0 {
		errs = append(errs, action.Invalid("users", "no recipient: set reporter, assignee, watchers or voters, or list users or groups"))
	}
	for i, u := range in.Users {
		if strings.TrimSpace(u) == "" {
			errs = append(errs, action.Invalid("users", "entry %d is empty", i))
		}
	}
	return errors.Join(errs...)
}

// NotifyResult is the output of the notify_issue action.
type NotifyResult struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	Queued   bool   `json:"queued" expr:"queued"`
}

// NotifyIssue returns the notify_issue action. Jira only queues the
// email, and an email cannot be recalled: after an ambiguous failure the
// action does not send again, so recipients get it at most once.
func (c *Client) NotifyIssue() action.Action[NotifyIssueInput, NotifyResult] {
	return newAction(c, "notify_issue", NotifyIssueInput.validate, func(ctx context.Context, in NotifyIssueInput) (NotifyResult, error) {
		_, err := c.Issues.Notify(ctx, in.IssueKey, in.Subject, in.Body, in.HTMLBody, NotifyRecipients{
			Reporter: in.Reporter, Assignee: in.Assignee, Watchers: in.Watchers, Voters: in.Voters, Users: in.Users, Groups: in.Groups})
		if err != nil && isAmbiguous(err) {
			return NotifyResult{IssueKey: in.IssueKey}, action.Permanent(withOutcomeUnknown(err))
		}
		return NotifyResult{IssueKey: in.IssueKey, Queued: err == nil}, err
	})
}
