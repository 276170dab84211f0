package jiratest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Jira Software (/rest/agile/1.0): boards tied to projects, sprints with
// the states future, active and closed, each issue's open sprint (none
// means the backlog) and the closed sprints it was in, epics, and one rank
// order over every issue. Cloud keeps an issue's epic in its parent field;
// Data Center in the Epic Link field, which the agile API sets.

// Board is a Jira Software board of a project.
type Board struct {
	ID   int64
	Name string
	// Type is "scrum" (the default) or "kanban"; only scrum boards have
	// sprints.
	Type string
	// Project is the key of the board's project.
	Project string
}

// Sprint is a sprint of a scrum board, as AddSprint seeds it and Sprints
// reports it.
type Sprint struct {
	ID      int64
	Name    string
	Goal    string
	BoardID int64
	// State is "future" (the default), "active" or "closed".
	State        string
	StartDate    time.Time
	EndDate      time.Time
	CompleteDate time.Time
	// Issues are the keys of the sprint's issues: for an open sprint, the
	// issues in it now; for a closed one, the issues it held when closed.
	Issues []string
}

// AgileDemo is what SeedAgile adds to the demo project.
type AgileDemo struct {
	// Board is DEMO's scrum board; Kanban its kanban board.
	Board, Kanban Board
	// Closed, Active and Future are sprints of Board in each state; Active
	// holds DEMO-1 and DEMO-2.
	Closed, Active, Future Sprint
	// Epic is an issue of type Epic in DEMO.
	Epic Issue
}

type board struct {
	id   int64
	name string
	typ  string
	proj *project
}

type sprint struct {
	id                                       int64
	name, goal, state                        string
	board                                    *board
	start, end, complete, created, activated time.Time
	closedWith                               []*issueRec
}

// agileState is the Jira Software part of the store.
type agileState struct {
	boards     []*board
	sprints    []*sprint
	nextBoard  int64
	nextSprint int64
	sprintOf   map[*issueRec]*sprint
	closedOf   map[*issueRec][]*sprint
	epicLink   map[*issueRec]*issueRec // Data Center's Epic Link
	ranked     []*issueRec
}

// agileOf returns the store's agile state, made on first use. Callers
// hold s.mu.
func (st *store) agileOf() *agileState {
	if st.agile == nil {
		st.agile = &agileState{nextBoard: 1, nextSprint: 1, sprintOf: map[*issueRec]*sprint{},
			closedOf: map[*issueRec][]*sprint{}, epicLink: map[*issueRec]*issueRec{}}
	}
	return st.agile
}

func (a *agileState) board(id string) *board {
	return byNumber(a.boards, id, func(b *board) int64 { return b.id })
}

func (a *agileState) sprint(id string) *sprint {
	return byNumber(a.sprints, id, func(sp *sprint) int64 { return sp.id })
}

// byNumber returns the item of items whose number, as number reads it,
// is id, or nil.
func byNumber[T any](items []*T, id string, number func(*T) int64) *T {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	for _, x := range items {
		if number(x) == n {
			return x
		}
	}
	return nil
}

// rankOrder returns every live issue in rank order: the ranked ones first, in
// their order, then the others by id (new issues rank last, as in Jira).
func (st *store) rankOrder() []*issueRec {
	a := st.agileOf()
	in := map[*issueRec]bool{}
	live := a.ranked[:0]
	for _, r := range a.ranked {
		if !r.deleted {
			live = append(live, r)
			in[r] = true
		}
	}
	a.ranked = live
	for _, r := range st.issues {
		if !r.deleted && !in[r] {
			a.ranked = append(a.ranked, r)
		}
	}
	return a.ranked
}

// inRank sorts issues by rank.
func (st *store) inRank(issues []*issueRec) []*issueRec {
	pos := map[*issueRec]int{}
	for i, r := range st.rankOrder() {
		pos[r] = i
	}
	slices.SortFunc(issues, func(a, b *issueRec) int { return pos[a] - pos[b] })
	return issues
}

func isEpic(r *issueRec) bool { return r != nil && strings.EqualFold(r.cur.typ.Name, "Epic") }

// epicOf is an issue's epic: its parent when that is an epic (Cloud), or
// its Epic Link (Data Center).
func (s *Server) epicOf(r *issueRec) *issueRec {
	if s.mode == DataCenter {
		return s.st.agileOf().epicLink[r]
	}
	if isEpic(r.cur.parent) {
		return r.cur.parent
	}
	return nil
}

