package jiratest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const jiraTime = "2006-01-02T15:04:05.000-0700"

func (s *Server) fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(s.tz).Format(jiraTime)
}

func parseJiraTime(v string) (time.Time, error) {
	for _, layout := range []string{jiraTime, "2006-01-02T15:04:05.000Z07:00", time.RFC3339Nano, "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	_, err := time.Parse(jiraTime, v)
	return time.Time{}, err
}

// avatarURLs returns the avatar URLs of a user or project. A search page
// renders hundreds of them: each is built once and the same map is shared
// by every answer, which must not change it.
func (s *Server) avatarURLs(seed string) map[string]any {
	if m, ok := s.avatars.Load(seed); ok {
		return m.(map[string]any)
	}
	base := s.url + "/secure/useravatar?ownerId=" + url.QueryEscape(seed)
	m, _ := s.avatars.LoadOrStore(seed, map[string]any{
		"48x48": base + "&size=48", "24x24": base + "&size=24&s=24",
		"16x16": base + "&size=16&s=16", "32x32": base + "&size=32&s=32",
	})
	return m.(map[string]any)
}

// userJSON renders a user as the REST API does: accountId on Cloud,
// name/key on Data Center. full adds the fields of /myself and /user.
func (s *Server) userJSON(u *user, email bool) map[string]any {
	if u == nil {
		return nil
	}
	m := map[string]any{
		"displayName": u.DisplayName,
		"active":      u.Active,
		"timeZone":    u.TimeZone.String(),
	}
	if s.mode == Cloud {
		m["self"] = s.url + "/rest/api/2/user?accountId=" + url.QueryEscape(u.AccountID)
		m["accountId"] = u.AccountID
		m["accountType"] = "atlassian"
		m["avatarUrls"] = s.avatarURLs(u.AccountID)
	} else {
		m["self"] = s.url + "/rest/api/2/user?username=" + url.QueryEscape(u.Name)
		m["name"] = u.Name
		m["key"] = u.Key
		m["avatarUrls"] = s.avatarURLs(u.Key)
	}
	if email {
		m["emailAddress"] = u.Email
	}
	return m
}

func statusCategoryJSON(s *Server, cat string) map[string]any {
	id, key, color, name := 2, "new", "blue-gray", "To Do"
	switch cat {
	case "indeterminate":
		id, key, color, name = 4, "indeterminate", "yellow", "In Progress"
	case "done":
		id, key, color, name = 3, "done", "green", "Done"
	}
	return map[string]any{"self": s.url + "/rest/api/2/statuscategory/" + strconv.Itoa(id), "id": id, "key": key, "colorName": color, "name": name}
}

func (s *Server) statusJSON(st *status) map[string]any {
	return map[string]any{
		"self": s.url + "/rest/api/2/status/" + st.ID, "description": "", "iconUrl": s.url + "/images/icons/statuses/generic.png",
		"name": st.Name, "id": st.ID, "statusCategory": statusCategoryJSON(s, st.Category),
	}
}

func (s *Server) priorityJSON(p *priority) map[string]any {
	if p == nil {
		return nil
	}
	return map[string]any{"self": s.url + "/rest/api/2/priority/" + p.id, "iconUrl": s.url + "/images/icons/priorities/" + strings.ToLower(p.name) + ".svg", "name": p.name, "id": p.id}
}

func (s *Server) resolutionJSON(r *resolution) map[string]any {
	if r == nil {
		return nil
	}
	return map[string]any{"self": s.url + "/rest/api/2/resolution/" + r.id, "id": r.id, "description": r.desc, "name": r.name}
}

func (s *Server) issueTypeJSON(t *IssueType) map[string]any {
	return map[string]any{
		"self": s.url + "/rest/api/2/issuetype/" + t.ID, "id": t.ID, "description": t.Description,
		"iconUrl": s.url + "/images/icons/issuetypes/" + strings.ToLower(strings.ReplaceAll(t.Name, " ", "")) + ".svg",
		"name":    t.Name, "subtask": t.Subtask, "avatarId": 10300, "hierarchyLevel": hierarchy(t),
	}
}

func hierarchy(t *IssueType) int {
	if t.Subtask {
		return -1
	}
	return 0
}

func (s *Server) projectShortJSON(p *project) map[string]any {
	return map[string]any{
		"self": s.url + "/rest/api/2/project/" + p.id, "id": p.id, "key": p.key, "name": p.name,
		"projectTypeKey": p.typeKey, "simplified": false, "avatarUrls": s.avatarURLs("project-" + p.key),
	}
}

func (s *Server) componentJSON(c *Component) map[string]any {
	m := map[string]any{"self": s.url + "/rest/api/2/component/" + c.ID, "id": c.ID, "name": c.Name}
	if c.Description != "" {
		m["description"] = c.Description
	}
	return m
}

func (s *Server) componentFullJSON(c *Component) map[string]any {
	m := s.componentJSON(c)
	m["project"] = c.Project
	if p := s.st.project(c.Project); p != nil {
		m["projectId"], _ = strconv.Atoi(p.id)
	}
	m["assigneeType"] = "PROJECT_DEFAULT"
	m["isAssigneeTypeValid"] = false
	return m
}

func (s *Server) versionJSON(v *Version) map[string]any {
	m := map[string]any{"self": s.url + "/rest/api/2/version/" + v.ID, "id": v.ID, "name": v.Name, "archived": v.Archived, "released": v.Released}
	if v.Description != "" {
		m["description"] = v.Description
	}
	if v.ReleaseDate != "" {
		m["releaseDate"] = v.ReleaseDate
	}
	if p := s.st.project(v.Project); p != nil {
		m["projectId"], _ = strconv.Atoi(p.id)
	}
	return m
}

func (s *Server) historyJSON(h *history) map[string]any {
	items := make([]any, 0, len(h.items))
	for _, it := range h.items {
		m := map[string]any{"field": it.field, "fieldtype": it.fieldtype, "from": it.from, "fromString": it.fromString, "to": it.to, "toString": it.toString}
		if it.fieldID != "" {
			m["fieldId"] = it.fieldID
		}
		items = append(items, m)
	}
	out := map[string]any{"id": strconv.FormatInt(h.id, 10), "created": s.fmtTime(h.created), "items": items}
	if h.author != nil {
		out["author"] = s.userJSON(h.author, false)
	}
	return out
}

func (s *Server) commentJSON(c *comment) map[string]any {
	m := map[string]any{
		"self":         s.url + "/rest/api/2/issue/" + c.issue.idStr + "/comment/" + strconv.FormatInt(c.id, 10),
		"id":           strconv.FormatInt(c.id, 10),
		"author":       s.userJSON(c.author, false),
		"updateAuthor": s.userJSON(c.updater, false),
		"body":         c.body,
		"created":      s.fmtTime(c.created),
		"updated":      s.fmtTime(c.updated),
	}
	if c.visibility != nil {
		m["visibility"] = map[string]any{"type": c.visibility.Type, "value": c.visibility.Value}
	}
	if s.mode == Cloud {
		m["jsdPublic"] = !c.internal
	}
	return m
}

func (s *Server) worklogJSON(w *worklog) map[string]any {
	m := map[string]any{
		"self":             s.url + "/rest/api/2/issue/" + w.issue.idStr + "/worklog/" + strconv.FormatInt(w.id, 10),
		"id":               strconv.FormatInt(w.id, 10),
		"issueId":          w.issue.idStr,
		"author":           s.userJSON(w.author, false),
		"updateAuthor":     s.userJSON(w.updater, false),
		"comment":          w.comment,
		"started":          s.fmtTime(w.started),
		"created":          s.fmtTime(w.created),
		"updated":          s.fmtTime(w.updated),
		"timeSpent":        formatDuration(w.seconds),
		"timeSpentSeconds": w.seconds,
	}
	if w.visibility != nil {
		m["visibility"] = map[string]any{"type": w.visibility.Type, "value": w.visibility.Value}
	}
	return m
}

func formatDuration(sec int64) string {
	if sec <= 0 {
		return "0m"
	}
	var parts []string
	for _, u := range []struct {
		n    int64
		unit string
	}{{5 * 8 * 3600, "w"}, {8 * 3600, "d"}, {3600, "h"}, {60, "m"}} {
		if sec >= u.n {
			parts = append(parts, strconv.FormatInt(sec/u.n, 10)+u.unit)
			sec %= u.n
		}
	}
	if len(parts) == 0 {
		return "1m"
	}
	return strings.Join(parts, " ")
}

func (s *Server) attachmentJSON(a *attachment) map[string]any {
	id := strconv.FormatInt(a.id, 10)
	m := map[string]any{
		"self": s.url + "/rest/api/2/attachment/" + id, "id": id, "filename": a.filename,
		"author": s.userJSON(a.author, false), "created": s.fmtTime(a.created), "size": len(a.content), "mimeType": a.mime,
	}
	if s.mode == Cloud {
		m["content"] = s.url + "/rest/api/2/attachment/content/" + id
	} else {
		m["content"] = s.url + "/secure/attachment/" + id + "/" + url.PathEscape(a.filename)
	}
	return m
}

func (s *Server) issueRefJSON(r *issueRec) map[string]any {
	return map[string]any{
		"id": r.idStr, "key": r.key, "self": s.url + "/rest/api/2/issue/" + r.idStr,
		"fields": map[string]any{
			"summary": r.cur.summary, "status": s.statusJSON(r.cur.status),
			"priority": s.priorityJSON(r.cur.priority), "issuetype": s.issueTypeJSON(r.cur.typ),
		},
	}
}

func (s *Server) linkJSON(l *issueLink, from *issueRec) map[string]any {
	m := map[string]any{
		"id":   strconv.FormatInt(l.id, 10),
		"self": s.url + "/rest/api/2/issueLink/" + strconv.FormatInt(l.id, 10),
		"type": s.linkTypeJSON(l.typ),
	}
	if from == nil {
		m["inwardIssue"] = s.issueRefJSON(l.inward)
		m["outwardIssue"] = s.issueRefJSON(l.outward)
	} else if l.inward == from {
		m["outwardIssue"] = s.issueRefJSON(l.outward)
	} else {
		m["inwardIssue"] = s.issueRefJSON(l.inward)
	}
	return m
}

func (s *Server) linkTypeJSON(t *linkType) map[string]any {
	return map[string]any{"id": t.id, "name": t.name, "inward": t.inward, "outward": t.outward, "self": s.url + "/rest/api/2/issueLinkType/" + t.id}
}

// ---- field catalogue ----

type sysField struct {
	id, name, typ, items, system string
	navigable, orderable         bool
	clause                       []string
}

var systemFields = []sysField{
	{"summary", "Summary", "string", "", "summary", true, true, []string{"summary"}},
	{"description", "Description", "string", "", "description", true, true, []string{"description"}},
	{"environment", "Environment", "string", "", "environment", true, true, []string{"environment"}},
	{"project", "Project", "project", "", "project", true, false, []string{"project"}},
	{"issuetype", "Issue Type", "issuetype", "", "issuetype", true, true, []string{"issuetype", "type"}},
	{"status", "Status", "status", "", "status", true, false, []string{"status"}},
	{"statuscategorychangedate", "Status Category Changed", "datetime", "", "statuscategorychangedate", true, false, []string{"statusCategoryChangedDate"}},
	{"priority", "Priority", "priority", "", "priority", true, true, []string{"priority"}},
	{"resolution", "Resolution", "resolution", "", "resolution", true, true, []string{"resolution"}},
	{"resolutiondate", "Resolved", "datetime", "", "resolutiondate", true, false, []string{"resolutiondate", "resolved"}},
	{"assignee", "Assignee", "user", "", "assignee", true, true, []string{"assignee"}},
	{"reporter", "Reporter", "user", "", "reporter", true, true, []string{"reporter"}},
	{"creator", "Creator", "user", "", "creator", true, false, []string{"creator"}},
	{"labels", "Labels", "array", "string", "labels", true, true, []string{"labels"}},
	{"components", "Components", "array", "component", "components", true, true, []string{"component"}},
	{"fixVersions", "Fix versions", "array", "version", "fixVersions", true, true, []string{"fixVersion"}},
	{"versions", "Affects versions", "array", "version", "versions", true, true, []string{"affectedVersion"}},
	{"duedate", "Due date", "date", "", "duedate", true, true, []string{"due", "duedate"}},
	{"created", "Created", "datetime", "", "created", true, false, []string{"created", "createdDate"}},
	{"updated", "Updated", "datetime", "", "updated", true, false, []string{"updated", "updatedDate"}},
	{"parent", "Parent", "issuelink", "", "parent", true, true, []string{"parent"}},
	{"subtasks", "Sub-tasks", "array", "issuelinks", "subtasks", true, false, []string{"subtasks"}},
	{"issuelinks", "Linked Issues", "array", "issuelinks", "issuelinks", true, true, []string{"issueLink"}},
	{"security", "Security Level", "securitylevel", "", "security", true, true, []string{"level"}},
	{"watches", "Watchers", "watches", "", "watches", true, false, []string{"watchers"}},
	{"votes", "Votes", "votes", "", "votes", true, false, []string{"votes"}},
	{"comment", "Comment", "comments-page", "", "comment", false, true, []string{"comment"}},
	{"worklog", "Log Work", "array", "worklog", "worklog", false, true, nil},
	{"attachment", "Attachment", "array", "attachment", "attachment", false, true, []string{"attachments"}},
	{"timetracking", "Time tracking", "timetracking", "", "timetracking", false, true, nil},
}

func sysFieldBy(id string) *sysField {
	for i := range systemFields {
		if systemFields[i].id == id {
			return &systemFields[i]
		}
	}
	return nil
}

func schemaOf(f *sysField) map[string]any {
	m := map[string]any{"type": f.typ, "system": f.system}
	if f.items != "" {
		m["items"] = f.items
	}
	return m
}

func customSchema(f *customField) map[string]any {
	typ, items, custom := "string", "", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"
	switch f.Type {
	case "text":
		custom = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"
	case "number":
		typ, custom = "number", "com.atlassian.jira.plugin.system.customfieldtypes:float"
	case "date":
		typ, custom = "date", "com.atlassian.jira.plugin.system.customfieldtypes:datepicker"
	case "datetime":
		typ, custom = "datetime", "com.atlassian.jira.plugin.system.customfieldtypes:datetime"
	case "option":
		typ, custom = "option", "com.atlassian.jira.plugin.system.customfieldtypes:select"
	case "options":
		typ, items, custom = "array", "option", "com.atlassian.jira.plugin.system.customfieldtypes:multiselect"
	case "labels":
		typ, items, custom = "array", "string", "com.atlassian.jira.plugin.system.customfieldtypes:labels"
	case "user":
		typ, custom = "user", "com.atlassian.jira.plugin.system.customfieldtypes:userpicker"
	}
	m := map[string]any{"type": typ, "custom": custom, "customId": f.num}
	if items != "" {
		m["items"] = items
	}
	return m
}

func (s *Server) customValueJSON(f *customField, v any) any {
	switch x := v.(type) {
	case *user:
		return s.userJSON(x, false)
	case []string:
		if f != nil && f.Type == "options" {
			out := make([]any, 0, len(x))
			for i, o := range x {
				out = append(out, map[string]any{"value": o, "id": optionID(f, o, i), "self": s.url + "/rest/api/2/customFieldOption/" + optionID(f, o, i)})
			}
			return out
		}
		return slices.Clone(x)
	case string:
		if f != nil && f.Type == "option" {
			id := optionID(f, x, 0)
			return map[string]any{"value": x, "id": id, "self": s.url + "/rest/api/2/customFieldOption/" + id}
		}
		return x
	}
	return v
}

func optionID(f *customField, v string, fallback int) string {
	if i := slices.Index(f.AllowedValues, v); i >= 0 {
		return strconv.Itoa(f.num*100 + i + 1)
	}
	return strconv.Itoa(f.num*100 + 90 + fallback)
}

// ---- issue ----

// fieldSel is a parsed fields parameter.
type fieldSel struct {
	all, navigable bool
	include        map[string]bool
	exclude        map[string]bool
}

func parseFieldSel(list []string, def string) fieldSel {
	var parts []string
	for _, l := range list {
		for _, p := range strings.Split(l, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
	}
	if len(parts) == 0 {
		parts = []string{def}
	}
	fs := fieldSel{include: map[string]bool{}, exclude: map[string]bool{}}
	for _, p := range parts {
		switch {
		case p == "*all":
			fs.all = true
		case p == "*navigable":
			fs.navigable = true
		case strings.HasPrefix(p, "-"):
			fs.exclude[p[1:]] = true
		default:
			fs.include[p] = true
		}
	}
	return fs
}

func (fs fieldSel) wants(id string, navigable bool) bool {
	if fs.exclude[id] {
		return false
	}
	return fs.all || (fs.navigable && navigable) || fs.include[id]
}

// onlyIDs reports whether the selection asks for no field beyond id/key.
func (fs fieldSel) onlyIDs() bool {
	if fs.all || fs.navigable {
		return false
	}
	for k := range fs.include {
		if k != "id" && k != "key" {
			return false
		}
	}
	return true
}

type issueView struct {
	fields     fieldSel
	expand     map[string]bool
	properties []string
	viewer     *user
}

func parseExpand(vals ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				m[p] = true
			}
		}
	}
	return m
}

