package jira

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// TransitionsService lists and performs workflow transitions.
type TransitionsService service

// List returns the transitions available on an issue, with their screen
// fields (expand=transitions.fields). Jira answers an empty list, not an
// error, when the account lacks the TRANSITION_ISSUES permission.
func (s *TransitionsService) List(ctx context.Context, issue string) ([]Transition, *Response, error) {
	var out struct {
		Transitions []Transition `json:"transitions"`
	}
	q := url.Values{"expand": {"transitions.fields"}}
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s/transitions", issue), q, nil, &out)
	return out.Transitions, resp, err
}

// Do performs transition id on an issue with optional field values and
// update operations (such as a comment).
func (s *TransitionsService) Do(ctx context.Context, issue, id string, fields map[string]any, update map[string][]FieldOperation) (*Response, error) {
	body := IssueUpdate{Transition: &IDRef{ID: id}, Fields: fields, Update: update}
	return s.client.call(ctx, "POST", apiPath("/issue/%s/transitions", issue), nil, body, nil)
}

// FindTransition picks the transition whose name or target status is want
// (case-insensitive; a transition name wins over a status name). The error
// lists the transitions available.
func FindTransition(ts []Transition, issue, want string) (Transition, error) {
	w := strings.TrimSpace(want)
	for _, t := range ts {
		if t.ID == w || strings.EqualFold(t.Name, w) {
			return t, nil
		}
	}
	for _, t := range ts {
		if strings.EqualFold(t.To.Name, w) {
			return t, nil
		}
	}
	if len(ts) == 0 {
		return Transition{}, fmt.Errorf("jira: issue %s has no transition available to this account (Jira lists none without the TRANSITION_ISSUES permission)", issue)
	}
	opts := make([]string, len(ts))
	for i, t := range ts {
		opts[i] = fmt.Sprintf("%q (to %s)", t.Name, t.To.Name)
	}
	return Transition{}, fmt.Errorf("jira: issue %s has no transition or target status %q; available: %s", issue, want, strings.Join(opts, ", "))
}
