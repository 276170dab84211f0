package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Jira Service Management (/rest/servicedeskapi): a service desk is a
// project; a customer request is an issue of that project with a request
// type; request comments are issue comments, public unless marked internal
// (the sd.public.comment property {"internal": true}, which both the
// servicedeskapi's "public": false and REST v2 comment create set).

// ServiceDesk is a Jira Service Management service desk over a project.
type ServiceDesk struct {
	// ID is generated when empty.
	ID string
	// Project is the key of the project the desk works in (required). It
	// becomes a service_desk project.
	Project string
	// RequestTypes are the desk's request types.
	RequestTypes []RequestType
}

// RequestType is a customer request type of a service desk.
type RequestType struct {
	// ID is generated when empty.
	ID          string
	Name        string
	Description string
	HelpText    string
	// IssueType is the issue type name requests of this type get; default
	// the project's first non-subtask type.
	IssueType string
	// Fields are the fields a customer fills in; default a required
	// summary and an optional description.
	Fields []RequestTypeField
}

// RequestTypeField is a field of a request type.
type RequestTypeField struct {
	// FieldID is the Jira field id: summary, description, priority,
	// labels, duedate or a custom field id.
	FieldID string
	// Name is the label customers see.
	Name        string
	Description string
	Required    bool
	// ValidValues are the allowed values of a select field.
	ValidValues []string
}

// SLA goals the simulator gives every request.
const (
	// FirstResponseGoal is the goal of "Time to first response", met by
	// the first public comment of someone other than the reporter.
	FirstResponseGoal = 4 * time.Hour
	// ResolutionGoal is the goal of "Time to resolution", met when the
	// request reaches a done status.
	ResolutionGoal = 24 * time.Hour
)

// ExperimentalHeader is the header Jira Service Management's experimental
// endpoints (the customer lists here) require; without it they answer 412.
const ExperimentalHeader = "X-ExperimentalApi"

type serviceDesk struct {
	id        string
	proj      *project
	types     []*RequestType
	customers []*user
}

// sdRequest is what makes an issue a customer request.
type sdRequest struct {
	desk *serviceDesk
	typ  *RequestType
}

