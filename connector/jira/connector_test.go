package jira

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestConnectionTest(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		res, err := e.jc.Test(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := "Jira Cloud"
		if e.mode == jiratest.DataCenter {
			want = "Jira Server/Data Center 9."
		}
		if !strings.Contains(res.Detail, want) || !strings.Contains(res.Account, "Integration Bot") {
			t.Errorf("result %+v", res)
		}
		d, _ := e.jc.Deployment(context.Background())
		if (d == Cloud) != (e.mode == jiratest.Cloud) {
			t.Errorf("deployment %v in mode %v", d, e.mode)
		}
		var _ connector.Connector = e.jc
		if e.jc.Info().Name != "jira" || e.jc.Info().Connection != "test" || e.jc.Triggers() == nil {
			t.Errorf("info %+v", e.jc.Info())
		}
	})
}

func TestConnectionTestReportsBadCredentials(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		bad := e.demo.Alice
		bad.APIToken, bad.Password = "Wr0ngS3cret", "Wr0ngS3cret"
		_, err := e.client(t, bad).Test(context.Background())
		// The hint names the credential the connection uses.
		hint := "API token"
		if e.mode == jiratest.DataCenter {
			hint = "user name and password"
		}
		if err == nil || !strings.Contains(err.Error(), "refused the credentials") || !strings.Contains(err.Error(), hint) {
			t.Errorf("err = %v, want a refusal naming the %s", err, hint)
		}
		if err != nil && strings.Contains(err.Error(), "Wr0ngS3cret") {
			t.Errorf("error shows the secret: %v", err)
		}
	})
}

func TestConnectionTestReportsCaptcha(t *testing.T) {
	e := setup(t, jiratest.DataCenter)
	bad := e.demo.Bob
	bad.Password = "nope"
	for range 3 {
		_, _ = e.client(t, bad).Test(context.Background())
	}
	_, err := e.client(t, e.demo.Bob).Test(context.Background())
	if !errors.Is(err, ErrCaptcha) || !strings.Contains(err.Error(), "browser") {
		t.Fatalf("err = %v", err)
	}
	e.srv.ClearCaptcha(e.demo.Bob.Name)
	if _, err := e.client(t, e.demo.Bob).Test(context.Background()); err != nil {
		t.Errorf("after the CAPTCHA is cleared: %v", err)
	}
}

func TestConnectionTestReportsNotJira(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{})
	jc, err := New(Config{URL: srv.URL() + "/not-jira", Auth: auth.PAT{Token: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = jc.Test(context.Background())
	if !errors.Is(err, ErrNotJira) {
		t.Errorf("err = %v", err)
	}
}

func TestConnectionTestReportsHTMLPageAsNotJira(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>Welcome to our intranet</body></html>")
	}))
	t.Cleanup(srv.Close)
	jc, err := New(Config{URL: srv.URL, Auth: auth.PAT{Token: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = jc.Test(context.Background())
	if !errors.Is(err, ErrNotJira) || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("err = %v, want ErrNotJira saying serverInfo is not JSON", err)
	}
}

func TestConnectionTestReportsConfiguredDeploymentMismatch(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	jc, _ := New(Config{URL: e.srv.URL(), Deployment: DataCenter, Auth: auth.APIToken{Email: e.demo.Admin.Email, Token: auth.Secret(e.demo.Admin.APIToken)}})
	if _, err := jc.Test(context.Background()); err == nil || !strings.Contains(err.Error(), "configured for datacenter") {
		t.Errorf("err = %v", err)
	}
}

func TestOAuthConnectionUsesGatewayAndReportsOtherSite(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	demo := srv.SeedDemo()
	store := &auth.MemoryTokenStore{}
	o := &auth.OAuth2{ClientID: demo.OAuthClient.ID, ClientSecret: auth.Secret(demo.OAuthClient.Secret), RedirectURL: "http://localhost/cb",
		Store: store, AuthURL: srv.URL() + "/authorize", TokenURL: srv.URL() + "/oauth/token",
		ResourcesURL: srv.URL() + "/oauth/token/accessible-resources", APIGatewayURL: srv.URL() + "/ex/jira"}
	code := srv.IssueOAuthCode(demo.Admin.AccountID)
	if _, err := o.Exchange(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	jc, err := New(Config{URL: srv.URL(), Auth: o})
	if err != nil {
		t.Fatal(err)
	}
	res, err := jc.Test(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	base, _ := jc.APIBaseURL(context.Background())
	if base != srv.GatewayURL() || !strings.Contains(res.Account, "Integration Bot") {
		t.Errorf("base %s result %+v", base, res)
	}
	other, _ := New(Config{URL: "https://other.atlassian.net", Auth: o})
	if _, err := other.Test(context.Background()); err == nil || !strings.Contains(err.Error(), "other.atlassian.net") {
		t.Errorf("a grant for another site: %v", err)
	}
}
