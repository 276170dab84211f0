package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/internal/testshared"
	"github.com/recipekit/recipekit/trigger"
)

// jiraEvent is a slice of Jira's webhook envelope.
type jiraEvent struct {
	Timestamp    int64  `json:"timestamp"`
	WebhookEvent string `json:"webhookEvent"`
	Issue        struct {
		ID     string `json:"id"`
		Key    string `json:"key"`
		Fields struct {
			Summary string `json:"summary"`
		} `json:"fields"`
	} `json:"issue"`
}

const (
	testSecret = auth.Secret("0123456789abcdef-test-webhook-secret")
	issueBody  = `{"timestamp":1685267893503,"webhookEvent":"jira:issue_created","issue":{"id":"10002","key":"PROJ-1","fields":{"summary":"Printer on fire"}}}`
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTrigger[T any](t *testing.T, opts TriggerOptions[T]) trigger.Webhook[T] {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	trig, err := NewTrigger(opts)
	if err != nil {
		t.Fatalf("NewTrigger: %v", err)
	}
	return trig
}

// receiver mounts trig the way a runtime does: read the body, Parse,
// 401 on ErrUnauthenticated, 400 on any other error, 200 with the events.
type receiver[T any] struct {
	srv    *httptest.Server
	events chan trigger.Event[T]
}

func serve[T any](t *testing.T, trig trigger.Webhook[T], wrap func(http.Handler) http.Handler) *receiver[T] {
	t.Helper()
	rc := &receiver[T]{events: make(chan trigger.Event[T], 16)}
	var sub trigger.Subscription
	h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		evs, err := trig.Parse(sub, r.Header, body)
		switch {
		case errors.Is(err, trigger.ErrUnauthenticated):
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range evs {
			rc.events <- ev
		}
		w.WriteHeader(http.StatusOK)
	}))
	if wrap != nil {
		h = wrap(h)
	}
	rc.srv = httptest.NewServer(h)
	t.Cleanup(rc.srv.Close)
	var err error
	sub, err = trig.Subscribe(context.Background(), rc.srv.URL+"/hooks/recipe", trigger.Subscription{})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return rc
}

// deliver posts body with headers to path and returns the status and the
// response text.
func (rc *receiver[T]) deliver(t *testing.T, path string, header http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rc.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rc.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text)
}

func (rc *receiver[T]) expectEvent(t *testing.T) trigger.Event[T] {
	t.Helper()
	select {
	case ev := <-rc.events:
		return ev
	default:
		t.Fatal("the delivery produced no event")
	}
	panic("unreachable")
}

func (rc *receiver[T]) expectNoEvent(t *testing.T) {
	t.Helper()
	select {
	case ev := <-rc.events:
		t.Fatalf("unexpected event %q", ev.ID)
	default:
	}
}

func TestHMACDeliveries(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[jiraEvent]{
		Verification: VerifyHMAC(""),
		Secret:       testSecret,
		IDHeader:     "X-Atlassian-Webhook-Identifier",
		TimeField:    "timestamp",
	})
	rc := serve(t, trig, nil)
	sig := SignHubSignature([]byte(testSecret.Reveal()), []byte(issueBody))

	status, text := rc.deliver(t, "/hooks/recipe", http.Header{
		"X-Hub-Signature":                {sig},
		"X-Atlassian-Webhook-Identifier": {"delivery-1"},
	}, issueBody)
	if status != http.StatusOK {
		t.Fatalf("signed delivery: status %d: %s", status, text)
	}
	ev := rc.expectEvent(t)
	if ev.ID != "delivery-1" || ev.Data.Issue.Key != "PROJ-1" || ev.Data.Issue.Fields.Summary != "Printer on fire" {
		t.Errorf("event = %+v", ev)
	}
	if want := time.UnixMilli(1685267893503).UTC(); !ev.Time.Equal(want) {
		t.Errorf("event time %v, want %v", ev.Time, want)
	}

	otherSig := SignHubSignature([]byte("not the secret"), []byte(issueBody))
	for name, h := range map[string]http.Header{
		"missing signature": {"X-Atlassian-Webhook-Identifier": {"delivery-2"}},
		"wrong secret":      {"X-Hub-Signature": {otherSig}, "X-Atlassian-Webhook-Identifier": {"delivery-2"}},
		"signature of another body": {
			"X-Hub-Signature":                {SignHubSignature([]byte(testSecret.Reveal()), []byte(`{}`))},
			"X-Atlassian-Webhook-Identifier": {"delivery-2"},
		},
		"unknown method": {"X-Hub-Signature": {"md5=" + strings.Repeat("0", 32)}, "X-Atlassian-Webhook-Identifier": {"delivery-2"}},
	} {
		t.Run(name, func(t *testing.T) {
			status, text := rc.deliver(t, "/hooks/recipe", h, issueBody)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d (%s), want 401", status, text)
			}
			if strings.Contains(text, testSecret.Reveal()) {
				t.Fatalf("the answer leaks the secret: %s", text)
			}
			rc.expectNoEvent(t)
		})
	}
}

