package jira

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

// AddCommentInput is the input of the add_comment action.
type AddCommentInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Body is wiki markup. Required.
	Body string `json:"body" expr:"body"`
	// Visibility restricts the comment to a group or role; leave empty for
	// everyone who can see the issue.
	Visibility Visibility `json:"visibility" expr:"visibility"`
}

func (in AddCommentInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("body", in.Body, "give the comment text"), validateVisibility(in.Visibility))
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
//
// Exactly once: the comment carries the step run's effect key in its
// recipekit.effect property, set in the create request itself. When an
// earlier attempt may have added it (a retry, a resumed job) or the
// request ends ambiguously, the issue's comments are read newest first
// with expand=properties, back to the step's start, and the comment found
// is returned instead of a second one. Jira leaves no window: the property
// is written with the comment. A comment deleted by someone in between is
// not added again only if the lookup still sees it.
func (c *Client) AddComment() action.Action[AddCommentInput, Comment] {
	return newAction(c, "add_comment", AddCommentInput.validate, func(ctx context.Context, in AddCommentInput) (Comment, error) {
		return exactlyOnce(ctx, c, effectWrite[Comment]{
			what: "adding a comment to " + in.IssueKey,
			write: func(ctx context.Context, e action.Effect) (Comment, error) {
				return decoded(c.Comments.Add(ctx, in.IssueKey, CommentBody{Body: in.Body, Visibility: visibilityPtr(in.Visibility), Properties: effectProperties(e.Key)}))
			},
			find: func(ctx context.Context, e action.Effect) (Comment, bool, error) {
				return c.Comments.FindByEffect(ctx, in.IssueKey, e.Key, since(e))
			},
		})
	})
}

// UpdateCommentInput is the input of the update_comment action.
type UpdateCommentInput struct {
	IssueKey   string     `json:"issueKey" expr:"issueKey" scope:"issue"`
	CommentID  string     `json:"commentId" expr:"commentId"`
	Body       string     `json:"body" expr:"body"`
	Visibility Visibility `json:"visibility" expr:"visibility"`
}

func (in UpdateCommentInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("commentId", in.CommentID, "give the comment id"),
		required("body", in.Body, "give the new text"), validateVisibility(in.Visibility))
}

// UpdateComment returns the update_comment action.
func (c *Client) UpdateComment() action.Action[UpdateCommentInput, Comment] {
	return newAction(c, "update_comment", UpdateCommentInput.validate, func(ctx context.Context, in UpdateCommentInput) (Comment, error) {
		return decoded(c.Comments.Update(ctx, in.IssueKey, in.CommentID, CommentBody{Body: in.Body, Visibility: visibilityPtr(in.Visibility)}))
	})
}

// CommentRefInput names one comment.
type CommentRefInput struct {
	IssueKey  string `json:"issueKey" expr:"issueKey" scope:"issue"`
	CommentID string `json:"commentId" expr:"commentId"`
}

func (in CommentRefInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("commentId", in.CommentID, "give the comment id"))
}

// DeleteComment returns the delete_comment action.
func (c *Client) DeleteComment() action.Action[CommentRefInput, DeleteResult] {
	return newAction(c, "delete_comment", CommentRefInput.validate, func(ctx context.Context, in CommentRefInput) (DeleteResult, error) {
		_, err := c.Comments.Delete(ctx, in.IssueKey, in.CommentID)
		return deleteResult(in.CommentID, err)
	})
}

// ListCommentsInput is the input of the list_comments action.
type ListCommentsInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// NewestFirst orders the comments newest first.
	NewestFirst bool `json:"newestFirst,omitempty" expr:"newestFirst"`
	// Limit caps the number of comments (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListCommentsInput) validate() error { return validIssueItems(in.IssueKey, in.Limit) }

// ListComments returns the list_comments action.
func (c *Client) ListComments() action.Action[ListCommentsInput, []Comment] {
	return newAction(c, "list_comments", ListCommentsInput.validate, func(ctx context.Context, in ListCommentsInput) ([]Comment, error) {
		opts := CommentListOptions{OrderBy: "created"}
		if in.NewestFirst {
			opts.OrderBy = "-created"
		}
		return upTo(c.Comments.All(ctx, in.IssueKey, opts), in.Limit, 1000)
	})
}

// CommentsService manages issue comments.
type CommentsService service

