package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/internal/httpfake"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/trigger"
)

// drain polls a trigger until it has nothing more ready.
func drain[T any](t *testing.T, trig trigger.Trigger[T], cursor trigger.Cursor) ([]trigger.Event[T], trigger.Cursor, []trigger.Page[T]) {
	t.Helper()
	var evs []trigger.Event[T]
	var pages []trigger.Page[T]
	for range 1000 {
		page, err := trig.Poll(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
		evs = append(evs, page.Events...)
		cursor = page.Next
		if !page.More {
			return evs, cursor, pages
		}
	}
	t.Fatal("the trigger never ran out of pages")
	return nil, nil, nil
}

func eventIDs[T any](evs []trigger.Event[T]) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestPollFilterValidation(t *testing.T) {
	e := newTrigEnv(t, jiratest.Cloud, "Pacific/Auckland")
	jc := e.client(t)
	ctx := context.Background()
	for jql, want := range map[string]string{
		"project = DEMO order  by created DESC": "contains ORDER BY",
		"status = ":                             "does not parse",
		`"Flux capacitor" = on`:                 "check the JQL filter",
	} {
		_, err := jc.NewIssue(PollOptions{JQL: jql}).Poll(ctx, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", jql, err, want)
		}
	}
	if _, err := jc.NewIssue(PollOptions{Project: "DEMO", JQL: `summary ~ "order by"`}).Poll(ctx, nil); err != nil {
		t.Errorf("ORDER BY inside a quoted value: %v", err)
	}
	if _, err := jc.NewIssue(PollOptions{PageSize: -1, Overlap: -time.Second}).Poll(ctx, nil); err == nil || !strings.Contains(err.Error(), "PageSize") || !strings.Contains(err.Error(), "Overlap") {
		t.Errorf("bad options: %v", err)
	}
	if _, err := jc.NewIssue(PollOptions{}).Poll(ctx, trigger.Cursor(`{"v":99}`)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("foreign cursor: %v", err)
	}
}

func TestPollTriggersEmitEachEventOnce(t *testing.T) {
	e := newTrigEnv(t, jiratest.Cloud, "Pacific/Kiritimati")
	jc := e.client(t)
	ctx := context.Background()
	start := e.clock.Now()
	opts := PollOptions{Project: "DEMO", Since: start.Add(-time.Minute), PageSize: 2, Now: e.clock.Now}
	admin, alice := e.demo.Admin.AccountID, e.demo.Alice.AccountID

	step := func() { e.clock.Advance(1500 * time.Millisecond) }
	var keys []string
	for i := range 5 {
		is, err := e.srv.CreateIssueAs(alice, jiratest.IssueSeed{Project: "DEMO", Summary: "t"})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
		step()
		if _, err := e.srv.CommentAs([]string{alice, admin}[i%2], is.Key, "c"); err != nil {
			t.Fatal(err)
		}
		step()
	}
	if _, err := e.srv.AddWorklogAs(alice, keys[0], time.Hour, "work"); err != nil {
		t.Fatal(err)
	}
	step()
	if err := e.srv.UpdateIssueAs(alice, keys[1], map[string]any{"summary": "changed"}); err != nil {
		t.Fatal(err)
	}
	step()

	issues, cur, pages := drain(t, jc.NewIssue(opts), nil)
	if len(issues) != 5 || !strings.HasPrefix(issues[0].ID, "issue-created:") || pages[0].Backlog == 0 {
		t.Fatalf("new issues: %v (first page backlog %d)", eventIDs(issues), pages[0].Backlog)
	}
	if again, _, _ := drain(t, jc.NewIssue(opts), cur); len(again) != 0 {
		t.Errorf("a second poll re-emitted %v", eventIDs(again))
	}

	comments, _, _ := drain(t, jc.NewComment(opts), nil)
	own := opts
	own.IgnoreOwnChanges = true
	mine, _, _ := drain(t, jc.NewComment(own), nil)
	if len(comments) != 5 || len(mine) != 3 || comments[0].Data.Issue.Key == "" || comments[0].Data.Issue.Fields.Comment != nil {
		t.Fatalf("comments %v, without the connection's own %v", eventIDs(comments), eventIDs(mine))
	}

	worklogs, _, _ := drain(t, jc.NewWorklog(opts), nil)
	if len(worklogs) != 1 || !strings.HasPrefix(worklogs[0].ID, "worklog:") || worklogs[0].Data.Worklog.TimeSpentSeconds != 3600 {
		t.Fatalf("worklogs %+v", worklogs)
	}

	updated, _, _ := drain(t, jc.UpdatedIssue(opts), nil)
	if len(updated) != 1 || updated[0].Data.Created || !updated[0].Data.Changed("summary") || updated[0].Data.Author.AccountID != alice {
		t.Fatalf("updated issues %+v", updated)
	}

	bopts := opts
	bopts.BatchSize = 2
	batches, _, _ := drain(t, jc.NewOrUpdatedIssuesBatch(bopts), nil)
	n := 0
	seen := map[string]bool{}
	for _, b := range batches {
		if b.Data.Count > 2 || b.Data.Count != len(b.Data.Items) || seen[b.ID] {
			t.Fatalf("batch %s: %+v", b.ID, b.Data)
		}
		seen[b.ID] = true
		n += b.Data.Count
	}
	if n != 6 {
		t.Errorf("batches hold %d changes, want 6 (5 creations, 1 update)", n)
	}

	// An edited comment is a new event for the new-or-updated trigger only.
	cs := e.srv.Comments(keys[2])
	trig := jc.NewOrUpdatedComment(opts)
	_, cur, _ = drain(t, trig, nil)
	if _, _, err := jc.Comments.Update(ctx, keys[2], cs[0].ID, CommentBody{Body: "edited"}); err != nil {
		t.Fatal(err)
	}
	step()
	edits, _, _ := drain(t, trig, cur)
	if len(edits) != 1 || edits[0].Data.Comment.Body != "edited" || edits[0].ID == "comment:"+cs[0].ID+"@"+strconv.FormatInt(cs[0].Created.UnixMilli(), 10) {
		t.Fatalf("edit: %+v", edits)
	}
}

func TestTriggerEventsLabelThemselves(t *testing.T) {
	issue := Issue{Key: "PROJ-7", Fields: IssueFields{Summary: "Printer on fire"}}
	for _, l := range []trigger.Labeler{issue, IssueChange{Issue: issue}, CommentEvent{Issue: issue}, WorklogEvent{Issue: issue}} {
		if got := l.EventLabel(); got != "PROJ-7 Printer on fire" {
			t.Errorf("%T label = %q", l, got)
		}
	}
}

// The new-issue trigger hands on each issue's JSON as Jira sent it, so the
// runtime records it without encoding it again; the JSON must decode to the
// event's data, and is withheld when the data is not the issue as read.
func TestNewIssueEventsCarryTheirJSON(t *testing.T) {
	e := newTrigEnv(t, jiratest.Cloud, "Europe/Paris")
	opts := PollOptions{Project: "DEMO", Since: e.clock.Now().Add(-time.Minute), PageSize: 2, Now: e.clock.Now}
	var keys []string
	for range 3 {
		is, err := e.srv.CreateIssueAs(e.demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "raw"})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
		e.clock.Advance(1500 * time.Millisecond)
	}
	if _, err := e.srv.CommentAs(e.demo.Alice.AccountID, keys[1], "first"); err != nil {
		t.Fatal(err)
	}

	evs, _, _ := drain(t, e.client(t).NewIssue(opts), nil)
	if len(evs) != 3 {
		t.Fatalf("new issues: %v", eventIDs(evs))
	}
	for _, ev := range evs {
		if len(ev.Raw) == 0 {
			t.Fatalf("%s: no JSON handed on", ev.Data.Key)
		}
		var back Issue
		if err := json.Unmarshal(ev.Raw, &back); err != nil {
			t.Fatalf("%s: %v", ev.Data.Key, err)
		}
		if !reflect.DeepEqual(back, ev.Data) {
			t.Errorf("%s: the JSON decodes to\n%+v\nnot the event's data\n%+v", ev.Data.Key, back, ev.Data)
		}
	}

	// Asked for, the comments are read but not kept in the event: the
	// JSON holding them is not the data.
	withComments := opts
	withComments.Fields = []string{"*navigable", "comment"}
	evs, _, _ = drain(t, e.client(t).NewIssue(withComments), nil)
	for _, ev := range evs {
		if ev.Data.Fields.Comment != nil || ev.Raw != nil {
			t.Errorf("%s: comment %+v, JSON handed on %t", ev.Data.Key, ev.Data.Fields.Comment, ev.Raw != nil)
		}
	}

	// Custom field names are added after decoding: the JSON lacks them.
	named := mustNew(t, Config{URL: e.srv.URL(), Auth: userAuth(e.mode, e.demo.Admin, dcPAT), CustomFieldNames: true})
	evs, _, _ = drain(t, named.NewIssue(opts), nil)
	for _, ev := range evs {
		if len(ev.Data.Fields.Named) == 0 || ev.Raw != nil {
			t.Errorf("%s: named fields %v, JSON handed on %t", ev.Data.Key, ev.Data.Fields.Named, ev.Raw != nil)
		}
	}
}

