package jql

import (
	"strings"
	"time"
)

// invalidDateMsg is Jira's message for a date value it cannot read.
const invalidDateMsg = "Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."

type dateKind int

const (
	dateLiteral  dateKind = iota // calendar date (and time) in the caller's zone, minute precision
	dateEpoch                    // epoch milliseconds, exact
	dateRelative                 // period relative to now, exact
)

// dateValue is a date operand as written, before it is resolved against an
// Env (time zone and now).
type dateValue struct {
	kind                     dateKind
	year, month, day, hh, mm int
	ms                       int64         // dateEpoch
	period                   time.Duration // dateRelative
}

// parseDateValue reads a date literal, epoch milliseconds or a period.
func parseDateValue(s string) (dateValue, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return dateValue{}, false
	}
	if isDigits(s) {
		if len(s) > 15 { // beyond year 33000: not a timestamp anyone means
			return dateValue{}, false
		}
		var ms int64
		for i := 0; i < len(s); i++ {
			ms = ms*10 + int64(s[i]-'0')
		}
		return dateValue{kind: dateEpoch, ms: ms}, true
	}
	if dv, ok := parseCalendar(s); ok {
		return dv, true
	}
	if d, ok := parsePeriod(s); ok {
		return dateValue{kind: dateRelative, period: d}, true
	}
	return dateValue{}, false
}

