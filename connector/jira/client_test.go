package jira

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// newTestClient returns a client for an httptest server, with retries
// that never sleep.
func newTestClient(t *testing.T, url string, d Deployment) *Client {
	t.Helper()
	return mustNew(t, Config{URL: url, Deployment: d, Auth: auth.APIToken{Email: "bot@example.com", Token: "s3cret-token"}, HTTP: noSleepHTTP()})
}

func TestResponseKeepsStatusOnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		json.NewEncoder(w).Encode(map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}})
	}))
	defer srv.Close()
	_, resp, err := newTestClient(t, srv.URL, Cloud).Issues.Get(context.Background(), "D-9", nil)
	if !errors.Is(err, ErrNotFound) || resp == nil || resp.StatusCode != 404 {
		t.Errorf("err %v resp %v", err, resp)
	}
}

// endlessString is a JSON document that never ends: {"v":"aaaa...
type endlessString struct{ started bool }

func (e *endlessString) Read(p []byte) (int, error) {
	n := 0
	if !e.started {
		n = copy(p, `{"v":"`)
		e.started = true
	}
	for ; n < len(p); n++ {
		p[n] = 'a'
	}
	return n, nil
}

func TestDoRefusesAnAnswerPastTheLimit(t *testing.T) {
	defer func(n int64) { maxResponseBody = n }(maxResponseBody)
	maxResponseBody = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, &endlessString{})
	}))
	t.Cleanup(srv.Close)
	jc := newTestClient(t, srv.URL, DataCenter)
	var v struct{ V string }
	_, err := jc.call(context.Background(), "GET", apiPath("/issue/DEMO-1"), nil, nil, &v)
	if !errors.Is(err, errResponseTooLarge) || !strings.Contains(err.Error(), "/rest/api/2/issue/DEMO-1") {
		t.Errorf("decoding an endless answer: %v", err)
	}
	out, err := jc.CustomRequest().Run(context.Background(), CustomRequestInput{Method: "GET", Path: "/rest/api/2/issue/DEMO-1"})
	if !errors.Is(err, errResponseTooLarge) || out.Body != nil {
		t.Errorf("custom request of an endless answer: body %T, err %v", out.Body, err)
	}
}

// Every request names the connector, or the program that set
// HTTP.UserAgent.
func TestRequestsCarryTheUserAgent(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.UserAgent())
		w.Write([]byte(`{"id":"1","key":"D-1","fields":{}}`))
	}))
	defer srv.Close()
	ctx := context.Background()
	if _, _, err := newTestClient(t, srv.URL, Cloud).Issues.Get(ctx, "D-1", nil); err != nil {
		t.Fatal(err)
	}
	own := mustNew(t, Config{URL: srv.URL, Deployment: Cloud, Auth: auth.APIToken{Email: "bot@example.com", Token: "s3cret-token"}, HTTP: httpx.Options{UserAgent: "acme-sync/2"}})
	if _, _, err := own.Issues.Get(ctx, "D-1", nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "recipekit-jira" || got[1] != "acme-sync/2" {
		t.Errorf("User-Agent headers %q, want recipekit-jira then acme-sync/2", got)
	}
}
