package jiratest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/internal/jql"
)

// record adapts an issue (possibly a lagging copy) to jql.Record.
type record struct {
	s *Server
	r *issueRec
	d *issueData
}

func (x record) Values(field string) []string {
	d := x.d
	switch field {
	case "project":
		return x.r.proj.vals
	case "key", "id", "issuekey":
		return x.r.keyVals
	case "status":
		return d.status.vals
	case "issuetype":
		return []string{d.typ.Name, d.typ.ID}
	case "assignee":
		return userIDs(d.assignee)
	case "reporter":
		return userIDs(d.reporter)
	case "creator":
		return userIDs(d.creator)
	case "labels":
		return d.labels
	case "priority":
		if d.priority == nil {
			return nil
		}
		return d.priority.vals
	case "resolution":
		if d.resolution == nil {
			return nil
		}
		return d.resolution.vals
	case "summary":
		return []string{d.summary}
	case "description":
		if d.description == "" {
			return nil
		}
		return []string{d.description}
	case "environment":
		if d.environment == "" {
			return nil
		}
		return []string{d.environment}
	case "comment":
		var out []string
		for _, c := range x.r.comments {
			if !c.deleted {
				out = append(out, c.body)
			}
		}
		return out
	case "text":
		return nil
	case "component":
		var out []string
		for _, c := range d.components {
			out = append(out, c.Name, c.ID)
		}
		return out
	case "fixVersion", "fixversion":
		var out []string
		for _, v := range d.fixVersions {
			out = append(out, v.Name, v.ID)
		}
		return out
	case "parent":
		if d.parent == nil {
			return nil
		}
		return d.parent.keyVals
	case "level", "security":
		if d.security == nil {
			return nil
		}
		return []string{d.security.Name, d.security.ID}
	}
	f := x.s.st.fieldBy(field)
	if f == nil {
		return nil
	}
	switch v := d.custom[f.ID].(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}
	case *user:
		return v.ids
	}
	return nil
}

func userIDs(u *user) []string {
	if u == nil {
		return nil
	}
	return u.ids
}

func (x record) Time(field string) (time.Time, bool) {
	d := x.d
	var t time.Time
	switch field {
	case "created":
		t = d.created
	case "updated":
		t = d.updated
	case "resolutiondate", "resolved":
		t = d.resolutionDate
	case "statuscategorychangedate":
		t = d.statusChanged
	case "duedate", "due":
		if d.dueDate == "" {
			return time.Time{}, false
		}
		day, err := time.ParseInLocation("2006-01-02", d.dueDate, x.s.tz)
		return day, err == nil
	default:
		f := x.s.st.fieldBy(field)
		if f == nil {
			return time.Time{}, false
		}
		str, _ := d.custom[f.ID].(string)
		switch f.Type {
		case "date":
			day, err := time.ParseInLocation("2006-01-02", str, x.s.tz)
			return day, err == nil
		case "datetime":
			tt, err := parseJiraTime(str)
			return tt, err == nil
		}
		return time.Time{}, false
	}
	return t, !t.IsZero()
}

func (x record) Rank(field, value string) (int, bool) {
	if field == "priority" {
		if p := x.s.st.priorityBy(value); p != nil {
			return p.rank, true
		}
	}
	return 0, false
}

// ---- query preparation ----

// compiled is a query ready to run for one caller.
type compiled struct {
	q        *jql.Query
	m        *jql.Matcher
	projects map[*project]bool // nil = any project
	plan     *indexPlan        // nil when no time index fits the ORDER BY
}

func jqlErr(err error) *apiError {
	var je *jql.Error
	if errors.As(err, &je) {
		return &apiError{status: http.StatusBadRequest, messages: []string{je.Error()}, fields: map[string]string{}}
	}
	return errf(http.StatusBadRequest, "%v", err)
}