// ---- seeding and inspection ----

// AddBoard adds a board to a project. It panics on an unknown project or
// type, as seeding mistakes are programming errors.
func (s *Server) AddBoard(b Board) Board {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.project(b.Project)
	if p == nil {
		panic(fmt.Sprintf("jiratest: AddBoard: unknown project %q", b.Project))
	}
	if b.Type == "" {
		b.Type = "scrum"
	}
	if b.Type != "scrum" && b.Type != "kanban" {
		panic(fmt.Sprintf("jiratest: AddBoard: type %q is neither scrum nor kanban", b.Type))
	}
	if b.Name == "" {
		b.Name = p.key + " board"
	}
	a := s.st.agileOf()
	bd := &board{id: a.nextBoard, name: b.Name, typ: b.Type, proj: p}
	a.nextBoard++
	a.boards = append(a.boards, bd)
	b.ID, b.Project = bd.id, p.key
	return b
}

// AddSprint adds a sprint to a scrum board in any state, with its issues
// (which leave any other open sprint). It panics on an unknown board,
// state or issue.
func (s *Server) AddSprint(in Sprint) Sprint {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.agileOf()
	b := a.board(strconv.FormatInt(in.BoardID, 10))
	if b == nil || b.typ != "scrum" {
		panic(fmt.Sprintf("jiratest: AddSprint: no scrum board %d", in.BoardID))
	}
	if in.State == "" {
		in.State = "future"
	}
	if in.State != "future" && in.State != "active" && in.State != "closed" {
		panic(fmt.Sprintf("jiratest: AddSprint: state %q is not future, active or closed", in.State))
	}
	now := s.stamp()
	sp := &sprint{id: a.nextSprint, name: in.Name, goal: in.Goal, state: in.State, board: b,
		start: in.StartDate, end: in.EndDate, complete: in.CompleteDate, created: now}
	if sp.name == "" {
		sp.name = fmt.Sprintf("%s Sprint %d", b.proj.key, sp.id)
	}
	if sp.state != "future" {
		sp.activated = sp.start
	}
	if sp.state == "closed" && sp.complete.IsZero() {
		sp.complete = now
	}
	a.nextSprint++
	a.sprints = append(a.sprints, sp)
	for _, k := range in.Issues {
		r := s.st.issue(k)
		if r == nil || r.deleted {
			panic(fmt.Sprintf("jiratest: AddSprint: unknown issue %q", k))
		}
		if sp.state == "closed" {
			sp.closedWith = append(sp.closedWith, r)
			a.closedOf[r] = append(a.closedOf[r], sp)
		} else {
			a.sprintOf[r] = sp
		}
	}
	return s.sprintSnapshot(sp)
}

// Sprints returns the sprints of a board, oldest first.
func (s *Server) Sprints(boardID int64) []Sprint {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Sprint
	for _, sp := range s.st.agileOf().sprints {
		if sp.board.id == boardID {
			out = append(out, s.sprintSnapshot(sp))
		}
	}
	return out
}

// SprintOf returns the open sprint an issue is in, and false when it is in
// the backlog (or unknown).
func (s *Server) SprintOf(issueKey string) (Sprint, bool) {
	return inspect(s, func() *sprint {
		r := s.st.issue(issueKey)
		if r == nil {
			return nil
		}
		return s.st.agileOf().sprintOf[r]
	}, s.sprintSnapshot)
}

// EpicOf returns the key of an issue's epic, or "" when it has none.
func (s *Server) EpicOf(issueKey string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.issue(issueKey)
	if r == nil {
		return ""
	}
	if e := s.epicOf(r); e != nil {
		return e.key
	}
	return ""
}

// RankOrder returns the keys of a project's issues in rank order.
func (s *Server) RankOrder(projectKey string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.st.rankOrder() {
		if strings.EqualFold(r.proj.key, projectKey) {
			out = append(out, r.key)
		}
	}
	return out
}

// SetSprintDates sets a sprint's start, end and completion dates, for
// tests of what a trigger makes of sprints started or closed at a given
// time.
func (s *Server) SetSprintDates(id int64, start, end, complete time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.st.agileOf().sprint(strconv.FormatInt(id, 10))
	if sp == nil {
		panic(fmt.Sprintf("jiratest: SetSprintDates: no sprint %d", id))
	}
	sp.start, sp.end, sp.complete = start, end, complete
	if sp.state != "future" {
		sp.activated = start
	}
}

