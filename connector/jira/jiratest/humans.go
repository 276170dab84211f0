package jiratest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Demo is the data SeedDemo creates.
type Demo struct {
	// Project is the DEMO project.
	Project Project
	// Admin is the integration user: a Jira administrator whose
	// credentials suit every auth kind of the mode.
	Admin User
	// Alice and Bob are ordinary users.
	Alice, Bob User
	// OAuthClient is a registered OAuth 2.0 app (Cloud).
	OAuthClient OAuthClient
	// Issues are the seeded issues, DEMO-1 first.
	Issues []Issue
	// Severity is a single-select custom field.
	Severity Field
}

// SeedDemo creates project DEMO (Task, Bug, Story, Sub-task; workflow
// To Do -> In Progress -> Done), an administrator integration user, two
// human users, a Severity custom field, an OAuth app and a few issues.
// Calling it twice returns the same data without adding more.
func (s *Server) SeedDemo() Demo {
	admin := s.AddUser(User{AccountID: "5b10ac8d82e05b22cc7d4ef5", Name: "integration", Key: "JIRAUSER10100", DisplayName: "Integration Bot",
		Email: "integration@example.com", Admin: true, Password: "integration-password", APIToken: "demo-api-token", PAT: "demo-personal-access-token"})
	alice := s.AddUser(User{AccountID: "5b10a2844c20165700ede21g", Name: "alice", Key: "JIRAUSER10101", DisplayName: "Alice Archer",
		Email: "alice@example.com", Password: "alice-password", APIToken: "alice-api-token", PAT: "alice-personal-access-token"})
	bob := s.AddUser(User{AccountID: "5b109f2e9729b51b54dc274d", Name: "bob", Key: "JIRAUSER10102", DisplayName: "Bob Baker",
		Email: "bob@example.com", Password: "bob-password", APIToken: "bob-api-token", PAT: "bob-personal-access-token"})
	d := Demo{Admin: admin, Alice: alice, Bob: bob}
	s.mu.RLock()
	existing := s.st.project("DEMO")
	var client *OAuthClient
	if c := s.st.oauthClients["demo-client"]; c != nil {
		client = c
	}
	var sev *customField
	for _, f := range s.st.fields {
		if f.Name == "Severity" {
			sev = f
		}
	}
	s.mu.RUnlock()
	if client == nil {
		d.OAuthClient = s.AddOAuthClient(OAuthClient{ID: "demo-client", Secret: "demo-client-secret"})
	} else {
		d.OAuthClient = *client
	}
	if sev == nil {
		d.Severity = s.AddCustomField(Field{Name: "Severity", Type: "option", AllowedValues: []string{"S1", "S2", "S3", "S4"}})
	} else {
		d.Severity = sev.Field
	}
	if existing != nil {
		s.mu.RLock()
		d.Project = s.projectSnapshot(existing)
		s.mu.RUnlock()
		d.Issues = s.Issues("DEMO")
		return d
	}
	d.Project = s.AddProject(Project{Key: "DEMO", Name: "Demo", Lead: admin.AccountID, Description: "Demonstration project",
		Components: []Component{{Name: "Backend"}, {Name: "Frontend"}}, Versions: []Version{{Name: "1.0", Released: true, ReleaseDate: "2024-01-15"}, {Name: "1.1"}}})
	now := s.now().Truncate(time.Millisecond)
	seeds := []IssueSeed{
		{Project: "DEMO", IssueType: "Task", Summary: "Set up the integration", Reporter: admin.AccountID, Assignee: admin.AccountID, Priority: "Medium", Labels: []string{"setup"}, Created: now.Add(-72 * time.Hour)},
		{Project: "DEMO", IssueType: "Bug", Summary: "Login fails with SSO", Description: "Steps:\n1. Log in with SSO\n2. See the error", Reporter: alice.AccountID, Assignee: bob.AccountID, Priority: "High", Labels: []string{"auth", "customer"}, Components: []string{"Backend"}, Custom: map[string]any{d.Severity.ID: "S2"}, Status: "In Progress", Created: now.Add(-48 * time.Hour), Updated: now.Add(-2 * time.Hour)},
		{Project: "DEMO", IssueType: "Story", Summary: "Export reports as CSV", Reporter: bob.AccountID, Priority: "Low", FixVersions: []string{"1.1"}, Components: []string{"Frontend"}, Created: now.Add(-24 * time.Hour)},
		{Project: "DEMO", IssueType: "Bug", Summary: "Typo on the settings page", Reporter: alice.AccountID, Assignee: alice.AccountID, Priority: "Lowest", Status: "Done", Resolution: "Done", Created: now.Add(-96 * time.Hour), Updated: now.Add(-30 * time.Hour)},
	}
	for _, seed := range seeds {
		d.Issues = append(d.Issues, s.SeedIssue(seed))
	}
	sub := s.SeedIssue(IssueSeed{Project: "DEMO", IssueType: "Sub-task", Parent: d.Issues[0].Key, Summary: "Create the API token", Reporter: admin.AccountID, Created: now.Add(-70 * time.Hour)})
	d.Issues = append(d.Issues, sub)
	return d
}

