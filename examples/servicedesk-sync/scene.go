package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
)

// deskProject is the offline service desk's project.
const deskProject = "HELP"

// seedDesk adds the offline service desk to the simulator: project HELP
// with request types "Get IT help" and "Bug report", and Bob as its
// customer.
func seedDesk(j *demo.Jira) (desk jiratest.ServiceDesk, err error) {
	defer func() { // the simulator panics on a project it has already
		if r := recover(); r != nil {
			err = fmt.Errorf("seeding the offline service desk: %v", r)
		}
	}()
	j.Sim.AddProject(jiratest.Project{Key: deskProject, Name: "Help desk", Lead: j.ID(j.People.Admin), TypeKey: "service_desk"})
	desk = j.Sim.AddServiceDesk(jiratest.ServiceDesk{Project: deskProject, RequestTypes: []jiratest.RequestType{
		{Name: "Get IT help", IssueType: "Task"},
		{Name: "Bug report", IssueType: "Bug"},
	}})
	j.Sim.AddCustomer(desk.ID, j.ID(j.People.Bob))
	return desk, nil
}

// engineeringIssue is the engineering issue escalated from a request, as
// the simulator has it now.
func engineeringIssue(j *demo.Jira, requestKey string) (jiratest.Issue, bool) {
	for _, is := range j.Sim.Issues(j.Project) {
		if slices.Contains(is.Labels, requestLabelPrefix+requestKey) {
			return is, true
		}
	}
	return jiratest.Issue{}, false
}

// scene is the offline story: Bob, a customer, raises two bug reports and
// a request for help; Alice, an engineer, answers the first bug with a
// #public comment and an internal one, then resolves it.
func scene(j *demo.Jira, jc *jira.Client, deskID, bugType string) demo.Scene {
	var bugs, others []string
	raise := func(typeName, summary string) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			typ, err := requestTypeID(ctx, jc, deskID, typeName)
			if err != nil {
				return "", err
			}
			bob, err := jira.New(jira.Config{Name: "bob", URL: j.URL(), Auth: j.AuthAs(j.People.Bob)})
			if err != nil {
				return "", err
			}
			r, err := bob.CreateCustomerRequest().Run(ctx, jira.CreateCustomerRequestInput{ServiceDeskID: deskID, RequestTypeID: typ, Summary: summary})
			if err != nil {
				return "", err
			}
			if typ == bugType {
				bugs = append(bugs, r.IssueKey)
			} else {
				others = append(others, r.IssueKey)
			}
			return fmt.Sprintf("%s raises %s %q (%s)", j.People.Bob.DisplayName, r.IssueKey, summary, typeName), nil
		}
	}
	alice := j.ID(j.People.Alice)
	onFirstBug := func(act func(key string) (string, error)) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			is, ok := engineeringIssue(j, bugs[0])
			if !ok {
				return "", fmt.Errorf("%s has no engineering issue", bugs[0])
			}
			return act(is.Key)
		}
	}
	return demo.Scene{
		Intro: "A simulated customer will now raise requests and an engineer will work on one; watch the recipes keep both sides in step.",
		Beats: []demo.Beat{
			{After: 500 * time.Millisecond, Do: raise("Bug report", "Export crashes on large files")},
			{After: 800 * time.Millisecond, Do: raise("Get IT help", "New laptop please")},
			{After: 800 * time.Millisecond, Do: raise("Bug report", "Search ignores accents")},
			{What: "every bug report is escalated", Until: func() bool {
				for _, k := range bugs {
					if _, ok := engineeringIssue(j, k); !ok {
						return false
					}
				}
				return true
			}},
			{After: time.Second, Do: onFirstBug(func(key string) (string, error) {
				if _, err := j.Sim.CommentAs(alice, key, "The CSV writer buffers the whole file; stream it."); err != nil {
					return "", err
				}
				if _, err := j.Sim.CommentAs(alice, key, publicFlag+" We found the cause and are fixing it."); err != nil {
					return "", err
				}
				return fmt.Sprintf("%s comments on %s twice, once for the customer", j.People.Alice.DisplayName, key), nil
			})},
			{What: "the #public comment reaches the request", Until: func() bool {
				for _, c := range j.Sim.Comments(bugs[0]) {
					if c.Body == "We found the cause and are fixing it." {
						return true
					}
				}
				return false
			}},
			{After: time.Second, Do: onFirstBug(func(key string) (string, error) {
				if err := j.Sim.TransitionAs(alice, key, "Done"); err != nil {
					return "", err
				}
				return fmt.Sprintf("%s resolves %s", j.People.Alice.DisplayName, key), nil
			})},
			{What: "the request is resolved", Until: func() bool {
				is, ok := j.Sim.Issue(bugs[0])
				return ok && is.Status == "Done"
			}},
		},
		Show: func(rep *demo.Reporter) { showRequests(j, rep, append(bugs, others...)) },
	}
}

// showRequests prints the requests, their engineering issues and the
// comments the customer sees.
func showRequests(j *demo.Jira, rep *demo.Reporter, keys []string) {
	rep.Printf("\nIn Jira now:")
	for _, r := range j.Issues(keys) {
		k := r.Key
		eng := "not escalated"
		if is, ok := engineeringIssue(j, k); ok {
			eng = fmt.Sprintf("engineering issue %s (%s)", is.Key, is.Status)
		}
		rep.Printf("  request %s %q  status %s, %s", r.Key, r.Summary, r.Status, eng)
		for _, c := range j.Sim.Comments(k) {
			visible := "internal"
			if public, _ := j.Sim.CommentIsPublic(k, c.ID); public {
				visible = "public"
			}
			rep.Printf("      %s comment: %s", visible, strings.TrimSpace(c.Body))
		}
	}
}
