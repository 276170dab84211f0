package jira

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
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

// TransitionIssueInput is the input of the transition_issue action.
type TransitionIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// To is a transition name ("Start Progress") or a target status name
	// ("In Progress"), case-insensitive, or a transition id. Required.
	To string `json:"to" expr:"to"`
	// Resolution sets the resolution (for transitions to Done and such).
	Resolution string `json:"resolution,omitempty" expr:"resolution"`
	// Comment adds a comment with the transition.
	Comment string `json:"comment,omitempty" expr:"comment"`
	// Fields sets other fields of the transition screen, by name or id.
	Fields map[string]any `json:"fields,omitempty" expr:"fields"`
}

func (in TransitionIssueInput) validate() error {
	return errors.Join(validIssueKey("issueKey", in.IssueKey), required("to", in.To, "give a transition name such as \"Done\" or a target status"))
}

// TransitionIssue returns the transition_issue action. It resolves the
// transition each time (ids differ between workflows); an unknown name is
// an error listing the transitions available. It returns the issue after
// the transition.
//
// Exactly once: a transition leaves the issue in its target status, which
// is what the action checks. When an earlier attempt may have run (a
// retry, a resumed job) it reads the issue first and does nothing if the
// issue is already in the status named by To; when the transition named by
// To is no longer offered, a status change in the changelog since the step
// began counts as done. After an ambiguous outcome it reads the issue's
// status and sends the transition again only if the issue is not in the
// transition's target status. The optional comment is part of the
// transition request, so it lands with it, once. Jira's window: a
// transition whose target is the status it starts from cannot be told
// apart from none, and someone moving the issue on between the attempt
// and the check makes the action transition it again.
func (c *Client) TransitionIssue() action.Action[TransitionIssueInput, Issue] {
	return newAction(c, "transition_issue", TransitionIssueInput.validate, func(ctx context.Context, in TransitionIssueInput) (Issue, error) {
		d, err := c.Deployment(ctx)
		if err != nil {
			return Issue{}, err
		}
		e := action.EffectOrNew(ctx, time.Now())
		if e.MayExist {
			is, _, err := c.Issues.Get(ctx, in.IssueKey, nil)
			if err != nil {
				return Issue{}, fmt.Errorf("jira: transition of %s: an earlier attempt may have run, and reading the issue failed: %w", in.IssueKey, withOutcomeUnknown(err))
			}
			if strings.EqualFold(is.Fields.Status.Name, strings.TrimSpace(in.To)) {
				return is, nil
			}
		}
		ts, _, err := c.Transitions.List(ctx, in.IssueKey)
		if err != nil {
			return Issue{}, err
		}
		t, err := FindTransition(ts, in.IssueKey, in.To)
		if err != nil {
			if e.MayExist {
				if is, moved, cerr := c.statusChangedSince(ctx, in.IssueKey, since(e)); cerr == nil && moved {
					return is, nil
				}
			}
			return Issue{}, action.Invalid("to", "%v", err)
		}
		fields := map[string]any{}
		// The transition's screen is keyed by field id; its fields may
		// carry neither the id nor a name.
		onScreen := func(id string) (FieldMeta, bool) {
			m, ok := t.Fields[id]
			if ok && m.FieldID == "" {
				m.FieldID = id
			}
			if ok && m.Name == "" {
				m.Name = id
			}
			return m, ok
		}
		s := &screenInput{d: d, field: onScreen, fields: fields, absent: func(input, id string) error {
			return action.Invalid(input, "the transition %q has no field %s on its screen", t.Name, id)
		}}
		if in.Resolution != "" {
			s.set("resolution", "resolution", in.Resolution)
		}
		s.setNamed(ctx, c, in.Fields)
		// By id, so that the same input always gets the same error.
		for _, id := range slices.Sorted(maps.Keys(t.Fields)) {
			if m := t.Fields[id]; m.Required && !m.HasDefaultValue && fields[id] == nil {
				s.errs = append(s.errs, action.Invalid("fields", "the transition %q requires the field %s (%s)", t.Name, m.Name, id))
			}
		}
		if err := errors.Join(s.errs...); err != nil {
			return Issue{}, err
		}
		var update map[string][]FieldOperation
		if in.Comment != "" {
			update = map[string][]FieldOperation{"comment": {{"add": map[string]any{"body": in.Comment}}}}
		}
		if len(fields) == 0 {
			fields = nil
		}
		return exactlyOnce(ctx, c, effectWrite[Issue]{
			what: fmt.Sprintf("transition %q of %s", t.Name, in.IssueKey),
			write: func(ctx context.Context, _ action.Effect) (Issue, error) {
				if _, err := c.Transitions.Do(ctx, in.IssueKey, t.ID, fields, update); err != nil {
					return Issue{}, fmt.Errorf("jira: transition %q of %s: %w", t.Name, in.IssueKey, err)
				}
				return decoded(c.Issues.Get(ctx, in.IssueKey, nil))
			},
			find: func(ctx context.Context, _ action.Effect) (Issue, bool, error) {
				is, _, err := c.Issues.Get(ctx, in.IssueKey, nil)
				if err != nil {
					return Issue{}, false, err
				}
				return is, is.Fields.Status.ID == t.To.ID && t.To.ID != "", nil
			},
		})
	})
}

// statusChangedSince reports whether the issue's status changed at or
// after notBefore, by its changelog, and returns the issue if so.
func (c *Client) statusChangedSince(ctx context.Context, key string, notBefore time.Time) (Issue, bool, error) {
	if notBefore.IsZero() {
		return Issue{}, false, nil
	}
	for entry, err := range c.Changelog.All(ctx, key) {
		if err != nil {
			return Issue{}, false, err
		}
		if entry.Created.Time.Before(notBefore) {
			continue
		}
		for _, it := range entry.Items {
			if it.Field == "status" {
				is, _, err := c.Issues.Get(ctx, key, nil)
				return is, err == nil, err
			}
		}
	}
	return Issue{}, false, nil
}

// Transition is a workflow transition available on an issue.
type Transition struct {
	ID          string               `json:"id" expr:"id"`
	Name        string               `json:"name" expr:"name"`
	To          Status               `json:"to" expr:"to"`
	HasScreen   bool                 `json:"hasScreen,omitempty" expr:"hasScreen"`
	IsAvailable bool                 `json:"isAvailable,omitempty" expr:"isAvailable"`
	Fields      map[string]FieldMeta `json:"fields,omitempty" expr:"fields"`
}
