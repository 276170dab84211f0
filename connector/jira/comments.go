package jira

import (
	"context"
	"iter"
)

// CommentsService manages issue comments.
type CommentsService service

// CommentBody is the body of add and update comment. Body is wiki markup.
type CommentBody struct {
	Body       string      `json:"body"`
	Visibility *Visibility `json:"visibility,omitempty"`
}

// Add adds a comment to an issue. Comments are not idempotent: the request
// is sent once.
func (s *CommentsService) Add(ctx context.Context, issue string, body CommentBody) (Comment, *Response, error) {
	var c Comment
	resp, err := s.client.call(ctx, "POST", apiPath("/issue/%s/comment", issue), nil, body, &c)
	return c, resp, err
}

// Get returns one comment.
func (s *CommentsService) Get(ctx context.Context, issue, id string) (Comment, *Response, error) {
	var c Comment
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/comment/%s", issue, id), nil, nil, &c)
	return c, resp, err
}

// Update replaces a comment's body (and visibility when set).
func (s *CommentsService) Update(ctx context.Context, issue, id string, body CommentBody) (Comment, *Response, error) {
	var c Comment
	resp, err := s.client.call(ctx, "PUT", apiPath("/issue/%s/comment/%s", issue, id), nil, body, &c)
	return c, resp, err
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
}

// List returns a page of an issue's comments, oldest first by default.
func (s *CommentsService) List(ctx context.Context, issue string, opts CommentListOptions) ([]Comment, *Response, error) {
	q := opts.values()
	if opts.OrderBy != "" {
		q.Set("orderBy", opts.OrderBy)
	}
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
	return pages(ctx, func(ctx context.Context, startAt int) ([]Comment, bool, error) {
		o := opts
		o.StartAt = startAt
		items, resp, err := s.List(ctx, issue, o)
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}
