package jiratest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/testclock"
)

// client is a tiny REST client for the tests.
type client struct {
	t      *testing.T
	base   string
	auth   func(*http.Request)
	header http.Header
	hc     *http.Client
}

func basic(user, secret string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, secret) }
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func newClient(t *testing.T, base string, auth func(*http.Request)) *client {
	return &client{t: t, base: base, auth: auth, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r resp) list(t *testing.T) []any {
	t.Helper()
	var l []any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("response %d is not a JSON array: %v: %s", r.status, err, r.body)
	}
	return l
}

func (c *client) do(method, path string, body any) resp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if c.auth != nil {
		c.auth(req)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func (c *client) get(path string) resp { c.t.Helper(); return c.do("GET", path, nil) }

func (c *client) must(status int, r resp) resp {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

func setup(t *testing.T, mode Mode) (*Server, Demo, *client, *testclock.Clock) {
	t.Helper()
	clock := testclock.New(time.Date(2024, 3, 10, 15, 0, 0, 0, time.UTC))
	s := New(t, Options{Mode: mode, Now: clock.Now, Seed: 1})
	d := s.SeedDemo()
	var c *client
	if mode == Cloud {
		c = newClient(t, s.URL(), basic(d.Admin.Email, d.Admin.APIToken))
	} else {
		c = newClient(t, s.URL(), basic(d.Admin.Name, d.Admin.Password))
	}
	return s, d, c, clock
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}
