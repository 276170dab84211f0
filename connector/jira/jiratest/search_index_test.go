package jiratest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/testclock"
)

// TestTimeIndex checks the chunked index against a sorted slice through
// random inserts and removals, with many equal times.
func TestTimeIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x timeIndex
	var want []timeEntry
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := map[int64]*issueRec{}
	for step := 0; step < 20000; step++ {
		if len(want) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(want))
			if !x.remove(want[i]) {
				t.Fatalf("step %d: remove(%v) did not find the entry", step, want[i].id)
			}
			want = slices.Delete(want, i, i+1)
		} else {
			id := int64(rng.IntN(1 << 20))
			if recs[id] != nil {
				continue
			}
			recs[id] = &issueRec{id: id}
			e := timeEntry{t: base.Add(time.Duration(rng.IntN(50)) * time.Millisecond), id: id, r: recs[id]}
			x.insert(e)
			i, _ := slices.BinarySearchFunc(want, e, timeEntry.compare)
			want = slices.Insert(want, i, e)
		}
		if x.n != len(want) {
			t.Fatalf("step %d: n = %d, want %d", step, x.n, len(want))
		}
	}
	got := x.all()
	if len(got) != len(want) {
		t.Fatalf("len = %d, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].id != want[i].id {
			t.Fatalf("entry %d: id %d, want %d", i, got[i].id, want[i].id)
		}
	}
	// A removal of an entry that is not there changes nothing.
	if x.remove(timeEntry{t: base.Add(time.Hour), id: 1, r: &issueRec{}}) {
		t.Error("removed an entry that was never inserted")
	}
	// search finds the first entry at or after each time.
	for ms := -1; ms <= 51; ms++ {
		at := base.Add(time.Duration(ms) * time.Millisecond)
		p := x.search(func(t time.Time) bool { return !t.Before(at) })
		i := slices.IndexFunc(want, func(e timeEntry) bool { return !e.t.Before(at) })
		if i < 0 {
			if p != x.end() {
				t.Errorf("search(%d ms) = %v, want end", ms, p)
			}
			continue
		}
		if p == x.end() || x.at(p).id != want[i].id {
			t.Errorf("search(%d ms) = %v, want entry %d", ms, p, i)
		}
	}
}

// checkIndexes verifies that every project index holds exactly the live
// issues, ordered by their current times.
func checkIndexes(t *testing.T, s *Server) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.st.projects {
		var live []*issueRec
		for _, r := range s.st.issues {
			if r.proj == p && !r.deleted {
				live = append(live, r)
			}
		}
		for _, ix := range []struct {
			name string
			x    *timeIndex
			key  func(*issueRec) time.Time
		}{
			{"updated", &p.byUpdated, func(r *issueRec) time.Time { return r.cur.updated }},
			{"created", &p.byCreated, func(r *issueRec) time.Time { return r.cur.created }},
		} {
			want := slices.Clone(live)
			slices.SortFunc(want, func(a, b *issueRec) int {
				return timeEntry{t: ix.key(a), id: a.id}.compare(timeEntry{t: ix.key(b), id: b.id})
			})
			got := ix.x.all()
			if len(got) != len(want) {
				t.Fatalf("project %s by %s: %d entries, want %d", p.key, ix.name, len(got), len(want))
			}
			for i := range got {
				if got[i].r != want[i] || !got[i].t.Equal(ix.key(want[i])) {
					t.Fatalf("project %s by %s: entry %d is %s at %v, want %s at %v", p.key, ix.name, i, got[i].r.key, got[i].t, want[i].key, ix.key(want[i]))
				}
			}
		}
	}
	n := 0
	for _, r := range s.st.issues {
		if !r.deleted && !r.changedAt.IsZero() {
			n++
		}
	}
	all := s.st.byChanged.all()
	if len(all) != n {
		t.Fatalf("changed index: %d entries, want %d", len(all), n)
	}
	for i, e := range all {
		if e.r.deleted || !e.t.Equal(e.r.changedAt) || (i > 0 && all[i-1].compare(e) >= 0) {
			t.Fatalf("changed index: entry %d (%s) is stale or out of order", i, e.r.key)
		}
	}
}

// bruteSearch is the reference: every visible match, sorted by the
// query, then paged.
func bruteSearch(s *Server, c *compiled, viewer *user, offset, limit int, reconcile map[int64]bool) (hits []hit, total int) {
	now, lag := s.now(), s.searchLag()
	var all []hit
	for _, r := range s.st.issues {
		if r.deleted || (c.projects != nil && !c.projects[r.proj]) || !r.canSee(viewer) {
			continue
		}
		d := s.visibleData(r, now, lag, reconcile)
		if d == nil || !c.m.Match(&record{s: s, r: r, d: d}) {
			continue
		}
		all = append(all, hit{r, d})
	}
	slices.SortFunc(all, func(a, b hit) int {
		if x := c.q.Compare(&record{s: s, r: a.r, d: a.d}, &record{s: s, r: b.r, d: b.d}); x != 0 {
			return x
		}
		return cmp.Compare(a.r.id, b.r.id)
	})
	if offset < len(all) {
		hits = all[offset:min(len(all), offset+limit)]
	}
	return hits, len(all)
}

