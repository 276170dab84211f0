package jiratest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// store holds all simulator state. It is guarded by Server.mu.
type store struct {
	notifications []Notification

	users      []*user
	userByAny  map[string]*user // account id, name, key, lower-case email
	projects   []*project
	projByAny  map[string]*project
	priorities []*priority
	resolution []*resolution
	fields     []*customField
	fieldByID  map[string]*customField
	linkTypes  []*linkType

	issues    []*issueRec // by id ascending; deleted ones stay with deleted=true
	byID      map[int64]*issueRec
	byKey     map[string]*issueRec
	byCreated []*issueRec // sorted by (created, id); rebuilt when dirty
	createdOK bool
	byChanged timeIndex // live issues by their latest change, for the search lag
	live      int

	nextIssueID      int64
	nextUserN        int
	nextProjectID    int
	nextFieldID      int
	nextCommentID    int64
	nextWorklogID    int64
	nextAttachID     int64
	nextLinkID       int64
	nextRemoteLinkID int64
	nextHistoryID    int64
	nextCompID       int
	nextVersionID    int
	nextLevelID      int
	nextStatusID     int
	nextTypeID       int

	comments    map[int64]*comment
	worklogs    map[int64]*worklog
	attachments map[int64]*attachment
	links       map[int64]*issueLink
	components  map[string]*Component
	versions    map[string]*Version
	levels      map[string]*securityLevel

	worklogChanges []worklogChange

	oauthClients map[string]*OAuthClient
	oauthCodes   map[string]*oauthCode
	access       map[string]*accessToken
	refresh      map[string]*refreshToken
	extraSites   []AccessibleResource

	webhooks          []*webhook
	desks             []*serviceDesk
	nextRequestTypeID int
	nextWebhookID     int
	mediaTokens       map[string]int64

	agile *agileState // Jira Software; see agileOf
}

func newStore() *store {
	st := &store{
		userByAny:        map[string]*user{},
		projByAny:        map[string]*project{},
		fieldByID:        map[string]*customField{},
		byID:             map[int64]*issueRec{},
		byKey:            map[string]*issueRec{},
		nextIssueID:      10000,
		nextProjectID:    10000,
		nextFieldID:      10000,
		nextCommentID:    10000,
		nextWorklogID:    10000,
		nextAttachID:     10000,
		nextLinkID:       10000,
		nextRemoteLinkID: 10000,
		nextHistoryID:    10000,
		nextCompID:       10000,
		nextVersionID:    10000,
		nextLevelID:      10000,
		nextStatusID:     10002,
		nextTypeID:       10000,
		nextWebhookID:    1,
		comments:         map[int64]*comment{},
		worklogs:         map[int64]*worklog{},
		attachments:      map[int64]*attachment{},
		links:            map[int64]*issueLink{},
		components:       map[string]*Component{},
		versions:         map[string]*Version{},
		levels:           map[string]*securityLevel{},
		oauthClients:     map[string]*OAuthClient{},
		oauthCodes:       map[string]*oauthCode{},
		access:           map[string]*accessToken{},
		refresh:          map[string]*refreshToken{},
		mediaTokens:      map[string]int64{},
		createdOK:        true,
	}
	for i, n := range []string{"Highest", "High", "Medium", "Low", "Lowest"} {
		id := strconv.Itoa(i + 1)
		st.priorities = append(st.priorities, &priority{id: id, name: n, rank: i + 1, vals: []string{n, id}})
	}
	for i, r := range [][2]string{
		{"Done", "Work has been completed on this issue."},
		{"Won't Do", "This issue won't be actioned."},
		{"Duplicate", "The problem is a duplicate of an existing issue."},
		{"Cannot Reproduce", "All attempts at reproducing this issue failed."},
	} {
		id := strconv.Itoa(10000 + i)
		st.resolution = append(st.resolution, &resolution{id: id, name: r[0], desc: r[1], vals: []string{r[0], id}})
	}
	for i, lt := range [][3]string{
		{"Blocks", "is blocked by", "blocks"},
		{"Cloners", "is cloned by", "clones"},
		{"Duplicate", "is duplicated by", "duplicates"},
		{"Relates", "relates to", "relates to"},
	} {
		st.linkTypes = append(st.linkTypes, &linkType{id: strconv.Itoa(10000 + i), name: lt[0], inward: lt[1], outward: lt[2]})
	}
	return st
}

