package jira

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// mustNew is New for a test: a configuration the test got wrong stops it.
func mustNew(t testing.TB, cfg Config) *Client {
	t.Helper()
	jc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return jc
}

// dcCredential says how a test user logs in to Data Center.
type dcCredential int

const (
	dcPassword dcCredential = iota // basic auth with the user's password
	dcPAT                          // the user's personal access token
)

// userAuth returns the credential u logs in with on a simulator in mode:
// an API token on Cloud, dc on Data Center.
func userAuth(mode jiratest.Mode, u jiratest.User, dc dcCredential) auth.Strategy {
	switch {
	case mode == jiratest.Cloud:
		return auth.APIToken{Email: u.Email, Token: auth.Secret(u.APIToken)}
	case dc == dcPAT:
		return auth.PAT{Token: auth.Secret(u.PAT)}
	default:
		return auth.Basic{Username: u.Name, Password: auth.Secret(u.Password)}
	}
}

// noSleep lets retries go at once, so tests of retried requests do not wait.
func noSleep(context.Context, time.Duration) error { return nil }

func noSleepHTTP() httpx.Options {
	return httpx.Options{Sleep: noSleep}
}

// laterServer is a loopback server whose handler comes after it starts:
// a recipe engine needs the server's URL before it can make the handler.
// Until then it answers 404.
type laterServer struct {
	*httptest.Server
	handler atomic.Pointer[http.Handler]
}

func newLaterServer(t testing.TB) *laterServer {
	s := &laterServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := http.NotFoundHandler()
		if p := s.handler.Load(); p != nil {
			h = *p
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// serve makes h answer the requests from now on.
func (s *laterServer) serve(h http.Handler) { s.handler.Store(&h) }