// parseCalendar reads yyyy-MM-dd or yyyy/MM/dd, optionally followed by
// HH:mm. Month, day and hour may have one digit.
func parseCalendar(s string) (dateValue, bool) {
	var dv dateValue
	i := 0
	num := func(minDigits, maxDigits int) (int, bool) {
		start, n := i, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < maxDigits {
			n = n*10 + int(s[i]-'0')
			i++
		}
		return n, i-start >= minDigits
	}
	var ok bool
	if dv.year, ok = num(4, 4); !ok || i >= len(s) || (s[i] != '-' && s[i] != '/') {
		return dv, false
	}
	sep := s[i]
	i++
	if dv.month, ok = num(1, 2); !ok || i >= len(s) || s[i] != sep {
		return dv, false
	}
	i++
	if dv.day, ok = num(1, 2); !ok {
		return dv, false
	}
	if i < len(s) {
		if s[i] != ' ' {
			return dv, false
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if dv.hh, ok = num(1, 2); !ok || i >= len(s) || s[i] != ':' {
			return dv, false
		}
		i++
		if dv.mm, ok = num(2, 2); !ok || i != len(s) {
			return dv, false
		}
	}
	if dv.month < 1 || dv.month > 12 || dv.day < 1 || dv.hh > 23 || dv.mm > 59 {
		return dv, false
	}
	if dv.day > daysIn(dv.year, time.Month(dv.month)) {
		return dv, false
	}
	return dv, true
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// maxPeriod bounds a relative date and a date function's hour or minute
// increment; longer ones are refused rather than overflowing a Duration.
const maxPeriod = 200 * 365 * 24 * time.Hour

// parsePeriod reads Jira's period format: an optional sign followed by one
// or more <number><unit> groups, units w, d, h, m, optionally separated by
// spaces ("-5d", "4w 2d", "+1h30m").
func parsePeriod(s string) (time.Duration, bool) {
	sign := time.Duration(1)
	switch s[0] {
	case '-':
		sign = -1
		s = s[1:]
	case '+':
		s = s[1:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	var total time.Duration
	for s != "" {
		j, n := 0, int64(0)
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if n > 1e7 {
				return 0, false
			}
			n = n*10 + int64(s[j]-'0')
			j++
		}
		if j == 0 || j >= len(s) {
			return 0, false
		}
		var unit time.Duration
		switch s[j] {
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		default:
			return 0, false
		}
		// Compare before multiplying: n*unit can overflow a Duration
		// (99999999w) and wrap to a plausible-looking period.
		if time.Duration(n) > (maxPeriod-total)/unit {
			return 0, false
		}
		total += time.Duration(n) * unit
		s = strings.TrimLeft(s[j+1:], " ")
	}
	return sign * total, true
}

// resolve turns the value into epoch milliseconds for a caller, and reports
// whether records are compared with minute precision.
func (dv dateValue) resolve(env *Env) (ms int64, minute bool) {
	switch dv.kind {
	case dateEpoch:
		return dv.ms, false
	case dateRelative:
		return env.now().Add(dv.period).UnixMilli(), false
	}
	t := time.Date(dv.year, time.Month(dv.month), dv.day, dv.hh, dv.mm, 0, 0, env.location())
	return t.UnixMilli(), true
}

// dateFunc describes a JQL date function.
type dateFunc struct {
	name string // canonical spelling
	end  bool   // endOf...: the last millisecond of the period
	unit byte   // period: 'd', 'w', 'M', 'y'; 0 for now()
}

var dateFuncs = map[string]dateFunc{
	"now":          {"now", false, 0},
	"startofday":   {"startOfDay", false, 'd'},
	"endofday":     {"endOfDay", true, 'd'},
	"startofweek":  {"startOfWeek", false, 'w'},
	"endofweek":    {"endOfWeek", true, 'w'},
	"startofmonth": {"startOfMonth", false, 'M'},
	"endofmonth":   {"endOfMonth", true, 'M'},
	"startofyear":  {"startOfYear", false, 'y'},
	"endofyear":    {"endOfYear", true, 'y'},
}

// increment is a date function's optional argument, such as "-1d" or "+2".
type increment struct {
	n    int
	unit byte // 'y', 'M', 'w', 'd', 'h', 'm'
}

func parseIncrement(s string, defaultUnit byte) (increment, bool) {
	s = strings.TrimSpace(s)
	inc := increment{unit: defaultUnit}
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		if inc.n > 1e6 {
			return inc, false
		}
		inc.n = inc.n*10 + int(s[j]-'0')
		j++
	}
	if j == 0 {
		return inc, false
	}
	switch rest := s[j:]; rest {
	case "":
	case "y", "M", "w", "d", "h", "m":
		inc.unit = rest[0]
	default:
		return inc, false
	}
	if inc.unit == 0 {
		return inc, false
	}
	// apply adds hours and minutes as a Duration, which a large n overflows.
	if inc.unit == 'h' && time.Duration(inc.n) > maxPeriod/time.Hour ||
		inc.unit == 'm' && time.Duration(inc.n) > maxPeriod/time.Minute {
		return inc, false
	}
	if neg {
		inc.n = -inc.n
	}
	return inc, true
}

func (inc increment) apply(t time.Time) time.Time {
	switch inc.unit {
	case 'y':
		return t.AddDate(inc.n, 0, 0)
	case 'M':
		return t.AddDate(0, inc.n, 0)
	case 'w':
		return t.AddDate(0, 0, 7*inc.n)
	case 'd':
		return t.AddDate(0, 0, inc.n)
	case 'h':
		return t.Add(time.Duration(inc.n) * time.Hour)
	case 'm':
		return t.Add(time.Duration(inc.n) * time.Minute)
	}
	return t
}

// eval returns the function's value in epoch milliseconds for a caller.
func (f dateFunc) eval(args []string, env *Env) int64 {
	now := env.now().In(env.location())
	if f.unit == 0 {
		return now.UnixMilli()
	}
	y, m, d := now.Date()
	loc := now.Location()
	var start, next time.Time
	switch f.unit {
	case 'd':
		start = time.Date(y, m, d, 0, 0, 0, 0, loc)
		next = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	case 'w':
		wd := int(now.Weekday()) // Sunday = 0
		start = time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
		next = time.Date(y, m, d-wd+7, 0, 0, 0, 0, loc)
	case 'M':
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		next = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case 'y':
		start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		next = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
	}
	if len(args) == 1 {
		if inc, ok := parseIncrement(args[0], f.unit); ok {
			// Shift the period's bounds, not its last millisecond, so that
			// endOfMonth("+1M") is the end of next month, whatever its length.
			start, next = inc.apply(start), inc.apply(next)
		}
	}
	if f.end {
		return next.UnixMilli() - 1
	}
	return start.UnixMilli()
}