// SeedIssue stores an issue as it is, without permission checks, webhook
// events or changelog, with the given Created/Updated times (default now)
// and status. It panics on an unknown project, type, status or user, as
// seeding mistakes are programming errors.
func (s *Server) SeedIssue(in IssueSeed) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.seedLocked(in)
	if err != nil {
		panic("jiratest: SeedIssue: " + err.Error())
	}
	return s.snapshot(r)
}

func (s *Server) seedLocked(in IssueSeed) (*issueRec, error) {
	st := s.st
	p := st.project(in.Project)
	if p == nil {
		return nil, fmt.Errorf("unknown project %q", in.Project)
	}
	var typ *IssueType
	if in.IssueType != "" {
		typ = p.typeBy(in.IssueType)
	} else {
		for _, t := range p.types {
			if !t.Subtask {
				typ = t
				break
			}
		}
	}
	if typ == nil {
		return nil, fmt.Errorf("unknown issue type %q in project %s", in.IssueType, p.key)
	}
	now := s.stamp()
	created := in.Created
	if created.IsZero() {
		created = now
	}
	updated := in.Updated
	if updated.IsZero() {
		updated = created
	}
	d := issueData{typ: typ, status: p.initial, priority: st.priorityBy("Medium"), created: created, updated: updated, statusChanged: updated}
	if in.Status != "" {
		if d.status = p.statusBy(in.Status); d.status == nil {
			return nil, fmt.Errorf("unknown status %q in project %s", in.Status, p.key)
		}
	}
	fields := s.seedFields(in)
	for _, id := range sortedKeys(fields) {
		if msg := s.setField(p, &d, id, fields[id], lenient); msg != "" {
			return nil, fmt.Errorf("field %s: %s", id, msg)
		}
	}
	if in.Resolution != "" {
		if d.resolution = st.resolutionBy(in.Resolution); d.resolution == nil {
			return nil, fmt.Errorf("unknown resolution %q", in.Resolution)
		}
	} else if d.status.Category == "done" {
		d.resolution = st.resolutionBy("Done")
	}
	if d.resolution != nil {
		d.resolutionDate = updated
	}
	if d.reporter == nil && len(st.users) > 0 {
		d.reporter = st.users[0]
	}
	d.creator = d.reporter
	num := 0
	if in.Key != "" {
		prefix, n, ok := strings.Cut(in.Key, "-")
		var x int
		if _, err := fmt.Sscanf(n, "%d", &x); !ok || err != nil || !strings.EqualFold(prefix, p.key) || x <= 0 {
			return nil, fmt.Errorf("key %q does not fit project %s", in.Key, p.key)
		}
		if st.byKey[strings.ToUpper(in.Key)] != nil {
			return nil, fmt.Errorf("issue %s exists", in.Key)
		}
		num = x
	}
	r := s.newIssueRec(p, d, num)
	if d.reporter != nil {
		r.watchers = append(r.watchers, d.reporter)
	}
	return r, nil
}

