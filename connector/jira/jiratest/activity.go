package jiratest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ---- comments ----

// canSeeComment applies comment visibility: group members, role
// "Administrators" for admins, other roles for everyone in the project.
func (c *comment) visibleTo(u *user) bool {
	if c.visibility == nil || u == c.author {
		return true
	}
	switch c.visibility.Type {
	case "group":
		return u != nil && slices.Contains(u.Groups, c.visibility.Value)
	case "role":
		if strings.EqualFold(c.visibility.Value, "Administrators") {
			return u != nil && (u.Admin || c.issue.proj.can(u, "ADMINISTER_PROJECTS") && c.issue.proj.restricted[u] != nil)
		}
	}
	return true
}

func (s *Server) visibleComments(r *issueRec, u *user) []*comment {
	var out []*comment
	for _, c := range r.comments {
		if !c.deleted && c.visibleTo(u) {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) addCommentLocked(actor *user, r *issueRec, body string, vis *Visibility) *comment {
	now := s.stamp()
	c := &comment{id: s.st.nextCommentID, issue: r, author: actor, updater: actor, body: body, visibility: vis, created: now, updated: now}
	s.st.nextCommentID++
	r.comments = append(r.comments, c)
	s.st.comments[c.id] = c
	s.bump(r, now)
	s.emitComment(actor, r, c, "comment_created", "issue_commented")
	return c
}

type commentBody struct {
	Body       *string          `json:"body"`
	Visibility *Visibility      `json:"visibility"`
	Properties []entityProperty `json:"properties"`
}

func validVisibility(v *Visibility) string {
	if v == nil {
		return ""
	}
	if v.Type != "group" && v.Type != "role" {
		return "Visibility type must be 'group' or 'role'."
	}
	if v.Value == "" {
		return "Visibility value must name the group or role."
	}
	return ""
}

func (s *Server) handleCommentCreate(c *call) {
	var b commentBody
	if !decoded(c, &b) {
		return
	}
	if b.Body == nil || strings.TrimSpace(*b.Body) == "" {
		c.fail(fieldErr(http.StatusBadRequest, "comment", "Comment body can not be empty!"))
		return
	}
	if _, isString := any(*b.Body).(string); !isString {
		c.fail(fieldErr(http.StatusBadRequest, "comment", "Comment body must be a string on API v2."))
		return
	}
	if msg := validVisibility(b.Visibility); msg != "" {
		c.fail(fieldErr(http.StatusBadRequest, "commentLevel", msg))
		return
	}
	props, e := parseEntityProperties(b.Properties)
	if e != nil {
		c.fail(e)
		return
	}
	// The answer is rendered under the lock and encoded after it, so
	// that comments added at once wait for each other's changes only.
	var out map[string]any
	writing(s, s.issueWith("ADD_COMMENTS", "You do not have the permission to comment on this issue."), func(c *call, r *issueRec) {
		cm := s.addCommentLocked(c.user, r, *b.Body, b.Visibility)
		cm.properties = props
		cm.internal = internalProperty(props)
		out = withProperties(c, s.commentJSON(cm), cm.properties)
	})(c)
	if out != nil {
		c.json(http.StatusCreated, out)
	}
}

func (s *Server) handleCommentList(c *call, r *issueRec) {
	list := s.visibleComments(r, c.user)
	if c.query("orderBy") == "-created" {
		list = slices.Clone(list)
		slices.Reverse(list)
	}
	start, max := pageParams(c, 5000)
	page, _ := pageOf(list, start, max)
	out := jsonList(page, func(cm *comment) map[string]any { return withProperties(c, s.commentJSON(cm), cm.properties) })
	c.json(http.StatusOK, map[string]any{"startAt": start, "maxResults": max, "total": len(list), "comments": out})
}

func (s *Server) commentFor(c *call, r *issueRec) (*comment, *apiError) {
	id, _ := strconv.ParseInt(c.param(1), 10, 64)
	cm := s.st.comments[id]
	if cm == nil || cm.issue != r || cm.deleted || !cm.visibleTo(c.user) {
		return nil, errf(http.StatusNotFound, "Can not find a comment for the id: %s.", c.param(1))
	}
	return cm, nil
}

func (s *Server) handleCommentGet(c *call, _ *issueRec, cm *comment) {
	c.json(http.StatusOK, withProperties(c, s.commentJSON(cm), cm.properties))
}

func (s *Server) handleCommentUpdate(c *call, b *commentBody) {
	r, cm, ok := pathChild(s, c, s.commentFor)
	if !ok {
		return
	}
	if !allowed(c, r.proj, ownOrAll(cm.author, c.user, "EDIT", "COMMENTS"), "You do not have the permission to edit this comment.") {
		return
	}
	if b.Body != nil {
		if strings.TrimSpace(*b.Body) == "" {
			c.fail(fieldErr(http.StatusBadRequest, "comment", "Comment body can not be empty!"))
			return
		}
		cm.body = *b.Body
	}
	if b.Visibility != nil {
		if msg := validVisibility(b.Visibility); msg != "" {
			c.fail(fieldErr(http.StatusBadRequest, "commentLevel", msg))
			return
		}
		cm.visibility = b.Visibility
	}
	now := s.stamp()
	cm.updated, cm.updater = now, c.user
	s.bump(r, now)
	s.emitComment(c.user, r, cm, "comment_updated", "issue_comment_edited")
	c.json(http.StatusOK, s.commentJSON(cm))
}

func (s *Server) handleCommentDelete(c *call, r *issueRec, cm *comment) {
	if !allowed(c, r.proj, ownOrAll(cm.author, c.user, "DELETE", "COMMENTS"), "You do not have the permission to delete this comment.") {
		return
	}
	cm.deleted = true
	now := s.stamp()
	s.bump(r, now)
	s.emitComment(c.user, r, cm, "comment_deleted", "issue_comment_deleted")
	c.noContent()
}

// ---- attachments ----

// AttachmentUploadLimit is the largest attachment the simulator accepts.
const AttachmentUploadLimit = 10 << 20

func (s *Server) handleAttachmentUpload(c *call) {
	if !strings.EqualFold(c.r.Header.Get("X-Atlassian-Token"), "no-check") {
		c.fail(errf(http.StatusForbidden, "XSRF check failed: send the header X-Atlassian-Token: no-check with multipart uploads."))
		return
	}
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		c.fail(errf(http.StatusBadRequest, "Attachments must be sent as multipart/form-data with a part named 'file'."))
		return
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	type upload struct {
		name, mime string
		data       []byte
	}
	var files []upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.fail(errf(http.StatusBadRequest, "The multipart body could not be read: %v", err))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, AttachmentUploadLimit+1))
		if err != nil {
			c.fail(errf(http.StatusBadRequest, "The multipart body could not be read: %v", err))
			return
		}
		if len(data) > AttachmentUploadLimit {
			c.fail(errf(http.StatusRequestEntityTooLarge, "The file %s is larger than the attachment limit of %d bytes.", part.FileName(), AttachmentUploadLimit))
			return
		}
		ct := part.Header.Get("Content-Type")
		if ct == "" || ct == "application/octet-stream" {
			if guess := mime.TypeByExtension(extOf(part.FileName())); guess != "" {
				ct = guess
			} else {
				ct = http.DetectContentType(data)
			}
		}
		files = append(files, upload{name: part.FileName(), mime: ct, data: data})
	}
	if len(files) == 0 {
		c.fail(errf(http.StatusBadRequest, "No file was attached: send a multipart part named 'file'."))
		return
	}
	if len(files) > 60 {
		c.fail(errf(http.StatusRequestEntityTooLarge, "At most 60 files may be attached at once."))
		return
	}
	writing(s, s.issueWith("CREATE_ATTACHMENTS", "You do not have permission to create attachments for this issue."), func(c *call, r *issueRec) {
		now := s.stamp()
		out := []any{}
		items := make([]changeItem, 0, len(files))
		for _, f := range files {
			a := &attachment{id: s.st.nextAttachID, issue: r, author: c.user, filename: f.name, mime: f.mime, content: f.data, created: now}
			s.st.nextAttachID++
			r.attachments = append(r.attachments, a)
			s.st.attachments[a.id] = a
			out = append(out, s.attachmentJSON(a))
			s.emitAttachment(c.user, r, a, "attachment_created")
			items = append(items, attachmentItem(a, true))
		}
		// Jira records each upload in the changelog and raises
		// jira:issue_updated, like a field edit.
		s.commitItems(c.user, r, r.cur.clone(), items, "issue_updated", nil)
		c.json(http.StatusOK, out)
	})(c)
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func (s *Server) attachmentFor(c *call, id string) (*attachment, *apiError) {
	n, _ := strconv.ParseInt(id, 10, 64)
	a := s.st.attachments[n]
	if a == nil || a.issue.deleted || !a.issue.canSee(c.user) {
		return nil, errf(http.StatusNotFound, "The attachment with id '%s' does not exist", id)
	}
	return a, nil
}

