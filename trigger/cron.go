package trigger

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a parsed five-field cron expression: minute, hour, day of
// month, month, day of week. Each field is a bit set of the values it
// allows.
type cronSpec struct {
	minute uint64 // bits 0-59
	hour   uint32 // bits 0-23
	dom    uint32 // bits 1-31
	month  uint16 // bits 1-12
	dow    uint8  // bits 0-6, Sunday = 0
	// domAny and dowAny record a "*" day field: when both day fields are
	// restricted, a day matches if either does (as in every cron since
	// Vixie's).
	domAny, dowAny bool
}

var cronMacros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

var dayNames = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var cronFields = [5]cronField{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, monthNames},
	{"day of week", 0, 7, dayNames}, // 7 is Sunday too
}

const cronHelp = `a cron expression has five fields, "minute hour day-of-month month day-of-week", such as "0 9 * * MON-FRI" (09:00 on weekdays); each field is *, a value, a range a-b, a step */n or a-b/n, or a comma-separated list of those; or use @hourly, @daily, @weekly, @monthly or @yearly`

// parseCron parses a five-field cron expression or one of the @ macros.
func parseCron(expr string) (cronSpec, error) {
	src := strings.TrimSpace(expr)
	if m, ok := cronMacros[strings.ToLower(src)]; ok {
		src = m
	} else if strings.HasPrefix(src, "@") {
		return cronSpec{}, fmt.Errorf("cron expression %q: unknown macro %s: %s", expr, src, cronHelp)
	}
	parts := strings.Fields(src)
	if len(parts) != 5 {
		return cronSpec{}, fmt.Errorf("cron expression %q has %d fields, not 5: %s", expr, len(parts), cronHelp)
	}
	var sets [5]uint64
	for i, p := range parts {
		set, err := parseCronField(p, cronFields[i])
		if err != nil {
			return cronSpec{}, fmt.Errorf("cron expression %q: %w: %s", expr, err, cronHelp)
		}
		sets[i] = set
	}
	dow := sets[4]
	if dow&(1<<7) != 0 {
		dow = dow&^(1<<7) | 1
	}
	c := cronSpec{
		minute: sets[0],
		hour:   uint32(sets[1]),
		dom:    uint32(sets[2]),
		month:  uint16(sets[3]),
		dow:    uint8(dow),
		domAny: parts[2] == "*" || parts[2] == "?",
		dowAny: parts[4] == "*" || parts[4] == "?",
	}
	if !c.possible() {
		return cronSpec{}, fmt.Errorf("cron expression %q never matches: no month in it has the days of month it names", expr)
	}
	return c, nil
}

// possible reports whether some date matches the day-of-month and month
// fields (30 February never comes).
func (c cronSpec) possible() bool {
	if !c.domAny && !c.dowAny {
		return true // either day field may match
	}
	if c.domAny {
		return true
	}
	longest := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if c.month&(1<<m) == 0 {
			continue
		}
		if c.dom&(1<<(longest[m]+1)-1) != 0 {
			return true
		}
	}
	return false
}

func parseCronField(s string, f cronField) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("the %s field is empty", f.name)
	}
	var set uint64
	for item := range strings.SplitSeq(s, ",") {
		if item == "" {
			return 0, fmt.Errorf("the %s field %q has an empty item: remove the extra comma", f.name, s)
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		lo, hi := f.min, f.max
		if f.name == "day of week" {
			hi = 6 // "*" means Sunday to Saturday once
		}
		switch {
		case rng == "*" || rng == "?":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = cronValue(a, f); err != nil {
				return 0, err
			}
			if hi, err = cronValue(b, f); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("the %s range %s runs backwards: write the smaller value first", f.name, item)
			}
		default:
			v, err := cronValue(rng, f)
			if err != nil {
				return 0, err
			}
			lo, hi = v, v
			if hasStep {
				hi = f.max // "5/15" means from 5 to the end, every 15
			}
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("the %s step %q is not a whole number above 0", f.name, stepText)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func cronValue(s string, f cronField) (int, error) {
	if v, ok := f.names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		if f.names != nil {
			return 0, fmt.Errorf("the %s value %q is neither a number from %d to %d nor a name such as %s", f.name, s, f.min, f.max, exampleName(f))
		}
		return 0, fmt.Errorf("the %s value %q is not a number", f.name, s)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("the %s value %d is outside %d-%d", f.name, v, f.min, f.max)
	}
	return v, nil
}

func exampleName(f cronField) string {
	if f.name == "month" {
		return "JAN"
	}
	return "MON"
}

// dayMatches reports whether the date's day fields match.
func (c cronSpec) dayMatches(d time.Time) bool {
	if c.month&(1<<int(d.Month())) == 0 {
		return false
	}
	domOK := c.dom&(1<<d.Day()) != 0
	dowOK := c.dow&(1<<int(d.Weekday())) != 0
	switch {
	case c.domAny && c.dowAny:
		return true
	case c.domAny:
		return dowOK
	case c.dowAny:
		return domOK
	default:
		return domOK || dowOK
	}
}

// errNoCronTime is returned when no time within the search horizon
// matches; parseCron rules out expressions that never match, so it means
// the horizon was too short for a rare expression.
var errNoCronTime = errors.New("no matching time within eight years")

// next returns the first instant after t whose wall-clock time in loc
// matches the expression. A wall-clock time that a daylight-saving change
// skips fires at the instant the clock jumps; one that a change repeats
// fires at its first occurrence only. So each matching wall-clock time
// fires at most once, and none is lost.
func (c cronSpec) next(t time.Time, loc *time.Location) (time.Time, error) {
	wall := t.In(loc)
	day := time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, time.UTC)
	for i := range 366*8 + 2 {
		if c.dayMatches(day) {
			// Readings before t's own are passed over: each resolves to an
			// instant before t (the first occurrence of a repeated reading
			// is earlier than any later one).
			firstHour, firstMinute := 0, 0
			if i == 0 {
				firstHour, firstMinute = wall.Hour(), wall.Minute()
			}
			for h := firstHour; h < 24; h++ {
				if c.hour&(1<<h) == 0 {
					continue
				}
				minutes := c.minute
				if i == 0 && h == firstHour {
					minutes &^= 1<<firstMinute - 1
				}
				for m := minutes; m != 0; m &= m - 1 {
					mi := bits.TrailingZeros64(m)
					at := resolveWall(day.Year(), day.Month(), day.Day(), h, mi, loc)
					if at.After(t) {
						return at, nil
					}
				}
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, errNoCronTime
}

// resolveWall returns the instant at which the wall clock in loc reads the
// given time: when it reads it twice (the clock was set back), the first;
// when it never does (the clock jumped over it), the instant of the jump.
func resolveWall(y int, mo time.Month, d, h, mi int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, mi, 0, 0, loc)
	want := time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
	got := wallOf(t)
	if !got.Equal(want) {
		// In a gap: time.Date chose the zone on one side of the jump.
		start, end := t.ZoneBounds()
		if got.After(want) {
			return start // t is after the jump, which started its zone
		}
		return end // t is before the jump, which ends its zone
	}
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, prevOffset := start.Add(-time.Second).Zone()
	_, offset := t.Zone()
	if earlier := t.Add(time.Duration(offset-prevOffset) * time.Second); earlier.Before(start) && wallOf(earlier).Equal(want) {
		return earlier // the same reading in the zone before a setback
	}
	return t
}

// wallOf returns t's wall-clock reading as a UTC time, for comparing
// readings.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
