package jiratest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRateLimitEveryNth(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	s.SetRateLimit(RateLimit{EveryNth: 3, RetryAfter: 7 * time.Second})
	var statuses []int
	for i := 0; i < 6; i++ {
		r := c.get("/rest/api/2/myself")
		statuses = append(statuses, r.status)
		if r.status == 429 {
			if r.header.Get("Retry-After") != "7" || r.header.Get("RateLimit-Reason") != "jira-burst-based" ||
				r.header.Get("X-RateLimit-Reset") == "" || r.header.Get("X-RateLimit-Remaining") != "0" {
				t.Errorf("429 headers = %v", r.header)
			}
		}
	}
	if want := []int{200, 200, 429, 200, 200, 429}; !equalInts(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
	// serverInfo is never rate limited.
	for i := 0; i < 4; i++ {
		c.must(200, c.get("/rest/api/2/serverInfo"))
	}
	s.SetRateLimit(RateLimit{})
	c.must(200, c.get("/rest/api/2/myself"))
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRateLimitPerCredential(t *testing.T) {
	s, d, admin, clock := setup(t, Cloud)
	s.SetRateLimit(RateLimit{PerSecond: 2})
	bob := newClient(t, s.URL(), basic(d.Bob.Email, d.Bob.APIToken))
	admin.must(200, admin.get("/rest/api/2/myself"))
	admin.must(200, admin.get("/rest/api/2/myself"))
	r := admin.get("/rest/api/2/myself")
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("third request in a second: %d %v", r.status, r.header)
	}
	bob.must(200, bob.get("/rest/api/2/myself")) // separate budget
	clock.Advance(time.Second)
	admin.must(200, admin.get("/rest/api/2/myself"))
}

func TestFaultUnavailable(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	s.SetFaults(Faults{Unavailable: FaultRate{Next: 2}, RetryAfter: 3 * time.Second, PathPrefix: "/rest/api/2/issue"})
	c.must(200, c.get("/rest/api/2/myself")) // not under the prefix
	for i := 0; i < 2; i++ {
		r := c.get("/rest/api/2/issue/DEMO-1")
		if r.status != 503 || r.header.Get("Retry-After") != "3" {
			t.Fatalf("attempt %d: %d %v", i, r.status, r.header)
		}
	}
	c.must(200, c.get("/rest/api/2/issue/DEMO-1"))
}

func TestFaultDropConnection(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	s.SetFaults(Faults{DropConnection: FaultRate{Next: 1}, Methods: []string{"GET"}})
	req, _ := http.NewRequest("GET", s.URL()+"/rest/api/2/issue/DEMO-1", nil)
	req.SetBasicAuth("integration@example.com", "demo-api-token")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("dropped connection answered %d", res.StatusCode)
	}
	c.must(200, c.get("/rest/api/2/issue/DEMO-1"))
	if reqs := s.Requests(); reqs[0].Status != 0 {
		t.Errorf("dropped request logged with status %d", reqs[0].Status)
	}
}

