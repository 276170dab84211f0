package jira

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"strconv"

	"github.com/recipekit/recipekit/trigger"
)

// Machine names of the polling triggers.
const (
	TriggerNewIssue            = "new_issue"
	TriggerNewOrUpdatedIssue   = "new_or_updated_issue"
	TriggerUpdatedIssue        = "updated_issue"
	TriggerNewComment          = "new_comment"
	TriggerNewOrUpdatedComment = "new_or_updated_comment"
	TriggerNewWorklog          = "new_worklog"
	TriggerNewOrUpdatedWorklog = "new_or_updated_worklog"
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

// NewComment returns a polling trigger that emits each new comment with its
// issue. Event IDs are "comment:<id>@<created ms>".
func (c *Client) NewComment(opts PollOptions) trigger.Trigger[CommentEvent] {
	return newPoller(c, opts, commentSpec(TriggerNewComment, false))
}

// NewOrUpdatedComment returns a polling trigger that emits each new comment
// and each edit of one (the latest edit when several happened between two
// polls: Jira keeps no comment history). Event IDs are
// "comment:<id>@<updated ms>".
func (c *Client) NewOrUpdatedComment(opts PollOptions) trigger.Trigger[CommentEvent] {
	return newPoller(c, opts, commentSpec(TriggerNewOrUpdatedComment, true))
}

// NewWorklog returns a polling trigger that emits each new worklog with its
// issue. Event IDs are "worklog:<id>@<created ms>".
func (c *Client) NewWorklog(opts PollOptions) trigger.Trigger[WorklogEvent] {
	return newPoller(c, opts, worklogSpec(TriggerNewWorklog, false))
}

// NewOrUpdatedWorklog returns a polling trigger that emits each new or
// edited worklog. Event IDs are "worklog:<id>@<updated ms>".
func (c *Client) NewOrUpdatedWorklog(opts PollOptions) trigger.Trigger[WorklogEvent] {
	return newPoller(c, opts, worklogSpec(TriggerNewOrUpdatedWorklog, true))
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

// NewCommentsBatch is NewComment handing each job up to BatchSize comments.
func (c *Client) NewCommentsBatch(opts PollOptions) trigger.Trigger[CommentBatch] {
	return newBatcher(c.NewComment(opts), opts.BatchSize)
}

// NewWorklogsBatch is NewWorklog handing each job up to BatchSize worklogs.
func (c *Client) NewWorklogsBatch(opts PollOptions) trigger.Trigger[WorklogBatch] {
	return newBatcher(c.NewWorklog(opts), opts.BatchSize)
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
			byMs := map[int64]int{}
			var out []found[IssueChange]
			add := func(ms int64, ch IssueChange) {
				if i, ok := byMs[ms]; ok {
					// Two entries in one millisecond are one event.
					prev := &out[i].data
					prev.Items = append(prev.Items, ch.Items...)
					prev.Created = prev.Created || ch.Created
					if prev.ChangelogID == "" {
						prev.ChangelogID = ch.ChangelogID
					}
					out[i].noop = out[i].noop && noopItems(ch.Items) && !ch.Created
					return
				}
				byMs[ms] = len(out)
				author := ch.Author
				out = append(out, found[IssueChange]{id: msID("issue", is.ID, ms), ms: ms, author: &author,
					noop: !ch.Created && noopItems(ch.Items), data: ch})
			}
			if withCreate {
				if ms := timeMs(is.Fields.Created); ms >= floor && ms > 0 {
					ch := IssueChange{Issue: data, Created: true, Items: []ChangelogItem{}, Time: is.Fields.Created}
					if u := creatorOf(is); u != nil {
						ch.Author = *u
					}
					add(ms, ch)
				}
			}
			for _, h := range hist {
				ms := timeMs(h.Created)
				if ms < floor || ms == 0 {
					continue
				}
				if !withCreate && ms == timeMs(is.Fields.Created) && len(h.Items) == 0 {
					continue
				}
				items := h.Items
				if items == nil {
					items = []ChangelogItem{}
				}
				add(ms, IssueChange{Issue: data, ChangelogID: h.ID, Items: items, Author: h.Author, Time: h.Created})
			}
			return out, nil
		},
	}
}

func commentSpec(name string, updated bool) pollSpec[CommentEvent] {
	title, desc := "New comment", "Emits each new comment with its issue, once."
	if updated {
		title, desc = "New or updated comment", "Emits each new comment and each edit of a comment, with its issue, once."
	}
	return childSpec(trigger.Info{Name: name, Title: title, Description: desc}, updated, childKind[Comment, CommentEvent]{
		field: "comment",
		embedded: func(is Issue) ([]Comment, int) {
			if cp := is.Fields.Comment; cp != nil {
				return cp.Comments, cp.Total
			}
			return nil, 0
		},
		all: func(ctx context.Context, c *Client, issueID string) iter.Seq2[Comment, error] {
			return c.Comments.All(ctx, issueID, CommentListOptions{})
		},
		meta: func(cm Comment) childMeta {
			return childMeta{id: cm.ID, created: cm.Created, updated: cm.Updated, author: cm.Author, updateAuthor: cm.UpdateAuthor}
		},
		event: func(cm Comment, is Issue) CommentEvent { return CommentEvent{Comment: cm, Issue: is} },
	})
}

