package jira

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/trigger"
)

// WebhookOptions configures a real-time (webhook) trigger. The embedded
// PollOptions select the issues (Project, JQL), loop prevention
// (IgnoreOwnChanges) and the backup reconciliation poll: PollInterval is
// how often it runs (default every 6 hours; negative turns it off), and
// Since, Overlap and PageSize work as for the polling triggers.
type WebhookOptions struct {
	PollOptions
	// Events lists the event names AnyEventWebhook receives, such as
	// "jira:issue_created", "sprint_started" (required there; ignored by
	// the other webhook triggers, which know their events).
	Events []string
	// RenewBefore is how long before a dynamic (OAuth) webhook's 30-day
	// expiry the runtime refreshes it; default 10 days.
	RenewBefore time.Duration
	// Name is the registration's name in Jira after the "recipekit:"
	// prefix; default the trigger's name.
	Name string
}

// Machine names of the real-time triggers.
const (
	TriggerIssueWebhook        = "new_or_updated_issue_realtime"
	TriggerCommentWebhook      = "new_or_updated_comment_realtime"
	TriggerDeletedIssueWebhook = "deleted_issue_realtime"
	TriggerWorklogWebhook      = "worklog_realtime"
	TriggerAnyEventWebhook     = "any_event_realtime"
)

// WebhookNamePrefix starts the name of every webhook the triggers register.
const WebhookNamePrefix = "recipekit:"

// ErrNoWebhookPermission marks a webhook registration refused because the
// account lacks the Administer Jira global permission.
var ErrNoWebhookPermission = errors.New("the account lacks the Administer Jira global permission needed to register webhooks")

// jwtLeeway is how long after its expiry a dynamic webhook's token is
// still accepted: Jira retries deliveries for up to about 30 minutes, and
// the dedup ledger, not the expiry, stops replays.
const jwtLeeway = 45 * time.Minute

// dynamicEvents are the events dynamic (OAuth) webhooks may register.
var dynamicEvents = []string{"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated", "comment_deleted", "issue_property_set", "issue_property_deleted"}

// webhookPermissions are what registering a webhook for events takes: an
// admin webhook, which needs Jira administration, or, when dynamic
// webhooks offer every one of the events, an OAuth connection's
// manage:jira-webhook scope instead.
func webhookPermissions(events []string) []string {
	for _, e := range events {
		if !slices.Contains(dynamicEvents, e) {
			return []string{"ADMINISTER (admin webhooks)", "BROWSE_PROJECTS"}
		}
	}
	return []string{"ADMINISTER (admin webhooks) or the manage:jira-webhook scope (OAuth)", "BROWSE_PROJECTS"}
}

// hookTrigger is a real-time trigger: it registers a webhook, turns
// deliveries into events and runs a reconciliation poll.
type hookTrigger[T any] struct {
	c       *Client
	opts    WebhookOptions
	info    trigger.Info
	events  []string
	filter  *localFilter
	recon   trigger.Trigger[T]
	convert func(ev *WebhookEvent, body []byte) []found[T]
	err     error

	meMu sync.Mutex
	me   *User
}

// hookState is what the trigger keeps in Subscription.State (no secrets).
type hookState struct {
	Mode string  `json:"mode"` // "admin" or "dynamic"
	IDs  []int64 `json:"ids,omitempty"`
	Me   *User   `json:"me,omitempty"`
}