func TestFaultLoseResponseAfterCommit(t *testing.T) {
	s, _, _, _ := setup(t, Cloud)
	s.SetFaults(Faults{LoseResponse: FaultRate{Next: 1}, Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue"})
	before := len(s.Issues("DEMO"))
	body := `{"fields":{"project":{"key":"DEMO"},"issuetype":{"name":"Task"},"summary":"blind retry"}}`
	req, _ := http.NewRequest("POST", s.URL()+"/rest/api/2/issue", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("integration@example.com", "demo-api-token")
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("lost response arrived: %d %s", res.StatusCode, b)
	}
	if after := len(s.Issues("DEMO")); after != before+1 {
		t.Fatalf("the write was not committed: %d -> %d issues", before, after)
	}
	// A blind retry duplicates the issue, as on real Jira.
	req, _ = http.NewRequest("POST", s.URL()+"/rest/api/2/issue", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("integration@example.com", "demo-api-token")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if after := len(s.Issues("DEMO")); after != before+2 || res.StatusCode != 201 {
		t.Fatalf("retry: %d, %d issues", res.StatusCode, after)
	}
}

func TestFaultLatencyAndSeedDeterminism(t *testing.T) {
	rolls := func(seed int64) []int {
		s := New(t, Options{Seed: seed})
		s.SeedDemo()
		s.SetFaults(Faults{Unavailable: FaultRate{Probability: 0.5}})
		c := newClient(t, s.URL(), basic("integration@example.com", "demo-api-token"))
		var out []int
		for i := 0; i < 12; i++ {
			out = append(out, c.get("/rest/api/2/myself").status)
		}
		return out
	}
	a, b := rolls(7), rolls(7)
	if !equalInts(a, b) {
		t.Errorf("same seed, different faults: %v vs %v", a, b)
	}
	if !containsInt(a, 503) || !containsInt(a, 200) {
		t.Errorf("probability 0.5 over 12 requests gave %v", a)
	}
	s, _, c, _ := setup(t, Cloud)
	s.SetFaults(Faults{Latency: 30 * time.Millisecond, PathPrefix: "/rest/api/2/myself"})
	start := time.Now()
	c.must(200, c.get("/rest/api/2/myself"))
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Errorf("latency not applied: %v", el)
	}
}

func containsInt(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func TestRequestLogRedactsCredentials(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	s.ResetRequests()
	c.must(201, c.do("POST", "/rest/api/2/issue/DEMO-1/comment", map[string]any{"body": "logged"}))
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("log = %d entries", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/rest/api/2/issue/DEMO-1/comment" || r.Status != 201 || !strings.Contains(string(r.Body), "logged") {
		t.Errorf("entry = %+v", r)
	}
	if a := r.Header.Get("Authorization"); a != "Basic [redacted]" {
		t.Errorf("Authorization logged as %q", a)
	}
}

func TestSecretsStayOutOfLogsAndPrints(t *testing.T) {
	s, d, c, _ := setup(t, Cloud)
	rc := newReceiver(t)
	c.must(201, c.do("POST", "/rest/webhooks/1.0/webhook", map[string]any{"name": "x", "url": rc.srv.URL, "events": []string{"jira:issue_created"}, "secret": "hook-secret-123"}))
	anon := newClient(t, s.URL(), nil)
	anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": s.IssueOAuthCode(d.Admin.AccountID),
		"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret}))
	var all strings.Builder
	for _, r := range s.Requests() {
		fmt.Fprintf(&all, "%v %s\n", r.Header, r.Body)
	}
	fmt.Fprintf(&all, "%v %+v %#v %s", d.Admin, d, d.OAuthClient, d.Alice)
	for _, secret := range []string{"hook-secret-123", d.OAuthClient.Secret, d.Admin.APIToken, d.Admin.Password, d.Admin.PAT} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("secret %q leaked", secret)
		}
	}
}

func TestLatencyEndsDelaysSoonerByTheLatenessMeasured(t *testing.T) {
	const d = 5 * time.Millisecond
	var l delayClock
	if got := l.early(d); got != 0 {
		t.Fatalf("before any delay ended, a delay ends %v early, want 0", got)
	}
	for range 100 {
		l.observe(d, 150*time.Microsecond)
	}
	if got := l.early(d); got < 140*time.Microsecond || got > 150*time.Microsecond {
		t.Errorf("after delays ending 150µs late, a delay ends %v early, want about 150µs", got)
	}
	for range 100 {
		l.observe(d, 40*time.Millisecond) // the machine stalled
	}
	if got := l.early(d); got > d/20 {
		t.Errorf("after stalls, a delay of %v ends %v early, more than a twentieth", d, got)
	}
	if got := l.early(time.Millisecond); got != time.Millisecond/20 {
		t.Errorf("a 1ms delay ends %v early, want its twentieth", got)
	}
	for range 100 {
		l.observe(d, -time.Microsecond) // a timer that ended early
	}
	if got := l.early(d); got > 5*time.Microsecond {
		t.Errorf("after delays ending on time, a delay ends %v early, want about 0", got)
	}
}

func TestLatencyRequestGivenUpDuringTheDelayIsNotHandled(t *testing.T) {
	s, d, _, _ := setup(t, Cloud)
	s.SetFaults(Faults{Latency: time.Hour, PathPrefix: "/rest/api/2/issue"})
	s.ResetRequests()
	before := len(s.Comments("DEMO-1"))
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/rest/api/2/issue/DEMO-1/comment", strings.NewReader(`{"body":"too late"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(d.Admin.Email, d.Admin.APIToken)
	// Give up once the whole request is on its way: the client sends it
	// and closes its side of the connection, which the simulator sees as
	// a client gone (its request context ends) once it has read the
	// request and is in the delay. A client that cancels its context
	// instead may close the connection before the request has left it.
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	// The request log has the request once the simulator is done with it.
	deadline := time.Now().Add(30 * time.Second)
	for len(s.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the simulator is still waiting on a request its client gave up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if after := len(s.Comments("DEMO-1")); after != before {
		t.Errorf("the issue has %d comments after a comment given up during the delay, want %d", after, before)
	}
}

func TestLatencyDelaysEveryRequestByAtLeast19Twentieths(t *testing.T) {
	s, _, c, _ := setup(t, Cloud)
	const latency = 20 * time.Millisecond
	s.SetFaults(Faults{Latency: latency, PathPrefix: "/rest/api/2/myself"})
	for i := range 10 {
		start := time.Now()
		c.must(200, c.get("/rest/api/2/myself"))
		if el := time.Since(start); el < latency-latency/20 {
			t.Fatalf("request %d answered after %v, less than 19/20 of the %v latency", i+1, el, latency)
		}
	}
}
