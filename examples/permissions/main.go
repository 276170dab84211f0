package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/jiraenv"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/recipe"
)

func main() {
	var o options
	flag.StringVar(&o.escalateTo, "escalate-to", "OPS", "the project the escalation recipe creates issues in")
	flag.Usage = ops.Usage(flag.CommandLine, "permissions", `Checks that the account has every permission the recipes need in
JIRA_PROJECT (default DEMO) and the -escalate-to project, and says how an
administrator grants what is missing. Without JIRA_URL it checks an
ordinary user of a built-in Jira simulator. Credentials, one kind:
`+jiraenv.Help("JIRA_")+"\n")
	flag.Parse()

	ops.Main("permissions", func(ctx context.Context) error { return run(ctx, o, os.Getenv, os.Stdout) })
}

// options are the command-line flags.
type options struct {
	// escalateTo is the escalation recipe's target project.
	escalateTo string
}

// errMissing is returned against a real site when a permission is missing.
type errMissing int

func (e errMissing) Error() string {
	return fmt.Sprintf("%d permissions missing: see above for how to grant them", int(e))
}

// run connects to Jira, builds the recipes recording what each needs, and
// checks the account's permissions. getenv reads the environment
// (os.Getenv; tests pass a map).
func run(ctx context.Context, o options, getenv func(string) string, out io.Writer) error {
	siteURL := strings.TrimSpace(getenv("JIRA_URL"))
	project := cmp.Or(strings.ToUpper(strings.TrimSpace(getenv("JIRA_PROJECT"))), "DEMO")

	// The connection: the site JIRA_URL names, with the credentials beside
	// it; offline, a simulator where Bob, an ordinary user, has a few
	// permissions only.
	var creds auth.Strategy
	oauth := false
	if siteURL == "" {
		sim, err := offlineSite(o.escalateTo)
		if err != nil {
			return err
		}
		defer sim.Close()
		siteURL, creds = sim.URL(), sim.AuthAs(sim.People.Bob)
		fmt.Fprintln(out, "Offline: the Jira simulator, connected as Bob, an ordinary user with a few permissions only.")
	} else {
		c, err := jiraenv.Credentials(ctx, getenv, "JIRA_")
		if err != nil {
			return err
		}
		_, oauth = c.(*auth.OAuth2)
		creds = c
	}
	jc, err := jira.New(jira.Config{Name: "permissions", URL: siteURL, Auth: creds})
	if err != nil {
		return fmt.Errorf("JIRA_URL: %w", err)
	}
	who, err := jc.Test(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Checking what the recipes need, as %s on %s.\n", who.Account, who.Detail)

	needs := &Needs{}
	recipes, err := buildRecipes(jc, project, o.escalateTo, needs)
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

	places, err := check(ctx, jc, needs, oauth)
	if err != nil {
		return err
	}
	missing := report(out, places)
	if missing == 0 {
		fmt.Fprintln(out, "\nThe account has every permission the recipes need.")
		return nil
	}
	fmt.Fprintf(out, "\n%d permissions missing. The simplest setup is a dedicated integration user (not a person's\naccount) in a group with the Administer Jira global permission and a role in each project\nthe recipes touch.\n", missing)
	if strings.TrimSpace(getenv("JIRA_URL")) == "" {
		return nil // offline, Bob's missing permissions are the demonstration
	}
	return errMissing(missing)
}

// offlineSite starts the simulator with the demo data, a second project,
// and Bob restricted to a few permissions.
func offlineSite(escalateTo string) (*demo.Jira, error) {
	sim, err := demo.StartJira(demo.JiraOptions{Mode: jiratest.Cloud})
	if err != nil {
		return nil, err
	}
	bob := sim.ID(sim.People.Bob)
	if escalateTo != "" && escalateTo != "DEMO" {
		// A key the simulator refuses leaves the project out: the check then
		// finds nothing granted there, as on a site without that project.
		if ops, err := sim.AddProject(jiratest.Project{Key: escalateTo, Name: "Operations", Lead: sim.ID(sim.People.Admin)}); err == nil {
			sim.Sim.SetPermission(ops.Key, bob) // nothing, not even Browse Projects
		}
	}
	sim.Sim.SetPermission("DEMO", bob, "BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS")
	return sim, nil
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
