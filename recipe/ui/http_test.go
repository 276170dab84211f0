package ui_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/ui"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, method, u string, form url.Values, bearer string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no CSRF field")
	}
	return m[1]
}

func TestNewRefusesToServeAnonymously(t *testing.T) {
	store := recipe.NewMemoryStore()
	if _, err := ui.New(store, ui.Options{}); err == nil || !strings.Contains(err.Error(), "authenticator") {
		t.Errorf("New without Auth: %v", err)
	}
	if _, err := ui.New(store, ui.Options{Auth: ui.BearerToken("x"), DevLoopbackOnly: true}); err == nil {
		t.Error("New took Auth and DevLoopbackOnly together")
	}
	if _, err := ui.New(store, ui.Options{Auth: ui.BearerToken("x"), CSRFKey: []byte("short")}); err == nil {
		t.Error("New took a 5-byte CSRF key")
	}
	if _, err := ui.New(store, ui.Options{DevLoopbackOnly: true}); err != nil {
		t.Errorf("development mode: %v", err)
	}
}

func TestEveryRequestNeedsCredentials(t *testing.T) {
	f := newFixture(t, ui.Options{})
	for _, path := range []string{"/", "/jobs", "/static/app.js", "/jobs/x/live"} {
		resp, _ := do(t, "GET", f.url(path), nil, "")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("GET %s without a token: %d %q", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		if resp, _ := do(t, "GET", f.url(path), nil, "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: %d", path, resp.StatusCode)
		}
	}
	resp, page := do(t, "GET", f.url("/"), nil, token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "support-sync") {
		t.Fatalf("GET / with the token: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy allows inline code: %q", csp)
	}
}

func TestBasicAuth(t *testing.T) {
	h, err := ui.New(recipe.NewMemoryStore(), ui.Options{Auth: ui.BasicAuth("ops", auth.Secret("pw"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"ops", "pw", 200}, {"ops", "nope", 401}, {"root", "pw", 401}} {
		req := httptest.NewRequest("GET", "/", nil)
		req.SetBasicAuth(c.user, c.pass)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s:%s -> %d, want %d", c.user, c.pass, rec.Code, c.want)
		}
	}
}

func TestDevelopmentModeAnswersOnlyLoopback(t *testing.T) {
	h, err := ui.New(recipe.NewMemoryStore(), ui.Options{DevLoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		remote, host string
		want         int
	}{
		{"127.0.0.1:5000", "127.0.0.1:8080", 200},
		{"[::1]:5000", "localhost:8080", 200},
		{"192.0.2.7:5000", "127.0.0.1:8080", 401},        // another machine
		{"127.0.0.1:5000", "attacker.example:8080", 401}, // DNS rebinding
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr, req.Host = c.remote, c.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("from %s to %s: %d, want %d", c.remote, c.host, rec.Code, c.want)
		}
	}
}

func TestPostNeedsTheUsersCSRFToken(t *testing.T) {
	f := newFixture(t, ui.Options{})
	failed := f.failedJob(t)
	_, page := do(t, "GET", f.url("/jobs/"+failed.ID), nil, token)
	good := csrfOf(t, page)
	other, err := ui.New(f.store, ui.Options{Auth: ui.BearerToken(token), Engine: f.engine})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(other)
	defer srv.Close()
	_, otherPage := do(t, "GET", srv.URL+"/jobs/"+failed.ID, nil, token)
	foreign := csrfOf(t, otherPage) // made with another key

	for name, form := range map[string]url.Values{"none": {}, "empty": {"csrf": {""}}, "foreign": {"csrf": {foreign}}, "garbled": {"csrf": {good + "x"}}} {
		resp, _ := do(t, "POST", f.url("/jobs/"+failed.ID+"/rerun"), form, token)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("re-run with %s token: %d, want 403", name, resp.StatusCode)
		}
	}
	if jobs, _ := recipe.CollectJobs(f.store.Jobs(context.Background(), recipe.JobQuery{})); len(jobs) != 3 {
		t.Fatalf("refused posts stored jobs: %d jobs", len(jobs))
	}
	f.broken.Delete("OPS-2")
	resp, _ := do(t, "POST", f.url("/jobs/"+failed.ID+"/rerun"), url.Values{"csrf": {good}}, token)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/jobs/") {
		t.Fatalf("re-run with the token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	f.waitJobs(t, recipe.JobQuery{Status: recipe.JobSucceeded}, 1, func(j recipe.Job) bool { return j.RerunOf == failed.ID })
}

func TestJobListFiltersAndPages(t *testing.T) {
	f := newFixture(t, ui.Options{PageSize: 2})
	_, page := do(t, "GET", f.url("/jobs"), nil, token)
	next := regexp.MustCompile(`class="next" href="([^"]+)"`).FindStringSubmatch(page)
	if next == nil || strings.Count(page, `class="job-link"`) != 2 {
		t.Fatalf("first page: %d jobs, next %v", strings.Count(page, `class="job-link"`), next)
	}
	_, page2 := do(t, "GET", f.srv.URL+strings.ReplaceAll(next[1], "&amp;", "&"), nil, token)
	if n := strings.Count(page2, `class="job-link"`); n != 1 || !strings.Contains(page2, "OPS-1") {
		t.Errorf("second page: %d jobs", n)
	}
	_, page = do(t, "GET", f.url("/jobs?q=printer"), nil, token)
	if strings.Count(page, `class="job-link"`) != 1 || !strings.Contains(page, "Printer on fire") {
		t.Error("text filter did not find the one printer job")
	}
	_, page = do(t, "GET", f.url("/jobs?status=failed&recipe=support-sync"), nil, token)
	if strings.Count(page, `class="job-link"`) != 1 || !strings.Contains(page, "Sync refused") {
		t.Error("status filter did not find the one failed job")
	}
	for _, bad := range []string{"/jobs?status=melted", "/jobs?from=yesterday"} {
		if resp, page := do(t, "GET", f.url(bad), nil, token); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `role="alert"`) {
			t.Errorf("GET %s: %d", bad, resp.StatusCode)
		}
	}
	if resp, _ := do(t, "GET", f.url("/jobs?before=gone"), nil, token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a cursor naming no job: %d", resp.StatusCode)
	}
}