func (s *Server) sprintSnapshot(sp *sprint) Sprint {
	out := Sprint{ID: sp.id, Name: sp.name, Goal: sp.goal, BoardID: sp.board.id, State: sp.state,
		StartDate: sp.start, EndDate: sp.end, CompleteDate: sp.complete, Issues: []string{}}
	for _, r := range s.sprintIssues(sp) {
		out.Issues = append(out.Issues, r.key)
	}
	return out
}

// SeedAgile gives the demo project (SeedDemo first) an Epic issue type and
// epic, a scrum and a kanban board, and three sprints on the scrum board:
// one closed a week ago, one active since yesterday holding DEMO-1 and
// DEMO-2, and one future.
func (s *Server) SeedAgile() AgileDemo {
	s.mu.Lock()
	p := s.st.project("DEMO")
	if p == nil {
		s.mu.Unlock()
		panic("jiratest: SeedAgile: call SeedDemo first")
	}
	if p.typeBy("Epic") == nil {
		t := &IssueType{ID: strconv.Itoa(s.st.nextTypeID + 100), Name: "Epic", Description: "A big user story that needs to be broken down."}
		s.st.nextTypeID++
		p.types = append(p.types, t)
	}
	s.mu.Unlock()
	now := s.now().Truncate(time.Millisecond)
	var d AgileDemo
	d.Epic = s.SeedIssue(IssueSeed{Project: "DEMO", IssueType: "Epic", Summary: "Single sign-on", Created: now.Add(-100 * time.Hour)})
	d.Board = s.AddBoard(Board{Name: "DEMO board", Type: "scrum", Project: "DEMO"})
	d.Kanban = s.AddBoard(Board{Name: "DEMO kanban", Type: "kanban", Project: "DEMO"})
	day := 24 * time.Hour
	d.Closed = s.AddSprint(Sprint{Name: "DEMO Sprint 1", BoardID: d.Board.ID, State: "closed", Goal: "Set up",
		StartDate: now.Add(-15 * day), EndDate: now.Add(-8 * day), CompleteDate: now.Add(-7 * day), Issues: []string{"DEMO-4"}})
	d.Active = s.AddSprint(Sprint{Name: "DEMO Sprint 2", BoardID: d.Board.ID, State: "active", Goal: "Log in",
		StartDate: now.Add(-day), EndDate: now.Add(13 * day), Issues: []string{"DEMO-1", "DEMO-2"}})
	d.Future = s.AddSprint(Sprint{Name: "DEMO Sprint 3", BoardID: d.Board.ID})
	return d
}

// ---- rendering ----

const agileTime = "2006-01-02T15:04:05.000Z07:00"

func (s *Server) agileTime(t time.Time) string { return t.In(s.tz).Format(agileTime) }

func (s *Server) boardJSON(b *board) map[string]any {
	p := b.proj
	pid, _ := strconv.ParseInt(p.id, 10, 64)
	return map[string]any{
		"id": b.id, "self": fmt.Sprintf("%s/rest/agile/1.0/board/%d", s.url, b.id), "name": b.name, "type": b.typ,
		"location": map[string]any{
			"projectId": pid, "projectKey": p.key, "projectName": p.name, "projectTypeKey": p.typeKey,
			"displayName": fmt.Sprintf("%s (%s)", p.name, p.key), "name": fmt.Sprintf("%s (%s)", p.name, p.key),
			"avatarURI": fmt.Sprintf("/secure/projectavatar?size=xsmall&pid=%s", p.id),
		},
	}
}

func (s *Server) sprintJSON(sp *sprint) map[string]any {
	m := map[string]any{
		"id": sp.id, "self": fmt.Sprintf("%s/rest/agile/1.0/sprint/%d", s.url, sp.id), "state": sp.state,
		"name": sp.name, "originBoardId": sp.board.id, "goal": sp.goal,
	}
	set := func(k string, t time.Time) {
		if !t.IsZero() {
			m[k] = s.agileTime(t)
		}
	}
	set("startDate", sp.start)
	set("endDate", sp.end)
	set("completeDate", sp.complete)
	if s.mode == Cloud {
		set("createdDate", sp.created)
	} else {
		set("activatedDate", sp.activated)
		m["synced"], m["autoStartStop"] = false, false
	}
	return m
}