// CommentBody is the body of add and update comment. Body is wiki markup.
type CommentBody struct {
	Body       string      `json:"body"`
	Visibility *Visibility `json:"visibility,omitempty"`
	// Properties are entity properties set with a new comment.
	Properties []EntityProperty `json:"properties,omitempty"`
}

// Add adds a comment to an issue. Comments are not idempotent: the request
// is sent once.
func (s *CommentsService) Add(ctx context.Context, issue string, body CommentBody) (Comment, *Response, error) {
	return callJSON[Comment](ctx, s.client, "POST", apiPath("/issue/%s/comment", issue), nil, body)
}

// Get returns one comment.
func (s *CommentsService) Get(ctx context.Context, issue, id string) (Comment, *Response, error) {
	return callJSON[Comment](ctx, s.client, "GET", apiPath("/issue/%s/comment/%s", issue, id), nil, nil)
}

// Update replaces a comment's body (and visibility when set).
func (s *CommentsService) Update(ctx context.Context, issue, id string, body CommentBody) (Comment, *Response, error) {
	return callJSON[Comment](ctx, s.client, "PUT", apiPath("/issue/%s/comment/%s", issue, id), nil, body)
}

// Delete deletes a comment.
func (s *CommentsService) Delete(ctx context.Context, issue, id string) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/comment/%s", issue, id), nil, nil, nil)
}

// CommentListOptions selects a page of comments.
type CommentListOptions struct {
	ListOptions
	// OrderBy is "created" or "-created" (newest first).
	OrderBy string
	// Expand asks for more of each comment: "renderedBody", "properties".
	Expand []string
}

