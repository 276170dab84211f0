package jiratest

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RemoteLink is a remote issue link (a link from an issue to an item in
// another system), as RemoteLinks reports it.
type RemoteLink struct {
	ID           string
	IssueKey     string
	GlobalID     string // empty when the link was created without one
	Relationship string
	URL          string // object.url
	Title        string // object.title
	Summary      string // object.summary
	Application  string // application.name
}

// remoteLink is a stored remote issue link. application and object keep
// every property the client sent, as Jira does.
type remoteLink struct {
	id           int64
	issue        *issueRec
	globalID     string
	relationship string
	application  map[string]any
	object       map[string]any
}

// remoteLinkBody is a RemoteIssueLinkRequest.
type remoteLinkBody struct {
	GlobalID     string         `json:"globalId"`
	Application  map[string]any `json:"application"`
	Relationship string         `json:"relationship"`
	Object       map[string]any `json:"object"`
}

// maxGlobalID is the longest globalId Jira stores.
const maxGlobalID = 255

func (b *remoteLinkBody) validate() *apiError {
	e := &apiError{status: http.StatusBadRequest}
	if b.Object == nil {
		e.add("object", "'object' is required: send {\"object\": {\"url\": \"https://...\", \"title\": \"...\"}}.")
		return e
	}
	for _, k := range []string{"url", "title"} {
		if v, _ := b.Object[k].(string); strings.TrimSpace(v) == "" {
			e.add(k, "'"+k+"' is required.")
		}
	}
	if utf8.RuneCountInString(b.GlobalID) > maxGlobalID {
		e.add("globalId", "The globalId must be at most 255 characters long.")
	}
	if len(e.fields) > 0 {
		return e
	}
	return nil
}

// set replaces every field of l with the request's; fields the request
// leaves out become empty, as the spec says of an update.
func (l *remoteLink) set(b *remoteLinkBody) {
	l.globalID = b.GlobalID
	l.relationship = b.Relationship
	l.application = maps.Clone(b.Application)
	l.object = maps.Clone(b.Object)
}

func (s *Server) remoteLinkSelf(l *remoteLink) string {
	return s.url + "/rest/api/2/issue/" + l.issue.key + "/remotelink/" + strconv.FormatInt(l.id, 10)
}

func (s *Server) remoteLinkJSON(l *remoteLink) map[string]any {
	app := l.application
	if app == nil {
		app = map[string]any{}
	}
	m := map[string]any{"id": l.id, "self": s.remoteLinkSelf(l), "application": app, "object": l.object}
	if l.globalID != "" {
		m["globalId"] = l.globalID
	}
	if l.relationship != "" {
		m["relationship"] = l.relationship
	}
	return m
}

func (r *issueRec) remoteLinkByGlobalID(id string) *remoteLink {
	for _, l := range r.remoteLinks {
		if l.globalID == id {
			return l
		}
	}
	return nil
}

// remoteLinkFor finds the link named by the path on r.
func (s *Server) remoteLinkFor(c *call, r *issueRec) (*remoteLink, *apiError) {
	id, err := strconv.ParseInt(c.param(1), 10, 64)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "The remote link id %q is not a number.", c.param(1))
	}
	for _, l := range r.remoteLinks {
		if l.id == id {
			return l, nil
		}
	}
	return nil, errf(http.StatusNotFound, "No remote link with id %d exists on issue %s.", id, r.key)
}

// remoteLinkByQuery finds the link on r whose global id the globalId
// query parameter names.
func (s *Server) remoteLinkByQuery(c *call, r *issueRec) (*remoteLink, *apiError) {
	gid := c.query("globalId")
	if l := r.remoteLinkByGlobalID(gid); l != nil {
		return l, nil
	}
	return nil, errf(http.StatusNotFound, "No remote link with global id %q exists on issue %s.", gid, r.key)
}

// canLink answers 403 unless the caller may link issues in r's project.
func (s *Server) canLink(c *call, r *issueRec) bool {
	return allowed(c, r.proj, "LINK_ISSUES", "You do not have the permission to link issues in this project.")
}

