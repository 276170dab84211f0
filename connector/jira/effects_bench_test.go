package jira

import (
	"context"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// BenchmarkEffectCheck measures what exactly-once costs each writing
// action, against the simulator: "first" is a step run's first attempt
// with no fault (the happy path: no lookup), "resumed" an attempt marked
// MayExist whose change already exists (the lookup alone), "lost-answer"
// a first attempt whose answer is lost after Jira applied it (write plus
// lookup), and "reset" one whose connection resets before Jira handles it
// (write, lookup, write again). requests/op counts the HTTP requests Jira
// received.
func BenchmarkEffectCheck(b *testing.B) {
	srv := jiratest.New(b, jiratest.Options{Mode: jiratest.Cloud, Seed: 1})
	demo := srv.SeedDemo()
	jc := userClient(b, srv, demo.Admin)
	ctx := context.Background()
	type run func(ctx context.Context, key, other string) error
	actions := []struct {
		name string
		path func(key string) string
		run  run
	}{
		{"add_comment", func(k string) string { return "/rest/api/2/issue/" + k + "/comment" }, func(ctx context.Context, key, _ string) error {
			_, err := jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "once"})
			return err
		}},
		{"add_worklog", func(k string) string { return "/rest/api/2/issue/" + k + "/worklog" }, func(ctx context.Context, key, _ string) error {
			_, err := jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key, TimeSpent: "1h"})
			return err
		}},
		{"transition_issue", func(k string) string { return "/rest/api/2/issue/" + k + "/transitions" }, func(ctx context.Context, key, _ string) error {
			_, err := jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "In Progress"})
			return err
		}},
		{"link_issues", func(string) string { return "/rest/api/2/issueLink" }, func(ctx context.Context, key, other string) error {
			_, err := jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "Blocks", OutwardIssue: key, InwardIssue: other})
			return err
		}},
		{"upload_attachment", func(k string) string { return "/rest/api/2/issue/" + k + "/attachments" }, func(ctx context.Context, key, _ string) error {
			_, err := jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "once.txt", Content: "exactly once"})
			return err
		}},
	}
	scenarios := []struct {
		name     string
		mayExist bool // run once first, then measure a MayExist run
		faults   func(path string) jiratest.Faults
	}{
		{"first", false, nil},
		{"resumed", true, nil},
		{"lost-answer", false, func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, LoseResponse: jiratest.FaultRate{Next: 1}}
		}},
		{"reset", false, func(p string) jiratest.Faults {
			return jiratest.Faults{Methods: []string{"POST"}, PathPrefix: p, DropConnection: jiratest.FaultRate{Next: 1}}
		}},
	}
	for _, a := range actions {
		for _, sc := range scenarios {
			b.Run(a.name+"/"+sc.name, func(b *testing.B) {
				b.ReportAllocs()
				requests := 0
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					key := srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "bench"}).Key
					other := srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "bench other"}).Key
					e := action.Effect{Key: "rk1-bench-" + key, Attempt: 1, Since: time.Now()}
					if sc.mayExist {
						if err := a.run(action.WithEffect(ctx, e), key, other); err != nil {
							b.Fatal(err)
						}
						e.Attempt, e.MayExist = 2, true
					}
					if sc.faults != nil {
						srv.SetFaults(sc.faults(a.path(key)))
					}
					srv.ResetRequests()
					b.StartTimer()
					if err := a.run(action.WithEffect(ctx, e), key, other); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					requests += len(srv.Requests())
					srv.SetFaults(jiratest.Faults{})
					b.StartTimer()
				}
				b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			})
		}
	}
}
