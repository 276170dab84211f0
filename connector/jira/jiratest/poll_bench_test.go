package jiratest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/testclock"
)

// pollSite is a site with 100,000 issues in project POLL, built once per
// mode: issue i was created at pollStart+i minutes and last updated 0-6
// hours later, so many issues share an updated millisecond.
type pollSite struct {
	s     *Server
	clock *testclock.Clock
	demo  Demo
	auth  func(*http.Request)
}

var (
	pollSitesMu sync.Mutex
	pollSites   = map[Mode]*pollSite{}
)

var pollStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const pollIssues = 100_000

func pollSiteFor(b *testing.B, mode Mode) *pollSite {
	b.Helper()
	pollSitesMu.Lock()
	defer pollSitesMu.Unlock()
	if ps := pollSites[mode]; ps != nil {
		return ps
	}
	clock := testclock.New(pollStart.Add(pollIssues*time.Minute + 24*time.Hour))
	s := NewServer(Options{Mode: mode, Now: clock.Now, Seed: 7})
	d := s.SeedDemo()
	s.AddProject(Project{Key: "POLL"})
	for i := 0; i < pollIssues; i++ {
		at := pollStart.Add(time.Duration(i) * time.Minute)
		s.SeedIssue(IssueSeed{Project: "POLL", Summary: fmt.Sprintf("issue %d", i), Created: at, Updated: at.Add(time.Duration(i%7) * time.Hour)})
	}
	ps := &pollSite{s: s, clock: clock, demo: d}
	if mode == Cloud {
		ps.auth = func(r *http.Request) { r.SetBasicAuth(d.Admin.Email, d.Admin.APIToken) }
	} else {
		ps.auth = func(r *http.Request) { r.SetBasicAuth(d.Admin.Name, d.Admin.Password) }
	}
	pollSites[mode] = ps
	return ps
}

// BenchmarkPollerSearch measures the queries the Jira polling triggers
// send: one 100-issue page over 100,000 issues, bounded below on the sort
// field, served in process through the handler (parsing, search and
// rendering). The "lag" cases turn on a one-minute search lag with 1,000
// issues changed within it.
func BenchmarkPollerSearch(b *testing.B) {
	mid := pollStart.Add(pollIssues / 2 * time.Minute).UnixMilli()
	recent := pollStart.Add((pollIssues - 2000) * time.Minute).UnixMilli()
	for _, tc := range []struct {
		name string
		mode Mode
		jql  string
		lag  bool
	}{
		{"cloud/updated-asc", Cloud, fmt.Sprintf("project = POLL AND updated >= %d ORDER BY updated ASC, key ASC", mid), false},
		{"cloud/created-asc", Cloud, fmt.Sprintf("project = POLL AND created >= %d ORDER BY created ASC, key ASC", mid), false},
		{"cloud/updated-asc-lag", Cloud, fmt.Sprintf("project = POLL AND updated >= %d ORDER BY updated ASC, key ASC", mid), true},
		{"cloud/created-asc-lag", Cloud, fmt.Sprintf("project = POLL AND created >= %d ORDER BY created ASC, key ASC", mid), true},
		{"dc/updated-asc-recent", DataCenter, fmt.Sprintf("project = POLL AND updated >= %d ORDER BY updated ASC, key ASC", recent), false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ps := pollSiteFor(b, tc.mode)
			if tc.lag {
				pollLagOn(b, ps)
				defer ps.s.SetSearchLag(0)
			}
			path := "/rest/api/2/search/jql"
			if tc.mode == DataCenter {
				path = "/rest/api/2/search"
			}
			q := url.Values{"jql": {tc.jql}, "maxResults": {"100"}, "fields": {"summary,updated,created"}}
			target := path + "?" + q.Encode()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				ps.auth(req)
				rec := httptest.NewRecorder()
				ps.s.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// pollLagOn turns on a one-minute search lag and changes 1,000 issues
// now, so that search sees their previous state.
func pollLagOn(b *testing.B, ps *pollSite) {
	b.Helper()
	ps.s.SetSearchLag(time.Minute)
	for i := 0; i < 1000; i++ {
		key := fmt.Sprintf("POLL-%d", 1+(i*97)%pollIssues)
		if err := ps.s.UpdateIssueAs(ps.demo.Admin.AccountID, key, map[string]any{"summary": fmt.Sprintf("changed %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
}
