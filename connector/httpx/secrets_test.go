package httpx_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// TestNoSecretInLogsOrErrors runs failing requests (retried 503s, a final
// 401, a hang-up on a POST, a refused OAuth refresh) through each strategy
// with a debug JSON logger and searches every log line and error text for
// the secrets.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	const (
		apiToken     = "api-token-SECRET-1"
		password     = "password-SECRET-2"
		pat          = "pat-SECRET-3"
		clientSecret = "client-secret-SECRET-4"
		querySecret  = "query-SECRET-5"
	)
	var refreshN atomic.Int32
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		if body["refresh_token"] == "refresh-SECRET-dead" {
			w.WriteHeader(http.StatusForbidden)
			// A careless endpoint echoing the token back.
			fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token %s"}`, body["refresh_token"])
			return
		}
		n := refreshN.Add(1)
		fmt.Fprintf(w, `{"access_token":"access-SECRET-%d","refresh_token":"refresh-SECRET-%d","expires_in":3600,"token_type":"Bearer"}`, n+10, n+10)
	}))
	defer tokenSrv.Close()
	oauth := &auth.OAuth2{ClientID: "cid", ClientSecret: clientSecret, RedirectURL: "https://app.example.com/cb", Store: &auth.MemoryTokenStore{}, TokenURL: tokenSrv.URL}
	oauth.Store.Save(t.Context(), auth.Token{AccessToken: "access-SECRET-0", RefreshToken: "refresh-SECRET-0", Expiry: time.Now().Add(-time.Hour)})
	deadOAuth := &auth.OAuth2{ClientID: "cid", ClientSecret: clientSecret, RedirectURL: "https://app.example.com/cb", Store: &auth.MemoryTokenStore{}, TokenURL: tokenSrv.URL}
	deadOAuth.Store.Save(t.Context(), auth.Token{AccessToken: "access-SECRET-dead", RefreshToken: "refresh-SECRET-dead", Expiry: time.Now().Add(-time.Hour)})

	secrets := []string{apiToken, password, pat, clientSecret, querySecret, "SECRET",
		base64.StdEncoding.EncodeToString([]byte("ana@example.com:" + apiToken)),
		base64.StdEncoding.EncodeToString([]byte("ana:" + password)),
	}
	strategies := map[string]auth.Strategy{
		"api token":  auth.APIToken{Email: "ana@example.com", Token: apiToken},
		"basic":      auth.Basic{Username: "ana", Password: password},
		"pat":        auth.PAT{Token: pat},
		"oauth2":     oauth,
		"oauth dead": deadOAuth,
	}
	var hits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := hits.Add(1); {
		case r.Method == http.MethodPost:
			hangUp(w, r)
		case n%3 != 0:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errorMessages":["You are not authenticated."],"errors":{}}`)
		}
	}))
	defer api.Close()

	for name, strategy := range strategies {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			fs := &fakeSleep{}
			c, err := httpx.New(strategy, httpx.Options{Logger: logger, Sleep: fs.Sleep, MaxRetries: 3})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			check := func(err error) {
				if err != nil {
					texts = append(texts, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
				}
			}
			u := api.URL + "/rest/api/2/myself?token=" + querySecret
			resp, err := do(t, c, t.Context(), http.MethodGet, u, "")
			check(err)
			if err == nil {
				check(httpx.CheckResponse(resp))
			}
			_, err = do(t, c, t.Context(), http.MethodPost, api.URL+"/rest/api/2/issue?token="+querySecret, `{"fields":{}}`)
			if err == nil {
				t.Error("the hang-up did not fail the POST")
			}
			check(err)
			if logs.Len() == 0 {
				t.Fatal("nothing was logged: the test would prove nothing")
			}
			texts = append(texts, logs.String())
			for _, text := range texts {
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("%q leaks %q", text, s)
					}
				}
			}
			if name == "oauth dead" && !errors.Is(err, auth.ErrLoginRequired) {
				t.Errorf("refused refresh: err = %v", err)
			}
		})
	}
}