type user struct {
	User
	ids      []string // identifiers JQL may use
	failures int
	captcha  bool
}

type project struct {
	id, key, name, desc, typeKey string
	lead                         *user
	types                        []*IssueType
	statuses                     []*status
	initial                      *status
	transitions                  []Transition
	components                   []*Component
	versions                     []*Version
	levels                       []*securityLevel
	nextNum                      int
	vals                         []string
	restricted                   map[*user]map[string]bool
	created                      time.Time
	byUpdated                    timeIndex // live issues by updated, then id
	byCreated                    timeIndex // live issues by created, then id
}

type status struct {
	Status
	vals []string
}

type priority struct {
	id, name string
	rank     int
	vals     []string
}

type resolution struct {
	id, name, desc string
	vals           []string
}

type customField struct {
	Field
	num int
}

type securityLevel struct {
	SecurityLevel
	members map[*user]bool
	proj    *project
}

type linkType struct{ id, name, inward, outward string }

// issueData is the part of an issue search sees; it is copied so that a
// lagging search index can keep an older version.
type issueData struct {
	typ            *IssueType
	summary        string
	description    string
	environment    string
	status         *status
	priority       *priority
	resolution     *resolution
	resolutionDate time.Time
	assignee       *user
	reporter       *user
	creator        *user
	labels         []string
	components     []*Component
	fixVersions    []*Version
	versions       []*Version
	dueDate        string
	parent         *issueRec
	security       *securityLevel
	custom         map[string]any
	created        time.Time
	updated        time.Time
	statusChanged  time.Time
}

func (d issueData) clone() *issueData {
	c := d
	c.labels = slices.Clone(d.labels)
	c.components = slices.Clone(d.components)
	c.fixVersions = slices.Clone(d.fixVersions)
	c.versions = slices.Clone(d.versions)
	if d.custom != nil {
		c.custom = make(map[string]any, len(d.custom))
		for k, v := range d.custom {
			c.custom[k] = v
		}
	}
	return &c
}

type issueRec struct {
	id        int64
	idStr     string
	key       string
	num       int
	proj      *project
	cur       issueData
	prev      *issueData // what a lagging search index still shows
	changedAt time.Time
	deleted   bool
	keyVals   []string
	ix        issueIndexKeys

	comments    []*comment
	worklogs    []*worklog
	attachments []*attachment
	links       []*issueLink
	remoteLinks []*remoteLink
	watchers    []*user
	votes       int
	properties  map[string]json.RawMessage
	changelog   []*history
	subtasks    []*issueRec
	request     *sdRequest // set when the issue is a customer request
}

type comment struct {
	id         int64
	issue      *issueRec
	author     *user
	updater    *user
	body       string
	visibility *Visibility
	created    time.Time
	updated    time.Time
	deleted    bool
	properties entityProps
	// internal hides the comment from service desk customers.
	internal bool
}

type worklog struct {
	id         int64
	issue      *issueRec
	author     *user
	updater    *user
	comment    string
	started    time.Time
	seconds    int64
	created    time.Time
	updated    time.Time
	visibility *Visibility
	deleted    bool
	properties entityProps
}

type worklogChange struct {
	id      int64
	at      time.Time
	deleted bool
}

type attachment struct {
	id       int64
	issue    *issueRec
	author   *user
	filename string
	mime     string
	content  []byte
	created  time.Time
}

type issueLink struct {
	id       int64
	typ      *linkType
	inward   *issueRec
	outward  *issueRec
	created  time.Time
	createdB *user
}

type history struct {
	id      int64
	author  *user
	created time.Time
	items   []changeItem
}

type changeItem struct {
	field, fieldtype, fieldID string
	from, fromString          *string
	to, toString              *string
}

// ---- lookups (callers hold s.mu) ----

func (st *store) user(id string) *user {
	if id == "" {
		return nil
	}
	if u, ok := st.userByAny[id]; ok {
		return u
	}
	return st.userByAny[strings.ToLower(id)]
}

func (st *store) project(id string) *project {
	if p, ok := st.projByAny[id]; ok {
		return p
	}
	return st.projByAny[strings.ToUpper(id)]
}

func (st *store) issue(idOrKey string) *issueRec {
	if r, ok := st.byKey[strings.ToUpper(idOrKey)]; ok && !r.deleted {
		return r
	}
	if n, err := strconv.ParseInt(idOrKey, 10, 64); err == nil {
		if r, ok := st.byID[n]; ok && !r.deleted {
			return r
		}
	}
	return nil
}

