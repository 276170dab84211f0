package jira

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/internal/jql"
)

// issueRecord presents an issue from a webhook payload to the local JQL
// evaluator. A delivery may carry a trimmed issue (comment events carry
// only summary, status, priority and type): a field the payload lacks is
// recorded as unknown, and a filter that needs one is not judged locally.
type issueRecord struct {
	is      *Issue
	full    bool
	unknown bool
}

func newIssueRecord(is *Issue) *issueRecord {
	return &issueRecord{is: is, full: !is.Fields.Updated.IsZero() || is.Fields.Project.Key != ""}
}

func userVals(u *User) []string {
	if u == nil {
		return nil
	}
	var out []string
	for _, v := range []string{u.AccountID, u.Name, u.Key, u.DisplayName, u.EmailAddress} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func nonEmpty(vals ...string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func customVals(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		return []string{strconv.FormatBool(x)}
	case map[string]any:
		var out []string
		for _, k := range []string{"value", "name", "key", "accountId", "id"} {
			if s, ok := x[k].(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, customVals(e)...)
		}
		return out
	}
	return nil
}

// Values implements jql.Record.
func (r *issueRecord) Values(field string) []string {
	f := &r.is.Fields
	switch field {
	case "project":
		if f.Project.Key != "" || f.Project.ID != "" {
			return nonEmpty(f.Project.Key, f.Project.ID, f.Project.Name)
		}
		if p, _, ok := strings.Cut(r.is.Key, "-"); ok && p != "" {
			return []string{p}
		}
	case "key", "issuekey", "id":
		return nonEmpty(r.is.Key, r.is.ID)
	case "status":
		if f.Status.Name != "" || f.Status.ID != "" {
			return nonEmpty(f.Status.Name, f.Status.ID)
		}
	case "issuetype":
		if f.IssueType.Name != "" || f.IssueType.ID != "" {
			return nonEmpty(f.IssueType.Name, f.IssueType.ID)
		}
	case "summary":
		if f.Summary != "" {
			return []string{f.Summary}
		}
		if !r.full {
			break
		}
		return nil
	case "priority":
		if f.Priority != nil {
			return nonEmpty(f.Priority.Name, f.Priority.ID)
		}
		if r.full {
			return nil
		}
	}
	if !r.full {
		r.unknown = true
		return nil
	}
	switch field {
	case "assignee":
		return userVals(f.Assignee)
	case "reporter":
		return userVals(f.Reporter)
	case "creator":
		return userVals(f.Creator)
	case "labels":
		return f.Labels
	case "description":
		return nonEmpty(f.Description)
	case "environment":
		return nonEmpty(f.Environment)
	case "resolution":
		if f.Resolution == nil {
			return nil
		}
		return nonEmpty(f.Resolution.Name, f.Resolution.ID)
	case "component":
		var out []string
		for _, c := range f.Components {
			out = append(out, nonEmpty(c.Name, c.ID)...)
		}
		return out
	case "fixVersion", "fixversion":
		var out []string
		for _, v := range f.FixVersions {
			out = append(out, nonEmpty(v.Name, v.ID)...)
		}
		return out
	case "parent":
		if f.Parent == nil {
			return nil
		}
		return nonEmpty(f.Parent.Key, f.Parent.ID)
	case "level", "security":
		if f.Security == nil {
			return nil
		}
		return nonEmpty(f.Security.Name, f.Security.ID)
	case "comment", "text":
		r.unknown = true
		return nil
	}
	if v, ok := f.Custom[field]; ok {
		return customVals(v)
	}
	if strings.HasPrefix(field, "customfield_") {
		return nil
	}
	r.unknown = true
	return nil
}

// Time implements jql.Record.
func (r *issueRecord) Time(field string) (time.Time, bool) {
	if !r.full {
		r.unknown = true
		return time.Time{}, false
	}
	f := &r.is.Fields
	var t Time
	switch field {
	case "created":
		t = f.Created
	case "updated":
		t = f.Updated
	case "resolutiondate", "resolved":
		t = f.ResolutionDate
	case "duedate", "due":
		t = f.DueDate
	default:
		r.unknown = true
		return time.Time{}, false
	}
	return t.Time, !t.IsZero()
}

// Rank implements jql.Record: priorities cannot be ranked from a payload.
func (r *issueRecord) Rank(string, string) (int, bool) {
	r.unknown = true
	return 0, false
}

// localFilter is a JQL filter evaluated against webhook payloads.
type localFilter struct {
	q *jql.Query
}

func newLocalFilter(src string) *localFilter {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	q, err := jql.Parse(src)
	if err != nil || q.Where == nil {
		return nil
	}
	return &localFilter{q: q}
}

// match reports whether the issue passes the filter. It answers true when
// the filter cannot be judged from the payload (a field it lacks, a
// function the local evaluator does not know): Jira filtered the delivery
// already, and the reconciliation poll applies the filter exactly.
func (lf *localFilter) match(is *Issue, me *User, now time.Time) bool {
	if lf == nil || is == nil {
		return true
	}
	env := jql.Env{Now: now, Location: time.UTC}
	if me != nil {
		env.CurrentUser = userVals(me)
		if me.TimeZone != "" {
			if loc, err := time.LoadLocation(me.TimeZone); err == nil {
				env.Location = loc
			}
		}
	}
	m, err := lf.q.Compile(env)
	if err != nil {
		return true
	}
	rec := newIssueRecord(is)
	ok := m.Match(rec)
	return ok || rec.unknown
}

func (lf *localFilter) String() string {
	if lf == nil {
		return ""
	}
	return fmt.Sprint(lf.q)
}
