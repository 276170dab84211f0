package jiratest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// BenchmarkServerInfo measures simple GETs over loopback with keep-alive.
func BenchmarkServerInfo(b *testing.B) {
	benchGET(b, "/rest/api/2/serverInfo")
}

// BenchmarkIssueGet measures authenticated issue GETs over loopback.
func BenchmarkIssueGet(b *testing.B) {
	benchGET(b, "/rest/api/2/issue/DEMO-2")
}

func benchGET(b *testing.B, path string) {
	s := NewServer(Options{})
	defer s.Close()
	d := s.SeedDemo()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	b.ReportAllocs()
	b.SetParallelism(4)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", s.URL()+path, nil)
			req.SetBasicAuth(d.Admin.Email, d.Admin.APIToken)
			res, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSearchPage100k measures one 100-issue enhanced search page over
// 100,000 stored issues (request parsing, JQL compile, scan, rendering),
// called in process through the handler.
func BenchmarkSearchPage100k(b *testing.B) {
	for _, tc := range []struct{ name, jql string }{
		{"created-desc", "project = BIG ORDER BY created DESC"},
		{"status-filter", "project = BIG AND status = \"To Do\" AND created >= -3650d"},
		{"updated-asc", "project = BIG AND updated >= \"2024-01-01\" ORDER BY updated ASC"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := bigServer(b)
			q := url.Values{"jql": {tc.jql}, "maxResults": {"100"}, "fields": {"summary,status"}}
			path := s.URL() + "/rest/api/2/search/jql?" + q.Encode()
			hc := &http.Client{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("GET", path, nil)
				req.SetBasicAuth("integration@example.com", "demo-api-token")
				res, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}

var bigSrv *Server

func bigServer(b *testing.B) *Server {
	if bigSrv != nil {
		return bigSrv
	}
	s := NewServer(Options{})
	s.SeedDemo()
	s.AddProject(Project{Key: "BIG"})
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100_000; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		s.SeedIssue(IssueSeed{Project: "BIG", Summary: fmt.Sprintf("issue %d", i), Created: at, Updated: at.Add(time.Duration(i%7) * time.Hour)})
	}
	bigSrv = s
	return s
}