func TestHMACCustomHeader(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[map[string]any]{
		Verification: VerifyHMAC("x-hub-signature-256"),
		Secret:       testSecret,
	})
	body := []byte(`{"action":"opened"}`)
	sig := SignHubSignature([]byte(testSecret.Reveal()), body)
	if _, err := trig.Parse(trigger.Subscription{}, http.Header{"X-Hub-Signature": {sig}}, body); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Fatalf("signature in the default header accepted: %v", err)
	}
	evs, err := trig.Parse(trigger.Subscription{}, http.Header{"X-Hub-Signature-256": {sig}}, body)
	if err != nil || len(evs) != 1 || evs[0].Data["action"] != "opened" {
		t.Fatalf("Parse = %+v, %v", evs, err)
	}
}

func TestSubscriptionSecretWins(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[jiraEvent]{Verification: VerifyHMAC(""), Secret: testSecret})
	sub := trigger.Subscription{Secret: "rotated-secret"}
	body := []byte(issueBody)
	if _, err := trig.Parse(sub, http.Header{"X-Hub-Signature": {SignHubSignature([]byte("rotated-secret"), body)}}, body); err != nil {
		t.Fatalf("delivery signed with the subscription's secret: %v", err)
	}
	if _, err := trig.Parse(sub, http.Header{"X-Hub-Signature": {SignHubSignature([]byte(testSecret.Reveal()), body)}}, body); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Fatalf("delivery signed with another secret than the subscription's: %v", err)
	}
}

func TestSharedSecretHeader(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[jiraEvent]{Verification: VerifyTokenHeader("X-Gitlab-Token"), Secret: testSecret})
	rc := serve(t, trig, nil)
	if status, text := rc.deliver(t, "/hooks/recipe", http.Header{"X-Gitlab-Token": {testSecret.Reveal()}}, issueBody); status != http.StatusOK {
		t.Fatalf("right token: status %d: %s", status, text)
	}
	rc.expectEvent(t)
	for name, h := range map[string]http.Header{
		"missing": {},
		"wrong":   {"X-Gitlab-Token": {"guess"}},
		"prefix":  {"X-Gitlab-Token": {testSecret.Reveal()[:10]}},
	} {
		if status, text := rc.deliver(t, "/hooks/recipe", h, issueBody); status != http.StatusUnauthorized {
			t.Errorf("%s token: status %d (%s), want 401", name, status, text)
		}
		rc.expectNoEvent(t)
	}
}

func TestSharedSecretQuery(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[jiraEvent]{Verification: VerifyTokenQuery("token"), Secret: testSecret})

	var seenQuery string
	rc := serve(t, trig, func(next http.Handler) http.Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seenQuery = r.URL.RawQuery + " " + r.RequestURI
			next.ServeHTTP(w, r)
		})
		return TokenFromQuery("token", inner)
	})
	full, err := CallbackURLWithToken(rc.srv.URL+"/hooks/recipe?issue=PROJ-1", "token", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(full) == full.Reveal() {
		t.Fatal("the callback URL with its token prints unredacted")
	}
	path := strings.TrimPrefix(full.Reveal(), rc.srv.URL)
	if status, text := rc.deliver(t, path, nil, issueBody); status != http.StatusOK {
		t.Fatalf("right token: status %d: %s", status, text)
	}
	rc.expectEvent(t)
	if strings.Contains(seenQuery, testSecret.Reveal()) || !strings.Contains(seenQuery, "issue=PROJ-1") {
		t.Errorf("downstream saw %q: the token must be removed and other parameters kept", seenQuery)
	}

	for name, path := range map[string]string{
		"missing": "/hooks/recipe",
		"wrong":   "/hooks/recipe?token=guess",
	} {
		// A sender setting the relay header itself gains nothing.
		h := http.Header{QueryTokenHeader: {testSecret.Reveal()}}
		if status, text := rc.deliver(t, path, h, issueBody); status != http.StatusUnauthorized {
			t.Errorf("%s token: status %d (%s), want 401", name, status, text)
		}
		rc.expectNoEvent(t)
	}

	// Without TokenFromQuery the token cannot reach Parse: say so.
	_, err = trig.Parse(trigger.Subscription{}, http.Header{}, []byte(issueBody))
	if !errors.Is(err, trigger.ErrUnauthenticated) || !strings.Contains(err.Error(), "webhook.TokenFromQuery") {
		t.Fatalf("unwrapped handler: error %v, want one naming TokenFromQuery", err)
	}
}

