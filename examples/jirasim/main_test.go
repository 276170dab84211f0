package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// syncBuffer is a bytes.Buffer safe for the simulator's activity goroutine
// and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the program with args and returns the simulator it serves
// and its output; the program stops when the test ends.
func start(t *testing.T, args ...string) (*jiratest.Server, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	ready := make(chan *jiratest.Server, 1)
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, args, out, out, ready) }()
	var srv *jiratest.Server
	select {
	case srv = <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("jirasim stopped before serving: %v\n%s", err, out)
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-errc
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return srv, out, stop
}

func TestServesTheDemoSiteWithWorkingCredentials(t *testing.T) {
	for _, tc := range []struct {
		mode     string
		loginRE  string
		strategy func(user, secret string) auth.Strategy
		want     jira.Deployment
	}{
		{"cloud", `API token \(Basic\):\s+(\S+) : (\S+)`, func(u, s string) auth.Strategy {
			return auth.APIToken{Email: u, Token: auth.Secret(s)}
		}, jira.Cloud},
		{"dc", `Password \(Basic\):\s+(\S+) : (\S+)`, func(u, s string) auth.Strategy {
			return auth.Basic{Username: u, Password: auth.Secret(s)}
		}, jira.DataCenter},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			srv, out, stop := start(t, "-addr", "127.0.0.1:0", "-mode", tc.mode)
			printed := out.String()
			if !strings.Contains(printed, srv.URL()) {
				t.Fatalf("the output does not say where the simulator listens (%s):\n%s", srv.URL(), printed)
			}
			m := regexp.MustCompile(tc.loginRE).FindStringSubmatch(printed)
			if m == nil {
				t.Fatalf("the output does not print the credentials (%s):\n%s", tc.loginRE, printed)
			}
			jc, err := jira.New(jira.Config{Name: "jirasim", URL: srv.URL(), Auth: tc.strategy(m[1], m[2])})
			if err != nil {
				t.Fatal(err)
			}
			res, err := jc.Test(t.Context())
			if err != nil {
				t.Fatalf("the printed credentials do not work: %v", err)
			}
			if d, _ := jc.Deployment(t.Context()); d != tc.want {
				t.Errorf("deployment %v, want %v (%s)", d, tc.want, res.Detail)
			}
			if len(srv.Issues("DEMO")) == 0 {
				t.Error("no demo issues seeded")
			}
			if err := stop(); err != nil {
				t.Fatalf("stopping: %v", err)
			}
			if !strings.Contains(out.String(), "jirasim: stopped") {
				t.Errorf("no stop message:\n%s", out)
			}
		})
	}
}

func TestSimulatedActivityChangesTheSite(t *testing.T) {
	srv, out, stop := start(t, "-addr", "127.0.0.1:0", "-activity", "5ms")
	before := snapshot(srv)
	// Changes made before the snapshot do not count: on a loaded machine
	// several can happen between the start and the snapshot.
	seen := strings.Count(out.String(), "activity: ")
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(out.String(), "activity: ") < seen+3 {
		if time.Now().After(deadline) {
			t.Fatalf("no simulated activity after 20s:\n%s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "activity: ") && !regexp.MustCompile(`^activity: \d\d:\d\d:\d\d (created|commented on|moved) `).MatchString(line) {
			t.Errorf("a simulated change failed: %s", line)
		}
	}
	if after := snapshot(srv); after == before {
		t.Errorf("the simulated activity left no trace in the simulator's state: %s", after)
	}
}

// snapshot summarises the demo project: each issue's key, status, number
// of comments and last update. The update time is there because moves go
// round in a circle (To Do, In Progress, Done, To Do again): three moves of
// one issue leave its status as it was, but not its update time.
func snapshot(srv *jiratest.Server) string {
	var b strings.Builder
	for _, is := range srv.Issues("DEMO") {
		fmt.Fprintf(&b, "%s:%s:%d:%s ", is.Key, is.Status, len(srv.Comments(is.Key)), is.Updated.Format(time.RFC3339Nano))
	}
	return b.String()
}

func TestRefusesAnUnknownMode(t *testing.T) {
	err := run(t.Context(), []string{"-addr", "127.0.0.1:0", "-mode", "mainframe"}, &syncBuffer{}, &syncBuffer{}, nil)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `"mainframe"`) {
		t.Fatalf("err = %v, want a usage error naming the mode", err)
	}
}
