package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/trigger"
)

// fuzzPayload has the field types a webhook payload usually has, so the
// fuzzer meets type mismatches as well as syntax errors.
type fuzzPayload struct {
	Timestamp    int64          `json:"timestamp"`
	WebhookEvent string         `json:"webhookEvent"`
	Issue        *fuzzIssue     `json:"issue"`
	Matched      []int          `json:"matchedWebhookIds"`
	Extra        map[string]any `json:"extra"`
	Ratio        float32        `json:"ratio"`
	Flag         bool           `json:"flag"`
}

type fuzzIssue struct {
	ID     string            `json:"id"`
	Key    string            `json:"key"`
	Fields map[string]string `json:"fields"`
}

// FuzzParse feeds arbitrary bodies and signature headers to Parse. It
// must never panic; an error must be one of the package's two kinds, say
// what is wrong in a bounded message and never echo the secret; a success
// must come from valid JSON and carry a usable event id. The seeds run as
// a plain test in CI; explore with go test -fuzz=FuzzParse.
func FuzzParse(f *testing.F) {
	seeds := []string{
		issueBody,
		`{"timestamp":1685267893503,"webhookEvent":"comment_created","issue":{"id":"10023","key":"P-1","fields":{"summary":"x"}},"matchedWebhookIds":[1,2]}`,
		`{"issue":{"id":"10002","key":"PROJ-1"`, // truncated
		`{"issue":{"id":"10002","ke`,
		`{"timestamp":123456789012345678901234567890,"issue":{"id":"1"}}`, // huge numbers
		`{"timestamp":1e400,"issue":{"id":"1"}}`,
		`{"timestamp":-9223372036854775809,"issue":{"id":"1"}}`,
		`{"ratio":1e39,"issue":{"id":"1"}}`,
		`{"timestamp":"yesterday","issue":{"id":"1"}}`, // wrong types
		`{"issue":{"id":10002}}`,
		`{"issue":[1,2,3]}`,
		`{"matchedWebhookIds":{"a":1},"issue":{"id":"1"}}`,
		`{"flag":"true","issue":{"id":"1"}}`,
		`{"issue":{"id":"1","fields":{"summary":{"nested":[[[{}]]]}}}}`,
		`{"extra":` + strings.Repeat(`{"a":[`, 200) + `null` + strings.Repeat(`]}`, 200) + `,"issue":{"id":"1"}}`, // nested garbage
		strings.Repeat("[", 20000),
		`{"issue":{"id":"1"}}}}]]]`,
		`{"issue":{"id":"\ud800"}}`,
		"{\"issue\":{\"id\":\"\xff\xfe\"}}",
		"\xef\xbb\xbf{\"issue\":{\"id\":\"bom\"}}",
		`{"issue":{"id":""}}`,
		`{"issue":null}`,
		`{"issue":{"id":"1"},"issue":{"id":"2"}}`,
		`[]`, `null`, `"text"`, `0`, ``, ` `, `{`, `}`, `{"":`, `{"a":tru}`, `nul`,
	}
	for i, s := range seeds {
		header := vectorSignature
		switch i % 3 {
		case 1:
			header = "sha256=zz"
		case 2:
			header = "sha1=" + strings.Repeat("0", 40)
		}
		f.Add([]byte(s), header)
	}

	open, err := NewTrigger(TriggerOptions[fuzzPayload]{IDField: "issue.id", TimeField: "timestamp"})
	if err != nil {
		f.Fatal(err)
	}
	signed, err := NewTrigger(TriggerOptions[fuzzPayload]{Verification: VerifyHMAC(""), Secret: testSecret, IDField: "issue.id", TimeField: "timestamp"})
	if err != nil {
		f.Fatal(err)
	}
	loose, err := NewTrigger(TriggerOptions[any]{})
	if err != nil {
		f.Fatal(err)
	}
	sub := trigger.Subscription{Secret: testSecret}

	f.Fuzz(func(t *testing.T, body []byte, sigHeader string) {
		checkErr := func(who string, err error, wantKinds ...error) {
			t.Helper()
			matched := false
			for _, k := range wantKinds {
				matched = matched || errors.Is(err, k)
			}
			msg := err.Error()
			switch {
			case !matched:
				t.Fatalf("%s: error of an unexpected kind: %v", who, err)
			case !strings.HasPrefix(msg, "webhook"):
				t.Fatalf("%s: error does not say where it comes from: %q", who, msg)
			case len(msg) > 600:
				t.Fatalf("%s: error is %d bytes long: %.200q…", who, len(msg), msg)
			case strings.Contains(msg, testSecret.Reveal()):
				t.Fatalf("%s: error leaks the secret: %q", who, msg)
			}
		}

		evs, err := open.Parse(sub, nil, body)
		if err != nil {
			checkErr("unverified", err, ErrPayload)
		} else {
			if len(evs) != 1 {
				t.Fatalf("unverified: %d events, want 1", len(evs))
			}
			if id := evs[0].ID; strings.TrimSpace(id) == "" || len(id) > maxIDLen {
				t.Fatalf("unverified: unusable event id %q", id)
			}
			if !json.Valid(trimBOM(body)) {
				t.Fatalf("unverified: accepted invalid JSON %q", body)
			}
		}

		// Correctly signed, the signed trigger agrees with the open one.
		good := http.Header{HubSignatureHeader: {SignHubSignature([]byte(testSecret.Reveal()), body)}}
		evs2, err2 := signed.Parse(sub, good, body)
		if (err == nil) != (err2 == nil) || len(evs) != len(evs2) {
			t.Fatalf("signed and unsigned triggers disagree: %v / %v", err, err2)
		}

		// With the fuzzed header it is refused unless the header happens
		// to be the right signature.
		_, err3 := signed.Parse(sub, http.Header{HubSignatureHeader: {sigHeader}}, body)
		if err3 != nil && VerifyHubSignature([]byte(testSecret.Reveal()), sigHeader, body) != nil {
			checkErr("signed", err3, trigger.ErrUnauthenticated)
		}

		if _, err := loose.Parse(sub, nil, body); err != nil {
			checkErr("any", err, ErrPayload)
		}
	})
}

func trimBOM(b []byte) []byte { return []byte(strings.TrimPrefix(string(b), string(utf8BOM))) }
