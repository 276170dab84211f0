package jiratest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// parse modes for field values.
const (
	strict  = false // REST: Jira's shapes only
	lenient = true  // *As helpers: plain strings accepted too
)

// setField applies one field value to d. It returns a Jira-like message
// on bad input.
func (s *Server) setField(p *project, d *issueData, id string, v any, loose bool) string {
	st := s.st
	switch id {
	case "summary", "description", "environment":
		str, ok := v.(string)
		if v == nil {
			str, ok = "", true
		}
		if !ok {
			return "Operation value must be a string"
		}
		switch id {
		case "summary":
			if strings.TrimSpace(str) == "" {
				return "You must specify a summary of the issue."
			}
			if len(str) > 255 {
				return "Summary must be less than 255 characters."
			}
			d.summary = str
		case "description":
			d.description = str
		default:
			d.environment = str
		}
	case "priority":
		ref, ok := refOf(v, loose, "id", "name")
		if !ok {
			return "Specify the Priority (id or name) in the string format"
		}
		pr := st.priorityBy(ref)
		if pr == nil {
			return fmt.Sprintf("Priority name '%s' is not valid", ref)
		}
		d.priority = pr
	case "assignee", "reporter":
		if v == nil {
			if id == "reporter" {
				return "Reporter is required."
			}
			d.assignee = nil
			return ""
		}
		u, msg := s.userRef(v, loose, id)
		if msg != "" {
			return msg
		}
		if id == "assignee" {
			if !p.can(u, "ASSIGNABLE_USER") {
				return fmt.Sprintf("User '%s' cannot be assigned issues.", u.ID(s.mode))
			}
			d.assignee = u
		} else {
			d.reporter = u
		}
	case "labels":
		list, ok := stringList(v)
		if !ok {
			return "The label value must be a list of strings."
		}
		for _, l := range list {
			if strings.ContainsAny(l, " \t\n") {
				return fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
			}
		}
		d.labels = dedupe(list)
	case "components":
		return setRefList(&d.components, v, loose, p.componentBy, "Component")
	case "fixVersions":
		return setRefList(&d.fixVersions, v, loose, p.versionBy, "Version")
	case "versions":
		return setRefList(&d.versions, v, loose, p.versionBy, "Version")
	case "duedate":
		if v == nil {
			d.dueDate = ""
			return ""
		}
		str, _ := v.(string)
		if _, err := time.Parse("2006-01-02", str); err != nil {
			return "Error parsing date string: " + fmt.Sprint(v)
		}
		d.dueDate = str
	case "parent":
		ref, ok := refOf(v, loose, "key", "id")
		if !ok {
			return "Could not find issue by id or key."
		}
		par := st.issue(ref)
		if par == nil || par.proj != p {
			return "Could not find issue by id or key."
		}
		d.parent = par
	case "security":
		return setOptionalRef(&d.security, v, loose, p.levelBy, "Security level '%v' is not valid for this project.")
	case "resolution":
		return setOptionalRef(&d.resolution, v, loose, st.resolutionBy, "Resolution '%v' is not valid.")
	default:
		f := st.fieldBy(id)
		if f == nil || (!loose && f.ID != id) {
			return fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", id)
		}
		val, msg := s.customValue(f, v, loose)
		if msg != "" {
			return msg
		}
		if d.custom == nil {
			d.custom = map[string]any{}
		}
		if val == nil {
			delete(d.custom, f.ID)
		} else {
			d.custom[f.ID] = val
		}
	}
	return ""
}

// setRefList sets *dst to the things v lists by id or name, found with
// find; what names the kind of thing in the messages for a value that is
// not a list of references or a reference find does not know.
func setRefList[T any](dst *[]*T, v any, loose bool, find func(string) *T, what string) string {
	refs, ok := refList(v, loose, "id", "name")
	if !ok {
		return "Please provide " + what
	}
	var out []*T
	for _, r := range refs {
		x := find(r)
		if x == nil {
			return fmt.Sprintf("%s name '%s' is not valid", what, r)
		}
		out = append(out, x)
	}
	*dst = out
	return ""
}

