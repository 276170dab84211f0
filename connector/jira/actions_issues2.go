package jira

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// IssueKeyInput names one issue; it is the input of get-style actions.
type IssueKeyInput struct {
	// IssueKey is the issue key (DEMO-1) or id. Required.
	IssueKey string `json:"issueKey" expr:"issueKey"`
}

func (in IssueKeyInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// UpdateIssueInput is the input of the update_issue action. Empty inputs
// leave their field unchanged.
type UpdateIssueInput struct {
	IssueKey    string `json:"issueKey" expr:"issueKey"`
	Summary     string `json:"summary,omitempty" expr:"summary"`
	Description string `json:"description,omitempty" expr:"description"`
	// Priority is a priority name or id.
	Priority string `json:"priority,omitempty" expr:"priority"`
	// Assignee is an account id (Cloud) or user name (Data Center).
	Assignee string `json:"assignee,omitempty" expr:"assignee"`
	DueDate  string `json:"dueDate,omitempty" expr:"dueDate"`
	// Labels replaces every label; AddLabels and RemoveLabels change some.
	Labels       []string `json:"labels,omitempty" expr:"labels"`
	AddLabels    []string `json:"addLabels,omitempty" expr:"addLabels"`
	RemoveLabels []string `json:"removeLabels,omitempty" expr:"removeLabels"`
	// Fields sets other fields by display name or id.
	Fields map[string]any `json:"fields,omitempty" expr:"fields"`
}

func (in UpdateIssueInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

func validateUpdateIssue(in UpdateIssueInput) error {
	err := errors.Join(validIssueKey("issueKey", in.IssueKey), checkDate("dueDate", in.DueDate))
	if err != nil {
		return err
	}
	if in.Summary == "" && in.Description == "" && in.Priority == "" && in.Assignee == "" && in.DueDate == "" &&
		in.Labels == nil && len(in.AddLabels) == 0 && len(in.RemoveLabels) == 0 && len(in.Fields) == 0 {
		return action.Invalid("", "nothing to update: set at least one field")
	}
	if in.Labels != nil && (len(in.AddLabels) > 0 || len(in.RemoveLabels) > 0) {
		return action.Invalid("labels", "give either labels (replace all) or addLabels/removeLabels, not both")
	}
	for _, l := range slices.Concat(in.Labels, in.AddLabels, in.RemoveLabels) {
		if l == "" || strings.ContainsAny(l, " \t\n") {
			return action.Invalid("labels", "%q is not a valid label: labels cannot be empty or contain spaces", l)
		}
	}
	return nil
}

// UpdateIssue returns the update_issue action: it sets fields (checked
// against the issue's edit screen) and adds or removes labels, then returns
// the updated issue. Setting the same values twice has the same effect.
func (c *Client) UpdateIssue() action.Action[UpdateIssueInput, Issue] {
	return newAction(c, action.Info{
		Name:        "update_issue",
		Title:       "Update issue",
		Description: "Updates an issue's fields (standard and custom, by name or id) and adds or removes labels; returns the updated issue.",
		Idempotent:  true,
		Permissions: []string{"EDIT_ISSUES", "BROWSE_PROJECTS"},
	}, validateUpdateIssue, func(ctx context.Context, in UpdateIssueInput) (Issue, error) {
		d, err := c.Deployment(ctx)
		if err != nil {
			return Issue{}, err
		}
		meta, _, err := c.Issues.EditMeta(ctx, in.IssueKey)
		if err != nil {
			return Issue{}, err
		}
		onScreen := func(id string) (FieldMeta, bool) {
			if m, ok := meta[id]; ok {
				return m, true
			}
			for _, m := range meta {
				if m.Key == id {
					return m, true
				}
			}
			return FieldMeta{}, false
		}
		body := IssueUpdate{Fields: map[string]any{}, Update: map[string][]FieldOperation{}}
		var errs []error
		set := func(input, id string, v any) {
			m, ok := onScreen(id)
			if !ok {
				errs = append(errs, action.Invalid(input, "the field %s is not on the edit screen of %s (or the account may not edit it)", id, in.IssueKey))
				return
			}
			sv, err := shapeValue(d, m, v)
			if err != nil {
				errs = append(errs, action.Invalid(input, "%v", err))
				return
			}
			body.Fields[m.FieldID] = sv
		}
		if in.Summary != "" {
			set("summary", "summary", in.Summary)
		}
		if in.Description != "" {
			set("description", "description", in.Description)
		}
		if in.Priority != "" {
			set("priority", "priority", in.Priority)
		}
		if in.Assignee != "" {
			set("assignee", "assignee", in.Assignee)
		}
		if in.DueDate != "" {
			set("dueDate", "duedate", in.DueDate)
		}
		if in.Labels != nil {
			set("labels", "labels", in.Labels)
		}
		for _, l := range in.AddLabels {
			body.Update["labels"] = append(body.Update["labels"], FieldOperation{"add": l})
		}
		for _, l := range in.RemoveLabels {
			body.Update["labels"] = append(body.Update["labels"], FieldOperation{"remove": l})
		}
		if len(body.Update["labels"]) > 0 {
			if _, ok := onScreen("labels"); !ok {
				errs = append(errs, action.Invalid("addLabels", "the labels field is not on the edit screen of %s", in.IssueKey))
			}
		}
		keys := make([]string, 0, len(in.Fields))
		for k := range in.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			id, err := c.resolveOnScreen(ctx, k, onScreen)
			if err != nil {
				errs = append(errs, action.Invalid("fields."+k, "%v", err))
				continue
			}
			set("fields."+k, id, in.Fields[k])
		}
		if err := errors.Join(errs...); err != nil {
			return Issue{}, err
		}
		if len(body.Fields) == 0 {
			body.Fields = nil
		}
		if len(body.Update) == 0 {
			body.Update = nil
		}
		if _, err := c.Issues.Update(ctx, in.IssueKey, body, nil); err != nil {
			return Issue{}, err
		}
		is, _, err := c.Issues.Get(ctx, in.IssueKey, nil)
		return is, err
	})
}

// GetIssueInput is the input of the get_issue action.
type GetIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Fields lists field ids or names to return; empty returns all.
	Fields []string `json:"fields,omitempty" expr:"fields"`
	// Expand lists expansions ("changelog", "names", "renderedFields",
	// "transitions").
	Expand []string `json:"expand,omitempty" expr:"expand"`
}