// issueCounter counts the issues of the search answers passing through it.
type issueCounter struct {
	mu       sync.Mutex
	searches int
	issues   int
}

func (c *issueCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/search") || strings.HasSuffix(req.URL.Path, "/approximate-count") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var page struct{ Issues []json.RawMessage }
	if json.Unmarshal(body, &page) == nil {
		c.mu.Lock()
		c.searches++
		c.issues += len(page.Issues)
		c.mu.Unlock()
	}
	return resp, nil
}

// drainBoundaryRun creates 8 issues created at t0, t1, t2, t2, t2, t3, t4,
// t5 and hands over the NewIssue events of a scan of them in pages of 3,
// the first of which ends inside the run of t2, with every request going
// through transport.
func drainBoundaryRun(t *testing.T, e *trigEnv, transport http.RoundTripper) []trigger.Event[Issue] {
	t.Helper()
	opts := PollOptions{Project: "DEMO", Since: e.clock.Now().Add(-time.Minute), PageSize: 3, Now: e.clock.Now}
	for i, step := range []bool{true, true, false, false, true, true, true, true} {
		if _, err := e.srv.CreateIssueAs(e.userID(e.demo.Alice), jiratest.IssueSeed{Project: "DEMO", Summary: "issue " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
		if step {
			e.clock.Advance(1500 * time.Millisecond)
		}
	}
	hopts := noSleepHTTP()
	hopts.Transport = transport
	jc := mustNew(t, Config{URL: e.srv.URL(), Auth: userAuth(e.mode, e.demo.Admin, dcPAT), HTTP: hopts})
	evs, _, _ := drain(t, jc.NewIssue(opts), nil)
	return evs
}

// A scan pages by time without reading the issue at a page's boundary
// again: every issue is fetched once, including those sharing the
// boundary's millisecond that fall on the next page.
func TestPollFetchesEachIssueOnce(t *testing.T) {
	bothTrigModes(t, "Asia/Kolkata", func(t *testing.T, e *trigEnv) {
		counter := &issueCounter{}
		evs := drainBoundaryRun(t, e, counter)
		if len(evs) != 8 {
			t.Fatalf("new issues: %v", eventIDs(evs))
		}
		if counter.issues != 8 || counter.searches != 3 {
			t.Errorf("the scan fetched %d issues in %d searches, want the 8 issues once in 3 pages of 3", counter.issues, counter.searches)
		}
	})
}

// boundaryRefuser answers 400, as Jira does for a JQL naming an issue key
// that no longer exists, to every search that leaves out the issues read
// at a page boundary.
type boundaryRefuser struct {
	mu      sync.Mutex
	refused int
}

func (b *boundaryRefuser) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, "/search") && strings.Contains(req.URL.Query().Get("jql"), "key in (") {
		b.mu.Lock()
		b.refused++
		b.mu.Unlock()
		body := `{"errorMessages":["An issue with key 'DEMO-3' does not exist for field 'key'."],"errors":{}}`
		return httpfake.Response(req, http.StatusBadRequest, body, "Content-Type", "application/json"), nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A boundary issue deleted between two pages makes Jira refuse the next
// page's JQL (its key is named there); the scan reads the boundary again
// instead of failing on every poll, and hands every event over once.
func TestPollReadsTheBoundaryAgainWhenJiraRefusesItsKeys(t *testing.T) {
	bothTrigModes(t, "Europe/Lisbon", func(t *testing.T, e *trigEnv) {
		refuser := &boundaryRefuser{}
		evs := drainBoundaryRun(t, e, refuser)
		ids := eventIDs(evs)
		if len(evs) != 8 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 8 {
			t.Fatalf("new issues %v, want the 8 issues once each", ids)
		}
		if refuser.refused == 0 {
			t.Fatal("no search left out the boundary's issues: the test does not exercise the refusal")
		}
	})
}
