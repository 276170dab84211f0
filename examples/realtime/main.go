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
	ops.Flags        // -once, -rerun-failed, -store, -since, -ui, -metrics
	listen    string // -listen: the webhook handler's address
	publicURL string // -public-url: where Jira posts

	// sim is the simulator the offline scene plays against, when a test
	// passes one.
	sim *demo.Jira
}

func main() {
	var o options
	o.Register(flag.CommandLine, "realtime", ops.FlagHelp{
		Once:  "register no webhook: run the backup poll once, run the jobs, print a summary and exit",
		Keeps: "the webhook registration, the dedup ledger and job records",
		Since: "how far back the first backup poll looks (e.g. 24h); 0 starts from now",
	})
	flag.StringVar(&o.listen, "listen", "", "address the webhook handler listens on (default 127.0.0.1:8088; offline a free port)")
	flag.StringVar(&o.publicURL, "public-url", "", "the address Jira posts to, forwarded to -listen (default http://<listen>)")
	flag.Usage = ops.Usage(flag.CommandLine, "realtime", `Reacts to issues in JIRA_PROJECT (default DEMO) the moment they change,
through a webhook it registers on start and removes on exit. Without
JIRA_URL it runs offline against a built-in Jira simulator. Credentials,
one kind:
`+jiraenv.Help("JIRA_")+`
Registering webhooks needs the Administer Jira global permission (or an
OAuth app's manage:jira-webhook scope). RECIPEKIT_SECRET_KEY (base64 of
32 random bytes: head -c 32 /dev/urandom | base64) seals the webhook
secret the store keeps.
`)
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully, which
	// removes the webhook; a second one kills the program.
	ops.Main("realtime", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// run connects to Jira, builds the recipe, opens the store and runs the
// engine behind the webhook handler. getenv reads the environment
// (os.Getenv; tests pass a map).
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
	siteURL := strings.TrimSpace(getenv("JIRA_URL"))
	project := cmp.Or(strings.ToUpper(strings.TrimSpace(getenv("JIRA_PROJECT"))), "DEMO")
	listen := cmp.Or(o.listen, "127.0.0.1:8088")

	// 1. The connection: the site JIRA_URL names, with the credentials
	// beside it; without JIRA_URL, the offline demo's simulator.
	var creds auth.Strategy
	var offline *demo.Jira // the simulator, when JIRA_URL is not set
	if siteURL == "" {
		sim, stopSim, err := demo.UseJira(o.sim, demo.JiraOptions{})
		if err != nil {
			return err
		}
		defer stopSim()
		offline, siteURL, creds = sim, sim.URL(), sim.Auth()
		listen = cmp.Or(o.listen, "127.0.0.1:0")
	} else if creds, err = jiraenv.Credentials(ctx, getenv, "JIRA_"); err != nil {
		return err
	}
	// The store keeps the registration, the dedup ledger and the job
	// records, and what the connection learnt about the site (Cloud or
	// Data Center), so a restart does not ask again: it is opened before
	// the connection.
	storePath, temporary, err := ops.StorePath(o.Store, getenv, "realtime", offline)
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
		Since:            since,
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
	stopUI, err := ops.UI(o.UI, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
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

	if o.Rerun {
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
		return ops.Play(ctx, eng, progress, demo.RealtimeScene(offline, callback), demo.PlayOptions{Fast: o.Fast, Run: serve})
	}
	if o.Once {
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
// a SQLite file. keys seal the webhook secrets it keeps; without them it
// keeps none.
func openStore(ctx context.Context, path string, keys *seal.Keyring) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		return postgres.Open(ctx, path, postgres.WithSecretKeys(keys))
	}
	return sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
}
