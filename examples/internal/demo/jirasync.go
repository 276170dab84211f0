package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// JiraSyncMarks are the labels and comment prefix the jira-sync recipes
// use, which its scene acts with and waits for.
type JiraSyncMarks struct {
	// Escalate is the label that asks for an escalation.
	Escalate string
	// OriginPrefix + the support key labels the engineering copy.
	OriginPrefix string
	// Mirror starts every mirrored comment.
	Mirror string
}

// JiraSyncScene is the jira-sync example's story: Alice in support files
// an issue with a log file and escalates it, attaches a network trace and
// comments; Bob in engineering answers, starts work and resolves it.
func JiraSyncScene(sup, eng *Jira, m JiraSyncMarks) (Scene, error) {
	// Alice uploads files through the REST API, as a browser does.
	alice, err := jira.New(jira.Config{Name: "alice", URL: sup.URL(), Auth: sup.AuthAs(sup.People.Alice)})
	if err != nil {
		return Scene{}, err
	}
	aliceP, bob := sup.People.Alice, eng.People.Bob
	var supKey, engKey string
	hasComment := func(site *Jira, key *string, prefix string) func() bool {
		return func() bool {
			return slices.ContainsFunc(site.Sim.Comments(*key), func(c jiratest.Comment) bool { return strings.HasPrefix(c.Body, prefix) })
		}
	}
	hasStatus := func(site *Jira, key *string, status string) func() bool {
		return func() bool { is, _ := site.Sim.Issue(*key); return is.Status == status }
	}
	return Scene{
		Intro: "Alice in support and Bob in engineering will now work on an issue; watch the sync.",
		Beats: []Beat{
			{After: 300 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				is, err := sup.Sim.CreateIssueAs(sup.ID(aliceP), jiratest.IssueSeed{Project: sup.Project, IssueType: "Bug", Priority: "High",
					Summary: "Payment page times out", Description: "A customer cannot pay: the page spins for a minute, then fails."})
				supKey = is.Key
				return fmt.Sprintf("support: %s files %s %q", aliceP.DisplayName, is.Key, is.Summary), err
			}},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				_, err := alice.UploadAttachment().Run(ctx, jira.UploadAttachmentInput{IssueKey: supKey, Filename: "browser-console.log",
					Content: "12:03:07 POST /pay 504 Gateway Timeout (60012 ms)\n"})
				return fmt.Sprintf("support: %s attaches browser-console.log to %s", aliceP.DisplayName, supKey), err
			}},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				err := sup.Sim.UpdateIssueAs(sup.ID(aliceP), supKey, map[string]any{"labels": []string{"customer", m.Escalate}})
				return fmt.Sprintf("support: %s labels %s %q", aliceP.DisplayName, supKey, m.Escalate), err
			}},
			{What: "the issue is escalated", Until: func() bool {
				for _, is := range eng.Sim.Issues(eng.Project) {
					if slices.Contains(is.Labels, m.OriginPrefix+supKey) {
						engKey = is.Key
					}
				}
				return engKey != "" && hasComment(sup, &supKey, "Escalated to engineering")()
			}},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				_, err := alice.UploadAttachment().Run(ctx, jira.UploadAttachmentInput{IssueKey: supKey, Filename: "network.har",
					Content: `{"log":{"entries":[{"request":{"url":"/pay"},"time":60012}]}}` + "\n"})
				return fmt.Sprintf("support: %s attaches network.har to %s", aliceP.DisplayName, supKey), err
			}},
			{What: "the late attachment reaches the copy", Until: func() bool { return slices.Contains(eng.Sim.Attachments(engKey), "network.har") }},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				_, err := sup.Sim.CommentAs(sup.ID(aliceP), supKey, "The customer says it started on Monday.")
				return fmt.Sprintf("support: %s comments on %s", aliceP.DisplayName, supKey), err
			}},
			{What: "Alice's comment is mirrored", Until: hasComment(eng, &engKey, m.Mirror)},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				_, err := eng.Sim.CommentAs(eng.ID(bob), engKey, "Found it: the payment gateway timeout is 60 s, the proxy's is 30 s.")
				return fmt.Sprintf("engineering: %s comments on %s", bob.DisplayName, engKey), err
			}},
			{What: "Bob's comment is mirrored", Until: hasComment(sup, &supKey, m.Mirror)},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				err := eng.Sim.TransitionAs(eng.ID(bob), engKey, "Start Progress")
				return fmt.Sprintf("engineering: %s starts work on %s", bob.DisplayName, engKey), err
			}},
			{What: "the original is In Progress", Until: hasStatus(sup, &supKey, "In Progress")},
			{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
				err := eng.Sim.TransitionAs(eng.ID(bob), engKey, "Done")
				return fmt.Sprintf("engineering: %s resolves %s", bob.DisplayName, engKey), err
			}},
			{What: "the original is Done", Until: hasStatus(sup, &supKey, "Done")},
		},
		Show: func(rep *Reporter) {
			rep.Printf("\nIn Jira now:")
			for _, x := range []struct {
				name string
				site *Jira
				key  string
			}{{"support", sup, supKey}, {"engineering", eng, engKey}} {
				is, ok := x.site.Sim.Issue(x.key)
				if !ok {
					continue
				}
				rep.Printf("  %s %s %q  status %s, labels %s, attachments %s", x.name, is.Key, is.Summary, is.Status,
					strings.Join(is.Labels, ", "), strings.Join(x.site.Sim.Attachments(x.key), ", "))
				for _, l := range x.site.Sim.RemoteLinks(x.key) {
					rep.Printf("      link: %s %s (%s)", l.Relationship, l.Title, l.URL)
				}
				for _, c := range x.site.Sim.Comments(x.key) {
					rep.Printf("      comment: %s", c.Body)
				}
			}
		},
	}, nil
}
