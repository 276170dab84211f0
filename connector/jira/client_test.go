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