func worklogSpec(name string, updated bool) pollSpec[WorklogEvent] {
	title, desc := "New worklog", "Emits each new worklog with its issue, once."
	if updated {
		title, desc = "New or updated worklog", "Emits each new worklog and each edit of one, with its issue, once."
	}
	return childSpec(trigger.Info{Name: name, Title: title, Description: desc}, updated, childKind[Worklog, WorklogEvent]{
		field: "worklog",
		embedded: func(is Issue) ([]Worklog, int) {
			if wp := is.Fields.Worklog; wp != nil {
				return wp.Worklogs, wp.Total
			}
			return nil, 0
		},
		all: func(ctx context.Context, c *Client, issueID string) iter.Seq2[Worklog, error] {
			return c.Worklogs.All(ctx, issueID)
		},
		meta: func(w Worklog) childMeta {
			return childMeta{id: w.ID, created: w.Created, updated: w.Updated, author: w.Author, updateAuthor: w.UpdateAuthor}
		},
		event: func(w Worklog, is Issue) WorklogEvent { return WorklogEvent{Worklog: w, Issue: is} },
	})
}

// childMeta is what the comment and worklog triggers read of an item.
type childMeta struct {
	id                   string
	created, updated     Time
	author, updateAuthor User
}

// childKind describes items an issue carries in a paged field (comments,
// worklogs), for childSpec.
type childKind[T, E any] struct {
	field    string                                                     // the issue field, also the event id prefix
	embedded func(Issue) (items []T, total int)                         // the items the search embedded, and how many there are
	all      func(context.Context, *Client, string) iter.Seq2[T, error] // every item of an issue
	meta     func(T) childMeta
	event    func(T, Issue) E
}

// childSpec is the polling trigger over an issue's comments or worklogs:
// each new item (with updated, also each edit of one, attributed to its
// update author) at or above the floor, once. When the search embedded
// only the first items of more, it reads them all.
func childSpec[T, E any](info trigger.Info, updated bool, k childKind[T, E]) pollSpec[E] {
	return pollSpec[E]{
		info:      info,
		timeField: "updated",
		fields:    []string{k.field},
		extract: func(ctx context.Context, c *Client, is Issue, floor int64) ([]found[E], error) {
			list, total := k.embedded(is)
			if total > len(list) {
				list = nil
				for x, err := range k.all(ctx, c, is.ID) {
					if err != nil {
						return nil, err
					}
					list = append(list, x)
				}
			}
			data := bare(is)
			var out []found[E]
			for _, x := range list {
				m := k.meta(x)
				ms, author := timeMs(m.created), m.author
				if updated {
					ms = timeMs(m.updated)
					if m.updateAuthor.ID() != "" && !m.updated.Equal(m.created.Time) {
						author = m.updateAuthor
					}
				}
				if ms < floor || ms == 0 || m.id == "" {
					continue
				}
				out = append(out, found[E]{id: msID(k.field, m.id, ms), ms: ms, author: &author, data: k.event(x, data)})
			}
			return out, nil
		},
	}
}

// batcher groups the events of a trigger into batches.
type batcher[T any] struct {
	inner trigger.Trigger[T]
	size  int
	info  trigger.Info
}

func newBatcher[T any](inner trigger.Trigger[T], size int) *batcher[T] {
	if size <= 0 {
		size = DefaultBatchSize
	}
	info := inner.Info()
	info.Name += "_batch"
	info.Title += " (batch)"
	info.Description += " Events are handed over in batches of up to " + strconv.Itoa(size) + " per job."
	return &batcher[T]{inner: inner, size: size, info: info}
}

// Info describes the batch trigger.
func (b *batcher[T]) Info() trigger.Info { return b.info }

// Poll reads pages of the underlying trigger while it has more ready and
// fewer than a batch of events were collected, and returns the events in
// batches. A batch's ID is derived from its events' IDs.
func (b *batcher[T]) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[Batch[T]], error) {
	page, err := b.inner.Poll(ctx, cursor)
	if err != nil {
		return trigger.Page[Batch[T]]{}, err
	}
	evs := page.Events
	for page.More && len(evs) < b.size {
		p2, err := b.inner.Poll(ctx, page.Next)
		if err != nil {
			// Hand over what was read; the next poll meets the error again.
			break
		}
		page = trigger.Page[T]{Events: p2.Events, Next: p2.Next, More: p2.More, Backlog: p2.Backlog}
		evs = append(evs, p2.Events...)
	}
	out := trigger.Page[Batch[T]]{Next: page.Next, More: page.More, Backlog: page.Backlog}
	for start := 0; start < len(evs); start += b.size {
		chunk := evs[start:min(len(evs), start+b.size)]
		bt := Batch[T]{Items: make([]T, len(chunk)), IDs: make([]string, len(chunk)), Count: len(chunk)}
		h := sha256.New()
		for i, ev := range chunk {
			bt.Items[i], bt.IDs[i] = ev.Data, ev.ID
			h.Write([]byte(ev.ID))
			h.Write([]byte{0})
		}
		id := "batch:" + hex.EncodeToString(h.Sum(nil)[:12])
		out.Events = append(out.Events, trigger.Event[Batch[T]]{ID: id, Time: chunk[len(chunk)-1].Time, Data: bt})
	}
	return out, nil
}

// Validate checks the inner trigger's configuration.
func (b *batcher[T]) Validate() error {
	if v, ok := b.inner.(trigger.Validator); ok {
		return v.Validate()
	}
	return nil
}