// setOptionalRef sets *dst to what v refers to by id or name, found with
// find, or to nil when v is null; for a reference find does not know it
// returns the message unknown makes of it (%v is the ref).
func setOptionalRef[T any](dst **T, v any, loose bool, find func(string) *T, unknown string) string {
	if v == nil {
		*dst = nil
		return ""
	}
	ref, ok := refOf(v, loose, "id", "name")
	x := find(ref)
	if !ok || x == nil {
		return fmt.Sprintf(unknown, ref)
	}
	*dst = x
	return ""
}

// customValue normalises a custom field value to its stored form: string,
// float64, []string, or *user.
func (s *Server) customValue(f *customField, v any, loose bool) (any, string) {
	if v == nil {
		return nil, ""
	}
	switch f.Type {
	case "number":
		switch n := v.(type) {
		case float64:
			return n, ""
		case int:
			return float64(n), ""
		case json.Number:
			x, err := n.Float64()
			if err == nil {
				return x, ""
			}
		case string:
			if loose {
				if x, err := strconv.ParseFloat(n, 64); err == nil {
					return x, ""
				}
			}
		}
		return nil, fmt.Sprintf("Operation value must be a number (field %s)", f.Name)
	case "option":
		ref, ok := refOf(v, loose, "value", "id")
		if !ok || (len(f.AllowedValues) > 0 && !slices.Contains(f.AllowedValues, ref)) {
			return nil, fmt.Sprintf("Option value '%v' is not valid", ref)
		}
		return ref, ""
	case "options":
		refs, ok := refList(v, loose, "value", "id")
		if !ok {
			return nil, fmt.Sprintf("Specify the values of %s as a list of objects with 'value'", f.Name)
		}
		for _, r := range refs {
			if len(f.AllowedValues) > 0 && !slices.Contains(f.AllowedValues, r) {
				return nil, fmt.Sprintf("Option value '%s' is not valid", r)
			}
		}
		return refs, ""
	case "labels":
		list, ok := stringList(v)
		if !ok {
			return nil, "The label value must be a list of strings."
		}
		return list, ""
	case "user":
		u, msg := s.userRef(v, loose, f.ID)
		if msg != "" {
			return nil, msg
		}
		return u, ""
	case "date":
		str, _ := v.(string)
		if _, err := time.Parse("2006-01-02", str); err != nil {
			return nil, "Error parsing date string: " + fmt.Sprint(v)
		}
		return str, ""
	case "datetime":
		str, _ := v.(string)
		if _, err := parseJiraTime(str); err != nil {
			return nil, "Error parsing date-time string: " + fmt.Sprint(v)
		}
		return str, ""
	default:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Sprintf("Operation value must be a string (field %s)", f.Name)
		}
		if f.Type == "string" && len(str) > 255 {
			return nil, fmt.Sprintf("%s must be less than 255 characters.", f.Name)
		}
		return str, ""
	}
}

// userRef resolves a user reference: {"accountId"|"id"} on Cloud,
// {"name"|"key"} on Data Center; plain strings when loose.
func (s *Server) userRef(v any, loose bool, field string) (*user, string) {
	var ref string
	switch x := v.(type) {
	case string:
		if !loose {
			return nil, fmt.Sprintf("Specify a valid value for %s", field)
		}
		ref = x
	case map[string]any:
		keys := []string{"accountId", "id"}
		if s.mode == DataCenter {
			keys = []string{"name", "key"}
		}
		for _, k := range keys {
			if str, ok := x[k].(string); ok && str != "" {
				ref = str
				break
			}
		}
		if ref == "" {
			if s.mode == Cloud {
				if _, ok := x["name"]; ok {
					return nil, fmt.Sprintf("Specify %s by accountId: user names are not supported on Jira Cloud (GDPR strict mode).", field)
				}
			} else if _, ok := x["accountId"]; ok {
				return nil, fmt.Sprintf("Specify %s by name: Jira Data Center users have no accountId.", field)
			}
			return nil, fmt.Sprintf("Specify a valid value for %s", field)
		}
	default:
		return nil, fmt.Sprintf("Specify a valid value for %s", field)
	}
	u := s.st.user(ref)
	if u != nil && !loose {
		// Strict: the identifier kind must match the deployment.
		if (s.mode == Cloud && ref != u.AccountID) || (s.mode == DataCenter && ref != u.Name && ref != u.Key) {
			u = nil
		}
	}
	if u == nil {
		return nil, fmt.Sprintf("User '%s' does not exist.", ref)
	}
	if !u.Active {
		return nil, fmt.Sprintf("User '%s' is inactive.", ref)
	}
	return u, ""
}

