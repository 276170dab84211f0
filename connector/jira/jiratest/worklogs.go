package jiratest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// recordWorklogChange notes that a worklog changed (or was deleted) at
// at, for /worklog/updated and /worklog/deleted, which list each worklog
// once with its latest change.
func (st *store) recordWorklogChange(id int64, at time.Time, deleted bool) {
	st.worklogChanges = slices.DeleteFunc(st.worklogChanges, func(ch worklogChange) bool { return ch.id == id })
	st.worklogChanges = append(st.worklogChanges, worklogChange{id: id, at: at, deleted: deleted})
}

// worklogFor finds the live worklog named by the path on r.
func (s *Server) worklogFor(c *call, r *issueRec) (*worklog, *apiError) {
	id, err := strconv.ParseInt(c.param(1), 10, 64)
	if err != nil {
		return nil, errf(http.StatusBadRequest, "The worklog id %q is not a number.", c.param(1))
	}
	for _, w := range r.worklogs {
		if w.id == id && !w.deleted {
			return w, nil
		}
	}
	return nil, errf(http.StatusNotFound, "Cannot find worklog with id: '%d' on issue %s.", id, r.key)
}

// worklogPerm is the permission a change to w needs: the OWN variant for
// its author, the ALL variant for anyone else.
func worklogPerm(w *worklog, u *user, verb string) string {
	return ownOrAll(w.author, u, verb, "WORKLOGS")
}

func (s *Server) handleWorklogGet(c *call, _ *issueRec, w *worklog) {
	c.json(http.StatusOK, withProperties(c, s.worklogJSON(w), w.properties))
}

// worklogEdit is a parsed worklog update: nil fields stay as they are.
type worklogEdit struct {
	comment    *string
	started    *time.Time
	seconds    *int64
	visibility *Visibility
}

func parseWorklogEdit(c *call) (worklogEdit, *apiError) {
	var b struct {
		Comment          *string     `json:"comment"`
		Started          *string     `json:"started"`
		TimeSpent        *string     `json:"timeSpent"`
		TimeSpentSeconds *int64      `json:"timeSpentSeconds"`
		Visibility       *Visibility `json:"visibility"`
	}
	var out worklogEdit
	if e := decode(c, &b); e != nil {
		return out, e
	}
	out.comment, out.visibility = b.Comment, b.Visibility
	switch {
	case b.TimeSpentSeconds != nil:
		if *b.TimeSpentSeconds <= 0 {
			return out, fieldErr(http.StatusBadRequest, "timeLogged", "You must indicate the time spent working.")
		}
		out.seconds = b.TimeSpentSeconds
	case b.TimeSpent != nil:
		n, ok := parseTimeSpent(*b.TimeSpent)
		if !ok {
			return out, fieldErr(http.StatusBadRequest, "timeLogged", "Invalid time duration entered: use e.g. \"3h 20m\".")
		}
		out.seconds = &n
	}
	if b.Started != nil {
		t, err := parseJiraTime(*b.Started)
		if err != nil {
			return out, fieldErr(http.StatusBadRequest, "started", "Invalid start date: use the format 2021-01-17T12:34:00.000+0000.")
		}
		out.started = &t
	}
	if out.visibility != nil {
		if msg := validVisibility(out.visibility); msg != "" {
			return out, fieldErr(http.StatusBadRequest, "visibility", msg)
		}
	}
	return out, nil
}

// updateWorklogLocked applies ed to w as actor, bumps the issue and
// raises worklog_updated.
func (s *Server) updateWorklogLocked(actor *user, r *issueRec, w *worklog, ed worklogEdit) {
	setIfGiven(&w.comment, ed.comment)
	setIfGiven(&w.started, ed.started)
	setIfGiven(&w.seconds, ed.seconds)
	if ed.visibility != nil {
		w.visibility = ed.visibility
	}
	now := s.stamp()
	w.updated, w.updater = now, actor
	s.st.recordWorklogChange(w.id, now, false)
	s.bump(r, now)
	s.emitWorklog(actor, r, w, "worklog_updated")
}

// deleteWorklogLocked deletes w as actor, bumps the issue and raises
// worklog_deleted.
func (s *Server) deleteWorklogLocked(actor *user, r *issueRec, w *worklog) {
	w.deleted = true
	now := s.stamp()
	s.st.recordWorklogChange(w.id, now, true)
	s.bump(r, now)
	s.emitWorklog(actor, r, w, "worklog_deleted")
}

