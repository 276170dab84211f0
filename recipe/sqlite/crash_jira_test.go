package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/recipe"
)

// The Jira crash child: the simulator lives in the test process (it
// survives the kills); the child reaches it over HTTP.
const (
	jiraCrashEnv    = "RECIPEKIT_JIRA_CRASH_CHILD_DIR"
	jiraCrashURL    = "RECIPEKIT_JIRA_CRASH_URL"
	jiraCrashEmail  = "RECIPEKIT_JIRA_CRASH_EMAIL"
	jiraCrashToken  = "RECIPEKIT_JIRA_CRASH_TOKEN"
	jiraCrashHub    = "RECIPEKIT_JIRA_CRASH_HUB"
	jiraCrashSince  = "RECIPEKIT_JIRA_CRASH_SINCE"
	jiraCrashIssues = 60
	jiraCrashKills  = 20
)

// jiraCrashRecipe comments on, logs work on, attaches a file to and links
// to the hub every new issue: four writes that are not idempotent by
// nature, each keeping its effect by the step run's key.
func jiraCrashRecipe(jc *jira.Client, since time.Time, hub string) (*recipe.Recipe, error) {
	return recipe.New("jira-crash", jc.NewIssue(jira.PollOptions{Project: "DEMO", Since: since, PollInterval: time.Second}),
		recipe.Concurrency(2),
		recipe.When(`trigger.key != "`+hub+`"`),
		recipe.Do("comment", jc.AddComment(), recipe.Pills{"issueKey": `trigger.key`, "body": `"seen " + trigger.key`}),
		recipe.Do("worklog", jc.AddWorklog(), recipe.Pills{"issueKey": `trigger.key`, "timeSpent": `"5m"`, "comment": `"triage"`}),
		recipe.Do("attach", jc.UploadAttachment(), recipe.Pills{"issueKey": `trigger.key`, "filename": `"triage.txt"`, "content": `"triage notes for " + trigger.key`}),
		recipe.Do("link", jc.LinkIssues(), recipe.Pills{"type": `"Relates"`, "outwardIssue": `trigger.key`, "inwardIssue": `"` + hub + `"`}),
	)
}

func jiraCrashChild(dir string) error {
	ctx := context.Background()
	since, err := time.Parse(time.RFC3339Nano, os.Getenv(jiraCrashSince))
	if err != nil {
		return err
	}
	jc, err := jira.New(jira.Config{URL: os.Getenv(jiraCrashURL),
		Auth: auth.APIToken{Email: os.Getenv(jiraCrashEmail), Token: auth.Secret(os.Getenv(jiraCrashToken))}})
	if err != nil {
		return err
	}
	r, err := jiraCrashRecipe(jc, since, os.Getenv(jiraCrashHub))
	if err != nil {
		return err
	}
	return runCrashChild(ctx, dir, r, func() { fmt.Println("DONE") })
}

// TestCrashSafetyOfJiraWritesUnderSIGKILL kills a process running a recipe
// whose steps add a comment, a worklog, an attachment and a link, 20 times
// at random moments, most right after Jira applied one of its writes and
// before the step's checkpoint (inside the step). After a last run without
// a kill, every issue has each effect exactly once.
func TestCrashSafetyOfJiraWritesUnderSIGKILL(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	since := time.Now().Add(-time.Minute)
	hub, err := sim.CreateIssueAs(people.Bob.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "Triage hub"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	fileIssues := func(n int) {
		for range n {
			is, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: fmt.Sprintf("Crash %d", len(keys))})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, is.Key)
		}
	}
	fileIssues(jiraCrashIssues)
	dir := t.TempDir()
	rng := crashRand(t, 1)
	env := append(os.Environ(), jiraCrashEnv+"="+dir, jiraCrashURL+"="+sim.URL(), jiraCrashEmail+"="+people.Admin.Email,
		jiraCrashToken+"="+people.Admin.APIToken, jiraCrashHub+"="+hub.Key, jiraCrashSince+"="+since.Format(time.RFC3339Nano))
	writes := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == "POST" && r.Status/100 == 2 {
				n++
			}
		}
		return n
	}
	start := func() (*exec.Cmd, *strings.Builder, chan error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, out, done
	}

	kills, inStep := 0, 0
	for kills < jiraCrashKills {
		// Kill right after the target-th write since the start (0: while
		// starting up), or, one time in four, after a random short delay.
		target := writes() + rng.IntN(4)
		delay := time.Duration(rng.IntN(10)) * time.Millisecond
		byDelay := rng.IntN(4) == 0
		cmd, out, done := start()
		deadline := time.Now().Add(60 * time.Second)
		killed := false
		for !killed {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("child failed: %v\n%s", err, out.String())
				}
				if !strings.Contains(out.String(), "DONE") {
					t.Fatalf("the child exited early:\n%s", out.String())
				}
				// On a slow machine the child can outrun the kill points:
				// give it more to do and go on killing.
				fileIssues(jiraCrashIssues / 2)
				killed = true
				kills--
			default:
			}
			switch {
			case byDelay && delay <= 0, !byDelay && writes() >= target:
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
				killed = true
				if !byDelay && target > 0 {
					inStep++
				}
			case time.Now().After(deadline):
				_ = cmd.Process.Kill()
				t.Fatalf("the child made no progress for a minute:\n%s", out.String())
			default:
				time.Sleep(time.Millisecond)
				delay -= time.Millisecond
			}
		}
		kills++
	}

	_, out, done := start()
	if err := <-done; err != nil || !strings.Contains(out.String(), "DONE") {
		t.Fatalf("final run: %v\n%s", err, out.String())
	}

	jc, err := jira.New(jira.Config{URL: sim.URL(), Auth: auth.APIToken{Email: people.Admin.Email, Token: auth.Secret(people.Admin.APIToken)}})
	if err != nil {
		t.Fatal(err)
	}
	repeated, missing := 0, 0
	check := func(key, what string, n int) {
		switch {
		case n == 0:
			missing++
			t.Errorf("%s has no %s", key, what)
		case n > 1:
			repeated += n - 1
			t.Errorf("%s has %d %ss, want 1", key, n, what)
		}
	}
	for _, k := range keys {
		check(k, "comment", len(sim.Comments(k)))
		check(k, "worklog", len(sim.Worklogs(k)))
		check(k, "attachment", len(sim.Attachments(k)))
		is, _, err := jc.Issues.Get(ctx, k, &jira.GetIssueOptions{Fields: []string{"issuelinks"}})
		if err != nil {
			t.Fatal(err)
		}
		links := 0
		for _, l := range is.Fields.IssueLinks {
			if l.Type.Name == "Relates" && (l.InwardIssue != nil && l.InwardIssue.Key == hub.Key || l.OutwardIssue != nil && l.OutwardIssue.Key == hub.Key) {
				links++
			}
		}
		check(k, "link to the hub", links)
	}
	jobs := crashJobs(t, dir, "jira-crash")
	if len(jobs) != len(keys) {
		t.Errorf("%d jobs for %d issues", len(jobs), len(keys))
	}
	t.Logf("%d kills (%d right after a write Jira applied), %d issues x 4 writes: %d repeated effects, %d missing", kills, inStep, len(keys), repeated, missing)
}
