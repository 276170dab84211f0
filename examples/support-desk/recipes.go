package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/webhook"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// deskEvent is the body of the desk's webhook deliveries: an event type
// and the ticket as it was then.
type deskEvent struct {
	ID         string     `json:"id" expr:"id"`
	Type       string     `json:"type" expr:"type"` // ticket.created, ticket.updated, comment.created
	OccurredAt string     `json:"occurred_at" expr:"occurred_at"`
	Ticket     deskTicket `json:"ticket" expr:"ticket"`
}

// deskTicket is a ticket in the desk's JSON.
type deskTicket struct {
	ID          string `json:"id" expr:"id"`
	URL         string `json:"url" expr:"url"`
	Subject     string `json:"subject" expr:"subject"`
	Description string `json:"description" expr:"description"`
	Requester   string `json:"requester" expr:"requester"`
	Priority    string `json:"priority" expr:"priority"` // low, normal, high, urgent
	Status      string `json:"status" expr:"status"`
	Escalated   bool   `json:"escalated" expr:"escalated"`
	ExternalID  string `json:"external_id" expr:"external_id"` // the Jira issue key, once escalated
}

// Names the recipes use.
const (
	// labelDesk marks every Jira issue that came from the desk.
	labelDesk = "support-desk"
	// ticketLabelPrefix + the ticket id is the issue's link back to its
	// ticket, as a label: JQL can search it, and pills read the id from
	// it.
	ticketLabelPrefix = "desk-"
	// publicFlag starts a Jira comment meant for the customer; the rest
	// are the engineers' own.
	publicFlag = "#public"
)

// priorities maps a desk priority to a Jira priority.
var priorities = map[string]string{"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Low"}

// deskSync is what the recipes connect: the Jira project and the desk's API.
type deskSync struct {
	jira    *jira.Client
	project string
	desk    *webhook.Client // requests to the desk's API, with its API key
	deskAPI string          // the desk's API base URL, ".../api"
	browse  string          // the Jira site's URL, for links to issues
	poll    jira.PollOptions
}

// q quotes s as an expr string literal.
func q(s string) string { return strconv.Quote(s) }

// ticketOf is a pill reading the desk ticket id from a Jira issue's
// labels.
var ticketOf = `replace(filter(trigger.issue.fields.labels, # startsWith ` + q(ticketLabelPrefix) + `)[0], ` + q(ticketLabelPrefix) + `, "")`

// escalate turns an escalated desk ticket into a Jira issue, links the two
// both ways and leaves an internal note on the ticket. Every step is safe
// to repeat, so a delivery the desk sends twice, or a job resumed after a
// crash, still yields one issue, one link and one note: the issue is
// created under an idempotency key, the remote link is keyed by the
// ticket's URL, the ticket update is a PATCH and the note carries an
// Idempotency-Key header the desk honours.
func (s deskSync) escalate(events trigger.Trigger[deskEvent]) (*recipe.Recipe, error) {
	ticketAPI := q(s.deskAPI+"/tickets/") + ` + trigger.ticket.id`
	return recipe.New("desk-escalation", events,
		// Tickets already linked (including the update this recipe makes)
		// are left alone.
		recipe.When(`trigger.ticket.escalated && trigger.ticket.external_id == ""`),
		recipe.InOrder(),
		recipe.Do("issue", s.jira.CreateIssue(), recipe.Pills{
			"project":        q(s.project),
			"issueType":      `"Bug"`,
			"summary":        `"[Desk #" + trigger.ticket.id + "] " + trigger.ticket.subject`,
			"description":    `trigger.ticket.description + "\n\nReported by " + trigger.ticket.requester + " in desk ticket [#" + trigger.ticket.id + "|" + trigger.ticket.url + "]."`,
			"priority":       exprMap(priorities) + `[trigger.ticket.priority] ?? "Medium"`,
			"labels":         `[` + q(labelDesk) + `, ` + q(ticketLabelPrefix) + ` + trigger.ticket.id]`,
			"idempotencyKey": `"desk-ticket:" + trigger.ticket.id`,
		}),
		recipe.Do("linkTicket", s.jira.AddRemoteLink(), recipe.Pills{
			"issueKey":        `issue.key`,
			"url":             `trigger.ticket.url`,
			"title":           `"Desk ticket #" + trigger.ticket.id + " " + trigger.ticket.subject`,
			"relationship":    `"support ticket"`,
			"applicationName": `"Support desk"`,
		}),
		recipe.Do("linkIssue", s.desk.Request(), recipe.Pills{
			"method":     `"PATCH"`,
			"url":        ticketAPI,
			"json":       `{"external_id": issue.key, "external_url": ` + q(s.browse+"/browse/") + ` + issue.key}`,
			"idempotent": `true`,
		}),
		recipe.Do("note", s.desk.Request(), recipe.Pills{
			"method":     `"POST"`,
			"url":        ticketAPI + ` + "/comments"`,
			"headers":    `{"Idempotency-Key": "escalated-" + trigger.ticket.id}`,
			"json":       `{"public": false, "author": "recipekit", "body": "Escalated to engineering as " + issue.key + "."}`,
			"idempotent": `true`,
		}),
	)
}

