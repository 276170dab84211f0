package jira

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Jira's timestamp layouts. REST v2 writes "2019-07-05T11:05:00.000+0000"
// (numeric zone without a colon); dates such as duedate are "2019-03-11".
const (
	// TimeLayout is the layout Jira uses for timestamps in REST v2.
	TimeLayout = "2006-01-02T15:04:05.000-0700"
	// DateLayout is the layout Jira uses for date-only fields (duedate,
	// version release dates, date pickers).
	DateLayout = "2006-01-02"
)

var timeLayouts = []string{
	TimeLayout,
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.000Z07:00",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000",
	"2006-01-02T15:04:05",
}

// Time is a Jira timestamp or date. It embeds time.Time, so pills can call
// its methods (trigger.fields.created.Before(now()),
// trigger.fields.updated.Format("2006-01-02"), .Unix()) and read .Time for a
// plain time.Time. The zero value stands for a field Jira sent as null.
//
// Time accepts Jira's "2019-07-05T11:05:00.000+0000", RFC 3339, a date
// "2019-03-11" and epoch milliseconds; it marshals back in the form it was
// read (timestamp or date), so a round trip through JSON keeps the value.
type Time struct {
	time.Time
	dateOnly bool
}

// NewTime wraps t as a timestamp.
func NewTime(t time.Time) Time { return Time{Time: t} }

// NewDate wraps t as a date-only value (the clock part is dropped).
func NewDate(t time.Time) Time {
	y, m, d := t.Date()
	return Time{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), dateOnly: true}
}

// ParseTime reads a Jira timestamp or date in any form Time accepts.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	if len(s) == len(DateLayout) {
		if t, err := time.Parse(DateLayout, s); err == nil {
			return Time{Time: t, dateOnly: true}, nil
		}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{Time: t}, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Time{Time: time.UnixMilli(ms).UTC()}, nil
	}
	return Time{}, fmt.Errorf("jira: cannot read %q as a time: expected a form like 2019-07-05T11:05:00.000+0000 or 2019-03-11", s)
}

// IsDate reports whether the value is a date without a clock part.
func (t Time) IsDate() bool { return t.dateOnly }

// String formats the value the way Jira writes it.
func (t Time) String() string {
	if t.Time.IsZero() {
		return ""
	}
	if t.dateOnly {
		return t.Time.Format(DateLayout)
	}
	return t.Time.Format(TimeLayout)
}

// MarshalJSON writes the value in Jira's layout, or null for the zero value.
// The layouts write digits and punctuation JSON never escapes, so the
// string is formatted straight into its quotes: every job record holds
// several timestamps.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.Time.IsZero() {
		return []byte("null"), nil
	}
	layout := TimeLayout
	if t.dateOnly {
		layout = DateLayout
	}
	b := make([]byte, 0, len(layout)+8)
	b = append(b, '"')
	b = t.Time.AppendFormat(b, layout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads a Jira timestamp, a date, epoch milliseconds or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("jira: cannot read %s as a time", b)
		}
		*t = Time{Time: time.UnixMilli(ms).UTC()}
		return nil
	}
	var s string
	if len(b) >= 2 && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]) {
		s = string(b[1 : len(b)-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
