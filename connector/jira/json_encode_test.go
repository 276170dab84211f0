package jira

import (
	"encoding/json"
	"testing"
)

var jsonStringCases = []string{"", "plain", `"quoted" \ back`, "<b>&amp;</b>", "tab\tnew\r\x00\x7f", "café ✓ 😀", "bad \xff utf-8", "\u2028",
	"Thanks! DEMO-1 \"Printer 1 on fire\" is queued for triage."}

func TestCommentBodyEncodesAsJSONMarshal(t *testing.T) {
	var bodies []CommentBody
	for _, s := range jsonStringCases {
		bodies = append(bodies,
			CommentBody{Body: s},
			CommentBody{Body: s, Properties: effectProperties(s)},
			CommentBody{Body: s, Visibility: &Visibility{Type: "role", Value: s}},
			CommentBody{Body: s, Visibility: &Visibility{Type: "group", Identifier: s}, Properties: effectProperties("k")})
	}
	// Shapes left to json.Marshal.
	bodies = append(bodies,
		CommentBody{Properties: []EntityProperty{{Key: "p", Value: map[string]any{"a": []int{1}}}}},
		CommentBody{Properties: []EntityProperty{{Key: "p", Value: map[string]string{"a": "1", "b": "2"}}}},
		CommentBody{Properties: []EntityProperty{}})
	for _, b := range bodies {
		want, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := requestJSON(b)
		if err != nil || string(got) != string(want) {
			t.Errorf("%+v encodes as\n %s, %v\nwant\n %s", b, got, err, want)
		}
	}
}
