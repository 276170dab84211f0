package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/ui"
)

// The browser tests drive a headless Chromium. Without one they skip,
// unless RECIPEKIT_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
// RECIPEKIT_CHROMIUM names the binary; RECIPEKIT_ARTIFACTS a directory for
// screenshots (default: the test's temporary directory, logged).

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RECIPEKIT_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RECIPEKIT_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found and RECIPEKIT_REQUIRE_BROWSER=1: install Debian's chromium package (.ci/run does) or set RECIPEKIT_CHROMIUM")
	}
	t.Skip("no Chromium found: install Debian's chromium package or set RECIPEKIT_CHROMIUM to run the browser tests")
	return ""
}

// browser is one headless Chromium tab that sends the fixture's token
// with every request and counts JavaScript dialogs.
type browser struct {
	ctx     context.Context
	dialogs atomic.Int32
	shots   string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	// Chromium's helpers may still write in its profile for a moment after
	// it stops, so the directory is removed with retries, not by t.TempDir.
	profile, err := os.MkdirTemp("", "recipekit-ui-chromium")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	b := &browser{ctx: ctx, shots: os.Getenv("RECIPEKIT_ARTIFACTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + token}}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			b.dialogs.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return b
}

func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.screenshot(t, "failed")
		t.Fatalf("%s: %v", what, err)
	}
}

