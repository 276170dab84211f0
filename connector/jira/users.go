package jira

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strings"
)

// UsersService finds users.
type UsersService service

// Myself returns the connection's own user.
func (s *UsersService) Myself(ctx context.Context) (User, *Response, error) {
	var u User
	resp, err := s.client.call(ctx, "GET", apiPath("/myself"), nil, nil, &u)
	return u, resp, err
}

// Get returns a user by identifier: an account id on Cloud, a user name on
// Data Center.
func (s *UsersService) Get(ctx context.Context, id string) (User, *Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return User{}, nil, err
	}
	q := url.Values{"accountId": {id}}
	if d == DataCenter {
		q = url.Values{"username": {id}}
	}
	var u User
	resp, err := s.client.call(ctx, "GET", apiPath("/user"), q, nil, &u)
	return u, resp, err
}

// Find returns a page of users matching query (display name, email or,
// on Data Center, user name).
func (s *UsersService) Find(ctx context.Context, query string, opts ListOptions) ([]User, *Response, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil, errors.New("jira: the user query is empty; give part of a name or email address")
	}
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := opts.values()
	if d == DataCenter {
		q.Set("username", query)
	} else {
		q.Set("query", query)
	}
	var users []User
	resp, err := s.client.call(ctx, "GET", apiPath("/user/search"), q, nil, &users)
	if resp != nil {
		resp.IsLast = opts.MaxResults <= 0 || len(users) < opts.MaxResults
	}
	return users, resp, err
}

// FindAll iterates over every user matching query.
func (s *UsersService) FindAll(ctx context.Context, query string) iter.Seq2[User, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]User, bool, error) {
		items, _, err := s.Find(ctx, query, ListOptions{StartAt: startAt, MaxResults: 50})
		return items, len(items) < 50, err
	})
}

// AssignableOptions says where users must be assignable: in a project (for
// new issues) or on an issue.
type AssignableOptions struct {
	ListOptions
	Project  string
	IssueKey string
	// Query filters by name or email.
	Query string
}

// Assignable returns a page of users who can be assigned issues in a
// project or a given issue.
func (s *UsersService) Assignable(ctx context.Context, opts AssignableOptions) ([]User, *Response, error) {
	if opts.Project == "" && opts.IssueKey == "" {
		return nil, nil, errors.New("jira: assignable users need a project or an issue key")
	}
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := opts.values()
	if opts.IssueKey != "" {
		q.Set("issueKey", opts.IssueKey)
	} else {
		q.Set("project", opts.Project)
	}
	if opts.Query != "" {
		if d == DataCenter {
			q.Set("username", opts.Query)
		} else {
			q.Set("query", opts.Query)
		}
	}
	var users []User
	resp, err := s.client.call(ctx, "GET", apiPath("/user/assignable/search"), q, nil, &users)
	if resp != nil {
		resp.IsLast = opts.MaxResults <= 0 || len(users) < opts.MaxResults
	}
	return users, resp, err
}

// AssignableAll iterates over every assignable user.
func (s *UsersService) AssignableAll(ctx context.Context, opts AssignableOptions) iter.Seq2[User, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]User, bool, error) {
		o := opts
		o.StartAt, o.MaxResults = startAt, 50
		items, _, err := s.Assignable(ctx, o)
		return items, len(items) < 50, err
	})
}

// userRef is how a user is written into a field or body: {"accountId": id}
// on Cloud, {"name": id} on Data Center.
func userRef(d Deployment, id string) map[string]any {
	if d == DataCenter {
		return map[string]any{"name": id}
	}
	return map[string]any{"accountId": id}
}
