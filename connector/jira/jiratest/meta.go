package jiratest

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}

// ---- projects ----

func (s *Server) projectJSON(p *project, expand map[string]bool) map[string]any {
	m := s.projectShortJSON(p)
	m["description"] = p.desc
	m["expand"] = "description,lead,issueTypes,url,projectKeys,permissions,insight"
	m["isPrivate"] = false
	m["style"] = "classic"
	m["properties"] = map[string]any{}
	if p.lead != nil {
		m["lead"] = s.userJSON(p.lead, false)
	}
	types := jsonList(p.types, s.issueTypeJSON)
	m["issueTypes"] = types
	comps := jsonList(p.components, s.componentJSON)
	m["components"] = comps
	m["versions"] = s.versionsJSON(p.versions)
	m["assigneeType"] = "UNASSIGNED"
	m["roles"] = map[string]any{}
	return m
}

func (s *Server) browsable(u *user) []*project {
	var out []*project
	for _, p := range s.st.projects {
		if p.can(u, "BROWSE_PROJECTS") {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) handleProjectList(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := jsonList(s.browsable(c.user), s.projectShortJSON)
	c.json(http.StatusOK, out)
}

func (s *Server) handleProjectSearch(c *call) {
	start, max := max0(intParam(c, "startAt", 0)), intParam(c, "maxResults", 50)
	if max <= 0 {
		max = 50
	}
	max = min(max, 100)
	q := strings.ToLower(c.query("query"))
	var keys []string
	if k := c.query("keys"); k != "" {
		keys = strings.Split(k, ",")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var list []*project
	for _, p := range s.browsable(c.user) {
		if q != "" && !strings.Contains(strings.ToLower(p.key), q) && !strings.Contains(strings.ToLower(p.name), q) {
			continue
		}
		if len(keys) > 0 && !slices.Contains(keys, p.key) && !slices.Contains(keys, p.id) {
			continue
		}
		list = append(list, p)
	}
	page, last := pageOf(list, start, max)
	vals := jsonList(page, func(p *project) map[string]any { return s.projectJSON(p, nil) })
	out := map[string]any{"self": s.url + c.r.URL.String(), "maxResults": max, "startAt": start, "total": len(list), "isLast": last, "values": vals}
	if !last {
		out["nextPage"] = s.url + "/rest/api/2/project/search?startAt=" + strconv.Itoa(start+max) + "&maxResults=" + strconv.Itoa(max)
	}
	c.json(http.StatusOK, out)
}

func (s *Server) projectFor(c *call, ref string) (*project, *apiError) {
	p := s.st.project(ref)
	if p == nil || !p.can(c.user, "BROWSE_PROJECTS") {
		return nil, errf(http.StatusNotFound, "No project could be found with key '%s'.", ref)
	}
	return p, nil
}

func (s *Server) handleProjectGet(c *call, p *project) {
	c.json(http.StatusOK, s.projectJSON(p, nil))
}

type projectBody struct {
	Key            string `json:"key"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	ProjectTypeKey string `json:"projectTypeKey"`
	LeadAccountID  string `json:"leadAccountId"`
	Lead           string `json:"lead"`
	AssigneeType   string `json:"assigneeType"`
}

func (s *Server) handleProjectCreate(c *call) {
	var b projectBody
	if !decoded(c, &b) {
		return
	}
	if !c.user.Admin {
		c.fail(permissionErr("ADMINISTER", "You must have global administrator rights in order to create projects."))
		return
	}
	e := &apiError{status: http.StatusBadRequest}
	if b.Key == "" {
		e.add("projectKey", "You must specify a unique project key, at least 2 characters long, containing only uppercase letters.")
	} else if !validProjectKey(b.Key) {
		e.add("projectKey", "Project keys must start with an uppercase letter, followed by one or more uppercase alphanumeric characters.")
	}
	if b.Name == "" {
		e.add("projectName", "You must specify a valid project name.")
	}
	lead := b.LeadAccountID
	if s.mode == DataCenter {
		lead = b.Lead
	}
	if lead == "" {
		e.add("projectLead", "You must specify a valid project lead.")
	}
	if b.ProjectTypeKey != "" && !slices.Contains([]string{"software", "business", "service_desk"}, b.ProjectTypeKey) {
		e.add("projectTypeKey", "Project type '"+b.ProjectTypeKey+"' is not valid: use software, business or service_desk.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if lead != "" && s.st.user(lead) == nil {
		e.add("projectLead", "The user '"+lead+"' does not exist.")
	}
	if s.st.project(b.Key) != nil {
		e.add("projectKey", "Project '"+b.Key+"' uses this project key.")
	}
	if len(e.fields) > 0 {
		c.fail(e)
		return
	}
	p, err := s.addProjectLocked(Project{Key: b.Key, Name: b.Name, Description: b.Description, Lead: lead, TypeKey: b.ProjectTypeKey})
	if err != nil {
		c.fail(fieldErr(http.StatusBadRequest, "projectKey", err.Error()))
		return
	}
	id, _ := strconv.Atoi(p.id)
	c.json(http.StatusCreated, map[string]any{"self": s.url + "/rest/api/2/project/" + p.id, "id": id, "key": p.key})
}

func (s *Server) handleProjectUpdate(c *call, b *projectBody) {
	p := s.pathProject(c)
	if p == nil {
		return
	}
	if !c.user.Admin && !p.can(c.user, "ADMINISTER_PROJECTS") {
		c.fail(permissionErr("ADMINISTER_PROJECTS", "You do not have permission to administer this project."))
		return
	}
	if b.Name != "" {
		p.name = b.Name
		p.vals = []string{p.key, p.id, p.name}
	}
	if b.Description != "" {
		p.desc = b.Description
	}
	lead := b.LeadAccountID
	if s.mode == DataCenter {
		lead = b.Lead
	}
	if lead != "" {
		u := s.st.user(lead)
		if u == nil {
			c.fail(fieldErr(http.StatusBadRequest, "projectLead", "The user '"+lead+"' does not exist."))
			return
		}
		p.lead = u
	}
	c.json(http.StatusOK, s.projectJSON(p, nil))
}

func (s *Server) handleProjectStatuses(c *call, p *project) {
	out := []any{}
	for _, t := range p.types {
		sts := []any{}
		for _, st := range p.statuses {
			sts = append(sts, s.statusJSON(st))
		}
		out = append(out, map[string]any{"self": s.url + "/rest/api/2/issuetype/" + t.ID, "id": t.ID, "name": t.Name, "subtask": t.Subtask, "statuses": sts})
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handlePriorities(c *call) {
	out := []any{}
	for _, p := range s.st.priorities {
		m := s.priorityJSON(p)
		m["description"], m["statusColor"] = p.name, "#cccccc"
		out = append(out, m)
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleResolutions(c *call) {
	out := jsonList(s.st.resolution, s.resolutionJSON)
	c.json(http.StatusOK, out)
}

func (s *Server) handleLinkTypes(c *call) {
	out := jsonList(s.st.linkTypes, s.linkTypeJSON)
	c.json(http.StatusOK, map[string]any{"issueLinkTypes": out})
}

// ---- fields and metadata ----

func (s *Server) handleFields(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []any{}
	for i := range systemFields {
		f := &systemFields[i]
		clauses := f.clause
		if clauses == nil {
			clauses = []string{}
		}
		out = append(out, map[string]any{"id": f.id, "key": f.id, "name": f.name, "custom": false, "orderable": f.orderable,
			"navigable": f.navigable, "searchable": len(f.clause) > 0, "clauseNames": clauses, "schema": schemaOf(f)})
	}
	for _, f := range s.st.fields {
		out = append(out, map[string]any{"id": f.ID, "key": f.ID, "name": f.Name, "custom": true, "orderable": true, "navigable": true,
			"searchable": true, "clauseNames": []string{"cf[" + strconv.Itoa(f.num) + "]", f.Name}, "schema": customSchema(f)})
	}
	c.json(http.StatusOK, out)
}

type metaField struct {
	id       string
	name     string
	required bool
	schema   map[string]any
	ops      []string
	allowed  []any
	auto     string
	def      any
}

// fieldMetas lists the fields on the create (or edit) screen of a type.
func (s *Server) fieldMetas(p *project, t *IssueType, edit bool) []metaField {
	var out []metaField
	sys := func(id string, required bool, ops []string) metaField {
		f := sysFieldBy(id)
		return metaField{id: id, name: f.name, required: required, schema: schemaOf(f), ops: ops}
	}
	if !edit {
		pf := sys("project", true, []string{"set"})
		pf.allowed = []any{s.projectShortJSON(p)}
		out = append(out, pf)
	}
	it := sys("issuetype", true, []string{})
	for _, x := range p.types {
		if x.Subtask == t.Subtask {
			it.allowed = append(it.allowed, s.issueTypeJSON(x))
		}
	}
	out = append(out, it)
	out = append(out, sys("summary", true, []string{"set"}), sys("description", false, []string{"set"}))
	pr := sys("priority", false, []string{"set"})
	for _, x := range s.st.priorities {
		pr.allowed = append(pr.allowed, s.priorityJSON(x))
	}
	pr.def = s.priorityJSON(s.st.priorityBy("Medium"))
	out = append(out, pr)
	lb := sys("labels", false, []string{"add", "set", "remove"})
	lb.auto = s.url + "/rest/api/1.0/labels/suggest?query="
	out = append(out, lb)
	as := sys("assignee", false, []string{"set"})
	as.auto = s.url + "/rest/api/2/user/assignable/search?project=" + p.key + "&query="
	rp := sys("reporter", true, []string{"set"})
	rp.auto = s.url + "/rest/api/2/user/search?query="
	out = append(out, as, rp)
	cp := sys("components", false, []string{"add", "set", "remove"})
	cp.allowed = []any{}
	for _, x := range p.components {
		cp.allowed = append(cp.allowed, s.componentJSON(x))
	}
	fv := sys("fixVersions", false, []string{"set", "add", "remove"})
	fv.allowed = s.versionsJSON(p.versions)
	out = append(out, cp, fv, sys("duedate", false, []string{"set"}))
	if t.Subtask {
		out = append(out, sys("parent", true, []string{"set"}))
	}
	if len(p.levels) > 0 {
		sl := sys("security", false, []string{"set"})
		for _, l := range p.levels {
			sl.allowed = append(sl.allowed, map[string]any{"id": l.ID, "name": l.Name, "self": s.url + "/rest/api/2/securitylevel/" + l.ID})
		}
		out = append(out, sl)
	}
	if edit {
		out = append(out, sys("comment", false, []string{"add", "edit", "remove"}))
	}
	for _, f := range s.st.fields {
		if len(f.IssueTypes) > 0 && !slices.Contains(f.IssueTypes, t.Name) {
			continue
		}
		mf := metaField{id: f.ID, name: f.Name, required: f.Required && !edit, schema: customSchema(f), ops: []string{"set"}}
		if f.Type == "options" || f.Type == "labels" {
			mf.ops = []string{"add", "set", "remove"}
		}
		if f.Type == "option" || f.Type == "options" {
			for i, v := range f.AllowedValues {
				id := strconv.Itoa(f.num*100 + i + 1)
				mf.allowed = append(mf.allowed, map[string]any{"value": v, "id": id, "self": s.url + "/rest/api/2/customFieldOption/" + id})
			}
		}
		out = append(out, mf)
	}
	return out
}

func (m metaField) json(withID bool) map[string]any {
	out := map[string]any{"required": m.required, "schema": m.schema, "name": m.name, "key": m.id, "operations": m.ops, "hasDefaultValue": m.def != nil}
	if m.ops == nil {
		out["operations"] = []string{}
	}
	if withID {
		out["fieldId"] = m.id
	}
	if m.allowed != nil {
		out["allowedValues"] = m.allowed
	}
	if m.auto != "" {
		out["autoCompleteUrl"] = m.auto
	}
	if m.def != nil {
		out["defaultValue"] = m.def
	}
	return out
}

// pageOf returns list[start:start+max] clipped to the list, and whether
// that page is the last. max comes from the query and may be as large as
// an int holds, so the end is computed without start+max overflowing.
func pageOf[T any](list []T, start, max int) ([]T, bool) {
	if start >= len(list) {
		return nil, true
	}
	end := start + min(max, len(list)-start)
	return list[start:end], end >= len(list)
}

func (s *Server) metaPaging(c *call) (int, int, *apiError) {
	start, max := max0(intParam(c, "startAt", 0)), intParam(c, "maxResults", 50)
	if max > 200 {
		return 0, 0, errf(http.StatusBadRequest, "Parameter 'maxResults' must not exceed the limit '200'")
	}
	if max <= 0 {
		max = 50
	}
	return start, max, nil
}

func (s *Server) handleCreateMetaTypes(c *call) {
	s.createMeta(c, func(p *project, start, max int) {
		if allowed(c, p, "CREATE_ISSUES", "You do not have permission to create issues in this project.") {
			createMetaPage(s, c, p.types, start, max, "issueTypes", s.issueTypeJSON)
		}
	})
}

func (s *Server) handleCreateMetaFields(c *call) {
	s.createMeta(c, func(p *project, start, max int) {
		t := p.typeBy(c.param(1))
		if t == nil {
			c.fail(errf(http.StatusNotFound, "Issue type with id '%s' does not exist in project %s.", c.param(1), p.key))
			return
		}
		createMetaPage(s, c, s.fieldMetas(p, t, false), start, max, "fields", func(m metaField) map[string]any { return m.json(true) })
	})
}

// createMeta reads the page the query asks for (answering 400 for a bad
// one), then runs h with the project of the path under the read lock.
func (s *Server) createMeta(c *call, h func(p *project, start, max int)) {
	start, max, e := s.metaPaging(c)
	if e != nil {
		c.fail(e)
		return
	}
	reading(s, s.pathProject, func(c *call, p *project) { h(p, start, max) })(c)
}

// createMetaPage answers the page of all from start, rendered with
// render, in the mode's form: a list under key on Cloud, values and
// isLast on Data Center.
func createMetaPage[T, J any](s *Server, c *call, all []T, start, max int, key string, render func(T) J) {
	page, last := pageOf(all, start, max)
	list := jsonList(page, render)
	out := map[string]any{"maxResults": max, "startAt": start, "total": len(all)}
	if s.mode == Cloud {
		out[key] = list
	} else {
		out["values"], out["isLast"] = list, last
	}
	c.json(http.StatusOK, out)
}

// handleCreateMetaOld serves Cloud's deprecated /issue/createmeta (Data
// Center 9 removed it: the route is Cloud-only, so it answers 404 there).
func (s *Server) handleCreateMetaOld(c *call) {
	q := c.r.URL.Query()
	var want []string
	for _, k := range []string{"projectKeys", "projectIds"} {
		for _, v := range q[k] {
			want = append(want, strings.Split(v, ",")...)
		}
	}
	typeFilter := append(strings.Split(q.Get("issuetypeIds"), ","), strings.Split(q.Get("issuetypeNames"), ",")...)
	typeFilter = slices.DeleteFunc(typeFilter, func(x string) bool { return x == "" })
	withFields := parseExpand(q["expand"]...)["projects.issuetypes.fields"]
	s.mu.RLock()
	defer s.mu.RUnlock()
	projects := []any{}
	for _, p := range s.browsable(c.user) {
		if len(want) > 0 && !slices.Contains(want, p.key) && !slices.Contains(want, p.id) {
			continue
		}
		types := []any{}
		for _, t := range p.types {
			if len(typeFilter) > 0 && !slices.Contains(typeFilter, t.ID) && !slices.Contains(typeFilter, t.Name) {
				continue
			}
			tj := s.issueTypeJSON(t)
			if withFields {
				fields := map[string]any{}
				for _, m := range s.fieldMetas(p, t, false) {
					fields[m.id] = m.json(false)
				}
				tj["fields"] = fields
			}
			types = append(types, tj)
		}
		pj := map[string]any{"self": s.url + "/rest/api/2/project/" + p.id, "id": p.id, "key": p.key, "name": p.name,
			"avatarUrls": s.avatarURLs("project-" + p.key), "issuetypes": types}
		projects = append(projects, pj)
	}
	c.json(http.StatusOK, map[string]any{"expand": "projects", "projects": projects})
}

func (s *Server) editMeta(r *issueRec) map[string]any {
	fields := map[string]any{}
	for _, m := range s.fieldMetas(r.proj, r.cur.typ, true) {
		fields[m.id] = m.json(false)
	}
	return fields
}

func (s *Server) handleEditMeta(c *call, r *issueRec) {
	if !r.proj.can(c.user, "EDIT_ISSUES") {
		c.json(http.StatusOK, map[string]any{"fields": map[string]any{}})
		return
	}
	c.json(http.StatusOK, map[string]any{"fields": s.editMeta(r)})
}

// ---- users ----

func (s *Server) matchUsers(q string) []*user {
	q = strings.ToLower(q)
	var out []*user
	for _, u := range s.st.users {
		if q == "" || strings.HasPrefix(strings.ToLower(u.DisplayName), q) || strings.Contains(strings.ToLower(u.Email), q) ||
			strings.HasPrefix(strings.ToLower(u.Name), q) || strings.Contains(strings.ToLower(u.DisplayName), " "+q) || u.AccountID == q {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) userList(c *call, list []*user) {
	start, max := max0(intParam(c, "startAt", 0)), intParam(c, "maxResults", 50)
	if max <= 0 || max > 1000 {
		max = 50
	}
	page, _ := pageOf(list, start, max)
	out := []any{}
	for _, u := range page {
		out = append(out, s.userJSON(u, true))
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleUserSearch(c *call) {
	q := c.r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var term string
	if s.mode == Cloud {
		if q.Has("username") {
			c.fail(errf(http.StatusBadRequest, "The username query parameter is not supported in GDPR strict mode: use query or accountId."))
			return
		}
		term = q.Get("query")
		if id := q.Get("accountId"); id != "" {
			term = id
		}
		if term == "" && !q.Has("property") {
			c.fail(errf(http.StatusBadRequest, "One of 'query' or 'accountId' or 'property' query parameter must be provided."))
			return
		}
	} else {
		term = q.Get("username")
		if !q.Has("username") {
			c.fail(errf(http.StatusBadRequest, "The username query parameter was not provided"))
			return
		}
		if term == "." {
			term = ""
		}
	}
	list := s.matchUsers(term)
	if !parseBool(q.Get("includeInactive")) {
		list = slices.DeleteFunc(list, func(u *user) bool { return !u.Active })
	}
	s.userList(c, list)
}

func parseBool(v string) bool { b, _ := strconv.ParseBool(v); return b }

func (s *Server) handleAssignableSearch(c *call) {
	q := c.r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var p *project
	if k := q.Get("issueKey"); k != "" {
		r, e := s.issueFor(c, k)
		if e != nil {
			c.fail(e)
			return
		}
		p = r.proj
	} else if k := q.Get("project"); k != "" {
		var e *apiError
		if p, e = s.projectFor(c, k); e != nil {
			c.fail(e)
			return
		}
	} else {
		c.fail(errf(http.StatusBadRequest, "Specify the project or issueKey parameter."))
		return
	}
	term := q.Get("query")
	if s.mode == DataCenter {
		term = q.Get("username")
	}
	if id := q.Get("accountId"); id != "" && s.mode == Cloud {
		term = id
	}
	list := slices.DeleteFunc(s.matchUsers(term), func(u *user) bool { return !u.Active || !p.can(u, "ASSIGNABLE_USER") })
	s.userList(c, list)
}

func (s *Server) handleUserGet(c *call) {
	q := c.r.URL.Query()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var u *user
	if s.mode == Cloud {
		if q.Has("username") || q.Has("key") {
			c.fail(errf(http.StatusBadRequest, "The username and key query parameters are not supported in GDPR strict mode: use accountId."))
			return
		}
		if id := q.Get("accountId"); id != "" {
			if x := s.st.user(id); x != nil && x.AccountID == id {
				u = x
			}
		} else {
			c.fail(errf(http.StatusBadRequest, "The accountId query parameter needs to be provided."))
			return
		}
	} else {
		id := cmp.Or(q.Get("username"), q.Get("key"))
		if id == "" {
			c.fail(errf(http.StatusBadRequest, "Either the 'username' or the 'key' query parameters need to be provided"))
			return
		}
		if x := s.st.user(id); x != nil && (x.Name == id || x.Key == id) {
			u = x
		}
	}
	if u == nil {
		c.fail(errf(http.StatusNotFound, "The user with the given identifier does not exist."))
		return
	}
	m := s.userJSON(u, true)
	m["locale"] = "en_US"
	groups := []any{}
	for _, g := range u.Groups {
		groups = append(groups, map[string]any{"name": g})
	}
	m["groups"] = map[string]any{"size": len(groups), "items": groups}
	m["applicationRoles"] = map[string]any{"size": 1, "items": []any{}}
	c.json(http.StatusOK, m)
}

// ---- versions and components ----

func (s *Server) canAdminProject(u *user, p *project) bool {
	return u.Admin || p.can(u, "ADMINISTER_PROJECTS")
}

// mayConfigure answers 403 unless the caller may change p's versions and
// components.
func (s *Server) mayConfigure(c *call, p *project) bool {
	if !s.canAdminProject(c.user, p) {
		c.fail(permissionErr("ADMINISTER_PROJECTS", "You cannot edit the configuration of this project."))
		return false
	}
	return true
}

// projectToConfigure resolves the project a version or component body
// names (key or id): 400 with missing when there is none the caller can
// see, 403 when the caller may not configure it.
func (s *Server) projectToConfigure(c *call, key string, id any, missing string) *project {
	p := s.st.project(projectRef(key, id))
	if p == nil || !p.can(c.user, "BROWSE_PROJECTS") {
		c.fail(fieldErr(http.StatusBadRequest, "project", missing))
		return nil
	}
	if !s.mayConfigure(c, p) {
		return nil
	}
	return p
}

// newName checks the name of a new version or component: empty answers
// 400 with empty, taken (a name the project already has) 400 with taken.
func newName(c *call, name *string, exists func(string) bool, empty, taken string) bool {
	if name == nil || strings.TrimSpace(*name) == "" {
		c.fail(fieldErr(http.StatusBadRequest, "name", empty))
		return false
	}
	if exists(*name) {
		c.fail(fieldErr(http.StatusBadRequest, "name", taken))
		return false
	}
	return true
}

// pathVersion returns the version the path names if the caller may
// browse its project (and, for a change, configure it), or answers 404
// (403) and returns nil. Callers hold s.mu.
func (s *Server) pathVersion(c *call, change bool) *Version {
	v := s.st.versions[c.param(0)]
	if v == nil || !s.visibleConfig(c, v.Project, change, "Could not find version for id '%s'") {
		return nil
	}
	return v
}

// pathComponent is pathVersion for components.
func (s *Server) pathComponent(c *call, change bool) *Component {
	x := s.st.components[c.param(0)]
	if x == nil || !s.visibleConfig(c, x.Project, change, "The component with id %s does not exist.") {
		return nil
	}
	return x
}

// visibleConfig checks access to a version or component of the project
// key: 404 with notFound (formatted with the path's id) unless the caller
// may browse it, and for a change 403 unless the caller may configure it.
func (s *Server) visibleConfig(c *call, key string, change bool, notFound string) bool {
	p := s.st.project(key)
	if !p.can(c.user, "BROWSE_PROJECTS") {
		c.fail(errf(http.StatusNotFound, notFound, c.param(0)))
		return false
	}
	return !change || s.mayConfigure(c, p)
}

func (s *Server) handleProjectVersions(c *call, p *project) {
	c.json(http.StatusOK, s.versionsJSON(p.versions))
}

func (s *Server) handleProjectVersionsPaged(c *call, p *project) {
	start, max := max0(intParam(c, "startAt", 0)), intParam(c, "maxResults", 50)
	if max <= 0 {
		max = 50
	}
	list := p.versions
	if q := strings.ToLower(c.query("query")); q != "" {
		list = slices.DeleteFunc(slices.Clone(list), func(v *Version) bool { return !strings.Contains(strings.ToLower(v.Name), q) })
	}
	page, last := pageOf(list, start, max)
	out := map[string]any{"self": s.url + c.r.URL.String(), "maxResults": max, "startAt": start, "total": len(list), "isLast": last, "values": s.versionsJSON(page)}
	if !last {
		out["nextPage"] = s.url + "/rest/api/2/project/" + p.key + "/version?startAt=" + strconv.Itoa(start+max) + "&maxResults=" + strconv.Itoa(max)
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleProjectComponents(c *call, p *project) {
	out := jsonList(p.components, s.componentFullJSON)
	c.json(http.StatusOK, out)
}

type versionBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Project     string  `json:"project"`
	ProjectID   any     `json:"projectId"`
	Released    *bool   `json:"released"`
	Archived    *bool   `json:"archived"`
	ReleaseDate *string `json:"releaseDate"`
}

func projectRef(key string, id any) string {
	if key != "" {
		return key
	}
	switch x := id.(type) {
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case string:
		return x
	}
	return ""
}

func (s *Server) handleVersionCreate(c *call, b *versionBody) {
	p := s.projectToConfigure(c, b.Project, b.ProjectID, "Project must be specified to create a version.")
	if p == nil || !newName(c, b.Name, func(n string) bool { return p.versionBy(n) != nil },
		"You must specify a valid version name", "A version with this name already exists in this project.") {
		return
	}
	v := Version{Name: *b.Name}
	if msg := applyVersion(&v, *b); msg != "" {
		c.fail(fieldErr(http.StatusBadRequest, "releaseDate", msg))
		return
	}
	nv := s.addVersionLocked(p, v)
	c.json(http.StatusCreated, s.versionJSON(nv))
}

func applyVersion(v *Version, b versionBody) string {
	setIfGiven(&v.Description, b.Description)
	setIfGiven(&v.Released, b.Released)
	setIfGiven(&v.Archived, b.Archived)
	if b.ReleaseDate != nil {
		if *b.ReleaseDate != "" && !isDate(*b.ReleaseDate) {
			return "Invalid date format. Please enter the date in the format \"yyyy-MM-dd\"."
		}
		v.ReleaseDate = *b.ReleaseDate
	}
	return ""
}

func isDate(v string) bool {
	_, err := parseDay(v)
	return err == nil
}

func (s *Server) handleVersionGet(c *call) { getConfig(s, c, s.pathVersion, s.versionJSON) }

// getConfig serves the GET of a version or component that find locates.
func getConfig[T any](s *Server, c *call, find func(*call, bool) *T, render func(*T) map[string]any) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if x := find(c, false); x != nil {
		c.json(http.StatusOK, render(x))
	}
}

// updateConfig serves the PUT of a version or component: decode the body
// B, find the item for a change, apply the body and answer the result.
func updateConfig[B, T any](s *Server, c *call, find func(*call, bool) *T, apply func(*T, B) *apiError, render func(*T) map[string]any) {
	writingBody(s, func(c *call, b *B) {
		x := find(c, true)
		if x == nil {
			return
		}
		if e := apply(x, *b); e != nil {
			c.fail(e)
			return
		}
		c.json(http.StatusOK, render(x))
	})(c)
}

func (s *Server) handleVersionUpdate(c *call) {
	updateConfig(s, c, s.pathVersion, func(v *Version, b versionBody) *apiError {
		if b.Name != nil && *b.Name != "" {
			v.Name = *b.Name
		}
		if msg := applyVersion(v, b); msg != "" {
			return fieldErr(http.StatusBadRequest, "releaseDate", msg)
		}
		return nil
	}, s.versionJSON)
}

type componentBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Project     string  `json:"project"`
	ProjectID   any     `json:"projectId"`
}

func (s *Server) handleComponentCreate(c *call, b *componentBody) {
	p := s.projectToConfigure(c, b.Project, b.ProjectID, "The project is required: set project to the project key.")
	if p == nil || !newName(c, b.Name, func(n string) bool { return p.componentBy(n) != nil },
		"The component name specified is invalid - cannot be empty.", "A component with the name "+deref(b.Name)+" already exists in this project.") {
		return
	}
	comp := Component{Name: *b.Name}
	setIfGiven(&comp.Description, b.Description)
	nc := s.addComponentLocked(p, comp)
	c.json(http.StatusCreated, s.componentFullJSON(nc))
}

func (s *Server) handleComponentGet(c *call) {
	getConfig(s, c, s.pathComponent, s.componentFullJSON)
}

func (s *Server) handleComponentUpdate(c *call) {
	updateConfig(s, c, s.pathComponent, func(x *Component, b componentBody) *apiError {
		if b.Name != nil && *b.Name != "" {
			x.Name = *b.Name
		}
		setIfGiven(&x.Description, b.Description)
		return nil
	}, s.componentFullJSON)
}
