package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/webhook"
	"github.com/recipekit/recipekit/trigger"
)

// A Jira delivery, as much of it as the recipe reads. The expr tags are the
// names pills use: trigger.issue.key.
type jiraDelivery struct {
	Timestamp    int64  `json:"timestamp" expr:"timestamp"`
	WebhookEvent string `json:"webhookEvent" expr:"webhookEvent"`
	Issue        struct {
		ID     string `json:"id" expr:"id"`
		Key    string `json:"key" expr:"key"`
		Fields struct {
			Summary string `json:"summary" expr:"summary"`
		} `json:"fields" expr:"fields"`
	} `json:"issue" expr:"issue"`
}

// A trigger for a webhook a Jira administrator registered by hand (System >
// Webhooks, with the secret below). Here a test server stands in for the
// runtime's webhook handler and a signed request for Jira's delivery.
func ExampleNewTrigger() {
	secret := auth.Secret("It's a Secret to Everybody") // in practice: webhook.NewSecret(), kept in configuration
	trig, err := webhook.NewTrigger(webhook.TriggerOptions[jiraDelivery]{
		Name:         "jira_issue_created",
		Verification: webhook.VerifyHMAC(""), // X-Hub-Signature: sha256=<hex>
		Secret:       secret,
		IDHeader:     "X-Atlassian-Webhook-Identifier",
		TimeField:    "timestamp",
		Accept:       func(d jiraDelivery) bool { return d.WebhookEvent == "jira:issue_created" },
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// What the runtime does with each delivery.
	var sub trigger.Subscription
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		events, err := trig.Parse(sub, r.Header, body)
		if errors.Is(err, trigger.ErrUnauthenticated) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range events {
			fmt.Printf("event %s at %s: %s %q\n", ev.ID, ev.Time.UTC().Format("2006-01-02 15:04"), ev.Data.Issue.Key, ev.Data.Issue.Fields.Summary)
		}
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()

	sub, _ = trig.Subscribe(context.Background(), srv.URL+"/hooks/jira_issue_created", trigger.Subscription{})

	// What Jira sends.
	body := `{"timestamp":1685267893503,"webhookEvent":"jira:issue_created","issue":{"id":"10002","key":"PROJ-1","fields":{"summary":"Printer on fire"}}}`
	deliver := func(signature string) int {
		req, _ := http.NewRequest(http.MethodPost, sub.CallbackURL, strings.NewReader(body))
		req.Header.Set("X-Atlassian-Webhook-Identifier", "6a3f2c1e-0001")
		if signature != "" {
			req.Header.Set("X-Hub-Signature", signature)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("signed:", deliver(webhook.SignHubSignature([]byte(secret.Reveal()), []byte(body))))
	fmt.Println("unsigned:", deliver(""))
	// Output:
	// event 6a3f2c1e-0001 at 2023-05-28 09:58: PROJ-1 "Printer on fire"
	// signed: 200
	// unsigned: 401
}

// Atlassian's published test vector.
func ExampleVerifyHubSignature() {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello World!")
	fmt.Println(webhook.SignHubSignature(secret, body))
	fmt.Println(webhook.VerifyHubSignature(secret, "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9", body))
	err := webhook.VerifyHubSignature(secret, "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0", body)
	fmt.Println(errors.Is(err, trigger.ErrUnauthenticated), err)
	// Output:
	// sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9
	// <nil>
	// true webhook delivery not authenticated: X-Hub-Signature uses signature method "sha1"; only sha256 is supported
}

// The "http_request" action posting JSON to an allowed host.
func ExampleClient_Request() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"received":%s,"channel":%q}`, body, r.URL.Query().Get("channel"))
	}))
	defer srv.Close()

	client, err := webhook.NewClient(webhook.ClientOptions{
		AllowedHosts: []string{strings.TrimPrefix(srv.URL, "http://")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	send := client.Request()
	in := webhook.RequestInput{
		Method: "POST",
		URL:    srv.URL + "/notify",
		Query:  map[string]string{"channel": "support"},
		JSON:   map[string]any{"text": "PROJ-1 is on fire"},
	}
	if err := send.Validate(in); err != nil {
		fmt.Println(err)
		return
	}
	out, err := send.Run(context.Background(), in)
	if err != nil {
		fmt.Println(err)
		return
	}
	reply := out.JSON.(map[string]any)
	fmt.Println(out.Status, reply["channel"], reply["received"].(map[string]any)["text"])

	err = send.Validate(webhook.RequestInput{Method: "POST", URL: "https://elsewhere.example.com/"})
	fmt.Println(err != nil)
	// Output:
	// 201 support PROJ-1 is on fire
	// true
}

// A sender that cannot set headers presents the token in the callback URL.
func ExampleTokenFromQuery() {
	secret := auth.Secret("a-long-random-token")
	trig, _ := webhook.NewTrigger(webhook.TriggerOptions[map[string]any]{
		Verification: webhook.VerifyTokenQuery("token"),
		Secret:       secret,
		IDField:      "id",
	})
	runtimeHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		events, err := trig.Parse(trigger.Subscription{}, r.Header, body)
		fmt.Println(len(events), errors.Is(err, trigger.ErrUnauthenticated), r.URL.RawQuery == "")
	})
	srv := httptest.NewServer(webhook.TokenFromQuery("token", runtimeHandler))
	defer srv.Close()

	// The URL to give the sender; it holds the secret, so it prints redacted.
	full, _ := webhook.CallbackURLWithToken(srv.URL+"/hooks/any", "token", secret)
	fmt.Println(full)
	for _, u := range []string{full.Reveal(), srv.URL + "/hooks/any?token=guess"} {
		resp, err := http.Post(u, "application/json", strings.NewReader(`{"id":"e-1"}`))
		if err == nil {
			resp.Body.Close()
		}
	}
	// Output:
	// [redacted]
	// 1 false true
	// 0 true true
}
