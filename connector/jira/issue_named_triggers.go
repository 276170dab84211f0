package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// Machine names of the named triggers.
const (
	TriggerIssueStatusChanged     = "issue_status_changed"
	TriggerIssueAssigned          = "issue_assigned"
	TriggerNewAttachment          = "new_attachment"
	TriggerDeletedWorklog         = "deleted_worklog"
	TriggerDeletedCommentWebhook  = "deleted_comment_realtime"
	TriggerDeletedWorklogWebhook  = "deleted_worklog_realtime"
	statusChangedIDPrefix         = "status:"
	assignedIDPrefix              = "assigned:"
	newAttachmentIDPrefix         = "attachment:"
	deletedWorklogIDPrefix        = "worklog-deleted:"
	deletedCommentWebhookIDPrefix = "comment-deleted:"
)

// StatusChangedOptions configures IssueStatusChanged.
type StatusChangedOptions struct {
	PollOptions
	// From and To restrict the trigger to changes from or to these
	// statuses (names or ids, case-insensitive); empty means any.
	From []string
	To   []string
}

// StatusChange is one change of an issue's status.
type StatusChange struct {
	// Issue is the issue as it was read (it may include later changes).
	Issue Issue `json:"issue" expr:"issue"`
	// From and To are the status names; FromID and ToID their ids.
	From   string `json:"from" expr:"from"`
	FromID string `json:"fromId" expr:"fromId"`
	To     string `json:"to" expr:"to"`
	ToID   string `json:"toId" expr:"toId"`
	// ChangelogID is the changelog entry that recorded the change.
	ChangelogID string `json:"changelogId,omitempty" expr:"changelogId"`
	// Author made the change; Time is when.
	Author User `json:"author" expr:"author"`
	Time   Time `json:"time" expr:"time"`
}

// IssueStatusChanged returns a polling trigger that emits each change of
// an issue's status, once, optionally only from or to given statuses. It
// reads the changelog of updated issues and filters there, so a change of
// another field never becomes a job. Event IDs are "status:" and the ID
// of the issue change (UpdatedIssue's), so the same change is the same
// event whatever path saw it.
func (c *Client) IssueStatusChanged(opts StatusChangedOptions) trigger.Trigger[StatusChange] {
	from, to := foldSet(opts.From), foldSet(opts.To)
	info := trigger.Info{Name: TriggerIssueStatusChanged, Title: "Issue status changed",
		Description: "Emits each change of an issue's status (optionally from or to given statuses), once, with the old and new status and who moved it."}
	return newPoller(c, opts.PollOptions, fieldChangeSpec(info, "status", statusChangedIDPrefix,
		func(it ChangelogItem) bool {
			return matchesSet(from, it.FromString, it.From) && matchesSet(to, it.ToString, it.To)
		},
		func(ch IssueChange, it ChangelogItem) StatusChange {
			return StatusChange{Issue: ch.Issue, From: it.FromString, FromID: it.From, To: it.ToString, ToID: it.To,
				ChangelogID: ch.ChangelogID, Author: ch.Author, Time: ch.Time}
		}))
}

// fieldChangeSpec is the spec of a trigger on the changes of one field.
// It reads the changelog of updated issues as UpdatedIssue does and emits,
// for each issue change, event of its first item on field that keep
// accepts; the event's ID is idPrefix and the ID of the issue change.
func fieldChangeSpec[T any](info trigger.Info, field, idPrefix string, keep func(ChangelogItem) bool, event func(IssueChange, ChangelogItem) T) pollSpec[T] {
	base := issueChangeSpec(TriggerUpdatedIssue, false)
	return pollSpec[T]{
		info: info, timeField: base.timeField, expand: base.expand, fields: []string{field},
		extract: func(ctx context.Context, c *Client, is Issue, floor int64) ([]found[T], error) {
			changes, err := base.extract(ctx, c, is, floor)
			if err != nil {
				return nil, err
			}
			var out []found[T]
			for _, f := range changes {
				for _, it := range f.data.Items {
					if (it.Field == field || it.FieldID == field) && keep(it) {
						out = append(out, found[T]{id: idPrefix + f.id, ms: f.ms, author: f.author, noop: it.From == it.To, data: event(f.data, it)})
						break
					}
				}
			}
			return out, nil
		},
	}
}

// AssignedOptions configures IssueAssigned.
type AssignedOptions struct {
	PollOptions
	// To restricts the trigger to assignments to these users (account ids
	// on Cloud, user names on Data Center); empty means anyone.
	To []string
	// IncludeUnassigned also emits changes that leave the issue
	// unassigned.
	IncludeUnassigned bool
}