// newHookTrigger builds a real-time trigger for events, converted by
// convert. recon is the polling trigger of its reconciliation poll, nil
// when the events cannot be polled for (deletions, any event): then it has
// none, whatever opts.PollInterval says.
func newHookTrigger[T any](c *Client, opts WebhookOptions, info trigger.Info, events []string, recon func(PollOptions) trigger.Trigger[T], convert func(*WebhookEvent, []byte) []found[T]) *hookTrigger[T] {
	h := &hookTrigger[T]{c: c, info: info, events: events, convert: convert}
	if opts.RenewBefore == 0 {
		opts.RenewBefore = DefaultRenewBefore
	}
	var errs []error
	if opts.RenewBefore < 0 || opts.RenewBefore >= 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("RenewBefore %s must be between 0 and 30 days (dynamic webhooks live 30 days)", opts.RenewBefore))
	}
	po := opts.PollOptions
	switch {
	case po.PollInterval == 0:
		po.PollInterval = DefaultReconcileInterval
	case po.PollInterval < 0:
		recon = nil
	}
	if err := po.defaults(); err != nil && recon != nil {
		errs = append(errs, err)
	} else if recon == nil {
		if _, err := checkFilterJQL(po.JQL); err != nil {
			errs = append(errs, err)
		}
	}
	if recon != nil {
		h.recon = recon(po)
		h.info.PollInterval = po.PollInterval
	}
	if po.Now == nil {
		po.Now = time.Now
	}
	opts.PollOptions = po
	h.opts = opts
	h.info.Connector = ConnectorName
	h.info.Permissions = webhookPermissions(events)
	h.filter = newLocalFilter(h.filterJQL())
	if len(errs) > 0 {
		h.err = fmt.Errorf("jira: trigger %s: %w", info.Name, errors.Join(errs...))
	}
	return h
}

// IssueWebhook returns a real-time trigger for new and updated issues
// (jira:issue_created, jira:issue_updated), with the same output and event
// IDs as NewOrUpdatedIssue, whose poll is its reconciliation. Updates
// without changelog items (the jira:issue_updated a comment raises) are
// not issue changes and yield no event.
func (c *Client) IssueWebhook(opts WebhookOptions) trigger.Webhook[IssueChange] {
	info := hookInfo(TriggerIssueWebhook, "New or updated issue", "issue creations and changes", caughtUpByPoll)
	return newHookTrigger(c, opts, info, []string{"jira:issue_created", "jira:issue_updated"}, c.NewOrUpdatedIssue, convertIssueChange)
}

// CommentWebhook returns a real-time trigger for new and edited comments
// (comment_created, comment_updated), with the output and event IDs of
// NewOrUpdatedComment, whose poll is its reconciliation.
func (c *Client) CommentWebhook(opts WebhookOptions) trigger.Webhook[CommentEvent] {
	info := hookInfo(TriggerCommentWebhook, "New or updated comment", "new and edited comments", caughtUpByPoll)
	return newHookTrigger(c, opts, info, []string{"comment_created", "comment_updated"}, c.NewOrUpdatedComment, commentKind.convert)
}

// DeletedIssueWebhook returns a real-time trigger for deleted issues
// (jira:issue_deleted); the event carries the issue as it was. Event IDs
// are "issue-deleted:<id>". Search cannot find deleted issues, so it has
// no reconciliation poll.
func (c *Client) DeletedIssueWebhook(opts WebhookOptions) trigger.Webhook[Issue] {
	info := hookInfo(TriggerDeletedIssueWebhook, "Deleted issue", "deleted issues", deletionsNotCaughtUp)
	return newHookTrigger[Issue](c, opts, info, []string{"jira:issue_deleted"}, nil, convertDeleted)
}

// WorklogWebhook returns a real-time trigger for new and edited worklogs
// (worklog_created, worklog_updated), with the output and event IDs of
// NewOrUpdatedWorklog, whose poll is its reconciliation. Jira does not
// offer worklog events to dynamic (OAuth) webhooks: with an OAuth
// connection, Subscribe fails; use NewWorklog.
func (c *Client) WorklogWebhook(opts WebhookOptions) trigger.Webhook[WorklogEvent] {
	info := hookInfo(TriggerWorklogWebhook, "New or updated worklog", "new and edited worklogs", caughtUpByPoll)
	return newHookTrigger(c, opts, info, []string{"worklog_created", "worklog_updated"}, c.NewOrUpdatedWorklog, worklogKind.convert)
}

