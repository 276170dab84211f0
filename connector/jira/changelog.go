package jira

import (
	"context"
	"errors"
	"iter"

	"github.com/recipekit/recipekit/connector/httpx"
)

// ChangelogService reads issue history.
type ChangelogService service

// List returns a page of an issue's changelog, oldest first (GET
// /issue/{key}/changelog). On Data Center, which lacks that endpoint, it
// reads the issue with expand=changelog and returns the histories as one
// page.
func (s *ChangelogService) List(ctx context.Context, issue string, opts ListOptions) ([]ChangelogEntry, *Response, error) {
	d, err := s.client.Deployment(ctx)
	if err != nil {
		return nil, nil, err
	}
	if d == Cloud {
		var page offsetPage[ChangelogEntry]
		resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/changelog", issue), opts.values(), nil, &page)
		if err == nil || !errors.Is(err, httpx.ErrNotFound) {
			page.fill(resp)
			return page.Values, resp, err
		}
	}
	is, resp, err := s.client.Issues.Get(ctx, issue, &GetIssueOptions{Fields: []string{"created"}, Expand: []string{"changelog"}})
	if err != nil {
		return nil, resp, err
	}
	var hist []ChangelogEntry
	if is.Changelog != nil {
		hist = is.Changelog.Histories
	}
	if opts.StartAt > 0 {
		hist = hist[min(opts.StartAt, len(hist)):]
	}
	if opts.MaxResults > 0 && len(hist) > opts.MaxResults {
		hist = hist[:opts.MaxResults]
		resp.IsLast = false
	} else {
		resp.IsLast = true
	}
	resp.StartAt, resp.Total = opts.StartAt, len(hist)
	return hist, resp, nil
}

// All iterates over an issue's whole changelog.
func (s *ChangelogService) All(ctx context.Context, issue string) iter.Seq2[ChangelogEntry, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]ChangelogEntry, bool, error) {
		items, resp, err := s.List(ctx, issue, ListOptions{StartAt: startAt})
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}
