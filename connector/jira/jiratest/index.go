package jiratest

import (
	"cmp"
	"slices"
	"time"
)

// timeEntry is one issue in a timeIndex, keyed by a time and the issue id.
type timeEntry struct {
	t  time.Time
	id int64
	r  *issueRec
}

func (a timeEntry) compare(b timeEntry) int {
	if c := a.t.Compare(b.t); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// indexChunk is the most entries a timeIndex chunk holds before it splits:
// inserting or removing moves at most that many entries, and finding the
// chunk is a binary search over n/indexChunk chunks.
const indexChunk = 512

// timeIndex is a sorted list of issues by (time, id), stored as a list of
// sorted chunks so that moving one issue (every write bumps "updated")
// costs O(sqrt n) rather than O(n). Positions stay valid until the next
// insert or remove; callers hold Server.mu, so a search under the read
// lock sees a stable index.
type timeIndex struct {
	chunks [][]timeEntry
	n      int
}

// indexPos is a position in a timeIndex: chunk c, entry i. The end
// position is {len(chunks), 0}.
type indexPos struct{ c, i int }

func (p indexPos) before(q indexPos) bool { return p.c < q.c || (p.c == q.c && p.i < q.i) }

// chunkFor returns the first chunk whose last entry is not before e, or
// the last chunk.
func (x *timeIndex) chunkFor(e timeEntry) int {
	c, _ := slices.BinarySearchFunc(x.chunks, e, func(ch []timeEntry, e timeEntry) int {
		return ch[len(ch)-1].compare(e)
	})
	if c == len(x.chunks) && c > 0 {
		c--
	}
	return c
}

func (x *timeIndex) insert(e timeEntry) {
	x.n++
	if len(x.chunks) == 0 {
		x.chunks = append(x.chunks, []timeEntry{e})
		return
	}
	c := x.chunkFor(e)
	ch := x.chunks[c]
	i, _ := slices.BinarySearchFunc(ch, e, timeEntry.compare)
	ch = slices.Insert(ch, i, e)
	if len(ch) <= indexChunk {
		x.chunks[c] = ch
		return
	}
	half := len(ch) / 2
	right := slices.Clone(ch[half:])
	x.chunks[c] = ch[:half:half]
	x.chunks = slices.Insert(x.chunks, c+1, right)
}

// remove deletes e (matched by time, id and issue) and reports whether it
// was there.
func (x *timeIndex) remove(e timeEntry) bool {
	if len(x.chunks) == 0 {
		return false
	}
	c := x.chunkFor(e)
	ch := x.chunks[c]
	i, found := slices.BinarySearchFunc(ch, e, timeEntry.compare)
	if !found || ch[i].r != e.r {
		return false
	}
	x.n--
	ch = slices.Delete(ch, i, i+1)
	if len(ch) == 0 {
		x.chunks = slices.Delete(x.chunks, c, c+1)
		return true
	}
	x.chunks[c] = ch
	return true
}

// end is the position after the last entry.
func (x *timeIndex) end() indexPos { return indexPos{c: len(x.chunks)} }

// at returns the entry at p, which must be before end.
func (x *timeIndex) at(p indexPos) timeEntry { return x.chunks[p.c][p.i] }

func (x *timeIndex) next(p indexPos) indexPos {
	p.i++
	if p.i >= len(x.chunks[p.c]) {
		p.c++
		p.i = 0
	}
	return p
}

// prev returns the position before p; ok is false at the start.
func (x *timeIndex) prev(p indexPos) (indexPos, bool) {
	if p.i > 0 {
		p.i--
		return p, true
	}
	if p.c == 0 {
		return p, false
	}
	p.c--
	p.i = len(x.chunks[p.c]) - 1
	return p, true
}

// search returns the first position whose time satisfies pred, which must
// be false for a prefix of the index and true for the rest (end when it is
// true nowhere). A nil pred is true everywhere.
func (x *timeIndex) search(pred func(time.Time) bool) indexPos {
	if pred == nil {
		return indexPos{}
	}
	c, _ := slices.BinarySearchFunc(x.chunks, true, func(ch []timeEntry, _ bool) int {
		if pred(ch[len(ch)-1].t) {
			return 1
		}
		return -1
	})
	if c == len(x.chunks) {
		return x.end()
	}
	ch := x.chunks[c]
	i, _ := slices.BinarySearchFunc(ch, true, func(e timeEntry, _ bool) int {
		if pred(e.t) {
			return 1
		}
		return -1
	})
	return indexPos{c: c, i: i}
}

// all returns the entries in order, for tests.
func (x *timeIndex) all() []timeEntry {
	out := make([]timeEntry, 0, x.n)
	for _, ch := range x.chunks {
		out = append(out, ch...)
	}
	return out
}

// ---- keeping the indexes current ----

// issueIndexKeys are the keys an issue is filed under, to find its entries
// again when they change.
type issueIndexKeys struct {
	indexed bool
	updated time.Time
	created time.Time
	changed time.Time // zero: not in the changed index
}

// reindex files r under its current updated, created and change times (or
// removes it when deleted). Every write that changes one of them calls it
// while holding Server.mu. Keys drop monotonic clock readings so that they
// compare by wall time alone.
func (st *store) reindex(r *issueRec) {
	k := &r.ix
	p := r.proj
	if r.deleted {
		if k.indexed {
			p.byUpdated.remove(timeEntry{k.updated, r.id, r})
			p.byCreated.remove(timeEntry{k.created, r.id, r})
			if !k.changed.IsZero() {
				st.byChanged.remove(timeEntry{k.changed, r.id, r})
			}
			*k = issueIndexKeys{}
		}
		return
	}
	updated, created, changed := r.cur.updated.Round(0), r.cur.created.Round(0), r.changedAt.Round(0)
	if !k.indexed {
		k.indexed = true
		k.updated, k.created = updated, created
		p.byUpdated.insert(timeEntry{k.updated, r.id, r})
		p.byCreated.insert(timeEntry{k.created, r.id, r})
	} else {
		if !k.updated.Equal(updated) {
			p.byUpdated.remove(timeEntry{k.updated, r.id, r})
			k.updated = updated
			p.byUpdated.insert(timeEntry{k.updated, r.id, r})
		}
		if !k.created.Equal(created) {
			p.byCreated.remove(timeEntry{k.created, r.id, r})
			k.created = created
			p.byCreated.insert(timeEntry{k.created, r.id, r})
		}
	}
	if !k.changed.Equal(changed) {
		if !k.changed.IsZero() {
			st.byChanged.remove(timeEntry{k.changed, r.id, r})
		}
		k.changed = changed
		if !k.changed.IsZero() {
			st.byChanged.insert(timeEntry{k.changed, r.id, r})
		}
	}
}