// pathAttachment returns the visible attachment of the path's id, or
// answers 404 and returns nil. Callers hold s.mu.
func (s *Server) pathAttachment(c *call) *attachment {
	a, e := s.attachmentFor(c, c.param(0))
	return orFail(c, a, e)
}

func (s *Server) handleAttachmentMeta(c *call) {
	c.json(http.StatusOK, map[string]any{"enabled": true, "uploadLimit": AttachmentUploadLimit})
}

func (s *Server) handleAttachmentGet(c *call, a *attachment) {
	m := s.attachmentJSON(a)
	if s.mode == Cloud {
		// Cloud's metadata endpoint (AttachmentMetadata) writes the id
		// as a number, unlike the attachment objects of issue fields and
		// upload answers, which write it as a string.
		m["id"] = a.id
	}
	c.json(http.StatusOK, m)
}

func (s *Server) handleAttachmentDelete(c *call, a *attachment) {
	if !allowed(c, a.issue.proj, ownOrAll(a.author, c.user, "DELETE", "ATTACHMENTS"), "You do not have permission to delete this attachment.") {
		return
	}
	delete(s.st.attachments, a.id)
	r := a.issue
	r.attachments = slices.DeleteFunc(r.attachments, func(x *attachment) bool { return x == a })
	s.emitAttachment(c.user, r, a, "attachment_deleted")
	s.commitItems(c.user, r, r.cur.clone(), []changeItem{attachmentItem(a, false)}, "issue_updated", nil)
	c.noContent()
}

