package jira

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// A user's avatar map reads the same in a job record as encoding/json's
// generic map encoding writes it, whatever its keys and URLs hold.
func TestAvatarURLsMarshalLikeEncodingJSON(t *testing.T) {
	many := map[string]string{}
	for i := range 12 {
		many[fmt.Sprintf("%dx%d", i, i)] = fmt.Sprintf("https://avatar.example/%d.png?s=%d", i, i)
	}
	cases := map[string]map[string]string{
		"nil":   nil,
		"empty": {},
		"sizes": {"48x48": "https://secure.gravatar.com/avatar/abc?d=mm&s=48", "24x24": "https://x/24", "16x16": "https://x/16", "32x32": "https://x/32"},
		"plain": {"48x48": "https://x/48", "16x16": "https://x/16"},
		"quote": {"a\"b": "c\\d"},
		"html":  {"k": "<img>", "48x48": "https://avatar.example/a?d=mm&s=48"},
		"utf8":  {"k": "héllo\u2028"},
		"ctl":   {"k": "a\tb"},
		"many":  many,
	}
	for name, m := range cases {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(AvatarURLs(m))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
		var generic, named bytes.Buffer
		for buf, v := range map[*bytes.Buffer]any{&generic: m, &named: AvatarURLs(m)} {
			enc := json.NewEncoder(buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
		}
		if named.String() != generic.String() {
			t.Errorf("%s without HTML escaping: got %s, want %s", name, named.String(), generic.String())
		}
		u, err := json.Marshal(User{AccountID: "a", AvatarURLs: m})
		if err != nil {
			t.Fatal(err)
		}
		var back User
		if err := json.Unmarshal(u, &back); err != nil {
			t.Fatalf("%s: %s does not decode: %v", name, u, err)
		}
		if len(back.AvatarURLs) != len(m) {
			t.Errorf("%s: %s decodes to %v", name, u, back.AvatarURLs)
		}
		for k, v := range m {
			if back.AvatarURLs[k] != v {
				t.Errorf("%s: %q decodes to %q, want %q", name, k, back.AvatarURLs[k], v)
			}
		}
	}
}