func refOf(v any, loose bool, keys ...string) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, loose
	case map[string]any:
		for _, k := range keys {
			switch y := x[k].(type) {
			case string:
				if y != "" {
					return y, true
				}
			case float64:
				return strconv.FormatFloat(y, 'f', -1, 64), true
			}
		}
	}
	return "", false
}

func refList(v any, loose bool, keys ...string) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, loose
	case []any:
		return eachOf(x, func(e any) (string, bool) { return refOf(e, loose, keys...) })
	case nil:
		return nil, true
	}
	return nil, false
}

func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x), true
	case []any:
		return eachOf(x, func(e any) (string, bool) {
			str, ok := e.(string)
			return str, ok
		})
	case nil:
		return nil, true
	}
	return nil, false
}

// eachOf converts every element of list with conv, or reports false when
// conv refuses one.
func eachOf(list []any, conv func(any) (string, bool)) ([]string, bool) {
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := conv(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func dedupe(in []string) []string {
	var out []string
	for _, x := range in {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ---- create ----

// createInput is a parsed create request.
type createInput struct {
	fields     map[string]any
	update     map[string]any
	properties []any
	transition map[string]any
}

// createIssue validates and stores a new issue created by actor.
func (s *Server) createIssue(actor *user, in createInput, loose bool) (*issueRec, *apiError) {
	st := s.st
	e := &apiError{status: http.StatusBadRequest}
	f := in.fields
	if f == nil {
		f = map[string]any{}
	}
	projRef, ok := refOf(f["project"], loose, "id", "key")
	p := st.project(projRef)
	if !ok || p == nil {
		e.addUnknownRef("project", f["project"], "Specify a valid project ID or key", "valid project is required")
		return nil, e
	}
	if !p.can(actor, "BROWSE_PROJECTS") {
		e.add("project", "valid project is required")
		return nil, e
	}
	if !p.can(actor, "CREATE_ISSUES") {
		return nil, errf(http.StatusBadRequest, "You do not have permission to create issues in this project.")
	}
	typeRef, ok := refOf(f["issuetype"], loose, "id", "name")
	typ := p.typeBy(typeRef)
	if !ok || typ == nil {
		e.addUnknownRef("issuetype", f["issuetype"], "Specify an issue type", "The issue type selected is invalid.")
		return nil, e
	}
	now := s.stamp()
	d := issueData{typ: typ, status: p.initial, priority: st.priorityBy("Medium"), reporter: actor, creator: actor, created: now, updated: now, statusChanged: now}
	for id, v := range f {
		if id == "project" || id == "issuetype" {
			continue
		}
		if id == "resolution" {
			e.add(id, fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", id))
			continue
		}
		if msg := s.setField(p, &d, id, v, loose); msg != "" {
			e.add(id, msg)
		}
	}
	if msg := s.applyUpdateOps(p, &d, in.update, loose, nil); msg != nil {
		for k, v := range msg {
			e.add(k, v)
		}
	}
	if d.summary == "" {
		e.add("summary", "You must specify a summary of the issue.")
	}
	if typ.Subtask && d.parent == nil {
		e.add("parent", "Parent is required for sub-tasks: set fields.parent to {\"key\": \"PROJ-1\"}.")
	}
	if !typ.Subtask && d.parent != nil && d.parent.cur.typ.Subtask {
		e.add("parent", "A sub-task cannot be the parent of another issue.")
	}
	for _, cf := range st.fields {
		if cf.Required && (len(cf.IssueTypes) == 0 || slices.Contains(cf.IssueTypes, typ.Name)) {
			if _, ok := d.custom[cf.ID]; !ok {
				e.add(cf.ID, cf.Name+" is required.")
			}
		}
	}
	if len(e.fields) > 0 {
		return nil, e
	}
	r := s.newIssueRec(p, d, 0)
	for _, pr := range in.properties {
		m, _ := pr.(map[string]any)
		k, _ := m["key"].(string)
		if k != "" {
			b, _ := json.Marshal(m["value"])
			r.properties[k] = b
		}
	}
	r.changedAt = now
	r.prev = nil
	s.st.reindex(r)
	if actor != nil && !slices.Contains(r.watchers, actor) {
		r.watchers = append(r.watchers, actor)
	}
	if in.transition != nil {
		if tid, ok := refOf(in.transition, false, "id"); ok {
			if tr := s.findTransition(r, tid); tr != nil {
				s.doTransitionLocked(actor, r, tr, nil, nil, true)
			}
		}
	}
	s.emitIssue(actor, r, "jira:issue_created", "issue_created", diffData(s, &issueData{}, &r.cur), nil)
	return r, nil
}

func (s *Server) newIssueRec(p *project, d issueData, num int) *issueRec {
	st := s.st
	if num == 0 {
		p.nextNum++
		num = p.nextNum
	} else if num > p.nextNum {
		p.nextNum = num
	}
	id := st.nextIssueID
	st.nextIssueID++
	r := &issueRec{id: id, idStr: strconv.FormatInt(id, 10), num: num, proj: p, cur: d, properties: map[string]json.RawMessage{}}
	r.key = p.key + "-" + strconv.Itoa(num)
	r.keyVals = []string{r.key, r.idStr}
	if d.parent != nil {
		d.parent.subtasks = append(d.parent.subtasks, r)
	}
	st.insertIssue(r)
	return r
}

// applyUpdateOps applies the "update" verbs (set/add/remove/edit) of an
// edit or create request. History items for comments go to comments.
func (s *Server) applyUpdateOps(p *project, d *issueData, update map[string]any, loose bool, comments *[]string) map[string]string {
	errs := map[string]string{}
	for id, raw := range update {
		ops, ok := raw.([]any)
		if !ok {
			errs[id] = "Operations must be a list such as [{\"add\": ...}]"
			continue
		}
		for _, o := range ops {
			op, ok := o.(map[string]any)
			if !ok || len(op) != 1 {
				errs[id] = "Each operation must have exactly one verb: set, add, remove or edit."
				break
			}
			for verb, v := range op {
				if msg := s.applyOp(p, d, id, verb, v, loose, comments); msg != "" {
					errs[id] = msg
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (s *Server) applyOp(p *project, d *issueData, id, verb string, v any, loose bool, comments *[]string) string {
	if id == "comment" {
		if verb != "add" {
			return "Only the add operation is supported for comment here."
		}
		m, _ := v.(map[string]any)
		body, _ := m["body"].(string)
		if body == "" {
			return "Comment body can not be empty!"
		}
		if comments == nil {
			return "Field 'comment' cannot be set. It is not on the appropriate screen, or unknown."
		}
		*comments = append(*comments, body)
		return ""
	}
	switch verb {
	case "set":
		return s.setField(p, d, id, v, loose)
	case "add", "remove":
		switch id {
		case "labels":
			l, ok := v.(string)
			if !ok {
				return "The label value must be a string."
			}
			if verb == "add" && strings.ContainsAny(l, " \t") {
				return fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
			}
			d.labels = addOrRemove(verb, d.labels, l)
		case "components":
			ref, ok := refOf(v, loose, "id", "name")
			c := p.componentBy(ref)
			if !ok || c == nil {
				return "Please provide Component"
			}
			d.components = addOrRemove(verb, d.components, c)
		case "fixVersions", "versions":
			ref, ok := refOf(v, loose, "id", "name")
			x := p.versionBy(ref)
			if !ok || x == nil {
				return "Please provide Version"
			}
			list := &d.fixVersions
			if id == "versions" {
				list = &d.versions
			}
			*list = addOrRemove(verb, *list, x)
		default:
			f := s.st.fieldBy(id)
			if f == nil || (f.Type != "options" && f.Type != "labels") {
				return fmt.Sprintf("Field '%s' does not support the %s operation.", id, verb)
			}
			ref, ok := refOf(v, loose, "value", "id")
			if !ok {
				return "Specify the value to " + verb
			}
			cur, _ := d.custom[f.ID].([]string)
			if verb == "add" && f.Type == "options" && len(f.AllowedValues) > 0 && !slices.Contains(f.AllowedValues, ref) {
				return fmt.Sprintf("Option value '%s' is not valid", ref)
			}
			if d.custom == nil {
				d.custom = map[string]any{}
			}
			d.custom[f.ID] = addOrRemove(verb, cur, ref)
		}
		return ""
	case "edit":
		return s.setField(p, d, id, v, loose)
	}
	return fmt.Sprintf("Unknown operation '%s': use set, add, remove or edit.", verb)
}

// addOrRemove applies an add or remove update operation to list: add
// appends x unless list holds it already, remove drops every x. The result
// never shares a changed backing array with list, which the issue's
// previous state may still hold.
func addOrRemove[T comparable](verb string, list []T, x T) []T {
	if verb == "add" {
		if slices.Contains(list, x) {
			return list
		}
		return append(slices.Clone(list), x)
	}
	return slices.DeleteFunc(slices.Clone(list), func(y T) bool { return y == x })
}

// ---- edit ----

// editIssue applies fields and update operations as actor.
func (s *Server) editIssue(actor *user, r *issueRec, fields, update map[string]any, loose bool) *apiError {
	if !r.proj.can(actor, "EDIT_ISSUES") {
		return permissionErr("EDIT_ISSUES", "You do not have permission to edit issues in this project.")
	}
	e := &apiError{status: http.StatusBadRequest}
	for id := range fields {
		if _, both := update[id]; both {
			e.add(id, "Field '"+id+"' cannot be set in both fields and update.")
		}
	}
	d := r.cur.clone()
	comments := s.applyEdit(r.proj, d, fields, update, loose, e, func(id string, v any) (string, bool) {
		if id == "project" || id == "issuetype" || id == "resolution" || id == "status" {
			if id == "issuetype" {
				if ref, ok := refOf(v, loose, "id", "name"); ok && r.proj.typeBy(ref) != nil {
					d.typ = r.proj.typeBy(ref)
					return "", true
				}
			}
			return fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", id), true
		}
		if id == "reporter" && !r.proj.can(actor, "MODIFY_REPORTER") {
			return "Field 'reporter' cannot be set. It is not on the appropriate screen, or unknown.", true
		}
		return "", false
	})
	if len(e.fields) > 0 {
		return e
	}
	s.commitChange(actor, r, d, "issue_updated", comments)
	return nil
}

// applyEdit sets fields on d and applies update's operations, adding each
// problem to e, and returns the comments the update adds. screen sees
// each field first: handled true means it took the field (or rejected it
// with a non-empty message) and setField does not see it.
func (s *Server) applyEdit(p *project, d *issueData, fields, update map[string]any, loose bool, e *apiError, screen func(id string, v any) (msg string, handled bool)) []string {
	for id, v := range fields {
		if msg, handled := screen(id, v); handled {
			if msg != "" {
				e.add(id, msg)
			}
			continue
		}
		if msg := s.setField(p, d, id, v, loose); msg != "" {
			e.add(id, msg)
		}
	}
	var comments []string
	for k, v := range s.applyUpdateOps(p, d, update, loose, &comments) {
		e.add(k, v)
	}
	return comments
}

// commitChange stores the new data, records the changelog, bumps updated
// and raises the webhook events.
func (s *Server) commitChange(actor *user, r *issueRec, d *issueData, eventType string, comments []string) {
	s.commitItems(actor, r, d, diffData(s, &r.cur, d), eventType, comments)
}

// commitItems is commitChange with the changelog items given: the diff of
// d and r.cur, plus changes issueData does not hold (attachments), which
// Jira records in the changelog all the same.
func (s *Server) commitItems(actor *user, r *issueRec, d *issueData, items []changeItem, eventType string, comments []string) {
	if len(items) == 0 && len(comments) == 0 {
		return
	}
	now := s.stamp()
	s.touch(r, now)
	if len(items) > 0 {
		d.updated = now
		if d.status != r.cur.status {
			d.statusChanged = now
		}
		if d.parent != r.cur.parent {
			if old := r.cur.parent; old != nil {
				old.subtasks = slices.DeleteFunc(old.subtasks, func(x *issueRec) bool { return x == r })
			}
			if d.parent != nil {
				d.parent.subtasks = append(d.parent.subtasks, r)
			}
		}
		r.cur = *d
	}
	s.st.reindex(r)
	var h *history
	if len(items) > 0 {
		h = &history{id: s.st.nextHistoryID, author: actor, created: now, items: items}
		s.st.nextHistoryID++
		r.changelog = append(r.changelog, h)
		if eventType == "issue_updated" {
			for _, it := range items {
				if it.field == "assignee" && len(items) == 1 {
					eventType = "issue_assigned"
				}
			}
			eventType = genericOr(eventType, items)
		}
		s.emitIssue(actor, r, "jira:issue_updated", eventType, items, h)
	}
	for _, body := range comments {
		s.addCommentLocked(actor, r, body, nil)
	}
}

func genericOr(t string, items []changeItem) string {
	if t != "issue_updated" {
		return t
	}
	for _, it := range items {
		if it.field == "status" {
			return "issue_generic"
		}
	}
	return t
}

// bump records a change to r that is not a field edit and leaves no
// changelog (comments, worklogs): updated moves to now.
func (s *Server) bump(r *issueRec, now time.Time) {
	s.touch(r, now)
	r.cur.updated = now
	s.st.reindex(r)
}

// touch records that r changes now, for the search lag: the previous
// state becomes what a lagging index shows if it was already indexed.
func (s *Server) touch(r *issueRec, now time.Time) {
	lag := s.searchLag()
	if r.changedAt.IsZero() || now.Sub(r.changedAt) >= lag {
		r.prev = r.cur.clone()
	}
	r.changedAt = now
}

// ---- transitions ----

func (s *Server) availableTransitions(r *issueRec) []Transition {
	var out []Transition
	for _, t := range r.proj.transitions {
		if strings.EqualFold(t.To, r.cur.status.Name) && len(t.From) == 0 {
			continue
		}
		if len(t.From) > 0 && !slices.ContainsFunc(t.From, func(f string) bool { return strings.EqualFold(f, r.cur.status.Name) }) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func (s *Server) findTransition(r *issueRec, idOrName string) *Transition {
	for _, t := range s.availableTransitions(r) {
		if t.ID == idOrName || strings.EqualFold(t.Name, idOrName) {
			return &t
		}
	}
	return nil
}

// doTransitionLocked moves r along t, applying transition-screen fields.
func (s *Server) doTransitionLocked(actor *user, r *issueRec, t *Transition, fields, update map[string]any, atCreate bool) *apiError {
	d := r.cur.clone()
	to := r.proj.statusBy(t.To)
	d.status = to
	e := &apiError{status: http.StatusBadRequest}
	comments := s.applyEdit(r.proj, d, fields, update, false, e, func(id string, _ any) (string, bool) {
		if id == "resolution" && !t.Resolution {
			return "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown.", true
		}
		return "", false
	})
	if len(e.fields) > 0 {
		return e
	}
	now := s.stamp()
	if to.Category == "done" {
		if d.resolution == nil {
			d.resolution = s.st.resolutionBy("Done")
		}
		if r.cur.resolution == nil {
			d.resolutionDate = now
		}
	} else {
		d.resolution = nil
		d.resolutionDate = time.Time{}
	}
	event := "issue_generic"
	switch {
	case to.Category == "done" && r.cur.status.Category != "done":
		event = "issue_resolved"
	case r.cur.status.Category == "done" && to.Category != "done":
		event = "issue_reopened"
	case to.Category == "indeterminate" && r.cur.status.Category == "new":
		event = "issue_work_started"
	}
	if atCreate {
		r.cur = *d
		s.st.reindex(r)
		return nil
	}
	s.commitChange(actor, r, d, event, comments)
	return nil
}

// ---- diff / changelog ----

func ptr(s string) *string { return &s }

func diffData(s *Server, a, b *issueData) []changeItem {
	var items []changeItem
	str := func(field, old, new string) {
		if old != new {
			items = append(items, changeItem{field: field, fieldtype: "jira", fieldID: field, fromString: nilIfEmpty(old), toString: nilIfEmpty(new)})
		}
	}
	ref := func(field, oldID, oldName, newID, newName string) {
		if oldID != newID {
			items = append(items, changeItem{field: field, fieldtype: "jira", fieldID: field, from: nilIfEmpty(oldID), fromString: nilIfEmpty(oldName), to: nilIfEmpty(newID), toString: nilIfEmpty(newName)})
		}
	}
	userRef := func(field string, old, new *user) {
		if old != new {
			oid, oname, nid, nname := "", "", "", ""
			if old != nil {
				oid, oname = old.ID(s.mode), old.DisplayName
			}
			if new != nil {
				nid, nname = new.ID(s.mode), new.DisplayName
			}
			ref(field, oid, oname, nid, nname)
		}
	}
	if a.typ != b.typ {
		namedChange(ref, "issuetype", a.typ, b.typ)
	}
	str("summary", a.summary, b.summary)
	str("description", a.description, b.description)
	str("environment", a.environment, b.environment)
	if a.status != b.status {
		items = append(items, changeItem{field: "status", fieldtype: "jira", fieldID: "status",
			from: nilIfEmpty(idOf(a.status)), fromString: nilIfEmpty(nameOf(a.status)), to: ptr(b.status.ID), toString: ptr(b.status.Name)})
	}
	if a.priority != b.priority {
		namedChange(ref, "priority", a.priority, b.priority)
	}
	if a.resolution != b.resolution {
		namedChange(ref, "resolution", a.resolution, b.resolution)
	}
	userRef("assignee", a.assignee, b.assignee)
	userRef("reporter", a.reporter, b.reporter)
	if !slices.Equal(a.labels, b.labels) {
		items = append(items, changeItem{field: "labels", fieldtype: "jira", fieldID: "labels", from: ptr(""), fromString: ptr(strings.Join(a.labels, " ")), to: ptr(""), toString: ptr(strings.Join(b.labels, " "))})
	}
	items = append(items, memberChanges("Component", "components", a.components, b.components)...)
	items = append(items, memberChanges("Fix Version", "fixVersions", a.fixVersions, b.fixVersions)...)
	items = append(items, memberChanges("Version", "versions", a.versions, b.versions)...)
	if a.dueDate != b.dueDate {
		items = append(items, changeItem{field: "duedate", fieldtype: "jira", fieldID: "duedate", from: nilIfEmpty(a.dueDate), fromString: nilIfEmpty(a.dueDate), to: nilIfEmpty(b.dueDate), toString: nilIfEmpty(b.dueDate)})
	}
	if a.parent != b.parent {
		var oid, okey, nid, nkey string
		if a.parent != nil {
			oid, okey = a.parent.idStr, a.parent.key
		}
		if b.parent != nil {
			nid, nkey = b.parent.idStr, b.parent.key
		}
		items = append(items, changeItem{field: "IssueParentAssociation", fieldtype: "jira", from: nilIfEmpty(oid), fromString: nilIfEmpty(okey), to: nilIfEmpty(nid), toString: nilIfEmpty(nkey)})
	}
	if a.security != b.security {
		namedChange(ref, "security", a.security, b.security)
	}
	keys := slices.Sorted(maps.Keys(b.custom))
	for k := range a.custom {
		if _, ok := b.custom[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		ov, nv := customString(a.custom[k]), customString(b.custom[k])
		if ov != nv {
			name := k
			if f := s.st.fieldByID[k]; f != nil {
				name = f.Name
			}
			items = append(items, changeItem{field: name, fieldtype: "custom", fieldID: k, fromString: nilIfEmpty(ov), toString: nilIfEmpty(nv)})
		}
	}
	return items
}

// memberChanges records a change item for each member of new that old
// lacks (added) and then for each member of old that new lacks (removed),
// as Jira records the components and versions of an issue.
func memberChanges[T interface {
	comparable
	named
}](field, fieldID string, old, new []T) []changeItem {
	var items []changeItem
	for _, x := range new {
		if !slices.Contains(old, x) {
			id, name := x.idAndName()
			items = append(items, changeItem{field: field, fieldtype: "jira", fieldID: fieldID, to: ptr(id), toString: ptr(name)})
		}
	}
	for _, x := range old {
		if !slices.Contains(new, x) {
			id, name := x.idAndName()
			items = append(items, changeItem{field: field, fieldtype: "jira", fieldID: fieldID, from: ptr(id), fromString: ptr(name)})
		}
	}
	return items
}

func customString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []string:
		return strings.Join(x, ",")
	case *user:
		return x.DisplayName
	}
	return fmt.Sprint(v)
}

// namedChange records with ref the change of field from old to new, by
// their IDs and names.
func namedChange[P interface {
	*E
	named
}, E any](ref func(field, oldID, oldName, newID, newName string), field string, old, new P) {
	oid, oname := idAndNameOf(old)
	nid, nname := idAndNameOf(new)
	ref(field, oid, oname, nid, nname)
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ---- delete ----

func (s *Server) deleteIssueLocked(actor *user, r *issueRec, subtasks bool) *apiError {
	if !r.proj.can(actor, "DELETE_ISSUES") {
		return permissionErr("DELETE_ISSUES", "You do not have permission to delete issues in this project.")
	}
	live := slices.DeleteFunc(slices.Clone(r.subtasks), func(x *issueRec) bool { return x.deleted || !x.cur.typ.Subtask })
	if len(live) > 0 && !subtasks {
		return errf(http.StatusBadRequest, "The issue '%s' has subtasks. You must specify the 'deleteSubtasks' parameter to delete this issue with all its subtasks.", r.key)
	}
	for _, st := range live {
		s.removeIssue(actor, st)
	}
	s.removeIssue(actor, r)
	return nil
}

func (s *Server) removeIssue(actor *user, r *issueRec) {
	s.emitIssue(actor, r, "jira:issue_deleted", "issue_deleted", nil, nil)
	r.deleted = true
	s.st.live--
	s.st.reindex(r)
	delete(s.st.byKey, r.key)
	for _, l := range r.links {
		other := l.inward
		if other == r {
			other = l.outward
		}
		other.links = slices.DeleteFunc(other.links, func(x *issueLink) bool { return x == l })
		delete(s.st.links, l.id)
	}
}

func permissionErr(perm, msg string) *apiError {
	e := errf(http.StatusForbidden, "%s", msg)
	e.header = http.Header{}
	return e
}

// ---- snapshots ----

func (s *Server) snapshot(r *issueRec) Issue {
	d := &r.cur
	out := Issue{
		ID: r.idStr, Key: r.key, Project: r.proj.key, IssueType: d.typ.Name, Summary: d.summary,
		Description: d.description, Status: d.status.Name, StatusCategory: d.status.Category,
		Labels: slices.Clone(d.labels), DueDate: d.dueDate, Created: d.created, Updated: d.updated,
		ResolutionDate: d.resolutionDate,
	}
	if d.resolution != nil {
		out.Resolution = d.resolution.name
	}
	if d.priority != nil {
		out.Priority = d.priority.name
	}
	if d.assignee != nil {
		out.Assignee = d.assignee.ID(s.mode)
	}
	if d.reporter != nil {
		out.Reporter = d.reporter.ID(s.mode)
	}
	for _, c := range d.components {
		out.Components = append(out.Components, c.Name)
	}
	for _, v := range d.fixVersions {
		out.FixVersions = append(out.FixVersions, v.Name)
	}
	if d.parent != nil {
		out.Parent = d.parent.key
	}
	if d.security != nil {
		out.Security = d.security.Name
	}
	if len(d.custom) > 0 {
		out.Custom = map[string]any{}
		for k, v := range d.custom {
			if u, ok := v.(*user); ok {
				v = u.ID(s.mode)
			}
			out.Custom[k] = v
		}
	}
	if len(r.properties) > 0 {
		out.Properties = map[string]any{}
		for k, v := range r.properties {
			var x any
			_ = json.Unmarshal(v, &x)
			out.Properties[k] = x
		}
	}
	for _, w := range r.watchers {
		out.Watchers = append(out.Watchers, w.ID(s.mode))
	}
	return out
}
