package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
)

func main() {
	o := options{Env: jiraenv.LoadEnv(os.Getenv, "JIRA_"), Stdout: os.Stdout}
	flag.StringVar(&o.TokenFile, "token-file", "", "where to save the tokens (default JIRA_OAUTH_TOKEN_FILE, else recipekit/jira-oauth-token.json in your configuration directory; offline a temporary file)")
	flag.DurationVar(&o.Wait, "wait", 5*time.Minute, "how long to wait for the browser to come back")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `usage: go run ./examples/oauth2 [flags]

Logs in to Jira Cloud with an OAuth 2.0 (3LO) app and saves the tokens,
sealed with RECIPEKIT_SECRET_KEY, for the other examples. Set JIRA_URL,
JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET and, when the app's callback
is not %s, JIRA_OAUTH_REDIRECT_URL. Without JIRA_URL it logs in to a
built-in Jira simulator.

flags:
`, jiraenv.DefaultRedirectURL)
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.Env.Offline() {
		o.Browser = followLink // offline, the program plays the browser
	}

	// Ctrl-C (or SIGTERM) ends the wait for the callback.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "oauth2: %v\n", err)
		os.Exit(1)
	}
}

// options is what run needs: the environment, where to print, and the
// flags.
type options struct {
	// Env is the JIRA_* environment: the site, the app and the token file.
	Env jiraenv.Env
	// Stdout receives the program's output.
	Stdout io.Writer
	// TokenFile overrides where the tokens are saved.
	TokenFile string
	// Wait bounds the wait for the callback; 0 means 5 minutes.
	Wait time.Duration
	// Browser opens the authorization URL; nil only prints it.
	Browser func(ctx context.Context, link string) error
	// Sim is the simulator to use offline; nil starts one.
	Sim *jiratest.Server
}

// login is one authorization attempt: the app, where the callback comes
// back, and the site to reach.
type login struct {
	oauth    *auth.OAuth2
	site     string
	redirect *url.URL
	listen   string
	file     string
	cleanup  func()
	offline  string // the next command to suggest, offline
}