func hitKeys(hs []hit) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "%s@%s ", h.r.key, h.d.updated.Format("15:04:05.000"))
	}
	return b.String()
}

// TestSearchIndexMatchesScan runs random poller-style queries against a
// site under random writes (many on the same millisecond, some with the
// clock stepping back, with and without search lag) and checks that the
// indexed search, the scan and a brute-force reference agree on every
// page, total and "more".
func TestSearchIndexMatchesScan(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			indexVsScan(t, seed)
		})
	}
}

func indexVsScan(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	base := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := testclock.New(base)
	s := New(t, Options{Mode: Cloud, Now: clock.Now, Seed: int64(seed)})
	d := s.SeedDemo()
	s.AddProject(Project{Key: "AAA"})
	s.AddProject(Project{Key: "BBB"})
	projects := []string{"AAA", "BBB", "DEMO"}
	users := []string{d.Admin.AccountID, d.Alice.AccountID, d.Bob.AccountID}
	var keys []string
	for i := 0; i < 400; i++ {
		// Times on a coarse grid, so that many issues tie.
		created := base.Add(-time.Duration(rng.IntN(120)) * time.Minute)
		updated := created.Add(time.Duration(rng.IntN(3)) * time.Minute)
		is := s.SeedIssue(IssueSeed{
			Project: projects[rng.IntN(len(projects))], Summary: fmt.Sprintf("seeded %d", i),
			Priority: []string{"High", "Medium", "Low"}[rng.IntN(3)], Labels: []string{[]string{"red", "blue"}[rng.IntN(2)]},
			Assignee: users[rng.IntN(len(users))], Created: created, Updated: updated,
		})
		keys = append(keys, is.Key)
	}
	writes := 0
	lags := []time.Duration{0, 0, 30 * time.Second, 5 * time.Minute}
	write := func() {
		switch step := rng.IntN(10); {
		case step < 6:
			clock.Advance(time.Duration(rng.IntN(3)) * 500 * time.Millisecond) // often 0: ties
		case step < 7:
			clock.Advance(-time.Duration(rng.IntN(3)) * time.Second)
		}
		if rng.IntN(20) == 0 {
			s.SetSearchLag(lags[rng.IntN(len(lags))])
		}
		key := keys[rng.IntN(len(keys))]
		who := users[rng.IntN(len(users))]
		var err error
		switch rng.IntN(8) {
		case 0, 1:
			err = s.UpdateIssueAs(who, key, map[string]any{"summary": fmt.Sprintf("edit %d", rng.IntN(1000)), "priority": []string{"High", "Medium", "Low"}[rng.IntN(3)]})
		case 2:
			_, err = s.CommentAs(who, key, "a comment")
		case 3:
			err = s.TransitionAs(who, key, []string{"Start Progress", "Done", "Reopen", "Stop Progress"}[rng.IntN(4)])
			if err != nil && strings.Contains(err.Error(), "not available") {
				err = nil
			}
		case 4:
			_, err = s.AddWorklogAs(who, key, time.Hour, "work")
		case 5:
			var is Issue
			is, err = s.CreateIssueAs(who, IssueSeed{Project: projects[rng.IntN(len(projects))], Summary: "created", Labels: []string{"red"}})
			keys = append(keys, is.Key)
		case 6:
			if rng.IntN(4) == 0 {
				err = s.DeleteIssueAs(d.Admin.AccountID, key)
			}
		case 7:
			err = s.UpdateIssueAs(who, key, map[string]any{"labels": []string{[]string{"red", "blue", "green"}[rng.IntN(3)]}})
		}
		if _, live := s.Issue(key); err != nil && live {
			t.Fatalf("write on %s: %v", key, err)
		}
		if err == nil {
			writes++
		}
	}
	// maybeOne draws one of n outcomes: one of the options, or none for
	// the draws past them.
	maybeOne := func(n int, options ...string) []string {
		if i := rng.IntN(n); i < len(options) {
			return options[i : i+1 : i+1]
		}
		return nil
	}
	query := func() string {
		field := []string{"updated", "created"}[rng.IntN(2)]
		where := maybeOne(4, "project = AAA", "project IN (AAA, BBB)", "project IN (BBB, DEMO, AAA)")
		now := clock.Now()
		switch rng.IntN(5) {
		case 0, 1:
			at := now.Add(-time.Duration(rng.IntN(150)) * time.Minute).Add(time.Duration(rng.IntN(60000)) * time.Millisecond)
			where = append(where, fmt.Sprintf("%s %s %d", field, []string{">=", ">"}[rng.IntN(2)], at.UnixMilli()))
		case 2:
			where = append(where, fmt.Sprintf("%s >= -%dm", field, rng.IntN(150)))
		case 3:
			at := now.Add(-time.Duration(rng.IntN(150)) * time.Minute).In(s.tz)
			where = append(where, fmt.Sprintf("%s > %q", field, at.Format("2006-01-02 15:04")))
		}
		if rng.IntN(3) == 0 {
			at := now.Add(-time.Duration(rng.IntN(100)) * time.Minute)
			where = append(where, fmt.Sprintf("%s %s %d", field, []string{"<=", "<"}[rng.IntN(2)], at.UnixMilli()))
		}
		where = append(where, maybeOne(6, "labels = red", "(status = Done OR priority = High)", fmt.Sprintf("(%s >= -30m OR labels = blue)", field))...)
		if len(where) == 0 {
			where = append(where, "summary ~ seeded OR summary ~ edit OR summary ~ created")
		}
		dir := []string{"ASC", "DESC"}[rng.IntN(2)]
		order := fmt.Sprintf("%s %s", field, dir)
		switch rng.IntN(4) {
		case 0:
			order += ", key " + []string{"ASC", "DESC"}[rng.IntN(2)]
		case 1:
			order += ", priority DESC"
		case 2:
			order += ", summary ASC, key DESC"
		}
		return strings.Join(where, " AND ") + " ORDER BY " + order
	}
	checked, lagged := 0, 0
	for round := 0; round < 40; round++ {
		for i := 0; i < 15; i++ {
			write()
		}
		checkIndexes(t, s)
		for i := 0; i < 10; i++ {
			src := query()
			viewerID := users[rng.IntN(len(users))]
			offset, limit := rng.IntN(4)*rng.IntN(30), 1+rng.IntN(60)
			recon := map[int64]bool{}
			s.mu.RLock()
			viewer := s.st.user(viewerID)
			for _, r := range s.st.issues {
				if rng.IntN(20) == 0 {
					recon[r.id] = true
				}
			}
			c, e := s.prepare(src, viewer, true)
			if e != nil {
				s.mu.RUnlock()
				t.Fatalf("%s: %v", src, e)
			}
			if c.plan == nil {
				s.mu.RUnlock()
				t.Fatalf("%s: no index plan", src)
			}
			wantHits, wantTotal := bruteSearch(s, c, viewer, offset, limit, recon)
			count := rng.IntN(2) == 0
			got := s.searchIndexed(c, viewer, offset, limit, recon, count)
			dispatched := s.search(c, viewer, offset, limit, recon, count)
			plan := c.plan
			c.plan = nil
			scan := s.search(c, viewer, offset, limit, recon, true)
			c.plan = plan
			s.mu.RUnlock()
			ctx := fmt.Sprintf("%s (offset %d, limit %d, lag %v)", src, offset, limit, s.searchLag())
			if hitKeys(got.hits) != hitKeys(wantHits) {
				t.Fatalf("%s:\nindexed %s\nwant    %s", ctx, hitKeys(got.hits), hitKeys(wantHits))
			}
			// Without lag, a lone "ORDER BY created" is served by the
			// created walk, which breaks ties in its own direction.
			createdWalk := len(c.q.OrderBy) == 1 && c.q.OrderBy[0].Field == "created" && s.searchLag() <= 0
			if !(createdWalk && !plan.bounded()) && hitKeys(dispatched.hits) != hitKeys(wantHits) {
				t.Fatalf("%s:\nsearch %s\nwant   %s", ctx, hitKeys(dispatched.hits), hitKeys(wantHits))
			}
			if !createdWalk && hitKeys(scan.hits) != hitKeys(wantHits) {
				t.Fatalf("%s:\nscan %s\nwant %s", ctx, hitKeys(scan.hits), hitKeys(wantHits))
			}
			for j := range got.hits {
				if got.hits[j].d != wantHits[j].d {
					t.Fatalf("%s: hit %d (%s) shows another version than the reference", ctx, j, got.hits[j].r.key)
				}
			}
			if want := wantTotal > offset+limit; got.more != want || scan.more != want {
				t.Fatalf("%s: more = %v (scan %v), want %v", ctx, got.more, scan.more, want)
			}
			if count && got.total != wantTotal {
				t.Fatalf("%s: total = %d, want %d", ctx, got.total, wantTotal)
			}
			if len(wantHits) > 0 {
				checked++
			}
			for _, h := range wantHits {
				if h.d != &h.r.cur {
					lagged++
					break
				}
			}
		}
	}
	if checked < 200 || lagged < 10 {
		t.Errorf("%d queries returned issues, %d showed lagging issues; the test data is too sparse", checked, lagged)
	}
	t.Logf("%d pages compared, %d with lagging issues, %d writes", checked, lagged, writes)
}
