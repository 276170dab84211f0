package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/httpx"
)

func TestLogRecordsCarryMethodPathStatusAttemptWait(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503, "Retry-After", "3"), status(200)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var buf bytes.Buffer
	c, _ := newClient(t, httpx.Options{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL+"/rest/api/2/issue/A-1?fields=summary", "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var records []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		records = append(records, r)
	}
	var retry map[string]any
	attempts := 0
	for _, r := range records {
		switch r["msg"] {
		case "http retry":
			retry = r
		case "http attempt":
			attempts++
		}
	}
	if attempts != 2 || retry == nil {
		t.Fatalf("records %v: want 2 attempts and a retry", records)
	}
	if retry["method"] != "GET" || retry["path"] != "/rest/api/2/issue/A-1" || retry["status"] != float64(503) || retry["attempt"] != float64(1) {
		t.Errorf("retry record %v", retry)
	}
	if w, _ := retry["wait"].(float64); time.Duration(w) < 3*time.Second {
		t.Errorf("retry record wait %v, want at least 3s", retry["wait"])
	}
}

func TestTimeoutBoundsReadingTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		select { // the rest of the body never comes
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := newClient(t, httpx.Options{Timeout: 100 * time.Millisecond, MaxRetries: -1})
	resp, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
	if err != nil {
		t.Fatalf("headers came at once, yet Do failed: %v", err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading a body that stalls: err = %v, want the attempt's deadline", err)
	}
}

func TestTimeoutBoundsEachAttempt(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done() // never answer
	}))
	defer srv.Close()
	c, _ := newClient(t, httpx.Options{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	_, err := do(t, c, t.Context(), http.MethodGet, srv.URL, "")
	var ne interface{ Timeout() bool }
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	srv.Close() // waits for the handlers, so hits is settled
	if hits.Load() != 2 {
		t.Errorf("%d attempts, want 2 (each bounded by the timeout)", hits.Load())
	}
}
