package recipe_test

import (
	"context"
	"fmt"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/connector/jira/markup"
	"github.com/recipekit/recipekit/internal/jirademo"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// A recipe is a trigger followed by steps whose inputs are pills:
// expressions over the trigger's event and earlier steps' outputs,
// compiled and type-checked once by New. This one thanks the reporter of
// each new issue and labels the urgent ones.
func Example() {
	jc, srv, demo := jirademo.Site()
	defer srv.Close()
	ctx := context.Background()

	ack, err := recipe.New("acknowledge-new-issues", jc.NewIssue(jira.PollOptions{Project: "DEMO"}),
		recipe.When(`trigger.fields.issuetype.name != "Epic"`),
		recipe.Do("ack", jc.AddComment(), recipe.Pills{
			"issueKey": `trigger.key`,
			"body":     `"Thanks! " + trigger.key + " is queued."`,
		}),
		recipe.If(`trigger.fields.priority?.name == "Highest"`,
			recipe.Do("label", jc.UpdateIssue(), recipe.Pills{"issueKey": `trigger.key`, "addLabels": `["urgent"]`}),
		),
		recipe.Concurrency(4),
	)
	if err != nil {
		fmt.Println(err) // unknown fields, type mismatches and syntax errors are found here
		return
	}
	eng := recipe.NewEngine(recipe.NewMemoryStore()) // recipe/sqlite keeps it across restarts
	if err := eng.Add(ack); err != nil {
		fmt.Println(err)
		return
	}

	// Two people file issues.
	_, _ = srv.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Bug", Summary: "Checkout times out", Priority: "Highest"})
	_, _ = srv.CreateIssueAs(demo.Bob.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "Update the FAQ", Priority: "Low"})

	sum, err := eng.RunOnce(ctx) // or eng.Run(ctx) until ctx ends
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum)
	for _, key := range []string{"DEMO-6", "DEMO-7"} {
		is, _ := srv.Issue(key)
		fmt.Printf("%s %q labels %v\n", key, srv.Comments(key)[0].Body, is.Labels)
	}
	// Output:
	// events: 2; jobs: 2 (2 succeeded)
	// DEMO-6 "Thanks! DEMO-6 is queued." labels [urgent]
	// DEMO-7 "Thanks! DEMO-7 is queued." labels []
}

// "Every weekday morning, search and report": a schedule trigger fires at
// 09:00 Paris time, a search finds the open bugs, and a comment lists
// them. The engine runs the schedule by its clock and keeps the last run
// in its store, so a restart neither misses nor repeats a morning.
func Example_everyMorning() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	ctx := context.Background()

	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Println(err)
		return
	}
	mornings, err := trigger.Cron("0 9 * * MON-FRI", paris)
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := recipe.New("morning-bug-report", mornings,
		recipe.Do("bugs", jc.SearchIssues(), recipe.Pills{
			"jql": `"project = DEMO AND issuetype = Bug AND status != Done ORDER BY key"`,
		}),
		recipe.If(`bugs.count > 0`,
			recipe.Do("post", jc.AddComment(), recipe.Pills{
				"issueKey": `"DEMO-1"`,
				"body":     `"Open bugs on " + format_date(trigger.time, "Mon 2 Jan") + ": " + join(map(bugs.issues, .key + " " + .fields.summary), "; ")`,
			}),
		),
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	// A fake clock, so that this example's output does not depend on the
	// day it runs; a program leaves out WithClock.
	clock := recipetest.NewInstantClock(time.Date(2026, 1, 5, 8, 0, 0, 0, paris)) // a Monday
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(clock))
	if err := eng.Add(report); err != nil {
		fmt.Println(err)
		return
	}
	for _, now := range []time.Time{
		time.Date(2026, 1, 5, 8, 0, 0, 0, paris),  // the first run arms the schedule
		time.Date(2026, 1, 5, 9, 1, 0, 0, paris),  // 09:00 has passed: report
		time.Date(2026, 1, 5, 17, 0, 0, 0, paris), // nothing more that day
	} {
		clock.Set(now)
		sum, err := eng.RunOnce(ctx) // as a program started by cron would
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(now.Format("15:04"), sum)
	}

	for _, c := range srv.Comments("DEMO-1") {
		fmt.Println(c.Body)
	}
	// Output:
	// 08:00 events: 0; jobs: 0
	// 09:01 events: 1; jobs: 1 (1 succeeded)
	// 17:00 events: 0; jobs: 0
	// Open bugs on Mon 5 Jan: DEMO-2 Login fails with SSO
}