func (s *Server) handleRemoteLinkList(c *call, r *issueRec) {
	if c.r.URL.Query().Has("globalId") {
		l, e := s.remoteLinkByQuery(c, r)
		if e != nil {
			c.fail(e)
			return
		}
		c.json(http.StatusOK, s.remoteLinkJSON(l))
		return
	}
	out := jsonList(r.remoteLinks, s.remoteLinkJSON)
	c.json(http.StatusOK, out)
}

func (s *Server) handleRemoteLinkGet(c *call, _ *issueRec, l *remoteLink) {
	c.json(http.StatusOK, s.remoteLinkJSON(l))
}

// handleRemoteLinkCreate creates a link, or updates the issue's link with
// the same globalId (200 instead of 201).
func (s *Server) handleRemoteLinkCreate(c *call, b *remoteLinkBody) {
	r := s.pathIssue(c)
	if r == nil || !s.canLink(c, r) {
		return
	}
	if e := b.validate(); e != nil {
		c.fail(e)
		return
	}
	status := http.StatusOK
	l := (*remoteLink)(nil)
	if b.GlobalID != "" {
		l = r.remoteLinkByGlobalID(b.GlobalID)
	}
	if l == nil {
		status = http.StatusCreated
		l = &remoteLink{id: s.st.nextRemoteLinkID, issue: r}
		s.st.nextRemoteLinkID++
		r.remoteLinks = append(r.remoteLinks, l)
	}
	l.set(b)
	c.json(status, map[string]any{"id": l.id, "self": s.remoteLinkSelf(l)})
}

func (s *Server) handleRemoteLinkUpdate(c *call, b *remoteLinkBody) {
	r, l, ok := pathChild(s, c, s.remoteLinkFor)
	if !ok || !s.canLink(c, r) {
		return
	}
	if e := b.validate(); e != nil {
		c.fail(e)
		return
	}
	if b.GlobalID != "" {
		if other := r.remoteLinkByGlobalID(b.GlobalID); other != nil && other != l {
			c.fail(fieldErr(http.StatusBadRequest, "globalId", "Another remote link on this issue already has this globalId."))
			return
		}
	}
	l.set(b)
	c.noContent()
}

func (s *Server) handleRemoteLinkDelete(c *call) { s.deleteRemoteLink(c, s.remoteLinkFor) }

func (s *Server) handleRemoteLinkDeleteByGlobalID(c *call) {
	q := c.r.URL.Query()
	if !q.Has("globalId") || q.Get("globalId") == "" {
		c.fail(errf(http.StatusBadRequest, "The globalId query parameter is required: DELETE .../remotelink?globalId=<escaped id>, or DELETE .../remotelink/{linkId}."))
		return
	}
	s.deleteRemoteLink(c, s.remoteLinkByQuery)
}

// deleteRemoteLink removes the remote link find locates on the path's
// issue, when the caller may change the issue's links.
func (s *Server) deleteRemoteLink(c *call, find func(*call, *issueRec) (*remoteLink, *apiError)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, l, ok := pathChild(s, c, find)
	if !ok || !s.canLink(c, r) {
		return
	}
	s.removeRemoteLink(r, l)
	c.noContent()
}

func (s *Server) removeRemoteLink(r *issueRec, l *remoteLink) {
	for i, x := range r.remoteLinks {
		if x == l {
			r.remoteLinks = append(r.remoteLinks[:i:i], r.remoteLinks[i+1:]...)
			return
		}
	}
}

// RemoteLinks returns the remote issue links of an issue, oldest first.
func (s *Server) RemoteLinks(key string) []RemoteLink {
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	return issueItems(s, key, func(r *issueRec) []*remoteLink { return r.remoteLinks }, func(l *remoteLink) (RemoteLink, bool) {
		return RemoteLink{
			ID: strconv.FormatInt(l.id, 10), IssueKey: l.issue.key, GlobalID: l.globalID, Relationship: l.relationship,
			URL: str(l.object, "url"), Title: str(l.object, "title"), Summary: str(l.object, "summary"), Application: str(l.application, "name"),
		}, true
	})
}
