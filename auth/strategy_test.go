package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
)

func TestStrategiesSendTheHeaderJiraExpects(t *testing.T) {
	oauth, _ := newFakeAtlassian(t)
	tests := []struct {
		name     string
		strategy auth.Strategy
		want     string
		mode     auth.WebhookMode
	}{
		{"api token", auth.APIToken{Email: "ana@example.com", Token: "tok-123"}, "Basic " + base64.StdEncoding.EncodeToString([]byte("ana@example.com:tok-123")), auth.AdminWebhooks},
		{"basic", auth.Basic{Username: "ana", Password: "pa:ss word"}, "Basic " + base64.StdEncoding.EncodeToString([]byte("ana:pa:ss word")), auth.AdminWebhooks},
		{"pat", auth.PAT{Token: "NjE0OTc3"}, "Bearer NjE0OTc3", auth.AdminWebhooks},
		{"oauth2", oauth, "Bearer access-1", auth.DynamicWebhooks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Values("Authorization")
			}))
			defer srv.Close()
			if err := tt.strategy.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			client := &http.Client{Transport: tt.strategy.Transport(nil)}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/rest/api/2/myself", nil)
			req.Header.Set("X-Caller", "kept")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("Authorization = %q, want exactly [%q]", got, tt.want)
			}
			if req.Header.Get("Authorization") != "" {
				t.Error("Transport modified the caller's request")
			}
			if tt.strategy.WebhookMode() != tt.mode {
				t.Errorf("WebhookMode = %v, want %v", tt.strategy.WebhookMode(), tt.mode)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	store := &auth.MemoryTokenStore{}
	okOAuth := func() *auth.OAuth2 {
		return &auth.OAuth2{ClientID: "id", ClientSecret: "sec", RedirectURL: "https://app.example.com/cb", Store: store}
	}
	withOAuth := func(f func(*auth.OAuth2)) *auth.OAuth2 { o := okOAuth(); f(o); return o }
	tests := []struct {
		name     string
		strategy auth.Strategy
		field    string
		says     string
	}{
		{"api token empty email", auth.APIToken{Token: "t"}, "Email", "email address"},
		{"api token username not email", auth.APIToken{Email: "ana", Token: "t"}, "Email", "not an email"},
		{"api token empty token", auth.APIToken{Email: "a@b.c"}, "Token", "id.atlassian.com"},
		{"api token newline", auth.APIToken{Email: "a@b.c", Token: "t\n"}, "Token", "whitespace"},
		{"basic empty username", auth.Basic{Password: "p"}, "Username", "is empty"},
		{"basic colon", auth.Basic{Username: "a:b", Password: "p"}, "Username", "':'"},
		{"basic empty password", auth.Basic{Username: "ana"}, "Password", "is empty"},
		{"pat empty", auth.PAT{}, "Token", "personal access token"},
		{"pat space", auth.PAT{Token: "ab cd"}, "Token", "whitespace"},
		{"oauth client id", withOAuth(func(o *auth.OAuth2) { o.ClientID = "" }), "ClientID", "developer console"},
		{"oauth client secret", withOAuth(func(o *auth.OAuth2) { o.ClientSecret = "" }), "ClientSecret", "developer console"},
		{"oauth redirect empty", withOAuth(func(o *auth.OAuth2) { o.RedirectURL = "" }), "RedirectURL", "callback"},
		{"oauth redirect no scheme", withOAuth(func(o *auth.OAuth2) { o.RedirectURL = "app.example.com/cb" }), "RedirectURL", "no http(s) scheme"},
		{"oauth store", withOAuth(func(o *auth.OAuth2) { o.Store = nil }), "Store", "NewFileTokenStore"},
		{"oauth token url", withOAuth(func(o *auth.OAuth2) { o.TokenURL = "/oauth/token" }), "TokenURL", "absolute"},
		{"oauth scope", withOAuth(func(o *auth.OAuth2) { o.Scopes = []string{"read:jira-work write:jira-work"} }), "Scopes", "one scope per element"},
		{"oauth nil", (*auth.OAuth2)(nil), "OAuth2", "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.strategy.Validate()
			var ce *auth.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want *auth.ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("Field = %q, want %q", ce.Field, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("message %q should name %q and say %q", err, tt.field, tt.says)
			}
		})
	}
	for _, s := range []auth.Strategy{auth.APIToken{Email: "a@b.c", Token: "t"}, auth.Basic{Username: "u", Password: "p"}, auth.PAT{Token: "t"}, okOAuth()} {
		if err := s.Validate(); err != nil {
			t.Errorf("%T: valid configuration refused: %v", s, err)
		}
	}
}

func TestStrategiesNeverPrintSecrets(t *testing.T) {
	const secret = "s3cr3t-value"
	values := []any{
		auth.APIToken{Email: "a@b.c", Token: secret},
		auth.Basic{Username: "u", Password: secret},
		auth.PAT{Token: secret},
		&auth.OAuth2{ClientID: "id", ClientSecret: secret, RedirectURL: "https://x/cb", Store: &auth.MemoryTokenStore{}},
		auth.Token{AccessToken: secret, RefreshToken: secret, CloudID: "c"},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secret) {
				t.Errorf("%T printed with %s leaks the secret: %s", v, verb, out)
			}
		}
		if data, err := json.Marshal(v); err == nil && strings.Contains(string(data), secret) {
			t.Errorf("%T marshals the secret: %s", v, data)
		}
	}
}
