package jira

import (
	"context"
	"errors"
	"iter"

	"github.com/recipekit/recipekit/action"
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
		if err == nil || !errors.Is(err, ErrNotFound) {
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
	return allPages(ctx, func(ctx context.Context, startAt int) ([]ChangelogEntry, *Response, error) {
		return s.List(ctx, issue, ListOptions{StartAt: startAt})
	})
}

// ChangelogInput is the input of the get_changelog action.
type ChangelogInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Limit caps the number of entries (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ChangelogInput) validate() error { return validIssueItems(in.IssueKey, in.Limit) }

// ChangelogResult is the output of the get_changelog action.
type ChangelogResult struct {
	IssueKey string           `json:"issueKey" expr:"issueKey"`
	Entries  []ChangelogEntry `json:"entries" expr:"entries"`
}

// GetChangelog returns the get_changelog action.
func (c *Client) GetChangelog() action.Action[ChangelogInput, ChangelogResult] {
	return newAction(c, "get_changelog", ChangelogInput.validate, func(ctx context.Context, in ChangelogInput) (ChangelogResult, error) {
		entries, _, err := collect(c.Changelog.All(ctx, in.IssueKey), in.Limit, 1000)
		return ChangelogResult{IssueKey: in.IssueKey, Entries: entries}, err
	})
}

// ChangelogItem is one field change in a changelog entry.
type ChangelogItem struct {
	Field      string `json:"field" expr:"field"`
	FieldType  string `json:"fieldtype,omitempty" expr:"fieldtype"`
	FieldID    string `json:"fieldId,omitempty" expr:"fieldId"`
	From       string `json:"from" expr:"from"`
	FromString string `json:"fromString" expr:"fromString"`
	To         string `json:"to" expr:"to"`
	ToString   string `json:"toString" expr:"toString"`
}

// ChangelogEntry (a "history") is one change of an issue by one user.
type ChangelogEntry struct {
	ID      string          `json:"id" expr:"id"`
	Author  User            `json:"author" expr:"author"`
	Created Time            `json:"created" expr:"created"`
	Items   []ChangelogItem `json:"items" expr:"items"`
}

// Changelog is the history of an issue, as embedded with expand=changelog.
type Changelog struct {
	StartAt    int              `json:"startAt" expr:"startAt"`
	MaxResults int              `json:"maxResults" expr:"maxResults"`
	Total      int              `json:"total" expr:"total"`
	Histories  []ChangelogEntry `json:"histories" expr:"histories"`
}
