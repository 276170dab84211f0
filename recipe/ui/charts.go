package ui

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// Charts are drawn here as inline SVG: no chart library, no script, and
// they work with the strict Content-Security-Policy (presentation
// attributes, not style attributes). Every text in them is escaped.

// statusOrder stacks bars from the bottom.
var statusOrder = []recipe.JobStatus{recipe.JobSucceeded, recipe.JobStopped, recipe.JobFailed, recipe.JobRunning, recipe.JobPending}

var statusColor = map[recipe.JobStatus]string{
	recipe.JobSucceeded: "#2e7d32",
	recipe.JobStopped:   "#78909c",
	recipe.JobFailed:    "#c62828",
	recipe.JobRunning:   "#1565c0",
	recipe.JobPending:   "#90caf9",
}

// jobsChart draws jobs per bucket of q, stacked by status.
func jobsChart(q recipe.CountQuery, counts []recipe.JobCount) template.HTML {
	n := int(q.Until.Sub(q.Since) / q.Bucket)
	if n <= 0 || n > 100_000 {
		return ""
	}
	per := make([]map[recipe.JobStatus]int, n)
	peak := 0
	for _, c := range counts {
		i := int(c.Bucket.Sub(q.Since) / q.Bucket)
		if i < 0 || i >= n {
			continue
		}
		if per[i] == nil {
			per[i] = map[recipe.JobStatus]int{}
		}
		per[i][c.Status] += c.Count
	}
	for _, m := range per {
		t := 0
		for _, v := range m {
			t += v
		}
		peak = max(peak, t)
	}
	const width, height, left, bottom = 1440.0, 160.0, 40.0, 20.0
	plotW, plotH := width-left, height-bottom-10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %g %g" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">`, width, height)
	fmt.Fprintf(&b, `<title>Jobs per %s by status, %s to %s UTC; busiest: %d</title>`, q.Bucket, q.Since.UTC().Format("Jan 2 15:04"), q.Until.UTC().Format("Jan 2 15:04"), peak)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#999" stroke-width="1"/>`, left, 10+plotH, width, 10+plotH)
	fmt.Fprintf(&b, `<text x="2" y="18" font-size="11" fill="#555">%d</text><text x="2" y="%g" font-size="11" fill="#555">0</text>`, peak, 10+plotH)
	if peak > 0 {
		bw := plotW / float64(n)
		for i, m := range per {
			y := 10 + plotH
			for _, st := range statusOrder {
				v := m[st]
				if v == 0 {
					continue
				}
				h := plotH * float64(v) / float64(peak)
				y -= h
				fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"><title>%s: %d %s</title></rect>`,
					left+float64(i)*bw, y, max(bw, 1), h, statusColor[st],
					q.Since.Add(time.Duration(i)*q.Bucket).UTC().Format("15:04"), v, st)
			}
		}
	}
	// Hour marks every quarter of the range.
	for k := 0; k <= 4; k++ {
		t := q.Since.Add(q.Until.Sub(q.Since) * time.Duration(k) / 4)
		x := left + plotW*float64(k)/4
		anchor := "middle"
		if k == 4 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="11" fill="#555" text-anchor="%s">%s</text>`, x, height-4, anchor, t.UTC().Format("15:04"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers, fixed words and formatted times only
}

// stepsChart draws each step's p50, p90 and p99 durations as bars.
func stepsChart(stats []recipe.StepStat) template.HTML {
	if len(stats) == 0 {
		return ""
	}
	var top time.Duration
	for _, s := range stats {
		top = max(top, s.P99)
	}
	if top <= 0 {
		top = 1
	}
	const width, row, label, barMax = 900.0, 54.0, 260.0, 520.0
	height := row*float64(len(stats)) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart steps" role="img" viewBox="0 0 %g %g" xmlns="http://www.w3.org/2000/svg"><title>Step durations: 50th, 90th and 99th percentiles</title>`, width, height)
	for i, s := range stats {
		y := 6 + float64(i)*row
		name := s.Name
		if s.Action != "" {
			name += " (" + s.Action + ")"
		}
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="13" fill="#222">%s</text>`, y+12, html.EscapeString(truncate(name, 40)))
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="11" fill="#666">%d runs, %d failed</text>`, y+28, s.Runs, s.Failed)
		for k, p := range []struct {
			name  string
			d     time.Duration
			color string
		}{{"p50", s.P50, "#1565c0"}, {"p90", s.P90, "#64b5f6"}, {"p99", s.P99, "#bbdefb"}} {
			w := barMax * float64(p.d) / float64(top)
			by := y + float64(k)*14
			fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%.2f" height="12" fill="%s"><title>%s %s</title></rect>`, label, by, max(w, 1), p.color, p.name, fmtDuration(p.d))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#333">%s %s</text>`, label+max(w, 1)+6, by+10, p.name, fmtDuration(p.d))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // step names are escaped above
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
