package jira

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTimeParsesJiraFormsAndRoundTrips(t *testing.T) {
	cases := []struct {
		in, out string
		want    time.Time
		date    bool
	}{
		{`"2019-07-05T11:05:00.000+0000"`, `"2019-07-05T11:05:00.000+0000"`, time.Date(2019, 7, 5, 11, 5, 0, 0, time.UTC), false},
		{`"2020-12-03T14:05:20.974+0100"`, `"2020-12-03T14:05:20.974+0100"`, time.Date(2020, 12, 3, 13, 5, 20, 974e6, time.UTC), false},
		{`"2019-03-11"`, `"2019-03-11"`, time.Date(2019, 3, 11, 0, 0, 0, 0, time.UTC), true},
		{`"2024-01-02T03:04:05Z"`, `"2024-01-02T03:04:05.000+0000"`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), false},
		{`1700000000000`, `"2023-11-14T22:13:20.000+0000"`, time.UnixMilli(1700000000000), false},
	}
	for _, c := range cases {
		var tm Time
		if err := json.Unmarshal([]byte(c.in), &tm); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !tm.Equal(c.want) || tm.IsDate() != c.date {
			t.Errorf("%s: got %v (date %v), want %v", c.in, tm.Time, tm.IsDate(), c.want)
		}
		b, _ := json.Marshal(tm)
		if string(b) != c.out {
			t.Errorf("%s: marshals as %s, want %s", c.in, b, c.out)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`null`), &tm); err != nil || !tm.IsZero() {
		t.Errorf("null: %v %v", tm, err)
	}
	if b, _ := json.Marshal(Time{}); string(b) != "null" {
		t.Errorf("zero marshals as %s", b)
	}
	if err := json.Unmarshal([]byte(`"next tuesday"`), &tm); err == nil || !strings.Contains(err.Error(), "2019-07-05T11:05:00.000+0000") {
		t.Errorf("bad time error should show the expected form, got %v", err)
	}
}

func TestTimeMarshalsItsStringForAnyYearAndZone(t *testing.T) {
	kathmandu := time.FixedZone("", 5*3600+45*60)
	for _, tm := range []Time{
		NewTime(time.Date(2024, 2, 29, 23, 59, 59, 999e6, kathmandu)),
		NewTime(time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC)),
		NewTime(time.Date(-1, 1, 1, 0, 0, 0, 0, time.FixedZone("", -12*3600))),
		NewDate(time.Date(1, 1, 2, 0, 0, 0, 1, time.UTC)),
		NewDate(time.Date(2024, 12, 31, 23, 0, 0, 0, kathmandu)),
	} {
		want, err := json.Marshal(tm.String())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := json.Marshal(tm); err != nil || string(got) != string(want) {
			t.Errorf("%v marshals as %s, %v; want %s", tm.Time, got, err, want)
		}
	}
}