func TestIDExtraction(t *testing.T) {
	body := []byte(`{"id":123456789012345678901,"issue":{"id":"10002"},"items":[{"id":7}],"flag":true,"empty":"  ","obj":{}}`)
	tests := []struct {
		field   string
		want    string
		wantErr string
	}{
		{"id", "123456789012345678901", ""}, // big numbers keep every digit
		{"issue.id", "10002", ""},
		{"$.issue.id", "10002", ""},
		{"items.0.id", "7", ""},
		{"items.1.id", "", `no id at "items.1.id"`},
		{"issue.key", "", `no id at "issue.key"`},
		{"flag", "", "holds a JSON boolean; it must be a JSON string or number"},
		{"obj", "", "holds a JSON object"},
		{"empty", "", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			trig := newTrigger(t, TriggerOptions[map[string]any]{IDField: tt.field})
			evs, err := trig.Parse(trigger.Subscription{}, nil, body)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want ErrPayload containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(evs) != 1 || evs[0].ID != tt.want {
				t.Fatalf("Parse = %+v, %v; want id %q", evs, err, tt.want)
			}
		})
	}
}

func TestIDHeaderAndBodyHash(t *testing.T) {
	byHeader := newTrigger(t, TriggerOptions[jiraEvent]{IDHeader: "x-atlassian-webhook-identifier"})
	evs, err := byHeader.Parse(trigger.Subscription{}, http.Header{"X-Atlassian-Webhook-Identifier": {" abc-123 "}}, []byte(issueBody))
	if err != nil || len(evs) != 1 || evs[0].ID != "abc-123" {
		t.Fatalf("Parse = %+v, %v", evs, err)
	}
	_, err = byHeader.Parse(trigger.Subscription{}, http.Header{}, []byte(issueBody))
	if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), "no X-Atlassian-Webhook-Identifier header") {
		t.Fatalf("missing id header: %v", err)
	}
	_, err = byHeader.Parse(trigger.Subscription{}, http.Header{"X-Atlassian-Webhook-Identifier": {strings.Repeat("x", 600)}}, []byte(issueBody))
	if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("huge id header: %v", err)
	}

	byHash := newTrigger(t, TriggerOptions[jiraEvent]{})
	a, errA := byHash.Parse(trigger.Subscription{}, nil, []byte(issueBody))
	b, errB := byHash.Parse(trigger.Subscription{}, nil, []byte(issueBody))
	c, errC := byHash.Parse(trigger.Subscription{}, nil, []byte(strings.Replace(issueBody, "PROJ-1", "PROJ-2", 1)))
	if err := errors.Join(errA, errB, errC); err != nil {
		t.Fatal(err)
	}
	// sha256 of issueBody, computed independently with sha256sum.
	const want = "27f1270cadb0ec79c656dd21f39c2f2dad80f780c54563dacc8192f52c691387"
	if a[0].ID != want || b[0].ID != want || c[0].ID == want {
		t.Fatalf("body-hash ids: %q %q %q, want the first two %q", a[0].ID, b[0].ID, c[0].ID, want)
	}
	if !a[0].Time.Equal(fixedNow) {
		t.Errorf("without TimeField the event time is %v, want the receipt time %v", a[0].Time, fixedNow)
	}
}

