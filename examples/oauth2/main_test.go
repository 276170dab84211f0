package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
	"github.com/recipekit/recipekit/examples/internal/outputtest"
)

// browser follows the link with an HTTP client, as a person's browser
// would after they click "Accept" on the consent screen.
func browser(t *testing.T) func(ctx context.Context, link string) error {
	return func(ctx context.Context, link string) error {
		t.Logf("following %s", link)
		return followLink(ctx, link)
	}
}

func testOptions(t *testing.T, sim *jiratest.Server, out *bytes.Buffer) options {
	return options{
		Stdout:    out,
		TokenFile: filepath.Join(t.TempDir(), "sub", "token.json"),
		Wait:      20 * time.Second,
		Sim:       sim,
	}
}

func TestOfflineLoginSavesTokensAndCloudID(t *testing.T) {
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	var out bytes.Buffer
	o := testOptions(t, sim, &out)
	o.Browser = browser(t)
	if err := run(context.Background(), o); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	st, err := os.Stat(o.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	data, err := os.ReadFile(o.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		CloudID      string `json:"cloud_id"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "seal:v1:") || !strings.HasPrefix(tok.RefreshToken, "seal:v1:") {
		t.Errorf("token file lacks the sealed tokens: %s", data)
	}
	if tok.CloudID != sim.CloudID() {
		t.Errorf("cloud id %q, want %q", tok.CloudID, sim.CloudID())
	}
	// The simulator saw the whole flow: consent, exchange, discovery, and
	// an API call through the gateway with the new access token.
	var sawAuthorize, sawExchange, sawResources, sawGateway bool
	for _, r := range sim.Requests() {
		switch {
		case r.Path == "/authorize":
			sawAuthorize = true
		case r.Method == "POST" && r.Path == "/oauth/token" && r.Status == 200:
			sawExchange = true
		case r.Path == "/oauth/token/accessible-resources" && r.Status == 200:
			sawResources = true
		case strings.HasPrefix(r.Path, "/ex/jira/"+sim.CloudID()+"/rest/api/2/myself") && r.Status == 200:
			sawGateway = true
		}
	}
	if !sawAuthorize || !sawExchange || !sawResources || !sawGateway {
		t.Errorf("authorize %v, exchange %v, resources %v, gateway call %v", sawAuthorize, sawExchange, sawResources, sawGateway)
	}
	text := out.String()
	outputtest.Contains(t, text, "/authorize?", "state=", "Authorized; tokens saved to "+o.TokenFile, "cloud id "+sim.CloudID(), "Connected as Integration Bot")
	if strings.Contains(text, tok.AccessToken) || strings.Contains(text, tok.RefreshToken) {
		t.Error("the output shows a token")
	}
}

// callbackOf returns the redirect URI and state of an authorization link.
func callbackOf(t *testing.T, link string) (*url.URL, string) {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	return cb, u.Query().Get("state")
}

func TestForgedCallbackIsRefusedAndTheLoginGoesOn(t *testing.T) {
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	var out bytes.Buffer
	o := testOptions(t, sim, &out)
	forgedStatus := make(chan int, 1)
	o.Browser = func(ctx context.Context, link string) error {
		cb, _ := callbackOf(t, link)
		q := url.Values{"code": {"attacker-code"}, "state": {"not-the-state"}}
		cb.RawQuery = q.Encode()
		resp, err := http.Get(cb.String())
		if err != nil {
			return err
		}
		resp.Body.Close()
		forgedStatus <- resp.StatusCode
		return followLink(ctx, link)
	}
	if err := run(context.Background(), o); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if st := <-forgedStatus; st != http.StatusBadRequest {
		t.Errorf("forged callback answered %d, want 400", st)
	}
}

func TestRefusedConsentEndsTheLogin(t *testing.T) {
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	var out bytes.Buffer
	o := testOptions(t, sim, &out)
	o.Browser = func(ctx context.Context, link string) error {
		cb, state := callbackOf(t, link)
		cb.RawQuery = url.Values{"error": {"access_denied"}, "error_description": {"User did not authorize the request"}, "state": {state}}.Encode()
		resp, err := http.Get(cb.String())
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	err := run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "refused: access_denied") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(o.TokenFile); !os.IsNotExist(err) {
		t.Errorf("a refused login saved a token file: %v", err)
	}
}

func TestNoCallbackTimesOut(t *testing.T) {
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	var out bytes.Buffer
	o := testOptions(t, sim, &out)
	ctx, cancel := context.WithCancel(context.Background())
	o.Browser = func(context.Context, string) error { cancel(); return nil }
	err := run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "no authorization came back") {
		t.Fatalf("err = %v", err)
	}
}

func TestOnlineConfigurationErrors(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"JIRA_URL": "https://acme.atlassian.net"}, "JIRA_OAUTH_CLIENT_ID JIRA_OAUTH_CLIENT_SECRET"},
		{map[string]string{"JIRA_URL": "https://acme.atlassian.net", "JIRA_OAUTH_CLIENT_ID": "id", "JIRA_OAUTH_CLIENT_SECRET": "s3cr3t-value",
			"JIRA_OAUTH_REDIRECT_URL": "https://myapp.example.com/callback"}, "must be http://localhost:PORT/PATH"},
	}
	for _, c := range cases {
		env := jiraenv.LoadEnv(func(k string) string { return c.vars[k] }, "JIRA_")
		var out bytes.Buffer
		err := run(context.Background(), options{Env: env, Stdout: &out, TokenFile: filepath.Join(t.TempDir(), "t.json")})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.vars, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("error leaks the client secret: %v", err)
		}
	}
}
