package jira

import (
	"context"
	"net/url"
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
	var w Watchers
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/watchers", issue), nil, nil, &w)
	return w, resp, err
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
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{"accountId": {user}}
	if d == DataCenter {
		q = url.Values{"username": {user}}
	}
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s/watchers", issue), q, nil, nil)
}