func TestTimeField(t *testing.T) {
	tests := []struct {
		body    string
		want    time.Time
		wantErr string
	}{
		{`{"t":1685267893503}`, time.UnixMilli(1685267893503), ""},
		{`{"t":1685267893}`, time.Unix(1685267893, 0), ""},
		{`{"t":1685267893.5}`, time.UnixMilli(1685267893500), ""},
		{`{"t":"2026-03-01T10:00:00Z"}`, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), ""},
		{`{"t":"2015-12-20T18:25:09.598+0100"}`, time.Date(2015, 12, 20, 17, 25, 9, 598e6, time.UTC), ""},
		{`{"other":1}`, fixedNow, ""},
		{`{"t":null}`, fixedNow, ""},
		{`{"t":"yesterday"}`, time.Time{}, `"yesterday", which is neither RFC 3339`},
		{`{"t":true}`, time.Time{}, "must be epoch milliseconds or an RFC 3339 string"},
		{`{"t":1e300}`, time.Time{}, "not a plausible epoch time"},
	}
	trig := newTrigger(t, TriggerOptions[map[string]any]{TimeField: "t"})
	for _, tt := range tests {
		evs, err := trig.Parse(trigger.Subscription{}, nil, []byte(tt.body))
		if tt.wantErr != "" {
			if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tt.body, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(evs) != 1 || !evs[0].Time.Equal(tt.want) {
			t.Errorf("%s: Parse = %+v, %v; want time %v", tt.body, evs, err, tt.want)
		}
	}
}

