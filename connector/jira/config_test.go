package jira

import (
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
)

func TestConfigValidation(t *testing.T) {
	good := auth.APIToken{Email: "a@example.com", Token: "t0ken-value"}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "", Auth: good}, "Config.URL is empty"},
		{Config{URL: "acme.atlassian.net", Auth: good}, "must start with https://"},
		{Config{URL: "https://", Auth: good}, "has no host"},
		{Config{URL: "https://u:p@acme.atlassian.net", Auth: good}, "must not contain credentials"},
		{Config{URL: "https://acme.atlassian.net/rest/api/2", Auth: good}, "points into the REST API"},
		{Config{URL: "https://acme.atlassian.net?x=1", Auth: good}, "without a query"},
		{Config{URL: "https://acme.atlassian.net"}, "Config.Auth is nil"},
		{Config{URL: "https://acme.atlassian.net", Auth: auth.APIToken{Email: "a@example.com"}}, "Config.Auth"},
		{Config{URL: "https://acme.atlassian.net", Auth: good, Deployment: 7}, "Deployment 7 is unknown"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to mention %q", c.cfg.URL, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "t0ken-value") {
			t.Errorf("error leaks the token: %v", err)
		}
	}
	jc, err := New(Config{URL: "https://jira.example.com/jira/", Auth: good})
	if err != nil {
		t.Fatal(err)
	}
	if jc.SiteURL() != "https://jira.example.com/jira" || jc.Name() != "jira" {
		t.Errorf("site %q name %q", jc.SiteURL(), jc.Name())
	}
}