// AssigneeChange is one change of an issue's assignee.
type AssigneeChange struct {
	Issue Issue `json:"issue" expr:"issue"`
	// From and To are the user ids (account id on Cloud, user name on
	// Data Center), empty when unassigned; FromName and ToName the
	// display names.
	From     string `json:"from" expr:"from"`
	FromName string `json:"fromName" expr:"fromName"`
	To       string `json:"to" expr:"to"`
	ToName   string `json:"toName" expr:"toName"`
	// ChangelogID is the changelog entry that recorded the change.
	ChangelogID string `json:"changelogId,omitempty" expr:"changelogId"`
	Author      User   `json:"author" expr:"author"`
	Time        Time   `json:"time" expr:"time"`
}

// IssueAssigned returns a polling trigger that emits each time an issue
// is assigned (optionally only to given users), once. Event IDs are
// "assigned:" and the ID of the issue change.
func (c *Client) IssueAssigned(opts AssignedOptions) trigger.Trigger[AssigneeChange] {
	to := foldSet(opts.To)
	info := trigger.Info{Name: TriggerIssueAssigned, Title: "Issue assigned",
		Description: "Emits each assignment of an issue (optionally only to given users), once, with the previous and new assignee."}
	return newPoller(c, opts.PollOptions, fieldChangeSpec(info, "assignee", assignedIDPrefix,
		func(it ChangelogItem) bool {
			if it.To == "" {
				return opts.IncludeUnassigned
			}
			return matchesSet(to, it.To, it.To)
		},
		func(ch IssueChange, it ChangelogItem) AssigneeChange {
			return AssigneeChange{Issue: ch.Issue, From: it.From, FromName: it.FromString, To: it.To, ToName: it.ToString,
				ChangelogID: ch.ChangelogID, Author: ch.Author, Time: ch.Time}
		}))
}

// AttachmentEvent is a file attached to an issue.
type AttachmentEvent struct {
	Attachment Attachment `json:"attachment" expr:"attachment"`
	// Issue is the issue (without its attachment list).
	Issue Issue `json:"issue" expr:"issue"`
}

// NewAttachment returns a polling trigger that emits each file attached
// to an issue, once. Event IDs are "attachment:<id>".
func (c *Client) NewAttachment(opts PollOptions) trigger.Trigger[AttachmentEvent] {
	return newPoller(c, opts, pollSpec[AttachmentEvent]{
		info: trigger.Info{Name: TriggerNewAttachment, Title: "New attachment",
			Description: "Emits each file attached to an issue, once, with its name, size, type and author."},
		timeField: "updated", fields: []string{"attachment"},
		extract: func(_ context.Context, _ *Client, is Issue, floor int64) ([]found[AttachmentEvent], error) {
			data := bare(is)
			data.Fields.Attachment = nil
			var out []found[AttachmentEvent]
			for _, a := range is.Fields.Attachment {
				ms := timeMs(a.Created)
				if ms < floor || a.ID == "" {
					continue
				}
				author := a.Author
				out = append(out, found[AttachmentEvent]{id: newAttachmentIDPrefix + a.ID, ms: ms, author: &author, data: AttachmentEvent{Attachment: a, Issue: data}})
			}
			return out, nil
		},
	})
}

// NewAttachmentsBatch is NewAttachment handing each job up to BatchSize
// attachments.
func (c *Client) NewAttachmentsBatch(opts PollOptions) trigger.Trigger[Batch[AttachmentEvent]] {
	return newBatcher(c.NewAttachment(opts), opts.BatchSize)
}

// IssueStatusChangedBatch is IssueStatusChanged handing each job up to
// BatchSize changes.
func (c *Client) IssueStatusChangedBatch(opts StatusChangedOptions) trigger.Trigger[Batch[StatusChange]] {
	return newBatcher(c.IssueStatusChanged(opts), opts.BatchSize)
}

// DeletedWorklog is a worklog deleted from Jira. Jira keeps only its id
// and when it was deleted.
type DeletedWorklog struct {
	WorklogID string `json:"worklogId" expr:"worklogId"`
	Time      Time   `json:"time" expr:"time"`
}

// DeletedWorklogs returns a polling trigger that emits each deleted
// worklog, once, from GET /worklog/deleted (which covers every project:
// Project and JQL do not apply). Event IDs are "worklog-deleted:<id>".
func (c *Client) DeletedWorklogs(opts PollOptions) trigger.Trigger[DeletedWorklog] {
	t := &deletedWorklogs{c: c, opts: opts}
	if err := opts.defaults(); err != nil {
		t.err = fmt.Errorf("jira: trigger %s: %w", TriggerDeletedWorklog, err)
	}
	t.opts = opts
	return t
}

type deletedWorklogs struct {
	c    *Client
	opts PollOptions
	err  error
}

// Info describes the trigger.
func (t *deletedWorklogs) Info() trigger.Info {
	return trigger.Info{Name: TriggerDeletedWorklog, Connector: ConnectorName, Title: "Deleted worklog",
		Description:  "Emits each worklog deleted in Jira (any project), once, with its id and when it was deleted.",
		PollInterval: t.opts.PollInterval, Permissions: []string{"BROWSE_PROJECTS"}}
}

// Validate reports a bad option without any request.
func (t *deletedWorklogs) Validate() error { return t.err }

