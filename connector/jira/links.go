package jira

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/action"
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
	return callJSON[IssueLink](ctx, s.client, "GET", apiPath("/issueLink/%s", id), nil, nil)
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

// LinkIssuesInput is the input of the link_issues action: OutwardIssue
// <outward description> InwardIssue, e.g. DEMO-1 "blocks" DEMO-2.
type LinkIssuesInput struct {
	// Type is the link type name ("Blocks", "Relates"). Required.
	Type         string `json:"type" expr:"type"`
	OutwardIssue string `json:"outwardIssue" expr:"outwardIssue" scope:"issue"`
	InwardIssue  string `json:"inwardIssue" expr:"inwardIssue"`
	// Comment is added to the outward issue with the link.
	Comment string `json:"comment,omitempty" expr:"comment"`
}

func (in LinkIssuesInput) validate() error {
	return errors.Join(required("type", in.Type, "give a link type name such as Blocks"),
		validIssueKey("outwardIssue", in.OutwardIssue), validIssueKey("inwardIssue", in.InwardIssue))
}

// LinkIssues returns the link_issues action. Jira answers the create with
// an empty body, so the action reads the outward issue's links to return
// the new one.
//
// Exactly once: a link is identified by its type and its two issues. When
// an earlier attempt may have run (a retry, a resumed job) or the create
// ends ambiguously, the outward issue's links are read first, and a link
// of that type to the inward issue counts as made; only then is the create
// sent again. The optional comment is part of the create request, so it
// lands with the link, once. Jira's window: a link of that type between
// the two issues made by someone else also counts as this step's.
func (c *Client) LinkIssues() action.Action[LinkIssuesInput, IssueLink] {
	return newAction(c, "link_issues", LinkIssuesInput.validate, func(ctx context.Context, in LinkIssuesInput) (IssueLink, error) {
		types, _, err := c.Links.Types(ctx)
		if err != nil {
			return IssueLink{}, err
		}
		var lt *IssueLinkType
		names := make([]string, 0, len(types))
		for i, t := range types {
			names = append(names, t.Name)
			if t.ID == in.Type || strings.EqualFold(t.Name, in.Type) || strings.EqualFold(t.Outward, in.Type) {
				lt = &types[i]
				break
			}
		}
		if lt == nil {
			return IssueLink{}, action.Invalid("type", "there is no link type %q; available: %s", in.Type, strings.Join(names, ", "))
		}
		req := LinkRequest{Type: IssueLinkType{Name: lt.Name}, OutwardIssue: IssueKeyRef{Key: in.OutwardIssue}, InwardIssue: IssueKeyRef{Key: in.InwardIssue}}
		if in.Comment != "" {
			req.Comment = &CommentBody{Body: in.Comment}
		}
		find := func(ctx context.Context) (IssueLink, bool, error) {
			is, _, err := c.Issues.Get(ctx, in.OutwardIssue, &GetIssueOptions{Fields: []string{"issuelinks"}})
			if err != nil {
				return IssueLink{}, false, err
			}
			for _, l := range is.Fields.IssueLinks {
				if l.InwardIssue != nil && (strings.EqualFold(l.InwardIssue.Key, in.InwardIssue) || l.InwardIssue.ID == in.InwardIssue) && l.Type.Name == lt.Name {
					return l, true, nil
				}
			}
			return IssueLink{}, false, nil
		}
		return exactlyOnce(ctx, c, effectWrite[IssueLink]{
			what: fmt.Sprintf("linking %s to %s (%s)", in.OutwardIssue, in.InwardIssue, lt.Name),
			write: func(ctx context.Context, _ action.Effect) (IssueLink, error) {
				if _, err := c.Links.Create(ctx, req); err != nil {
					return IssueLink{}, err
				}
				l, found, err := find(ctx)
				if err != nil {
					return IssueLink{Type: *lt, InwardIssue: &IssueRef{Key: in.InwardIssue}}, fmt.Errorf("jira: the link was created but reading it back failed: %w", err)
				}
				if !found {
					return IssueLink{Type: *lt, InwardIssue: &IssueRef{Key: in.InwardIssue}}, nil
				}
				return l, nil
			},
			find: func(ctx context.Context, _ action.Effect) (IssueLink, bool, error) { return find(ctx) },
		})
	})
}

// ListLinkTypes returns the list_link_types action.
func (c *Client) ListLinkTypes() action.Action[NoInput, []IssueLinkType] {
	return newAction(c, "list_link_types", nil, func(ctx context.Context, _ NoInput) ([]IssueLinkType, error) {
		return decoded(c.Links.Types(ctx))
	})
}

// LinkRefInput names one issue link.
type LinkRefInput struct {
	LinkID string `json:"linkId" expr:"linkId"`
}

func (in LinkRefInput) validate() error { return required("linkId", in.LinkID, "give the link id") }

// DeleteLink returns the delete_link action.
func (c *Client) DeleteLink() action.Action[LinkRefInput, DeleteResult] {
	return newAction(c, "delete_link", LinkRefInput.validate, func(ctx context.Context, in LinkRefInput) (DeleteResult, error) {
		_, err := c.Links.Delete(ctx, in.LinkID)
		return deleteResult(in.LinkID, err)
	})
}

// IssueLinkType is a kind of link ("Blocks": "blocks" / "is blocked by").
type IssueLinkType struct {
	Self    string `json:"self,omitempty" expr:"self"`
	ID      string `json:"id,omitempty" expr:"id"`
	Name    string `json:"name,omitempty" expr:"name"`
	Inward  string `json:"inward,omitempty" expr:"inward"`
	Outward string `json:"outward,omitempty" expr:"outward"`
}

// IssueLink links two issues. Embedded in an issue, only the other end
// (InwardIssue or OutwardIssue) is set.
type IssueLink struct {
	Self         string        `json:"self,omitempty" expr:"self"`
	ID           string        `json:"id,omitempty" expr:"id"`
	Type         IssueLinkType `json:"type" expr:"type"`
	InwardIssue  *IssueRef     `json:"inwardIssue,omitempty" expr:"inwardIssue"`
	OutwardIssue *IssueRef     `json:"outwardIssue,omitempty" expr:"outwardIssue"`
}
