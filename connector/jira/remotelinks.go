package jira

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/recipekit/recipekit/connector/httpx"
)

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

// remoteLinkRequest is the body of a create or update
// (RemoteIssueLinkRequest): a RemoteLink without its id and self.
type remoteLinkRequest struct {
	GlobalID     string                `json:"globalId,omitempty"`
	Application  RemoteLinkApplication `json:"application,omitzero"`
	Relationship string                `json:"relationship,omitempty"`
	Object       RemoteObject          `json:"object"`
}

func requestOf(l RemoteLink) remoteLinkRequest {
	return remoteLinkRequest{GlobalID: l.GlobalID, Application: l.Application, Relationship: l.Relationship, Object: l.Object}
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
	var out []RemoteLink
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/remotelink", issueKey), nil, nil, &out)
	return out, resp, err
}

// GetByGlobalID returns the remote link of an issue with a global id; a
// missing one is an httpx.ErrNotFound.
func (s *RemoteLinksService) GetByGlobalID(ctx context.Context, issueKey, globalID string) (RemoteLink, *Response, error) {
	var out RemoteLink
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/remotelink", issueKey), url.Values{"globalId": {globalID}}, nil, &out)
	return out, resp, err
}

// Get returns one remote link of an issue by id.
func (s *RemoteLinksService) Get(ctx context.Context, issueKey string, id int64) (RemoteLink, *Response, error) {
	var out RemoteLink
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/remotelink/%s", issueKey, strconv.FormatInt(id, 10)), nil, nil, &out)
	return out, resp, err
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
	var out RemoteLinkRef
	resp, err := s.client.call(ctx, "POST", apiPath("/issue/%s/remotelink", issueKey), nil, requestOf(l), &out)
	return out, resp, err
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
