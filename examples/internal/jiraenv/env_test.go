package jiraenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

func envOf(m map[string]string, prefix string) Env {
	return LoadEnv(func(k string) string { return m[k] }, prefix)
}

func TestLoadEnvTrimsAndUppercasesProject(t *testing.T) {
	e := envOf(map[string]string{"JIRA_URL": " https://acme.atlassian.net\n", "JIRA_PROJECT": "sup", "ENG_JIRA_URL": "x"}, "JIRA_")
	if e.URL != "https://acme.atlassian.net" || e.Project != "SUP" || e.Offline() {
		t.Fatalf("env = %+v", e)
	}
	if got := envOf(nil, "JIRA_").ProjectOr("DEMO"); got != "DEMO" {
		t.Errorf("default project = %q", got)
	}
	if !envOf(nil, "JIRA_").Offline() {
		t.Error("no JIRA_URL should be offline")
	}
	eng := envOf(map[string]string{"ENG_JIRA_URL": "https://eng.example.com"}, "ENG_JIRA_")
	if eng.URL != "https://eng.example.com" {
		t.Errorf("prefixed URL = %q", eng.URL)
	}
}

func TestStrategyPicksTheOneKindSet(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"JIRA_EMAIL": "ana@example.com", "JIRA_API_TOKEN": "tok"}, "auth.APIToken"},
		{map[string]string{"JIRA_USERNAME": "ana", "JIRA_PASSWORD": "pw"}, "auth.Basic"},
		{map[string]string{"JIRA_PAT": "pat"}, "auth.PAT"},
	}
	for _, c := range cases {
		c.vars["JIRA_URL"] = "https://jira.example.com"
		s, err := envOf(c.vars, "JIRA_").Strategy(ctx)
		if err != nil {
			t.Fatalf("%v: %v", c.vars, err)
		}
		var got string
		switch s.(type) {
		case auth.APIToken:
			got = "auth.APIToken"
		case auth.Basic:
			got = "auth.Basic"
		case auth.PAT:
			got = "auth.PAT"
		}
		if got != c.want {
			t.Errorf("%v: strategy %T, want %s", c.vars, s, c.want)
		}
	}
}

func TestStrategyErrorsNameTheVariablesAndHideSecrets(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"none", map[string]string{}, []string{"JIRA_EMAIL and JIRA_API_TOKEN", "JIRA_USERNAME and JIRA_PASSWORD", "JIRA_PAT", "JIRA_OAUTH_CLIENT_ID", "unset JIRA_URL"}},
		{"half pair", map[string]string{"JIRA_EMAIL": "ana@example.com"}, []string{"JIRA_EMAIL is set but JIRA_API_TOKEN is not"}},
		{"other half", map[string]string{"JIRA_PASSWORD": "hunter2-secret"}, []string{"JIRA_PASSWORD is set but JIRA_USERNAME is not"}},
		{"two kinds", map[string]string{"JIRA_PAT": "pat-secret", "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "tok-secret"}, []string{"several kinds", "JIRA_EMAIL+JIRA_API_TOKEN", "JIRA_PAT"}},
		{"bad email", map[string]string{"JIRA_EMAIL": "ana", "JIRA_API_TOKEN": "tok-secret"}, []string{"cannot work", "Email is not an email address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.vars["JIRA_URL"] = "https://jira.example.com"
			_, err := envOf(c.vars, "JIRA_").Strategy(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, secret := range []string{"hunter2-secret", "pat-secret", "tok-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret: %q", err)
				}
			}
		})
	}
	_, err := envOf(map[string]string{"JIRA_URL": "https://x"}, "JIRA_").Strategy(ctx)
	if !errors.Is(err, ErrNoCredentials) {
		t.Errorf("no credentials: %v does not match ErrNoCredentials", err)
	}
	_, err = envOf(map[string]string{"ENG_JIRA_URL": "https://x", "ENG_JIRA_PAT": ""}, "ENG_JIRA_").Strategy(ctx)
	if err == nil || !strings.Contains(err.Error(), "ENG_JIRA_PAT") {
		t.Errorf("prefixed help should name ENG_JIRA_ variables: %v", err)
	}
}

func TestStrategyOAuthNeedsTheTokenFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "token.json")
	key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"JIRA_URL": "https://acme.atlassian.net", "JIRA_OAUTH_CLIENT_ID": "id",
		"JIRA_OAUTH_CLIENT_SECRET": "client-secret-value", "JIRA_OAUTH_TOKEN_FILE": file}
	_, err = envOf(vars, "JIRA_").Strategy(ctx)
	if err == nil || !strings.Contains(err.Error(), "RECIPEKIT_SECRET_KEY is not set") || !strings.Contains(err.Error(), "/dev/urandom") {
		t.Fatalf("no secret key: %v", err)
	}
	vars["RECIPEKIT_SECRET_KEY"] = "not-a-key"
	_, err = envOf(vars, "JIRA_").Strategy(ctx)
	if err == nil || !strings.Contains(err.Error(), "RECIPEKIT_SECRET_KEY") || !strings.Contains(err.Error(), "base64") {
		t.Fatalf("bad secret key: %v", err)
	}
	vars["RECIPEKIT_SECRET_KEY"] = key.Base64()
	_, err = envOf(vars, "JIRA_").Strategy(ctx)
	if err == nil || !strings.Contains(err.Error(), "go run ./examples/oauth2") {
		t.Fatalf("missing token file: %v", err)
	}
	keys, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	store, err := auth.NewFileTokenStore(file, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, auth.Token{AccessToken: "at", RefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	s, err := envOf(vars, "JIRA_").Strategy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := s.(*auth.OAuth2)
	if !ok {
		t.Fatalf("strategy %T, want *auth.OAuth2", s)
	}
	if o.RedirectURL != DefaultRedirectURL || o.ClientID != "id" {
		t.Errorf("oauth = %+v", o)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}