// attachmentItem is the changelog item Jira records when a is added (the
// id and file name as the new value) or removed (as the old value).
func attachmentItem(a *attachment, added bool) changeItem {
	it := changeItem{field: "Attachment", fieldtype: "jira", fieldID: "attachment"}
	id, name := ptr(strconv.FormatInt(a.id, 10)), ptr(a.filename)
	if added {
		it.to, it.toString = id, name
	} else {
		it.from, it.fromString = id, name
	}
	return it
}

// handleAttachmentContent answers Cloud downloads with a 303 to a signed
// media URL on another host, which must be fetched without credentials.
func (s *Server) handleAttachmentContent(c *call) {
	s.mu.Lock()
	a, e := s.attachmentFor(c, c.param(0))
	var tok string
	if e == nil {
		tok = randomToken(16)
		s.st.mediaTokens[tok] = a.id
	}
	s.mu.Unlock()
	if e != nil {
		c.fail(e)
		return
	}
	if c.query("redirect") == "false" {
		writeFile(c, a)
		return
	}
	c.w.Header().Set("Location", s.mediaURL+"/media/file/"+tok+"/"+url.PathEscape(a.filename))
	c.w.WriteHeader(http.StatusSeeOther)
}

func writeFile(c *call, a *attachment) {
	c.w.Header().Set("Content-Type", a.mime)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(a.content)))
	c.w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.filename}))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(a.content)
	}
}

func (s *Server) handleMedia(c *call) {
	if c.r.Header.Get("Authorization") != "" {
		// The media host rejects Jira credentials: clients must not
		// forward them across the redirect.
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(http.StatusUnauthorized)
		_, _ = c.w.Write([]byte(`{"error":"The media service does not accept Jira credentials; follow the redirect without the Authorization header."}`))
		return
	}
	s.mu.RLock()
	id, ok := s.st.mediaTokens[c.param(0)]
	a := s.st.attachments[id]
	s.mu.RUnlock()
	if !ok || a == nil {
		c.w.WriteHeader(http.StatusNotFound)
		return
	}
	writeFile(c, a)
}

func (s *Server) handleSecureAttachment(c *call) {
	s.mu.RLock()
	a, e := s.attachmentFor(c, c.param(0))
	s.mu.RUnlock()
	if e != nil {
		c.fail(e)
		return
	}
	writeFile(c, a)
}

// ---- links ----

