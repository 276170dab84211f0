package jira

import "strings"

// The trigger events name themselves for job lists (trigger.Labeler): the
// issue's key and summary, which operators search for.

// EventLabel returns the issue's key and summary.
func (i Issue) EventLabel() string {
	return strings.TrimSpace(i.Key + " " + i.Fields.Summary)
}

// EventLabel returns the changed issue's key and summary.
func (c IssueChange) EventLabel() string { return c.Issue.EventLabel() }

// EventLabel returns the commented issue's key and summary.
func (c CommentEvent) EventLabel() string { return c.Issue.EventLabel() }

// EventLabel returns the issue's key and summary.
func (w WorklogEvent) EventLabel() string { return w.Issue.EventLabel() }
