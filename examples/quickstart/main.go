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
	ops.Flags               // -once, -rerun-failed, -store, -since, -ui, -metrics
	poll      time.Duration // -poll: how often to ask Jira for new issues

	// sim is the simulator the offline scene plays against, when a test
	// passes one.
	sim *demo.Jira
}

func main() {
	var o options
	o.Register(flag.CommandLine, "quickstart", ops.FlagHelp{
		Keeps: "the cursor, the dedup ledger and job records",
		Since: "on the first run, also pick up issues filed this long before it (e.g. 24h); 0 starts from now",
	})
	flag.DurationVar(&o.poll, "poll", 0, "how often to ask Jira for new issues (default 30s; offline 1s)")
	flag.Usage = ops.Usage(flag.CommandLine, "quickstart", `Acknowledges every new issue in JIRA_PROJECT (default DEMO) on the site
JIRA_URL names. Without JIRA_URL it runs offline against a built-in Jira
simulator. Credentials, one kind:
`+jiraenv.Help("JIRA_")+"\n")
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully: polling
	// stops and running jobs finish. A second one kills the program.
	ops.Main("quickstart", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// run connects to Jira, builds the recipe, opens the store and runs the
// engine. getenv reads the environment (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	since, err := o.FirstRun()
	if err != nil {
		return err
	}
	siteURL := strings.TrimSpace(getenv("JIRA_URL"))
	project := cmp.Or(strings.ToUpper(strings.TrimSpace(getenv("JIRA_PROJECT"))), "DEMO")
	poll := cmp.Or(o.poll, 30*time.Second)
	stopMetrics, err := ops.Metrics(o.Metrics, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()

	// 1. The connection: the site JIRA_URL names, with the credentials
	// beside it (JIRA_EMAIL and JIRA_API_TOKEN, JIRA_PAT, ...); without
	// JIRA_URL, the offline demo's simulator.
	var creds auth.Strategy
	var offline *demo.Jira // the simulator, when JIRA_URL is not set
	if siteURL == "" {
		sim, stopSim, err := demo.UseJira(o.sim, demo.JiraOptions{Project: project})
		if err != nil {
			return err
		}
		defer stopSim()
		offline, siteURL, creds = sim, sim.URL(), sim.Auth()
		poll = cmp.Or(o.poll, time.Second)
	} else if creds, err = jiraenv.Credentials(ctx, getenv, "JIRA_"); err != nil {
		return err
	}

	// 2. The store keeps the cursor, the dedup ledger and the job records,
	// so a second run never comments twice; and what the connection
	// learnt about the site (Cloud or Data Center), so a second run does
	// not ask again.
	storePath, _, err := ops.StorePath(o.Store, getenv, "quickstart", offline)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath)
	if err != nil {
		return ops.OpenError(storePath, err)
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
		Since:        since, // where a first run starts; later runs go on from the stored cursor
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
	stopUI, err := ops.UI(o.UI, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	fmt.Fprintf(stdout, "quickstart: acknowledging new issues in project %s\n  connected as %s: %s\n  state kept in %s\n", project, who.Account, who.Detail, ops.RedactURL(storePath))
	if o.Rerun {
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
		return ops.Play(ctx, eng, progress, demo.QuickstartScene(offline), demo.PlayOptions{Once: o.Once, Fast: o.Fast})
	}
	if o.Once {
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
// issue is still commented once), else a SQLite file.
func openStore(ctx context.Context, path string) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		return postgres.Open(ctx, path)
	}
	return sqlite.Open(ctx, path)
}
