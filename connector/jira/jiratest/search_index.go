package jiratest

import (
	"cmp"
	"container/heap"
	"slices"
	"time"

	"github.com/recipekit/recipekit/internal/jql"
)

// indexPlan says how a query walks a per-project time index instead of
// scanning every issue: its ORDER BY starts with updated or created, and
// clauses of its top-level AND may bound that field from below or above
// (pollers send "updated >= <cursor> ORDER BY updated ASC, key ASC").
type indexPlan struct {
	field string // "updated" or "created"
	desc  bool
	// lower and upper hold the bounding clauses; nil means unbounded.
	// A record matches lower from some time on and upper up to some
	// time, so the index can be binary searched with them.
	lower, upper *jql.Matcher
}

// bounded reports whether the plan narrows the walk.
func (p *indexPlan) bounded() bool { return p.lower != nil || p.upper != nil }

// planIndex returns the plan for q, or nil when its ORDER BY does not
// start with updated or created.
func planIndex(q *jql.Query, env jql.Env) *indexPlan {
	if !q.HasOrderBy() {
		return nil
	}
	first := q.OrderBy[0]
	if first.Field != "updated" && first.Field != "created" {
		return nil
	}
	p := &indexPlan{field: first.Field, desc: first.Desc}
	var lower, upper []jql.Expr
	for _, t := range conjuncts(q.Where) {
		cl, ok := t.(*jql.Clause)
		if !ok || cl.Field != first.Field {
			continue
		}
		switch cl.Op {
		case jql.OpGreater, jql.OpGreaterEq:
			lower = append(lower, cl)
		case jql.OpLess, jql.OpLessEq:
			upper = append(upper, cl)
		}
	}
	p.lower = boundMatcher(q.Source, lower, env)
	p.upper = boundMatcher(q.Source, upper, env)
	return p
}

// conjuncts returns the terms of a top-level AND (or the lone condition).
func conjuncts(e jql.Expr) []jql.Expr {
	switch x := e.(type) {
	case *jql.And:
		return x.Terms
	case nil:
		return nil
	}
	return []jql.Expr{e}
}

// boundMatcher compiles the AND of terms; nil when there are none. A
// failure leaves the side unbounded, which is slower but still right: the
// full condition is matched against every issue walked.
func boundMatcher(src string, terms []jql.Expr, env jql.Env) *jql.Matcher {
	if len(terms) == 0 {
		return nil
	}
	var where jql.Expr = &jql.And{Terms: terms}
	if len(terms) == 1 {
		where = terms[0]
	}
	m, err := (&jql.Query{Where: where, Source: src}).Compile(env)
	if err != nil {
		return nil
	}
	return m
}

// timeProbe is a record with a single date field, for evaluating bounds
// against index keys.
type timeProbe struct {
	field string
	t     time.Time
}

func (p *timeProbe) Values(string) []string { return nil }

func (p *timeProbe) Time(field string) (time.Time, bool) {
	if field == p.field {
		return p.t, !p.t.IsZero()
	}
	return time.Time{}, false
}

func (p *timeProbe) Rank(string, string) (int, bool) { return 0, false }

// indexCursor walks one project's index over [lo, hi), forwards or
// backwards.
type indexCursor struct {
	x      *timeIndex
	lo, hi indexPos
	pos    indexPos
	e      timeEntry
}

// start positions the cursor on its first entry; false when the range is
// empty.
func (c *indexCursor) start(desc bool) bool {
	if !c.lo.before(c.hi) {
		return false
	}
	if desc {
		c.pos, _ = c.x.prev(c.hi)
	} else {
		c.pos = c.lo
	}
	c.e = c.x.at(c.pos)
	return true
}

// advance moves to the next entry in walking order; false at the end.
func (c *indexCursor) advance(desc bool) bool {
	if desc {
		p, ok := c.x.prev(c.pos)
		if !ok || p.before(c.lo) {
			return false
		}
		c.pos = p
	} else {
		c.pos = c.x.next(c.pos)
		if !c.pos.before(c.hi) {
			return false
		}
	}
	c.e = c.x.at(c.pos)
	return true
}

// cursorHeap merges project cursors by (time, id), ascending or
// descending.
type cursorHeap struct {
	cs   []*indexCursor
	desc bool
}

