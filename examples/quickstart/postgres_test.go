package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/pgtest"
)

// asMainEnv makes the test binary run the program's main instead of the
// tests, so a test can start it as a real process.
const asMainEnv = "RECIPEKIT_QUICKSTART_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestTwoProcessesOnOneDatabaseCommentOnce starts two quickstart processes
// with -once at the same moment, against one Jira and one PostgreSQL
// database: each new issue must get exactly one comment.
func TestTwoProcessesOnOneDatabaseCommentOnce(t *testing.T) {
	db := pgtest.NewDatabase(t)
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	var keys []string
	for i := range 30 {
		is, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "Printer " + string(rune('A'+i%26))})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, is.Key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := make(chan struct{})
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 2)
	errs := make([]error, 2)
	for i := range 2 {
		cmd := exec.CommandContext(ctx, os.Args[0], "-once", "-since", "10m")
		cmd.Env = append(os.Environ(), asMainEnv+"=1", "JIRA_URL="+sim.URL(), "JIRA_EMAIL="+people.Admin.Email,
			"JIRA_API_TOKEN="+people.Admin.APIToken, "JIRA_PROJECT=DEMO", "RECIPEKIT_STORE="+db)
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		wg.Go(func() {
			<-start
			errs[i] = cmd.Run()
		})
	}
	close(start)
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i+1, errs[i], outs[i].String())
		}
		if strings.Contains(outs[i].String(), "password") {
			t.Errorf("process %d printed a password:\n%s", i+1, outs[i].String())
		}
		t.Logf("process %d:\n%s", i+1, outs[i].String())
	}
	for _, k := range keys {
		if n := len(sim.Comments(k)); n != 1 {
			t.Errorf("%s has %d comments, want 1", k, n)
		}
	}
}