// prepare parses, validates and compiles jql for viewer. Callers hold
// s.mu (read).
func (s *Server) prepare(src string, viewer *user, requireBounded bool) (*compiled, *apiError) {
	q, err := jql.Parse(src)
	if err != nil {
		return nil, jqlErr(err)
	}
	if requireBounded && !q.Bounded() {
		return nil, errf(http.StatusBadRequest, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
	}
	if err := q.ValidateFields(func(f string) bool { return s.st.fieldBy(f) != nil }); err != nil {
		return nil, jqlErr(err)
	}
	if e := s.checkValues(q.Where); e != nil {
		return nil, e
	}
	env := jql.Env{Now: s.now(), Location: s.tz}
	if viewer != nil {
		env.Location = viewer.TimeZone
		env.CurrentUser = viewer.ids
	}
	m, err := q.Compile(env)
	if err != nil {
		return nil, jqlErr(err)
	}
	c := &compiled{q: q, m: m}
	c.projects = s.projectRestriction(q.Where)
	c.plan = planIndex(q, env)
	return c, nil
}

// checkValues answers 400 for literal projects that do not exist, as Jira
// does ("The value 'X' does not exist for the field 'project'.").
func (s *Server) checkValues(e jql.Expr) *apiError {
	for x := range clauses(e) {
		if x.Field != "project" {
			continue
		}
		for _, v := range x.Values {
			if v.Kind == jql.ValueLiteral && s.st.project(v.Text) == nil {
				return errf(http.StatusBadRequest, "The value '%s' does not exist for the field '%s'.", v.Text, x.Name)
			}
		}
	}
	return nil
}

// clauses yields the clauses of e (nil for none) depth first, left to
// right, through AND, OR and NOT.
func clauses(e jql.Expr) iter.Seq[*jql.Clause] {
	return func(yield func(*jql.Clause) bool) {
		var walk func(jql.Expr) bool
		walk = func(e jql.Expr) bool {
			switch x := e.(type) {
			case *jql.And:
				for _, t := range x.Terms {
					if !walk(t) {
						return false
					}
				}
			case *jql.Or:
				for _, t := range x.Terms {
					if !walk(t) {
						return false
					}
				}
			case *jql.Not:
				return walk(x.X)
			case *jql.Clause:
				return yield(x)
			}
			return true
		}
		walk(e)
	}
}

// projectRestriction extracts "project = X" / "project IN (...)" from the
// top-level conjunction, to narrow the scan.
func (s *Server) projectRestriction(e jql.Expr) map[*project]bool {
	var terms []jql.Expr
	switch x := e.(type) {
	case *jql.And:
		terms = x.Terms
	case *jql.Clause:
		terms = []jql.Expr{x}
	default:
		return nil
	}
	for _, t := range terms {
		cl, ok := t.(*jql.Clause)
		if !ok || cl.Field != "project" || (cl.Op != jql.OpEquals && cl.Op != jql.OpIn) {
			continue
		}
		set := map[*project]bool{}
		for _, v := range cl.Values {
			if v.Kind != jql.ValueLiteral {
				return nil
			}
			if p := s.st.project(v.Text); p != nil {
				set[p] = true
			}
		}
		return set
	}
	return nil
}

type hit struct {
	r *issueRec
	d *issueData
}

type searchResult struct {
	hits  []hit
	total int  // valid when counted
	more  bool // another page exists
}

// visibleData returns what search sees of r now: the current data, a
// lagging copy, or nil when r is not yet searchable.
func (s *Server) visibleData(r *issueRec, now time.Time, lag time.Duration, reconcile map[int64]bool) *issueData {
	if lag <= 0 || r.changedAt.IsZero() || now.Sub(r.changedAt) >= lag || reconcile[r.id] {
		return &r.cur
	}
	return r.prev
}

// search runs a compiled query for viewer and returns the page
// [offset, offset+limit). count asks for the total.
func (s *Server) search(c *compiled, viewer *user, offset, limit int, reconcile map[int64]bool, count bool) searchResult {
	now := s.now()
	lag := s.searchLag()
	st := s.st
	// startAt comes from the query: past the last issue every page is
	// empty, and clipping it keeps offset+limit from overflowing below.
	offset = min(offset, len(st.issues))
	var res searchResult
	probe := &record{s: s}
	accept := func(r *issueRec) *issueData {
		if r.deleted || (c.projects != nil && !c.projects[r.proj]) {
			return nil
		}
		d := s.visibleData(r, now, lag, reconcile)
		if d == nil || !r.canSee(viewer) {
			return nil
		}
		probe.r, probe.d = r, d
		if !c.m.Match(probe) {
			return nil
		}
		return d
	}
	desc, fast := true, false
	switch {
	case !c.q.HasOrderBy():
		fast = true
	case len(c.q.OrderBy) == 1 && (c.q.OrderBy[0].Field == "created"):
		fast, desc = true, c.q.OrderBy[0].Desc
	}
	// The created walk below serves an unbounded "ORDER BY created" as
	// well as the index would (and breaks ties on the walk's direction,
	// as it always has); everything else with a plan walks the index.
	if c.plan != nil && !(fast && lag <= 0 && !c.plan.bounded()) {
		return s.searchIndexed(c, viewer, offset, limit, reconcile, count)
	}
	if fast && lag <= 0 {
		idx := st.createdIndex()
		n := 0
		for i := range idx {
			r := idx[i]
			if desc {
				r = idx[len(idx)-1-i]
			}
			d := accept(r)
			if d == nil {
				continue
			}
			if n >= offset && n < offset+limit {
				res.hits = append(res.hits, hit{r, d})
			}
			n++
			if n > offset+limit && !count {
				res.more = true
				return res
			}
		}
		res.total = n
		res.more = n > offset+limit
		return res
	}
	// General path: keep the best offset+limit matches in order (a
	// bounded insertion list), counting the rest.
	ra, rb := &record{s: s}, &record{s: s}
	less := func(a, b hit) int {
		ra.r, ra.d, rb.r, rb.d = a.r, a.d, b.r, b.d
		if x := c.q.Compare(ra, rb); x != 0 {
			return x
		}
		if c.q.HasOrderBy() {
			return cmp.Compare(a.r.id, b.r.id)
		}
		if x := b.d.created.Compare(a.d.created); x != 0 {
			return x
		}
		return cmp.Compare(b.r.id, a.r.id)
	}
	k := offset + limit
	top := make([]hit, 0, min(k, 1024))
	n := 0
	for _, r := range st.issues {
		d := accept(r)
		if d == nil {
			continue
		}
		n++
		h := hit{r, d}
		if len(top) == k {
			if k == 0 || less(h, top[k-1]) >= 0 {
				continue
			}
			top = top[:k-1]
		}
		i, _ := slices.BinarySearchFunc(top, h, less)
		top = slices.Insert(top, i, h)
	}
	res.total = n
	if offset < len(top) {
		res.hits = top[offset:]
	}
	res.more = n > offset+limit
	return res
}

// ---- page tokens ----

func jqlHash(src string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(src))
	return h.Sum32()
}