// agileIssueJSON is an issue as the agile API returns it: the REST v2
// issue with the Jira Software fields sprint, closedSprints and epic.
func (s *Server) agileIssueJSON(r *issueRec, v issueView) map[string]any {
	m := s.issueJSON(r, &r.cur, v)
	f, _ := m["fields"].(map[string]any)
	if f == nil {
		return m
	}
	a := s.st.agileOf()
	if v.fields.wants("flagged", true) {
		f["flagged"] = false
	}
	if v.fields.wants("sprint", true) {
		if sp := a.sprintOf[r]; sp != nil {
			f["sprint"] = s.sprintJSON(sp)
		} else {
			f["sprint"] = nil
		}
	}
	if v.fields.wants("closedSprints", true) {
		closed := make([]any, 0, len(a.closedOf[r]))
		for _, sp := range a.closedOf[r] {
			closed = append(closed, s.sprintJSON(sp))
		}
		f["closedSprints"] = closed
	}
	if v.fields.wants("epic", true) {
		if e := s.epicOf(r); e != nil {
			f["epic"] = map[string]any{"id": e.id, "key": e.key, "self": fmt.Sprintf("%s/rest/agile/1.0/epic/%d", s.url, e.id),
				"name": e.cur.summary, "summary": e.cur.summary, "color": map[string]any{"key": "color_4"}, "done": e.cur.status.Category == "done"}
		} else {
			f["epic"] = nil
		}
	}
	return m
}

// issuePage answers a page of issues in rank order.
func (s *Server) issuePage(c *call, issues []*issueRec) {
	var visible []*issueRec
	for _, r := range issues {
		if r.canSee(c.user) {
			visible = append(visible, r)
		}
	}
	visible = s.st.inRank(visible)
	start, max := pageParams(c, 50)
	view := c.issueView("*navigable")
	out := make([]any, 0, max)
	for i := start; i < len(visible) && i < start+max; i++ {
		out = append(out, s.agileIssueJSON(visible[i], view))
	}
	c.json(http.StatusOK, map[string]any{"expand": "schema,names", "startAt": start, "maxResults": max, "total": len(visible), "issues": out})
}

// valuesPage answers a page of an agile values list.
func valuesPage[T any](c *call, items []T, render func(T) map[string]any) {
	start, max := pageParams(c, 50)
	out := make([]any, 0, max)
	for i := start; i < len(items) && i < start+max; i++ {
		out = append(out, render(items[i]))
	}
	c.json(http.StatusOK, map[string]any{"maxResults": max, "startAt": start, "total": len(items), "isLast": start+max >= len(items), "values": out})
}

// ---- boards ----

func errNoBoard(id string) *apiError {
	return errf(http.StatusNotFound, "Board does not exist or you do not have permission to see it. (board %s)", id)
}

// pathBoard returns the board of the first path parameter if the caller
// may browse its project, or answers 404. Callers hold s.mu.
func (s *Server) pathBoard(c *call) *board {
	b := s.st.agileOf().board(c.param(0))
	if b == nil || !b.proj.can(c.user, "BROWSE_PROJECTS") {
		c.fail(errNoBoard(c.param(0)))
		return nil
	}
	return b
}

func (s *Server) handleBoardList(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	types, ok := queryChoices(c, "type", []string{"scrum", "kanban", "simple"}, "The board type '%s' is not valid: use scrum or kanban.")
	if !ok {
		return
	}
	var proj *project
	if ref := c.query("projectKeyOrId"); ref != "" {
		proj = s.st.project(ref)
		if proj == nil || !proj.can(c.user, "BROWSE_PROJECTS") {
			c.fail(errf(http.StatusBadRequest, "No project could be found with key or id '%s'.", ref))
			return
		}
	}
	name := strings.ToLower(c.query("name"))
	var list []*board
	for _, b := range s.st.agileOf().boards {
		if !b.proj.can(c.user, "BROWSE_PROJECTS") || len(types) > 0 && !types[b.typ] ||
			proj != nil && b.proj != proj || name != "" && !strings.Contains(strings.ToLower(b.name), name) {
			continue
		}
		list = append(list, b)
	}
	valuesPage(c, list, s.boardJSON)
}

