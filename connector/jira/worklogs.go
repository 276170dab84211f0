package jira

import (
	"context"
	"iter"
	"net/url"
)

// WorklogsService manages worklogs.
type WorklogsService service

// WorklogBody is the body of add worklog. Give TimeSpentSeconds or
// TimeSpent ("3h 20m"); Started defaults to now in Jira.
type WorklogBody struct {
	Comment          string      `json:"comment,omitempty"`
	Started          string      `json:"started,omitempty"`
	TimeSpent        string      `json:"timeSpent,omitempty"`
	TimeSpentSeconds int64       `json:"timeSpentSeconds,omitempty"`
	Visibility       *Visibility `json:"visibility,omitempty"`
}

// Add logs work on an issue. adjustEstimate is "", "auto", "leave", "new"
// or "manual" (Jira's default is auto).
func (s *WorklogsService) Add(ctx context.Context, issue string, w WorklogBody, adjustEstimate string) (Worklog, *Response, error) {
	q := url.Values{}
	if adjustEstimate != "" {
		q.Set("adjustEstimate", adjustEstimate)
	}
	var out Worklog
	resp, err := s.client.call(ctx, "POST", apiPath("/issue/%s/worklog", issue), q, w, &out)
	return out, resp, err
}

// List returns a page of an issue's worklogs.
func (s *WorklogsService) List(ctx context.Context, issue string, opts ListOptions) ([]Worklog, *Response, error) {
	var page struct {
		offsetPage[Worklog]
		Worklogs []Worklog `json:"worklogs"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/worklog", issue), opts.values(), nil, &page)
	page.Values = page.Worklogs
	page.fill(resp)
	return page.Worklogs, resp, err
}

// All iterates over every worklog of an issue.
func (s *WorklogsService) All(ctx context.Context, issue string) iter.Seq2[Worklog, error] {
	return pages(ctx, func(ctx context.Context, startAt int) ([]Worklog, bool, error) {
		items, resp, err := s.List(ctx, issue, ListOptions{StartAt: startAt})
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
	})
}