func pageToken(src string, offset int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%x", offset, jqlHash(src)))
}

func parsePageToken(tok, src string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	off, h, ok := strings.Cut(string(raw), ":")
	n, err := strconv.Atoi(off)
	if !ok || err != nil || n < 0 || h != fmt.Sprintf("%x", jqlHash(src)) {
		return 0, false
	}
	return n, true
}

// ---- endpoints ----

type searchParams struct {
	JQL             string   `json:"jql"`
	StartAt         *int     `json:"startAt"`
	MaxResults      *int     `json:"maxResults"`
	NextPageToken   string   `json:"nextPageToken"`
	Fields          []string `json:"fields"`
	Expand          any      `json:"expand"`
	Properties      []string `json:"properties"`
	ReconcileIssues []int64  `json:"reconcileIssues"`
	FieldsByKeys    bool     `json:"fieldsByKeys"`
	ValidateQuery   any      `json:"validateQuery"`
}

func (c *call) searchParams() (*searchParams, *apiError) {
	p := &searchParams{}
	if c.r.Method == http.MethodPost {
		if err := json.Unmarshal(c.body, p); err != nil {
			return nil, errf(http.StatusBadRequest, "The request body is not a valid search request: %v", err)
		}
		return p, nil
	}
	q := c.r.URL.Query()
	p.JQL = q.Get("jql")
	p.NextPageToken = q.Get("nextPageToken")
	for _, name := range []string{"startAt", "maxResults"} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, errf(http.StatusBadRequest, "The %s parameter must be a number, got '%s'.", name, v)
			}
			if name == "startAt" {
				p.StartAt = &n
			} else {
				p.MaxResults = &n
			}
		}
	}
	p.Fields = q["fields"]
	if e := q["expand"]; len(e) > 0 {
		p.Expand = strings.Join(e, ",")
	}
	p.Properties = q["properties"]
	for _, v := range q["reconcileIssues"] {
		for _, x := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, errf(http.StatusBadRequest, "reconcileIssues must list numeric issue ids, got '%s'.", x)
			}
			p.ReconcileIssues = append(p.ReconcileIssues, n)
		}
	}
	return p, nil
}