func TestAcceptFilter(t *testing.T) {
	var logs bytes.Buffer
	trig := newTrigger(t, TriggerOptions[jiraEvent]{
		Verification: VerifyHMAC(""),
		Secret:       testSecret,
		IDField:      "issue.id",
		Accept:       func(e jiraEvent) bool { return e.WebhookEvent == "jira:issue_created" },
		Logger:       slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	rc := serve(t, trig, nil)
	updated := strings.Replace(issueBody, "jira:issue_created", "jira:issue_updated", 1)
	sign := func(b string) http.Header {
		return http.Header{"X-Hub-Signature": {SignHubSignature([]byte(testSecret.Reveal()), []byte(b))}}
	}
	if status, text := rc.deliver(t, "/hooks/recipe", sign(updated), updated); status != http.StatusOK {
		t.Fatalf("filtered delivery: status %d (%s), want 200 (acknowledged, no event)", status, text)
	}
	rc.expectNoEvent(t)
	if status, text := rc.deliver(t, "/hooks/recipe", sign(issueBody), issueBody); status != http.StatusOK {
		t.Fatalf("accepted delivery: status %d: %s", status, text)
	}
	if ev := rc.expectEvent(t); ev.ID != "10002" {
		t.Errorf("event id %q, want 10002", ev.ID)
	}
	// Filtering never runs before verification.
	calls := 0
	strict := newTrigger(t, TriggerOptions[jiraEvent]{
		Verification: VerifyHMAC(""), Secret: testSecret,
		Accept: func(jiraEvent) bool { calls++; return true },
	})
	if _, err := strict.Parse(trigger.Subscription{}, http.Header{}, []byte(issueBody)); !errors.Is(err, trigger.ErrUnauthenticated) || calls != 0 {
		t.Fatalf("unsigned delivery: err %v, Accept called %d times", err, calls)
	}
	if !strings.Contains(logs.String(), "filtered out") {
		t.Errorf("no debug line for the filtered delivery: %s", logs.String())
	}
	if strings.Contains(logs.String(), testSecret.Reveal()) {
		t.Errorf("the log leaks the secret: %s", logs.String())
	}
}

func TestMalformedPayloads(t *testing.T) {
	type typed struct {
		Count int64 `json:"count"`
		Issue struct {
			ID string `json:"id"`
		} `json:"issue"`
	}
	tests := []struct {
		name string
		body string
		want []string // all must appear in the error
	}{
		{"empty", ``, []string{"body is empty", "Exclude body"}},
		{"only spaces", " \n\t ", []string{"body is empty"}},
		{"truncated", `{"issue":{"id":"1"`, []string{"ends early at byte offset 18", "truncated"}},
		{"truncated string", `{"issue":{"id":"1`, []string{"ends early"}},
		{"syntax error", "{\n  \"count\": 1,\n  \"issue\": }", []string{"malformed JSON at byte offset 27 (line 3, column 12)", "invalid character '}'"}},
		{"offset counts leading spaces", "   {\"count\" 1}", []string{"at byte offset 12 (line 1, column 13)"}},
		{"trailing garbage", `{"count":1} x`, []string{"malformed JSON", "after top-level value"}},
		{"two documents", `{"count":1}{"count":2}`, []string{"malformed JSON"}},
		{"array", `[{"count":1}]`, []string{"the body is a JSON array", "needs a JSON object"}},
		{"string", `"hello"`, []string{"the body is a JSON string"}},
		{"null", `null`, []string{"the body is JSON null"}},
		{"number", `42`, []string{"the body is a JSON number"}},
		{"not json", `count=1`, []string{"malformed JSON at byte offset 0 (line 1, column 1)", "invalid character 'c'"}},
		{"wrong type", `{"count":"seven"}`, []string{`field "count" (the value ending at byte offset 16, line 1, column 17)`, "holds a JSON string", "expects a Go int64"}},
		{"nested wrong type", `{"issue":{"id":10002}}`, []string{`field "issue.id"`, "holds a JSON number", "expects a Go string"}},
		{"huge number", `{"count":123456789012345678901234567890}`, []string{`field "count"`, "number 1234567890123456789012345678"}},
		{"missing id", `{"count":1}`, []string{`no id at "issue.id"`}},
	}
	trig := newTrigger(t, TriggerOptions[typed]{IDField: "issue.id"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := trig.Parse(trigger.Subscription{}, nil, []byte(tt.body))
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.body, evs)
			}
			if !errors.Is(err, ErrPayload) {
				t.Errorf("error %v does not wrap ErrPayload", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	trig := newTrigger(t, TriggerOptions[map[string]any]{MaxBodyBytes: 16})
	_, err := trig.Parse(trigger.Subscription{}, nil, []byte(issueBody))
	if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), "above the trigger's limit of 16") {
		t.Fatalf("error %v", err)
	}
}

func TestNewTriggerConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		opts TriggerOptions[map[string]any]
		want []string
	}{
		{"secret without verification", TriggerOptions[map[string]any]{Secret: testSecret}, []string{"Verification is none"}},
		{"hmac without secret", TriggerOptions[map[string]any]{Verification: VerifyHMAC("")}, []string{"needs a Secret", "webhook.NewSecret"}},
		{"token without place", TriggerOptions[map[string]any]{Verification: Verification{Kind: SharedSecret}, Secret: testSecret}, []string{"needs the header"}},
		{"token in two places", TriggerOptions[map[string]any]{Verification: Verification{Kind: SharedSecret, Header: "X-T", Query: "t"}, Secret: testSecret}, []string{"not both"}},
		{"hmac in query", TriggerOptions[map[string]any]{Verification: Verification{Kind: HMACSHA256, Query: "sig"}, Secret: testSecret}, []string{"travels in a header"}},
		{"unknown kind", TriggerOptions[map[string]any]{Verification: Verification{Kind: 9}, Secret: testSecret}, []string{"unknown verification kind 9"}},
		{"two id sources", TriggerOptions[map[string]any]{IDHeader: "X-Id", IDField: "id"}, []string{"IDHeader or IDField, not both"}},
		{"bad path", TriggerOptions[map[string]any]{IDField: "issue..id"}, []string{`IDField "issue..id" is not a valid path`}},
		{"several at once", TriggerOptions[map[string]any]{Verification: VerifyHMAC(""), TimeField: ".", MaxBodyBytes: -1}, []string{"needs a Secret", "TimeField", "MaxBodyBytes is -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTrigger(tt.opts)
			if err == nil {
				t.Fatal("NewTrigger accepted the options")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret.Reveal()) {
				t.Errorf("error leaks the secret: %q", err)
			}
		})
	}
}

// newLoggedJiraTrigger returns the "jira_bugs" trigger of testSecret
// verified by v, and the buffer its JSON log lines go to.
func newLoggedJiraTrigger(t *testing.T, v Verification) (trigger.Webhook[jiraEvent], *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	trig := newTrigger(t, TriggerOptions[jiraEvent]{
		Name:         "jira_bugs",
		Verification: v,
		Secret:       testSecret,
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
	})
	return trig, logs
}

