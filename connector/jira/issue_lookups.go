package jira

import (
	"context"
	"errors"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// ListTransitions returns the list_transitions action.
func (c *Client) ListTransitions() action.Action[IssueKeyInput, []Transition] {
	return newAction(c, "list_transitions", func(in IssueKeyInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in IssueKeyInput) ([]Transition, error) {
			ts, _, err := c.Transitions.List(ctx, in.IssueKey)
			return nonNilSlice(ts), err
		})
}

// GetUserInput is the input of the get_user action.
type GetUserInput struct {
	// User is the account id (Cloud) or the user name (Data Center).
	User string `json:"user" expr:"user"`
}

// GetUser returns the get_user action.
func (c *Client) GetUser() action.Action[GetUserInput, User] {
	return newAction(c, "get_user", func(in GetUserInput) error {
		return required("user", in.User, "give an account id on Cloud or a user name on Data Center")
	}, func(ctx context.Context, in GetUserInput) (User, error) {
		u, _, err := c.Users.Get(ctx, strings.TrimSpace(in.User))
		return u, err
	})
}

// CountIssuesInput is the input of the count_issues action.
type CountIssuesInput struct {
	// JQL selects the issues. Required.
	JQL string `json:"jql" expr:"jql"`
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
	return newAction(c, "count_issues", func(in CountIssuesInput) error {
		return required("jql", in.JQL, `give a JQL query such as project = DEMO AND status = "To Do"`)
	}, func(ctx context.Context, in CountIssuesInput) (CountResult, error) {
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
	return newAction(c, "get_comment", func(in CommentRefInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("commentId", in.CommentID, "give the comment's id"))
	}, func(ctx context.Context, in CommentRefInput) (Comment, error) {
		cm, _, err := c.Comments.Get(ctx, in.IssueKey, in.CommentID)
		return cm, err
	})
}

// GetAttachment returns the get_attachment action.
func (c *Client) GetAttachment() action.Action[AttachmentRefInput, Attachment] {
	return newAction(c, "get_attachment", func(in AttachmentRefInput) error {
		return required("attachmentId", in.AttachmentID, "give the attachment's id")
	}, func(ctx context.Context, in AttachmentRefInput) (Attachment, error) {
		a, _, err := c.Attachments.Get(ctx, in.AttachmentID)
		return a, err
	})
}