// queryChoices reads the comma-separated values of the query parameter
// name, each one of allowed; for another it answers 400 with the message
// invalid makes of it (%s is the value) and returns ok false.
func queryChoices(c *call, name string, allowed []string, invalid string) (set map[string]bool, ok bool) {
	set = map[string]bool{}
	for _, v := range strings.Split(c.query(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			if !slices.Contains(allowed, v) {
				c.fail(errf(http.StatusBadRequest, invalid, v))
				return nil, false
			}
			set[v] = true
		}
	}
	return set, true
}

func (s *Server) handleBoardGet(c *call, b *board) {
	c.json(http.StatusOK, s.boardJSON(b))
}

func (s *Server) handleBoardSprints(c *call, b *board) {
	if b.typ != "scrum" {
		c.fail(errf(http.StatusBadRequest, "The board does not support sprints"))
		return
	}
	states, ok := queryChoices(c, "state", []string{"future", "active", "closed"}, "The sprint state '%s' is not valid: use future, active or closed.")
	if !ok {
		return
	}
	var list []*sprint
	for _, sp := range s.st.agileOf().sprints {
		if sp.board == b && (len(states) == 0 || states[sp.state]) {
			list = append(list, sp)
		}
	}
	valuesPage(c, list, s.sprintJSON)
}

func (s *Server) handleBoardBacklog(c *call, b *board) {
	a := s.st.agileOf()
	var list []*issueRec
	for _, r := range s.st.issues {
		if !r.deleted && r.proj == b.proj && a.sprintOf[r] == nil && !r.cur.typ.Subtask && !isEpic(r) {
			list = append(list, r)
		}
	}
	s.issuePage(c, list)
}

// ---- sprints ----

// pathSprint returns the sprint of the first path parameter if the caller
// may browse its board's project, or answers 404. Callers hold s.mu.
func (s *Server) pathSprint(c *call) *sprint {
	sp := s.st.agileOf().sprint(c.param(0))
	if sp == nil || !sp.board.proj.can(c.user, "BROWSE_PROJECTS") {
		c.fail(errf(http.StatusNotFound, "Sprint with id %s does not exist or you do not have permission to see it.", c.param(0)))
		return nil
	}
	return sp
}

// sprintIssues are the issues of a sprint: those in it now, or for a
// closed one those it held when closed. Callers hold s.mu.
func (s *Server) sprintIssues(sp *sprint) []*issueRec {
	if sp.state == "closed" {
		return slices.Clone(sp.closedWith)
	}
	var out []*issueRec
	for _, r := range s.st.issues {
		if !r.deleted && s.st.agileOf().sprintOf[r] == sp {
			out = append(out, r)
		}
	}
	return out
}

type sprintBody struct {
	Name          *string `json:"name"`
	Goal          *string `json:"goal"`
	State         *string `json:"state"`
	StartDate     *string `json:"startDate"`
	EndDate       *string `json:"endDate"`
	OriginBoardID *int64  `json:"originBoardId"`
}

// dates reads the body's dates into sp's, or returns the field error.
func (b sprintBody) dates(start, end *time.Time) *apiError {
	for _, f := range []struct {
		name string
		v    *string
		t    *time.Time
	}{{"startDate", b.StartDate, start}, {"endDate", b.EndDate, end}} {
		if f.v == nil {
			continue
		}
		if *f.v == "" {
			*f.t = time.Time{}
			continue
		}
		t, err := parseJiraTime(*f.v)
		if err != nil {
			return fieldErr(http.StatusBadRequest, f.name, fmt.Sprintf("The date '%s' is not a valid ISO 8601 date-time.", *f.v))
		}
		*f.t = t.Truncate(time.Millisecond)
	}
	if !start.IsZero() && !end.IsZero() && !end.After(*start) {
		return fieldErr(http.StatusBadRequest, "endDate", "The end date must be after the start date.")
	}
	return nil
}

