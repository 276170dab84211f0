package jira

import (
	"context"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// ListTransitions returns the list_transitions action.
func (c *Client) ListTransitions() action.Action[IssueKeyInput, []Transition] {
	return newAction(c, "list_transitions", IssueKeyInput.validate, func(ctx context.Context, in IssueKeyInput) ([]Transition, error) {
		return decodedList(c.Transitions.List(ctx, in.IssueKey))
	})
}

// GetUserInput is the input of the get_user action.
type GetUserInput struct {
	// User is the account id (Cloud) or the user name (Data Center).
	User string `json:"user" expr:"user"`
}

func (in GetUserInput) validate() error {
	return required("user", in.User, "give an account id on Cloud or a user name on Data Center")
}

// GetUser returns the get_user action.
func (c *Client) GetUser() action.Action[GetUserInput, User] {
	return newAction(c, "get_user", GetUserInput.validate, func(ctx context.Context, in GetUserInput) (User, error) {
		return decoded(c.Users.Get(ctx, strings.TrimSpace(in.User)))
	})
}

// CountIssuesInput is the input of the count_issues action.
type CountIssuesInput struct {
	// JQL selects the issues. Required.
	JQL string `json:"jql" expr:"jql"`
}

func (in CountIssuesInput) validate() error {
	return required("jql", in.JQL, `give a JQL query such as project = DEMO AND status = "To Do"`)
}

// CountResult is the output of the count_issues action.
type CountResult struct {
	// Count is the number of matching issues.
	Count int64 `json:"count" expr:"count"`
	// Approximate is true on Jira Cloud, whose count may lag recent
	// changes by a few seconds.
	Approximate bool `json:"approximate" expr:"approximate"`
}

// CountIssues returns the count_issues action.
func (c *Client) CountIssues() action.Action[CountIssuesInput, CountResult] {
	return newAction(c, "count_issues", CountIssuesInput.validate, func(ctx context.Context, in CountIssuesInput) (CountResult, error) {
		n, err := c.Search.Count(ctx, in.JQL)
		if err != nil {
			return CountResult{}, err
		}
		cloud, err := c.isCloud(ctx)
		return CountResult{Count: n, Approximate: cloud}, err
	})
}

// GetComment returns the get_comment action.
func (c *Client) GetComment() action.Action[CommentRefInput, Comment] {
	return newAction(c, "get_comment", CommentRefInput.validate, func(ctx context.Context, in CommentRefInput) (Comment, error) {
		return decoded(c.Comments.Get(ctx, in.IssueKey, in.CommentID))
	})
}

// GetAttachment returns the get_attachment action.
func (c *Client) GetAttachment() action.Action[AttachmentRefInput, Attachment] {
	return newAction(c, "get_attachment", AttachmentRefInput.validate, func(ctx context.Context, in AttachmentRefInput) (Attachment, error) {
		return decoded(c.Attachments.Get(ctx, in.AttachmentID))
	})
}
