package jira

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// IssuesService reads and writes issues.
type IssuesService service

// GetIssueOptions selects what GET issue returns.
type GetIssueOptions struct {
	// Fields lists field ids to return (default: all). Use "*navigable",
	// "-comment" and the like as Jira allows.
	Fields []string
	// Expand lists expansions: "changelog", "names", "renderedFields",
	// "transitions", "editmeta", "schema".
	Expand []string
	// Properties lists issue property keys to return.
	Properties []string
}

func (o *GetIssueOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	setList(q, "fields", o.Fields)
	setList(q, "expand", o.Expand)
	setList(q, "properties", o.Properties)
	return q
}

// Get returns the issue with key or id keyOrID.
func (s *IssuesService) Get(ctx context.Context, keyOrID string, opts *GetIssueOptions) (Issue, *Response, error) {
	var issue Issue
	resp, err := s.client.call(ctx, "GET", apiPath("/issue/%s", keyOrID), opts.values(), nil, &issue)
	if err == nil {
		one := []Issue{issue}
		err = s.client.nameCustomFields(ctx, one)
		issue = one[0]
	}
	return issue, resp, err
}

// FieldOperation is one entry of an update: {"add": "urgent"},
// {"remove": "old"}, {"set": value}.
type FieldOperation map[string]any

// EntityProperty is an issue (or other entity) property.
type EntityProperty struct {
	Key   string `json:"key" expr:"key"`
	Value any    `json:"value" expr:"value"`
}

// IDRef refers to an object by id.
type IDRef struct {
	ID string `json:"id"`
}

// IssueUpdate is the body of create issue, edit issue and transition: field
// values to set, update operations, and issue properties.
type IssueUpdate struct {
	Fields     map[string]any              `json:"fields,omitempty"`
	Update     map[string][]FieldOperation `json:"update,omitempty"`
	Transition *IDRef                      `json:"transition,omitempty"`
	Properties []EntityProperty            `json:"properties,omitempty"`
}

// CreatedIssue is Jira's answer to create issue.
type CreatedIssue struct {
	ID   string `json:"id" expr:"id"`
	Key  string `json:"key" expr:"key"`
	Self string `json:"self" expr:"self"`
}

// Create creates an issue. The request is sent once (never retried: a
// retry after an ambiguous failure could create a duplicate); a failure
// whose outcome is unknown wraps action.ErrOutcomeUnknown. The create
// issue action adds idempotency keys on top of this.
func (s *IssuesService) Create(ctx context.Context, body IssueUpdate) (CreatedIssue, *Response, error) {
	return callJSON[CreatedIssue](ctx, s.client, "POST", apiPath("/issue"), nil, body)
}

// UpdateOptions tunes edit issue.
type UpdateOptions struct {
	// NotifyUsers false asks Jira not to send notifications (honoured only
	// for administrators).
	NotifyUsers *bool
}

// Update edits an issue (204 No Content on success).
func (s *IssuesService) Update(ctx context.Context, keyOrID string, body IssueUpdate, opts *UpdateOptions) (*Response, error) {
	q := url.Values{}
	if opts != nil && opts.NotifyUsers != nil {
		q.Set("notifyUsers", strconv.FormatBool(*opts.NotifyUsers))
	}
	return s.client.call(ctx, "PUT", apiPath("/issue/%s", keyOrID), q, body, nil)
}

// Delete deletes an issue; with deleteSubtasks its sub-tasks too (Jira
// refuses to delete an issue with sub-tasks otherwise).
func (s *IssuesService) Delete(ctx context.Context, keyOrID string, deleteSubtasks bool) (*Response, error) {
	q := url.Values{}
	if deleteSubtasks {
		q.Set("deleteSubtasks", "true")
	}
	return s.client.call(ctx, "DELETE", apiPath("/issue/%s", keyOrID), q, nil, nil)
}

// Assign assigns an issue to user (an account id on Cloud, a user name on
// Data Center). An empty user unassigns the issue; "-1" assigns the
// project's default assignee.
func (s *IssuesService) Assign(ctx context.Context, keyOrID, user string) (*Response, error) {
	n, err := s.client.userNames(ctx)
	if err != nil {
		return nil, err
	}
	body := map[string]any{n.field: nil}
	if user != "" {
		body[n.field] = user
	}
	return s.client.call(ctx, "PUT", apiPath("/issue/%s/assignee", keyOrID), nil, body, nil)
}

// SetProperty stores value as the issue property key.
func (s *IssuesService) SetProperty(ctx context.Context, keyOrID, key string, value any) (*Response, error) {
	return s.client.call(ctx, "PUT", apiPath("/issue/%s/properties/%s", keyOrID, key), nil, value, nil)
}

// GetProperty reads the issue property key.
func (s *IssuesService) GetProperty(ctx context.Context, keyOrID, key string) (EntityProperty, *Response, error) {
	return callJSON[EntityProperty](ctx, s.client, "GET", apiPath("/issue/%s/properties/%s", keyOrID, key), nil, nil)
}

// IssueKeyInput names one issue; it is the input of get-style actions.
type IssueKeyInput struct {
	// IssueKey is the issue key (DEMO-1) or id. Required.
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
}

func (in IssueKeyInput) validate() error { return validIssueKey("issueKey", in.IssueKey) }

