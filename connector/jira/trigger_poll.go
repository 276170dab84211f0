package jira

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/internal/jql"
	"github.com/recipekit/recipekit/trigger"
)

// How a polling trigger finds every change exactly once
//
// Each poll runs a "scan": JQL `<filter> AND <time field> >= <ms> ORDER BY
// <time field> ASC, key ASC`, with the bound in epoch milliseconds (which
// Jira reads exactly, in no time zone). A scan that does not fit one page
// continues with More=true; each following page seeks again from the time
// of the last issue read (keyset paging), so issues that change, appear or
// vanish while the scan runs cannot shift an unread issue past a page
// boundary. The issues of the page that have the last issue's time are not
// read again: the next page's JQL leaves them out while they keep that
// time (`AND NOT (key in (...) AND <time field> <= <ms>)`), so other issues
// of the same millisecond beyond the boundary are still read, and an issue
// changed since is read at its new time. When Jira refuses that JQL (a key
// named there was deleted or left the account's view since), the page is
// read again without it and the ledger drops what was handed over. Only a run of issues sharing one millisecond that is longer
// than a page is read by following Jira's page token (startAt on Data
// Center); such a run is read twice, and again until a pass finds nothing
// new, because an issue leaving the run while it is paged would shift
// another past the boundary.
//
// A new scan starts Overlap before the earlier of the newest time read and
// the start of the previous scan (by the trigger's clock), so a change
// that Jira's search showed late is still inside the next scan. Events
// already handed over are remembered in the cursor's ledger (event ID ->
// epoch ms) down to a floor, the lower bound of the scan in progress,
// which only rises; events older than the floor are never emitted again.
// The cursor is only ever returned in Page.Next, which the runtime stores
// together with the page's jobs.

const cursorVersion = 1

type pollCursor struct {
	V int `json:"v"`
	// Since is the start bound fixed on the first poll (epoch ms).
	Since int64 `json:"since"`
	// High is the newest time field value read so far.
	High int64 `json:"high"`
	// PrevStarted is when the previous scan started, by the trigger's
	// clock; 0 before the first scan ends.
	PrevStarted int64 `json:"prevStarted,omitempty"`
	// Floor: events below it are never emitted; the ledger holds every
	// event handed over at or above it.
	Floor int64 `json:"floor"`
	// Seen is the dedup ledger: event ID -> epoch ms.
	Seen map[string]int64 `json:"seen"`
	// Scan is the scan in progress, nil between scans.
	Scan *scanState `json:"scan,omitempty"`
}

type scanState struct {
	Started int64 `json:"started"`
	Seek    int64 `json:"seek"`
	Max     int64 `json:"max"`
	// Token and StartAt continue a run of issues sharing the millisecond
	// Seek that is longer than a page; Group counts the passes over it and
	// Fresh records whether the current pass found a new event in it.
	Token   string `json:"token,omitempty"`
	StartAt int    `json:"startAt,omitempty"`
	Group   int    `json:"group,omitempty"`
	Fresh   bool   `json:"fresh,omitempty"`
	Pages   int    `json:"pages"`
	Backlog int64  `json:"backlog,omitempty"`
	// Skip lists the keys of issues already read at the time Seek, which
	// the scan's JQL leaves out while they keep that time.
	Skip []string `json:"skip,omitempty"`
}

// maxSkip bounds scanState.Skip: a longer run of issues sharing the
// boundary's millisecond is read again rather than listed in the JQL.
const maxSkip = 20

// found is an event an extractor found in an issue, before dedup.
type found[T any] struct {
	id string
	// legacy is the ID an earlier version gave the same event, which a
	// cursor written by it may hold; "" when unchanged.
	legacy string
	ms     int64
	author *User
	noop   bool
	data   T
	// raw is data's JSON as Jira sent it, when data is the issue read
	// unchanged (see pollSpec.issueData).
	raw json.RawMessage
}

// pollSpec says what a polling trigger reads and emits.
type pollSpec[T any] struct {
	info      trigger.Info
	timeField string // "created" or "updated"
	fields    []string
	expand    []string
	// extract returns the events an issue carries at or above floor.
	extract func(ctx context.Context, c *Client, is Issue, floor int64) ([]found[T], error)
	// issueData says that an event's data is the issue as the search read
	// it (through bare), so the search answer's JSON of the issue can be
	// handed on as the event's record (trigger.Event.Raw) when bare
	// removed nothing and no field was added after decoding.
	issueData bool
}