// seedFields turns an IssueSeed into lenient field values.
func (s *Server) seedFields(in IssueSeed) map[string]any {
	f := map[string]any{}
	set := func(k string, v string) {
		if v != "" {
			f[k] = v
		}
	}
	set("summary", in.Summary)
	set("description", in.Description)
	set("priority", in.Priority)
	set("assignee", in.Assignee)
	set("reporter", in.Reporter)
	set("duedate", in.DueDate)
	set("parent", in.Parent)
	set("security", in.Security)
	if in.Labels != nil {
		f["labels"] = in.Labels
	}
	if in.Components != nil {
		f["components"] = in.Components
	}
	if in.FixVersions != nil {
		f["fixVersions"] = in.FixVersions
	}
	for k, v := range in.Custom {
		f[k] = v
	}
	return f
}

// ---- acting as a user ----

func (s *Server) actor(userID string) (*user, error) {
	u := s.st.user(userID)
	if u == nil {
		return nil, fmt.Errorf("jiratest: unknown user %q", userID)
	}
	return u, nil
}

func asError(e *apiError) error {
	if e == nil {
		return nil
	}
	return e
}

// CreateIssueAs creates an issue as a user would through the API: with
// permission checks, validation, a changelog and webhook events. Status
// and times in the seed are ignored; plain strings are accepted for
// priority, users, components and versions.
func (s *Server) CreateIssueAs(userID string, in IssueSeed) (Issue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.actor(userID)
	if err != nil {
		return Issue{}, err
	}
	fields := s.seedFields(in)
	fields["project"] = in.Project
	typ := in.IssueType
	if typ == "" {
		if p := s.st.project(in.Project); p != nil {
			for _, t := range p.types {
				if !t.Subtask {
					typ = t.Name
					break
				}
			}
		}
	}
	fields["issuetype"] = typ
	if _, ok := fields["reporter"]; !ok {
		fields["reporter"] = u.AccountID
	}
	r, e := s.createIssue(u, createInput{fields: fields}, lenient)
	if e != nil {
		return Issue{}, e
	}
	return s.snapshot(r), nil
}

// UpdateIssueAs edits fields of an issue as a user. Values may use the
// REST shapes or plain strings ("priority": "High", "assignee": "alice",
// "labels": []string{"a"}).
func (s *Server) UpdateIssueAs(userID, key string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, err := s.issueAs(userID, key, "", "")
	if err != nil {
		return err
	}
	return asError(s.editIssue(u, r, fields, nil, lenient))
}

// issueAs resolves what an *As helper acts on: the user userID and the
// issue key, which the user must see and, unless perm is empty, hold perm
// in (denied is the 403 message). Callers hold s.mu.
func (s *Server) issueAs(userID, key, perm, denied string) (*user, *issueRec, error) {
	u, err := s.actor(userID)
	if err != nil {
		return nil, nil, err
	}
	r := s.st.issue(key)
	if r == nil || !r.canSee(u) {
		return nil, nil, errNoIssue()
	}
	if perm != "" && !r.proj.can(u, perm) {
		return nil, nil, permissionErr(perm, denied)
	}
	return u, r, nil
}

// CommentAs adds a comment as a user.
func (s *Server) CommentAs(userID, key, body string) (Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, err := s.issueAs(userID, key, "ADD_COMMENTS", "You do not have the permission to comment on this issue.")
	if err != nil {
		return Comment{}, err
	}
	if strings.TrimSpace(body) == "" {
		return Comment{}, errors.New("jiratest: comment body can not be empty")
	}
	return s.commentSnapshot(s.addCommentLocked(u, r, body, nil)), nil
}

// TransitionAs moves an issue along the transition with this name (or id)
// as a user, as the transitions endpoint would.
func (s *Server) TransitionAs(userID, key, transition string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, err := s.issueAs(userID, key, "TRANSITION_ISSUES", "You do not have permission to transition this issue.")
	if err != nil {
		return err
	}
	t := s.findTransition(r, transition)
	if t == nil {
		var names []string
		for _, x := range s.availableTransitions(r) {
			names = append(names, x.Name)
		}
		return fmt.Errorf("jiratest: transition %q is not available for %s in status %s (available: %s)", transition, r.key, r.cur.status.Name, strings.Join(names, ", "))
	}
	return asError(s.doTransitionLocked(u, r, t, nil, nil, false))
}