func (in GetIssueInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// GetIssue returns the get_issue action.
func (c *Client) GetIssue() action.Action[GetIssueInput, Issue] {
	return newAction(c, action.Info{
		Name:        "get_issue",
		Title:       "Get issue",
		Description: "Reads an issue by key or id, with chosen fields (by name or id) and expansions.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in GetIssueInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in GetIssueInput) (Issue, error) {
			opts := &GetIssueOptions{Expand: in.Expand}
			for _, f := range in.Fields {
				id := f
				if !isFieldSyntax(f) {
					var err error
					if id, err = c.Fields.ID(ctx, f); err != nil {
						return Issue{}, action.Invalid("fields", "%v", err)
					}
				}
				opts.Fields = append(opts.Fields, id)
			}
			is, _, err := c.Issues.Get(ctx, in.IssueKey, opts)
			return is, err
		})
}

// isFieldSyntax reports whether f is a field id or a Jira field selector
// rather than a display name.
func isFieldSyntax(f string) bool {
	return strings.HasPrefix(f, "*") || strings.HasPrefix(f, "-") || strings.HasPrefix(f, "customfield_") ||
		(f == strings.ToLower(f) && !strings.Contains(f, " "))
}

// DeleteIssueInput is the input of the delete_issue action.
type DeleteIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// DeleteSubtasks deletes the issue's sub-tasks too; without it Jira
	// refuses to delete an issue that has some.
	DeleteSubtasks bool `json:"deleteSubtasks,omitempty" expr:"deleteSubtasks"`
}

func (in DeleteIssueInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// DeleteIssue returns the delete_issue action.
func (c *Client) DeleteIssue() action.Action[DeleteIssueInput, DeleteResult] {
	return newAction(c, action.Info{
		Name:        "delete_issue",
		Title:       "Delete issue",
		Description: "Deletes an issue, optionally with its sub-tasks.",
		Idempotent:  true,
		Permissions: []string{"DELETE_ISSUES", "BROWSE_PROJECTS"},
	}, func(in DeleteIssueInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in DeleteIssueInput) (DeleteResult, error) {
			_, err := c.Issues.Delete(ctx, in.IssueKey, in.DeleteSubtasks)
			return deleteResult(in.IssueKey, err)
		})
}

// AssignIssueInput is the input of the assign_issue action.
type AssignIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Assignee is an account id (Cloud) or user name (Data Center); empty
	// unassigns the issue; "-1" assigns the project's default assignee.
	Assignee string `json:"assignee" expr:"assignee"`
}