func (s *Server) handleLinkCreate(c *call) {
	var b struct {
		Type         map[string]any `json:"type"`
		InwardIssue  map[string]any `json:"inwardIssue"`
		OutwardIssue map[string]any `json:"outwardIssue"`
		Comment      *commentBody   `json:"comment"`
	}
	if !decoded(c, &b) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var lt *linkType
	ref, _ := refOf(b.Type, false, "name", "id")
	for _, t := range s.st.linkTypes {
		if t.id == ref || strings.EqualFold(t.name, ref) {
			lt = t
		}
	}
	if lt == nil {
		c.fail(errf(http.StatusNotFound, "No issue link type with name '%s' found.", ref))
		return
	}
	inKey, _ := refOf(b.InwardIssue, false, "key", "id")
	outKey, _ := refOf(b.OutwardIssue, false, "key", "id")
	in, out := s.st.issue(inKey), s.st.issue(outKey)
	if in == nil || !in.canSee(c.user) || out == nil || !out.canSee(c.user) {
		c.fail(errf(http.StatusNotFound, "Issue does not exist or you do not have permission to see it."))
		return
	}
	if !allowed(c, in.proj, "LINK_ISSUES", "You do not have the permission to link issues.") {
		return
	}
	now := s.stamp()
	l := &issueLink{id: s.st.nextLinkID, typ: lt, inward: in, outward: out, created: now, createdB: c.user}
	s.st.nextLinkID++
	s.st.links[l.id] = l
	in.links = append(in.links, l)
	if out != in {
		out.links = append(out.links, l)
	}
	if b.Comment != nil && b.Comment.Body != nil && *b.Comment.Body != "" {
		s.addCommentLocked(c.user, in, *b.Comment.Body, b.Comment.Visibility)
	}
	c.w.WriteHeader(http.StatusCreated)
}

func (s *Server) linkFor(c *call) (*issueLink, *apiError) {
	n, _ := strconv.ParseInt(c.param(0), 10, 64)
	l := s.st.links[n]
	if l == nil || !l.inward.canSee(c.user) || !l.outward.canSee(c.user) {
		return nil, errf(http.StatusNotFound, "No issue link with id '%s' exists.", c.param(0))
	}
	return l, nil
}

// pathLink returns the issue link of the path's id, or answers 404 and
// returns nil. Callers hold s.mu.
func (s *Server) pathLink(c *call) *issueLink {
	l, e := s.linkFor(c)
	return orFail(c, l, e)
}

func (s *Server) handleLinkGet(c *call, l *issueLink) {
	c.json(http.StatusOK, s.linkJSON(l, nil))
}

func (s *Server) handleLinkDelete(c *call, l *issueLink) {
	if !allowed(c, l.inward.proj, "LINK_ISSUES", "You do not have the permission to delete links.") {
		return
	}
	delete(s.st.links, l.id)
	for _, r := range []*issueRec{l.inward, l.outward} {
		r.links = slices.DeleteFunc(r.links, func(x *issueLink) bool { return x == l })
	}
	c.noContent()
}

// ---- watchers ----

func (s *Server) handleWatchers(c *call, r *issueRec) {
	list := []any{}
	for _, w := range r.watchers {
		list = append(list, s.userJSON(w, false))
	}
	c.json(http.StatusOK, map[string]any{"self": s.url + "/rest/api/2/issue/" + r.key + "/watchers", "isWatching": slices.Contains(r.watchers, c.user), "watchCount": len(r.watchers), "watchers": list})
}

func (s *Server) handleWatcherAdd(c *call) {
	var ref string
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := json.Unmarshal(c.body, &ref); err != nil {
			c.fail(errf(http.StatusBadRequest, "The body must be a JSON string holding the user's %s, e.g. \"5b10ac8d82e05b22cc7d4ef5\".", s.idWord()))
			return
		}
	}
	writing(s, s.pathIssue, func(c *call, r *issueRec) {
		u := c.user
		if ref != "" {
			u = s.st.user(ref)
			if u == nil || (s.mode == Cloud && u.AccountID != ref) || (s.mode == DataCenter && u.Name != ref) {
				c.fail(errNoWatcher(ref))
				return
			}
			if !mayWatchFor(c, r, u) {
				return
			}
		}
		if !slices.Contains(r.watchers, u) {
			r.watchers = append(r.watchers, u)
		}
		c.noContent()
	})(c)
}

func (s *Server) idWord() string {
	if s.mode == DataCenter {
		return "username"
	}
	return "accountId"
}

func (s *Server) handleWatcherRemove(c *call) {
	ref := c.query(s.idWord())
	if ref == "" {
		c.fail(errf(http.StatusBadRequest, "The %s query parameter is required.", s.idWord()))
		return
	}
	writing(s, s.pathIssue, func(c *call, r *issueRec) {
		u := s.st.user(ref)
		if u == nil {
			c.fail(errNoWatcher(ref))
			return
		}
		if !mayWatchFor(c, r, u) {
			return
		}
		r.watchers = slices.DeleteFunc(r.watchers, func(x *user) bool { return x == u })
		c.noContent()
	})(c)
}

