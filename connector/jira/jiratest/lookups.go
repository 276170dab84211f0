package jiratest

import (
	"net/http"
	"slices"
	"strings"
)

// ---- site-wide statuses and issue types ----

func (s *Server) handleStatuses(c *call) {
	siteWide(s, c, func(p *project) []*status { return p.statuses }, s.statusJSON)
}

func (s *Server) handleIssueTypes(c *call) {
	siteWide(s, c, func(p *project) []*IssueType { return p.types }, s.issueTypeJSON)
}

// siteWide answers the things of every project that each returns, each
// ID once, in project order.
func siteWide[T named, J any](s *Server, c *call, each func(*project) []T, render func(T) J) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []any{}
	seen := map[string]bool{}
	for _, p := range s.st.projects {
		for _, x := range each(p) {
			if id, _ := x.idAndName(); !seen[id] {
				seen[id] = true
				out = append(out, render(x))
			}
		}
	}
	c.json(http.StatusOK, out)
}

// ---- bulk create ----

// maxBulkIssues is how many issues one POST /issue/bulk may create, as on
// Jira.
const maxBulkIssues = 50

func (s *Server) handleIssueBulkCreate(c *call) {
	var b struct {
		IssueUpdates []issueBody `json:"issueUpdates"`
	}
	if !decoded(c, &b) {
		return
	}
	if len(b.IssueUpdates) == 0 {
		c.fail(fieldErr(http.StatusBadRequest, "issueUpdates", "List at least one issue to create."))
		return
	}
	if len(b.IssueUpdates) > maxBulkIssues {
		c.fail(errf(http.StatusBadRequest, "Too many issues: at most %d can be created in one request, not %d.", maxBulkIssues, len(b.IssueUpdates)))
		return
	}
	s.mu.Lock()
	created, failed := []any{}, []any{}
	for i, u := range b.IssueUpdates {
		r, e := s.createIssue(c.user, createInput{fields: u.Fields, update: u.Update, properties: u.Properties, transition: u.Transition}, strict)
		if e != nil {
			fields := map[string]any{}
			for k, v := range e.fields {
				fields[k] = v
			}
			failed = append(failed, map[string]any{"status": e.status, "failedElementNumber": i,
				"elementErrors": map[string]any{"errorMessages": nonNil(e.messages), "errors": fields}})
			continue
		}
		created = append(created, map[string]any{"id": r.idStr, "key": r.key, "self": s.url + "/rest/api/2/issue/" + r.idStr})
	}
	s.mu.Unlock()
	status := http.StatusCreated
	if len(created) == 0 {
		status = http.StatusBadRequest
	}
	c.json(status, map[string]any{"issues": created, "errors": failed})
}

// ---- notify ----

// Notification is an email Jira was asked to send about an issue
// (POST /issue/{key}/notify), as the simulator recorded it.
type Notification struct {
	// Issue is the issue's key.
	Issue   string
	Subject string
	// TextBody and HTMLBody are the message.
	TextBody string
	HTMLBody string
	// To lists the recipients by account id (Cloud) or user name (Data
	// Center), resolved from the reporter, assignee, watchers, voters,
	// users and groups the request named.
	To []string
}

// Notifications returns the notifications sent so far, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.st.notifications)
}

func (s *Server) handleIssueNotify(c *call) {
	var b struct {
		Subject  string `json:"subject"`
		TextBody string `json:"textBody"`
		HTMLBody string `json:"htmlBody"`
		To       struct {
			Reporter bool `json:"reporter"`
			Assignee bool `json:"assignee"`
			Watchers bool `json:"watchers"`
			Voters   bool `json:"voters"`
			Users    []struct {
				AccountID string `json:"accountId"`
				Name      string `json:"name"`
			} `json:"users"`
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"to"`
	}
	if !decoded(c, &b) {
		return
	}
	writing(s, s.pathIssue, func(c *call, r *issueRec) {
		if strings.TrimSpace(b.TextBody) == "" && strings.TrimSpace(b.HTMLBody) == "" {
			c.fail(fieldErr(http.StatusBadRequest, "textBody", "The notification needs a textBody or an htmlBody."))
			return
		}
		var to []*user
		add := func(u *user) {
			if u != nil && !slices.Contains(to, u) {
				to = append(to, u)
			}
		}
		if b.To.Reporter {
			add(r.cur.reporter)
		}
		if b.To.Assignee {
			if r.cur.assignee == nil {
				c.fail(fieldErr(http.StatusBadRequest, "to", "The recipient is the assignee, but "+r.key+" is unassigned."))
				return
			}
			add(r.cur.assignee)
		}
		if b.To.Watchers {
			for _, u := range r.watchers {
				add(u)
			}
		}
		for _, u := range b.To.Users {
			id := u.AccountID
			if s.mode == DataCenter {
				id = u.Name
			}
			x := s.st.user(id)
			if x == nil {
				c.fail(fieldErr(http.StatusBadRequest, "to", "The user '"+id+"' does not exist."))
				return
			}
			add(x)
		}
		for _, g := range b.To.Groups {
			for _, u := range s.st.users {
				if slices.Contains(u.Groups, g.Name) {
					add(u)
				}
			}
		}
		if len(to) == 0 {
			c.fail(fieldErr(http.StatusBadRequest, "to", "The notification has no recipient: name the reporter, assignee, watchers, users or groups."))
			return
		}
		n := Notification{Issue: r.key, Subject: b.Subject, TextBody: b.TextBody, HTMLBody: b.HTMLBody}
		for _, u := range to {
			n.To = append(n.To, u.ID(s.mode))
		}
		s.st.notifications = append(s.st.notifications, n)
		c.noContent()
	})(c)
}

// ---- delete project ----

func (s *Server) handleProjectDelete(c *call, p *project) {
	if !c.user.Admin {
		c.fail(permissionErr("ADMINISTER", "You must have the Administer Jira global permission to delete a project."))
		return
	}
	for _, r := range s.st.issues {
		if r.proj == p && !r.deleted {
			s.removeIssue(c.user, r)
		}
	}
	s.st.projects = slices.DeleteFunc(s.st.projects, func(x *project) bool { return x == p })
	for k, x := range s.st.projByAny {
		if x == p {
			delete(s.st.projByAny, k)
		}
	}
	c.noContent()
}
