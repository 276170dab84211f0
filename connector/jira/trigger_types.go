package jira

import (
	"fmt"
	"strings"
	"time"
)

// PollOptions configures a polling trigger. The zero value polls every
// project the connection can see, from one hour before the first poll.
type PollOptions struct {
	// Project restricts the trigger to one project (key or id).
	Project string
	// JQL is an optional filter ANDed with the trigger's own bounds, such
	// as `issuetype = Bug AND labels = customer`. It must not contain
	// ORDER BY: the trigger orders by time itself. A query that does not
	// parse, or has an ORDER BY, is refused by the trigger's Validate, so
	// recipe.New rejects the recipe; one Jira refuses (an unknown field or
	// value) fails the first poll with Jira's message.
	JQL string
	// Since is where the trigger starts on its first poll; default one
	// hour before that poll. It is fixed in the cursor from then on, so
	// changing it later has no effect on a running recipe.
	Since time.Time
	// PollInterval is how often the runtime polls; default 5 minutes.
	PollInterval time.Duration
	// Overlap is how far each poll reaches back behind what the previous
	// polls covered, so that Jira Cloud's eventually consistent search
	// cannot hide a change (and clock skew between this host and Jira
	// cannot either). Default 5 minutes; it must exceed the search lag.
	Overlap time.Duration
	// PageSize is the number of issues asked for per search request;
	// default 100 (Jira Cloud answers at most 100 issues with fields).
	PageSize int
	// BatchSize is the most events one job receives, for the batch
	// variants; default 100.
	BatchSize int
	// Fields lists the issue fields to read; default *navigable. The
	// fields the trigger needs itself are always added.
	Fields []string
	// IgnoreOwnChanges drops events caused by the connection's own account
	// (its issues, changes, comments, worklogs), and updates that change
	// nothing (every changelog item's from equals its to), so that a
	// two-way sync does not echo its own writes.
	IgnoreOwnChanges bool
	// Now is the trigger's clock, used for the default Since and to bound
	// the overlap window; default time.Now.
	Now func() time.Time
}

// Defaults of PollOptions and WebhookOptions.
const (
	DefaultPollInterval      = 5 * time.Minute
	DefaultOverlap           = 5 * time.Minute
	DefaultPageSize          = 100
	DefaultBatchSize         = 100
	DefaultReconcileInterval = 6 * time.Hour
	DefaultRenewBefore       = 10 * 24 * time.Hour
	defaultSinceAgo          = time.Hour
)

// IssueChange is one change of an issue: its creation, or one changelog
// entry (the fields one user changed at one moment). Event IDs are
// "issue:<issue id>@<epoch ms of the change>", the same from a poll and
// from a webhook delivery.
type IssueChange struct {
	// Issue is the issue. From a poll it is the issue as it was read (it
	// may already include later changes); from a webhook, as it was when
	// the change happened.
	Issue Issue `json:"issue" expr:"issue"`
	// Created is true for the creation of the issue.
	Created bool `json:"created" expr:"created"`
	// ChangelogID is the id of the changelog entry; empty for a creation
	// without one.
	ChangelogID string `json:"changelogId,omitempty" expr:"changelogId"`
	// Items are the field changes (empty for a plain creation).
	Items []ChangelogItem `json:"items" expr:"items"`
	// Author is who made the change.
	Author User `json:"author" expr:"author"`
	// Time is when the change happened.
	Time Time `json:"time" expr:"time"`
}

// Changed reports whether the change touched a field, by name or id
// ("status", "assignee", "customfield_10010").
func (c IssueChange) Changed(field string) bool {
	for _, it := range c.Items {
		if it.Field == field || it.FieldID == field {
			return true
		}
	}
	return false
}

// CommentEvent is a new or updated comment with its issue. Event IDs are
// "comment:<comment id>@<epoch ms>": the creation time for the new
// comment triggers, the update time for the new-or-updated ones.
type CommentEvent struct {
	Comment Comment `json:"comment" expr:"comment"`
	// Issue is the comment's issue (without its comment list). A webhook
	// delivery carries only a few of its fields.
	Issue Issue `json:"issue" expr:"issue"`
}

// WorklogEvent is a new or updated worklog with its issue. Event IDs are
// "worklog:<worklog id>@<epoch ms>".
type WorklogEvent struct {
	Worklog Worklog `json:"worklog" expr:"worklog"`
	// Issue is the worklog's issue (without its worklog list); from a
	// webhook delivery that carries none, only its id is set.
	Issue Issue `json:"issue" expr:"issue"`
}

// Batch is the output of the batch triggers: up to BatchSize events of
// one poll, handed to one job.
type Batch[T any] struct {
	// Items are the events' data, oldest first.
	Items []T `json:"items" expr:"items"`
	// IDs are the events' IDs, in the order of Items.
	IDs []string `json:"ids" expr:"ids"`
	// Count is len(Items).
	Count int `json:"count" expr:"count"`
}

// IssueBatch is a batch of new issues.
type IssueBatch = Batch[Issue]

// IssueChangeBatch is a batch of issue changes.
type IssueChangeBatch = Batch[IssueChange]

// CommentBatch is a batch of comments.
type CommentBatch = Batch[CommentEvent]

// WorklogBatch is a batch of worklogs.
type WorklogBatch = Batch[WorklogEvent]

// filterJQL is the project restriction and the user's JQL filter ANDed
// together. The filter is parenthesised when it is combined with the
// project, or always when wrapAlone is set.
func (o PollOptions) filterJQL(wrapAlone bool) string {
	var parts []string
	if o.Project != "" {
		parts = append(parts, fmt.Sprintf("project = %q", o.Project))
	}
	if f := strings.TrimSpace(o.JQL); f != "" {
		if wrapAlone || len(parts) > 0 {
			f = "(" + f + ")"
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, " AND ")
}