// named is a thing found by its ID or, in any case, by its name.
type named interface{ idAndName() (id, name string) }

func (p *priority) idAndName() (string, string)      { return p.id, p.name }
func (r *resolution) idAndName() (string, string)    { return r.id, r.name }
func (t *IssueType) idAndName() (string, string)     { return t.ID, t.Name }
func (st *status) idAndName() (string, string)       { return st.ID, st.Name }
func (c *Component) idAndName() (string, string)     { return c.ID, c.Name }
func (v *Version) idAndName() (string, string)       { return v.ID, v.Name }
func (l *securityLevel) idAndName() (string, string) { return l.ID, l.Name }

// idAndNameOf is x's ID and name, or two empty strings for nil.
func idAndNameOf[P interface {
	*E
	named
}, E any](x P) (id, name string) {
	if x == nil {
		return "", ""
	}
	return x.idAndName()
}

// idOf is x's ID, or "" for nil.
func idOf[P interface {
	*E
	named
}, E any](x P) string {
	id, _ := idAndNameOf(x)
	return id
}

// nameOf is x's name, or "" for nil.
func nameOf[P interface {
	*E
	named
}, E any](x P) string {
	_, name := idAndNameOf(x)
	return name
}

// byIDOrName returns the first of items whose ID is v or whose name is v
// in any case, or the zero T.
func byIDOrName[T named](items []T, v string) T {
	for _, x := range items {
		if id, name := x.idAndName(); id == v || strings.EqualFold(name, v) {
			return x
		}
	}
	var none T
	return none
}

func (st *store) priorityBy(v string) *priority { return byIDOrName(st.priorities, v) }

func (st *store) resolutionBy(v string) *resolution { return byIDOrName(st.resolution, v) }

func (st *store) fieldBy(v string) *customField {
	if f, ok := st.fieldByID[v]; ok {
		return f
	}
	if strings.HasPrefix(strings.ToLower(v), "cf[") && strings.HasSuffix(v, "]") {
		return st.fieldByID["customfield_"+v[3:len(v)-1]]
	}
	for _, f := range st.fields {
		if strings.EqualFold(f.Name, v) {
			return f
		}
	}
	return nil
}

func (p *project) typeBy(v string) *IssueType { return byIDOrName(p.types, v) }

func (p *project) statusBy(v string) *status { return byIDOrName(p.statuses, v) }

func (p *project) componentBy(v string) *Component { return byIDOrName(p.components, v) }

func (p *project) versionBy(v string) *Version { return byIDOrName(p.versions, v) }

func (p *project) levelBy(v string) *securityLevel { return byIDOrName(p.levels, v) }

// insertIssue adds a new issue to the indexes.
func (st *store) insertIssue(r *issueRec) {
	st.issues = append(st.issues, r)
	st.byID[r.id] = r
	st.byKey[r.key] = r
	st.live++
	st.reindex(r)
	if st.createdOK {
		n := len(st.byCreated)
		if n == 0 || !createdLess(r, st.byCreated[n-1]) {
			st.byCreated = append(st.byCreated, r)
		} else {
			st.createdOK = false
		}
	}
}

func createdLess(a, b *issueRec) bool {
	if !a.cur.created.Equal(b.cur.created) {
		return a.cur.created.Before(b.cur.created)
	}
	return a.id < b.id
}

// createdIndex returns the issues sorted by creation time (deleted ones
// included; callers skip them).
func (st *store) createdIndex() []*issueRec {
	if !st.createdOK {
		st.byCreated = slices.Clone(st.issues)
		sort.Slice(st.byCreated, func(i, j int) bool { return createdLess(st.byCreated[i], st.byCreated[j]) })
		st.createdOK = true
	}
	return st.byCreated
}

// ---- seeding API ----

// AddUser adds an account and returns it with generated fields filled in.
// Adding a user whose account id, name or email exists replaces nothing
// and returns the existing user.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u).User
}

