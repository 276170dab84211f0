package jiratest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// handlerBench is a Cloud simulator with the demo users and a project of
// 1,000 issues created a second apart, served in process (no network) so
// that a benchmark measures what the simulator spends on a request.
func handlerBench(b *testing.B) (s *Server, email, lead string) {
	b.Helper()
	s = New(b, Options{Mode: Cloud, Seed: 1})
	d := s.SeedDemo()
	seedBenchProject(s, "HB", d.Admin.AccountID)
	return s, d.Admin.Email, d.Admin.AccountID
}

func seedBenchProject(s *Server, key, lead string) {
	s.AddProject(Project{Key: key, Lead: lead})
	first := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	for i := range 1000 {
		s.SeedIssue(IssueSeed{Project: key, Summary: fmt.Sprintf("Printer %d on fire", i+1), Created: first.Add(time.Duration(i) * time.Second)})
	}
}

func serveInProcess(b *testing.B, s *Server, email, method, target, body string, want int) {
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	if rd != nil {
		req = httptest.NewRequest(method, target, rd)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.SetBasicAuth(email, "demo-api-token")
	req.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, target, w.Code, want, w.Body)
	}
}

// BenchmarkHandlerCommentCreate measures the simulator's cost of one
// POST .../comment, the request a recipe commenting on each issue makes
// most: one comment on each issue of a 1,000-issue project, then on those
// of a new project, so that the figure does not grow with the comments
// piling up.
func BenchmarkHandlerCommentCreate(b *testing.B) {
	s, email, lead := handlerBench(b)
	b.ReportAllocs()
	project, projects, i := "HB", 1, 0
	for b.Loop() {
		if i == 1000 {
			b.StopTimer()
			projects++
			project, i = fmt.Sprintf("HB%d", projects), 0
			seedBenchProject(s, project, lead)
			b.StartTimer()
		}
		key := fmt.Sprintf("%s-%d", project, i+1)
		i++
		serveInProcess(b, s, email, http.MethodPost, "/rest/api/2/issue/"+key+"/comment", `{"body":"Thanks! `+key+` \"Printer on fire\" is queued for triage."}`, http.StatusCreated)
	}
}

// BenchmarkHandlerSearchPage measures one 100-issue enhanced search page
// of a 1,000-issue project, keyset-paged by creation time as a polling
// trigger reads it.
func BenchmarkHandlerSearchPage(b *testing.B) {
	s, email, _ := handlerBench(b)
	since := time.Now().Add(-3 * time.Hour).UnixMilli()
	q := url.Values{
		"jql":        {fmt.Sprintf("project = \"HB\" AND created >= %d ORDER BY created ASC, key ASC", since)},
		"fields":     {"*navigable,created,updated,creator,reporter"},
		"maxResults": {"100"},
	}
	target := "/rest/api/2/search/jql?" + q.Encode()
	b.ReportAllocs()
	for b.Loop() {
		serveInProcess(b, s, email, http.MethodGet, target, "", http.StatusOK)
	}
}