func TestLifecycle(t *testing.T) {
	trig, logs := newLoggedJiraTrigger(t, VerifyHMAC(""))
	info := trig.Info()
	if info.Name != "jira_bugs" || info.Connector != "webhook" || info.PollInterval != 0 || info.Title == "" {
		t.Errorf("Info = %+v", info)
	}
	ctx := context.Background()
	sub, err := trig.Subscribe(ctx, "https://hooks.example.com/hooks/jira_bugs", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID != SubscriptionID || sub.CallbackURL != "https://hooks.example.com/hooks/jira_bugs" || sub.Secret != testSecret || !sub.ExpiresAt.IsZero() {
		t.Errorf("Subscribe = %#v", sub)
	}
	if !strings.Contains(logs.String(), "https://hooks.example.com/hooks/jira_bugs") {
		t.Errorf("Subscribe did not log the URL to register: %s", logs.String())
	}
	if out := fmt.Sprintf("%v %+v %#v", sub, sub, sub) + logs.String(); strings.Contains(out, testSecret.Reveal()) {
		t.Errorf("the secret leaks through formatting or logs: %s", out)
	}
	renewed, err := trig.Renew(ctx, sub)
	if err != nil || renewed.ID != sub.ID || renewed.Secret != sub.Secret || renewed.CallbackURL != sub.CallbackURL {
		t.Errorf("Renew = %#v, %v", renewed, err)
	}
	if err := trig.Unsubscribe(ctx, sub); err != nil {
		t.Errorf("Unsubscribe: %v", err)
	}
	if trig.RenewBefore() != 0 {
		t.Errorf("RenewBefore = %v", trig.RenewBefore())
	}
	page, err := trig.Poll(ctx, trigger.Cursor("c1"))
	if err != nil || len(page.Events) != 0 || page.More || string(page.Next) != "c1" {
		t.Errorf("Poll = %+v, %v", page, err)
	}
	for _, bad := range []string{"", "/hooks/x", "ftp://example.com/x", "https://", "::"} {
		if _, err := trig.Subscribe(ctx, bad, trigger.Subscription{}); err == nil {
			t.Errorf("Subscribe accepted callback URL %q", bad)
		}
	}
}

func TestJiraSamples(t *testing.T) {
	dir := testshared.Path(t, "jira", "samples")
	files, err := filepath.Glob(filepath.Join(dir, "webhooks-*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no webhook samples under %s (%v)", dir, err)
	}
	trig := newTrigger(t, TriggerOptions[jiraEvent]{
		Verification: VerifyHMAC(""),
		Secret:       testSecret,
		IDHeader:     "X-Atlassian-Webhook-Identifier",
		TimeField:    "timestamp",
	})
	for i, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct {
			Timestamp int64 `json:"timestamp"`
			Issue     struct {
				Key string `json:"key"`
			} `json:"issue"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		h := http.Header{
			"X-Hub-Signature":                {SignHubSignature([]byte(testSecret.Reveal()), body)},
			"X-Atlassian-Webhook-Identifier": {fmt.Sprint("sample-", i)},
		}
		evs, err := trig.Parse(trigger.Subscription{}, h, body)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		ev := evs[0]
		if ev.Data.Issue.Key != raw.Issue.Key || ev.Data.WebhookEvent == "" || !ev.Time.Equal(time.UnixMilli(raw.Timestamp)) {
			t.Errorf("%s: event %s at %v, key %q", filepath.Base(f), ev.Data.WebhookEvent, ev.Time, ev.Data.Issue.Key)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	trig, err := NewTrigger(TriggerOptions[jiraEvent]{
		Verification: VerifyHMAC(""),
		Secret:       testSecret,
		IDField:      "issue.id",
		TimeField:    "timestamp",
	})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(issueBody)
	h := http.Header{"X-Hub-Signature": {SignHubSignature([]byte(testSecret.Reveal()), body)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trig.Parse(trigger.Subscription{}, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSubscribeDoesNotLogATokenInTheCallbackURL(t *testing.T) {
	trig, logs := newLoggedJiraTrigger(t, VerifyTokenQuery("token"))
	withToken, err := CallbackURLWithToken("https://hooks.example.com/hooks/jira_bugs", "token", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trig.Subscribe(context.Background(), withToken.Reveal(), trigger.Subscription{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), testSecret.Reveal()) {
		t.Fatalf("Subscribe logged the token carried by the callback URL: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "https://hooks.example.com/hooks/jira_bugs") {
		t.Errorf("Subscribe no longer logs where to register: %s", logs.String())
	}
}