func (s *Server) addUserLocked(in User) *user {
	st := s.st
	for _, id := range []string{in.AccountID, in.Name, in.Email} {
		if ex := st.user(id); ex != nil {
			return ex
		}
	}
	st.nextUserN++
	n := st.nextUserN
	u := &user{User: in}
	if u.Name == "" {
		switch {
		case u.Email != "":
			u.Name, _, _ = strings.Cut(u.Email, "@")
		case u.DisplayName != "":
			u.Name = strings.ToLower(strings.ReplaceAll(u.DisplayName, " ", "."))
		default:
			u.Name = fmt.Sprintf("user%d", n)
		}
	}
	if u.Email == "" {
		u.Email = u.Name + "@example.com"
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	if u.AccountID == "" {
		u.AccountID = fmt.Sprintf("5b10ac8d82e05b22cc7d%04x", 0x4d00+n)
	}
	if u.Key == "" {
		u.Key = fmt.Sprintf("JIRAUSER%d", 10000+n)
	}
	if u.TimeZone == nil {
		u.TimeZone = s.tz
	}
	u.Groups = slices.Clone(u.Groups)
	if !slices.Contains(u.Groups, "jira-users") {
		u.Groups = append(u.Groups, "jira-users")
	}
	if u.Admin && !slices.Contains(u.Groups, "jira-administrators") {
		u.Groups = append(u.Groups, "jira-administrators")
	}
	u.Active = true
	u.ids = []string{u.AccountID, u.Name, u.Key, u.DisplayName, u.Email}
	st.users = append(st.users, u)
	for _, id := range []string{u.AccountID, u.Name, u.Key} {
		st.userByAny[id] = u
	}
	st.userByAny[strings.ToLower(u.Email)] = u
	return u
}

// DeactivateUser marks a user inactive; inactive users cannot log in.
func (s *Server) DeactivateUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.user(id)
	if u == nil {
		return false
	}
	u.Active = false
	return true
}

// User returns a user by any identifier (account id, name, key or email).
func (s *Server) User(id string) (User, bool) {
	return inspect(s, func() *user { return s.st.user(id) }, func(u *user) User { return u.User })
}

// DefaultIssueTypes are the issue types a project gets when none are given.
func DefaultIssueTypes() []IssueType {
	return []IssueType{
		{ID: "10001", Name: "Task", Description: "A small, distinct piece of work."},
		{ID: "10002", Name: "Bug", Description: "A problem or error."},
		{ID: "10003", Name: "Story", Description: "A user story."},
		{ID: "10004", Name: "Sub-task", Description: "A small piece of work that's part of a larger task.", Subtask: true},
	}
}

// DefaultWorkflow is the workflow a project gets when none is given:
// To Do -> In Progress -> Done with "Start Progress", "Stop Progress",
// "Done" (with a resolution field) and "Reopen".
func DefaultWorkflow() Workflow {
	return Workflow{
		Statuses: []Status{
			{ID: "10000", Name: "To Do", Category: "new"},
			{ID: "3", Name: "In Progress", Category: "indeterminate"},
			{ID: "10001", Name: "Done", Category: "done"},
		},
		Initial: "To Do",
		Transitions: []Transition{
			{ID: "11", Name: "Start Progress", From: []string{"To Do"}, To: "In Progress"},
			{ID: "21", Name: "Stop Progress", From: []string{"In Progress"}, To: "To Do"},
			{ID: "31", Name: "Done", From: []string{"To Do", "In Progress"}, To: "Done", Resolution: true},
			{ID: "41", Name: "Reopen", From: []string{"Done"}, To: "To Do"},
		},
	}
}

// AddProject adds a project and returns it with generated fields filled
// in. Adding an existing key returns the existing project. It panics on an
// invalid key or workflow, a mistake in the test's seeding.
func (s *Server) AddProject(p Project) Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, err := s.addProjectLocked(p)
	if err != nil {
		panic("jiratest: AddProject: " + err.Error())
	}
	return s.projectSnapshot(pr)
}

