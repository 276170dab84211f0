package jira

import (
	"context"

	"github.com/recipekit/recipekit/trigger"
)

// NewIssue returns a polling trigger that emits each issue created since
// Since, once, as it is when read. Event IDs are "issue-created:<id>". It
// scans by creation time, so updates to older issues cost it nothing.
func (c *Client) NewIssue(opts PollOptions) trigger.Trigger[Issue] {
	return newPoller(c, opts, newIssueSpec())
}

// NewOrUpdatedIssue returns a polling trigger that emits the creation of
// each issue and every later change recorded in its changelog, each change
// once (several changes between two polls are several events). Updates
// that leave no changelog entry (a comment, a worklog) are not issue
// changes: use the comment and worklog triggers for those.
func (c *Client) NewOrUpdatedIssue(opts PollOptions) trigger.Trigger[IssueChange] {
	return newPoller(c, opts, issueChangeSpec(TriggerNewOrUpdatedIssue, true))
}

// UpdatedIssue is NewOrUpdatedIssue without the creations.
func (c *Client) UpdatedIssue(opts PollOptions) trigger.Trigger[IssueChange] {
	return newPoller(c, opts, issueChangeSpec(TriggerUpdatedIssue, false))
}

// NewIssuesBatch is NewIssue handing each job up to BatchSize issues.
func (c *Client) NewIssuesBatch(opts PollOptions) trigger.Trigger[IssueBatch] {
	return newBatcher(c.NewIssue(opts), opts.BatchSize)
}

// NewOrUpdatedIssuesBatch is NewOrUpdatedIssue handing each job up to
// BatchSize changes.
func (c *Client) NewOrUpdatedIssuesBatch(opts PollOptions) trigger.Trigger[IssueChangeBatch] {
	return newBatcher(c.NewOrUpdatedIssue(opts), opts.BatchSize)
}

// UpdatedIssuesBatch is UpdatedIssue handing each job up to BatchSize
// changes.
func (c *Client) UpdatedIssuesBatch(opts PollOptions) trigger.Trigger[IssueChangeBatch] {
	return newBatcher(c.UpdatedIssue(opts), opts.BatchSize)
}

// bare returns the issue without the lists the triggers read from it, to
// keep job records small.
func bare(is Issue) Issue {
	is.Changelog = nil
	is.Fields.Comment = nil
	is.Fields.Worklog = nil
	return is
}

func creatorOf(is Issue) *User {
	if is.Fields.Creator != nil {
		return is.Fields.Creator
	}
	return is.Fields.Reporter
}

func newIssueSpec() pollSpec[Issue] {
	return pollSpec[Issue]{
		info: trigger.Info{Name: TriggerNewIssue, Title: "New issue",
			Description: "Emits each issue created in Jira (optionally in one project or matching a JQL filter), once."},
		timeField: "created",
		issueData: true,
		extract: func(_ context.Context, _ *Client, is Issue, floor int64) ([]found[Issue], error) {
			ms := timeMs(is.Fields.Created)
			if ms < floor || is.ID == "" {
				return nil, nil
			}
			return []found[Issue]{{id: "issue-created:" + is.ID, ms: ms, author: creatorOf(is), data: bare(is)}}, nil
		},
	}
}

// noopItems reports whether a change changes nothing.
func noopItems(items []ChangelogItem) bool {
	for _, it := range items {
		if it.From != it.To || it.FromString != it.ToString {
			return false
		}
	}
	return true
}

func issueChangeSpec(name string, withCreate bool) pollSpec[IssueChange] {
	title, desc := "Updated issue", "Emits every change of an issue recorded in its changelog, each once, with the changed fields and who changed them."
	if withCreate {
		title, desc = "New or updated issue", "Emits the creation of each issue and every change recorded in its changelog, each once, with the changed fields and who changed them."
	}
	return pollSpec[IssueChange]{
		info:      trigger.Info{Name: name, Title: title, Description: desc},
		timeField: "updated",
		expand:    []string{"changelog"},
		extract: func(ctx context.Context, c *Client, is Issue, floor int64) ([]found[IssueChange], error) {
			if is.ID == "" {
				return nil, nil
			}
			var hist []ChangelogEntry
			if is.Changelog != nil {
				hist = is.Changelog.Histories
				if is.Changelog.Total > len(hist) {
					// Search embeds only the first entries; read them all.
					hist = nil
					for h, err := range c.Changelog.All(ctx, is.ID) {
						if err != nil {
							return nil, err
						}
						hist = append(hist, h)
					}
				}
			}
			data := bare(is)
			var out []found[IssueChange]
			add := func(ms int64, ch IssueChange) {
				author := ch.Author
				out = append(out, found[IssueChange]{id: changeID(is.ID, ch), legacy: msID("issue", is.ID, ms), ms: ms, author: &author,
					noop: !ch.Created && noopItems(ch.Items), data: ch})
			}
			createdMs := timeMs(is.Fields.Created)
			if withCreate && createdMs >= floor && createdMs > 0 {
				ch := IssueChange{Issue: data, Created: true, Items: []ChangelogItem{}, Time: is.Fields.Created}
				if u := creatorOf(is); u != nil {
					ch.Author = *u
				}
				add(createdMs, ch)
			}
			for _, h := range hist {
				ms := timeMs(h.Created)
				if ms < floor || ms == 0 {
					continue
				}
				if !withCreate && ms == createdMs && len(h.Items) == 0 {
					continue
				}
				items := h.Items
				if items == nil {
					items = []ChangelogItem{}
				}
				// Each entry is its own event, even when several share a
				// millisecond: they are different changes.
				add(ms, IssueChange{Issue: data, ChangelogID: h.ID, Items: items, Author: h.Author, Time: h.Created})
			}
			return out, nil
		},
	}
}

// IssueChange is one change of an issue: its creation, or one changelog
// entry (the fields one user changed at one moment). Event IDs are
// "issue:<issue id>#<changelog entry id>" for a change and
// "issue:<issue id>#created" for a creation, the same from a poll and from
// a webhook delivery whatever time each reports, and distinct for two
// changes made in the same millisecond. (Before, IDs were
// "issue:<issue id>@<epoch ms>"; polling cursors that remember such IDs
// still recognise the changes they name.)
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

// changeID is the event ID of an issue change: the changelog entry's id,
// or "created" for the creation. A change without a changelog id (which
// Jira does not send) falls back to its time.
func changeID(issueID string, ch IssueChange) string {
	switch {
	case ch.Created:
		return "issue:" + issueID + "#created"
	case ch.ChangelogID != "":
		return "issue:" + issueID + "#" + ch.ChangelogID
	}
	return msID("issue", issueID, ch.Time.UnixMilli())
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

// IssueBatch is a batch of new issues.
type IssueBatch = Batch[Issue]

// IssueChangeBatch is a batch of issue changes.
type IssueChangeBatch = Batch[IssueChange]
