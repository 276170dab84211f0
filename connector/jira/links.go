package jira

import (
	"context"
)

// LinksService manages issue links and link types.
type LinksService service

// LinkRequest links two issues: Outward "blocks" Inward for type Blocks.
type LinkRequest struct {
	Type         IssueLinkType `json:"type"`
	InwardIssue  IssueKeyRef   `json:"inwardIssue"`
	OutwardIssue IssueKeyRef   `json:"outwardIssue"`
	Comment      *CommentBody  `json:"comment,omitempty"`
}

// IssueKeyRef refers to an issue by key.
type IssueKeyRef struct {
	Key string `json:"key"`
}

// Create links two issues. Jira answers 201 with an empty body; read the
// issue's issuelinks field for the new link.
func (s *LinksService) Create(ctx context.Context, l LinkRequest) (*Response, error) {
	return s.client.call(ctx, "POST", apiPath("/issueLink"), nil, l, nil)
}

// Get returns a link.
func (s *LinksService) Get(ctx context.Context, id string) (IssueLink, *Response, error) {
	var l IssueLink
	resp, err := s.client.call(ctx, "GET", apiPath("/issueLink/%s", id), nil, nil, &l)
	return l, resp, err
}

// Delete deletes a link.
func (s *LinksService) Delete(ctx context.Context, id string) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/issueLink/%s", id), nil, nil, nil)
}

// Types lists the link types.
func (s *LinksService) Types(ctx context.Context) ([]IssueLinkType, *Response, error) {
	var out struct {
		IssueLinkTypes []IssueLinkType `json:"issueLinkTypes"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/issueLinkType"), nil, nil, &out)
	return out.IssueLinkTypes, resp, err
}
