package jira_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/internal/jirademo"
)

func ExampleClient_Test() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	res, err := jc.Test(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Account)
	// Output: Integration Bot (5b10ac8d82e05b22cc7d4ef5) <integration@example.com>
}

func ExampleClient_CreateIssue() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	create := jc.CreateIssue()
	issue, err := create.Run(context.Background(), jira.CreateIssueInput{
		Project:   "DEMO",
		IssueType: "Bug",
		Summary:   "Checkout button does nothing",
		Priority:  "High",
		Labels:    []string{"shop"},
		// Custom fields by display name; the value is checked against the
		// field's options before the issue is created.
		Fields:         map[string]any{"Severity": "S2"},
		IdempotencyKey: "order-4711",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(issue.Key, issue.Fields.IssueType.Name, issue.Fields.Priority.Name, issue.Fields.Status.Name)

	// A wrong option is refused before anything is sent.
	_, err = create.Run(context.Background(), jira.CreateIssueInput{Project: "DEMO", IssueType: "Bug", Summary: "x", Fields: map[string]any{"Severity": "S9"}})
	fmt.Println(err)
	// Output:
	// DEMO-6 Bug High To Do
	// invalid input "fields.Severity": field Severity does not accept "S9"; allowed: "S1", "S2", "S3", "S4"
}

func ExampleClient_AddComment() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	var add = jc.AddComment() // action.Action[jira.AddCommentInput, jira.Comment]
	c, err := add.Run(context.Background(), jira.AddCommentInput{IssueKey: "DEMO-2", Body: "Thanks! We are on it."})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Author.DisplayName, "wrote:", c.Body)
	// Output: Integration Bot wrote: Thanks! We are on it.
}

func ExampleClient_TransitionIssue() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	// By transition name or by target status, case-insensitive.
	issue, err := jc.TransitionIssue().Run(context.Background(), jira.TransitionIssueInput{IssueKey: "DEMO-3", To: "done", Resolution: "Done"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(issue.Key, issue.Fields.Status.Name, issue.Fields.Resolution.Name)
	// Output: DEMO-3 Done Done
}

func ExampleSearchService_All() {
	jc, srv, _ := jirademo.Site()
	defer srv.Close()
	opts := jira.SearchOptions{JQL: "project = DEMO AND issuetype = Bug ORDER BY key ASC", Fields: []string{"summary", "priority"}}
	for issue, err := range jc.Search.All(context.Background(), opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %-7s %s\n", issue.Key, issue.Fields.Priority.Name, issue.Fields.Summary)
	}
	// Output:
	// DEMO-2 High    Login fails with SSO
	// DEMO-4 Lowest  Typo on the settings page
}

func ExamplePermissionError() {
	jc, srv, demo := jirademo.Site()
	defer srv.Close()
	// Bob may browse DEMO but not comment.
	srv.SetPermission("DEMO", demo.Bob.AccountID, "BROWSE_PROJECTS")
	bob, _ := jira.New(jira.Config{URL: srv.URL(), Auth: auth.APIToken{Email: demo.Bob.Email, Token: auth.Secret(demo.Bob.APIToken)}})
	_ = jc
	_, err := bob.AddComment().Run(context.Background(), jira.AddCommentInput{IssueKey: "DEMO-1", Body: "hello"})
	var pe *jira.PermissionError
	if errors.As(err, &pe) {
		fmt.Println(pe.Permission, "checked:", pe.Checked, "has it:", pe.HasPermission)
	}
	// Output: ADD_COMMENTS checked: true has it: false
}
