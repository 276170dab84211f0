package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/exampleutil"
	"github.com/recipekit/recipekit/recipe"
)

func main() {
	exampleutil.Program{
		Name: "quickstart",
		Run: func(ctx context.Context, cfg exampleutil.Config, _ []exampleutil.Env) error {
			return run(ctx, cfg, nil)
		},
	}.Main()
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

// run runs the example against site, or when site is nil against the site
// cfg.Env describes (the simulator when JIRA_URL is not set).
func run(ctx context.Context, cfg exampleutil.Config, site *exampleutil.Site) error {
	if site == nil {
		s, err := exampleutil.Connect(ctx, cfg.Env, exampleutil.SiteOptions{Name: "quickstart"})
		if err != nil {
			return err
		}
		defer s.Close()
		site = s
	}
	rn, err := exampleutil.NewRunner(ctx, "quickstart", cfg, site.Offline())
	if err != nil {
		return err
	}
	defer rn.Close()
	r, err := acknowledge(site.Client, jira.PollOptions{
		Project:      site.Project,
		Since:        cfg.SinceTime(time.Now()),
		PollInterval: cfg.Interval(site, time.Second, 30*time.Second),
	})
	if err != nil {
		return err
	}
	if err := rn.Add(r); err != nil {
		return err
	}
	rep := rn.Reporter
	where := "your Jira"
	if site.Offline() {
		where = "the built-in Jira simulator (set JIRA_URL to use your own site)"
	}
	rep.Printf("quickstart: acknowledging new issues in project %s on %s", site.Project, where)
	rep.Printf("  connected as %s: %s", site.Account, site.Detail)
	rep.Printf("  state kept in %s", rn.StorePath)

	switch {
	case site.Offline():
		return offline(ctx, cfg, site, rn)
	case cfg.Once:
		return rn.RunOnce(ctx)
	}
	rep.Printf("Watching for new issues every %s; Ctrl-C stops.", r.Trigger().PollInterval)
	return rn.Watch(ctx)
}

// scene is the offline story: people file issues, one of them Highest.
func scene(site *exampleutil.Site, filed *[]string) []exampleutil.Beat {
	d := site.Demo
	file := func(who jiratest.User, typ, prio, summary string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			is, err := site.Sim.CreateIssueAs(who.ID(site.Sim.Mode()), jiratest.IssueSeed{Project: site.Project, IssueType: typ, Priority: prio, Summary: summary})
			if err != nil {
				return "", err
			}
			*filed = append(*filed, is.Key)
			return fmt.Sprintf("%s files %s %q (%s, %s)", who.DisplayName, is.Key, summary, typ, prio), nil
		}
	}
	return []exampleutil.Beat{
		{After: 500 * time.Millisecond, Do: file(d.Alice, "Bug", "High", "Login fails on Safari")},
		{After: 1200 * time.Millisecond, Do: file(d.Bob, "Bug", "Highest", "Checkout button does nothing")},
		{After: 1200 * time.Millisecond, Do: file(d.Alice, "Story", "Low", "Export invoices as PDF")},
	}
}

// offline plays the scene against the simulator while the engine runs
// (or, with -once, before a single catch-up), then shows what changed.
func offline(ctx context.Context, cfg exampleutil.Config, site *exampleutil.Site, rn *exampleutil.Runner) error {
	ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
	defer cancel()
	rep := rn.Reporter
	var filed []string
	beats := scene(site, &filed)
	if cfg.Once {
		if err := exampleutil.PlayScene(ctx, rep, cfg.Speed, beats); err != nil {
			return err
		}
		err := rn.RunOnce(ctx)
		showIssues(site, rep, filed)
		return err
	}
	rep.Printf("Simulated people will now file a few issues; watch the recipe answer them.")
	stop := rn.Start(ctx)
	err := exampleutil.PlayScene(ctx, rep, cfg.Speed, beats)
	if err == nil {
		err = rep.WaitFinished(ctx, len(beats))
	}
	if rerr := stop(); err == nil {
		err = rerr
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("the offline scene did not finish in time: %w", err)
		}
		return err
	}
	rep.PrintSummary()
	showIssues(site, rep, filed)
	if rep.Counts()[recipe.JobFailed] > 0 {
		return exampleutil.ErrJobsFailed
	}
	return nil
}

// showIssues prints the scene's issues as the simulator now has them.
func showIssues(site *exampleutil.Site, rep *exampleutil.Reporter, keys []string) {
	rep.Printf("\nIn Jira now:")
	for _, k := range keys {
		is, ok := site.Sim.Issue(k)
		if !ok {
			continue
		}
		labels := "none"
		if len(is.Labels) > 0 {
			labels = strings.Join(is.Labels, ", ")
		}
		rep.Printf("  %s %q  priority %s, status %s, labels %s", is.Key, is.Summary, is.Priority, is.Status, labels)
		for _, c := range site.Sim.Comments(k) {
			rep.Printf("      comment: %s", c.Body)
		}
	}
}