// issueJSON renders an issue (from d, which may be a lagging copy) as GET
// issue does.
func (s *Server) issueJSON(r *issueRec, d *issueData, v issueView) map[string]any {
	m := map[string]any{
		"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
		"id":     r.idStr,
		"self":   s.url + "/rest/api/2/issue/" + r.idStr,
		"key":    r.key,
	}
	if !v.fields.onlyIDs() {
		m["fields"] = s.issueFields(r, d, v)
	}
	if len(v.properties) > 0 {
		props := map[string]any{}
		for _, k := range v.properties {
			for _, key := range strings.Split(k, ",") {
				if raw, ok := r.properties[key]; ok {
					props[key] = json.RawMessage(raw)
				}
			}
		}
		m["properties"] = props
	}
	if v.expand["names"] {
		names := map[string]any{}
		for _, f := range systemFields {
			if v.fields.wants(f.id, f.navigable) {
				names[f.id] = f.name
			}
		}
		for _, f := range s.st.fields {
			if v.fields.wants(f.ID, true) {
				names[f.ID] = f.Name
			}
		}
		m["names"] = names
	}
	if v.expand["schema"] {
		schema := map[string]any{}
		for i := range systemFields {
			f := &systemFields[i]
			if v.fields.wants(f.id, f.navigable) {
				schema[f.id] = schemaOf(f)
			}
		}
		for _, f := range s.st.fields {
			if v.fields.wants(f.ID, true) {
				schema[f.ID] = customSchema(f)
			}
		}
		m["schema"] = schema
	}
	if v.expand["renderedFields"] {
		rf := map[string]any{
			"description": renderWiki(d.description), "environment": renderWiki(d.environment),
			"created": humanTime(d.created), "updated": humanTime(d.updated),
		}
		m["renderedFields"] = rf
	}
	if v.expand["transitions"] {
		m["transitions"] = s.transitionsJSON(r, v.viewer, false)
	}
	if v.expand["changelog"] {
		hs := make([]any, 0, len(r.changelog))
		for _, h := range r.changelog {
			hs = append(hs, s.historyJSON(h))
		}
		m["changelog"] = map[string]any{"startAt": 0, "maxResults": len(hs), "total": len(hs), "histories": hs}
	}
	if v.expand["editmeta"] {
		m["editmeta"] = map[string]any{"fields": s.editMeta(r)}
	}
	if v.expand["operations"] {
		m["operations"] = map[string]any{"linkGroups": []any{}}
	}
	if v.expand["versionedRepresentations"] {
		m["versionedRepresentations"] = map[string]any{}
	}
	return m
}

