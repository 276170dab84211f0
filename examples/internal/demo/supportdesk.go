package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/examples/support-desk/fakedesk"
)

// SupportDeskScene is the support-desk example's story: a customer files a
// ticket, an agent escalates it, the desk sends the escalation twice, an
// engineer comments in Jira (once for the team, once for the customer)
// and resolves the issue.
func SupportDeskScene(j *Jira, desk *fakedesk.Desk) Scene {
	bob := j.People.Bob
	var ticket fakedesk.Ticket
	var issueKey string
	label := func() string { return "desk-" + ticket.ID }
	var resent string // the delivery id sent twice
	return Scene{
		Intro: "A customer will now file a ticket at the desk, and support and engineering will work on it.",
		Beats: []Beat{
			{After: 500 * time.Millisecond, Do: func(context.Context) (string, error) {
				t, err := desk.File(fakedesk.NewTicket{
					Subject:     "Invoices export as an empty PDF",
					Description: "Since this morning every invoice export downloads a 0-byte PDF.",
					Requester:   "carol@customer.example",
					Priority:    "high",
				})
				ticket = t
				return fmt.Sprintf("desk: carol@customer.example files ticket #%s %q (not escalated: the recipe leaves it)", t.ID, t.Subject), err
			}},
			{After: 800 * time.Millisecond, Do: func(context.Context) (string, error) {
				return fmt.Sprintf("desk: an agent escalates ticket #%s", ticket.ID), desk.Escalate(ticket.ID)
			}},
			{What: "the escalated ticket has its Jira issue, linked both ways", Until: func() bool {
				for _, is := range j.Sim.Issues(j.Project) {
					if slices.Contains(is.Labels, label()) {
						issueKey = is.Key
					}
				}
				t, _ := desk.Ticket(ticket.ID)
				return issueKey != "" && t.ExternalID == issueKey && len(t.Comments) > 0
			}},
			{After: 500 * time.Millisecond, Do: func(context.Context) (string, error) {
				// The escalation is the ticket's first update.
				i := slices.IndexFunc(desk.Deliveries(), func(d fakedesk.Delivery) bool { return d.TicketID == ticket.ID && d.Type == "ticket.updated" })
				if i < 0 {
					return "", fmt.Errorf("the desk sent no update of ticket #%s", ticket.ID)
				}
				resent = desk.Deliveries()[i].EventID
				return fmt.Sprintf("desk: unsure it arrived, the desk sends the escalation of #%s again (same delivery id)", ticket.ID), desk.Redeliver(resent)
			}},
			{What: "the desk's second delivery is accepted", Until: func() bool {
				n := 0
				for _, d := range desk.Deliveries() {
					if d.EventID == resent && d.Status/100 == 2 {
						n++
					}
				}
				return n >= 2
			}},
			{After: 600 * time.Millisecond, Do: func(context.Context) (string, error) {
				_, err := j.Sim.CommentAs(j.ID(bob), issueKey, "Reproduced: the PDF renderer times out on invoices with more than 500 lines.")
				return fmt.Sprintf("jira: %s comments on %s for the team", bob.DisplayName, issueKey), err
			}},
			{After: 600 * time.Millisecond, Do: func(context.Context) (string, error) {
				_, err := j.Sim.CommentAs(j.ID(bob), issueKey, "#public We found the cause and are testing a fix; exports will work again today.")
				return fmt.Sprintf("jira: %s comments on %s with #public", bob.DisplayName, issueKey), err
			}},
			{What: "the public comment reaches the ticket", Until: func() bool {
				t, _ := desk.Ticket(ticket.ID)
				return slices.ContainsFunc(t.Comments, func(c fakedesk.Comment) bool { return c.Public && c.Author == bob.DisplayName })
			}},
			{After: 600 * time.Millisecond, Do: func(context.Context) (string, error) {
				return fmt.Sprintf("jira: %s resolves %s", bob.DisplayName, issueKey), j.Sim.TransitionAs(j.ID(bob), issueKey, "Done")
			}},
			{What: "the ticket is closed", Until: func() bool {
				t, _ := desk.Ticket(ticket.ID)
				return t.Status == fakedesk.StatusClosed
			}},
		},
		Show: func(rep *Reporter) {
			t, _ := desk.Ticket(ticket.ID)
			rep.Printf("\nAt the desk now:\n  ticket #%s %q  status %s, escalated %v, linked to %s", t.ID, t.Subject, t.Status, t.Escalated, t.ExternalID)
			for _, c := range t.Comments {
				kind := "internal note"
				if c.Public {
					kind = "public reply"
				}
				rep.Printf("      %s by %s: %s", kind, c.Author, c.Body)
			}
			is, ok := j.Sim.Issue(issueKey)
			if !ok {
				return
			}
			rep.Printf("In Jira now:\n  %s %q  priority %s, status %s (%s), labels %s", is.Key, is.Summary, is.Priority, is.Status, is.Resolution, strings.Join(is.Labels, ", "))
			for _, l := range j.Sim.RemoteLinks(issueKey) {
				rep.Printf("      link: %s %s (%s)", l.Relationship, l.Title, l.URL)
			}
			for _, c := range j.Sim.Comments(issueKey) {
				rep.Printf("      comment: %s", c.Body)
			}
		},
	}
}