func (d *serviceDesk) typeBy(id string) *RequestType {
	for _, t := range d.types {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (d *serviceDesk) isCustomer(u *user) bool { return slices.Contains(d.customers, u) }

// isAgent reports whether u works the desk: it may browse the project.
func (d *serviceDesk) isAgent(u *user) bool {
	return u != nil && d.proj.can(u, "BROWSE_PROJECTS")
}

// AddServiceDesk makes a project a service desk with its request types,
// and returns it with its ids filled in. It panics on an unknown project,
// as seeding mistakes are programming errors.
func (s *Server) AddServiceDesk(in ServiceDesk) ServiceDesk {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.project(in.Project)
	if p == nil {
		panic("jiratest: AddServiceDesk: unknown project " + in.Project)
	}
	p.typeKey = "service_desk"
	d := &serviceDesk{id: in.ID, proj: p}
	if d.id == "" {
		d.id = strconv.Itoa(len(s.st.desks) + 1)
	}
	for _, rt := range in.RequestTypes {
		rt := rt
		if rt.ID == "" {
			s.st.nextRequestTypeID++
			rt.ID = strconv.Itoa(s.st.nextRequestTypeID)
		}
		if rt.IssueType == "" {
			for _, t := range p.types {
				if !t.Subtask {
					rt.IssueType = t.Name
					break
				}
			}
		}
		if p.typeBy(rt.IssueType) == nil {
			panic("jiratest: AddServiceDesk: unknown issue type " + rt.IssueType + " in " + p.key)
		}
		if len(rt.Fields) == 0 {
			rt.Fields = []RequestTypeField{{FieldID: "summary", Name: "Summary", Required: true}, {FieldID: "description", Name: "Description"}}
		}
		rt.Fields = slices.Clone(rt.Fields)
		d.types = append(d.types, &rt)
	}
	s.st.desks = append(s.st.desks, d)
	return s.deskSnapshot(d)
}

func (s *Server) deskSnapshot(d *serviceDesk) ServiceDesk {
	out := ServiceDesk{ID: d.id, Project: d.proj.key}
	for _, t := range d.types {
		c := *t
		c.Fields = slices.Clone(t.Fields)
		out.RequestTypes = append(out.RequestTypes, c)
	}
	return out
}

// AddCustomer makes a user a customer of a service desk. A customer who
// had no say in the project before may only use the customer portal: the
// project's own permissions are taken away, as Jira does for portal-only
// customers. It panics on an unknown desk or user.
func (s *Server) AddCustomer(deskID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.desk(deskID)
	u := s.st.user(userID)
	if d == nil || u == nil {
		panic(fmt.Sprintf("jiratest: AddCustomer: unknown desk %q or user %q", deskID, userID))
	}
	s.addCustomerLocked(d, u)
}

func (s *Server) addCustomerLocked(d *serviceDesk, u *user) {
	if d.isCustomer(u) {
		return
	}
	d.customers = append(d.customers, u)
	if _, ok := d.proj.restricted[u]; !ok && !u.Admin {
		if d.proj.restricted == nil {
			d.proj.restricted = map[*user]map[string]bool{}
		}
		d.proj.restricted[u] = map[string]bool{}
	}
}

// CustomerRequest is a snapshot of a customer request.
type CustomerRequest struct {
	IssueKey      string
	ServiceDeskID string
	RequestTypeID string
	Reporter      string // user id for the mode
	Status        string
}

// CustomerRequests returns the customer requests of a service desk, oldest first.
func (s *Server) CustomerRequests(deskID string) []CustomerRequest {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []CustomerRequest
	for _, r := range s.st.issues {
		if r.deleted || r.request == nil || r.request.desk.id != deskID {
			continue
		}
		cr := CustomerRequest{IssueKey: r.key, ServiceDeskID: deskID, RequestTypeID: r.request.typ.ID, Status: nameOf(r.cur.status)}
		if r.cur.reporter != nil {
			cr.Reporter = r.cur.reporter.ID(s.mode)
		}
		out = append(out, cr)
	}
	return out
}

// CommentIsPublic reports whether a comment of an issue is visible to the
// customers of a service desk (false for internal comments), and whether
// the comment exists.
func (s *Server) CommentIsPublic(issueKey, commentID string) (public, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, _ := strconv.ParseInt(commentID, 10, 64)
	cm := s.st.comments[id]
	if cm == nil || cm.deleted || !strings.EqualFold(cm.issue.key, issueKey) {
		return false, false
	}
	return !cm.internal, true
}

func (st *store) desk(id string) *serviceDesk {
	for _, d := range st.desks {
		if d.id == id || strings.EqualFold(d.proj.key, id) {
			return d
		}
	}
	return nil
}

// ---- rendering ----

func (s *Server) sdDate(t time.Time) map[string]any {
	t = t.In(s.tz)
	return map[string]any{
		"iso8601":     t.Format("2006-01-02T15:04:05-0700"),
		"jira":        t.Format(jiraTime),
		"friendly":    t.Format("02/Jan/06 3:04 PM"),
		"epochMillis": t.UnixMilli(),
	}
}

func (s *Server) sdUser(u *user) map[string]any {
	if u == nil {
		return nil
	}
	m := map[string]any{"emailAddress": u.Email, "displayName": u.DisplayName, "active": u.Active, "timeZone": u.TimeZone.String()}
	links := map[string]any{"avatarUrls": s.avatarURLs(u.ID(s.mode))}
	if s.mode == Cloud {
		m["accountId"] = u.AccountID
		links["jiraRest"] = s.url + "/rest/api/2/user?accountId=" + url.QueryEscape(u.AccountID)
	} else {
		m["name"], m["key"] = u.Name, u.Key
		links["jiraRest"] = s.url + "/rest/api/2/user?username=" + url.QueryEscape(u.Name)
		links["self"] = links["jiraRest"]
	}
	m["_links"] = links
	return m
}

func (s *Server) deskJSON(d *serviceDesk) map[string]any {
	return map[string]any{
		"id": d.id, "projectId": d.proj.id, "projectName": d.proj.name, "projectKey": d.proj.key,
		"_links": map[string]any{"self": s.url + "/rest/servicedeskapi/servicedesk/" + d.id},
	}
}

func (s *Server) requestTypeJSON(d *serviceDesk, t *RequestType) map[string]any {
	typ := d.proj.typeBy(t.IssueType)
	return map[string]any{
		"id": t.ID, "name": t.Name, "description": t.Description, "helpText": t.HelpText,
		"issueTypeId": idOf(typ), "serviceDeskId": d.id, "portalId": d.id, "groupIds": []string{},
		"_links": map[string]any{"self": s.url + "/rest/servicedeskapi/servicedesk/" + d.id + "/requesttype/" + t.ID},
	}
}

func (s *Server) requestTypeFieldJSON(f RequestTypeField) map[string]any {
	schema := map[string]any{"type": "string", "system": f.FieldID}
	switch {
	case f.FieldID == "priority":
		schema["type"] = "priority"
	case f.FieldID == "labels":
		schema = map[string]any{"type": "array", "items": "string", "system": "labels"}
	case f.FieldID == "duedate":
		schema["type"] = "date"
	case strings.HasPrefix(f.FieldID, "customfield_"):
		delete(schema, "system")
		schema["custom"] = "com.atlassian.jira.plugin.system.customfieldtypes:textfield"
		if cf := s.st.fieldBy(f.FieldID); cf != nil {
			schema["customId"], _ = strconv.Atoi(strings.TrimPrefix(cf.ID, "customfield_"))
		}
		if len(f.ValidValues) > 0 {
			schema["type"], schema["custom"] = "option", "com.atlassian.jira.plugin.system.customfieldtypes:select"
		}
	}
	valid := []any{}
	for _, v := range f.ValidValues {
		valid = append(valid, map[string]any{"value": v, "label": v, "children": []any{}})
	}
	return map[string]any{
		"fieldId": f.FieldID, "name": f.Name, "description": f.Description, "required": f.Required,
		"defaultValues": []any{}, "validValues": valid, "jiraSchema": schema, "visible": true,
	}
}

func statusCategoryKey(st *status) string {
	switch st.Category {
	case "done":
		return "DONE"
	case "indeterminate":
		return "INDETERMINATE"
	}
	return "NEW"
}

// statusHistory is a request's statuses, newest first.
func (s *Server) statusHistory(r *issueRec) []map[string]any {
	type entry struct {
		name string
		at   time.Time
	}
	first := r.cur.status
	var changes []entry
	for _, h := range r.changelog {
		for _, it := range h.items {
			if it.field == "status" && it.toString != nil {
				if len(changes) == 0 && it.fromString != nil {
					if st := r.proj.statusBy(*it.fromString); st != nil {
						first = st
					}
				}
				changes = append(changes, entry{*it.toString, h.created})
			}
		}
	}
	list := []entry{{nameOf(first), r.cur.created}}
	list = append(list, changes...)
	out := make([]map[string]any, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		cat := "NEW"
		if st := r.proj.statusBy(list[i].name); st != nil {
			cat = statusCategoryKey(st)
		}
		out = append(out, map[string]any{"status": list[i].name, "statusCategory": cat, "statusDate": s.sdDate(list[i].at)})
	}
	return out
}

func (s *Server) requestJSON(r *issueRec, expand string) map[string]any {
	d := r.request.desk
	values := []any{}
	for _, f := range r.request.typ.Fields {
		var v any
		switch f.FieldID {
		case "summary":
			v = r.cur.summary
		case "description":
			v = r.cur.description
		case "labels":
			v = r.cur.labels
		case "priority":
			if r.cur.priority != nil {
				v = map[string]any{"id": r.cur.priority.id, "name": r.cur.priority.name}
			}
		case "duedate":
			v = r.cur.dueDate
		default:
			v = r.cur.custom[f.FieldID]
		}
		if v == nil || v == "" {
			continue
		}
		fv := map[string]any{"fieldId": f.FieldID, "label": f.Name, "value": v}
		if str, ok := v.(string); ok && f.FieldID == "description" {
			fv["renderedValue"] = map[string]any{"html": "<p>" + htmlEscape(str) + "</p>"}
		}
		values = append(values, fv)
	}
	hist := s.statusHistory(r)
	m := map[string]any{
		"_expands":           []string{"participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"},
		"issueId":            r.idStr,
		"issueKey":           r.key,
		"requestTypeId":      r.request.typ.ID,
		"serviceDeskId":      d.id,
		"createdDate":        s.sdDate(r.cur.created),
		"reporter":           s.sdUser(r.cur.reporter),
		"requestFieldValues": values,
		"currentStatus":      hist[0],
		"_links": map[string]any{
			"web":      s.url + "/servicedesk/customer/portal/" + d.id + "/" + r.key,
			"agent":    s.url + "/browse/" + r.key,
			"jiraRest": s.url + "/rest/api/2/issue/" + r.idStr,
			"self":     s.url + "/rest/servicedeskapi/request/" + r.idStr,
		},
	}
	for _, x := range strings.Split(expand, ",") {
		switch strings.TrimSpace(x) {
		case "requestType":
			m["requestType"] = s.requestTypeJSON(d, r.request.typ)
		case "serviceDesk":
			m["serviceDesk"] = s.deskJSON(d)
		case "status":
			m["status"] = s.sdPage(hist, 0, len(hist)+1, "")
		case "sla":
			slas := s.slas(r)
			m["sla"] = s.sdPage(slas, 0, len(slas)+1, "")
		}
	}
	return m
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (s *Server) sdComment(cm *comment) map[string]any {
	return map[string]any{
		"id": strconv.FormatInt(cm.id, 10), "body": cm.body, "public": !cm.internal,
		"author": s.sdUser(cm.author), "created": s.sdDate(cm.created),
		"_links": map[string]any{"self": s.url + "/rest/servicedeskapi/request/" + cm.issue.idStr + "/comment/" + strconv.FormatInt(cm.id, 10)},
	}
}

func sdDuration(d time.Duration) map[string]any {
	d = d.Truncate(time.Millisecond)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	friendly := fmt.Sprintf("%dh %dm", h, m)
	if d < 0 {
		friendly = fmt.Sprintf("-%dh %dm", -h, -m)
	}
	return map[string]any{"millis": d.Milliseconds(), "friendly": friendly}
}

// slas computes the request's two SLAs from its history.
func (s *Server) slas(r *issueRec) []map[string]any {
	now := s.now()
	start := r.cur.created
	var firstResponse time.Time
	for _, cm := range r.comments {
		if !cm.deleted && !cm.internal && cm.author != r.cur.reporter {
			firstResponse = cm.created
			break
		}
	}
	var resolved time.Time
	if r.cur.status.Category == "done" {
		resolved = r.cur.resolutionDate
		if resolved.IsZero() {
			resolved = r.cur.statusChanged
		}
	}
	sla := func(id, name string, goal time.Duration, stop time.Time) map[string]any {
		breach := start.Add(goal)
		m := map[string]any{"id": id, "name": name, "_links": map[string]any{"self": s.url + "/rest/servicedeskapi/request/" + r.idStr + "/sla/" + id}}
		cycle := map[string]any{
			"startTime": s.sdDate(start), "breachTime": s.sdDate(breach), "goalDuration": sdDuration(goal),
		}
		if stop.IsZero() {
			cycle["breached"] = now.After(breach)
			cycle["paused"] = false
			cycle["withinCalendarHours"] = true
			cycle["elapsedTime"] = sdDuration(now.Sub(start))
			cycle["remainingTime"] = sdDuration(breach.Sub(now))
			m["ongoingCycle"] = cycle
			m["completedCycles"] = []any{}
			return m
		}
		cycle["stopTime"] = s.sdDate(stop)
		cycle["breached"] = stop.After(breach)
		cycle["elapsedTime"] = sdDuration(stop.Sub(start))
		cycle["remainingTime"] = sdDuration(breach.Sub(stop))
		m["completedCycles"] = []any{cycle}
		return m
	}
	return []map[string]any{
		sla("1", "Time to first response", FirstResponseGoal, firstResponse),
		sla("2", "Time to resolution", ResolutionGoal, resolved),
	}
}

// sdPage is the servicedeskapi's paged envelope.
func (s *Server) sdPage(all []map[string]any, start, limit int, self string) map[string]any {
	page, last := pageOf(all, start, limit)
	values := make([]any, 0, len(page))
	for _, v := range page {
		values = append(values, v)
	}
	links := map[string]any{"base": s.url, "context": ""}
	if self != "" {
		links["self"] = s.url + self
		if !last {
			links["next"] = fmt.Sprintf("%s%s?start=%d&limit=%d", s.url, self, start+limit, limit)
		}
		if start > 0 {
			links["prev"] = fmt.Sprintf("%s%s?start=%d&limit=%d", s.url, self, max(0, start-limit), limit)
		}
	}
	return map[string]any{"_expands": []string{}, "size": len(values), "start": start, "limit": limit, "isLastPage": last, "values": values, "_links": links}
}

// ---- handlers ----

func sdErr(status int, format string, args ...any) *apiError {
	e := errf(status, format, args...)
	e.serviceDesk = true
	return e
}

func sdPaging(c *call) (start, limit int, e *apiError) {
	start, limit = intParam(c, "start", 0), intParam(c, "limit", 50)
	if start < 0 {
		return 0, 0, sdErr(http.StatusBadRequest, "The start parameter must be 0 or more.")
	}
	if limit <= 0 {
		limit = 50
	}
	return start, min(limit, 100), nil
}

func (s *Server) sdList(c *call, all []map[string]any, self string) {
	start, limit, e := sdPaging(c)
	if e != nil {
		c.fail(e)
		return
	}
	c.json(http.StatusOK, s.sdPage(all, start, limit, self))
}

// visibleDesks are the desks u works or is a customer of.
func (s *Server) visibleDesk(u *user, d *serviceDesk) bool {
	return d.isAgent(u) || d.isCustomer(u)
}

func (s *Server) pathDesk(c *call) *serviceDesk {
	d := s.st.desk(c.param(0))
	if d == nil || d.id != c.param(0) || !s.visibleDesk(c.user, d) {
		c.fail(sdErr(http.StatusNotFound, "The service desk with the ID %s does not exist or you do not have permission to see it.", c.param(0)))
		return nil
	}
	return d
}

func (s *Server) handleSDList(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []map[string]any
	for _, d := range s.st.desks {
		if s.visibleDesk(c.user, d) {
			all = append(all, s.deskJSON(d))
		}
	}
	s.sdList(c, all, "/rest/servicedeskapi/servicedesk")
}

func (s *Server) handleSDGet(c *call, d *serviceDesk) {
	c.json(http.StatusOK, s.deskJSON(d))
}

func (s *Server) handleSDRequestTypes(c *call, d *serviceDesk) {
	var all []map[string]any
	for _, t := range d.types {
		all = append(all, s.requestTypeJSON(d, t))
	}
	s.sdList(c, all, "/rest/servicedeskapi/servicedesk/"+d.id+"/requesttype")
}

func (s *Server) pathRequestType(c *call) (*serviceDesk, *RequestType) {
	d := s.pathDesk(c)
	if d == nil {
		return nil, nil
	}
	t := d.typeBy(c.param(1))
	if t == nil {
		c.fail(sdErr(http.StatusNotFound, "The request type with the ID %s does not exist in service desk %s.", c.param(1), d.id))
		return nil, nil
	}
	return d, t
}

func (s *Server) handleSDRequestType(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d, t := s.pathRequestType(c); t != nil {
		c.json(http.StatusOK, s.requestTypeJSON(d, t))
	}
}

func (s *Server) handleSDRequestTypeFields(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, t := s.pathRequestType(c)
	if t == nil {
		return
	}
	fields := []any{}
	for _, f := range t.Fields {
		fields = append(fields, s.requestTypeFieldJSON(f))
	}
	agent := d.isAgent(c.user)
	c.json(http.StatusOK, map[string]any{"requestTypeFields": fields, "canRaiseOnBehalfOf": agent, "canAddRequestParticipants": agent})
}

func experimental(c *call) bool {
	if !strings.EqualFold(c.r.Header.Get(ExperimentalHeader), "opt-in") {
		c.fail(sdErr(http.StatusPreconditionFailed, "This API is experimental. Experimental APIs are not guaranteed to be stable within the next release. If you wish to continue, set the %s: opt-in header in your request.", ExperimentalHeader))
		return false
	}
	return true
}

func (s *Server) handleSDCustomers(c *call) {
	if !experimental(c) {
		return
	}
	reading(s, s.pathDesk, func(c *call, d *serviceDesk) {
		if !d.isAgent(c.user) {
			c.fail(sdErr(http.StatusForbidden, "You do not have permission to view the customers of this service desk."))
			return
		}
		var all []map[string]any
		for _, u := range d.customers {
			all = append(all, s.sdUser(u))
		}
		s.sdList(c, all, "/rest/servicedeskapi/servicedesk/"+d.id+"/customer")
	})(c)
}

func (s *Server) handleSDCustomerAdd(c *call) {
	if !experimental(c) {
		return
	}
	var b struct {
		AccountIDs []string `json:"accountIds"`
		Usernames  []string `json:"usernames"`
	}
	if !decoded(c, &b) {
		return
	}
	ids := b.AccountIDs
	if s.mode == DataCenter {
		ids = b.Usernames
		if len(b.AccountIDs) > 0 {
			c.fail(sdErr(http.StatusBadRequest, "Jira Data Center names customers by usernames, not accountIds."))
			return
		}
	} else if len(b.Usernames) > 0 {
		c.fail(sdErr(http.StatusBadRequest, "Jira Cloud names customers by accountIds; usernames are not supported."))
		return
	}
	writing(s, s.pathDesk, func(c *call, d *serviceDesk) {
		if !d.proj.can(c.user, "ADMINISTER_PROJECTS") {
			c.fail(sdErr(http.StatusForbidden, "You do not have permission to add customers to this service desk."))
			return
		}
		var add []*user
		for _, id := range ids {
			u := s.st.user(id)
			if u == nil {
				c.fail(sdErr(http.StatusBadRequest, "The user %s does not exist.", id))
				return
			}
			add = append(add, u)
		}
		for _, u := range add {
			s.addCustomerLocked(d, u)
		}
		c.noContent()
	})(c)
}

type requestCreate struct {
	ServiceDeskID       string         `json:"serviceDeskId"`
	RequestTypeID       string         `json:"requestTypeId"`
	RequestFieldValues  map[string]any `json:"requestFieldValues"`
	RaiseOnBehalfOf     string         `json:"raiseOnBehalfOf"`
	RequestParticipants []string       `json:"requestParticipants"`
}

func (s *Server) handleSDRequestCreate(c *call, b *requestCreate) {
	d := s.st.desk(b.ServiceDeskID)
	if d == nil || d.id != b.ServiceDeskID || !s.visibleDesk(c.user, d) {
		c.fail(sdErr(http.StatusNotFound, "The service desk with the ID %s does not exist or you do not have permission to see it.", b.ServiceDeskID))
		return
	}
	t := d.typeBy(b.RequestTypeID)
	if t == nil {
		c.fail(sdErr(http.StatusBadRequest, "The request type with the ID %s does not exist in service desk %s.", b.RequestTypeID, d.id))
		return
	}
	agent := d.isAgent(c.user)
	reporter := c.user
	if b.RaiseOnBehalfOf != "" {
		if !agent {
			c.fail(sdErr(http.StatusForbidden, "You do not have permission to raise requests on behalf of other customers."))
			return
		}
		u := s.st.user(b.RaiseOnBehalfOf)
		if u == nil || u.ID(s.mode) != b.RaiseOnBehalfOf && u.Key != b.RaiseOnBehalfOf {
			by := "account id"
			if s.mode == DataCenter {
				by = "username"
			}
			c.fail(sdErr(http.StatusBadRequest, "The user '%s' does not exist: raiseOnBehalfOf takes the customer's %s.", b.RaiseOnBehalfOf, by))
			return
		}
		reporter = u
	}
	fields := map[string]any{"project": map[string]any{"id": d.proj.id}, "issuetype": map[string]any{"name": t.IssueType}}
	e := &apiError{status: http.StatusBadRequest, serviceDesk: true}
	for id, v := range b.RequestFieldValues {
		i := slices.IndexFunc(t.Fields, func(f RequestTypeField) bool { return f.FieldID == id })
		if i < 0 {
			e.add(id, fmt.Sprintf("The field '%s' is not on the request type '%s'.", id, t.Name))
			continue
		}
		f := t.Fields[i]
		if len(f.ValidValues) > 0 {
			str := customString(v)
			if m, ok := v.(map[string]any); ok {
				str = customString(m["value"])
			}
			if !slices.Contains(f.ValidValues, str) {
				e.add(id, fmt.Sprintf("'%v' is not a valid value of %s: choose one of %s.", v, f.Name, strings.Join(f.ValidValues, ", ")))
				continue
			}
			if strings.HasPrefix(id, "customfield_") {
				v = str
			}
		}
		fields[id] = v
	}
	for _, f := range t.Fields {
		if f.Required {
			if v, ok := b.RequestFieldValues[f.FieldID]; !ok || v == nil || v == "" {
				e.add(f.FieldID, f.Name+" is required.")
			}
		}
	}
	if len(e.fields) > 0 {
		e.messages = append(e.messages, "The request could not be created: some fields are missing or invalid.")
		c.fail(e)
		return
	}
	if s.mode == DataCenter {
		fields["reporter"] = map[string]any{"name": reporter.Name}
	} else {
		fields["reporter"] = map[string]any{"accountId": reporter.AccountID}
	}
	actor := c.user
	if !agent {
		// The portal creates the issue; the customer is its reporter.
		actor = d.proj.lead
		for _, u := range s.st.users {
			if actor == nil && u.Admin {
				actor = u
			}
		}
	}
	r, ae := s.createIssue(actor, createInput{fields: fields}, true)
	if ae != nil {
		ae.serviceDesk = true
		c.fail(ae)
		return
	}
	r.request = &sdRequest{desk: d, typ: t}
	if !d.isAgent(reporter) {
		s.addCustomerLocked(d, reporter)
	}
	if !slices.Contains(r.watchers, reporter) {
		r.watchers = append(r.watchers, reporter)
	}
	c.json(http.StatusCreated, s.requestJSON(r, ""))
}

// pathRequest finds the customer request of the path that the caller may
// see: agents see every request of their desks, customers their own.
func (s *Server) pathRequest(c *call) *issueRec {
	r := s.st.issue(c.param(0))
	if r == nil || r.deleted || r.request == nil || !(r.request.desk.isAgent(c.user) && r.canSee(c.user) || r.cur.reporter == c.user) {
		c.fail(sdErr(http.StatusNotFound, "The request %s does not exist or you do not have permission to see it.", c.param(0)))
		return nil
	}
	return r
}

func (s *Server) handleSDRequestList(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	desk, typ := c.query("serviceDeskId"), c.query("requestTypeId")
	if typ != "" && desk == "" {
		c.fail(sdErr(http.StatusBadRequest, "requestTypeId needs serviceDeskId."))
		return
	}
	own := c.query("requestOwnership")
	var all []map[string]any
	for i := len(s.st.issues) - 1; i >= 0; i-- { // newest first, as Jira lists them
		r := s.st.issues[i]
		if r.deleted || r.request == nil || desk != "" && r.request.desk.id != desk || typ != "" && r.request.typ.ID != typ {
			continue
		}
		mine := r.cur.reporter == c.user
		agent := r.request.desk.isAgent(c.user) && r.canSee(c.user)
		switch own {
		case "OWNED_REQUESTS":
			if !mine {
				continue
			}
		case "ALL_REQUESTS", "ALL_ORGANIZATIONS", "":
			if !mine && !agent {
				continue
			}
		default:
			c.fail(sdErr(http.StatusBadRequest, "requestOwnership must be OWNED_REQUESTS, PARTICIPATED_REQUESTS, ORGANIZATION or ALL_REQUESTS, not %q.", own))
			return
		}
		all = append(all, s.requestJSON(r, c.query("expand")))
	}
	s.sdList(c, all, "/rest/servicedeskapi/request")
}

func (s *Server) handleSDRequestGet(c *call, r *issueRec) {
	c.json(http.StatusOK, s.requestJSON(r, c.query("expand")))
}

func (s *Server) handleSDRequestStatus(c *call, r *issueRec) {
	s.sdList(c, s.statusHistory(r), "/rest/servicedeskapi/request/"+r.idStr+"/status")
}

func (s *Server) handleSDRequestSLA(c *call, r *issueRec) {
	if !r.request.desk.isAgent(c.user) {
		c.fail(sdErr(http.StatusForbidden, "Only agents of the service desk may read a request's SLAs."))
		return
	}
	s.sdList(c, s.slas(r), "/rest/servicedeskapi/request/"+r.idStr+"/sla")
}

func (s *Server) handleSDCommentList(c *call, r *issueRec) {
	agent := r.request.desk.isAgent(c.user)
	wantPublic, wantInternal := c.query("public") != "false", c.query("internal") != "false"
	var all []map[string]any
	for _, cm := range r.comments {
		if cm.deleted || !cm.visibleTo(c.user) || cm.internal && !agent {
			continue
		}
		if cm.internal && !wantInternal || !cm.internal && !wantPublic {
			continue
		}
		all = append(all, s.sdComment(cm))
	}
	s.sdList(c, all, "/rest/servicedeskapi/request/"+r.idStr+"/comment")
}

func (s *Server) handleSDCommentAdd(c *call) {
	var b struct {
		Body   *string `json:"body"`
		Public *bool   `json:"public"`
	}
	if !decoded(c, &b) {
		return
	}
	if b.Body == nil || strings.TrimSpace(*b.Body) == "" {
		c.fail(sdErr(http.StatusBadRequest, "The comment body can not be empty."))
		return
	}
	writing(s, s.pathRequest, func(c *call, r *issueRec) {
		public := b.Public == nil || *b.Public
		if !public && !r.request.desk.isAgent(c.user) {
			c.fail(sdErr(http.StatusForbidden, "Only agents may add internal comments."))
			return
		}
		cm := s.addCommentLocked(c.user, r, *b.Body, nil)
		cm.internal = !public
		c.json(http.StatusCreated, s.sdComment(cm))
	})(c)
}

func (s *Server) handleSDTransitions(c *call, r *issueRec) {
	var all []map[string]any
	for _, t := range s.availableTransitions(r) {
		all = append(all, map[string]any{"id": t.ID, "name": t.Name})
	}
	s.sdList(c, all, "/rest/servicedeskapi/request/"+r.idStr+"/transition")
}

func (s *Server) handleSDTransitionDo(c *call) {
	var b struct {
		ID                string `json:"id"`
		AdditionalComment *struct {
			Body string `json:"body"`
		} `json:"additionalComment"`
	}
	if !decoded(c, &b) {
		return
	}
	writing(s, s.pathRequest, func(c *call, r *issueRec) {
		var t *Transition
		for _, x := range s.availableTransitions(r) {
			if x.ID == b.ID {
				t = &x
				break
			}
		}
		if t == nil {
			c.fail(sdErr(http.StatusBadRequest, "The transition %q is not available for %s in its status %s.", b.ID, r.key, nameOf(r.cur.status)))
			return
		}
		if e := s.doTransitionLocked(c.user, r, t, nil, nil, false); e != nil {
			c.fail(e)
			return
		}
		if b.AdditionalComment != nil && strings.TrimSpace(b.AdditionalComment.Body) != "" {
			s.addCommentLocked(c.user, r, b.AdditionalComment.Body, nil)
		}
		c.noContent()
	})(c)
}

// internalProperty reports whether comment properties mark a comment
// internal, as Jira Service Management's sd.public.comment property does.
func internalProperty(props entityProps) bool {
	for _, p := range props {
		if p.Key == "sd.public.comment" {
			var v struct {
				Internal bool `json:"internal"`
			}
			return json.Unmarshal(p.Value, &v) == nil && v.Internal
		}
	}
	return false
}

func (s *Server) serviceDeskRoutes() {
	const sd = "/rest/servicedeskapi"
	s.handle("GET", sd+"/servicedesk", both, false, s.handleSDList)
	s.handle("GET", sd+"/servicedesk/{id}", both, false, reading(s, s.pathDesk, s.handleSDGet))
	s.handle("GET", sd+"/servicedesk/{id}/requesttype", both, false, reading(s, s.pathDesk, s.handleSDRequestTypes))
	s.handle("GET", sd+"/servicedesk/{id}/requesttype/{rt}", both, false, s.handleSDRequestType)
	s.handle("GET", sd+"/servicedesk/{id}/requesttype/{rt}/field", both, false, s.handleSDRequestTypeFields)
	s.handle("GET", sd+"/servicedesk/{id}/customer", both, false, s.handleSDCustomers)
	s.handle("POST", sd+"/servicedesk/{id}/customer", both, false, s.handleSDCustomerAdd)
	s.handle("GET", sd+"/request", both, false, s.handleSDRequestList)
	s.handle("POST", sd+"/request", both, false, writingBody(s, s.handleSDRequestCreate))
	s.handle("GET", sd+"/request/{k}", both, false, reading(s, s.pathRequest, s.handleSDRequestGet))
	s.handle("GET", sd+"/request/{k}/status", both, false, reading(s, s.pathRequest, s.handleSDRequestStatus))
	s.handle("GET", sd+"/request/{k}/sla", both, false, reading(s, s.pathRequest, s.handleSDRequestSLA))
	s.handle("GET", sd+"/request/{k}/comment", both, false, reading(s, s.pathRequest, s.handleSDCommentList))
	s.handle("POST", sd+"/request/{k}/comment", both, false, s.handleSDCommentAdd)
	s.handle("GET", sd+"/request/{k}/transition", both, false, reading(s, s.pathRequest, s.handleSDTransitions))
	s.handle("POST", sd+"/request/{k}/transition", both, false, s.handleSDTransitionDo)
}
