package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) buildRoutes() []route {
	const api = "/rest/api/2"
	cl, dc := int(Cloud), int(DataCenter)
	s.handle("GET", api+"/serverInfo", both, true, s.handleServerInfo)
	s.handle("GET", api+"/myself", both, false, s.handleMyself)
	s.handle("GET", api+"/mypermissions", both, false, s.handleMyPermissions)
	s.handle("GET", api+"/permissions", both, false, s.handlePermissions)

	s.handle("GET", api+"/search/jql", cl, false, s.handleSearchJQL)
	s.handle("POST", api+"/search/jql", cl, false, s.handleSearchJQL)
	s.handle("POST", api+"/search/approximate-count", cl, false, s.handleApproximateCount)
	s.handle("GET", api+"/search", cl, false, s.handleSearchRemoved)
	s.handle("POST", api+"/search", cl, false, s.handleSearchRemoved)
	s.handle("GET", api+"/search", dc, false, s.handleSearchDC)
	s.handle("POST", api+"/search", dc, false, s.handleSearchDC)
	s.handle("POST", api+"/issue/bulkfetch", cl, false, s.handleBulkFetch)

	s.handle("GET", api+"/project/search", both, false, s.handleProjectSearch)
	s.handle("GET", api+"/project", both, false, s.handleProjectList)
	s.handle("POST", api+"/project", both, false, s.handleProjectCreate)
	s.handle("GET", api+"/project/{p}/versions", both, false, reading(s, s.pathProject, s.handleProjectVersions))
	s.handle("GET", api+"/project/{p}/version", both, false, reading(s, s.pathProject, s.handleProjectVersionsPaged))
	s.handle("GET", api+"/project/{p}/components", both, false, reading(s, s.pathProject, s.handleProjectComponents))
	s.handle("GET", api+"/project/{p}/statuses", both, false, reading(s, s.pathProject, s.handleProjectStatuses))
	s.handle("GET", api+"/project/{p}", both, false, reading(s, s.pathProject, s.handleProjectGet))
	s.handle("PUT", api+"/project/{p}", both, false, writingBody(s, s.handleProjectUpdate))
	s.handle("DELETE", api+"/project/{p}", both, false, writing(s, s.pathProject, s.handleProjectDelete))
	s.handle("GET", api+"/field", both, false, s.handleFields)
	s.handle("GET", api+"/priority", both, false, s.handlePriorities)
	s.handle("GET", api+"/status", both, false, s.handleStatuses)
	s.handle("GET", api+"/issuetype", both, false, s.handleIssueTypes)
	s.handle("GET", api+"/resolution", both, false, s.handleResolutions)
	s.handle("GET", api+"/issueLinkType", both, false, s.handleLinkTypes)

	s.handle("GET", api+"/issue/createmeta/{p}/issuetypes/{t}", both, false, s.handleCreateMetaFields)
	s.handle("GET", api+"/issue/createmeta/{p}/issuetypes", both, false, s.handleCreateMetaTypes)
	s.handle("GET", api+"/issue/createmeta", cl, false, s.handleCreateMetaOld)
	s.handle("POST", api+"/issue", both, false, s.handleIssueCreate)
	s.handle("POST", api+"/issue/bulk", both, false, s.handleIssueBulkCreate)
	s.handle("POST", api+"/issue/{k}/notify", both, false, s.handleIssueNotify)
	s.handle("GET", api+"/issue/{k}/editmeta", both, false, reading(s, s.pathIssue, s.handleEditMeta))
	s.handle("GET", api+"/issue/{k}/transitions", both, false, reading(s, s.pathIssue, s.handleTransitions))
	s.handle("POST", api+"/issue/{k}/transitions", both, false, s.handleTransitionDo)
	s.handle("PUT", api+"/issue/{k}/assignee", both, false, s.handleAssign)
	s.handle("GET", api+"/issue/{k}/changelog", cl, false, reading(s, s.pathIssue, s.handleChangelog))
	s.handle("GET", api+"/issue/{k}/properties", both, false, reading(s, s.pathIssue, s.handlePropertyKeys))
	s.handle("GET", api+"/issue/{k}/properties/{prop}", both, false, reading(s, s.pathIssue, s.handlePropertyGet))
	s.handle("PUT", api+"/issue/{k}/properties/{prop}", both, false, s.handlePropertyPut)
	s.handle("DELETE", api+"/issue/{k}/properties/{prop}", both, false, writing(s, s.pathIssue, s.handlePropertyDelete))
	s.handle("GET", api+"/issue/{k}/comment", both, false, reading(s, s.pathIssue, s.handleCommentList))
	s.handle("POST", api+"/issue/{k}/comment", both, false, s.handleCommentCreate)
	s.handle("GET", api+"/issue/{k}/comment/{id}", both, false, reading(s, s.pathIssue, child(s.commentFor, s.handleCommentGet)))
	s.handle("PUT", api+"/issue/{k}/comment/{id}", both, false, writingBody(s, s.handleCommentUpdate))
	s.handle("DELETE", api+"/issue/{k}/comment/{id}", both, false, writing(s, s.pathIssue, child(s.commentFor, s.handleCommentDelete)))
	s.handle("POST", api+"/issue/{k}/attachments", both, false, s.handleAttachmentUpload)
	s.handle("GET", api+"/issue/{k}/watchers", both, false, reading(s, s.pathIssue, s.handleWatchers))
	s.handle("POST", api+"/issue/{k}/watchers", both, false, s.handleWatcherAdd)
	s.handle("DELETE", api+"/issue/{k}/watchers", both, false, s.handleWatcherRemove)
	s.handle("GET", api+"/issue/{k}/remotelink", both, false, reading(s, s.pathIssue, s.handleRemoteLinkList))
	s.handle("POST", api+"/issue/{k}/remotelink", both, false, writingBody(s, s.handleRemoteLinkCreate))
	s.handle("DELETE", api+"/issue/{k}/remotelink", both, false, s.handleRemoteLinkDeleteByGlobalID)
	s.handle("GET", api+"/issue/{k}/remotelink/{id}", both, false, reading(s, s.pathIssue, child(s.remoteLinkFor, s.handleRemoteLinkGet)))
	s.handle("PUT", api+"/issue/{k}/remotelink/{id}", both, false, writingBody(s, s.handleRemoteLinkUpdate))
	s.handle("DELETE", api+"/issue/{k}/remotelink/{id}", both, false, s.handleRemoteLinkDelete)
	s.handle("GET", api+"/issue/{k}/worklog", both, false, reading(s, s.pathIssue, s.handleWorklogList))
	s.handle("GET", api+"/issue/{k}/worklog/{id}", both, false, reading(s, s.pathIssue, child(s.worklogFor, s.handleWorklogGet)))
	s.handle("PUT", api+"/issue/{k}/worklog/{id}", both, false, s.handleWorklogUpdate)
	s.handle("DELETE", api+"/issue/{k}/worklog/{id}", both, false, s.handleWorklogDelete)
	s.handle("POST", api+"/issue/{k}/worklog", both, false, s.handleWorklogAdd)
	s.handle("GET", api+"/issue/{k}", both, false, reading(s, s.pathIssue, s.handleIssueGet))
	s.handle("PUT", api+"/issue/{k}", both, false, s.handleIssueEdit)
	s.handle("DELETE", api+"/issue/{k}", both, false, s.handleIssueDelete)
	s.handle("GET", api+"/worklog/updated", both, false, s.handleWorklogUpdated)
	s.handle("GET", api+"/worklog/deleted", both, false, s.handleWorklogDeleted)

	s.handle("GET", api+"/attachment/meta", both, false, s.handleAttachmentMeta)
	s.handle("GET", api+"/attachment/content/{id}", cl, false, s.handleAttachmentContent)
	s.handle("GET", api+"/attachment/{id}", both, false, reading(s, s.pathAttachment, s.handleAttachmentGet))
	s.handle("DELETE", api+"/attachment/{id}", both, false, writing(s, s.pathAttachment, s.handleAttachmentDelete))
	s.handle("GET", "/media/file/{token}/{name}", cl, true, s.handleMedia)
	s.handle("GET", "/secure/attachment/{id}/{name}", dc, false, s.handleSecureAttachment)

	s.handle("POST", api+"/issueLink", both, false, s.handleLinkCreate)
	s.handle("GET", api+"/issueLink/{id}", both, false, reading(s, s.pathLink, s.handleLinkGet))
	s.handle("DELETE", api+"/issueLink/{id}", both, false, writing(s, s.pathLink, s.handleLinkDelete))

	s.handle("GET", api+"/user/search", both, false, s.handleUserSearch)
	s.handle("GET", api+"/user/assignable/search", both, false, s.handleAssignableSearch)
	s.handle("GET", api+"/user", both, false, s.handleUserGet)

	s.handle("POST", api+"/version", both, false, writingBody(s, s.handleVersionCreate))
	s.handle("GET", api+"/version/{id}", both, false, s.handleVersionGet)
	s.handle("PUT", api+"/version/{id}", both, false, s.handleVersionUpdate)
	s.handle("POST", api+"/component", both, false, writingBody(s, s.handleComponentCreate))
	s.handle("GET", api+"/component/{id}", both, false, s.handleComponentGet)
	s.handle("PUT", api+"/component/{id}", both, false, s.handleComponentUpdate)

	const agile = "/rest/agile/1.0"
	s.handle("GET", agile+"/board", both, false, s.handleBoardList)
	s.handle("GET", agile+"/board/{id}", both, false, reading(s, s.pathBoard, s.handleBoardGet))
	s.handle("GET", agile+"/board/{id}/sprint", both, false, reading(s, s.pathBoard, s.handleBoardSprints))
	s.handle("GET", agile+"/board/{id}/backlog", both, false, writing(s, s.pathBoard, s.handleBoardBacklog))
	s.handle("POST", agile+"/sprint", both, false, writingBody(s, s.handleSprintCreate))
	s.handle("GET", agile+"/sprint/{id}", both, false, reading(s, s.pathSprint, s.handleSprintGet))
	s.handle("POST", agile+"/sprint/{id}", both, false, writingBody(s, s.handleSprintUpdate))
	s.handle("GET", agile+"/sprint/{id}/issue", both, false, writing(s, s.pathSprint, s.handleSprintIssues))
	s.handle("POST", agile+"/sprint/{id}/issue", both, false, writingBody(s, s.handleSprintMove))
	s.handle("POST", agile+"/backlog/issue", both, false, writingBody(s, s.handleBacklogMove))
	s.handle("GET", agile+"/epic/{k}/issue", both, false, writing(s, s.pathEpic, s.handleEpicIssues))
	s.handle("POST", agile+"/epic/{k}/issue", both, false, writingBody(s, s.handleEpicMove))
	s.handle("PUT", agile+"/issue/rank", both, false, writingBody(s, s.handleRank))

	before10 := func(s *Server) bool { return !s.dc10() }
	s.handleWhen("GET", "/rest/webhooks/1.0/webhook", both, false, before10, s.handleAdminHookList)
	s.handleWhen("POST", "/rest/webhooks/1.0/webhook", both, false, before10, s.handleAdminHookCreate)
	s.handleWhen("GET", "/rest/webhooks/1.0/webhook/{id}", both, false, before10, s.handleAdminHookGet)
	s.handleWhen("PUT", "/rest/webhooks/1.0/webhook/{id}", both, false, before10, s.handleAdminHookUpdate)
	s.handleWhen("DELETE", "/rest/webhooks/1.0/webhook/{id}", both, false, before10, s.handleAdminHookDelete)
	dc10 := (*Server).dc10
	s.handleWhen("GET", "/rest/jira-webhook/1.0/webhooks", dc, false, dc10, s.handleDC10HookList)
	s.handleWhen("POST", "/rest/jira-webhook/1.0/webhooks", dc, false, dc10, s.handleDC10HookCreate)
	s.handleWhen("GET", "/rest/jira-webhook/1.0/webhooks/{id}", dc, false, dc10, s.handleDC10HookGet)
	s.handleWhen("PUT", "/rest/jira-webhook/1.0/webhooks/{id}", dc, false, dc10, s.handleDC10HookUpdate)
	s.handleWhen("DELETE", "/rest/jira-webhook/1.0/webhooks/{id}", dc, false, dc10, s.handleDC10HookDelete)
	s.handle("GET", api+"/webhook", cl, false, s.handleDynHookList)
	s.handle("POST", api+"/webhook", cl, false, s.handleDynHookRegister)
	s.handle("DELETE", api+"/webhook", cl, false, s.handleDynHookDelete)
	s.handle("PUT", api+"/webhook/refresh", cl, false, s.handleDynHookRefresh)

	s.serviceDeskRoutes()

	s.handle("POST", "/oauth/token", cl, true, s.handleToken)
	s.handle("GET", "/oauth/token/accessible-resources", cl, true, s.handleAccessibleResources)
	s.handle("GET", "/authorize", cl, true, s.handleAuthorize)
	return s.routes
}