func validProjectKey(k string) bool {
	if len(k) < 2 || len(k) > 10 || k[0] < 'A' || k[0] > 'Z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (s *Server) addProjectLocked(in Project) (*project, error) {
	st := s.st
	in.Key = strings.ToUpper(in.Key)
	if ex := st.project(in.Key); ex != nil && in.Key != "" {
		return ex, nil
	}
	if !validProjectKey(in.Key) {
		return nil, fmt.Errorf("project key %q is invalid: use 2-10 upper-case letters or digits starting with a letter", in.Key)
	}
	p := &project{key: in.Key, name: in.Name, desc: in.Description, typeKey: in.TypeKey, created: s.stamp()}
	if in.ID != "" {
		p.id = in.ID
	} else {
		p.id = strconv.Itoa(st.nextProjectID)
		st.nextProjectID++
	}
	if p.name == "" {
		p.name = in.Key
	}
	if p.typeKey == "" {
		p.typeKey = "software"
	}
	p.lead = st.user(in.Lead)
	if p.lead == nil && len(st.users) > 0 {
		p.lead = st.users[0]
	}
	types := in.IssueTypes
	if len(types) == 0 {
		types = DefaultIssueTypes()
	}
	for _, t := range types {
		t := t
		if t.ID == "" {
			t.ID = strconv.Itoa(st.nextTypeID + 100)
			st.nextTypeID++
		}
		p.types = append(p.types, &t)
	}
	wf := DefaultWorkflow()
	setIfGiven(&wf, in.Workflow)
	for _, stt := range wf.Statuses {
		if stt.ID == "" {
			stt.ID = strconv.Itoa(st.nextStatusID)
			st.nextStatusID++
		}
		if stt.Category == "" {
			stt.Category = "indeterminate"
		}
		p.statuses = append(p.statuses, &status{Status: stt, vals: []string{stt.Name, stt.ID}})
	}
	if len(p.statuses) == 0 {
		return nil, fmt.Errorf("project %s: the workflow needs at least one status", in.Key)
	}
	p.initial = p.statusBy(wf.Initial)
	if p.initial == nil {
		p.initial = p.statuses[0]
	}
	for i, t := range wf.Transitions {
		if t.ID == "" {
			t.ID = strconv.Itoa(11 + 10*i)
		}
		if p.statusBy(t.To) == nil {
			return nil, fmt.Errorf("project %s: transition %q goes to unknown status %q", in.Key, t.Name, t.To)
		}
		p.transitions = append(p.transitions, t)
	}
	p.vals = []string{p.key, p.id, p.name}
	st.projects = append(st.projects, p)
	st.projByAny[p.key] = p
	st.projByAny[p.id] = p
	for _, c := range in.Components {
		s.addComponentLocked(p, c)
	}
	for _, v := range in.Versions {
		s.addVersionLocked(p, v)
	}
	return p, nil
}

func (s *Server) addComponentLocked(p *project, c Component) *Component {
	c.Project = p.key
	return file(&c, &c.ID, &s.st.nextCompID, &p.components, s.st.components)
}

func (s *Server) addVersionLocked(p *project, v Version) *Version {
	v.Project = p.key
	return file(&v, &v.ID, &s.st.nextVersionID, &p.versions, s.st.versions)
}

// file gives x, whose ID is *id, the next number of its kind when it has
// no ID yet, and adds it to its project's list and the store's index.
func file[T any](x *T, id *string, next *int, list *[]*T, index map[string]*T) *T {
	if *id == "" {
		*id = strconv.Itoa(*next)
		*next++
	}
	*list = append(*list, x)
	index[*id] = x
	return x
}

func (s *Server) projectSnapshot(p *project) Project {
	out := Project{ID: p.id, Key: p.key, Name: p.name, Description: p.desc, TypeKey: p.typeKey}
	if p.lead != nil {
		out.Lead = p.lead.ID(s.mode)
	}
	for _, t := range p.types {
		out.IssueTypes = append(out.IssueTypes, *t)
	}
	wf := &Workflow{Initial: p.initial.Name, Transitions: slices.Clone(p.transitions)}
	for _, st := range p.statuses {
		wf.Statuses = append(wf.Statuses, st.Status)
	}
	out.Workflow = wf
	for _, c := range p.components {
		out.Components = append(out.Components, *c)
	}
	for _, v := range p.versions {
		out.Versions = append(out.Versions, *v)
	}
	return out
}