// sweep is what a label sweep is handed: which issues, and the label.
type sweep struct {
	JQL   string `expr:"jql" json:"jql"`
	Label string `expr:"label" json:"label"`
}

// "Search once, then act on each": a manual trigger takes a query from the
// program (a command, a button), and the recipe labels every issue it
// finds. Engine.Trigger stores the job; RunOnce, or a running engine,
// runs it.
func ExampleEngine_Trigger() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	ctx := context.Background()

	labelAll, err := recipe.New("label-sweep", trigger.Manual[sweep]{},
		recipe.Do("found", jc.SearchIssues(), recipe.Pills{"jql": `trigger.jql`}),
		recipe.ForEach("each", `found.issues`,
			recipe.Do("label", jc.UpdateIssue(), recipe.Pills{"issueKey": `item.key`, "addLabels": `[trigger.label]`}),
		),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := eng.Add(labelAll); err != nil {
		fmt.Println(err)
		return
	}
	// The event ID makes the hand-over safe to retry: a second Trigger with
	// it makes no second job.
	ev := trigger.Event[any]{ID: "sweep-2026-01", Data: sweep{JQL: "project = DEMO AND issuetype = Bug ORDER BY key", Label: "triaged"}}
	id, err := eng.Trigger(ctx, "label-sweep", ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := eng.Trigger(ctx, "label-sweep", ev); err != nil {
		fmt.Println(err)
	}
	sum, err := eng.RunOnce(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum)
	job, _ := eng.Job(ctx, id)
	for _, st := range job.Steps {
		fmt.Println(st.Name, string(st.Input))
	}
	// Output:
	// recipe: trigger "label-sweep": event "sweep-2026-01": recipe: an event with this ID was already accepted
	// events: 0; jobs: 1 (1 succeeded)
	// found {"jql":"project = DEMO AND issuetype = Bug ORDER BY key"}
	// label {"issueKey":"DEMO-2","addLabels":["triaged"]}
	// label {"issueKey":"DEMO-4","addLabels":["triaged"]}
}

// Jobs lists every job that matches, newest first, reading the store a
// page at a time: here the failures of a recipe, with the error of each.
func ExampleEngine_Jobs() {
	ctx := context.Background()
	type number struct {
		N int `expr:"n" json:"n"`
	}
	check := recipetest.NewAction("check", func(_ context.Context, in number) (number, error) {
		if in.N%2 == 1 {
			return number{}, fmt.Errorf("%d is odd", in.N)
		}
		return in, nil
	})
	r, err := recipe.New("numbers", recipetest.Data(1, 2, 3, 4, 5),
		recipe.Do("check", check, recipe.Pills{"n": `trigger`}))
	if err != nil {
		fmt.Println(err)
		return
	}
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := eng.Add(r); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := eng.RunOnce(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for job, err := range eng.Jobs(ctx, recipe.JobQuery{Recipe: "numbers", Status: recipe.JobFailed}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(job.Event.ID, job.Error)
	}
	// Output:
	// 5 step "check": 5 is odd
	// 3 step "check": 3 is odd
	// 1 step "check": 1 is odd
}

// Func lends pills a Go function: here connector/jira/markup's Markdown to
// Jira wiki markup conversion, so a comment written in Markdown reads well
// in Jira.
func ExampleFunc() {
	jc, srv, demo := jirademo.Site()
	defer srv.Close()
	ctx := context.Background()

	escalate, err := recipe.New("escalate", jc.NewIssue(jira.PollOptions{Project: "DEMO", JQL: "priority = Highest"}),
		recipe.Func("md_to_wiki", markup.MarkdownToWiki),
		recipe.Do("comment", jc.AddComment(), recipe.Pills{
			"issueKey": `trigger.key`,
			"body":     `md_to_wiki("**Escalated** by " + (trigger.fields.reporter?.displayName ?? "someone"))`,
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := eng.Add(escalate); err != nil {
		fmt.Println(err)
		return
	}
	_, _ = srv.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Bug", Summary: "Checkout times out", Priority: "Highest"})
	if _, err := eng.RunOnce(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(srv.Comments("DEMO-6")[0].Body)
	// Output: *Escalated* by Alice Archer
}
