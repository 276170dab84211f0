package jira

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/internal/testshared"
)

// referenceFields is the straightforward two-pass decoding of issue fields
// (every member into a map of raw values, the whole object into the typed
// struct, then each custom or other member on its own, and Atlassian
// Documents walked as generic JSON). IssueFields.UnmarshalJSON must give
// exactly the same result, or the same failure.
func referenceFields(b []byte) (IssueFields, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return IssueFields{}, err
	}
	known := knownFieldNames()
	var std issueFieldsJSON
	if err := json.Unmarshal(b, &std); err != nil {
		std = lenientFields(raw, known)
	}
	for k, v := range raw {
		switch {
		case k == "description":
			std.Description = referenceText(v)
		case k == "environment":
			std.Environment = referenceText(v)
		case strings.HasPrefix(k, "customfield_"):
			if std.Custom == nil {
				std.Custom = make(map[string]any)
			}
			var val any
			if err := json.Unmarshal(v, &val); err != nil {
				return IssueFields{}, err
			}
			std.Custom[k] = val
		case !known[k] || std.Other[k] != nil:
			if std.Other == nil {
				std.Other = make(map[string]any)
			}
			if std.Other[k] != nil {
				continue
			}
			var val any
			if err := json.Unmarshal(v, &val); err != nil {
				return IssueFields{}, err
			}
			std.Other[k] = val
		}
	}
	return IssueFields(std), nil
}

func referenceText(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	var sb strings.Builder
	adfText(&sb, v)
	return strings.TrimRight(sb.String(), "\n")
}

// fieldsCases are issue-field objects in the shapes that stress the
// decoder: escapes in keys and values, non-ASCII and invalid UTF-8,
// numbers in every form, nulls, nested custom values, odd spacing,
// lenient decoding, Atlassian Documents, and input that must fail.
var fieldsCases = []string{
	`{}`,
	`null`,
	` { "summary" : "spaced" , "labels" : [ "a" , "b" ] ,
	  "customfield_1" : [ 1 , { "k" : [ ] } ] }`,
	`{"summary":"tab\there \"quoted\" \u00e9","customfield_1":"tab\tin custom","customfield_2":"caf\u00e9","customfield_3":"café ✓","customfield_4":null,` +
		`"customfield_5":-1.5e3,"customfield_6":true,"customfield_7":false,"customfield_8":0,"customfield_9":12345678901234567890,` +
		`"customfield_10":{"value":"x","child":{"value":"y"}},"cust\u006fmfield_11":"escaped key","votes":{"votes":1},"Summary":"other case","labels":null}`,
	"{\"customfield_1\":\"bad \xff utf-8\",\"x\\\"y\":1,\"summary\":\"bad \xfe too\"}",
	`{"customfield_1":"a","customfield_1":"b","zzz":1,"zzz":2,"description":"first","description":"second"}`,
	`{"summary":"s","comment":[{"body":"x"}],"labels":["l"],"customfield_1":"v","unknown":{"a":[1,2]}}`,
	`{"description":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Hello ","marks":[{"type":"strong"}]},{"type":"hardBreak"},{"type":"text","text":"world"}]},` +
		`{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"item"}]}]}]},{"type":"mediaSingle","attrs":{"layout":"center"}}]},` +
		`"environment":{"type":"doc","content":["not a node",{"type":"text","text":"env"}]}}`,
	`{"description":{"type":7},"environment":[1,2]}`,
	`{"customfield_1":1e400}`,
	`{"zzz":-1e999}`,
	`[]`,
	`"fields"`,
	`{"created":"2024-01-02T03:04:05.000\u002b0000","duedate":"2024-02-01","updated":1700000000000,"attachment":[{"id":10000},{"id":"10001"},{"id":null},{"id":1e3},{"id":true}]}`,
	`{"created":"yesterday"}`,
}

func TestIssueFieldsDecodeMatchesReference(t *testing.T) {
	inputs := append([]string(nil), fieldsCases...)
	inputs = append(inputs, sampleFieldObjects(t)...)
	for i, in := range inputs {
		checkFieldsAgainstReference(t, i, []byte(in))
	}
}

func checkFieldsAgainstReference(t *testing.T, i int, in []byte) {
	t.Helper()
	want, wantErr := referenceFields(in)
	var got IssueFields
	gotErr := json.Unmarshal(in, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Errorf("case %d %.80q: error %v, reference error %v", i, in, gotErr, wantErr)
		return
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("case %d %.80q:\n got  %+v\n want %+v", i, in, got, want)
	}
	// Called directly, as some callers do, the method must agree too.
	var direct IssueFields
	if err := direct.UnmarshalJSON(in); (err == nil) != (gotErr == nil) || (err == nil && !reflect.DeepEqual(direct, got)) {
		t.Errorf("case %d %.80q: direct call gave %+v, %v", i, in, direct, err)
	}
}

// sampleFieldObjects returns every issue "fields" object of the real
// payloads in the shared samples, when they are present.
func sampleFieldObjects(t *testing.T) []string {
	dir := testshared.Path(t, "jira", "samples")
	var out []string
	for _, doc := range testshared.JSONFiles(t, dir) {
		collectFields(doc, &out)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d issue field objects in %s", len(out), dir)
	}
	return out
}

func collectFields(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if f, ok := x["fields"].(map[string]any); ok && (x["key"] != nil || x["id"] != nil) {
			b, _ := json.Marshal(f)
			*out = append(*out, string(b))
		}
		for _, e := range x {
			collectFields(e, out)
		}
	case []any:
		for _, e := range x {
			collectFields(e, out)
		}
	}
}

func FuzzIssueFieldsDecode(f *testing.F) {
	for _, c := range fieldsCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(issueJSON))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			// The method's contract is valid JSON (encoding/json checks
			// before calling it); it must still fail cleanly.
			var f IssueFields
			_ = f.UnmarshalJSON(in)
			return
		}
		checkFieldsAgainstReference(t, 0, in)
	})
}

func TestEachMemberRejectsMalformedObjects(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,`, `{"a" 1}`, `{a:1}`, `{"a":"x}`, `{"a":[1,2}`, `{"a":1;}`, `[1]`, `{"a":}`} {
		err := eachMember([]byte(in), func(k, v []byte) error { return nil })
		if err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
	var keys []string
	err := eachMember([]byte(` {"a" : 1 , "b\"c":{"x":"}"}, "d":[ "]" ] } `), func(k, v []byte) error {
		keys = append(keys, string(k)+"="+string(v))
		return nil
	})
	if err != nil || strings.Join(keys, " ") != `a=1 b"c={"x":"}"} d=[ "]" ]` {
		t.Errorf("members %q, %v", keys, err)
	}
}

func TestIssueFieldsToleratesOddShapes(t *testing.T) {
	// Atlassian's own example sends comment as an array: the other fields
	// must still decode.
	var f IssueFields
	err := json.Unmarshal([]byte(`{"summary":"s","comment":[{"body":"x"}],"labels":["l"]}`), &f)
	if err != nil {
		t.Fatal(err)
	}
	if f.Summary != "s" || len(f.Labels) != 1 || f.Comment != nil || f.Other["comment"] == nil {
		t.Errorf("lenient decode: %+v", f)
	}
}
