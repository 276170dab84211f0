package jira

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/recipekit/recipekit/action"
)

// maxGlobalID is the longest remote link global id Jira stores.
const maxGlobalID = 255

// AddRemoteLinkInput is the input of the add_remote_link action.
type AddRemoteLinkInput struct {
	// IssueKey is the issue to link from. Required.
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// URL is the address of the remote item. Required.
	URL string `json:"url" expr:"url"`
	// Title is the link's text in Jira. Required.
	Title   string `json:"title" expr:"title"`
	Summary string `json:"summary,omitempty" expr:"summary"`
	// GlobalID identifies the remote item (at most 255 characters). The
	// issue keeps one link per global id: adding a link with the same one
	// again updates it. Default: the URL (or, for a URL longer than 255
	// characters, "url-sha256:" and its SHA-256 in hex), so adding the
	// same URL twice leaves one link.
	GlobalID string `json:"globalId,omitempty" expr:"globalId"`
	// Relationship describes the link ("causes", "is tested by"); Jira
	// groups links by it. Default: "links to".
	Relationship string `json:"relationship,omitempty" expr:"relationship"`
	// ApplicationName and ApplicationType name the remote system
	// ("Zendesk", "com.zendesk").
	ApplicationName string `json:"applicationName,omitempty" expr:"applicationName"`
	ApplicationType string `json:"applicationType,omitempty" expr:"applicationType"`
	// IconURL is a 16x16 icon shown beside the title; IconTitle its
	// tooltip.
	IconURL   string `json:"iconUrl,omitempty" expr:"iconUrl"`
	IconTitle string `json:"iconTitle,omitempty" expr:"iconTitle"`
	// Resolved marks the remote item as resolved (Jira strikes it
	// through).
	Resolved bool `json:"resolved,omitempty" expr:"resolved"`
}

func (in AddRemoteLinkInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// globalID returns the global id the link is stored under.
func (in AddRemoteLinkInput) globalID() string {
	if in.GlobalID != "" {
		return in.GlobalID
	}
	if utf8.RuneCountInString(in.URL) <= maxGlobalID {
		return in.URL
	}
	sum := sha256.Sum256([]byte(in.URL))
	return "url-sha256:" + hex.EncodeToString(sum[:])
}

func validateAddRemoteLink(in AddRemoteLinkInput) error {
	return errors.Join(
		validIssueKey("issueKey", in.IssueKey),
		checkLinkURL("url", in.URL, true),
		required("title", in.Title, "give the text Jira shows for the link"),
		checkLinkURL("iconUrl", in.IconURL, false),
		func() error {
			if n := utf8.RuneCountInString(in.GlobalID); n > maxGlobalID {
				return action.Invalid("globalId", "is %d characters long; Jira stores at most %d (leave it empty to derive one from the URL)", n, maxGlobalID)
			}
			return nil
		}(),
	)
}

func checkLinkURL(field, s string, needed bool) error {
	if s == "" {
		if needed {
			return action.Invalid(field, "is required: give the address of the remote item, such as https://support.example.com/tickets/42")
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return action.Invalid(field, "%q is not an absolute URL; write it like https://support.example.com/tickets/42", s)
	}
	return nil
}

// AddRemoteLinkResult is the output of the add_remote_link action.
type AddRemoteLinkResult struct {
	// ID is the link's id on the issue.
	ID   int64  `json:"id" expr:"id"`
	Self string `json:"self" expr:"self"`
	// GlobalID is the global id the link is stored under.
	GlobalID string `json:"globalId" expr:"globalId"`
	// Created is false when the issue already had a link with this global
	// id, which was updated instead.
	Created bool `json:"created" expr:"created"`
}

// AddRemoteLink returns the add_remote_link action: it links an issue to
// an item in another system (a ticket, a build, a document). The link is
// stored under a global id (by default the URL), so repeating the action
// updates the link instead of adding a second one: the action is
// idempotent.
func (c *Client) AddRemoteLink() action.Action[AddRemoteLinkInput, AddRemoteLinkResult] {
	return newAction(c, action.Info{
		Name:        "add_remote_link",
		Title:       "Add remote link",
		Description: "Links an issue to an item in another system (URL, title, relationship, icon); adding the same URL or global id again updates the link.",
		Idempotent:  true,
		Permissions: []string{"LINK_ISSUES", "BROWSE_PROJECTS"},
	}, validateAddRemoteLink, func(ctx context.Context, in AddRemoteLinkInput) (AddRemoteLinkResult, error) {
		l := RemoteLink{
			GlobalID:     in.globalID(),
			Relationship: in.Relationship,
			Application:  RemoteLinkApplication{Name: in.ApplicationName, Type: in.ApplicationType},
			Object:       RemoteObject{URL: in.URL, Title: in.Title, Summary: in.Summary},
		}
		if l.Relationship == "" {
			l.Relationship = "links to"
		}
		if in.IconURL != "" || in.IconTitle != "" {
			l.Object.Icon = &RemoteIcon{URL16x16: in.IconURL, Title: in.IconTitle}
		}
		if in.Resolved {
			l.Object.Status = &RemoteStatus{Resolved: true}
		}
		ref, resp, err := c.RemoteLinks.Create(ctx, in.IssueKey, l)
		if err != nil {
			return AddRemoteLinkResult{}, err
		}
		return AddRemoteLinkResult{ID: ref.ID, Self: ref.Self, GlobalID: l.GlobalID, Created: resp.StatusCode == http.StatusCreated}, nil
	})
}

// ListRemoteLinksInput is the input of the list_remote_links action.
type ListRemoteLinksInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// GlobalID keeps only the link with this global id (none when the
	// issue has no such link).
	GlobalID string `json:"globalId,omitempty" expr:"globalId"`
}

func (in ListRemoteLinksInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// ListRemoteLinks returns the list_remote_links action.
func (c *Client) ListRemoteLinks() action.Action[ListRemoteLinksInput, []RemoteLink] {
	return newAction(c, action.Info{
		Name:        "list_remote_links",
		Title:       "List remote links",
		Description: "Lists an issue's links to items in other systems, optionally only the one with a global id.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ListRemoteLinksInput) error {
		return validIssueKey("issueKey", in.IssueKey)
	}, func(ctx context.Context, in ListRemoteLinksInput) ([]RemoteLink, error) {
		links, _, err := c.RemoteLinks.List(ctx, in.IssueKey)
		if err != nil {
			return nil, err
		}
		out := []RemoteLink{}
		for _, l := range links {
			if in.GlobalID == "" || l.GlobalID == in.GlobalID {
				out = append(out, l)
			}
		}
		return out, nil
	})
}