func (s *Server) handleWorklogUpdate(c *call) {
	ed, e := parseWorklogEdit(c)
	if e != nil {
		c.fail(e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, w, ok := s.pathWorklog(c, "EDIT", "edit")
	if !ok {
		return
	}
	s.updateWorklogLocked(c.user, r, w, ed)
	c.json(http.StatusOK, s.worklogJSON(w))
}

func (s *Server) handleWorklogDelete(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, w, ok := s.pathWorklog(c, "DELETE", "delete")
	if !ok {
		return
	}
	s.deleteWorklogLocked(c.user, r, w)
	c.noContent()
}

// pathWorklog returns the issue and worklog of the path when the caller
// may change the worklog (verb is "EDIT" or "DELETE", action the word the
// 403 answer uses), or answers the error and returns ok false. Callers
// hold s.mu.
func (s *Server) pathWorklog(c *call, verb, action string) (*issueRec, *worklog, bool) {
	r, w, ok := pathChild(s, c, s.worklogFor)
	if !ok || !allowed(c, r.proj, worklogPerm(w, c.user, verb), "You do not have the permission to "+action+" this worklog.") {
		return nil, nil, false
	}
	return r, w, true
}

func (s *Server) handleWorklogUpdated(c *call) { s.worklogChangesSince(c, false) }
func (s *Server) handleWorklogDeleted(c *call) { s.worklogChangesSince(c, true) }

// worklogChangesSince serves /worklog/updated (deleted false) and
// /worklog/deleted: the worklogs changed after since (epoch ms), oldest
// first, 1000 a page. Updated worklogs are those the caller can see;
// deleted ones are listed for everyone, as on Jira.
func (s *Server) worklogChangesSince(c *call, deleted bool) {
	raw := c.query("since")
	var since int64
	if raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			c.fail(errf(http.StatusBadRequest, "The since parameter must be epoch milliseconds, got '%s'.", raw))
			return
		}
		since = n
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	vals := []any{}
	var until int64
	last := true
	for _, ch := range s.st.worklogChanges {
		ms := ch.at.UnixMilli()
		if ch.deleted != deleted || ms <= since {
			continue
		}
		if !deleted {
			w := s.st.worklogs[ch.id]
			if w == nil || w.issue.deleted || !w.issue.canSee(c.user) {
				continue
			}
		}
		if len(vals) == 1000 {
			last = false
			break
		}
		vals = append(vals, map[string]any{"worklogId": ch.id, "updatedTime": ms, "properties": []any{}})
		until = ms
	}
	if until == 0 {
		until = s.now().UnixMilli()
	}
	path := "/rest/api/2/worklog/updated"
	if deleted {
		path = "/rest/api/2/worklog/deleted"
	}
	out := map[string]any{"values": vals, "since": since, "until": until, "self": s.url + c.r.URL.String(), "lastPage": last}
	if !last {
		out["nextPage"] = s.url + path + "?since=" + strconv.FormatInt(until, 10)
	}
	c.json(http.StatusOK, out)
}

// UpdateWorklogAs changes a worklog's time spent and comment as a user,
// as the worklog endpoint would (raising worklog_updated). A zero spent
// keeps the time spent.
func (s *Server) UpdateWorklogAs(userID, key, worklogID string, spent time.Duration, comment string) (Worklog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, w, err := s.worklogAs(userID, key, worklogID, "EDIT")
	if err != nil {
		return Worklog{}, err
	}
	ed := worklogEdit{comment: &comment}
	if spent != 0 {
		if spent < time.Minute {
			return Worklog{}, fmt.Errorf("jiratest: time spent must be at least a minute, got %v", spent)
		}
		secs := int64(spent / time.Second)
		ed.seconds = &secs
	}
	s.updateWorklogLocked(u, r, w, ed)
	return s.worklogSnapshot(w), nil
}

// DeleteWorklogAs deletes a worklog as a user, as the worklog endpoint
// would (raising worklog_deleted).
func (s *Server) DeleteWorklogAs(userID, key, worklogID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, r, w, err := s.worklogAs(userID, key, worklogID, "DELETE")
	if err != nil {
		return err
	}
	s.deleteWorklogLocked(u, r, w)
	return nil
}

func (s *Server) worklogAs(userID, key, worklogID, verb string) (*user, *issueRec, *worklog, error) {
	u, r, err := s.issueAs(userID, key, "", "")
	if err != nil {
		return nil, nil, nil, err
	}
	for _, w := range r.worklogs {
		if strconv.FormatInt(w.id, 10) == worklogID && !w.deleted {
			if perm := worklogPerm(w, u, verb); !r.proj.can(u, perm) {
				return nil, nil, nil, permissionErr(perm, "You do not have the permission to change this worklog.")
			}
			return u, r, w, nil
		}
	}
	return nil, nil, nil, fmt.Errorf("jiratest: issue %s has no worklog %q", r.key, worklogID)
}
