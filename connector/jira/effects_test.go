package jira

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// effectCase is one writing action checked for exactly-once effects.
type effectCase struct {
	name string
	// post is the path prefix of the write request.
	post string
	// run runs the action once and returns an id of what it made.
	run func(ctx context.Context, e *env) (string, error)
	// count returns how many changes of the action exist.
	count func(e *env) int
	// lookups counts the lookups among the GETs; nil when the action's
	// lookup is a request the happy path sends too.
	lookups func(r jiratest.Request) bool
	// lookupPath is the path the lookup after an ambiguous outcome reads
	// ("" for post and below).
	lookupPath string
	// once is true when a second step run cannot make a second change
	// (a transition to where the issue already is).
	once bool
}

func effectCases(e *env) []effectCase {
	key := e.demo.Issues[0].Key
	todo := e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "to move once"}).Key
	out := e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "blocks"}).Key
	in := e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "is blocked"}).Key
	files := e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "gets a file"}).Key
	under := func(prefix string) func(r jiratest.Request) bool {
		return func(r jiratest.Request) bool { return strings.HasPrefix(r.Path, prefix) }
	}
	board := e.srv.SeedAgile().Board.ID
	boardSprints := fmt.Sprintf("/rest/agile/1.0/board/%d/sprint", board)
	return []effectCase{
		{
			name: "create_sprint",
			post: "/rest/agile/1.0/sprint",
			run: func(ctx context.Context, e *env) (string, error) {
				sp, err := e.jc.CreateSprint().Run(ctx, CreateSprintInput{BoardID: board, Name: "Exactly once", Goal: "one sprint"})
				if sp.ID == 0 {
					return "", err
				}
				return fmt.Sprint(sp.ID), err
			},
			count: func(e *env) int {
				return countMatching(e.srv.Sprints(board), func(sp jiratest.Sprint) bool { return sp.Name == "Exactly once" })
			},
			lookups:    under(boardSprints),
			lookupPath: boardSprints,
			// A sprint keeps no key: another step run's sprint of the same
			// name on the board, created since it began, counts.
			once: true,
		},
		{
			name: "add_comment",
			post: "/rest/api/2/issue/" + key + "/comment",
			run: func(ctx context.Context, e *env) (string, error) {
				cm, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "exactly once"})
				return cm.ID, err
			},
			count: func(e *env) int {
				return countMatching(e.srv.Comments(key), func(c jiratest.Comment) bool { return c.Body == "exactly once" })
			},
			lookups: under("/rest/api/2/issue/" + key + "/comment"),
		},
		{
			name: "add_worklog",
			post: "/rest/api/2/issue/" + key + "/worklog",
			run: func(ctx context.Context, e *env) (string, error) {
				w, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key, TimeSpent: "1h", Comment: "exactly once"})
				return w.ID, err
			},
			count: func(e *env) int {
				return countMatching(e.srv.Worklogs(key), func(w jiratest.Worklog) bool { return w.Comment == "exactly once" })
			},
			lookups: under("/rest/api/2/issue/" + key + "/worklog"),
		},
		{
			name: "transition_issue",
			post: "/rest/api/2/issue/" + todo + "/transitions",
			run: func(ctx context.Context, e *env) (string, error) {
				is, err := e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: todo, To: "Start Progress", Comment: "moved once"})
				return is.Fields.Status.Name, err
			},
			// Status changes, and 100 per comment beyond the one the
			// transition adds.
			count: func(e *env) int {
				n := 0
				for entry, err := range e.jc.Changelog.All(context.Background(), todo) {
					if err != nil {
						return -1
					}
					for _, it := range entry.Items {
						if it.Field == "status" {
							n++
						}
					}
				}
				return n + 100*(countMatching(e.srv.Comments(todo), func(c jiratest.Comment) bool { return c.Body == "moved once" })-1)
			},
			lookupPath: "/rest/api/2/issue/" + todo,
			once:       true,
		},
		{
			name: "link_issues",
			post: "/rest/api/2/issueLink",
			run: func(ctx context.Context, e *env) (string, error) {
				l, err := e.jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "Blocks", OutwardIssue: out, InwardIssue: in})
				return l.ID, err
			},
			count: func(e *env) int {
				is, _, err := e.jc.Issues.Get(context.Background(), out, &GetIssueOptions{Fields: []string{"issuelinks"}})
				if err != nil {
					return -1
				}
				return countMatching(is.Fields.IssueLinks, func(l IssueLink) bool { return l.InwardIssue != nil && l.InwardIssue.Key == in })
			},
			lookupPath: "/rest/api/2/issue/" + out,
			once:       true,
		},
		{
			name: "upload_attachment",
			post: "/rest/api/2/issue/" + files + "/attachments",
			run: func(ctx context.Context, e *env) (string, error) {
				as, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: files, Filename: "once.txt", Content: "exactly once"})
				if len(as) != 1 {
					return "", err
				}
				return as[0].ID, err
			},
			count: func(e *env) int {
				return countMatching(e.srv.Attachments(files), func(name string) bool { return name == "once.txt" })
			},
			lookups:    func(r jiratest.Request) bool { return r.Path == "/rest/api/2/issue/"+files },
			lookupPath: "/rest/api/2/issue/" + files,
			// Jira keeps no key with an attachment: another step run's
			// upload of the same name and size since it began counts.
			once: true,
		},
		{
			name: "create_issue",
			post: "/rest/api/2/issue",
			run: func(ctx context.Context, e *env) (string, error) {
				is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "created once"})
				return is.Key, err
			},
			count: func(e *env) int {
				return countMatching(e.srv.Issues("DEMO"), func(is jiratest.Issue) bool { return is.Summary == "created once" })
			},
			lookupPath: searchPath(e.mode),
		},
		{
			name: "create_version",
			post: "/rest/api/2/version",
			run: func(ctx context.Context, e *env) (string, error) {
				v, err := e.jc.CreateVersion().Run(ctx, VersionInput{Project: "DEMO", Name: "once " + e.mode.String()})
				return v.ID, err
			},
			count: func(e *env) int {
				n := 0
				for v, err := range e.jc.Versions.All(context.Background(), "DEMO") {
					if err != nil {
						return -1
					}
					if v.Name == "once "+e.mode.String() {
						n++
					}
				}
				return n
			},
			lookupPath: "/rest/api/2/project/DEMO/versions",
			once:       true, // Jira refuses a second version of one name
		},
	}
}