type deletedWorklogCursor struct {
	Since int64 `json:"since"`
}

// Poll reads the worklogs deleted after the cursor's time, a page (up to
// 1,000) at a time.
func (t *deletedWorklogs) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[DeletedWorklog], error) {
	if t.err != nil {
		return trigger.Page[DeletedWorklog]{}, t.err
	}
	var cur deletedWorklogCursor
	if len(cursor) > 0 {
		if err := json.Unmarshal(cursor, &cur); err != nil {
			return trigger.Page[DeletedWorklog]{}, fmt.Errorf("jira: trigger %s: the stored cursor is unreadable (%v)", TriggerDeletedWorklog, err)
		}
	} else {
		since := t.opts.Since
		if since.IsZero() {
			since = t.opts.Now().Add(-defaultSinceAgo)
		}
		cur.Since = since.UnixMilli()
	}
	var res struct {
		Values []struct {
			WorklogID   json.Number `json:"worklogId"`
			UpdatedTime int64       `json:"updatedTime"`
		} `json:"values"`
		Until    int64 `json:"until"`
		LastPage bool  `json:"lastPage"`
	}
	q := url.Values{"since": {strconv.FormatInt(cur.Since, 10)}}
	if _, err := t.c.call(ctx, "GET", apiPath("/worklog/deleted"), q, nil, &res); err != nil {
		return trigger.Page[DeletedWorklog]{}, fmt.Errorf("jira: trigger %s: %w", TriggerDeletedWorklog, err)
	}
	page := trigger.Page[DeletedWorklog]{More: !res.LastPage && len(res.Values) > 0}
	for _, v := range res.Values {
		at := time.UnixMilli(v.UpdatedTime)
		page.Events = append(page.Events, trigger.Event[DeletedWorklog]{ID: deletedWorklogIDPrefix + v.WorklogID.String(), Time: at,
			Data: DeletedWorklog{WorklogID: v.WorklogID.String(), Time: Time{Time: at}}})
		cur.Since = max(cur.Since, v.UpdatedTime)
	}
	next, _ := json.Marshal(cur)
	page.Next = next
	return page, nil
}

// DeletedCommentWebhook returns a real-time trigger for deleted comments
// (comment_deleted); the event carries the comment as it was and its
// issue. Event IDs are "comment-deleted:<id>". Search cannot find deleted
// comments, so it has no reconciliation poll.
func (c *Client) DeletedCommentWebhook(opts WebhookOptions) trigger.Webhook[CommentEvent] {
	info := hookInfo(TriggerDeletedCommentWebhook, "Deleted comment", "deleted comments, with their issue,", deletionsNotCaughtUp)
	return newHookTrigger[CommentEvent](c, opts, info, []string{"comment_deleted"}, nil, func(ev *WebhookEvent, _ []byte) []found[CommentEvent] {
		if ev.Comment == nil || ev.Comment.ID == "" {
			return nil
		}
		var is Issue
		if ev.Issue != nil {
			is = bare(*ev.Issue)
		}
		return []found[CommentEvent]{{id: deletedCommentWebhookIDPrefix + ev.Comment.ID, ms: ev.Timestamp, author: ev.User, data: CommentEvent{Comment: *ev.Comment, Issue: is}}}
	})
}

// DeletedWorklogWebhook returns a real-time trigger for deleted worklogs
// (worklog_deleted), with the worklog as it was. Event IDs are
// "worklog-deleted:<id>", as DeletedWorklogs, whose poll is its
// reconciliation. Admin webhooks only (not OAuth connections).
func (c *Client) DeletedWorklogWebhook(opts WebhookOptions) trigger.Webhook[DeletedWorklog] {
	info := hookInfo(TriggerDeletedWorklogWebhook, "Deleted worklog", "deleted worklogs", caughtUpByPoll)
	poll := func(o PollOptions) trigger.Trigger[DeletedWorklog] { return c.DeletedWorklogs(o) }
	return newHookTrigger(c, opts, info, []string{"worklog_deleted"}, poll, func(ev *WebhookEvent, _ []byte) []found[DeletedWorklog] {
		if ev.Worklog == nil || ev.Worklog.ID == "" {
			return nil
		}
		at := time.UnixMilli(ev.Timestamp)
		return []found[DeletedWorklog]{{id: deletedWorklogIDPrefix + ev.Worklog.ID, ms: ev.Timestamp, author: ev.User,
			data: DeletedWorklog{WorklogID: ev.Worklog.ID, Time: Time{Time: at}}}}
	})
}

// foldSet lower-cases a list of names or ids for case-insensitive
// matching; nil means "any".
func foldSet(vals []string) []string {
	var out []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, strings.ToLower(v))
		}
	}
	return out
}

// matchesSet reports whether name or id is in set (any when set is empty).
func matchesSet(set []string, name, id string) bool {
	return len(set) == 0 || slices.Contains(set, strings.ToLower(name)) || slices.Contains(set, strings.ToLower(id))
}
