package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/webhook"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/examples/support-desk/fakedesk"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

// options are the command-line flags.
type options struct {
	ops.Flags               // -once, -rerun-failed, -store, -since, -ui, -metrics
	poll      time.Duration // -poll: how often to ask Jira for changes
	listen    string        // -listen: the address the desk's webhooks arrive on
	publicURL string        // -public-url: where the desk reaches -listen

	// The systems the offline scene plays against, when a test passes
	// them.
	sim  *demo.Jira
	desk *fakedesk.Desk
}

func main() {
	var o options
	o.Register(flag.CommandLine, "support-desk", ops.FlagHelp{
		Once:  "poll Jira until caught up, run the jobs, print a summary and exit (desk webhooks are not received)",
		Keeps: "cursors, the dedup ledger and job records",
		Since: "on the first run, also pick up Jira changes made this long before it; 0 starts from now",
	})
	flag.DurationVar(&o.poll, "poll", 0, "how often to ask Jira for comments and resolutions (default 30s; offline 1s)")
	flag.StringVar(&o.listen, "listen", "", "address the desk's webhooks arrive on (default 127.0.0.1:8089; offline a free port)")
	flag.StringVar(&o.publicURL, "public-url", "", "the URL the desk posts to, forwarded to -listen (default http://<listen>)")
	flag.Usage = ops.Usage(flag.CommandLine, "support-desk", `Keeps a support desk and Jira in step: an escalated desk ticket becomes a
Jira issue in JIRA_PROJECT (default DEMO), Jira comments starting with
#public go back to the ticket, and resolving the issue closes the ticket.
Without JIRA_URL and DESK_URL it runs offline against a Jira simulator and
a small built-in desk.

Jira: JIRA_URL and one kind of credentials:
`+jiraenv.Help("JIRA_")+`
Desk: DESK_URL (its API base, such as https://desk.example.com), DESK_API_KEY
(sent as a bearer token) and DESK_WEBHOOK_SECRET (the secret its webhooks
are signed with; configure the desk to post to <public-url>/hooks/desk-escalation).
RECIPEKIT_SECRET_KEY (base64 of 32 random bytes: head -c 32 /dev/urandom | base64)
seals the webhook secret the store keeps.
`)
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully; a second
	// one kills the program.
	ops.Main("support-desk", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// run connects to Jira and the desk, builds the recipes, opens the store,
// serves the desk's webhooks and runs the engine. getenv reads the
// environment (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	stopMetrics, err := ops.Metrics(o.Metrics, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()
	since, err := o.FirstRun()
	if err != nil {
		return err
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	jiraURL, deskURL := env("JIRA_URL"), strings.TrimRight(env("DESK_URL"), "/")
	project := cmp.Or(strings.ToUpper(env("JIRA_PROJECT")), "DEMO")
	deskKey, hookSecret := auth.Secret(env("DESK_API_KEY")), auth.Secret(env("DESK_WEBHOOK_SECRET"))
	poll := cmp.Or(o.poll, 30*time.Second)
	listen := cmp.Or(o.listen, "127.0.0.1:8089")

	// Offline when neither system is named: a Jira simulator and the
	// built-in desk.
	offline := jiraURL == "" && deskURL == ""
	var sim *demo.Jira
	var desk *fakedesk.Desk
	if offline {
		var stop func()
		if sim, desk, stop, err = startOffline(o); err != nil {
			return err
		}
		defer stop()
		jiraURL, deskURL = sim.URL(), desk.URL()
		deskKey, hookSecret = demoDeskKey, demoHookSecret
		poll, listen = cmp.Or(o.poll, time.Second), cmp.Or(o.listen, "127.0.0.1:0")
	}
	if missing := missingDeskSettings(jiraURL, deskURL, deskKey, hookSecret); missing != "" {
		return errors.New(missing)
	}

	// 1. The connections. Jira: the site JIRA_URL names, with the
	// credentials beside it.
	var creds auth.Strategy
	if sim != nil {
		creds = sim.Auth()
	} else if creds, err = jiraenv.Credentials(ctx, getenv, "JIRA_"); err != nil {
		return err
	}
	// The store keeps the job records and the dedup ledger, and what the
	// connection learnt about the site (Cloud or Data Center), so a restart
	// does not ask again: it is opened before the connection.
	storePath, temporary, err := ops.StorePath(o.Store, getenv, "support-desk", sim)
	if err != nil {
		return err
	}
	// Webhook secrets are kept sealed with RECIPEKIT_SECRET_KEY; a
	// temporary offline store gets a key of its own.
	keys, err := jiraenv.StoreKeys(getenv, temporary, !o.Once)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath, keys)
	if err != nil {
		return ops.OpenError(storePath, err)
	}
	defer store.Close()
	infoCache, _ := store.(jira.InfoCache)

	jc, err := jira.New(jira.Config{Name: "jira", URL: jiraURL, Auth: creds, InfoCache: infoCache})
	if err != nil {
		return fmt.Errorf("JIRA_URL: %w", err)
	}
	who, err := jc.Test(ctx)
	if err != nil {
		return err
	}
	// The desk: its API through the Webhooks connector's HTTP action. The
	// API key only ever goes to the desk's host.
	du, err := url.Parse(deskURL)
	if err != nil || (du.Scheme != "http" && du.Scheme != "https") || du.Host == "" {
		return fmt.Errorf("DESK_URL %q is not an http(s) URL such as https://desk.example.com", deskURL)
	}
	deskClient, err := webhook.NewClient(webhook.ClientOptions{
		Auth:         auth.PAT{Token: deskKey}, // Authorization: Bearer <DESK_API_KEY>
		AllowedHosts: []string{du.Host},
	})
	if err != nil {
		return fmt.Errorf("the desk's API client: %w", err)
	}
	deskEvents, err := deskWebhooks(hookSecret)
	if err != nil {
		return err
	}

	// 2. The recipes.
	s := deskSync{
		jira: jc, project: project, desk: deskClient, deskAPI: deskURL + "/api", browse: strings.TrimRight(jiraURL, "/"),
		poll: jira.PollOptions{Since: since, PollInterval: poll},
	}
	escalation, err := s.escalate(deskEvents)
	if err != nil {
		return err
	}
	comments, err := s.publicComments()
	if err != nil {
		return err
	}
	resolutions, err := s.resolutions()
	if err != nil {
		return err
	}

	// 3. The engine, told the public address of its webhook handler.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen for the desk's webhooks on %s: %w (choose another -listen address)", listen, err)
	}
	defer ln.Close()
	public := strings.TrimRight(cmp.Or(o.publicURL, "http://"+ln.Addr().String()), "/")
	progress := demo.NewReporter(stdout, store) // prints each job; optional
	eng := recipe.NewEngine(store, recipe.WithHooks(progress), recipe.WithWebhookBaseURL(public+"/hooks"))
	stopUI, err := ops.UI(o.UI, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	for _, r := range []*recipe.Recipe{escalation, comments, resolutions} {
		if err := eng.Add(r); err != nil {
			return err
		}
	}
	callback := public + "/hooks/" + escalation.Name()
	fmt.Fprintf(stdout, "support-desk: desk %s <-> Jira project %s (%s, as %s)\n  desk webhooks: %s (X-Desk-Signature HMAC)\n  state kept in %s\n",
		deskURL, project, who.Detail, who.Account, callback, ops.RedactURL(storePath))

	if o.Rerun {
		if err := ops.RerunFailed(ctx, eng, stdout); err != nil {
			return err
		}
	}

	// 5. Run: recipe.Serve serves the desk's webhooks and runs the engine
	// until ctx ends.
	serve := func(ctx context.Context) error { return recipe.Serve(ctx, ln, eng) }
	if offline {
		// The offline demo: the desk is pointed at the callback, as an
		// administrator would in its settings, and simulated people work
		// on a ticket in both systems while the engine runs.
		// Webhooks need the engine running, so -once plays it the same
		// way: the scene ends by itself.
		desk.AddWebhook(callback, []byte(hookSecret.Reveal()))
		return ops.Play(ctx, eng, progress, demo.SupportDeskScene(sim, desk), demo.PlayOptions{Fast: o.Fast, Run: serve})
	}
	if o.Once {
		return ops.RunOnce(ctx, eng, progress, stdout)
	}
	fmt.Fprintf(stdout, "Waiting for desk webhooks and polling Jira every %s; Ctrl-C stops.\n", poll)
	if err := serve(ctx); err != nil {
		return err
	}
	progress.PrintSummary()
	return nil
}

// deskWebhooks is the trigger receiving the desk's webhooks: each
// delivery signed with an HMAC of its body keyed with secret, and
// deduplicated by its delivery id (the same on every retry).
func deskWebhooks(secret auth.Secret) (trigger.Webhook[deskEvent], error) {
	return webhook.NewTrigger(webhook.TriggerOptions[deskEvent]{
		Name:         "desk_ticket_event",
		Title:        "Desk ticket event",
		Verification: webhook.VerifyHMAC("X-Desk-Signature"),
		Secret:       secret,
		IDHeader:     "X-Desk-Delivery",
		TimeField:    "occurred_at",
	})
}

// The offline desk's API key and webhook secret.
const (
	demoDeskKey    auth.Secret = "offline-desk-api-key"
	demoHookSecret auth.Secret = "offline-desk-webhook-secret"
)

// startOffline starts the Jira simulator and the built-in desk, or takes
// the ones a test passes. stop closes what it started.
func startOffline(o options) (sim *demo.Jira, desk *fakedesk.Desk, stop func(), err error) {
	sim, stopSim, err := demo.UseJira(o.sim, demo.JiraOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	if desk = o.desk; desk != nil {
		return sim, desk, stopSim, nil
	}
	if desk, err = fakedesk.Start(demoDeskKey.Reveal()); err != nil {
		stopSim()
		return nil, nil, nil, err
	}
	return sim, desk, func() { desk.Close(); stopSim() }, nil
}

// missingDeskSettings says which variables a run against real systems
// lacks, or "" when none.
func missingDeskSettings(jiraURL, deskURL string, key, secret auth.Secret) string {
	var missing []string
	if jiraURL == "" {
		missing = append(missing, "JIRA_URL (and its credentials)")
	}
	if deskURL == "" {
		missing = append(missing, "DESK_URL")
	}
	if key == "" {
		missing = append(missing, "DESK_API_KEY")
	}
	if secret == "" {
		missing = append(missing, "DESK_WEBHOOK_SECRET")
	}
	if len(missing) == 0 {
		return ""
	}
	return "set " + strings.Join(missing, ", ") + " to sync real systems, or unset JIRA_URL and DESK_URL to run offline"
}

// openStore opens the store at path: a PostgreSQL database for a
// postgres:// URL (several processes running the recipes share it), else
// a SQLite file. keys seal the webhook secrets it keeps; without them it
// keeps none.
func openStore(ctx context.Context, path string, keys *seal.Keyring) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		return postgres.Open(ctx, path, postgres.WithSecretKeys(keys))
	}
	return sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
}