// AddWorklogAs logs work on an issue as a user.
func (s *Server) AddWorklogAs(userID, key string, spent time.Duration, comment string) (Worklog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, err := s.issueAs(userID, key, "WORK_ON_ISSUES", "You do not have the permission to log work on this issue.")
	if err != nil {
		return Worklog{}, err
	}
	if spent < time.Minute {
		return Worklog{}, errors.New("jiratest: time spent must be at least a minute")
	}
	w := s.addWorklogLocked(u, r, s.stamp(), int64(spent/time.Second), comment, nil)
	return s.worklogSnapshot(w), nil
}

// DeleteIssueAs deletes an issue (and its sub-tasks) as a user.
func (s *Server) DeleteIssueAs(userID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, err := s.issueAs(userID, key, "", "")
	if err != nil {
		return err
	}
	return asError(s.deleteIssueLocked(u, r, true))
}

// ---- inspection ----

// Issue returns an issue by key or id.
func (s *Server) Issue(key string) (Issue, bool) {
	return inspect(s, func() *issueRec { return s.st.issue(key) }, s.snapshot)
}

// inspect returns, under the read lock, the snapshot snap takes of what
// find locates, and false when find locates nothing.
func inspect[T, O any](s *Server, find func() *T, snap func(*T) O) (O, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	x := find()
	if x == nil {
		var none O
		return none, false
	}
	return snap(x), true
}

// Issues returns the live issues of a project (all projects when
// projectKey is empty), oldest first.
func (s *Server) Issues(projectKey string) []Issue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Issue
	for _, r := range s.st.issues {
		if r.deleted || (projectKey != "" && !strings.EqualFold(r.proj.key, projectKey)) {
			continue
		}
		out = append(out, s.snapshot(r))
	}
	return out
}

func (s *Server) commentSnapshot(c *comment) Comment {
	out := Comment{ID: fmt.Sprint(c.id), IssueKey: c.issue.key, Body: c.body, Created: c.created, Updated: c.updated, Properties: c.properties.snapshot()}
	if c.author != nil {
		out.Author = c.author.ID(s.mode)
	}
	if c.visibility != nil {
		v := *c.visibility
		out.Visibility = &v
	}
	return out
}

func (s *Server) worklogSnapshot(w *worklog) Worklog {
	out := Worklog{ID: fmt.Sprint(w.id), IssueKey: w.issue.key, Comment: w.comment, Started: w.started, TimeSpentSeconds: w.seconds, Created: w.created, Updated: w.updated,
		Properties: w.properties.snapshot()}
	if w.author != nil {
		out.Author = w.author.ID(s.mode)
	}
	return out
}

// issueItems returns, under the read lock, snap of each of the items of
// the issue key that snap keeps: nil when the issue does not exist or has
// none.
func issueItems[T, S any](s *Server, key string, items func(*issueRec) []T, snap func(T) (S, bool)) []S {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.issue(key)
	if r == nil {
		return nil
	}
	var out []S
	for _, x := range items(r) {
		if v, ok := snap(x); ok {
			out = append(out, v)
		}
	}
	return slices.Clip(out)
}

// Comments returns the comments of an issue, oldest first.
func (s *Server) Comments(key string) []Comment {
	return issueItems(s, key, func(r *issueRec) []*comment { return r.comments }, func(c *comment) (Comment, bool) {
		return s.commentSnapshot(c), !c.deleted
	})
}

// Worklogs returns the worklogs of an issue, oldest first.
func (s *Server) Worklogs(key string) []Worklog {
	return issueItems(s, key, func(r *issueRec) []*worklog { return r.worklogs }, func(w *worklog) (Worklog, bool) {
		return s.worklogSnapshot(w), !w.deleted
	})
}

// Attachments returns the file names of an issue's attachments.
func (s *Server) Attachments(key string) []string {
	return issueItems(s, key, func(r *issueRec) []*attachment { return r.attachments }, func(a *attachment) (string, bool) {
		return a.filename, true
	})
}
