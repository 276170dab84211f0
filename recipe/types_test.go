package recipe_test

import (
	"context"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type user struct {
	Name  string `expr:"displayName" json:"displayName"`
	Email string `expr:"email" json:"email"`
}

type priority struct {
	Name string `expr:"name" json:"name"`
}

type fields struct {
	Summary  string    `expr:"summary" json:"summary"`
	Labels   []string  `expr:"labels" json:"labels"`
	Priority *priority `expr:"priority" json:"priority,omitempty"`
	Assignee *user     `expr:"assignee" json:"assignee,omitempty"`
	Points   float64   `expr:"points" json:"points"`
	Subtasks []issue   `expr:"subtasks" json:"subtasks,omitempty"`
}

type issue struct {
	ID     int    `expr:"id" json:"id"`
	Key    string `expr:"key" json:"key"`
	Fields fields `expr:"fields" json:"fields"`
}

type commentIn struct {
	IssueKey string       `expr:"issueKey" json:"issueKey"`
	Body     string       `expr:"body" json:"body"`
	Count    int          `expr:"count" json:"count"`
	Tags     []string     `expr:"tags" json:"tags"`
	Meta     *commentMeta `expr:"meta" json:"meta,omitempty"`
	Token    auth.Secret  `expr:"token" json:"token"`
	Password string       `expr:"password" json:"password" recipe:"secret"`
}

type commentMeta struct {
	Visibility string            `expr:"visibility" json:"visibility"`
	Props      map[string]string `expr:"props" json:"props"`
}

type comment struct {
	ID   string `expr:"id" json:"id"`
	Body string `expr:"body" json:"body"`
}

func echoComment() *recipetest.Action[commentIn, comment] {
	return recipetest.NewAction("add_comment", func(_ context.Context, in commentIn) (comment, error) {
		return comment{ID: "c-" + in.IssueKey, Body: in.Body}, nil
	})
}

func sampleIssues() []issue {
	return []issue{
		{ID: 1, Key: "SUP-1", Fields: fields{Summary: "Printer on fire", Labels: []string{"hw", "urgent"}, Priority: &priority{Name: "Highest"}, Points: 3}},
		{ID: 2, Key: "SUP-2", Fields: fields{Summary: "Password reset", Labels: []string{"account"}, Priority: &priority{Name: "Low"}}},
		{ID: 3, Key: "SUP-3", Fields: fields{Summary: "  needs triage  ", Assignee: &user{Name: "Ann"}}},
	}
}
