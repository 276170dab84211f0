package jira

import (
	"context"
	"errors"
	"net/url"

	"github.com/recipekit/recipekit/action"
)

// Watchers is the watcher list of an issue.
type Watchers struct {
	IsWatching bool   `json:"isWatching" expr:"isWatching"`
	WatchCount int    `json:"watchCount" expr:"watchCount"`
	Watchers   []User `json:"watchers" expr:"watchers"`
}

// WatchersService manages issue watchers.
type WatchersService service

// List returns an issue's watchers.
func (s *WatchersService) List(ctx context.Context, issue string) (Watchers, *Response, error) {
	return callJSON[Watchers](ctx, s.client, "GET", apiPath("/issue/%s/watchers", issue), nil, nil)
}

// Add adds user (account id on Cloud, user name on Data Center) as a
// watcher; an empty user adds the connection's own account. Adding a
// watcher twice is harmless.
func (s *WatchersService) Add(ctx context.Context, issue, user string) (*Response, error) {
	if user == "" {
		me, resp, err := s.client.Users.Myself(ctx)
		if err != nil {
			return resp, err
		}
		d, err := s.client.Deployment(ctx)
		if err != nil {
			return nil, err
		}
		user = me.IDFor(d)
	}
	// Jira wants the identifier as a bare JSON string.
	return s.client.call(ctx, "POST", apiPath("/issue/%s/watchers", issue), nil, user, nil)
}

// Remove removes user from an issue's watchers.
func (s *WatchersService) Remove(ctx context.Context, issue, user string) (*Response, error) {
	n, err := s.client.userNames(ctx)
	if err != nil {
		return nil, err
	}
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/watchers", issue), url.Values{n.param: {user}}, nil, nil)
}

// WatcherInput names an issue and a user (account id on Cloud, user name
// on Data Center; empty for the connection's own account).
type WatcherInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	User     string `json:"user,omitempty" expr:"user"`
}

func (in WatcherInput) validate() error { return validIssueKey("issueKey", in.IssueKey) }

// validateRemoval is validate for remove_watcher, which also needs the
// user it removes.
func (in WatcherInput) validateRemoval() error {
	return errors.Join(in.validate(), required("user", in.User, "give the watcher's account id (Cloud) or user name (Data Center)"))
}

// AddWatcher returns the add_watcher action; it returns the watchers after
// the change.
func (c *Client) AddWatcher() action.Action[WatcherInput, Watchers] {
	return newAction(c, "add_watcher", WatcherInput.validate, func(ctx context.Context, in WatcherInput) (Watchers, error) {
		_, err := c.Watchers.Add(ctx, in.IssueKey, in.User)
		return c.watchersAfter(ctx, in.IssueKey, err)
	})
}

// RemoveWatcher returns the remove_watcher action; it returns the watchers
// after the change.
func (c *Client) RemoveWatcher() action.Action[WatcherInput, Watchers] {
	return newAction(c, "remove_watcher", WatcherInput.validateRemoval, func(ctx context.Context, in WatcherInput) (Watchers, error) {
		_, err := c.Watchers.Remove(ctx, in.IssueKey, in.User)
		return c.watchersAfter(ctx, in.IssueKey, err)
	})
}

// watchersAfter is the output of a change to issue's watchers that
// returned err: the watchers as they are now, read only when the change
// succeeded.
func (c *Client) watchersAfter(ctx context.Context, issue string, err error) (Watchers, error) {
	if err != nil {
		return Watchers{}, err
	}
	return decoded(c.Watchers.List(ctx, issue))
}

// ListWatchers returns the list_watchers action.
func (c *Client) ListWatchers() action.Action[IssueKeyInput, Watchers] {
	return newAction(c, "list_watchers", IssueKeyInput.validate, func(ctx context.Context, in IssueKeyInput) (Watchers, error) {
		return decoded(c.Watchers.List(ctx, in.IssueKey))
	})
}

// Watches is the watcher summary embedded in an issue.
type Watches struct {
	WatchCount int  `json:"watchCount" expr:"watchCount"`
	IsWatching bool `json:"isWatching" expr:"isWatching"`
}