// publicComments sends a Jira comment starting with #public to the
// customer, on the desk ticket the issue came from. The desk sees one
// comment per Jira comment, whatever retries happen: the request carries
// the Jira comment's id as its Idempotency-Key.
func (s deskSync) publicComments() (*recipe.Recipe, error) {
	return recipe.New("public-comments", s.jira.NewComment(s.opts()),
		recipe.When(`trigger.comment.body startsWith `+q(publicFlag)),
		recipe.Do("reply", s.desk.Request(), recipe.Pills{
			"method":     `"POST"`,
			"url":        q(s.deskAPI+"/tickets/") + ` + ` + ticketOf + ` + "/comments"`,
			"headers":    `{"Idempotency-Key": "jira-comment-" + trigger.comment.id}`,
			"json":       `{"public": true, "author": trigger.comment.author.displayName, "body": trim(trigger.comment.body[` + strconv.Itoa(len(publicFlag)) + `:])}`,
			"idempotent": `true`,
		}),
	)
}

// resolutions closes the desk ticket when its Jira issue is resolved, and
// tells the customer.
func (s deskSync) resolutions() (*recipe.Recipe, error) {
	ticketAPI := q(s.deskAPI+"/tickets/") + ` + ` + ticketOf
	return recipe.New("resolution-closes-ticket", s.jira.UpdatedIssue(s.opts()),
		recipe.When(`any(trigger.items, .field == "resolution" && .to != "")`),
		recipe.Do("tell", s.desk.Request(), recipe.Pills{
			"method":     `"POST"`,
			"url":        ticketAPI + ` + "/comments"`,
			"headers":    `{"Idempotency-Key": "resolved-" + trigger.issue.key + "-" + trigger.changelogId}`,
			"json":       `{"public": true, "author": "recipekit", "body": "Engineering resolved this (" + (trigger.issue.fields.resolution?.name ?? "Done") + "). Reply to this ticket if the problem comes back."}`,
			"idempotent": `true`,
		}),
		recipe.Do("close", s.desk.Request(), recipe.Pills{
			"method":     `"PATCH"`,
			"url":        ticketAPI,
			"json":       `{"status": "closed"}`,
			"idempotent": `true`,
		}),
	)
}

// opts are the Jira triggers' options: the issues that came from the
// desk, and none of the connection's own changes.
func (s deskSync) opts() jira.PollOptions {
	o := s.poll
	o.Project = s.project
	o.JQL = "labels = " + labelDesk
	o.IgnoreOwnChanges = true
	return o
}

// exprMap renders m as an expr map literal, keys sorted.
func exprMap(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, q(k)+": "+q(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
