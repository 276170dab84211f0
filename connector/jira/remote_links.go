package jira

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// maxGlobalID is the longest remote link global id Jira stores.
const maxGlobalID = 255

// AddRemoteLinkInput is the input of the add_remote_link action.
type AddRemoteLinkInput struct {
	// IssueKey is the issue to link from. Required.
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
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
	return newAction(c, "add_remote_link", validateAddRemoteLink, func(ctx context.Context, in AddRemoteLinkInput) (AddRemoteLinkResult, error) {
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
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// GlobalID keeps only the link with this global id (none when the
	// issue has no such link).
	GlobalID string `json:"globalId,omitempty" expr:"globalId"`
}

func (in ListRemoteLinksInput) validate() error {
	return validIssueKey("issueKey", in.IssueKey)
}

// ListRemoteLinks returns the list_remote_links action.
func (c *Client) ListRemoteLinks() action.Action[ListRemoteLinksInput, []RemoteLink] {
	return newAction(c, "list_remote_links", ListRemoteLinksInput.validate, func(ctx context.Context, in ListRemoteLinksInput) ([]RemoteLink, error) {
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

// RemoteLinksService manages remote issue links: links from an issue to an
// item in another system (a support ticket, a build, a document), under
// /rest/api/2/issue/{key}/remotelink on both deployments.
type RemoteLinksService service

// RemoteLink is a remote issue link. GlobalID identifies the remote item
// for updates and deletes: Jira keeps at most one link per global id on an
// issue, so creating a link whose global id is already there updates it.
type RemoteLink struct {
	ID           int64                 `json:"id,omitempty" expr:"id"`
	Self         string                `json:"self,omitempty" expr:"self"`
	GlobalID     string                `json:"globalId,omitempty" expr:"globalId"`
	Application  RemoteLinkApplication `json:"application,omitzero" expr:"application"`
	Relationship string                `json:"relationship,omitempty" expr:"relationship"`
	Object       RemoteObject          `json:"object" expr:"object"`
}

// RemoteLinkApplication names the system the remote item lives in; links
// with the same application are grouped in Jira's issue view.
type RemoteLinkApplication struct {
	// Type is a namespaced type such as "com.acme.tracker".
	Type string `json:"type,omitempty" expr:"type"`
	// Name is the application's display name.
	Name string `json:"name,omitempty" expr:"name"`
}

// RemoteObject is the remote item a link points to.
type RemoteObject struct {
	// URL is the item's address. Required.
	URL string `json:"url" expr:"url"`
	// Title is the link's text in Jira. Required.
	Title   string `json:"title" expr:"title"`
	Summary string `json:"summary,omitempty" expr:"summary"`
	// Icon is shown beside the title.
	Icon *RemoteIcon `json:"icon,omitempty" expr:"icon"`
	// Status is the item's status (resolved items are struck through).
	Status *RemoteStatus `json:"status,omitempty" expr:"status"`
}

// RemoteIcon is the icon of a remote item or of its status.
type RemoteIcon struct {
	// URL16x16 is the address of a 16x16 pixel icon.
	URL16x16 string `json:"url16x16,omitempty" expr:"url16x16"`
	Title    string `json:"title,omitempty" expr:"title"`
	// Link is where a click on a status icon leads.
	Link string `json:"link,omitempty" expr:"link"`
}

// RemoteStatus is the status of a remote item.
type RemoteStatus struct {
	Resolved bool        `json:"resolved" expr:"resolved"`
	Icon     *RemoteIcon `json:"icon,omitempty" expr:"icon"`
}

// RemoteLinkRef is Jira's answer to a create: the link's id and URL.
type RemoteLinkRef struct {
	ID   int64  `json:"id" expr:"id"`
	Self string `json:"self" expr:"self"`
}

// requestOf is the body of a create or update (RemoteIssueLinkRequest): l
// without its id and self, which Jira assigns; both are omitted when empty.
func requestOf(l RemoteLink) RemoteLink {
	l.ID, l.Self = 0, ""
	return l
}

func checkRemoteLink(l RemoteLink) error {
	switch {
	case l.Object.URL == "":
		return errors.New("jira: a remote link needs Object.URL, the address of the remote item")
	case l.Object.Title == "":
		return errors.New("jira: a remote link needs Object.Title, the text Jira shows for it")
	}
	return nil
}

// List returns the remote links of an issue.
func (s *RemoteLinksService) List(ctx context.Context, issueKey string) ([]RemoteLink, *Response, error) {
	return callJSON[[]RemoteLink](ctx, s.client, "GET", apiPath("/issue/%s/remotelink", issueKey), nil, nil)
}

// GetByGlobalID returns the remote link of an issue with a global id; a
// missing one is an ErrNotFound.
func (s *RemoteLinksService) GetByGlobalID(ctx context.Context, issueKey, globalID string) (RemoteLink, *Response, error) {
	return callJSON[RemoteLink](ctx, s.client, "GET", apiPath("/issue/%s/remotelink", issueKey), url.Values{"globalId": {globalID}}, nil)
}

// Get returns one remote link of an issue by id.
func (s *RemoteLinksService) Get(ctx context.Context, issueKey string, id int64) (RemoteLink, *Response, error) {
	return callJSON[RemoteLink](ctx, s.client, "GET", apiPath("/issue/%s/remotelink/%s", issueKey, strconv.FormatInt(id, 10)), nil, nil)
}

// Create adds a remote link to an issue (its ID and Self are ignored), or,
// when the issue already has a link with the same GlobalID, replaces that
// link; the *Response's StatusCode says which (201 created, 200 updated).
// With a GlobalID the request is safe to repeat and is retried like a GET;
// without one it is sent once, as a repeat would add a second link.
func (s *RemoteLinksService) Create(ctx context.Context, issueKey string, l RemoteLink) (RemoteLinkRef, *Response, error) {
	if err := checkRemoteLink(l); err != nil {
		return RemoteLinkRef{}, nil, err
	}
	if l.GlobalID != "" {
		ctx = httpx.WithIdempotent(ctx)
	}
	return callJSON[RemoteLinkRef](ctx, s.client, "POST", apiPath("/issue/%s/remotelink", issueKey), nil, requestOf(l))
}

// Update replaces every field of the remote link id (its ID and Self are
// ignored); fields left empty are cleared.
func (s *RemoteLinksService) Update(ctx context.Context, issueKey string, id int64, l RemoteLink) (*Response, error) {
	if err := checkRemoteLink(l); err != nil {
		return nil, err
	}
	return s.client.call(ctx, "PUT", apiPath("/issue/%s/remotelink/%s", issueKey, strconv.FormatInt(id, 10)), nil, requestOf(l), nil)
}

// Delete deletes the remote link id of an issue.
func (s *RemoteLinksService) Delete(ctx context.Context, issueKey string, id int64) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/remotelink/%s", issueKey, strconv.FormatInt(id, 10)), nil, nil, nil)
}

// DeleteByGlobalID deletes the remote link of an issue with a global id.
func (s *RemoteLinksService) DeleteByGlobalID(ctx context.Context, issueKey, globalID string) (*Response, error) {
	if globalID == "" {
		return nil, errors.New("jira: give the global id of the remote link to delete")
	}
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/remotelink", issueKey), url.Values{"globalId": {globalID}}, nil, nil)
}