// AnyEventWebhook returns a real-time trigger for the events named in
// opts.Events, emitting each delivery's whole envelope. Event IDs are the
// event name and the delivery's X-Atlassian-Webhook-Identifier (the
// SHA-256 of the body when absent), so a redelivery is dropped. It has no
// reconciliation poll.
func (c *Client) AnyEventWebhook(opts WebhookOptions) trigger.Webhook[WebhookEvent] {
	info := hookInfo(TriggerAnyEventWebhook, "Any event", "the Jira events you choose (issues, comments, worklogs, versions, sprints, ...)", ".")
	events := slices.Clone(opts.Events)
	h := newHookTrigger[WebhookEvent](c, opts, info, events, nil, convertAny)
	if len(events) == 0 && h.err == nil {
		h.err = fmt.Errorf("jira: trigger %s: WebhookOptions.Events is empty; name the events to receive, such as jira:issue_created or sprint_started", info.Name)
	}
	for _, e := range events {
		if strings.TrimSpace(e) == "" && h.err == nil {
			h.err = fmt.Errorf("jira: trigger %s: WebhookOptions.Events contains an empty event name", info.Name)
		}
	}
	return h
}

// Endings of a real-time trigger's description: whether the deliveries
// Jira fails to make are caught up.
const (
	caughtUpByPoll       = ", with a backup poll that catches missed deliveries."
	deletionsNotCaughtUp = ". Deletions cannot be polled, so missed deliveries are not caught up."
)

// hookInfo describes a real-time trigger that receives what (such as "new
// and edited comments") from the webhook it registers; ending closes the
// description.
func hookInfo(name, title, what, ending string) trigger.Info {
	return trigger.Info{Name: name, Title: title + " (real time)",
		Description: "Receives " + what + " from a webhook the trigger registers in Jira" + ending}
}

// Info describes the trigger; PollInterval is the reconciliation interval.
func (h *hookTrigger[T]) Info() trigger.Info { return h.info }

// RenewBefore is how long before a dynamic webhook expires it is renewed.
func (h *hookTrigger[T]) RenewBefore() time.Duration { return h.opts.RenewBefore }

// Poll is the reconciliation poll: the matching polling trigger, whose
// events have the same IDs as the delivered ones.
func (h *hookTrigger[T]) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[T], error) {
	if h.err != nil {
		return trigger.Page[T]{}, h.err
	}
	if h.recon == nil {
		return trigger.Page[T]{Next: cursor}, nil
	}
	return h.recon.Poll(ctx, cursor)
}

// filterJQL is the project and JQL filter as one query.
func (h *hookTrigger[T]) filterJQL() string {
	// A lone user filter stays bare: dynamic webhooks accept only a
	// restricted JQL grammar.
	return h.opts.filterJQL(false)
}

func (h *hookTrigger[T]) hookName() string {
	n := h.opts.Name
	if n == "" {
		n = h.info.Name
	}
	return WebhookNamePrefix + n
}

func (h *hookTrigger[T]) mode() auth.WebhookMode {
	if h.c.cfg.Auth == nil {
		return auth.AdminWebhooks
	}
	return h.c.cfg.Auth.WebhookMode()
}

// Parse verifies a delivery and returns the events it carries. See
// trigger.Webhook.
func (h *hookTrigger[T]) Parse(sub trigger.Subscription, header http.Header, body []byte) ([]trigger.Event[T], error) {
	if h.err != nil {
		return nil, h.err
	}
	st, err := h.state(sub)
	if err != nil {
		return nil, err
	}
	switch st.Mode {
	case "dynamic":
		o, ok := h.c.cfg.Auth.(*auth.OAuth2)
		if !ok {
			return nil, fmt.Errorf("jira: trigger %s: %w: the subscription is a dynamic webhook but the connection has no OAuth client secret to check deliveries with", h.info.Name, trigger.ErrUnauthenticated)
		}
		if err := verifyDeliveryJWT(header.Get("Authorization"), []byte(o.ClientSecret.Reveal()), h.opts.Now()); err != nil {
			return nil, fmt.Errorf("jira: trigger %s: %w", h.info.Name, err)
		}
	default:
		if err := webhooksign.Verify([]byte(sub.Secret.Reveal()), header.Get(webhooksign.Header), body); err != nil {
			return nil, fmt.Errorf("jira: trigger %s: %w", h.info.Name, err)
		}
	}
	ev, err := ParseWebhookEvent(body)
	if err != nil {
		return nil, fmt.Errorf("jira: trigger %s: %w", h.info.Name, err)
	}
	ev.DeliveryID = header.Get("X-Atlassian-Webhook-Identifier")
	if !slices.Contains(h.events, ev.WebhookEvent) {
		return nil, nil
	}
	me := st.Me
	if me == nil {
		h.meMu.Lock()
		me = h.me
		h.meMu.Unlock()
	}
	if !h.filter.match(ev.Issue, me, h.opts.Now()) {
		return nil, nil
	}
	fs := h.convert(&ev, body)
	out := make([]trigger.Event[T], 0, len(fs))
	for _, f := range fs {
		if h.opts.IgnoreOwnChanges {
			if f.noop {
				continue
			}
			if me != nil && sameUser(f.author, *me) {
				continue
			}
		}
		out = append(out, trigger.Event[T]{ID: f.id, Time: time.UnixMilli(f.ms).UTC(), Data: f.data})
	}
	return out, nil
}