func (s *Server) handleSprintCreate(c *call, body *sprintBody) {
	e := &apiError{status: http.StatusBadRequest}
	if body.Name == nil || strings.TrimSpace(*body.Name) == "" {
		e.add("name", "The sprint name is required.")
	} else if len(*body.Name) > 255 {
		e.add("name", "The sprint name must be at most 255 characters.")
	}
	var b *board
	if body.OriginBoardID == nil {
		e.add("originBoardId", "The board id is required.")
	} else if b = s.st.agileOf().board(strconv.FormatInt(*body.OriginBoardID, 10)); b == nil || !b.proj.can(c.user, "BROWSE_PROJECTS") {
		e.add("originBoardId", fmt.Sprintf("Board %d does not exist or you do not have permission to see it.", *body.OriginBoardID))
		b = nil
	} else if b.typ != "scrum" {
		e.add("originBoardId", "The board does not support sprints")
	}
	if body.State != nil && *body.State != "future" {
		e.add("state", "A new sprint is created in the future state; start it afterwards.")
	}
	sp := &sprint{state: "future", board: b, created: s.stamp()}
	if de := body.dates(&sp.start, &sp.end); de != nil {
		for k, v := range de.fields {
			e.add(k, v)
		}
	}
	if len(e.fields) > 0 || len(e.messages) > 0 {
		c.fail(e)
		return
	}
	if !allowed(c, b.proj, "MANAGE_SPRINTS_PERMISSION", "You do not have permission to create sprints on this board.") {
		return
	}
	a := s.st.agileOf()
	sp.id, sp.name = a.nextSprint, strings.TrimSpace(*body.Name)
	setIfGiven(&sp.goal, body.Goal)
	a.nextSprint++
	a.sprints = append(a.sprints, sp)
	c.json(http.StatusCreated, s.sprintJSON(sp))
}

func (s *Server) handleSprintGet(c *call, sp *sprint) {
	c.json(http.StatusOK, s.sprintJSON(sp))
}

// handleSprintUpdate is the partial update (POST /sprint/{id}): the fields
// sent change, the others stay. A change of state starts (future ->
// active, with both dates) or closes (active -> closed) the sprint.
func (s *Server) handleSprintUpdate(c *call, body *sprintBody) {
	sp := s.pathSprint(c)
	if sp == nil || !allowed(c, sp.board.proj, "MANAGE_SPRINTS_PERMISSION", "You do not have permission to edit sprints on this board.") {
		return
	}
	next := *sp
	if body.Name != nil {
		if strings.TrimSpace(*body.Name) == "" {
			c.fail(fieldErr(http.StatusBadRequest, "name", "The sprint name is required."))
			return
		}
		next.name = strings.TrimSpace(*body.Name)
	}
	setIfGiven(&next.goal, body.Goal)
	if e := body.dates(&next.start, &next.end); e != nil {
		c.fail(e)
		return
	}
	if sp.state == "closed" && (body.StartDate != nil || body.EndDate != nil || body.State != nil && *body.State != "closed") {
		c.fail(errf(http.StatusBadRequest, "Sprint %d is closed: its dates and state cannot change.", sp.id))
		return
	}
	now := s.stamp()
	if body.State != nil && *body.State != sp.state {
		switch to := *body.State; {
		case sp.state == "future" && to == "active":
			if next.start.IsZero() || next.end.IsZero() {
				c.fail(errf(http.StatusBadRequest, "Sprint %d cannot be started without a start date and an end date.", sp.id))
				return
			}
			for _, o := range s.st.agileOf().sprints {
				if o.board == sp.board && o.state == "active" {
					c.fail(errf(http.StatusBadRequest, "Sprint %d cannot be started: sprint %d (%s) is already active on the board.", sp.id, o.id, o.name))
					return
				}
			}
			next.state, next.activated = "active", now
		case sp.state == "active" && to == "closed":
			next.state, next.complete = "closed", now
		case to != "future" && to != "active" && to != "closed":
			c.fail(fieldErr(http.StatusBadRequest, "state", fmt.Sprintf("The sprint state '%s' is not valid: use future, active or closed.", to)))
			return
		default:
			c.fail(errf(http.StatusBadRequest, "Sprint %d cannot go from %s to %s.", sp.id, sp.state, to))
			return
		}
	}
	if next.state == "closed" && sp.state == "active" {
		// Closing: every issue keeps the sprint among its closed sprints
		// and leaves it; the unfinished ones go back to the backlog.
		a := s.st.agileOf()
		for _, r := range s.sprintIssues(sp) {
			next.closedWith = append(next.closedWith, r)
			a.closedOf[r] = append(a.closedOf[r], sp)
			delete(a.sprintOf, r)
			s.bump(r, now)
		}
	}
	*sp = next
	c.json(http.StatusOK, s.sprintJSON(sp))
}

