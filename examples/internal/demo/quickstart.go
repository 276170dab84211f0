package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// QuickstartScene is the quickstart's story: Alice and Bob file three
// issues, one of them Highest, and the recipe answers each.
func QuickstartScene(j *Jira) Scene {
	var filed []string
	file := func(who jiratest.User, typ, prio, summary string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			is, err := j.Sim.CreateIssueAs(j.ID(who), jiratest.IssueSeed{Project: j.Project, IssueType: typ, Priority: prio, Summary: summary})
			if err != nil {
				return "", err
			}
			filed = append(filed, is.Key)
			return fmt.Sprintf("%s files %s %q (%s, %s)", who.DisplayName, is.Key, summary, typ, prio), nil
		}
	}
	p := j.People
	return Scene{
		Intro: "Simulated people will now file a few issues; watch the recipe answer them.",
		Beats: []Beat{
			{After: 500 * time.Millisecond, Do: file(p.Alice, "Bug", "High", "Login fails on Safari")},
			{After: 1200 * time.Millisecond, Do: file(p.Bob, "Bug", "Highest", "Checkout button does nothing")},
			{After: 1200 * time.Millisecond, Do: file(p.Alice, "Story", "Low", "Export invoices as PDF")},
			{What: "every filed issue is acknowledged", Until: func() bool {
				for _, k := range filed {
					if len(j.Sim.Comments(k)) == 0 {
						return false
					}
				}
				return true
			}},
		},
		Show: func(rep *Reporter) { j.ShowIssues(rep, filed) },
	}
}

// Issues returns the issues of keys as the simulator now has them,
// leaving out those it no longer has.
func (j *Jira) Issues(keys []string) []jiratest.Issue {
	var out []jiratest.Issue
	for _, k := range keys {
		if is, ok := j.Sim.Issue(k); ok {
			out = append(out, is)
		}
	}
	return out
}

// ShowIssues prints the issues as the simulator now has them: priority,
// status, labels and comments.
func (j *Jira) ShowIssues(rep *Reporter, keys []string) {
	rep.Printf("\nIn Jira now:")
	for _, is := range j.Issues(keys) {
		labels := "none"
		if len(is.Labels) > 0 {
			labels = strings.Join(is.Labels, ", ")
		}
		rep.Printf("  %s %q  priority %s, status %s, labels %s", is.Key, is.Summary, is.Priority, is.Status, labels)
		for _, c := range j.Sim.Comments(is.Key) {
			rep.Printf("      comment: %s", c.Body)
		}
	}
}
