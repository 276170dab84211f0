package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/exampleutil"
	"github.com/recipekit/recipekit/recipe"
)

func main() {
	var escalateTo string
	exampleutil.Program{
		Name:          "permissions",
		NoEngineFlags: true,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&escalateTo, "escalate-to", "OPS", "the project the escalation recipe creates issues in")
		},
		Run: func(ctx context.Context, cfg exampleutil.Config, _ []exampleutil.Env) error {
			return run(ctx, options{Config: cfg, EscalateTo: escalateTo})
		},
	}.Main()
}

type options struct {
	exampleutil.Config
	// EscalateTo is the escalation recipe's target project.
	EscalateTo string
}

// errMissing is returned against a real site when a permission is missing.
type errMissing int

func (e errMissing) Error() string {
	return fmt.Sprintf("%d permissions missing: see above for how to grant them", int(e))
}

func run(ctx context.Context, o options) error {
	out := o.Stdout
	var site *exampleutil.Site
	if o.Env.Offline() {
		s, err := offlineSite(ctx, o.EscalateTo)
		if err != nil {
			return err
		}
		site = s
		defer s.Sim.Close()
		fmt.Fprintln(out, "Offline: the Jira simulator, connected as Bob, an ordinary user with a few permissions only.")
	} else {
		s, err := exampleutil.Connect(ctx, o.Env, exampleutil.SiteOptions{Name: "permissions"})
		if err != nil {
			return err
		}
		site = s
	}
	fmt.Fprintf(out, "Checking what the recipes need, as %s on %s.\n", site.Account, site.Detail)

	needs := &Needs{}
	recipes, err := buildRecipes(site.Client, site.Project, o.EscalateTo, needs)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Recipes: ")
	for i, r := range recipes {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprint(out, r.Name())
	}
	fmt.Fprintln(out)

	places, err := check(ctx, site.Client, needs, o.Env.OAuthClientID != "")
	if err != nil {
		return err
	}
	missing := report(out, places)
	if missing == 0 {
		fmt.Fprintln(out, "\nThe account has every permission the recipes need.")
		return nil
	}
	fmt.Fprintf(out, "\n%d permissions missing. The simplest setup is a dedicated integration user (not a person's\naccount) in a group with the Administer Jira global permission and a role in each project\nthe recipes touch.\n", missing)
	if site.Offline() {
		return nil
	}
	return errMissing(missing)
}

// offlineSite starts the simulator with the demo data, a second project,
// and Bob restricted to a few permissions, and connects as Bob.
func offlineSite(ctx context.Context, escalateTo string) (*exampleutil.Site, error) {
	sim, err := jiratest.Start(jiratest.Options{Mode: jiratest.Cloud})
	if err != nil {
		return nil, fmt.Errorf("starting the Jira simulator: %w", err)
	}
	demo := sim.SeedDemo()
	if escalateTo != "" && escalateTo != "DEMO" && validKey(escalateTo) {
		sim.AddProject(jiratest.Project{Key: escalateTo, Name: "Operations", Lead: demo.Admin.AccountID})
		sim.SetPermission(escalateTo, demo.Bob.AccountID) // nothing, not even Browse Projects
	}
	sim.SetPermission("DEMO", demo.Bob.AccountID, "BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS")
	site, err := exampleutil.SimSite(ctx, sim, demo.Bob, "DEMO", exampleutil.SiteOptions{Name: "permissions"})
	if err != nil {
		sim.Close()
		return nil, err
	}
	site.Demo = demo
	return site, nil
}

func validKey(k string) bool {
	if len(k) < 2 || len(k) > 10 || k[0] < 'A' || k[0] > 'Z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// buildRecipes builds the program's recipes and records what each needs
// in n. They are the recipes of the other examples: acknowledge new issues,
// escalate labelled issues to another project, and react to changes in
// real time through a webhook.
func buildRecipes(jc *jira.Client, project, escalateTo string, n *Needs) ([]*recipe.Recipe, error) {
	ack, err := recipe.New("acknowledge", jc.NewIssue(jira.PollOptions{Project: project}),
		recipe.Do("comment", jc.AddComment(), recipe.Pills{
			"issueKey": `trigger.key`,
			"body":     `"Thanks! " + trigger.key + " \"" + trigger.fields.summary + "\" is queued for triage."`,
		}),
		recipe.If(`trigger.fields.priority?.name == "Highest"`,
			recipe.Do("label", jc.UpdateIssue(), recipe.Pills{"issueKey": `trigger.key`, "addLabels": `["urgent"]`}),
			recipe.Do("start", jc.TransitionIssue(), recipe.Pills{"issueKey": `trigger.key`, "to": `"In Progress"`}),
		),
	)
	if err != nil {
		return nil, err
	}

	esc, err := recipe.New("escalate", jc.NewOrUpdatedIssue(jira.PollOptions{Project: project}),
		recipe.When(`"escalate" in trigger.issue.fields.labels && !("escalated" in trigger.issue.fields.labels)`),
		recipe.Do("copy", jc.CreateIssue(), recipe.Pills{
			"project":        `"` + escalateTo + `"`,
			"issueType":      `"Task"`,
			"summary":        `trigger.issue.fields.summary`,
			"description":    `"Escalated from " + trigger.issue.key`,
			"idempotencyKey": `"escalate:" + trigger.issue.id`,
		}),
		recipe.Do("attach", jc.UploadAttachment(), recipe.Pills{
			"issueKey": `copy.key`, "filename": `"origin.txt"`, "content": `trigger.issue.key`,
		}),
		recipe.Do("link", jc.LinkIssues(), recipe.Pills{
			"type": `"Relates"`, "outwardIssue": `copy.key`, "inwardIssue": `trigger.issue.key`,
		}),
		recipe.Do("mark", jc.UpdateIssue(), recipe.Pills{
			"issueKey": `trigger.issue.key`, "addLabels": `["escalated"]`,
		}),
	)
	if err != nil {
		return nil, err
	}

	rt, err := recipe.New("realtime", jc.IssueWebhook(jira.WebhookOptions{PollOptions: jira.PollOptions{Project: project}}),
		recipe.When(`trigger.created`),
		recipe.Do("comment", jc.AddComment(), recipe.Pills{
			"issueKey": `trigger.issue.key`, "body": `"Seen in real time."`,
		}),
	)
	if err != nil {
		return nil, err
	}

	// The escalation's copy, its attachment and its link are in the target
	// project; everything else works in the watched one.
	inTarget := map[string]string{"copy": escalateTo, "attach": escalateTo, "link": escalateTo}
	for _, x := range []struct {
		r         *recipe.Recipe
		elsewhere map[string]string
	}{{ack, nil}, {esc, inTarget}, {rt, nil}} {
		if err := n.Recipe(x.r, project, x.elsewhere); err != nil {
			return nil, err
		}
	}
	return []*recipe.Recipe{ack, esc, rt}, nil
}