func run(ctx context.Context, o options) error {
	out := o.Stdout
	lg, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	defer lg.cleanup()

	ln, err := net.Listen("tcp", lg.listen)
	if err != nil {
		return fmt.Errorf("cannot listen for the OAuth callback on %s: %w (free the port, or register another callback URL and set JIRA_OAUTH_REDIRECT_URL)", lg.listen, err)
	}
	if lg.redirect.Port() == "0" {
		lg.redirect.Host = ln.Addr().String()
		lg.oauth.RedirectURL = lg.redirect.String()
	}
	state, err := auth.NewState()
	if err != nil {
		_ = ln.Close()
		return err
	}
	results := make(chan callbackResult, 1)
	srv := &http.Server{Handler: callbackHandler(lg.redirect.Path, state, results), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // closes ln
	}()

	link := lg.oauth.AuthCodeURL(state)
	fmt.Fprintf(out, "Open this link in a browser and approve access:\n\n  %s\n\n", link)
	fmt.Fprintf(out, "Waiting for the callback on %s ...\n", lg.redirect)
	if o.Browser != nil {
		if lg.offline != "" {
			fmt.Fprintln(out, "(offline: the simulator's consent screen approves at once; following the link as a browser would)")
		}
		go func() {
			if err := o.Browser(ctx, link); err != nil {
				select {
				case results <- callbackResult{err: fmt.Errorf("opening the authorization link: %w", err)}:
				default: // the callback has answered already
				}
			}
		}()
	}

	wait := o.Wait
	if wait <= 0 {
		wait = 5 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var code string
	select {
	case <-wctx.Done():
		return fmt.Errorf("no authorization came back within %s (%v): open the link above, approve, and check that the callback URL registered for the app is %s", wait, context.Cause(wctx), lg.redirect)
	case r := <-results:
		if r.err != nil {
			return r.err
		}
		code = r.code
	}

	tok, err := lg.oauth.Exchange(ctx, code)
	if err != nil {
		return fmt.Errorf("exchanging the authorization code: %w", err)
	}
	fmt.Fprintf(out, "Authorized; tokens saved to %s (readable by you only). Scopes: %s\n", lg.file, tok.Scope)

	cloudID, err := lg.oauth.CloudID(ctx, lg.site)
	if err != nil {
		return err
	}
	base, err := lg.oauth.APIBaseURL(ctx, lg.site)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Site %s has cloud id %s; API calls go to %s\n", lg.site, cloudID, base)

	jc, err := jira.New(jira.Config{Name: "oauth2", URL: lg.site, Auth: lg.oauth})
	if err != nil {
		return err
	}
	res, err := jc.Test(ctx)
	if err != nil {
		return fmt.Errorf("the tokens work but the connection test failed: %w", err)
	}
	fmt.Fprintf(out, "Connected as %s (%s).\n", res.Account, res.Detail)
	if lg.offline != "" {
		fmt.Fprintf(out, "\n%s\n", lg.offline)
		return nil
	}
	fmt.Fprintf(out, "\nThe other examples can now use these tokens, for example:\n\n  JIRA_URL=%s JIRA_OAUTH_CLIENT_ID=%s JIRA_OAUTH_CLIENT_SECRET=... RECIPEKIT_SECRET_KEY=... go run ./examples/quickstart\n", lg.site, lg.oauth.ClientID)
	return nil
}

// prepare builds the OAuth app and the token store, against the simulator
// offline or Atlassian online.
func prepare(ctx context.Context, o options) (*login, error) {
	env := o.Env
	if env.Offline() {
		return prepareOffline(o)
	}
	var missing []string
	if env.OAuthClientID == "" {
		missing = append(missing, env.Prefix+"OAUTH_CLIENT_ID")
	}
	if env.OAuthClientSecret == "" {
		missing = append(missing, env.Prefix+"OAUTH_CLIENT_SECRET")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("set %v: the client id and secret of your OAuth 2.0 (3LO) app, from its Settings page at https://developer.atlassian.com/console/myapps/", missing)
	}
	redirect, err := url.Parse(env.RedirectURL())
	if err != nil || redirect.Scheme != "http" || !isLoopback(redirect.Hostname()) || redirect.Port() == "" {
		return nil, fmt.Errorf("the callback URL %q must be http://localhost:PORT/PATH (or 127.0.0.1) so that this program receives it; register such a URL for the app and set JIRA_OAUTH_REDIRECT_URL", env.RedirectURL())
	}
	file := o.TokenFile
	if file == "" {
		if file, err = env.TokenFile(); err != nil {
			return nil, err
		}
	}
	keys, err := env.Keys()
	if err != nil {
		return nil, err
	}
	store, err := tokenStore(file, keys)
	if err != nil {
		return nil, err
	}
	return &login{
		oauth:    &auth.OAuth2{ClientID: env.OAuthClientID, ClientSecret: env.OAuthClientSecret, RedirectURL: redirect.String(), Store: store},
		site:     env.URL,
		redirect: redirect,
		listen:   redirect.Host,
		file:     store.Path(),
		cleanup:  func() {},
	}, nil
}

func prepareOffline(o options) (*login, error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	sim := o.Sim
	if sim == nil {
		s, err := jiratest.Start(jiratest.Options{Mode: jiratest.Cloud})
		if err != nil {
			return nil, fmt.Errorf("starting the Jira simulator: %w", err)
		}
		sim = s
		cleanups = append(cleanups, s.Close)
	}
	demo := sim.SeedDemo()
	file := o.TokenFile
	if file == "" {
		dir, err := os.MkdirTemp("", "recipekit-oauth2-")
		if err != nil {
			cleanup()
			return nil, err
		}
		cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
		file = filepath.Join(dir, "jira-oauth-token.json")
	}
	keys, err := o.Env.KeysOrThrowaway()
	if err != nil {
		cleanup()
		return nil, err
	}
	store, err := tokenStore(file, keys)
	if err != nil {
		cleanup()
		return nil, err
	}
	redirect := &url.URL{Scheme: "http", Host: "127.0.0.1:0", Path: "/callback"}
	return &login{
		oauth: &auth.OAuth2{
			ClientID: demo.OAuthClient.ID, ClientSecret: auth.Secret(demo.OAuthClient.Secret),
			RedirectURL: redirect.String(), Store: store,
			AuthURL: sim.URL() + "/authorize", TokenURL: sim.URL() + "/oauth/token",
			ResourcesURL: sim.URL() + "/oauth/token/accessible-resources", APIGatewayURL: sim.URL() + "/ex/jira",
		},
		site:     sim.URL(),
		redirect: redirect,
		listen:   redirect.Host,
		file:     store.Path(),
		cleanup:  cleanup,
		offline:  "That was the simulator. Against your site, set JIRA_URL, JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET and RECIPEKIT_SECRET_KEY (the key sealing the token file: head -c 32 /dev/urandom | base64) and run this again.",
	}, nil
}

// tokenStore opens the token file, sealed with keys, creating its
// directory (mode 0700).
func tokenStore(file string, keys *seal.Keyring) (*auth.FileTokenStore, error) {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("creating the token file's directory: %w", err)
	}
	return auth.NewFileTokenStore(file, keys)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type callbackResult struct {
	code string
	err  error
}

// callbackHandler receives Atlassian's redirect. A request with the wrong
// state (a forged or stale link) is refused and the wait goes on; a refusal
// on the consent screen ends it.
func callbackHandler(path, state string, results chan<- callbackResult) http.Handler {
	if path == "" {
		path = "/"
	}
	var done atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("state") != state {
			http.Error(w, "This link does not belong to the login in progress (state mismatch): start again from the link the program printed.", http.StatusBadRequest)
			return
		}
		var res callbackResult
		switch {
		case q.Get("error") != "":
			res.err = fmt.Errorf("the authorization was refused: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			res.err = errors.New("the callback carried no authorization code")
		default:
			res.code = q.Get("code")
		}
		if done.Swap(true) {
			http.Error(w, "This login is already complete.", http.StatusGone)
			return
		}
		select {
		case results <- res:
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<p>%s</p>", html.EscapeString(res.err.Error()))
			return
		}
		fmt.Fprint(w, "<p>recipekit is authorized. You can close this tab and return to the terminal.</p>")
	})
}

// followLink plays the browser: it follows the authorization link and its
// redirect back to the callback.
func followLink(ctx context.Context, link string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the consent screen answered %s: %s", resp.Status, body)
	}
	return nil
}