// poller is a polling trigger over JQL search.
type poller[T any] struct {
	c    *Client
	opts PollOptions
	spec pollSpec[T]
	err  error

	meMu sync.Mutex
	me   *User
}

var orderByRE = regexp.MustCompile(`(?i)\border\s+by\b`)

// stripQuoted removes quoted strings so that words inside values are not
// mistaken for keywords.
func stripQuoted(s string) string {
	var b strings.Builder
	var q rune
	esc := false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\':
			esc = true
		case q != 0:
			if r == q {
				q = 0
			}
		case r == '"' || r == '\'':
			q = r
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkFilterJQL validates a user filter: no ORDER BY, and no syntax error
// the local parser is sure about. A query using JQL the local parser does
// not know (functions, fields) is left for Jira to judge.
func checkFilterJQL(src string) (*jql.Query, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	if orderByRE.MatchString(stripQuoted(src)) {
		return nil, fmt.Errorf("the JQL filter %q contains ORDER BY; remove it: the trigger orders issues by time itself so that it can page through them without losing any", src)
	}
	q, err := jql.Parse(src)
	if err != nil {
		if strings.HasPrefix(err.Error(), "Error in the JQL Query") {
			return nil, fmt.Errorf("the JQL filter %q does not parse: %w", src, err)
		}
		return nil, nil
	}
	return q, nil
}

func (o *PollOptions) defaults() error {
	var errs []error
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Overlap == 0 {
		o.Overlap = DefaultOverlap
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("PollOptions.PollInterval %s is negative", o.PollInterval))
	}
	if o.Overlap < 0 {
		errs = append(errs, fmt.Errorf("PollOptions.Overlap %s is negative; use at least a few minutes to cover Jira Cloud's search lag", o.Overlap))
	}
	if o.PageSize < 0 || o.PageSize > 5000 {
		errs = append(errs, fmt.Errorf("PollOptions.PageSize %d is outside 1..5000", o.PageSize))
	}
	if o.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("PollOptions.BatchSize %d is negative", o.BatchSize))
	}
	if strings.ContainsAny(o.Project, "\"\\") {
		errs = append(errs, fmt.Errorf("PollOptions.Project %q is not a project key or id", o.Project))
	}
	if _, err := checkFilterJQL(o.JQL); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func newPoller[T any](c *Client, opts PollOptions, spec pollSpec[T]) *poller[T] {
	p := &poller[T]{c: c, spec: spec}
	if err := opts.defaults(); err != nil {
		p.err = fmt.Errorf("jira: trigger %s: %w", spec.info.Name, err)
	}
	p.opts = opts
	p.spec.info.Connector = ConnectorName
	p.spec.info.PollInterval = opts.PollInterval
	if len(p.spec.info.Permissions) == 0 {
		p.spec.info.Permissions = []string{"BROWSE_PROJECTS"}
	}
	return p
}

// Info describes the trigger.
func (p *poller[T]) Info() trigger.Info { return p.spec.info }

// baseJQL is the filter part without the time bound.
func (p *poller[T]) baseJQL() string {
	// Always parenthesised: the scan appends "AND <time bound>".
	return p.opts.filterJQL(true)
}

// scanJQL is the query of a scan from seek, leaving out the issues skip
// while they have the time seek, in the order the scan reads.
func (p *poller[T]) scanJQL(seek int64, skip []string) string {
	return p.countJQL(seek, skip) + " ORDER BY " + p.spec.timeField + " ASC, key ASC"
}

// countJQL is the filter with the scan's time bound, unordered.
func (p *poller[T]) countJQL(seek int64, skip []string) string {
	bound := fmt.Sprintf("%s >= %d", p.spec.timeField, seek)
	if len(skip) > 0 {
		quoted := make([]string, len(skip))
		for i, k := range skip {
			quoted[i] = strconv.Quote(k)
		}
		bound += fmt.Sprintf(" AND NOT (key in (%s) AND %s <= %d)", strings.Join(quoted, ", "), p.spec.timeField, seek)
	}
	if base := p.baseJQL(); base != "" {
		bound = base + " AND " + bound
	}
	return bound
}