func (h *cursorHeap) Len() int { return len(h.cs) }
func (h *cursorHeap) Less(i, j int) bool {
	c := h.cs[i].e.compare(h.cs[j].e)
	if h.desc {
		return c > 0
	}
	return c < 0
}
func (h *cursorHeap) Swap(i, j int) { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *cursorHeap) Push(x any)    { h.cs = append(h.cs, x.(*indexCursor)) }
func (h *cursorHeap) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// searchIndexed is search for queries with an indexPlan. It walks the
// projects' indexes from the bound in ORDER BY order, matching each issue,
// until the page is full (or to the other bound when counting). Issues
// sharing a time are sorted by the rest of the ORDER BY before they are
// paged. Under search lag, issues changed within the lag show an older
// state whose time is not their index key: they are left out of the walk,
// matched on what search sees of them, sorted, and merged in.
func (s *Server) searchIndexed(c *compiled, viewer *user, offset, limit int, reconcile map[int64]bool, count bool) searchResult {
	now := s.now()
	lag := s.searchLag()
	st := s.st
	plan := c.plan

	lagging := func(r *issueRec) bool {
		return lag > 0 && !r.changedAt.IsZero() && now.Sub(r.changedAt) < lag && !reconcile[r.id]
	}
	probe := &record{s: s}
	matches := func(r *issueRec, d *issueData) bool {
		if !r.canSee(viewer) {
			return false
		}
		probe.r, probe.d = r, d
		return c.m.Match(probe)
	}
	ra, rb := &record{s: s}, &record{s: s}
	less := func(a, b hit) int {
		ra.r, ra.d, rb.r, rb.d = a.r, a.d, b.r, b.d
		if x := c.q.Compare(ra, rb); x != 0 {
			return x
		}
		return cmp.Compare(a.r.id, b.r.id)
	}

	// Issues changed within the lag, newest change first.
	var lagHits []hit
	if lag > 0 {
		x := &st.byChanged
		for p, ok := x.prev(x.end()); ok; p, ok = x.prev(p) {
			r := x.at(p).r
			if now.Sub(r.changedAt) >= lag {
				break
			}
			if !lagging(r) || r.deleted || (c.projects != nil && !c.projects[r.proj]) || r.prev == nil {
				continue
			}
			if matches(r, r.prev) {
				lagHits = append(lagHits, hit{r, r.prev})
			}
		}
		slices.SortFunc(lagHits, less)
	}

	// One cursor per project, limited to the bounds.
	tp := &timeProbe{field: plan.field}
	var lowerPred, notUpperPred func(time.Time) bool
	if plan.lower != nil {
		lowerPred = func(t time.Time) bool { tp.t = t; return plan.lower.Match(tp) }
	}
	if plan.upper != nil {
		notUpperPred = func(t time.Time) bool { tp.t = t; return !plan.upper.Match(tp) }
	}
	h := &cursorHeap{desc: plan.desc}
	addCursor := func(p *project) {
		x := &p.byUpdated
		if plan.field == "created" {
			x = &p.byCreated
		}
		cur := &indexCursor{x: x, lo: x.search(lowerPred), hi: x.end()}
		if notUpperPred != nil {
			cur.hi = x.search(notUpperPred)
		}
		if cur.start(plan.desc) {
			h.cs = append(h.cs, cur)
		}
	}
	if c.projects != nil {
		for _, p := range st.projects {
			if c.projects[p] {
				addCursor(p)
			}
		}
	} else {
		for _, p := range st.projects {
			addCursor(p)
		}
	}
	heap.Init(h)

	var res searchResult
	n, k := 0, offset+limit
	emit := func(x hit) (stop bool) {
		if n >= offset && n < k {
			res.hits = append(res.hits, x)
		}
		n++
		if n > k && !count {
			res.more = true
			return true
		}
		return false
	}
	li := 0
	var group []hit
	flush := func() (stop bool) {
		if len(group) > 1 {
			slices.SortFunc(group, less)
		}
		for _, x := range group {
			for li < len(lagHits) && less(lagHits[li], x) < 0 {
				if emit(lagHits[li]) {
					return true
				}
				li++
			}
			if emit(x) {
				return true
			}
		}
		group = group[:0]
		return false
	}
	var groupT time.Time
	for h.Len() > 0 {
		top := h.cs[0]
		e := top.e
		if top.advance(plan.desc) {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
		if !e.t.Equal(groupT) {
			if flush() {
				return res
			}
			groupT = e.t
		}
		r := e.r
		if lagging(r) || !matches(r, &r.cur) {
			continue
		}
		group = append(group, hit{r, &r.cur})
	}
	if flush() {
		return res
	}
	for ; li < len(lagHits); li++ {
		if emit(lagHits[li]) {
			return res
		}
	}
	res.total = n
	res.more = n > k
	return res
}