func (in AssignIssueInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// AssignResult is the output of the assign_issue action.
type AssignResult struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Assignee is the new assignee; nil when the issue is unassigned.
	Assignee *User `json:"assignee,omitempty" expr:"assignee"`
}

// AssignIssue returns the assign_issue action.
func (c *Client) AssignIssue() action.Action[AssignIssueInput, AssignResult] {
	return newAction(c, action.Info{
		Name:        "assign_issue",
		Title:       "Assign issue",
		Description: "Assigns an issue to a user (account id on Cloud, user name on Data Center), to the project default (-1), or unassigns it (empty).",
		Idempotent:  true,
		Permissions: []string{"ASSIGN_ISSUES"},
	}, func(in AssignIssueInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in AssignIssueInput) (AssignResult, error) {
			if _, err := c.Issues.Assign(ctx, in.IssueKey, in.Assignee); err != nil {
				return AssignResult{IssueKey: in.IssueKey}, err
			}
			is, _, err := c.Issues.Get(ctx, in.IssueKey, &GetIssueOptions{Fields: []string{"assignee"}})
			return AssignResult{IssueKey: in.IssueKey, Assignee: is.Fields.Assignee}, err
		})
}

// TransitionIssueInput is the input of the transition_issue action.
type TransitionIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
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

func (in TransitionIssueInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// TransitionIssue returns the transition_issue action. It resolves the
// transition each time (ids differ between workflows); an unknown name is
// an error listing the transitions available. It returns the issue after
// the transition.
func (c *Client) TransitionIssue() action.Action[TransitionIssueInput, Issue] {
	return newAction(c, action.Info{
		Name:        "transition_issue",
		Title:       "Transition issue",
		Description: "Moves an issue through its workflow by transition name or target status, with transition fields such as resolution and an optional comment.",
		Idempotent:  false,
		Permissions: []string{"TRANSITION_ISSUES", "BROWSE_PROJECTS"},
	}, func(in TransitionIssueInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("to", in.To, "give a transition name such as \"Done\" or a target status"))
	}, func(ctx context.Context, in TransitionIssueInput) (Issue, error) {
		d, err := c.Deployment(ctx)
		if err != nil {
			return Issue{}, err
		}
		ts, _, err := c.Transitions.List(ctx, in.IssueKey)
		if err != nil {
			return Issue{}, err
		}
		t, err := FindTransition(ts, in.IssueKey, in.To)
		if err != nil {
			return Issue{}, action.Invalid("to", "%v", err)
		}
		fields := map[string]any{}
		var errs []error
		set := func(input, id string, v any) {
			m, ok := t.Fields[id]
			if !ok {
				errs = append(errs, action.Invalid(input, "the transition %q has no field %s on its screen", t.Name, id))
				return
			}
			if m.Name == "" {
				m.Name = id
			}
			sv, err := shapeValue(d, m, v)
			if err != nil {
				errs = append(errs, action.Invalid(input, "%v", err))
				return
			}
			fields[id] = sv
		}
		if in.Resolution != "" {
			set("resolution", "resolution", in.Resolution)
		}
		for k, v := range in.Fields {
			id, err := c.resolveOnScreen(ctx, k, func(id string) (FieldMeta, bool) {
				m, ok := t.Fields[id]
				if ok && m.FieldID == "" {
					m.FieldID = id
				}
				return m, ok
			})
			if err != nil {
				errs = append(errs, action.Invalid("fields."+k, "%v", err))
				continue
			}
			set("fields."+k, id, v)
		}
		for id, m := range t.Fields {
			if m.Required && !m.HasDefaultValue && fields[id] == nil {
				errs = append(errs, action.Invalid("fields", "the transition %q requires the field %s (%s)", t.Name, m.Name, id))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return Issue{}, err
		}
		var update map[string][]FieldOperation
		if in.Comment != "" {
			update = map[string][]FieldOperation{"comment": {{"add": map[string]any{"body": in.Comment}}}}
		}
		if len(fields) == 0 {
			fields = nil
		}
		if _, err := c.Transitions.Do(ctx, in.IssueKey, t.ID, fields, update); err != nil {
			return Issue{}, fmt.Errorf("jira: transition %q of %s: %w", t.Name, in.IssueKey, err)
		}
		is, _, err := c.Issues.Get(ctx, in.IssueKey, nil)
		return is, err
	})
}