// AllPermissions lists the project permission keys the simulator knows.
var AllPermissions = []string{
	"ADD_COMMENTS", "ADMINISTER_PROJECTS", "ASSIGN_ISSUES", "ASSIGNABLE_USER", "BROWSE_PROJECTS",
	"CLOSE_ISSUES", "CREATE_ATTACHMENTS", "CREATE_ISSUES", "DELETE_ALL_ATTACHMENTS", "DELETE_ALL_COMMENTS",
	"DELETE_ALL_WORKLOGS", "DELETE_ISSUES", "DELETE_OWN_ATTACHMENTS", "DELETE_OWN_COMMENTS",
	"DELETE_OWN_WORKLOGS", "EDIT_ALL_COMMENTS", "EDIT_ALL_WORKLOGS", "EDIT_ISSUES", "EDIT_OWN_COMMENTS",
	"EDIT_OWN_WORKLOGS", "LINK_ISSUES", "MANAGE_SPRINTS_PERMISSION", "MANAGE_WATCHERS", "MODIFY_REPORTER", "MOVE_ISSUES",
	"RESOLVE_ISSUES", "SCHEDULE_ISSUES", "SET_ISSUE_SECURITY", "TRANSITION_ISSUES", "VIEW_VOTERS_AND_WATCHERS",
	"WORK_ON_ISSUES",
}

// SetPermission restricts a user in a project to exactly the given
// permissions (keys from AllPermissions). Users not restricted have every
// project permission. It panics on an unknown project or user, a mistake
// in the test's seeding.
func (s *Server) SetPermission(projectKey, userID string, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, u := s.st.restrictable("SetPermission", projectKey, userID)
	set := map[string]bool{}
	for _, x := range perms {
		set[strings.ToUpper(x)] = true
	}
	p.restricted[u] = set
}

// RevokePermission removes permissions from a user in a project. It
// panics on an unknown project or user.
func (s *Server) RevokePermission(projectKey, userID string, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, u := s.st.restrictable("RevokePermission", projectKey, userID)
	set, ok := p.restricted[u]
	if !ok {
		set = map[string]bool{}
		for _, x := range AllPermissions {
			set[x] = true
		}
		p.restricted[u] = set
	}
	for _, x := range perms {
		delete(set, strings.ToUpper(x))
	}
}

// restrictable returns the project and user whose permissions the
// seeding method caller sets, ready to hold restrictions; it panics on an
// unknown project or user, a mistake in the test's seeding.
func (st *store) restrictable(caller, projectKey, userID string) (*project, *user) {
	p, u := st.project(projectKey), st.user(userID)
	if p == nil || u == nil {
		panic(fmt.Sprintf("jiratest: %s: unknown project %q or user %q", caller, projectKey, userID))
	}
	if p.restricted == nil {
		p.restricted = map[*user]map[string]bool{}
	}
	return p, u
}

// can reports whether u holds a project permission in p.
func (p *project) can(u *user, perm string) bool {
	if u == nil {
		return false
	}
	set, ok := p.restricted[u]
	if !ok {
		return true
	}
	return set[perm]
}

// AddCustomField adds a custom field and returns it with its id.
func (s *Server) AddCustomField(f Field) Field {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if f.ID == "" {
		f.ID = fmt.Sprintf("customfield_%d", st.nextFieldID)
		st.nextFieldID++
	}
	if f.Type == "" {
		f.Type = "string"
	}
	if f.Name == "" {
		f.Name = f.ID
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(f.ID, "customfield_"))
	cf := &customField{Field: f, num: n}
	st.fields = append(st.fields, cf)
	st.fieldByID[f.ID] = cf
	return f
}

// AddSecurityLevel adds an issue security level to a project; only its
// members (and nobody else) can see issues at that level. It panics on an
// unknown project or user.
func (s *Server) AddSecurityLevel(projectKey, name string, members ...string) SecurityLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.project(projectKey)
	if p == nil {
		panic(fmt.Sprintf("jiratest: AddSecurityLevel: unknown project %q", projectKey))
	}
	l := &securityLevel{SecurityLevel: SecurityLevel{ID: strconv.Itoa(s.st.nextLevelID), Name: name, Project: p.key}, members: map[*user]bool{}, proj: p}
	s.st.nextLevelID++
	for _, m := range members {
		u := s.st.user(m)
		if u == nil {
			panic(fmt.Sprintf("jiratest: AddSecurityLevel: unknown user %q", m))
		}
		l.members[u] = true
		l.Members = append(l.Members, u.ID(s.mode))
	}
	p.levels = append(p.levels, l)
	s.st.levels[l.ID] = l
	return l.SecurityLevel
}

// canSee reports whether u may browse the issue (project permission and
// security level).
func (r *issueRec) canSee(u *user) bool {
	if !r.proj.can(u, "BROWSE_PROJECTS") {
		return false
	}
	if l := r.cur.security; l != nil && !l.members[u] {
		return false
	}
	return true
}