func (s *Server) handleSprintIssues(c *call, sp *sprint) {
	s.issuePage(c, s.sprintIssues(sp))
}

// movedIssues reads the {"issues": [...]} body of a move: at most 50
// visible issues the caller may schedule, each of which fits the move
// when fits is set (checked once all are found). It answers the first
// error and returns ok false. Callers hold s.mu.
func (s *Server) movedIssues(c *call, body []string, fits func(*issueRec) *apiError) (issues []*issueRec, ok bool) {
	issues, e := s.schedulableIssues(c, body)
	for i := 0; e == nil && fits != nil && i < len(issues); i++ {
		e = fits(issues[i])
	}
	if e != nil {
		c.fail(e)
		return nil, false
	}
	return issues, true
}

func (s *Server) schedulableIssues(c *call, body []string) ([]*issueRec, *apiError) {
	if len(body) == 0 {
		return nil, fieldErr(http.StatusBadRequest, "issues", "Give at least one issue.")
	}
	if len(body) > 50 {
		return nil, fieldErr(http.StatusBadRequest, "issues", fmt.Sprintf("At most 50 issues can be moved at once, not %d.", len(body)))
	}
	var out []*issueRec
	for _, k := range body {
		r := s.st.issue(k)
		if r == nil || r.deleted || !r.canSee(c.user) {
			return nil, errf(http.StatusBadRequest, "Issue %s does not exist or you do not have permission to see it.", k)
		}
		if !r.proj.can(c.user, "SCHEDULE_ISSUES") || !r.proj.can(c.user, "EDIT_ISSUES") {
			return nil, permissionErr("SCHEDULE_ISSUES", fmt.Sprintf("You do not have permission to schedule issue %s.", r.key))
		}
		out = append(out, r)
	}
	return out, nil
}

type issuesBody struct {
	Issues          []string `json:"issues"`
	RankBeforeIssue string   `json:"rankBeforeIssue"`
	RankAfterIssue  string   `json:"rankAfterIssue"`
}

func (s *Server) handleSprintMove(c *call, body *issuesBody) {
	sp := s.pathSprint(c)
	if sp == nil {
		return
	}
	if sp.state == "closed" {
		c.fail(errf(http.StatusBadRequest, "Issues cannot be moved to sprint %d: it is closed.", sp.id))
		return
	}
	issues, ok := s.movedIssues(c, body.Issues, func(r *issueRec) *apiError {
		if r.cur.typ.Subtask {
			return errf(http.StatusBadRequest, "Issue %s is a sub-task: it moves with its parent.", r.key)
		}
		return nil
	})
	if !ok {
		return
	}
	s.moveToSprint(issues, sp)
	c.noContent()
}

func (s *Server) handleBacklogMove(c *call, body *issuesBody) {
	issues, ok := s.movedIssues(c, body.Issues, nil)
	if !ok {
		return
	}
	s.moveToSprint(issues, nil)
	c.noContent()
}

// moveToSprint puts issues in sp, or in the backlog for nil; an issue
// that moves is updated.
func (s *Server) moveToSprint(issues []*issueRec, sp *sprint) {
	a, now := s.st.agileOf(), s.stamp()
	for _, r := range issues {
		switch {
		case a.sprintOf[r] == sp:
			continue
		case sp == nil:
			delete(a.sprintOf, r)
		default:
			a.sprintOf[r] = sp
		}
		s.bump(r, now)
	}
}

// ---- epics ----

func (s *Server) pathEpic(c *call) *issueRec {
	r := s.st.issue(c.param(0))
	if r == nil || r.deleted || !r.canSee(c.user) {
		c.fail(errf(http.StatusNotFound, "Epic %s does not exist or you do not have permission to see it.", c.param(0)))
		return nil
	}
	if !isEpic(r) {
		c.fail(errf(http.StatusBadRequest, "Issue %s is not an epic.", r.key))
		return nil
	}
	return r
}

func (s *Server) handleEpicIssues(c *call, epic *issueRec) {
	var list []*issueRec
	for _, r := range s.st.issues {
		if !r.deleted && s.epicOf(r) == epic {
			list = append(list, r)
		}
	}
	s.issuePage(c, list)
}

