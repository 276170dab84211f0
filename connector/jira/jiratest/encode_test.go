package jiratest

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// sameAsEncodingJSON fails the test when marshal(v) differs from
// json.Marshal(v) in bytes or in failing.
func sameAsEncodingJSON(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := marshal(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("marshal(%#v) error = %v, json.Marshal's = %v", v, err, wantErr)
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("marshal(%#v)\n got %s\nwant %s", v, got, want)
	}
}

type selfEncoding struct{ n int }

func (s selfEncoding) MarshalJSON() ([]byte, error) { return []byte(`{ "n" : 1 }`), nil }

type namedString string

func TestMarshalWritesWhatEncodingJSONWrites(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
		"héllo wörld ✓ 日本", "line\u2028sep\u2029para", "bad \xff utf8 \xc3", "emoji 🙂 \U0010FFFF"}
	for _, s := range strs {
		sameAsEncodingJSON(t, s)
		sameAsEncodingJSON(t, map[string]any{s: s})
	}
	for _, f := range []float64{0, -0.0, 1, -1.5, 3.14159, 1e-6, 9.99e-7, 1e20, 1e21, 123456789012345678901234.0, 1e-9, -2.5e-10, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		sameAsEncodingJSON(t, f)
	}
	for _, v := range []any{
		nil, true, false, 0, -42, int64(1) << 60, int32(-7), uint(7), float32(0.1), []byte("bytes"),
		math.NaN(), math.Inf(1), map[string]any{"bad": math.Inf(-1)}, []any{"x", math.NaN()},
		map[string]any(nil), []any(nil), map[string]string(nil), []string(nil), []map[string]any(nil),
		map[string]any{}, []any{}, []string{}, map[string]string{},
		map[string]any{"b": 1, "a": []any{1, "two", nil, map[string]any{"z": true, "y": []string{"p", "q"}}}, "c": map[string]string{"k2": "v2", "k1": "<v1>"}},
		[]map[string]any{{"id": "10000", "key": "DEMO-1"}, {"id": "10001"}},
		map[string]any{"raw": json.RawMessage(`{"a" : [1, 2]}`), "self": selfEncoding{}, "named": namedString("n<"), "time": time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		map[string]any{"ptr": &struct{ A int }{A: 1}, "many": make([]any, 40)},
	} {
		sameAsEncodingJSON(t, v)
	}
	many := map[string]any{}
	for i := range 100 {
		many[string(rune('A'+i%26))+string(rune('a'+i/26))] = i
	}
	sameAsEncodingJSON(t, many)
}

func FuzzMarshalString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\u2028", "\xff\xfe", "tab\t", "日本\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsEncodingJSON(t, s)
		sameAsEncodingJSON(t, map[string]any{s: []any{s, len(s)}})
	})
}

func FuzzMarshalFloat(f *testing.F) {
	for _, x := range []float64{0, 1e-7, 1e21, -3.5, 1.0 / 3} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) { sameAsEncodingJSON(t, x) })
}