// List returns a page of an issue's comments, oldest first by default.
func (s *CommentsService) List(ctx context.Context, issue string, opts CommentListOptions) ([]Comment, *Response, error) {
	q := opts.values()
	setGiven(q, "orderBy", opts.OrderBy)
	setList(q, "expand", opts.Expand)
	var page struct {
		offsetPage[Comment]
		Comments []Comment `json:"comments"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/comment", issue), q, nil, &page)
	page.Values = page.Comments
	page.fill(resp)
	return page.Comments, resp, err
}

// All iterates over every comment of an issue.
func (s *CommentsService) All(ctx context.Context, issue string, opts CommentListOptions) iter.Seq2[Comment, error] {
	return listAll(ctx, opts, func(ctx context.Context, o CommentListOptions) ([]Comment, *Response, error) {
		return s.List(ctx, issue, o)
	})
}

// FindByEffect returns the comment of issue whose recipekit.effect
// property records effectKey, reading comments newest first with their
// properties and stopping at the first one created before notBefore (zero
// reads them all). found is false when there is none.
func (s *CommentsService) FindByEffect(ctx context.Context, issue, effectKey string, notBefore time.Time) (cm Comment, found bool, err error) {
	descending := true
	var prev time.Time
	i := 0
	for cm, err := range s.All(ctx, issue, CommentListOptions{OrderBy: "-created", Expand: []string{"properties"}}) {
		if err != nil {
			return Comment{}, false, err
		}
		if carriesEffect(cm.Properties, effectKey) {
			return cm, true, nil
		}
		created := cm.Created.Time
		if i > 0 && created.After(prev) {
			descending = false // a Jira that ignores orderBy: read them all
		}
		if descending && i > 0 && !notBefore.IsZero() && created.Before(notBefore) {
			break
		}
		prev = created
		i++
	}
	return Comment{}, false, nil
}

// Visibility restricts a comment or worklog to a group or project role.
type Visibility struct {
	// Type is "group" or "role".
	Type string `json:"type" expr:"type"`
	// Value is the group or role name.
	Value string `json:"value,omitempty" expr:"value"`
	// Identifier is the group id (Cloud) or role name; prefer it for groups,
	// whose names can change.
	Identifier string `json:"identifier,omitempty" expr:"identifier"`
}

// Comment is an issue comment. Body is wiki markup (REST v2).
type Comment struct {
	Self         string      `json:"self,omitempty" expr:"self"`
	ID           string      `json:"id,omitempty" expr:"id"`
	Author       User        `json:"author" expr:"author"`
	UpdateAuthor User        `json:"updateAuthor" expr:"updateAuthor"`
	Body         string      `json:"body" expr:"body"`
	RenderedBody string      `json:"renderedBody,omitempty" expr:"renderedBody"`
	Created      Time        `json:"created" expr:"created"`
	Updated      Time        `json:"updated" expr:"updated"`
	Visibility   *Visibility `json:"visibility,omitempty" expr:"visibility"`
	JSDPublic    bool        `json:"jsdPublic,omitempty" expr:"jsdPublic"`
	// Properties are the comment's entity properties, when asked for
	// with expand=properties.
	Properties []EntityProperty `json:"properties,omitempty" expr:"properties"`
}

// CommentPage is the comment field embedded in an issue.
type CommentPage struct {
	Comments   []Comment `json:"comments" expr:"comments"`
	StartAt    int       `json:"startAt" expr:"startAt"`
	MaxResults int       `json:"maxResults" expr:"maxResults"`
	Total      int       `json:"total" expr:"total"`
}

// UnmarshalJSON reads a comment, accepting a body in Atlassian Document
// Format (sent to REST v3 consumers and in some webhooks) as its text.
//
// A comment in the shape Jira sends is read in one walk without
// reflection (see json_fast.go).
func (c *Comment) UnmarshalJSON(b []byte) error {
	var fast Comment
	if fast.decodeFast(b) {
		*c = fast
		return nil
	}
	return c.decodeStd(b)
}

// decodeStd is UnmarshalJSON for a comment in any shape.
func (c *Comment) decodeStd(b []byte) error {
	type plain Comment
	var v struct {
		plain
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Comment(v.plain)
	c.Body = textOf(v.Body)
	return nil
}

// NewComment returns a polling trigger that emits each new comment with its
// issue. Event IDs are "comment:<id>@<created ms>".
func (c *Client) NewComment(opts PollOptions) trigger.Trigger[CommentEvent] {
	return newPoller(c, opts, commentSpec(TriggerNewComment, false))
}

// NewOrUpdatedComment returns a polling trigger that emits each new comment
// and each edit of one (the latest edit when several happened between two
// polls: Jira keeps no comment history). Event IDs are
// "comment:<id>@<updated ms>".
func (c *Client) NewOrUpdatedComment(opts PollOptions) trigger.Trigger[CommentEvent] {
	return newPoller(c, opts, commentSpec(TriggerNewOrUpdatedComment, true))
}

// NewCommentsBatch is NewComment handing each job up to BatchSize comments.
func (c *Client) NewCommentsBatch(opts PollOptions) trigger.Trigger[CommentBatch] {
	return newBatcher(c.NewComment(opts), opts.BatchSize)
}

func commentSpec(name string, updated bool) pollSpec[CommentEvent] {
	title, desc := "New comment", "Emits each new comment with its issue, once."
	if updated {
		title, desc = "New or updated comment", "Emits each new comment and each edit of a comment, with its issue, once."
	}
	return childSpec(trigger.Info{Name: name, Title: title, Description: desc}, updated, commentKind)
}

// commentKind is how the comment triggers read comments: embedded in a
// searched issue, through the API, and from a webhook delivery.
var commentKind = childKind[Comment, CommentEvent]{
	field: "comment",
	embedded: func(is Issue) ([]Comment, int) {
		if cp := is.Fields.Comment; cp != nil {
			return cp.Comments, cp.Total
		}
		return nil, 0
	},
	all: func(ctx context.Context, c *Client, issueID string) iter.Seq2[Comment, error] {
		return c.Comments.All(ctx, issueID, CommentListOptions{})
	},
	delivered: func(ev *WebhookEvent) *Comment { return ev.Comment },
	meta: func(cm Comment) childMeta {
		return childMeta{id: cm.ID, created: cm.Created, updated: cm.Updated, author: cm.Author, updateAuthor: cm.UpdateAuthor}
	},
	event: func(cm Comment, is Issue) CommentEvent { return CommentEvent{Comment: cm, Issue: is} },
}

// CommentEvent is a new or updated comment with its issue. Event IDs are
// "comment:<comment id>@<epoch ms>": the creation time for the new
// comment triggers, the update time for the new-or-updated ones.
type CommentEvent struct {
	Comment Comment `json:"comment" expr:"comment"`
	// Issue is the comment's issue (without its comment list). A webhook
	// delivery carries only a few of its fields.
	Issue Issue `json:"issue" expr:"issue"`
}

// CommentBatch is a batch of comments.
type CommentBatch = Batch[CommentEvent]