// handleEpicMove sets the epic of issues (POST /epic/{key}/issue), or
// clears it with the key "none".
func (s *Server) handleEpicMove(c *call, body *issuesBody) {
	var epic *issueRec
	if c.param(0) != "none" {
		if epic = s.pathEpic(c); epic == nil {
			return
		}
	}
	issues, ok := s.movedIssues(c, body.Issues, func(r *issueRec) *apiError {
		if r.cur.typ.Subtask || isEpic(r) {
			return errf(http.StatusBadRequest, "Issue %s is a %s and cannot belong to an epic.", r.key, r.cur.typ.Name)
		}
		if epic != nil && r.proj != epic.proj && s.mode == Cloud {
			return errf(http.StatusBadRequest, "Issue %s is in another project than epic %s.", r.key, epic.key)
		}
		return nil
	})
	if !ok {
		return
	}
	a, now := s.st.agileOf(), s.stamp()
	for _, r := range issues {
		if s.epicOf(r) == epic {
			continue
		}
		if s.mode == DataCenter {
			if epic == nil {
				delete(a.epicLink, r)
			} else {
				a.epicLink[r] = epic
			}
		} else {
			if old := r.cur.parent; old != nil {
				old.subtasks = slices.DeleteFunc(old.subtasks, func(x *issueRec) bool { return x == r })
			}
			s.touch(r, now)
			r.cur.parent = epic
			if epic != nil {
				epic.subtasks = append(epic.subtasks, r)
			}
		}
		s.bump(r, now)
	}
	c.noContent()
}

// ---- rank ----

// handleRank ranks issues before or after another (PUT /issue/rank). An
// issue that cannot be ranked is reported in a 207 answer; the others are
// ranked.
func (s *Server) handleRank(c *call, body *issuesBody) {
	if len(body.Issues) == 0 || len(body.Issues) > 50 {
		c.fail(fieldErr(http.StatusBadRequest, "issues", fmt.Sprintf("Give 1 to 50 issues to rank, not %d.", len(body.Issues))))
		return
	}
	if (body.RankBeforeIssue == "") == (body.RankAfterIssue == "") {
		c.fail(errf(http.StatusBadRequest, "Give exactly one of rankBeforeIssue and rankAfterIssue."))
		return
	}
	anchorKey := body.RankBeforeIssue + body.RankAfterIssue
	anchor := s.st.issue(anchorKey)
	if anchor == nil || anchor.deleted || !anchor.canSee(c.user) {
		c.fail(errf(http.StatusBadRequest, "Issue %s does not exist or you do not have permission to see it.", anchorKey))
		return
	}
	type entry struct {
		r   *issueRec
		key string
		err string
	}
	var entries []entry
	var move []*issueRec
	for _, k := range body.Issues {
		r := s.st.issue(k)
		switch {
		case r == nil || r.deleted || !r.canSee(c.user):
			entries = append(entries, entry{key: k, err: "Issue does not exist or you do not have permission to see it."})
		case r == anchor:
			entries = append(entries, entry{r: r, key: r.key, err: "An issue cannot be ranked relative to itself."})
		case !r.proj.can(c.user, "SCHEDULE_ISSUES"):
			entries = append(entries, entry{r: r, key: r.key, err: "You do not have permission to rank this issue (Schedule Issues)."})
		default:
			entries = append(entries, entry{r: r, key: r.key})
			if !slices.Contains(move, r) {
				move = append(move, r)
			}
		}
	}
	order := slices.DeleteFunc(slices.Clone(s.st.rankOrder()), func(x *issueRec) bool { return slices.Contains(move, x) })
	at := slices.Index(order, anchor)
	if body.RankAfterIssue != "" {
		at++
	}
	order = slices.Insert(order, at, move...)
	s.st.agileOf().ranked = order
	now := s.stamp()
	for _, r := range move {
		s.bump(r, now)
	}
	failed := slices.ContainsFunc(entries, func(e entry) bool { return e.err != "" })
	if !failed {
		c.noContent()
		return
	}
	out := make([]any, 0, len(entries))
	for _, e := range entries {
		m := map[string]any{"issueKey": e.key, "status": http.StatusOK}
		if e.r != nil {
			m["issueId"] = e.r.id
		}
		if e.err != "" {
			m["status"], m["errors"] = http.StatusBadRequest, []string{e.err}
		}
		out = append(out, m)
	}
	c.json(http.StatusMultiStatus, map[string]any{"entries": out})
}