// eventMs picks the time of an event: the first non-zero of ts, then the
// envelope's timestamp.
func eventMs(ev *WebhookEvent, ts ...Time) int64 {
	for _, t := range ts {
		if !t.IsZero() {
			return t.UnixMilli()
		}
	}
	return ev.Timestamp
}

func convertIssueChange(ev *WebhookEvent, _ []byte) []found[IssueChange] {
	if ev.Issue == nil || ev.Issue.ID == "" {
		return nil
	}
	is := bare(*ev.Issue)
	ch := IssueChange{Issue: is, Items: []ChangelogItem{}}
	if ev.User != nil {
		ch.Author = *ev.User
	}
	if ev.Changelog != nil {
		ch.ChangelogID = ev.Changelog.ID
		if ev.Changelog.Items != nil {
			ch.Items = ev.Changelog.Items
		}
	}
	var ms int64
	switch ev.WebhookEvent {
	case "jira:issue_created":
		ch.Created = true
		ms = eventMs(ev, is.Fields.Created, is.Fields.Updated)
	default:
		if len(ch.Items) == 0 {
			// A comment or worklog bumps the issue without a change.
			return nil
		}
		ms = eventMs(ev, is.Fields.Updated)
	}
	ch.Time = NewTime(time.UnixMilli(ms).UTC())
	author := ch.Author
	return []found[IssueChange]{{id: changeID(is.ID, ch), legacy: msID("issue", is.ID, ms), ms: ms, author: &author, noop: !ch.Created && noopItems(ch.Items), data: ch}}
}

// convert turns a delivery of a new or edited item (comment_created,
// comment_updated, worklog_created, ...) into the event the matching poll
// emits for it: timed by its last edit, attributed to its update author
// when the delivery reports an edit, with the delivery's issue (else only
// the issue id the item names).
func (k childKind[T, E]) convert(ev *WebhookEvent, _ []byte) []found[E] {
	x := k.delivered(ev)
	if x == nil {
		return nil
	}
	m := k.meta(*x)
	ms := eventMs(ev, m.updated, m.created)
	author := m.author
	if ev.WebhookEvent == k.field+"_updated" && m.updateAuthor.ID() != "" {
		author = m.updateAuthor
	}
	is := Issue{ID: m.issueID}
	if ev.Issue != nil {
		is = bare(*ev.Issue)
	}
	return []found[E]{{id: msID(k.field, m.id, ms), ms: ms, author: &author, data: k.event(*x, is)}}
}

func convertDeleted(ev *WebhookEvent, _ []byte) []found[Issue] {
	if ev.Issue == nil || ev.Issue.ID == "" {
		return nil
	}
	return []found[Issue]{{id: "issue-deleted:" + ev.Issue.ID, ms: ev.Timestamp, author: ev.User, data: bare(*ev.Issue)}}
}

func convertAny(ev *WebhookEvent, body []byte) []found[WebhookEvent] {
	key := ev.DeliveryID
	if key == "" {
		sum := sha256.Sum256(body)
		key = "sha256-" + hex.EncodeToString(sum[:16])
	}
	return []found[WebhookEvent]{{id: ev.WebhookEvent + ":" + key, ms: ev.Timestamp, author: ev.User, data: *ev}}
}

// Validate reports a bad option, event name or JQL filter without any
// request; recipe.New calls it.
func (h *hookTrigger[T]) Validate() error { return h.err }
