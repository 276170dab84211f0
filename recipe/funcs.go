package recipe

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
)

// helper is a pure function pills may call. Every helper is registered
// with typed signatures, so calls are checked when the recipe is built.
type helper struct {
	name  string
	fn    func(args ...any) (any, error)
	types []any
}

// helperFuncs is the formula library, in the spirit of Workato's formulas.
// expr's own builtins (len, upper, lower, trim, split, join, replace,
// filter, map, sum, ...) stay available, except now, which is the job's
// start time (see the package documentation).
var helperFuncs = []helper{
	{"present", func(a ...any) (any, error) { return !isBlank(a[0]), nil }, []any{new(func(any) bool)}},
	{"blank", func(a ...any) (any, error) { return isBlank(a[0]), nil }, []any{new(func(any) bool)}},
	{"presence", func(a ...any) (any, error) {
		if isBlank(a[0]) {
			return nil, nil
		}
		return a[0], nil
	}, []any{new(func(any) any)}},
	{"default", func(a ...any) (any, error) {
		if isBlank(a[0]) {
			return a[1], nil
		}
		return a[0], nil
	}, []any{new(func(string, string) string), new(func(int, int) int), new(func(float64, float64) float64), new(func(any, any) any)}},
	{"coalesce", func(a ...any) (any, error) {
		for _, v := range a {
			if !isBlank(v) {
				return v, nil
			}
		}
		return nil, nil
	}, []any{new(func(...string) string), new(func(...any) any)}},
	{"strip", func(a ...any) (any, error) { return strings.TrimSpace(a[0].(string)), nil }, []any{new(func(string) string)}},
	{"upcase", func(a ...any) (any, error) { return strings.ToUpper(a[0].(string)), nil }, []any{new(func(string) string)}},
	{"downcase", func(a ...any) (any, error) { return strings.ToLower(a[0].(string)), nil }, []any{new(func(string) string)}},
	{"capitalize", func(a ...any) (any, error) {
		s := a[0].(string)
		r, n := utf8.DecodeRuneInString(s)
		if n == 0 {
			return s, nil
		}
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:]), nil
	}, []any{new(func(string) string)}},
	{"truncate", func(a ...any) (any, error) {
		s, n := a[0].(string), a[1].(int)
		omission := "..."
		if len(a) > 2 {
			omission = a[2].(string)
		}
		return truncate(s, n, omission), nil
	}, []any{new(func(string, int) string), new(func(string, int, string) string)}},
	{"includes", func(a ...any) (any, error) { return includes(a[0], a[1]), nil },
		[]any{new(func(string, string) bool), new(func(any, any) bool)}},
	{"starts_with", func(a ...any) (any, error) { return strings.HasPrefix(a[0].(string), a[1].(string)), nil }, []any{new(func(string, string) bool)}},
	{"ends_with", func(a ...any) (any, error) { return strings.HasSuffix(a[0].(string), a[1].(string)), nil }, []any{new(func(string, string) bool)}},
	{"parse_date", func(a ...any) (any, error) {
		if len(a) > 1 {
			t, err := time.Parse(a[1].(string), a[0].(string))
			if err != nil {
				return nil, fmt.Errorf("parse_date: %q does not match layout %q", a[0], a[1])
			}
			return t, nil
		}
		return parseTime(a[0].(string))
	}, []any{new(func(string) time.Time), new(func(string, string) time.Time)}},
	{"format_date", func(a ...any) (any, error) { return formatTime(a[0].(time.Time), a[1].(string)), nil }, []any{new(func(time.Time, string) string)}},
	{"add_days", func(a ...any) (any, error) { return a[0].(time.Time).AddDate(0, 0, a[1].(int)), nil }, []any{new(func(time.Time, int) time.Time)}},
	{"add_months", func(a ...any) (any, error) { return a[0].(time.Time).AddDate(0, a[1].(int), 0), nil }, []any{new(func(time.Time, int) time.Time)}},
	{"add_hours", func(a ...any) (any, error) { return a[0].(time.Time).Add(time.Duration(a[1].(int)) * time.Hour), nil }, []any{new(func(time.Time, int) time.Time)}},
	{"add_minutes", func(a ...any) (any, error) {
		return a[0].(time.Time).Add(time.Duration(a[1].(int)) * time.Minute), nil
	}, []any{new(func(time.Time, int) time.Time)}},
	{"beginning_of_day", func(a ...any) (any, error) {
		t := a[0].(time.Time)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()), nil
	}, []any{new(func(time.Time) time.Time)}},
	{"days_between", func(a ...any) (any, error) {
		return int(math.Floor(a[1].(time.Time).Sub(a[0].(time.Time)).Hours() / 24)), nil
	}, []any{new(func(time.Time, time.Time) int)}},
	{"to_i", func(a ...any) (any, error) { return toInt(a[0]) }, []any{new(func(any) int)}},
	{"to_f", func(a ...any) (any, error) { return toFloat(a[0]) }, []any{new(func(any) float64)}},
	{"to_s", func(a ...any) (any, error) { return toString(a[0]), nil }, []any{new(func(any) string)}},
}

