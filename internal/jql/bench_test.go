package jql

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
)

// benchIssue is a struct-backed Record, as an issue store would provide.
type benchIssue struct {
	key      []string
	project  []string
	status   []string
	labels   []string
	priority []string
	summary  []string
	created  time.Time
	updated  time.Time
}

func (b *benchIssue) Values(field string) []string {
	switch field {
	case "key":
		return b.key
	case "project":
		return b.project
	case "status":
		return b.status
	case "labels":
		return b.labels
	case "priority":
		return b.priority
	case "summary":
		return b.summary
	}
	return nil
}

func (b *benchIssue) Time(field string) (time.Time, bool) {
	switch field {
	case "created":
		return b.created, true
	case "updated":
		return b.updated, true
	}
	return time.Time{}, false
}

func (b *benchIssue) Rank(field, value string) (int, bool) { return mapRecord{}.Rank(field, value) }

func benchIssues(n int) []Record {
	projects := [][]string{{"DEMO", "10000", "Demo"}, {"OPS", "10001", "Operations"}, {"WEB", "10002", "Website"}}
	statuses := [][]string{{"To Do", "1"}, {"In Progress", "3"}, {"Done", "10001"}}
	base := time.UnixMilli(1690000000000)
	recs := make([]Record, n)
	for i := range recs {
		p := projects[i%len(projects)]
		recs[i] = &benchIssue{
			key:      []string{p[0] + "-" + strconv.Itoa(i/len(projects)+1)},
			project:  p,
			status:   statuses[(i/7)%len(statuses)],
			labels:   []string{"label" + strconv.Itoa(i%13)},
			priority: []string{priorityNames[i%len(priorityNames)]},
			summary:  []string{fmt.Sprintf("Issue %d: login failure on page %d", i, i%100)},
			created:  base.Add(time.Duration(i) * time.Minute),
			updated:  base.Add(time.Duration(i) * 3 * time.Minute),
		}
	}
	return recs
}

const benchJQL = `project = DEMO AND updated >= 1700000000000 AND status != Done ORDER BY updated ASC`

// BenchmarkCompileAndMatch100k compiles the query and matches it against
// 100,000 issues per operation; ns/record is the cost per issue.
func BenchmarkCompileAndMatch100k(b *testing.B) {
	recs := benchIssues(100_000)
	q, err := Parse(benchJQL)
	if err != nil {
		b.Fatal(err)
	}
	env := Env{Now: time.UnixMilli(1700000000000), Location: time.UTC}
	b.ReportAllocs()
	b.ResetTimer()
	matched := 0
	for b.Loop() {
		m, err := q.Compile(env)
		if err != nil {
			b.Fatal(err)
		}
		matched = 0
		for _, r := range recs {
			if m.Match(r) {
				matched++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(recs)), "ns/record")
	if matched == 0 {
		b.Fatal("benchmark query matched nothing")
	}
}

// BenchmarkSearchPage100k is a search as a simulator runs it: match 100,000
// issues, sort the hits by the ORDER BY, keep the first 100.
func BenchmarkSearchPage100k(b *testing.B) {
	recs := benchIssues(100_000)
	q, err := Parse(benchJQL)
	if err != nil {
		b.Fatal(err)
	}
	env := Env{Now: time.UnixMilli(1700000000000)}
	hits := make([]Record, 0, len(recs))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m, _ := q.Compile(env)
		hits = hits[:0]
		for _, r := range recs {
			if m.Match(r) {
				hits = append(hits, r)
			}
		}
		slices.SortFunc(hits, q.Compare)
		_ = hits[:min(100, len(hits))]
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(recs)), "ns/record")
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchJQL); err != nil {
			b.Fatal(err)
		}
	}
}