// searchPath is the path of the search the create lookup runs.
func searchPath(m jiratest.Mode) string {
	if m == jiratest.DataCenter {
		return "/rest/api/2/search"
	}
	return "/rest/api/2/search/jql"
}

func countMatching[T any](items []T, ok func(T) bool) int {
	n := 0
	for _, x := range items {
		if ok(x) {
			n++
		}
	}
	return n
}

// requestsTo counts the logged requests of method whose path starts with
// prefix.
func requestsTo(e *env, method, prefix string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// TestWritesLandExactlyOnce runs every effect-checked action under each
// fault that leaves a write's outcome unknown or refused, and after a crash
// (an effect marked MayExist): each ends with exactly one change.
func TestWritesLandExactlyOnce(t *testing.T) {
	faults := []struct {
		name   string
		faults func(path string) jiratest.Faults
		// applied reports whether the faulty attempt made the change.
		lookups int // GETs expected: 1 after an ambiguous outcome
		posts   int
	}{
		{"no fault", func(string) jiratest.Faults { return jiratest.Faults{} }, 0, 1},
		{"refused 503", func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, Unavailable: jiratest.FaultRate{Next: 1}, RetryAfter: time.Millisecond}
		}, 0, 2},
		{"reset before handling", func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, DropConnection: jiratest.FaultRate{Next: 1}}
		}, 1, 2},
		{"reset after handling", func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, LoseResponse: jiratest.FaultRate{Next: 1}}
		}, 1, 1},
		{"504 after handling", func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, GatewayTimeout: jiratest.FaultRate{Next: 1}}
		}, 1, 1},
	}
	for _, mode := range []jiratest.Mode{jiratest.Cloud, jiratest.DataCenter} {
		for _, f := range faults {
			t.Run(mode.String()+"/"+f.name, func(t *testing.T) {
				e := setup(t, mode)
				for _, c := range effectCases(e) {
					e.srv.ResetRequests()
					e.srv.SetFaults(f.faults(c.post))
					ctx := action.WithEffect(context.Background(), action.Effect{Key: "rk1-" + c.name + "-" + mode.String(), Attempt: 1, Since: time.Now()})
					id, err := c.run(ctx, e)
					e.srv.SetFaults(jiratest.Faults{})
					if err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					if n := c.count(e); n != 1 || id == "" {
						t.Errorf("%s: %d changes (id %q), want exactly 1", c.name, n, id)
					}
					if got := requestsTo(e, "POST", c.post); got != f.posts {
						t.Errorf("%s: %d POSTs, want %d", c.name, got, f.posts)
					}
					if c.lookups != nil {
						if got := countMatching(e.srv.Requests(), func(r jiratest.Request) bool { return r.Method == "GET" && c.lookups(r) }); got != f.lookups {
							t.Errorf("%s: %d lookups, want %d", c.name, got, f.lookups)
						}
					}
				}
				e.checkSpec(t)
			})
		}
	}
}

