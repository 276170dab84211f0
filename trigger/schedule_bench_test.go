package trigger_test

import (
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/tztest"
	"github.com/recipekit/recipekit/trigger"
)

// BenchmarkCronNext measures finding the next time of a weekday-morning
// schedule in a zone with daylight saving, from times spread over a year.
func BenchmarkCronNext(b *testing.B) {
	loc := tztest.Load(b, "America/New_York")
	s, err := trigger.Cron("30 8 * * MON-FRI", loc)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Next(start.Add(time.Duration(i%8760) * time.Hour))
	}
}

// BenchmarkScheduleDueAfterADayDown measures the catch-up after a day of
// downtime under an every-minute cron schedule: one run, 1,439 counted as
// missed.
func BenchmarkScheduleDueAfterADayDown(b *testing.B) {
	s, err := trigger.Cron("* * * * *", nil)
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, _, err := s.Due(nil, from)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		page, _, err := s.Due(p.Next, from.Add(24*time.Hour+30*time.Second))
		if err != nil || len(page.Events) != 1 || page.Events[0].Data.Missed != 1439 {
			b.Fatalf("page %+v, %v", page, err)
		}
	}
}