func TestJobPageShowsStepsWithSecretsHidden(t *testing.T) {
	f := newFixture(t, ui.Options{})
	jobs := f.waitJobs(t, recipe.JobQuery{Status: recipe.JobSucceeded, Text: "OPS-1"}, 1, func(recipe.Job) bool { return true })
	resp, page := do(t, "GET", f.url("/jobs/"+jobs[0].ID), nil, token)
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	for _, want := range []string{"Printer on fire", "sync", "recipetest.sync", "[redacted]", "1 attempt", `<details class="json" open>`} {
		if !strings.Contains(page, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	for _, secret := range []string{"tok-123", "hunter2"} {
		if strings.Contains(page, secret) {
			t.Errorf("job page shows the secret %q", secret)
		}
	}
	if resp, _ := do(t, "GET", f.url("/jobs/nope"), nil, token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown job: %d", resp.StatusCode)
	}
}

func TestLiveStreamEndsWhenTheJobIsFinal(t *testing.T) {
	f := newFixture(t, ui.Options{})
	failed := f.failedJob(t)
	req, _ := http.NewRequest("GET", f.url("/jobs/"+failed.ID+"/live"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if got := strings.Join(lines, "|"); got != "event: done|data: failed|" {
		t.Errorf("stream = %q", got)
	}
}

func TestRerunFailedJobsOfARecipe(t *testing.T) {
	f := newFixture(t, ui.Options{})
	failed := f.failedJob(t)
	_, page := do(t, "GET", f.url("/recipes/support-sync"), nil, token)
	for _, want := range []string{"Jobs per minute", "Step durations", "p99", "Sync refused", "Re-run failed jobs"} {
		if !strings.Contains(page, want) {
			t.Errorf("recipe page lacks %q", want)
		}
	}
	tok := csrfOf(t, page)
	f.broken.Delete("OPS-2")
	resp, _ := do(t, "POST", f.url("/recipes/support-sync/rerun-failed"), url.Values{"csrf": {tok}}, token)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "1+failed+jobs+re-run") {
		t.Fatalf("re-run failed: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Failed jobs run again in place, from the step that failed.
	f.waitJobs(t, recipe.JobQuery{Status: recipe.JobSucceeded}, 1, func(j recipe.Job) bool { return j.ID == failed.ID })
	resp, _ = do(t, "POST", f.url("/recipes/support-sync/rerun-failed"), url.Values{"csrf": {tok}}, token)
	if !strings.Contains(resp.Header.Get("Location"), "0+failed+jobs+re-run") {
		t.Errorf("a second click re-ran jobs again: %s", resp.Header.Get("Location"))
	}
	resp, _ = do(t, "POST", f.url("/recipes/support-sync/stop"), url.Values{"csrf": {tok}}, token)
	if st, _ := f.engine.Status("support-sync"); resp.StatusCode != http.StatusSeeOther || !st.Stopped {
		t.Errorf("stop: %d, stopped %v", resp.StatusCode, st.Stopped)
	}
	_, page = do(t, "GET", f.url("/"), nil, token)
	if !strings.Contains(page, `state-stopped">stopped`) || !strings.Contains(page, ">Start</button>") {
		t.Error("the recipe list does not show the stopped recipe with a Start button")
	}
}

func TestWithoutAnEngineThePagesAreReadOnly(t *testing.T) {
	f := newFixture(t, ui.Options{})
	h, err := ui.New(f.store, ui.Options{Auth: ui.BearerToken(token)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	failed := f.failedJob(t)
	_, page := do(t, "GET", srv.URL+"/jobs/"+failed.ID, nil, token)
	if strings.Contains(page, "Re-run this job") || !strings.Contains(page, "Sync refused") {
		t.Error("a read-only job page offers a re-run, or lacks the job")
	}
	_, home := do(t, "GET", srv.URL+"/", nil, token)
	if !strings.Contains(home, "support-sync") {
		t.Error("the read-only recipe list lacks the recipe with jobs")
	}
	resp, _ := do(t, "POST", srv.URL+"/jobs/"+failed.ID+"/rerun", url.Values{"csrf": {csrfOf(t, home+`name="csrf" value="x"`)}}, token)
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusConflict {
		t.Errorf("re-run on a read-only window: %d", resp.StatusCode)
	}
}

func TestMountedUnderAPrefix(t *testing.T) {
	f := newFixture(t, ui.Options{})
	h, err := ui.New(f.store, ui.Options{Auth: ui.BearerToken(token), Engine: f.engine, Prefix: "/ops"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ops/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, page := do(t, "GET", srv.URL+"/ops/", nil, token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `href="/ops/recipes/support-sync"`) || !strings.Contains(page, `src="/ops/static/app.js"`) {
		t.Fatalf("GET /ops/: %d", resp.StatusCode)
	}
	for _, path := range []string{"/ops/static/app.js", "/ops/static/app.css", "/ops/jobs?status=failed"} {
		if resp, _ := do(t, "GET", srv.URL+path, nil, token); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	if _, err := ui.New(f.store, ui.Options{Auth: ui.BearerToken(token), Prefix: "ops/"}); err == nil {
		t.Error("New took the prefix ops/")
	}
}
