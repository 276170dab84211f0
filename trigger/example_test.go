package trigger_test

import (
	"fmt"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// A weekday-morning schedule in Paris: the times are wall-clock times in
// the zone, so 09:00 stays 09:00 across the change to summer time.
func ExampleCron() {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Println(err)
		return
	}
	mornings, err := trigger.Cron("0 9 * * MON-FRI", paris)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := time.Date(2026, 3, 26, 12, 0, 0, 0, paris) // a Thursday; clocks go forward on Sunday the 29th
	for range 3 {
		t = mornings.Next(t)
		fmt.Println(t.Format("Mon 2 Jan 15:04 MST"), t.UTC().Format("15:04Z"))
	}
	_, err = trigger.Cron("0 9 * * MON-FRY", paris)
	fmt.Println(err != nil)
	// Output:
	// Fri 27 Mar 09:00 CET 08:00Z
	// Mon 30 Mar 09:00 CEST 07:00Z
	// Tue 31 Mar 09:00 CEST 07:00Z
	// true
}

// Due is what the runtime asks a schedule: here, after a weekend when
// nothing ran, one catch-up run for the latest time that was due.
func ExampleSchedule_Due() {
	daily, err := trigger.Cron("@daily", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	friday := time.Date(2026, 1, 2, 18, 0, 0, 0, time.UTC)
	page, _, _ := daily.Due(nil, friday) // the first look arms the schedule
	monday := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	page, next, _ := daily.Due(page.Next, monday)
	tick := page.Events[0].Data
	fmt.Println(len(page.Events), tick.Time.Format("Mon 2 Jan 15:04"), "missed", tick.Missed, "next", next.Format("Mon 2 Jan 15:04"))
	// Output: 1 Mon 5 Jan 00:00 missed 2 next Tue 6 Jan 00:00
}
