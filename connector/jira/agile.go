package jira

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
)

// Jira Software (boards, sprints, epics, rank) is served by its own REST
// API, /rest/agile/1.0, on Cloud and Data Center alike. Its lists page with
// startAt, maxResults and isLast (values), except the lists of issues,
// which page as a search does (startAt, maxResults, total, issues).

// MaxAgileIssues is how many issues one agile move or rank request may
// name (a Jira limit); the actions send larger lists in several requests.
const MaxAgileIssues = 50

// agileLayout is the timestamp layout sent to the agile API (ISO 8601 with
// a colon in the offset, as Atlassian documents sprint dates).
const agileLayout = "2006-01-02T15:04:05.000Z07:00"

func agilePath(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = url.PathEscape(s)
		}
	}
	return "/rest/agile/1.0" + fmt.Sprintf(format, args...)
}

// agileTime formats t for an agile request body; "" for the zero time.
func agileTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(agileLayout)
}

// AgileIssueOptions selects a page of the issues of a sprint, an epic or a
// board's backlog.
type AgileIssueOptions struct {
	ListOptions
	// JQL narrows the issues further (no ORDER BY needed: the agile API
	// returns them in rank order).
	JQL string
	// Fields lists the issue fields to return; empty returns Jira's
	// default set.
	Fields []string
}

func (o AgileIssueOptions) values() url.Values {
	q := o.ListOptions.values()
	setGiven(q, "jql", o.JQL)
	setList(q, "fields", o.Fields)
	return q
}

// agileIssuePage is the envelope of the agile API's issue lists: a search
// result without isLast.
type agileIssuePage struct {
	StartAt    int     `json:"startAt"`
	MaxResults int     `json:"maxResults"`
	Total      int     `json:"total"`
	Issues     []Issue `json:"issues"`
}

// issuePage reads one page of issues from path.
func (c *Client) agileIssues(ctx context.Context, path string, opts AgileIssueOptions) ([]Issue, *Response, error) {
	var page agileIssuePage
	page.Total = -1
	resp, err := c.call(ctx, "GET", path, opts.values(), nil, &page)
	if resp != nil && err == nil {
		resp.StartAt, resp.MaxResults, resp.Total = page.StartAt, page.MaxResults, page.Total
		n := len(page.Issues)
		resp.IsLast = n == 0 || (page.Total >= 0 && page.StartAt+n >= page.Total) || (page.Total < 0 && page.MaxResults > 0 && n < page.MaxResults)
	}
	if page.Issues == nil {
		page.Issues = []Issue{}
	}
	return page.Issues, resp, err
}

// allAgileIssues iterates over every issue of an agile issue list.
func (c *Client) allAgileIssues(ctx context.Context, path string, opts AgileIssueOptions) iter.Seq2[Issue, error] {
	return listAll(ctx, opts, func(ctx context.Context, o AgileIssueOptions) ([]Issue, *Response, error) {
		return c.agileIssues(ctx, path, o)
	})
}

// agileList reads one page of an agile values list into its items.
func agileList[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, *Response, error) {
	var page offsetPage[T]
	resp, err := c.call(ctx, "GET", path, q, nil, &page)
	if err == nil {
		page.fill(resp)
	}
	if page.Values == nil {
		page.Values = []T{}
	}
	return page.Values, resp, err
}

// issueKeysBody is the {"issues": [...]} body of the move and epic
// requests.
type issueKeysBody struct {
	Issues []string `json:"issues"`
}

// moveIssues posts up to MaxAgileIssues issue keys to path: a move into a
// sprint, the backlog or an epic.
func (c *Client) moveIssues(ctx context.Context, path string, keys []string) (*Response, error) {
	if len(keys) == 0 || len(keys) > MaxAgileIssues {
		return nil, fmt.Errorf("jira: a move names 1 to %d issues, not %d", MaxAgileIssues, len(keys))
	}
	return c.call(ctx, "POST", path, nil, issueKeysBody{Issues: keys}, nil)
}

// chunks splits keys into lists of at most MaxAgileIssues.
func chunks(keys []string) [][]string {
	var out [][]string
	for start := 0; start < len(keys); start += MaxAgileIssues {
		out = append(out, keys[start:min(start+MaxAgileIssues, len(keys))])
	}
	return out
}

// validIssueKeys checks a list of issue keys: at least one, each a key,
// none twice.
func validIssueKeys(field string, keys []string) error {
	if len(keys) == 0 {
		return action.Invalid(field, "is empty: give at least one issue key such as DEMO-1")
	}
	seen := map[string]int{}
	for i, k := range keys {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := validIssueKey(f, k); err != nil {
			return err
		}
		if j, dup := seen[strings.ToUpper(k)]; dup {
			return action.Invalid(f, "repeats %s[%d] (%s); name each issue once", field, j, k)
		}
		seen[strings.ToUpper(k)] = i
	}
	return nil
}

// validID checks a positive numeric id input such as a board or sprint id.
func validID(field string, id int64, what string) error {
	if id <= 0 {
		return action.Invalid(field, "is required: give the %s's numeric id (a positive number, not %d)", what, id)
	}
	return nil
}
