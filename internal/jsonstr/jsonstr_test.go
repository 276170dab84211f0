package jsonstr

import (
	"encoding/json"
	"testing"
)

var cases = []string{"", "plain", `"quoted" \ back`, "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x00\x1f\x7f", "café ✓ 😀",
	"bad \xff\xfe utf-8", "\u2028\u2029", "\xe2\x80", "Thanks! DEMO-1 \"Printer 1 on fire\" is queued for triage."}

func TestAppendWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := Append([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q encodes as %s, want x%s", s, got, want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := Append(nil, s); string(got) != string(want) {
			t.Errorf("%q encodes as %s, want %s", s, got, want)
		}
	})
}
