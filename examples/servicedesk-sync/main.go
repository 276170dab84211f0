package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
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
	poll      time.Duration // -poll: how often to ask Jira for changes

	// sim is the simulator the offline scene plays in, when a test passes
	// one.
	sim *demo.Jira
}

func main() {
	var o options
	o.Register(flag.CommandLine, "servicedesk-sync", ops.FlagHelp{
		Keeps: "cursors, the dedup ledger and job records",
		Since: "on the first run, also pick up changes made this long before it (e.g. 24h); 0 starts from now",
	})
	flag.DurationVar(&o.poll, "poll", 0, "how often to ask Jira for requests, comments and status changes (default 30s; offline 1s)")
	flag.Usage = ops.Usage(flag.CommandLine, "servicedesk-sync", `Keeps a Jira Service Management desk and an engineering project in step:
a new "Bug report" request becomes an engineering issue in JIRA_PROJECT
(default ENG) linked both ways, engineering comments starting with #public
reach the customer, and resolving the issue resolves the request.
Without JIRA_URL it runs offline against a built-in Jira simulator.

SERVICE_DESK_ID           the desk's id (required with JIRA_URL)
SERVICE_DESK_REQUEST_TYPE the request type to escalate (default "Bug report")
SERVICE_DESK_RESOLVE      the request transition that resolves it (default "Done")

Jira: JIRA_URL and one kind of credentials:
`+jiraenv.Help("JIRA_")+"\n")
	flag.Parse()

	// The first Ctrl-C (or SIGTERM) stops the engine gracefully; a second
	// one kills the program.
	ops.Main("servicedesk-sync", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// run connects to Jira, finds the desk's request type, builds the
// recipes, opens the store and runs the engine. getenv reads the
// environment (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, stdout io.Writer) error {
	since, err := o.FirstRun()
	if err != nil {
		return err
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	siteURL := env("JIRA_URL")
	project := cmp.Or(strings.ToUpper(env("JIRA_PROJECT")), "ENG")
	deskID := env("SERVICE_DESK_ID")
	typeName := cmp.Or(env("SERVICE_DESK_REQUEST_TYPE"), "Bug report")
	resolve := cmp.Or(env("SERVICE_DESK_RESOLVE"), "Done")
	poll := cmp.Or(o.poll, 30*time.Second)
	stopMetrics, err := ops.Metrics(o.Metrics, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()

	// 1. The connection: one site holds the desk and the engineering
	// project; without JIRA_URL, the offline demo's simulator, with a desk.
	var creds auth.Strategy
	var offline *demo.Jira // the simulator, when JIRA_URL is not set
	switch {
	case siteURL == "":
		sim, stopSim, err := demo.UseJira(o.sim, demo.JiraOptions{Project: project, ProjectName: "Engineering"})
		if err != nil {
			return err
		}
		defer stopSim()
		desk, err := seedDesk(sim)
		if err != nil {
			return err
		}
		offline, siteURL, creds, deskID = sim, sim.URL(), sim.Auth(), desk.ID
		poll = cmp.Or(o.poll, time.Second)
	case deskID == "":
		return errors.New("set SERVICE_DESK_ID to the service desk's id (the number in its portal URL, /servicedesk/customer/portal/<id>), or unset JIRA_URL to run offline")
	default:
		if creds, err = jiraenv.Credentials(ctx, getenv, "JIRA_"); err != nil {
			return err
		}
	}
	// The store keeps the job records and the dedup ledger, and what the
	// connection learnt about the site (Cloud or Data Center), so a restart
	// does not ask again: it is opened before the connection.
	storePath, _, err := ops.StorePath(o.Store, getenv, "servicedesk-sync", offline)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, storePath)
	if err != nil {
		return ops.OpenError(storePath, err)
	}
	defer store.Close()
	infoCache, _ := store.(jira.InfoCache)

	jc, err := jira.New(jira.Config{Name: "servicedesk-sync", URL: siteURL, Auth: creds, InfoCache: infoCache})
	if err != nil {
		return fmt.Errorf("JIRA_URL: %w", err)
	}
	who, err := jc.Test(ctx) // a wrong URL or credential fails here, saying what to fix
	if err != nil {
		return err
	}
	bugType, err := requestTypeID(ctx, jc, deskID, typeName)
	if err != nil {
		return err
	}

	// 2. The recipes.
	s := deskSync{
		jira: jc, project: project, deskID: deskID, bugType: bugType, resolve: resolve,
		browse: strings.TrimRight(siteURL, "/") + "/browse/",
		poll:   jira.PollOptions{Since: since, PollInterval: poll},
	}
	var recipes []*recipe.Recipe
	for _, build := range []func() (*recipe.Recipe, error){s.escalate, s.publicComments, s.resolutions} {
		r, err := build()
		if err != nil {
			return err
		}
		recipes = append(recipes, r)
	}

	// 3. The engine.
	progress := demo.NewReporter(stdout, store) // prints each job; optional
	eng := recipe.NewEngine(store, recipe.WithHooks(progress))
	for _, r := range recipes {
		if err := eng.Add(r); err != nil {
			return err
		}
	}
	stopUI, err := ops.UI(o.UI, store, eng, getenv("RECIPEKIT_UI_TOKEN"), stdout)
	if err != nil {
		return err
	}
	defer stopUI()
	fmt.Fprintf(stdout, "servicedesk-sync: %q requests of service desk %s <-> project %s\n  connected as %s: %s\n  state kept in %s\n",
		typeName, deskID, project, who.Account, who.Detail, ops.RedactURL(storePath))
	if o.Rerun {
		if err := ops.RerunFailed(ctx, eng, stdout); err != nil {
			return err
		}
	}

	// 4. Run.
	if offline != nil {
		return ops.Play(ctx, eng, progress, scene(offline, jc, deskID, bugType), demo.PlayOptions{Once: o.Once, Fast: o.Fast})
	}
	if o.Once {
		return ops.RunOnce(ctx, eng, progress, stdout)
	}
	fmt.Fprintf(stdout, "Polling Jira every %s; Ctrl-C stops.\n", poll)
	if err := eng.Run(ctx); err != nil { // until Ctrl-C
		return err
	}
	progress.PrintSummary()
	return nil
}

// requestTypeID finds the id of the desk's request type with this name.
func requestTypeID(ctx context.Context, jc *jira.Client, deskID, name string) (string, error) {
	var names []string
	for t, err := range jc.ServiceDesk.AllRequestTypes(ctx, deskID) {
		if err != nil {
			return "", fmt.Errorf("reading the request types of service desk %s: %w (check SERVICE_DESK_ID)", deskID, err)
		}
		if strings.EqualFold(t.Name, name) {
			return t.ID, nil
		}
		names = append(names, strconv.Quote(t.Name))
	}
	return "", fmt.Errorf("service desk %s has no request type %q (it has %s); set SERVICE_DESK_REQUEST_TYPE to one of them", deskID, name, strings.Join(names, ", "))
}

// Names the recipes use.
const (
	// labelEscalated marks every engineering issue escalated from the desk.
	labelEscalated = "servicedesk"
	// requestLabelPrefix + the request's key is the issue's link back to
	// its request, as a label: JQL can search it and pills read it.
	requestLabelPrefix = "request-"
	// publicFlag starts an engineering comment meant for the customer.
	publicFlag = "#public"
)

// deskSync is what the recipes connect: the desk and the engineering
// project on one site.
type deskSync struct {
	jira    *jira.Client
	project string // the engineering project
	deskID  string
	bugType string // the id of the request type escalated
	resolve string // the request transition that resolves it
	browse  string // ".../browse/", for links to issues
	poll    jira.PollOptions
}

// q quotes s as an expr string literal.
func q(s string) string { return strconv.Quote(s) }

// escalate turns each new bug report into an engineering issue, links the
// two both ways and notes the issue on the request for the agents. Every
// step is safe to repeat: the issue is created under an idempotency key
// (the request's key), remote links are keyed by their global id, and the
// note carries the step's effect key.
func (s deskSync) escalate() (*recipe.Recipe, error) {
	opts := jira.NewRequestOptions{PollOptions: s.poll, ServiceDeskID: s.deskID, RequestTypeID: s.bugType}
	return recipe.New("escalate-bug-reports", s.jira.NewCustomerRequest(opts),
		recipe.InOrder(),
		recipe.Do("issue", s.jira.CreateIssue(), recipe.Pills{
			"project":        q(s.project),
			"issueType":      `"Bug"`,
			"summary":        `"[" + trigger.request.issueKey + "] " + trigger.issue.fields.summary`,
			"description":    `(trigger.issue.fields.description ?? "") + "\n\nReported by " + trigger.request.reporter.displayName + " in customer request " + trigger.request.issueKey + "."`,
			"labels":         `[` + q(labelEscalated) + `, ` + q(requestLabelPrefix) + ` + trigger.request.issueKey]`,
			"idempotencyKey": `"servicedesk-request:" + trigger.request.issueId`,
		}),
		recipe.Do("linkRequest", s.jira.AddRemoteLink(), recipe.Pills{
			"issueKey":     `issue.key`,
			"url":          q(s.browse) + ` + trigger.request.issueKey`,
			"globalId":     `"servicedesk-request:" + trigger.request.issueId`,
			"title":        `"Customer request " + trigger.request.issueKey`,
			"relationship": `"escalated from"`,
		}),
		recipe.Do("linkIssue", s.jira.AddRemoteLink(), recipe.Pills{
			"issueKey":     `trigger.request.issueKey`,
			"url":          q(s.browse) + ` + issue.key`,
			"globalId":     `"engineering-issue:" + issue.id`,
			"title":        `"Engineering issue " + issue.key`,
			"relationship": `"escalated to"`,
		}),
		recipe.Do("note", s.jira.AddRequestComment(), recipe.Pills{
			"issueKey": `trigger.request.issueKey`,
			"body":     `"Escalated to engineering as " + issue.key + "."`,
			"internal": `true`,
		}),
	)
}

// requestOf is a pill reading the request's key from an engineering
// issue's labels, in the step named by issue.
func requestOf(issue string) string {
	return `replace(filter(` + issue + `.fields.labels, # startsWith ` + q(requestLabelPrefix) + `)[0], ` + q(requestLabelPrefix) + `, "")`
}

// publicComments sends an engineering comment starting with #public to
// the request as a public comment, without the flag.
func (s deskSync) publicComments() (*recipe.Recipe, error) {
	return recipe.New("public-comments", s.jira.NewComment(s.engineering()),
		recipe.When(`trigger.comment.body startsWith `+q(publicFlag)),
		recipe.Do("reply", s.jira.AddRequestComment(), recipe.Pills{
			"issueKey": requestOf("trigger.issue"),
			"body":     `trim(trigger.comment.body[` + strconv.Itoa(len(publicFlag)) + `:])`,
		}),
	)
}

// resolutions tells the customer when engineering is done and resolves
// the request, unless someone resolved it already.
func (s deskSync) resolutions() (*recipe.Recipe, error) {
	opts := jira.StatusChangedOptions{PollOptions: s.engineering(), To: []string{"Done"}}
	return recipe.New("resolution-resolves-request", s.jira.IssueStatusChanged(opts),
		recipe.InOrder(),
		recipe.Do("eng", s.jira.GetIssue(), recipe.Pills{
			"issueKey": `trigger.issue.key`, "fields": `["labels"]`,
		}),
		recipe.Do("request", s.jira.GetRequestStatus(), recipe.Pills{
			"issueKey": requestOf("eng"),
		}),
		recipe.If(`request.current.statusCategory != "DONE"`,
			recipe.Do("tell", s.jira.AddRequestComment(), recipe.Pills{
				"issueKey": requestOf("eng"),
				"body":     `"Engineering has fixed this (" + trigger.issue.key + "). Reply here if the problem comes back."`,
			}),
			recipe.Do("resolve", s.jira.TransitionRequest(), recipe.Pills{
				"issueKey":   requestOf("eng"),
				"transition": q(s.resolve),
			}),
		),
	)
}

// engineering are the options of the triggers on the engineering
// project: the escalated issues, and none of the connection's own
// changes.
func (s deskSync) engineering() jira.PollOptions {
	o := s.poll
	o.Project = s.project
	o.JQL = "labels = " + labelEscalated
	o.IgnoreOwnChanges = true
	return o
}

// openStore opens the store: PostgreSQL for a postgres:// URL, else a
// SQLite file.
func openStore(ctx context.Context, path string) (recipe.Store, error) {
	if ops.IsPostgresURL(path) {
		return postgres.Open(ctx, path)
	}
	return sqlite.Open(ctx, path)
}