var helperOptions = func() []expr.Option {
	opts := make([]expr.Option, 0, len(helperFuncs))
	for _, h := range helperFuncs {
		opts = append(opts, expr.Function(h.name, h.fn, h.types...))
	}
	return opts
}()

// isBlank: nil, a nil pointer, a string of only white space, an empty list
// or map, and the zero time are blank.
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case time.Time:
		return x.IsZero()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() == 0
	}
	return false
}

func truncate(s string, n int, omission string) string {
	if n < 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(omission)
	if keep < 0 {
		keep = 0
	}
	i := 0
	for pos := range s {
		if i == keep {
			return s[:pos] + omission
		}
		i++
	}
	return s
}

func includes(haystack, needle any) bool {
	if s, ok := haystack.(string); ok {
		n, ok := needle.(string)
		return ok && strings.Contains(s, n)
	}
	rv := reflect.ValueOf(haystack)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if reflect.DeepEqual(rv.Index(i).Interface(), needle) {
				return true
			}
		}
	case reflect.Map:
		k := reflect.ValueOf(needle)
		if k.IsValid() && k.Type().AssignableTo(rv.Type().Key()) {
			return rv.MapIndex(k).IsValid()
		}
	}
	return false
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads the date formats Jira and most APIs use: RFC 3339,
// Jira's "2006-01-02T15:04:05.000-0700", and plain dates (UTC).
func parseTime(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse_date: %q is not a date; expected RFC 3339 (2006-01-02T15:04:05Z), Jira's 2006-01-02T15:04:05.000-0700, or 2006-01-02, or pass a layout", s)
}

func formatTime(t time.Time, layout string) string {
	switch strings.ToLower(layout) {
	case "iso8601", "rfc3339":
		return t.Format(time.RFC3339)
	case "date":
		return t.Format(time.DateOnly)
	case "jira":
		return t.Format("2006-01-02T15:04:05.000-0700")
	}
	return t.Format(layout)
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.Atoi(s); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("to_i: %q is not a number", x)
		}
		return int(f), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	if n, ok := numberOf[int](v); ok {
		return n, nil
	}
	return 0, fmt.Errorf("to_i: cannot turn %T into a number", v)
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("to_f: %q is not a number", x)
		}
		return f, nil
	}
	if f, ok := numberOf[float64](v); ok {
		return f, nil
	}
	return 0, fmt.Errorf("to_f: cannot turn %T into a number", v)
}

// numberOf converts v, a value of any integer or floating-point kind
// (named types included), to T; false for other kinds.
func numberOf[T int | float64](v any) (T, bool) {
	rv := reflect.ValueOf(v)
	switch k := rv.Kind(); {
	case isInt(k):
		return T(rv.Int()), true
	case isUint(k):
		return T(rv.Uint()), true
	case k == reflect.Float32 || k == reflect.Float64:
		return T(rv.Float()), true
	}
	return 0, false
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.Format(time.RFC3339)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