func get[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.screenshot(t, "failed")
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitLocation waits until the page's URL contains want; the page may be
// navigating meanwhile, so errors of the look are retried.
func (b *browser) waitLocation(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, want) {
			return
		}
		if time.Now().After(deadline) {
			b.screenshot(t, "failed")
			t.Fatalf("the page did not reach a URL with %q; it is at %q (%v)", want, loc, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) text(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, "read "+css, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(css)+`).innerText`))
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(b.shots, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}

func TestBrowserRerunAFailedJobAndWatchItSucceed(t *testing.T) {
	f := newFixture(t, ui.Options{})
	b := newBrowser(t)
	failed := f.failedJob(t)
	b.do(t, "open the recipe list", chromedp.Navigate(f.url("/")), chromedp.WaitVisible(chromedp.CSS(`a.recipe-link`)))
	if text := b.text(t, "table.recipes"); !strings.Contains(text, "support-sync") || !strings.Contains(text, "1 failed") {
		t.Errorf("recipe list: %q", text)
	}
	b.screenshot(t, "recipes")
	b.do(t, "open the recipe", chromedp.Click(chromedp.CSS(`a.recipe-link`)), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	b.screenshot(t, "recipe")
	b.do(t, "open the failed job",
		chromedp.Navigate(f.url("/jobs?status=failed")),
		chromedp.WaitVisible(chromedp.CSS(`a.job-link`)),
		chromedp.Click(chromedp.CSS(`a.job-link`)),
		chromedp.WaitVisible(chromedp.ID(`rerun`)),
	)
	if text := b.text(t, "main"); !strings.Contains(text, "the target refused OPS-2") || !strings.Contains(text, failed.ID) {
		t.Errorf("failed job page: %q", text)
	}
	b.screenshot(t, "failed-job")

	// The re-run waits in its step until released, so the page opens on a
	// job still running and must update itself when it ends.
	gate := make(chan struct{})
	f.held.Store("OPS-2", gate)
	f.broken.Delete("OPS-2")
	b.do(t, "re-run it", chromedp.Click(chromedp.ID(`rerun`)), chromedp.WaitVisible(chromedp.CSS(`#live[data-live]`)))
	if text := b.text(t, "h1"); strings.Contains(text, "succeeded") {
		t.Fatalf("the re-run finished before it was released: %q", text)
	}
	b.screenshot(t, "rerun-running")
	close(gate)
	b.do(t, "see it succeed", chromedp.WaitVisible(chromedp.CSS(`h1 .status-succeeded`)))
	if text := b.text(t, "main"); !strings.Contains(text, "Re-run of") || !strings.Contains(text, failed.ID) {
		t.Errorf("re-run page after success: %q", text)
	}
	b.screenshot(t, "rerun-succeeded")
}

// TestBrowserJiraDataRunsNothing opens every page that shows the hostile
// issue and checks, in the browser, that nothing ran and that the payloads
// are shown as the text they are.
func TestBrowserJiraDataRunsNothing(t *testing.T) {
	f := newFixture(t, ui.Options{})
	b := newBrowser(t)
	jobs := f.waitJobs(t, recipe.JobQuery{Text: "OPS-3"}, 1, func(recipe.Job) bool { return true })
	for _, path := range []string{"/", "/jobs", "/jobs?q=script", "/recipes/support-sync", "/jobs/" + jobs[0].ID} {
		b.do(t, "open "+path, chromedp.Navigate(f.url(path)), chromedp.WaitReady(chromedp.CSS(`main`)))
		ran := get(t, b, "read the flag", chromedp.Evaluate[bool](`!!window.__xss`))
		if ran || b.dialogs.Load() != 0 {
			t.Errorf("%s: a payload ran (window flag %v, %d dialogs)", path, ran, b.dialogs.Load())
		}
		elems := get(t, b, "count elements", chromedp.Evaluate[int](`document.querySelectorAll('main img, main script, main iframe, main [onerror]').length`))
		scripts := get(t, b, "count scripts", chromedp.Evaluate[int](`document.scripts.length`))
		if elems != 0 || scripts != 1 {
			t.Errorf("%s: payloads became elements: %d img/script/iframe/onerror in main, %d scripts in the page", path, elems, scripts)
		}
		text := b.text(t, "main")
		if strings.HasPrefix(path, "/jobs?") || path == "/jobs" {
			if !strings.Contains(text, "OPS-3 "+xssScript) {
				t.Errorf("%s: the summary is not shown as text: %q", path, text)
			}
		}
		if strings.HasPrefix(path, "/jobs/") {
			for _, p := range []string{xssScript, xssImg, xssURL} {
				if !strings.Contains(text, p) {
					t.Errorf("job page: %q is not shown as text", p)
				}
			}
			links := get(t, b, "count javascript links", chromedp.Evaluate[int](`Array.from(document.links).filter(a => a.protocol === 'javascript:').length`))
			if links != 0 {
				t.Errorf("job page has %d javascript: links", links)
			}
			b.screenshot(t, "hostile-job")
		}
	}
}

func TestBrowserKeyboardNavigation(t *testing.T) {
	f := newFixture(t, ui.Options{})
	b := newBrowser(t)
	focused := func() string {
		return get(t, b, "read the focus", chromedp.Evaluate[string](`document.activeElement.getAttribute('href') || document.activeElement.id`))
	}
	b.do(t, "open the job list", chromedp.Navigate(f.url("/jobs")), chromedp.WaitVisible(chromedp.CSS(`a.job-link`)))
	b.do(t, "j", chromedp.KeyEvent("j"))
	first := focused()
	b.do(t, "j again", chromedp.KeyEvent("j"))
	second := focused()
	b.do(t, "k", chromedp.KeyEvent("k"))
	back := focused()
	if !strings.Contains(first, "/jobs/") || !strings.Contains(second, "/jobs/") || first == second || back != first {
		t.Fatalf("j, j, k focused %q, %q, %q", first, second, back)
	}
	b.do(t, "Enter opens the job", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`h1 code`)))
	if loc := get(t, b, "location", chromedp.Location()); !strings.HasSuffix(loc, first) {
		t.Errorf("Enter opened %s, want %s", loc, first)
	}
	b.do(t, "slash focuses the search", chromedp.Navigate(f.url("/jobs")), chromedp.WaitVisible(chromedp.ID(`q`)), chromedp.KeyEvent("/"))
	if got := focused(); got != "q" {
		t.Errorf("/ focused %q, want the search box", got)
	}
	// The protocol's key events deliver the "/" character to the newly
	// focused box, which a real key press does not: clear it.
	get(t, b, "clear the box", chromedp.Evaluate[string](`document.getElementById('q').value = ''`))
	b.do(t, "type and search", chromedp.KeyEvent("printer\r"))
	b.waitLocation(t, "q=printer")
	b.do(t, "wait for the results", chromedp.WaitVisible(chromedp.CSS(`table.jobs`)))
	if text := b.text(t, "table.jobs"); !strings.Contains(text, "Printer on fire") || strings.Contains(text, "OPS-2") {
		t.Errorf("keyboard search found: %q", text)
	}
}

// TestBrowserCrossSiteFormIsRefused has a page of another origin post the
// re-run form to the UI in a browser that is logged in to it; without the
// CSRF token the UI must refuse it.
func TestBrowserCrossSiteFormIsRefused(t *testing.T) {
	f := newFixture(t, ui.Options{})
	b := newBrowser(t)
	failed := f.failedJob(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/jobs/%s/rerun"><input name="x" value="1"></form><script>document.getElementById('f').submit()</script>`, f.srv.URL, failed.ID)
	}))
	defer evil.Close()
	b.do(t, "visit the attacker's page", chromedp.Navigate(evil.URL))
	get(t, b, "wait for the post", chromedp.Poll[bool](`location.href.startsWith(`+strconv.Quote(f.srv.URL)+`) && document.readyState === 'complete'`, chromedp.WithPollingTimeout(20*time.Second)))
	text := get(t, b, "read the answer", chromedp.Evaluate[string](`document.body.innerText`))
	b.screenshot(t, "cross-site-post")
	jobs, err := recipe.CollectJobs(f.store.Jobs(context.Background(), recipe.JobQuery{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 || !strings.Contains(text, "CSRF token") {
		t.Errorf("a cross-site post was not refused: %d jobs stored, page %q", len(jobs), text)
	}
}