// TestRetriedStepFindsItsChange: a step run whose earlier attempt made the
// change (and whose answer never arrived, or whose process died) finds it
// and does not write again; one whose earlier attempt did nothing writes.
func TestRetriedStepFindsItsChange(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	for _, c := range effectCases(e) {
		first := action.Effect{Key: "rk1-resume-" + c.name, Attempt: 1, Since: time.Now()}
		id, err := c.run(action.WithEffect(ctx, first), e)
		if err != nil {
			t.Fatal(err)
		}
		e.srv.ResetRequests()
		again := first
		again.Attempt, again.MayExist = 2, true
		id2, err := c.run(action.WithEffect(ctx, again), e)
		if err != nil || id2 != id {
			t.Errorf("%s: the resumed run returned %q, %v; want the first change %q", c.name, id2, err, id)
		}
		if n := c.count(e); n != 1 {
			t.Errorf("%s: %d changes after the resumed run, want 1", c.name, n)
		}
		if got := requestsTo(e, "POST", c.post); got != 0 {
			t.Errorf("%s: the resumed run sent %d POSTs, want 0", c.name, got)
		}

		if c.once {
			continue
		}
		// A resumed run whose first attempt never reached Jira writes once.
		other := action.Effect{Key: "rk1-other-" + c.name, Attempt: 2, MayExist: true, Since: time.Now()}
		e.srv.ResetRequests()
		if _, err := c.run(action.WithEffect(ctx, other), e); err != nil {
			t.Fatal(err)
		}
		if n := c.count(e); n != 2 {
			t.Errorf("%s: %d changes after a resumed run with nothing to find, want 2", c.name, n)
		}
		if got := requestsTo(e, "POST", c.post); got != 1 {
			t.Errorf("%s: %d POSTs, want 1", c.name, got)
		}
	}
}

// failingLookups fails every GET whose path starts with prefix, as a
// network that went down after a write would.
type failingLookups struct {
	base  http.RoundTripper
	fails func(path string) bool
}

func (f failingLookups) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && f.fails(req.URL.Path) {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return f.base.RoundTrip(req)
}

// TestUnverifiableOutcomeIsReported: when the lookup after an ambiguous
// outcome fails too, the error says the outcome is unknown (so the step is
// retried, with a lookup first), and nothing is sent blindly.
func TestUnverifiableOutcomeIsReported(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	healthy := e.jc
	for _, c := range effectCases(e) {
		fails := func(path string) bool { return strings.HasPrefix(path, c.post) }
		if c.lookupPath != "" {
			fails = func(path string) bool { return path == c.lookupPath }
		}
		e.jc = mustNew(t, Config{Name: "test", URL: e.srv.URL(), Auth: userAuth(e.mode, e.demo.Admin, dcPassword),
			HTTP: httpx.Options{Transport: failingLookups{base: http.DefaultTransport, fails: fails}, Sleep: noSleep}})
		e.srv.ResetRequests()
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: c.post, LoseResponse: jiratest.FaultRate{Next: 1}})
		_, err := c.run(action.WithEffect(ctx, action.Effect{Key: "rk1-unverifiable-" + c.name, Attempt: 1, Since: time.Now()}), e)
		e.srv.SetFaults(jiratest.Faults{})
		e.jc = healthy
		if !errors.Is(err, action.ErrOutcomeUnknown) {
			t.Errorf("%s: %v, want an unknown outcome", c.name, err)
		}
		if got := requestsTo(e, "POST", c.post); got != 1 {
			t.Errorf("%s: %d POSTs, want 1 (no blind resend)", c.name, got)
		}
		if n := c.count(e); n != 1 {
			t.Errorf("%s: %d changes, want the 1 the lost answer made", c.name, n)
		}
		// The step's retry (MayExist) finds it.
		e.srv.ResetRequests()
		if _, err := c.run(action.WithEffect(ctx, action.Effect{Key: "rk1-unverifiable-" + c.name, Attempt: 2, MayExist: true, Since: time.Now()}), e); err != nil {
			t.Fatal(err)
		}
		if n := c.count(e); n != 1 || requestsTo(e, "POST", c.post) != 0 {
			t.Errorf("%s: after the retry %d changes and %d POSTs, want 1 and 0", c.name, n, requestsTo(e, "POST", c.post))
		}
	}
}