func expandList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// handleSearchJQL serves Cloud's enhanced search.
func (s *Server) handleSearchJQL(c *call) {
	p, e := c.searchParams()
	if e != nil {
		c.fail(e)
		return
	}
	max := 50
	if p.MaxResults != nil {
		max = *p.MaxResults
		if max < 1 || max > 5000 {
			c.fail(errf(http.StatusBadRequest, "The max results parameter has to be between 1 and 5,000."))
			return
		}
	}
	if len(p.ReconcileIssues) > 50 {
		c.fail(errf(http.StatusBadRequest, "reconcileIssues accepts at most 50 issue ids."))
		return
	}
	if strings.TrimSpace(p.JQL) == "" {
		c.fail(errf(http.StatusBadRequest, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."))
		return
	}
	sel := parseFieldSel(p.Fields, "id")
	if !sel.onlyIDs() && max > 100 {
		// Pages with fields are capped: always follow nextPageToken.
		max = 100
	}
	offset := 0
	if p.NextPageToken != "" {
		n, ok := parsePageToken(p.NextPageToken, p.JQL)
		if !ok {
			c.fail(errf(http.StatusBadRequest, "The provided next page token is invalid or expired."))
			return
		}
		offset = n
	}
	recon := map[int64]bool{}
	for _, id := range p.ReconcileIssues {
		recon[id] = true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	res, issues, view, ok := s.searchPage(c, p, sel, Cloud, offset, max, recon)
	if !ok {
		return
	}
	out := map[string]any{"issues": issues, "isLast": !res.more}
	if res.more {
		out["nextPageToken"] = pageToken(p.JQL, offset+max)
	}
	s.addNamesSchema(out, view)
	c.json(http.StatusOK, out)
}

// searchPage runs p's JQL from offset as the search resource of mode
// does (Cloud's enhanced search refuses unbounded JQL and counts nothing)
// and renders the issues found with the fields of sel; it answers a JQL
// error and returns ok false. Callers hold s.mu (read).
func (s *Server) searchPage(c *call, p *searchParams, sel fieldSel, mode Mode, offset, max int, reconcile map[int64]bool) (res searchResult, issues []any, view issueView, ok bool) {
	cq, e := s.prepare(p.JQL, c.user, mode == Cloud)
	if e != nil {
		c.fail(e)
		return res, nil, view, false
	}
	res = s.search(cq, c.user, offset, max, reconcile, mode == DataCenter)
	view = issueView{fields: sel, expand: parseExpand(expandList(p.Expand)...), properties: p.Properties, viewer: c.user}
	issues = make([]any, 0, len(res.hits))
	for _, h := range res.hits {
		issues = append(issues, s.issueJSON(h.r, h.d, view))
	}
	return res, issues, view, true
}

func (s *Server) addNamesSchema(out map[string]any, view issueView) {
	if view.expand["names"] || view.expand["schema"] {
		names, schema := map[string]any{}, map[string]any{}
		for i := range systemFields {
			f := &systemFields[i]
			if view.fields.wants(f.id, f.navigable) {
				names[f.id] = f.name
				schema[f.id] = schemaOf(f)
			}
		}
		for _, f := range s.st.fields {
			if view.fields.wants(f.ID, true) {
				names[f.ID] = f.Name
				schema[f.ID] = customSchema(f)
			}
		}
		if view.expand["names"] {
			out["names"] = names
		}
		if view.expand["schema"] {
			out["schema"] = schema
		}
	}
}

// handleSearchDC serves Data Center's /search with startAt and total.
func (s *Server) handleSearchDC(c *call) {
	p, e := c.searchParams()
	if e != nil {
		c.fail(e)
		return
	}
	start, max := 0, 50
	if p.StartAt != nil {
		start = max0(*p.StartAt)
	}
	if p.MaxResults != nil {
		max = *p.MaxResults
		if max < 0 {
			max = 50
		}
	}
	if max > 1000 {
		max = 1000
	}
	sel := parseFieldSel(p.Fields, "*navigable")
	s.mu.RLock()
	defer s.mu.RUnlock()
	res, issues, view, ok := s.searchPage(c, p, sel, DataCenter, start, max, nil)
	if !ok {
		return
	}
	out := map[string]any{"expand": "schema,names", "startAt": start, "maxResults": max, "total": res.total, "issues": issues}
	s.addNamesSchema(out, view)
	c.json(http.StatusOK, out)
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// handleSearchRemoved answers Cloud's removed /search with 410.
func (s *Server) handleSearchRemoved(c *call) {
	c.fail(errf(http.StatusGone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"))
}

func (s *Server) handleApproximateCount(c *call) {
	var body struct {
		JQL string `json:"jql"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		c.fail(errf(http.StatusBadRequest, "The request body must be {\"jql\": \"...\"}: %v", err))
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cq, e := s.prepare(body.JQL, c.user, true)
	if e != nil {
		c.fail(e)
		return
	}
	res := s.search(cq, c.user, 0, 0, nil, true)
	c.json(http.StatusOK, map[string]any{"count": res.total})
}

func (s *Server) handleBulkFetch(c *call) {
	var body struct {
		IDs        []string `json:"issueIdsOrKeys"`
		Fields     []string `json:"fields"`
		Expand     []string `json:"expand"`
		Properties []string `json:"properties"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		c.fail(errf(http.StatusBadRequest, "The request body is not a valid bulk fetch request: %v", err))
		return
	}
	if len(body.IDs) == 0 || len(body.IDs) > 100 {
		c.fail(errf(http.StatusBadRequest, "issueIdsOrKeys must list between 1 and 100 issues."))
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*issueRec
	for _, id := range body.IDs {
		r := s.st.issue(id)
		if r == nil || !r.canSee(c.user) || slices.Contains(recs, r) {
			continue
		}
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *issueRec) int { return cmp.Compare(a.id, b.id) })
	view := issueView{fields: parseFieldSel(body.Fields, "*navigable"), expand: parseExpand(body.Expand...), properties: body.Properties, viewer: c.user}
	issues := make([]any, 0, len(recs))
	for _, r := range recs {
		issues = append(issues, s.issueJSON(r, &r.cur, view))
	}
	c.json(http.StatusOK, map[string]any{"issues": issues, "issueErrors": []any{}})
}