func (p *poller[T]) searchFields() []string {
	fields := slices.Clone(p.opts.Fields)
	if len(fields) == 0 {
		fields = slices.Clone(DefaultSearchFields)
	}
	for _, f := range append([]string{"created", "updated", "creator", "reporter"}, p.spec.fields...) {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	return fields
}

func decodeCursor(c trigger.Cursor) (*pollCursor, error) {
	if len(c) == 0 {
		return nil, nil
	}
	var cur pollCursor
	if err := json.Unmarshal(c, &cur); err != nil {
		return nil, fmt.Errorf("the stored cursor is not a Jira polling cursor (%v); reset the recipe's cursor to start again from Since", err)
	}
	if cur.V != cursorVersion {
		return nil, fmt.Errorf("the stored cursor has version %d, this trigger reads version %d; reset the recipe's cursor", cur.V, cursorVersion)
	}
	if cur.Seen == nil {
		cur.Seen = map[string]int64{}
	}
	return &cur, nil
}

func timeMs(t Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func (p *poller[T]) orderMs(is Issue) int64 {
	if p.spec.timeField == "created" {
		return timeMs(is.Fields.Created)
	}
	return timeMs(is.Fields.Updated)
}

// myself returns the connection's own user, read once.
func (p *poller[T]) myself(ctx context.Context) (User, error) {
	p.meMu.Lock()
	defer p.meMu.Unlock()
	if p.me != nil {
		return *p.me, nil
	}
	me, _, err := p.c.Users.Myself(ctx)
	if err != nil {
		return User{}, fmt.Errorf("jira: trigger %s: reading the connection's own user to ignore its changes: %w", p.spec.info.Name, err)
	}
	p.me = &me
	return me, nil
}

// sameUser reports whether u is me: by account id on Cloud, by user name
// or key on Data Center.
func sameUser(u *User, me User) bool {
	if u == nil {
		return false
	}
	if u.AccountID != "" && me.AccountID != "" {
		return u.AccountID == me.AccountID
	}
	if u.Name != "" && me.Name != "" && strings.EqualFold(u.Name, me.Name) {
		return true
	}
	return u.Key != "" && me.Key != "" && u.Key == me.Key
}

// Poll reads the next page of events. See trigger.Trigger.
func (p *poller[T]) Poll(ctx context.Context, cursor trigger.Cursor) (trigger.Page[T], error) {
	if p.err != nil {
		return trigger.Page[T]{}, p.err
	}
	name := p.spec.info.Name
	cur, err := decodeCursor(cursor)
	if err != nil {
		return trigger.Page[T]{}, fmt.Errorf("jira: trigger %s: %w", name, err)
	}
	now := p.opts.Now()
	overlap := p.opts.Overlap.Milliseconds()
	if cur == nil {
		since := p.opts.Since
		if since.IsZero() {
			since = now.Add(-defaultSinceAgo)
		}
		ms := since.UnixMilli()
		cur = &pollCursor{V: cursorVersion, Since: ms, High: ms, Floor: ms, Seen: map[string]int64{}}
	}
	var me User
	if p.opts.IgnoreOwnChanges {
		if me, err = p.myself(ctx); err != nil {
			return trigger.Page[T]{}, err
		}
	}
	sc := cur.Scan
	if sc == nil {
		ref := cur.High
		if cur.PrevStarted > 0 {
			ref = min(ref, cur.PrevStarted)
		}
		lo := max(cur.Since, ref-overlap)
		sc = &scanState{Started: now.UnixMilli(), Seek: lo, Max: cur.High}
		// The floor is the scan's lower bound for the whole scan: an
		// issue met late in a scan may carry changes far older than the
		// position the scan has reached.
		cur.Floor = max(cur.Floor, lo)
	}

	opts := SearchOptions{
		JQL:           p.scanJQL(sc.Seek, sc.Skip),
		Fields:        p.searchFields(),
		Expand:        p.spec.expand,
		MaxResults:    p.opts.PageSize,
		NextPageToken: sc.Token,
		StartAt:       sc.StartAt,
	}
	var raws []json.RawMessage
	var rawDst *[]json.RawMessage
	if p.spec.issueData {
		rawDst = &raws
	}
	res, _, err := p.c.Search.page(ctx, opts, rawDst)
	if err != nil && len(sc.Skip) > 0 && refusedQuery(err) {
		// Jira refuses a JQL `key in (...)` that names an issue gone from
		// view since it was read (deleted, moved, its security level
		// changed). Read the boundary's issues again instead, from the
		// start of their millisecond; the ledger drops those already
		// handed over. Left as it was, the scan would be refused on every
		// poll.
		p.c.logger.Debug("jira: the search leaving out the issues read at a page boundary was refused; reading them again", "trigger", p.spec.info.Name, "error", err)
		sc.Skip, sc.Token, sc.StartAt = nil, "", 0
		opts.JQL, opts.NextPageToken, opts.StartAt = p.scanJQL(sc.Seek, nil), "", 0
		raws = raws[:0]
		res, _, err = p.c.Search.page(ctx, opts, rawDst)
	}
	if err != nil {
		return trigger.Page[T]{}, p.searchError(err)
	}
	if len(raws) != len(res.Issues) {
		raws = nil
	}

	var out []found[T]
	groupFresh := false
	for i, is := range res.Issues {
		ms := p.orderMs(is)
		sc.Max = max(sc.Max, ms)
		evs, err := p.spec.extract(ctx, p.c, is, cur.Floor)
		if err != nil {
			return trigger.Page[T]{}, fmt.Errorf("jira: trigger %s: reading %s: %w", name, is.Key, err)
		}
		for _, ev := range evs {
			if ev.ms < cur.Floor || ev.ms < cur.Since {
				continue
			}
			if _, dup := cur.Seen[ev.id]; dup {
				continue
			}
			if _, dup := cur.Seen[ev.legacy]; dup && ev.legacy != "" {
				continue // handed over under the ID an earlier version gave it
			}
			cur.Seen[ev.id] = ev.ms
			if raws != nil && asRead(is) {
				ev.raw = raws[i]
			}
			if ms == sc.Seek {
				groupFresh = true
			}
			if p.opts.IgnoreOwnChanges && (ev.noop || sameUser(ev.author, me)) {
				continue
			}
			out = append(out, ev)
		}
	}

	more := false
	n := len(res.Issues)
	readSeek, readSkip := sc.Seek, sc.Skip // the bounds of the page just read
	switch {
	case res.IsLast || n == 0:
		cur.High = max(cur.High, sc.Max)
		cur.PrevStarted = sc.Started
		cur.Scan = nil
	default:
		more = true
		last := p.orderMs(res.Issues[n-1])
		if last > sc.Seek {
			if sc.Group > 0 && (sc.Group == 1 || sc.Fresh || groupFresh) {
				// A pass over a long run of one millisecond ended: read
				// the run again until a pass finds nothing new.
				sc.Group++
				sc.Fresh = false
			} else {
				sc.Group, sc.Fresh = 0, false
				sc.Seek = last
				sc.Skip = boundaryKeys(p, res.Issues, last)
			}
			sc.Token, sc.StartAt = "", 0
		} else {
			// The whole page shares the millisecond Seek: follow the page
			// token through the run.
			if sc.Group == 0 {
				sc.Group = 1
			}
			sc.Fresh = sc.Fresh || groupFresh
			sc.Token = res.NextPageToken
			sc.StartAt = res.StartAt + n
		}
		cur.Scan = sc
	}

	var backlog int64
	if more {
		if sc.Pages == 0 {
			sc.Backlog = p.estimate(ctx, res, readSeek, readSkip)
		}
		sc.Backlog = max(0, sc.Backlog-int64(n))
		backlog = sc.Backlog
	}
	sc.Pages++

	for id, ms := range cur.Seen {
		if ms < cur.Floor {
			delete(cur.Seen, id)
		}
	}
	next, err := json.Marshal(cur)
	if err != nil {
		return trigger.Page[T]{}, fmt.Errorf("jira: trigger %s: encoding the cursor: %w", name, err)
	}
	slices.SortStableFunc(out, func(a, b found[T]) int {
		return cmp.Or(cmp.Compare(a.ms, b.ms), strings.Compare(a.id, b.id))
	})
	page := trigger.Page[T]{Next: next, More: more, Backlog: backlog}
	page.Events = make([]trigger.Event[T], len(out))
	for i, ev := range out {
		page.Events[i] = trigger.Event[T]{ID: ev.id, Time: time.UnixMilli(ev.ms).UTC(), Data: ev.data, Raw: ev.raw}
	}
	return page, nil
}

// boundaryKeys returns the keys of the issues read at ms, the time of the
// page's last issue, or nil when there are more than maxSkip.
func boundaryKeys[T any](p *poller[T], issues []Issue, ms int64) []string {
	var keys []string
	for i := len(issues) - 1; i >= 0 && p.orderMs(issues[i]) == ms; i-- {
		if len(keys) == maxSkip || issues[i].Key == "" {
			return nil
		}
		keys = append(keys, issues[i].Key)
	}
	slices.Reverse(keys)
	return keys
}

// asRead reports whether the issue decodes from the JSON Jira sent for it
// once bare is applied: bare removes nothing, and no custom field names
// were added.
func asRead(is Issue) bool {
	return is.Changelog == nil && is.Fields.Comment == nil && is.Fields.Worklog == nil && len(is.Fields.Named) == 0
}

// estimate returns how many issues a backfill still has to read, counting
// the page just read (the search from seek leaving out skip): Data
// Center's total, or Cloud's approximate count (0 when it cannot be had;
// it only feeds progress reports).
func (p *poller[T]) estimate(ctx context.Context, res SearchResult, seek int64, skip []string) int64 {
	if res.Total >= 0 {
		return int64(res.Total - res.StartAt)
	}
	n, err := p.c.Search.Count(ctx, p.countJQL(seek, skip))
	if err != nil {
		p.c.logger.Debug("jira: approximate count for progress failed", "trigger", p.spec.info.Name, "error", err)
		return 0
	}
	return n
}

// refusedQuery reports whether Jira answered a search with 400, the
// answer to a JQL it will not run.
func refusedQuery(err error) bool {
	var he *Error
	return errors.As(err, &he) && he.StatusCode == http.StatusBadRequest
}

func (p *poller[T]) searchError(err error) error {
	name := p.spec.info.Name
	var he *Error
	if errors.As(err, &he) && he.StatusCode == 400 && strings.TrimSpace(p.opts.JQL) != "" {
		return fmt.Errorf("jira: trigger %s: Jira refused the search; check the JQL filter %q: %w", name, p.opts.JQL, err)
	}
	if bo := rateLimitBackOff(name, err); bo != nil {
		return bo
	}
	return fmt.Errorf("jira: trigger %s: searching: %w", name, err)
}

// rateLimitBackOff turns a rate-limit answer to a trigger's poll into a
// trigger.BackOff for the wait Jira asked (a minute when it named none),
// so the runtime waits instead of counting a failure; it returns nil when
// err is not a *RateLimitError.
func rateLimitBackOff(trig string, err error) error {
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		return nil
	}
	wait := rl.Wait
	if wait <= 0 {
		wait = time.Minute
	}
	return fmt.Errorf("jira: trigger %s: %w: %w", trig, trigger.BackOff(wait, "Jira rate limit"), err)
}

func msID(prefix, id string, ms int64) string {
	return prefix + ":" + id + "@" + strconv.FormatInt(ms, 10)
}

// Validate reports a bad option or JQL filter (an ORDER BY, a syntax
// error) without any request; recipe.New calls it.
func (p *poller[T]) Validate() error { return p.err }

// childMeta is what the comment and worklog triggers read of an item.
type childMeta struct {
	id                   string
	created, updated     Time
	author, updateAuthor User
	issueID              string // the item's issue, where the item names it
}

// childKind describes items an issue carries in a paged field (comments,
// worklogs), for childSpec and the real-time triggers' convert.
type childKind[T, E any] struct {
	field     string                                                     // the issue field, also the event id prefix and that of the webhook event names
	embedded  func(Issue) (items []T, total int)                         // the items the search embedded, and how many there are
	all       func(context.Context, *Client, string) iter.Seq2[T, error] // every item of an issue
	delivered func(*WebhookEvent) *T                                     // the item a webhook delivery carries, if any
	meta      func(T) childMeta
	event     func(T, Issue) E
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