// UpdateIssueInput is the input of the update_issue action. Empty inputs
// leave their field unchanged.
type UpdateIssueInput struct {
	IssueKey    string `json:"issueKey" expr:"issueKey" scope:"issue"`
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
	return newAction(c, "update_issue", validateUpdateIssue, func(ctx context.Context, in UpdateIssueInput) (Issue, error) {
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
		s := &screenInput{d: d, field: onScreen, fields: body.Fields, absent: func(input, id string) error {
			return action.Invalid(input, "the field %s is not on the edit screen of %s (or the account may not edit it)", id, in.IssueKey)
		}}
		if in.Summary != "" {
			s.set("summary", "summary", in.Summary)
		}
		if in.Description != "" {
			s.set("description", "description", in.Description)
		}
		if in.Priority != "" {
			s.set("priority", "priority", in.Priority)
		}
		if in.Assignee != "" {
			s.set("assignee", "assignee", in.Assignee)
		}
		if in.DueDate != "" {
			s.set("dueDate", "duedate", in.DueDate)
		}
		if in.Labels != nil {
			s.set("labels", "labels", in.Labels)
		}
		for _, l := range in.AddLabels {
			body.Update["labels"] = append(body.Update["labels"], FieldOperation{"add": l})
		}
		for _, l := range in.RemoveLabels {
			body.Update["labels"] = append(body.Update["labels"], FieldOperation{"remove": l})
		}
		if len(body.Update["labels"]) > 0 {
			if _, ok := onScreen("labels"); !ok {
				s.errs = append(s.errs, action.Invalid("addLabels", "the labels field is not on the edit screen of %s", in.IssueKey))
			}
		}
		s.setNamed(ctx, c, in.Fields)
		if err := errors.Join(s.errs...); err != nil {
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
		return decoded(c.Issues.Get(ctx, in.IssueKey, nil))
	})
}

// GetIssueInput is the input of the get_issue action.
type GetIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Fields lists field ids or names to return; empty returns all.
	Fields []string `json:"fields,omitempty" expr:"fields"`
	// Expand lists expansions ("changelog", "names", "renderedFields",
	// "transitions").
	Expand []string `json:"expand,omitempty" expr:"expand"`
}

func (in GetIssueInput) validate() error { return validIssueKey("issueKey", in.IssueKey) }

// GetIssue returns the get_issue action.
func (c *Client) GetIssue() action.Action[GetIssueInput, Issue] {
	return newAction(c, "get_issue", GetIssueInput.validate, func(ctx context.Context, in GetIssueInput) (Issue, error) {
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
		return decoded(c.Issues.Get(ctx, in.IssueKey, opts))
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
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// DeleteSubtasks deletes the issue's sub-tasks too; without it Jira
	// refuses to delete an issue that has some.
	DeleteSubtasks bool `json:"deleteSubtasks,omitempty" expr:"deleteSubtasks"`
}

func (in DeleteIssueInput) validate() error { return validIssueKey("issueKey", in.IssueKey) }

// DeleteIssue returns the delete_issue action.
func (c *Client) DeleteIssue() action.Action[DeleteIssueInput, DeleteResult] {
	return newAction(c, "delete_issue", DeleteIssueInput.validate, func(ctx context.Context, in DeleteIssueInput) (DeleteResult, error) {
		_, err := c.Issues.Delete(ctx, in.IssueKey, in.DeleteSubtasks)
		return deleteResult(in.IssueKey, err)
	})
}

// AssignIssueInput is the input of the assign_issue action.
type AssignIssueInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey" scope:"issue"`
	// Assignee is an account id (Cloud) or user name (Data Center); empty
	// unassigns the issue; "-1" assigns the project's default assignee.
	Assignee string `json:"assignee" expr:"assignee"`
}

func (in AssignIssueInput) validate() error { return validIssueKey("issueKey", in.IssueKey) }

// AssignResult is the output of the assign_issue action.
type AssignResult struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	// Assignee is the new assignee; nil when the issue is unassigned.
	Assignee *User `json:"assignee,omitempty" expr:"assignee"`
}

// AssignIssue returns the assign_issue action.
func (c *Client) AssignIssue() action.Action[AssignIssueInput, AssignResult] {
	return newAction(c, "assign_issue", AssignIssueInput.validate, func(ctx context.Context, in AssignIssueInput) (AssignResult, error) {
		if _, err := c.Issues.Assign(ctx, in.IssueKey, in.Assignee); err != nil {
			return AssignResult{IssueKey: in.IssueKey}, err
		}
		is, _, err := c.Issues.Get(ctx, in.IssueKey, &GetIssueOptions{Fields: []string{"assignee"}})
		return AssignResult{IssueKey: in.IssueKey, Assignee: is.Fields.Assignee}, err
	})
}

// Issue is a Jira issue as REST v2 returns it.
type Issue struct {
	ID     string      `json:"id" expr:"id"`
	Key    string      `json:"key" expr:"key"`
	Self   string      `json:"self,omitempty" expr:"self"`
	Fields IssueFields `json:"fields" expr:"fields"`
	// Changelog is present with expand=changelog.
	Changelog *Changelog `json:"changelog,omitempty" expr:"changelog"`
	// Names maps field ids to display names, with expand=names.
	Names map[string]string `json:"names,omitempty" expr:"names"`
	// RenderedFields holds HTML renderings, with expand=renderedFields.
	RenderedFields map[string]any `json:"renderedFields,omitempty" expr:"renderedFields"`
	// Transitions lists the transitions available, with expand=transitions.
	Transitions []Transition `json:"transitions,omitempty" expr:"transitions"`
	// Properties holds the issue properties asked for with the properties
	// parameter.
	Properties map[string]any `json:"properties,omitempty" expr:"properties"`
}
