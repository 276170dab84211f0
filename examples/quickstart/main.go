package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// options are the command-line flags.
type options struct {
	once    bool          // -once: catch up, run the jobs, exit
	rerun   bool          // -rerun-failed: run the failed jobs again first
	store   string        // -store: the SQLite file or a postgres:// URL
	since   time.Duration // -since: how far back the first run looks
	poll    time.Duration // -poll: how often to ask Jira for new issues
	ui      string        // -ui: address of the web UI
	metrics string        // -metrics: address of the Prometheus /metrics endpoint

	// Tests set these: the offline scene plays without pauses, against
	// this simulator when set.
	fast bool
	sim  *demo.Jira
}

func main() {
	var o options
	flag.BoolVar(&o.once, "once", false, "poll until caught up, run the jobs, print a summary and exit (non-zero while a job in the store is failed)")
	flag.BoolVar(&o.rerun, "rerun-failed", false, "run the store's failed jobs again first, each from the step that failed (steps done before are not repeated)")
	flag.StringVar(&o.store, "store", "", "SQLite file for the cursor, the dedup ledger and job records, or a postgres:// URL that several processes share (default $RECIPEKIT_STORE, else "+ops.DefaultStorePath("quickstart")+"; offline a temporary file)")
	flag.DurationVar(&o.since, "since", time.Hour, "on the first run, also pick up issues filed this long before it (e.g. 24h); 0 starts from now")
	flag.DurationVar(&o.poll, "poll", 0, "how often to ask Jira for new issues (default 30s; offline 1s)")
	flag.StringVar(&o.ui, "ui", "", "serve the web UI at this address, such as 127.0.0.1:8080 (set RECIPEKIT_UI_TOKEN to serve other machines)")
	flag.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics, such as 127.0.0.1:9090")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `usage: go run ./examples/quickstart [flags]

Acknowledges every new issue in JIRA_PROJECT (default DEMO) on the site
JIRA_URL names. Without JIRA_URL it runs offline against a built-in Jira
simulator. Credentials, one kind:
%s

flags:
`, jiraenv.Help("JIRA_"))
		flag.PrintDefaults()
	}
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully: polling
	// stops and running jobs finish. A second one kills the program.
	ops.Main("quickstart", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// errJobsFailed ends a run in which a job failed.
var errJobsFailed = ops.ErrJobsFailed

// run connects to Jira, builds the recipe, opens the store and runs the
// engine. getenv reads the environment (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	if o.since < 0 {
		return fmt.Errorf("-since %s is negative: give how far back to start, such as -since 24h", o.since)
	}
	siteURL := strings.TrimSpace(getenv("JIRA_URL"))
	project := cmp.Or(strings.ToUpper(strings.TrimSpace(getenv("JIRA_PROJECT"))), "DEMO")
	poll := cmp.Or(o.poll, 30*time.Second)
	stopMetrics, err := ops.Metrics(o.metrics, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()

	// 1. The connection: the site JIRA_URL names, with the credentials
	// beside it (JIRA_EMAIL and JIRA_API_TOKEN, JIRA_PAT, ...).
	var creds auth.Strategy
	var offline *demo.Jira // the simulator, when JIRA_URL is not set
	if siteURL == "" {
		offline = o.sim
		if offline == nil {
			sim, err := demo.StartJira(demo.JiraOptions{Project: project})
			if err != nil {
				return err
			}
			defer sim.Close()
			offline = sim
		}
		siteURL, creds = offline.URL(), offline.Auth()
		poll = cmp.Or(o.poll, time.Second)
	} else {
		c, err := jiraenv.Credentials(ctx, getenv, "JIRA_")
		if err != nil {
			return err
		}
		creds = c
	}

	// 2. The store keeps the cursor, the dedup ledger and the job records,
	// so a second run never comments twice; and what the connection
	// learnt about the site (Cloud or Data Center), so a second run does
	// not ask again.
	storePath, _, err := ops.StorePath(o.store, getenv, "quickstart", offline)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath)
	if err != nil {
		return err
	}
	defer store.Close()
	infoCache, _ := store.(jira.InfoCache)

	jc, err := jira.New(jira.Config{Name: "quickstart", URL: siteURL, Auth: creds, InfoCache: infoCache})
	if err != nil {
		return fmt.Errorf("JIRA_URL: %w", err)
	}
	who, err := jc.Test(ctx) // a wrong URL or credential fails here, saying what to fix
	if err != nil {
		return err
	}

	// 3. The recipe.
	ack, err := acknowledge(jc, jira.PollOptions{
		Project:      project,
		Since:        time.Now().Add(-o.since), // where a first run starts; later runs go on from the stored cursor
		PollInterval: poll,
	})
	if err != nil {
		return err
	}

	// 4. The engine. The progress hook prints each job as it runs; without
	// it the engine runs silently (or logs through recipe.WithLogger).
	progress := demo.NewReporter(stdout, store)
	eng := recipe.NewEngine(store, recipe.WithHooks(progress))
	if err := eng.Add(ack); err != nil {
		return err
	}
	stopUI, err := ops.UI(o.ui, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	fmt.Fprintf(stdout, "quickstart: acknowledging new issues in project %s\n  connected as %s: %s\n  state kept in %s\n", project, who.Account, who.Detail, ops.RedactURL(storePath))
	if o.rerun {
		// Each failed job resumes where it failed; a job that failed
		// because of a retryable error would also run again on its own
		// schedule (recipe.JobRetry).
		n, err := eng.RerunFailed(ctx, ack.Name())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  running %d failed jobs again\n", n)
	}

	// 5. Run.
	if offline != nil {
		// The offline demo: simulated people file issues while the engine
		// runs (with -once, before it catches up); it ends when they are
		// answered.
		return ops.Play(ctx, eng, progress, demo.QuickstartScene(offline), demo.PlayOptions{Once: o.once, Fast: o.fast})
	}
	if o.once {
		return ops.RunOnce(ctx, eng, progress, stdout)
	}
	fmt.Fprintf(stdout, "Watching for new issues every %s; Ctrl-C stops.\n", poll)
	if err := eng.Run(ctx); err != nil { // until Ctrl-C
		return err
	}
	progress.PrintSummary()
	return nil
}

// acknowledge is the recipe: a comment on every new issue; for a Highest
// one, the label urgent and the move to In Progress when the workflow
// offers it.
func acknowledge(jc *jira.Client, opts jira.PollOptions) (*recipe.Recipe, error) {
	return recipe.New("acknowledge-new-issues", jc.NewIssue(opts),
		recipe.Do("thanks", jc.AddComment(), recipe.Pills{
			"issueKey": `trigger.key`,
			"body":     `"Thanks! " + trigger.key + " \"" + trigger.fields.summary + "\" is queued for triage."`,
		}),
		recipe.If(`trigger.fields.priority?.name == "Highest"`,
			recipe.Do("label", jc.UpdateIssue(), recipe.Pills{
				"issueKey": `trigger.key`, "addLabels": `["urgent"]`,
			}),
			recipe.Do("workflow", jc.GetIssue(), recipe.Pills{
				"issueKey": `trigger.key`, "fields": `["status"]`, "expand": `["transitions"]`,
			}),
			recipe.If(`any(workflow.transitions, .to.name == "In Progress")`,
				recipe.Do("start", jc.TransitionIssue(), recipe.Pills{
					"issueKey": `trigger.key`, "to": `"In Progress"`,
				}),
			),
		),
	)
}

// openStore opens the store at path: a PostgreSQL database for a
// postgres:// URL (several processes running the recipe share it: each
// issue is still commented once), else a SQLite file, creating its
// directory.
func openStore(ctx context.Context, path string) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		store, err := postgres.Open(ctx, path)
		if err != nil {
			return nil, ops.OpenError(path, err)
		}
		return store, nil
	}
	if err := ops.StoreDir(path); err != nil {
		return nil, err
	}
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, ops.OpenError(path, err)
	}
	return store, nil
}