func renderWiki(s string) any {
	if s == "" {
		return nil
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		b.WriteString("<p>" + strings.ReplaceAll(r.Replace(para), "\n", "<br/>\n") + "</p>")
	}
	return b.String()
}

func humanTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format("02/Jan/06 3:04 PM")
}

func (s *Server) issueFields(r *issueRec, d *issueData, v issueView) map[string]any {
	f := map[string]any{}
	want := func(id string) bool {
		sf := sysFieldBy(id)
		return v.fields.wants(id, sf == nil || sf.navigable)
	}
	set := func(id string, val func() any) {
		if want(id) {
			f[id] = val()
		}
	}
	set("summary", func() any { return d.summary })
	set("description", func() any { return nilIfEmptyAny(d.description) })
	set("environment", func() any { return nilIfEmptyAny(d.environment) })
	set("project", func() any { return s.projectShortJSON(r.proj) })
	set("issuetype", func() any { return s.issueTypeJSON(d.typ) })
	set("status", func() any { return s.statusJSON(d.status) })
	set("statuscategorychangedate", func() any { return s.fmtTime(d.statusChanged) })
	set("priority", func() any { return s.priorityJSON(d.priority) })
	set("resolution", func() any { return s.resolutionJSON(d.resolution) })
	set("resolutiondate", func() any { return s.fmtTime(d.resolutionDate) })
	set("assignee", func() any { return userOrNil(s, d.assignee) })
	set("reporter", func() any { return userOrNil(s, d.reporter) })
	set("creator", func() any { return userOrNil(s, d.creator) })
	set("labels", func() any { return nonNil(d.labels) })
	set("components", func() any {
		out := make([]any, 0, len(d.components))
		for _, c := range d.components {
			out = append(out, s.componentJSON(c))
		}
		return out
	})
	set("fixVersions", func() any { return s.versionsJSON(d.fixVersions) })
	set("versions", func() any { return s.versionsJSON(d.versions) })
	set("duedate", func() any { return nilIfEmptyAny(d.dueDate) })
	set("created", func() any { return s.fmtTime(d.created) })
	set("updated", func() any { return s.fmtTime(d.updated) })
	if d.parent != nil && want("parent") {
		f["parent"] = s.issueRefJSON(d.parent)
	}
	set("subtasks", func() any {
		out := make([]any, 0, len(r.subtasks))
		for _, st := range r.subtasks {
			// An epic's children (Cloud keeps them as its children
			// too) are not its sub-tasks.
			if !st.deleted && st.cur.typ.Subtask {
				out = append(out, s.issueRefJSON(st))
			}
		}
		return out
	})
	set("issuelinks", func() any {
		out := make([]any, 0, len(r.links))
		for _, l := range r.links {
			out = append(out, s.linkJSON(l, r))
		}
		return out
	})
	set("security", func() any {
		if d.security == nil {
			return nil
		}
		return map[string]any{"self": s.url + "/rest/api/2/securitylevel/" + d.security.ID, "id": d.security.ID, "name": d.security.Name, "description": ""}
	})
	set("watches", func() any {
		return map[string]any{"self": s.url + "/rest/api/2/issue/" + r.key + "/watchers", "watchCount": len(r.watchers), "isWatching": slices.Contains(r.watchers, v.viewer)}
	})
	set("votes", func() any {
		return map[string]any{"self": s.url + "/rest/api/2/issue/" + r.key + "/votes", "votes": r.votes, "hasVoted": false}
	})
	set("comment", func() any {
		list := s.visibleComments(r, v.viewer)
		out := make([]any, 0, len(list))
		for _, c := range list {
			out = append(out, s.commentJSON(c))
		}
		return map[string]any{"comments": out, "self": s.url + "/rest/api/2/issue/" + r.idStr + "/comment", "maxResults": len(out), "total": len(out), "startAt": 0}
	})
	set("worklog", func() any {
		out := make([]any, 0, len(r.worklogs))
		for _, w := range r.worklogs {
			if !w.deleted {
				out = append(out, s.worklogJSON(w))
			}
		}
		return map[string]any{"startAt": 0, "maxResults": 20, "total": len(out), "worklogs": out}
	})
	set("attachment", func() any {
		out := make([]any, 0, len(r.attachments))
		for _, a := range r.attachments {
			out = append(out, s.attachmentJSON(a))
		}
		return out
	})
	set("timetracking", func() any {
		var spent int64
		for _, w := range r.worklogs {
			if !w.deleted {
				spent += w.seconds
			}
		}
		if spent == 0 {
			return map[string]any{}
		}
		return map[string]any{"timeSpent": formatDuration(spent), "timeSpentSeconds": spent}
	})
	for _, cf := range s.st.fields {
		if v.fields.wants(cf.ID, true) {
			val, ok := d.custom[cf.ID]
			if !ok {
				f[cf.ID] = nil
				continue
			}
			f[cf.ID] = s.customValueJSON(cf, val)
		}
	}
	return f
}

func (s *Server) versionsJSON(vs []*Version) []any {
	out := make([]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, s.versionJSON(v))
	}
	return out
}

func userOrNil(s *Server, u *user) any {
	if u == nil {
		return nil
	}
	return s.userJSON(u, s.mode == DataCenter)
}

func nilIfEmptyAny(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func parseDay(v string) (time.Time, error) { return time.Parse("2006-01-02", v) }
