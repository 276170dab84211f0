package jiratest

// The helpers below carry the steps most handlers share: read the body,
// find the issue (or other resource) of the path under the lock, check a
// permission. Each one answers the call itself when the step fails and
// tells the handler to stop; reading, writing and writingBody wrap a
// handler in those steps where its route is registered.

// decoded decodes the JSON body into v, or answers 400 and returns false.
func decoded(c *call, v any) bool {
	if e := decode(c, v); e != nil {
		c.fail(e)
		return false
	}
	return true
}

// orFail returns x, or answers e and returns nil when e is set.
func orFail[T any](c *call, x *T, e *apiError) *T {
	if e != nil {
		c.fail(e)
		return nil
	}
	return x
}

// pathIssue returns the visible issue named by the first path parameter,
// or answers 404 and returns nil. Callers hold s.mu.
func (s *Server) pathIssue(c *call) *issueRec {
	r, e := s.issueFor(c, c.param(0))
	return orFail(c, r, e)
}

// pathIssueWith is pathIssue followed by allowed(c, r.proj, perm, msg).
func (s *Server) pathIssueWith(c *call, perm, msg string) *issueRec {
	r := s.pathIssue(c)
	if r == nil || !allowed(c, r.proj, perm, msg) {
		return nil
	}
	return r
}

// issueWith finds the path's issue as pathIssueWith does.
func (s *Server) issueWith(perm, msg string) func(*call) *issueRec {
	return func(c *call) *issueRec { return s.pathIssueWith(c, perm, msg) }
}

// pathProject returns the project named by the first path parameter if
// the caller may browse it, or answers 404 and returns nil. Callers hold
// s.mu.
func (s *Server) pathProject(c *call) *project {
	p, e := s.projectFor(c, c.param(0))
	return orFail(c, p, e)
}

// reading makes a handler of the resource find locates from the path:
// under the read lock, find answers the call when the resource is missing
// or hidden, and h runs only when it is found.
func reading[T any](s *Server, find func(*call) *T, h func(*call, *T)) func(*call) {
	return found(s.mu.RLock, s.mu.RUnlock, find, h)
}

// writing is reading for a handler that changes the simulator: it holds
// the write lock.
func writing[T any](s *Server, find func(*call) *T, h func(*call, *T)) func(*call) {
	return found(s.mu.Lock, s.mu.Unlock, find, h)
}

// writingBody makes a handler that decodes the JSON body into a new B,
// answering 400 when it cannot, and then runs h under the write lock.
func writingBody[B any](s *Server, h func(*call, *B)) func(*call) {
	return func(c *call) {
		var b B
		if !decoded(c, &b) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(c, &b)
	}
}

// found is reading and writing with the lock's two halves given.
func found[T any](lock, unlock func(), find func(*call) *T, h func(*call, *T)) func(*call) {
	return func(c *call) {
		lock()
		defer unlock()
		if x := find(c); x != nil {
			h(c, x)
		}
	}
}

// child adapts h, a handler of the item find locates on the path's issue
// (a comment, worklog or remote link), to reading and writing: it answers
// find's error when the item is missing.
func child[T any](find func(*call, *issueRec) (T, *apiError), h func(*call, *issueRec, T)) func(*call, *issueRec) {
	return func(c *call, r *issueRec) {
		x, e := find(c, r)
		if e != nil {
			c.fail(e)
			return
		}
		h(c, r, x)
	}
}

// pathChild returns the issue of the path and the item find locates on it
// (a comment, worklog or remote link named by the second path parameter),
// or answers the error and returns ok false. Callers hold s.mu.
func pathChild[T any](s *Server, c *call, find func(*call, *issueRec) (T, *apiError)) (r *issueRec, item T, ok bool) {
	if r = s.pathIssue(c); r == nil {
		return nil, item, false
	}
	item, e := find(c, r)
	if e != nil {
		c.fail(e)
		return nil, item, false
	}
	return r, item, true
}

// allowed reports whether the caller holds perm in p, and answers 403
// with msg when not.
func allowed(c *call, p *project, perm, msg string) bool {
	if !p.can(c.user, perm) {
		c.fail(permissionErr(perm, msg))
		return false
	}
	return true
}

// ownOrAll is the permission changing something author wrote needs:
// VERB_OWN_NOUN for its author, VERB_ALL_NOUN for anyone else.
func ownOrAll(author, u *user, verb, noun string) string {
	if author == u {
		return verb + "_OWN_" + noun
	}
	return verb + "_ALL_" + noun
}

// pageParams reads startAt (at least 0) and maxResults; a maxResults
// missing, not positive or above limit becomes limit.
func pageParams(c *call, limit int) (start, max int) {
	start, max = max0(intParam(c, "startAt", 0)), intParam(c, "maxResults", limit)
	if max <= 0 || max > limit {
		max = limit
	}
	return start, max
}

// jsonList renders each item with render, as a JSON array that is never
// null.
func jsonList[T, J any](items []T, render func(T) J) []any {
	out := make([]any, 0, len(items))
	for _, x := range items {
		out = append(out, render(x))
	}
	return out
}

// setIfGiven sets *dst to *v when v is given and leaves it alone
// otherwise, as for the fields a partial update leaves out.
func setIfGiven[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