func errNoWatcher(ref string) *apiError {
	return errf(http.StatusNotFound, "The user \"%s\" does not exist.", ref)
}

// mayWatchFor reports whether the caller may add u to or remove u from
// r's watchers: anyone for themselves, MANAGE_WATCHERS for someone else.
// It answers 403 when not.
func mayWatchFor(c *call, r *issueRec, u *user) bool {
	return u == c.user || allowed(c, r.proj, "MANAGE_WATCHERS", "You do not have the permission to manage the watcher list.")
}

// ---- worklogs ----

func (s *Server) addWorklogLocked(actor *user, r *issueRec, started time.Time, seconds int64, text string, vis *Visibility) *worklog {
	now := s.stamp()
	w := &worklog{id: s.st.nextWorklogID, issue: r, author: actor, updater: actor, comment: text, started: started, seconds: seconds, created: now, updated: now, visibility: vis}
	s.st.nextWorklogID++
	r.worklogs = append(r.worklogs, w)
	s.st.worklogs[w.id] = w
	s.st.recordWorklogChange(w.id, now, false)
	s.bump(r, now)
	s.emitWorklog(actor, r, w, "worklog_created")
	return w
}

// parseTimeSpent reads Jira durations like "3h 20m", "1d", "2w".
func parseTimeSpent(v string) (int64, bool) {
	var total int64
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return 0, false
	}
	for _, f := range fields {
		if len(f) < 2 {
			return 0, false
		}
		n, err := strconv.ParseFloat(f[:len(f)-1], 64)
		if err != nil || n < 0 {
			return 0, false
		}
		unit := map[byte]float64{'w': 5 * 8 * 3600, 'd': 8 * 3600, 'h': 3600, 'm': 60}[f[len(f)-1]]
		if unit == 0 {
			return 0, false
		}
		total += int64(n * unit)
	}
	return total, total > 0
}

func (s *Server) handleWorklogAdd(c *call) {
	var b struct {
		Comment          string           `json:"comment"`
		Started          string           `json:"started"`
		TimeSpent        string           `json:"timeSpent"`
		TimeSpentSeconds int64            `json:"timeSpentSeconds"`
		Visibility       *Visibility      `json:"visibility"`
		Properties       []entityProperty `json:"properties"`
	}
	if !decoded(c, &b) {
		return
	}
	props, e := parseEntityProperties(b.Properties)
	if e != nil {
		c.fail(e)
		return
	}
	secs := b.TimeSpentSeconds
	if secs == 0 && b.TimeSpent != "" {
		n, ok := parseTimeSpent(b.TimeSpent)
		if !ok {
			c.fail(fieldErr(http.StatusBadRequest, "timeLogged", "Invalid time duration entered."))
			return
		}
		secs = n
	}
	if secs <= 0 {
		c.fail(fieldErr(http.StatusBadRequest, "timeLogged", "You must indicate the time spent working."))
		return
	}
	started := s.stamp()
	if b.Started != "" {
		t, err := parseJiraTime(b.Started)
		if err != nil {
			c.fail(fieldErr(http.StatusBadRequest, "started", "Invalid start date: use the format 2021-01-17T12:34:00.000+0000."))
			return
		}
		started = t
	}
	writing(s, s.issueWith("WORK_ON_ISSUES", "You do not have the permission to log work on this issue."), func(c *call, r *issueRec) {
		w := s.addWorklogLocked(c.user, r, started, secs, b.Comment, b.Visibility)
		w.properties = props
		c.json(http.StatusCreated, withProperties(c, s.worklogJSON(w), w.properties))
	})(c)
}

func (s *Server) handleWorklogList(c *call, r *issueRec) {
	var list []*worklog
	after, before := int64(intParam(c, "startedAfter", 0)), int64(intParam(c, "startedBefore", 0))
	for _, w := range r.worklogs {
		ms := w.started.UnixMilli()
		if w.deleted || (after > 0 && ms < after) || (before > 0 && ms >= before) {
			continue
		}
		list = append(list, w)
	}
	start, max := pageParams(c, 5000)
	page, _ := pageOf(list, start, max)
	out := jsonList(page, func(w *worklog) map[string]any { return withProperties(c, s.worklogJSON(w), w.properties) })
	c.json(http.StatusOK, map[string]any{"startAt": start, "maxResults": max, "total": len(list), "worklogs": out})
}
