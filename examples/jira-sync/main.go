package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
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
	poll      time.Duration // -poll: how often to ask each site for changes

	// The simulators the offline scene plays against, when a test passes
	// them.
	supSim, engSim *demo.Jira
}

func main() {
	var o options
	o.Register(flag.CommandLine, "jira-sync", ops.FlagHelp{
		Keeps: "the cursors, the dedup ledger and job records",
		Since: "on the first run, also pick up changes made this long before it (e.g. 24h); 0 starts from now",
	})
	flag.DurationVar(&o.poll, "poll", 0, "how often to ask each site for changes (default 30s; offline 1s)")
	flag.Usage = ops.Usage(flag.CommandLine, "jira-sync", `Keeps a support project (JIRA_PROJECT, default SUP) on the site JIRA_URL
names and an engineering project (ENG_JIRA_PROJECT, default ENG) on the
site ENG_JIRA_URL names in step; without ENG_JIRA_URL both projects are on
the JIRA_URL site. Without JIRA_URL it runs offline against two built-in
Jira simulators. Credentials, one kind per site:
`+jiraenv.Help("JIRA_")+`
and the same names prefixed ENG_ for the engineering site.
`)
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully; a second
	// one kills the program.
	ops.Main("jira-sync", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// run connects to both sites, builds the recipes, opens the store and
// runs the engine. getenv reads the environment (os.Getenv; tests pass a
// map).
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
	supURL, engURL := env("JIRA_URL"), env("ENG_JIRA_URL")
	supProject := cmp.Or(strings.ToUpper(env("JIRA_PROJECT")), "SUP")
	engProject := cmp.Or(strings.ToUpper(env("ENG_JIRA_PROJECT")), "ENG")
	poll := cmp.Or(o.poll, 30*time.Second)

	// 1. The connections: the support site JIRA_URL names and the
	// engineering site ENG_JIRA_URL names (the same site when unset), each
	// with its own credentials.
	var supAuth, engAuth auth.Strategy
	var supSim, engSim *demo.Jira // the simulators, offline
	switch {
	case supURL == "" && engURL != "":
		return errors.New("ENG_JIRA_URL is set but JIRA_URL is not: set JIRA_URL (and its credentials) for the support site too, or unset both to run offline")
	case supURL == "":
		var stop func()
		if supSim, engSim, stop, err = startOffline(o, supProject, engProject); err != nil {
			return err
		}
		defer stop()
		supURL, supAuth, engURL, engAuth = supSim.URL(), supSim.Auth(), engSim.URL(), engSim.Auth()
		poll = cmp.Or(o.poll, time.Second)
	default:
		if supAuth, err = jiraenv.Credentials(ctx, getenv, "JIRA_"); err != nil {
			return fmt.Errorf("support site: %w", err)
		}
		engAuth = supAuth
		if engURL == "" {
			engURL = supURL // both projects on one site
		} else if engAuth, err = jiraenv.Credentials(ctx, getenv, "ENG_JIRA_"); err != nil {
			return fmt.Errorf("engineering site: %w", err)
		}
	}

	// The store: one for all five recipes, which also remembers what each
	// connection learnt about its site, so a restart does not ask again.
	storePath, _, err := ops.StorePath(o.Store, getenv, "jira-sync", supSim)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath)
	if err != nil {
		return ops.OpenError(storePath, err)
	}
	defer store.Close()
	infoCache, _ := store.(jira.InfoCache)

	support, supInfo, err := connect(ctx, "support", supURL, supAuth, infoCache)
	if err != nil {
		return err
	}
	eng, engInfo, err := connect(ctx, "engineering", engURL, engAuth, infoCache)
	if err != nil {
		return err
	}

	// 2. The recipes, with a directory for attachments in transit.
	tmp, err := os.MkdirTemp("", "recipekit-jira-sync-")
	if err != nil {
		return fmt.Errorf("creating a directory for attachments in transit: %w", err)
	}
	defer os.RemoveAll(tmp)
	s := syncSites{
		support: support, eng: eng,
		supProject: supProject, engProject: engProject,
		supBrowse: strings.TrimRight(support.SiteURL(), "/"),
		engBrowse: strings.TrimRight(eng.SiteURL(), "/"),
		tmpDir:    tmp, engIssueType: "Task",
		poll: jira.PollOptions{Since: since, PollInterval: poll},
	}
	recipes, err := s.recipes()
	if err != nil {
		return err
	}

	// 3. The engine.
	progress := demo.NewReporter(stdout, store) // prints each job; optional
	engine := recipe.NewEngine(store, recipe.WithHooks(progress))
	stopUI, err := ops.UI(o.UI, store, engine, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	for _, r := range recipes {
		if err := engine.Add(r); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "jira-sync: support %s on %s  <->  engineering %s on %s\n  recipes: %s; state kept in %s\n",
		supProject, supInfo, engProject, engInfo, strings.Join(engine.Recipes(), ", "), ops.RedactURL(storePath))

	if o.Rerun {
		if err := ops.RerunFailed(ctx, engine, stdout); err != nil {
			return err
		}
	}

	// 4. Run.
	if supSim != nil {
		// The offline demo: Alice and Bob work on an issue in the two
		// simulators, the sync answering each step (with -once, a catch-up
		// after each).
		scene, err := demo.JiraSyncScene(supSim, engSim, demo.JiraSyncMarks{Escalate: labelEscalate, OriginPrefix: originPrefix, Mirror: mirrorMark})
		if err != nil {
			return err
		}
		return ops.Play(ctx, engine, progress, scene, demo.PlayOptions{Once: o.Once, Fast: o.Fast})
	}
	if o.Once {
		return ops.RunOnce(ctx, engine, progress, stdout)
	}
	fmt.Fprintf(stdout, "Syncing every %s; Ctrl-C stops.\n", poll)
	if err := engine.Run(ctx); err != nil {
		return err
	}
	progress.PrintSummary()
	return nil
}

// connect builds a connection to one site, remembering its deployment in
// cache, and tests it; the error says which site and what to fix.
func connect(ctx context.Context, name, siteURL string, creds auth.Strategy, cache jira.InfoCache) (*jira.Client, string, error) {
	jc, err := jira.New(jira.Config{Name: name, URL: siteURL, Auth: creds, InfoCache: cache})
	if err != nil {
		return nil, "", fmt.Errorf("%s site: %w", name, err)
	}
	res, err := jc.Test(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("%s site: %w", name, err)
	}
	return jc, res.Detail, nil
}

// startOffline starts the support site (Jira Cloud) and the engineering
// site (Jira Data Center) simulators, or takes the ones a test passes.
// stop closes what it started.
func startOffline(o options, supProject, engProject string) (sup, eng *demo.Jira, stop func(), err error) {
	sup, stopSup, err := demo.UseJira(o.supSim, demo.JiraOptions{Project: supProject, ProjectName: "Support", Mode: jiratest.Cloud})
	if err != nil {
		return nil, nil, nil, err
	}
	eng, stopEng, err := demo.UseJira(o.engSim, demo.JiraOptions{Project: engProject, ProjectName: "Engineering", Mode: jiratest.DataCenter})
	if err != nil {
		stopSup()
		return nil, nil, nil, err
	}
	return sup, eng, func() { stopEng(); stopSup() }, nil
}

// openStore opens the store at path: a PostgreSQL database for a
// postgres:// URL (several processes running the recipes share it), else
// a SQLite file.
func openStore(ctx context.Context, path string) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		return postgres.Open(ctx, path)
	}
	return sqlite.Open(ctx, path)
}
