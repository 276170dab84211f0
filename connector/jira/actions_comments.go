package jira

import (
	"context"
	"errors"

	"github.com/recipekit/recipekit/action"
)

// AddCommentInput is the input of the add_comment action.
type AddCommentInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Body is wiki markup. Required.
	Body string `json:"body" expr:"body"`
	// Visibility restricts the comment to a group or role; leave empty for
	// everyone who can see the issue.
	Visibility Visibility `json:"visibility" expr:"visibility"`
}

func (in AddCommentInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

func validateVisibility(v Visibility) error {
	switch v.Type {
	case "":
		if v.Value != "" || v.Identifier != "" {
			return action.Invalid("visibility.type", "set to \"group\" or \"role\" when a visibility value is given")
		}
	case "group", "role":
		if v.Value == "" && v.Identifier == "" {
			return action.Invalid("visibility.value", "name the %s that may see the comment", v.Type)
		}
	default:
		return action.Invalid("visibility.type", "must be \"group\" or \"role\", not %q", v.Type)
	}
	return nil
}

func visibilityPtr(v Visibility) *Visibility {
	if v.Type == "" {
		return nil
	}
	return &v
}

// AddComment returns the add_comment action.
func (c *Client) AddComment() action.Action[AddCommentInput, Comment] {
	return newAction(c, action.Info{
		Name:        "add_comment",
		Title:       "Add comment",
		Description: "Adds a wiki-markup comment to an issue, optionally visible to a group or role only.",
		Idempotent:  false,
		Permissions: []string{"ADD_COMMENTS", "BROWSE_PROJECTS"},
	}, func(in AddCommentInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("body", in.Body, "give the comment text"), validateVisibility(in.Visibility))
	}, func(ctx context.Context, in AddCommentInput) (Comment, error) {
		cm, _, err := c.Comments.Add(ctx, in.IssueKey, CommentBody{Body: in.Body, Visibility: visibilityPtr(in.Visibility)})
		return cm, err
	})
}

// UpdateCommentInput is the input of the update_comment action.
type UpdateCommentInput struct {
	IssueKey   string     `json:"issueKey" expr:"issueKey"`
	CommentID  string     `json:"commentId" expr:"commentId"`
	Body       string     `json:"body" expr:"body"`
	Visibility Visibility `json:"visibility" expr:"visibility"`
}

func (in UpdateCommentInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// UpdateComment returns the update_comment action.
func (c *Client) UpdateComment() action.Action[UpdateCommentInput, Comment] {
	return newAction(c, action.Info{
		Name:        "update_comment",
		Title:       "Update comment",
		Description: "Replaces a comment's text (and visibility).",
		Idempotent:  true,
		Permissions: []string{"EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS"},
	}, func(in UpdateCommentInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("commentId", in.CommentID, "give the comment id"),
			required("body", in.Body, "give the new text"), validateVisibility(in.Visibility))
	}, func(ctx context.Context, in UpdateCommentInput) (Comment, error) {
		cm, _, err := c.Comments.Update(ctx, in.IssueKey, in.CommentID, CommentBody{Body: in.Body, Visibility: visibilityPtr(in.Visibility)})
		return cm, err
	})
}

// CommentRefInput names one comment.
type CommentRefInput struct {
	IssueKey  string `json:"issueKey" expr:"issueKey"`
	CommentID string `json:"commentId" expr:"commentId"`
}

func (in CommentRefInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// DeleteComment returns the delete_comment action.
func (c *Client) DeleteComment() action.Action[CommentRefInput, DeleteResult] {
	return newAction(c, action.Info{
		Name:        "delete_comment",
		Title:       "Delete comment",
		Description: "Deletes a comment.",
		Idempotent:  true,
		Permissions: []string{"DELETE_ALL_COMMENTS", "DELETE_OWN_COMMENTS"},
	}, func(in CommentRefInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("commentId", in.CommentID, "give the comment id"))
	}, func(ctx context.Context, in CommentRefInput) (DeleteResult, error) {
		_, err := c.Comments.Delete(ctx, in.IssueKey, in.CommentID)
		return deleteResult(in.CommentID, err)
	})
}

// ListCommentsInput is the input of the list_comments action.
type ListCommentsInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// NewestFirst orders the comments newest first.
	NewestFirst bool `json:"newestFirst,omitempty" expr:"newestFirst"`
	// Limit caps the number of comments (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListCommentsInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// ListComments returns the list_comments action.
func (c *Client) ListComments() action.Action[ListCommentsInput, []Comment] {
	return newAction(c, action.Info{
		Name:        "list_comments",
		Title:       "List comments",
		Description: "Lists an issue's comments, oldest or newest first.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ListCommentsInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), checkLimit(in.Limit))
	}, func(ctx context.Context, in ListCommentsInput) ([]Comment, error) {
		opts := CommentListOptions{OrderBy: "created"}
		if in.NewestFirst {
			opts.OrderBy = "-created"
		}
		out, _, err := collect(c.Comments.All(ctx, in.IssueKey, opts), in.Limit, 1000)
		return out, err
	})
}