func decode(c *call, v any) *apiError {
	if len(c.body) == 0 {
		return errf(http.StatusBadRequest, "The request body is empty; send a JSON object.")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errf(http.StatusBadRequest, "The request body is not valid JSON: %v", err)
	}
	return nil
}

func intParam(c *call, name string, def int) int {
	v := c.query(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

func errNoIssue() *apiError {
	return errf(http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
}

// issueFor finds a visible issue; callers hold s.mu.
func (s *Server) issueFor(c *call, key string) (*issueRec, *apiError) {
	r := s.st.issue(key)
	if r == nil || !r.canSee(c.user) {
		return nil, errNoIssue()
	}
	return r, nil
}

// ---- server info, myself, permissions ----

func (s *Server) handleServerInfo(c *call) {
	now := s.now()
	out := map[string]any{
		"baseUrl": s.url, "buildDate": "2024-01-15T00:00:00.000+0000", "serverTime": s.fmtTime(now),
		"scmInfo": "0b8e7f5c3a1d2e4f6a8b9c0d1e2f3a4b5c6d7e8f", "serverTitle": "Jira", "defaultLocale": map[string]any{"locale": "en_US"},
		"serverTimeZone": s.tz.String(),
	}
	if s.mode == Cloud {
		out["version"], out["versionNumbers"], out["deploymentType"], out["buildNumber"] = "1001.0.0-SNAPSHOT", []int{1001, 0, 0}, "Cloud", 100253
	} else {
		v := s.version
		out["version"], out["versionNumbers"], out["deploymentType"], out["buildNumber"] = fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]), v[:3], "Server", v[0]*1_000_000+v[1]*10_000+v[2]
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleMyself(c *call) {
	s.mu.RLock()
	m := s.userJSON(c.user, true)
	m["locale"] = "en_US"
	groups := make([]any, 0, len(c.user.Groups))
	for _, g := range c.user.Groups {
		groups = append(groups, map[string]any{"name": g})
	}
	m["groups"] = map[string]any{"size": len(groups), "items": groups}
	m["applicationRoles"] = map[string]any{"size": 1, "items": []any{}}
	m["expand"] = "groups,applicationRoles"
	s.mu.RUnlock()
	c.json(http.StatusOK, m)
}

func permissionInfo(key string) map[string]any {
	name := strings.ReplaceAll(strings.ToLower(key), "_", " ")
	name = strings.ToUpper(name[:1]) + name[1:]
	typ := "PROJECT"
	if key == "ADMINISTER" || key == "SYSTEM_ADMIN" || key == "USER_PICKER" || key == "CREATE_SHARED_OBJECTS" || key == "BULK_CHANGE" {
		typ = "GLOBAL"
	}
	id := slices.Index(AllPermissions, key)
	return map[string]any{"id": strconv.Itoa(id + 10), "key": key, "name": name, "type": typ, "description": "Ability to " + strings.ToLower(name) + "."}
}

var globalPermissions = []string{"ADMINISTER", "SYSTEM_ADMIN", "USER_PICKER", "CREATE_SHARED_OBJECTS", "BULK_CHANGE"}

func (s *Server) handlePermissions(c *call) {
	out := map[string]any{}
	for _, k := range append(slices.Clone(AllPermissions), globalPermissions...) {
		out[k] = permissionInfo(k)
	}
	c.json(http.StatusOK, map[string]any{"permissions": out})
}

func (s *Server) handleMyPermissions(c *call) {
	q := c.r.URL.Query()
	var keys []string
	for _, p := range strings.Split(q.Get("permissions"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			keys = append(keys, p)
		}
	}
	if len(keys) == 0 {
		if s.mode == Cloud {
			c.fail(errf(http.StatusBadRequest, "The 'permissions' query parameter is required, e.g. permissions=BROWSE_PROJECTS,CREATE_ISSUES."))
			return
		}
		keys = append(slices.Clone(AllPermissions), globalPermissions...)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var proj *project
	var iss *issueRec
	switch {
	case q.Get("issueKey") != "" || q.Get("issueId") != "":
		key := q.Get("issueKey")
		if key == "" {
			key = q.Get("issueId")
		}
		r, e := s.issueFor(c, key)
		if e != nil {
			c.fail(e)
			return
		}
		iss, proj = r, r.proj
	case q.Get("projectKey") != "" || q.Get("projectId") != "":
		key := q.Get("projectKey")
		if key == "" {
			key = q.Get("projectId")
		}
		proj = s.st.project(key)
		if proj == nil || !proj.can(c.user, "BROWSE_PROJECTS") {
			c.fail(errf(http.StatusNotFound, "No project could be found with key '%s'.", key))
			return
		}
	}
	out := map[string]any{}
	for _, k := range keys {
		global := slices.Contains(globalPermissions, k)
		if !global && !slices.Contains(AllPermissions, k) {
			c.fail(errf(http.StatusBadRequest, "Unrecognized permission key '%s': see GET /rest/api/2/permissions.", k))
			return
		}
		info := permissionInfo(k)
		have := false
		switch {
		case global:
			have = c.user.Admin || k == "USER_PICKER" || k == "CREATE_SHARED_OBJECTS" || k == "BULK_CHANGE"
		case proj != nil:
			have = proj.can(c.user, k)
			if iss != nil && !iss.canSee(c.user) {
				have = false
			}
		default:
			for _, p := range s.st.projects {
				if p.can(c.user, k) {
					have = true
					break
				}
			}
		}
		info["havePermission"] = have
		out[k] = info
	}
	c.json(http.StatusOK, map[string]any{"permissions": out})
}

// ---- issues ----

type issueBody struct {
	Fields     map[string]any `json:"fields"`
	Update     map[string]any `json:"update"`
	Properties []any          `json:"properties"`
	Transition map[string]any `json:"transition"`
}

func (s *Server) handleIssueCreate(c *call) {
	var b issueBody
	if !decoded(c, &b) {
		return
	}
	s.mu.Lock()
	r, e := s.createIssue(c.user, createInput{fields: b.Fields, update: b.Update, properties: b.Properties, transition: b.Transition}, strict)
	var out map[string]any
	if e == nil {
		out = map[string]any{"id": r.idStr, "key": r.key, "self": s.url + "/rest/api/2/issue/" + r.idStr}
		if b.Transition != nil {
			out["transition"] = map[string]any{"status": 200, "errorCollection": map[string]any{"errorMessages": []string{}, "errors": map[string]any{}}}
		}
	}
	s.mu.Unlock()
	if e != nil {
		c.fail(e)
		return
	}
	c.json(http.StatusCreated, out)
}

func (c *call) issueView(defFields string) issueView {
	q := c.r.URL.Query()
	return issueView{fields: parseFieldSel(q["fields"], defFields), expand: parseExpand(q["expand"]...), properties: q["properties"], viewer: c.user}
}

func (s *Server) handleIssueGet(c *call, r *issueRec) {
	c.json(http.StatusOK, s.issueJSON(r, &r.cur, c.issueView("*all")))
}

func (s *Server) handleIssueEdit(c *call) {
	var b issueBody
	if !decoded(c, &b) {
		return
	}
	s.mu.Lock()
	r, e := s.issueFor(c, c.param(0))
	if e == nil {
		e = s.editIssue(c.user, r, b.Fields, b.Update, strict)
	}
	if e == nil {
		for _, pr := range b.Properties {
			m, _ := pr.(map[string]any)
			if k, _ := m["key"].(string); k != "" {
				raw, _ := json.Marshal(m["value"])
				r.properties[k] = raw
			}
		}
	}
	var out map[string]any
	if e == nil && c.query("returnIssue") == "true" {
		out = s.issueJSON(r, &r.cur, c.issueView("*all"))
	}
	s.mu.Unlock()
	switch {
	case e != nil:
		c.fail(e)
	case out != nil:
		c.json(http.StatusOK, out)
	default:
		c.noContent()
	}
}

func (s *Server) handleIssueDelete(c *call) {
	s.mu.Lock()
	r, e := s.issueFor(c, c.param(0))
	if e == nil {
		e = s.deleteIssueLocked(c.user, r, c.query("deleteSubtasks") == "true")
	}
	s.mu.Unlock()
	if e != nil {
		c.fail(e)
		return
	}
	c.noContent()
}

func (s *Server) handleAssign(c *call) {
	var body map[string]any
	if len(c.body) > 0 && string(c.body) != "null" {
		if e := decode(c, &body); e != nil {
			c.fail(e)
			return
		}
	}
	writing(s, s.issueWith("ASSIGN_ISSUES", "You do not have permission to assign issues."), func(c *call, r *issueRec) {
		d := r.cur.clone()
		idKey := "accountId"
		if s.mode == DataCenter {
			idKey = "name"
		}
		v, _ := body[idKey].(string)
		switch {
		case body == nil || body[idKey] == nil:
			d.assignee = nil
		case v == "-1":
			d.assignee = r.proj.lead
		default:
			u, msg := s.userRef(body, false, "assignee")
			if msg != "" {
				c.fail(fieldErr(http.StatusBadRequest, "assignee", msg))
				return
			}
			if !r.proj.can(u, "ASSIGNABLE_USER") {
				c.fail(fieldErr(http.StatusBadRequest, "assignee", "User '"+v+"' cannot be assigned issues."))
				return
			}
			d.assignee = u
		}
		s.commitChange(c.user, r, d, "issue_assigned", nil)
		c.noContent()
	})(c)
}

// ---- transitions ----

func (s *Server) transitionsJSON(r *issueRec, viewer *user, withFields bool) []any {
	out := []any{}
	if !r.proj.can(viewer, "TRANSITION_ISSUES") {
		return out
	}
	for _, t := range s.availableTransitions(r) {
		to := r.proj.statusBy(t.To)
		m := map[string]any{
			"id": t.ID, "name": t.Name, "to": s.statusJSON(to), "hasScreen": t.Resolution, "isGlobal": len(t.From) == 0,
			"isInitial": false, "isAvailable": true, "isConditional": false, "isLooped": false,
		}
		if withFields {
			fields := map[string]any{}
			if t.Resolution {
				allowed := []any{}
				for _, res := range s.st.resolution {
					allowed = append(allowed, s.resolutionJSON(res))
				}
				fields["resolution"] = map[string]any{"required": false, "schema": map[string]any{"type": "resolution", "system": "resolution"},
					"name": "Resolution", "key": "resolution", "operations": []string{"set"}, "allowedValues": allowed, "hasDefaultValue": false}
			}
			m["fields"] = fields
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) handleTransitions(c *call, r *issueRec) {
	list := s.transitionsJSON(r, c.user, parseExpand(c.r.URL.Query()["expand"]...)["transitions.fields"])
	if id := c.query("transitionId"); id != "" {
		list = slices.DeleteFunc(list, func(x any) bool { return x.(map[string]any)["id"] != id })
	}
	c.json(http.StatusOK, map[string]any{"expand": "transitions", "transitions": list})
}

func (s *Server) handleTransitionDo(c *call) {
	var b struct {
		Transition map[string]any `json:"transition"`
		Fields     map[string]any `json:"fields"`
		Update     map[string]any `json:"update"`
	}
	if !decoded(c, &b) {
		return
	}
	writing(s, s.issueWith("TRANSITION_ISSUES", "You do not have permission to transition this issue."), func(c *call, r *issueRec) {
		id, ok := refOf(b.Transition, false, "id")
		if !ok {
			c.fail(errf(http.StatusBadRequest, "Missing 'transition' identifier: send {\"transition\": {\"id\": \"31\"}}."))
			return
		}
		t := s.findTransitionByID(r, id)
		if t == nil {
			c.fail(errf(http.StatusBadRequest, "Transition id '%s' is not valid for this issue.", id))
			return
		}
		if e := s.doTransitionLocked(c.user, r, t, b.Fields, b.Update, false); e != nil {
			c.fail(e)
			return
		}
		c.noContent()
	})(c)
}

func (s *Server) findTransitionByID(r *issueRec, id string) *Transition {
	for _, t := range s.availableTransitions(r) {
		if t.ID == id {
			return &t
		}
	}
	return nil
}

// ---- changelog ----

func (s *Server) handleChangelog(c *call, r *issueRec) {
	start, max := pageParams(c, 100)
	page, last := pageOf(r.changelog, start, max)
	vals := jsonList(page, s.historyJSON)
	out := map[string]any{"self": s.url + c.r.URL.Path, "maxResults": max, "startAt": start, "total": len(r.changelog), "isLast": last, "values": vals}
	if !last {
		out["nextPage"] = s.url + "/rest/api/2/issue/" + r.key + "/changelog?startAt=" + strconv.Itoa(start+max) + "&maxResults=" + strconv.Itoa(max)
	}
	c.json(http.StatusOK, out)
}

// ---- properties ----

func (s *Server) handlePropertyKeys(c *call, r *issueRec) {
	keys := []any{}
	for _, k := range sortedKeys(r.properties) {
		keys = append(keys, map[string]any{"key": k, "self": s.url + "/rest/api/2/issue/" + r.idStr + "/properties/" + k})
	}
	c.json(http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) handlePropertyGet(c *call, r *issueRec) {
	raw, ok := r.properties[c.param(1)]
	if !ok {
		c.fail(errf(http.StatusNotFound, "The property with key '%s' does not exist.", c.param(1)))
		return
	}
	c.json(http.StatusOK, map[string]any{"key": c.param(1), "value": json.RawMessage(raw)})
}

func (s *Server) handlePropertyPut(c *call) {
	if !json.Valid(c.body) || len(c.body) == 0 {
		c.fail(errf(http.StatusBadRequest, "The property value must be valid JSON."))
		return
	}
	if len(c.body) > 32768 {
		c.fail(errf(http.StatusBadRequest, "The property value is too long: the limit is 32768 bytes."))
		return
	}
	writing(s, s.issueWith("EDIT_ISSUES", "You do not have permission to edit this issue."), func(c *call, r *issueRec) {
		_, existed := r.properties[c.param(1)]
		r.properties[c.param(1)] = append(json.RawMessage(nil), c.body...)
		if existed {
			c.json(http.StatusOK, map[string]any{})
			return
		}
		c.json(http.StatusCreated, map[string]any{})
	})(c)
}

func (s *Server) handlePropertyDelete(c *call, r *issueRec) {
	if _, ok := r.properties[c.param(1)]; !ok {
		c.fail(errf(http.StatusNotFound, "The property with key '%s' does not exist.", c.param(1)))
		return
	}
	delete(r.properties, c.param(1))
	c.noContent()
}
