package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

const recipeName = "realtime-triage"

// options are the command-line flags.
type options struct {
	ui        string        // -ui: address of the web UI
	metrics   string        // -metrics: address of the Prometheus /metrics endpoint
	once      bool          // -once: register nothing, run the backup poll once, exit
	rerun     bool          // -rerun-failed: run the failed jobs again first
	store     string        // -store: the SQLite file or a postgres:// URL
	since     time.Duration // -since: how far back the first backup poll looks
	listen    string        // -listen: the webhook handler's address
	publicURL string        // -public-url: where Jira posts

	// Tests set these: the offline scene plays without pauses, against
	// this simulator when set.
	fast bool
	sim  *demo.Jira
}

func main() {
	var o options
	flag.BoolVar(&o.once, "once", false, "register no webhook: run the backup poll once, run the jobs, print a summary and exit")
	flag.BoolVar(&o.rerun, "rerun-failed", false, "run the store's failed jobs again first, each from the step that failed (steps done before are not repeated)")
	flag.StringVar(&o.store, "store", "", "SQLite file for the webhook registration, the dedup ledger and job records, or a postgres:// URL that several processes share (default $RECIPEKIT_STORE, else "+ops.DefaultStorePath("realtime")+"; offline a temporary file)")
	flag.StringVar(&o.ui, "ui", "", "serve the web UI at this address, such as 127.0.0.1:8080 (set RECIPEKIT_UI_TOKEN to serve other machines)")
	flag.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics, such as 127.0.0.1:9090")
	flag.DurationVar(&o.since, "since", time.Hour, "how far back the first backup poll looks (e.g. 24h); 0 starts from now")
	flag.StringVar(&o.listen, "listen", "", "address the webhook handler listens on (default 127.0.0.1:8088; offline a free port)")
	flag.StringVar(&o.publicURL, "public-url", "", "the address Jira posts to, forwarded to -listen (default http://<listen>)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `usage: go run ./examples/realtime [flags]

Reacts to issues in JIRA_PROJECT (default DEMO) the moment they change,
through a webhook it registers on start and removes on exit. Without
JIRA_URL it runs offline against a built-in Jira simulator. Credentials,
one kind:
%s
Registering webhooks needs the Administer Jira global permission (or an
OAuth app's manage:jira-webhook scope). RECIPEKIT_SECRET_KEY (base64 of
32 random bytes: head -c 32 /dev/urandom | base64) seals the webhook
secret the store keeps.

flags:
`, jiraenv.Help("JIRA_"))
		flag.PrintDefaults()
	}
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully, which
	// removes the webhook; a second one kills the program.
	ops.Main("realtime", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// errJobsFailed ends a run in which a job failed.
var errJobsFailed = ops.ErrJobsFailed

// run connects to Jira, builds the recipe, opens the store and runs the
// engine behind the webhook handler. getenv reads the environment
// (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	stopMetrics, err := ops.Metrics(o.metrics, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if o.since < 0 {
		return fmt.Errorf("-since %s is negative: give how far back to start, such as -since 24h", o.since)
	}
	siteURL := strings.TrimSpace(getenv("JIRA_URL"))
	project := cmp.Or(strings.ToUpper(strings.TrimSpace(getenv("JIRA_PROJECT"))), "DEMO")
	listen := cmp.Or(o.listen, "127.0.0.1:8088")

	// 1. The connection: the site JIRA_URL names, with the credentials
	// beside it.
	var creds auth.Strategy
	var offline *demo.Jira // the simulator, when JIRA_URL is not set
	if siteURL == "" {
		offline = o.sim
		if offline == nil {
			sim, err := demo.StartJira(demo.JiraOptions{})
			if err != nil {
				return err
			}
			defer sim.Close()
			offline = sim
		}
		siteURL, creds = offline.URL(), offline.Auth()
		listen = cmp.Or(o.listen, "127.0.0.1:0")
	} else {
		c, err := jiraenv.Credentials(ctx, getenv, "JIRA_")
		if err != nil {
			return err
		}
		creds = c
	}
	// The store keeps the registration, the dedup ledger and the job
	// records, and what the connection learnt about the site (Cloud or Data Center), so a restart
	// does not ask again: it is opened before the connection.
	storePath, temporary, err := ops.StorePath(o.store, getenv, "realtime", offline)
	if err != nil {
		return err
	}
	// Webhook secrets are kept sealed with RECIPEKIT_SECRET_KEY; a
	// temporary offline store gets a key of its own.
	keys, err := jiraenv.StoreKeys(getenv, temporary, !o.once)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath, keys)
	if err != nil {
		return err
	}
	defer store.Close()
	infoCache, _ := store.(jira.InfoCache)

	jc, err := jira.New(jira.Config{Name: "realtime", URL: siteURL, Auth: creds, InfoCache: infoCache})
	if err != nil {
		return fmt.Errorf("JIRA_URL: %w", err)
	}
	who, err := jc.Test(ctx)
	if err != nil {
		return err
	}

	// 2. The recipe, on a webhook trigger: registered with Jira when the
	// engine starts, with a backup poll that catches what a lost delivery
	// missed.
	issueEvents := jc.IssueWebhook(jira.WebhookOptions{PollOptions: jira.PollOptions{
		Project:          project,
		Since:            time.Now().Add(-o.since),
		IgnoreOwnChanges: true,
	}})
	r, err := triage(jc, issueEvents)
	if err != nil {
		return err
	}

	// 3. The engine, told the public address of its webhook handler.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen for webhooks on %s: %w (choose another -listen address)", listen, err)
	}
	defer ln.Close()
	public := strings.TrimRight(cmp.Or(o.publicURL, "http://"+ln.Addr().String()), "/")
	progress := demo.NewReporter(stdout, store) // prints each job; optional
	eng := recipe.NewEngine(store, recipe.WithHooks(progress), recipe.WithWebhookBaseURL(public+"/hooks"))
	stopUI, err := ops.UI(o.ui, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	if err := eng.Add(r); err != nil {
		return err
	}
	callback := public + "/hooks/" + recipeName
	fmt.Fprintf(stdout, "realtime: reacting to issues in project %s as they change; %s, as %s\n  webhook handler on http://%s/hooks/, registered with Jira as %s\n  state kept in %s\n",
		project, who.Detail, who.Account, ln.Addr(), callback, ops.RedactURL(storePath))
	if offline == nil && o.publicURL == "" {
		fmt.Fprintf(stdout, "  note: Jira must reach %s; Jira Cloud cannot reach this machine's loopback address: pass -public-url\n", public)
	}

	if o.rerun {
		if err := ops.RerunFailed(ctx, eng, stdout); err != nil {
			return err
		}
	}

	// 5. Run: recipe.Serve serves the webhooks and runs the engine until
	// ctx ends, then removes the webhook.
	serve := func(ctx context.Context) error { return recipe.Serve(ctx, ln, eng) }
	if offline != nil {
		// The offline demo: simulated people change issues while the
		// engine runs; the forged delivery at the end is refused.
		return ops.Play(ctx, eng, progress, demo.RealtimeScene(offline, callback), demo.PlayOptions{Fast: o.fast, Run: serve})
	}
	if o.once {
		fmt.Fprintln(stdout, "-once: no webhook is registered; running the backup poll once.")
		return ops.RunOnce(ctx, eng, progress, stdout)
	}
	fmt.Fprintln(stdout, "Waiting for Jira's deliveries; Ctrl-C stops and removes the webhook.")
	if err := serve(ctx); err != nil {
		return err
	}
	progress.PrintSummary()
	return nil
}

// triage is the recipe: a thank-you on each new issue, the label urgent
// when an issue is raised to Highest.
func triage(jc *jira.Client, trig trigger.Webhook[jira.IssueChange]) (*recipe.Recipe, error) {
	return recipe.New(recipeName, trig,
		recipe.If(`trigger.created`,
			recipe.Do("thanks", jc.AddComment(), recipe.Pills{
				"issueKey": `trigger.issue.key`,
				"body":     `"Thanks, " + (trigger.issue.fields.reporter?.displayName ?? "there") + "! We saw " + trigger.issue.key + " the moment you filed it."`,
			}),
		).ElseIf(`any(trigger.items, .field == "priority" && .toString == "Highest")`,
			recipe.Do("urgent", jc.UpdateIssue(), recipe.Pills{
				"issueKey": `trigger.issue.key`, "addLabels": `["urgent"]`,
			}),
		),
	)
}

// openStore opens the store at path: a PostgreSQL database for a
// postgres:// URL (several processes running the recipes share it), else
// a SQLite file, creating its directory. keys seal the webhook secrets it
// keeps; without them it keeps none.
func openStore(ctx context.Context, path string, keys *seal.Keyring) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		store, err := postgres.Open(ctx, path, postgres.WithSecretKeys(keys))
		if err != nil {
			return nil, ops.OpenError(path, err)
		}
		return store, nil
	}
	if err := ops.StoreDir(path); err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
	if err != nil {
		return nil, ops.OpenError(path, err)
	}
	return store, nil
}
