package jira

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// CreateIssueInput is the input of the create_issue action. Standard fields
// have their own inputs; any other field (custom ones included) goes in
// Fields, keyed by display name ("Story Points") or id
// ("customfield_10016").
type CreateIssueInput struct {
	// Project is the project key (or id). Required.
	Project string `json:"project" expr:"project" scope:"project"`
	// IssueType is the issue type name ("Task", "Sub-task") or id. Required.
	IssueType string `json:"issueType" expr:"issueType"`
	// Summary is the issue's title. Required.
	Summary string `json:"summary" expr:"summary"`
	// Description is wiki markup.
	Description string `json:"description,omitempty" expr:"description"`
	// Parent is the parent issue key, required for a sub-task.
	Parent string `json:"parent,omitempty" expr:"parent"`
	// Assignee and Reporter are account ids on Cloud, user names on Data
	// Center.
	Assignee string `json:"assignee,omitempty" expr:"assignee"`
	Reporter string `json:"reporter,omitempty" expr:"reporter"`
	// Priority is a priority name ("High") or id.
	Priority string   `json:"priority,omitempty" expr:"priority"`
	Labels   []string `json:"labels,omitempty" expr:"labels"`
	// Components, FixVersions and Versions are names or ids.
	Components  []string `json:"components,omitempty" expr:"components"`
	FixVersions []string `json:"fixVersions,omitempty" expr:"fixVersions"`
	Versions    []string `json:"versions,omitempty" expr:"versions"`
	// DueDate is a date like 2026-03-11.
	DueDate string `json:"dueDate,omitempty" expr:"dueDate"`
	// Fields holds other fields by display name or id. Values are shaped
	// for the field's type: an option's value, a user's id, a number, a
	// list of names...; a map is sent as is.
	Fields map[string]any `json:"fields,omitempty" expr:"fields"`
	// IdempotencyKey makes the create safe to repeat: one key yields at
	// most one issue, even across an ambiguous failure (a timeout, a lost
	// connection, a 5xx). See the package documentation.
	IdempotencyKey string `json:"idempotencyKey,omitempty" expr:"idempotencyKey"`
}

func validateCreateIssue(in CreateIssueInput) error {
	return errors.Join(
		required("project", in.Project, "give the project key, such as DEMO"),
		required("issueType", in.IssueType, "give the issue type name, such as Task"),
		required("summary", in.Summary, "give the issue's title"),
		checkDate("dueDate", in.DueDate),
		checkNoStandardInFields(in.Fields),
	)
}

func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := ParseTime(s); err != nil {
		return action.Invalid(field, "%q is not a date; write it like 2026-03-11", s)
	}
	return nil
}

// standardInputs are fields with their own input; putting them in Fields is
// ambiguous.
var standardInputs = map[string]string{
	"project": "project", "issuetype": "issueType", "summary": "summary", "description": "description",
	"parent": "parent", "assignee": "assignee", "reporter": "reporter", "priority": "priority",
	"labels": "labels", "components": "components", "fixversions": "fixVersions", "versions": "versions",
	"duedate": "dueDate",
}

func checkNoStandardInFields(fields map[string]any) error {
	for k := range fields {
		if in, ok := standardInputs[strings.ToLower(k)]; ok {
			return action.Invalid("fields", "%q has its own input %q; set it there", k, in)
		}
	}
	return nil
}

// CreateIssue returns the create_issue action. It checks the input against
// the project's create screen (createmeta) before posting, so a missing
// required field or a value outside a field's options is an error that
// names the field, and no issue is created. The POST is never retried
// blindly: without an IdempotencyKey an ambiguous failure returns an error
// wrapping action.ErrOutcomeUnknown.
func (c *Client) CreateIssue() action.Action[CreateIssueInput, Issue] {
	return newAction(c, "create_issue", validateCreateIssue, c.createIssue)
}

func (c *Client) createIssue(ctx context.Context, in CreateIssueInput) (Issue, error) {
	d, err := c.Deployment(ctx)
	if err != nil {
		return Issue{}, err
	}
	meta, err := c.Issues.CreateMetaFor(ctx, in.Project, in.IssueType)
	if err != nil {
		if strings.Contains(err.Error(), "has no issue type") {
			return Issue{}, action.Invalid("issueType", "%v", err)
		}
		return Issue{}, err
	}
	body, err := c.buildCreate(ctx, d, meta, in)
	if err != nil {
		return Issue{}, err
	}
	if in.IdempotencyKey == "" {
		return c.createOnce(ctx, in, body)
	}
	return c.createIdempotent(ctx, in, body)
}

// createOnce creates the issue with the step run's effect key in its
// recipekit.effect property and, when an earlier attempt may have created
// it or the create ends ambiguously, looks for an issue of the project
// created by this account since the step began that carries the key.
func (c *Client) createOnce(ctx context.Context, in CreateIssueInput, body IssueUpdate) (Issue, error) {
	patient := false
	return exactlyOnce(ctx, c, effectWrite[Issue]{
		what: "creating an issue in " + in.Project,
		write: func(ctx context.Context, e action.Effect) (Issue, error) {
			b := body
			b.Properties = append(slices.Clone(body.Properties), EntityProperty{Key: EffectProperty, Value: effectValue(e.Key)})
			created, _, err := c.Issues.Create(ctx, b)
			if err != nil {
				patient = true // a lookup after this must wait out search lag
				return Issue{}, err
			}
			return c.fetchCreated(ctx, created)
		},
		find: func(ctx context.Context, e action.Effect) (Issue, bool, error) {
			return c.findCreatedByEffect(ctx, in.Project, e, patient)
		},
	})
}

// findCreatedByEffect searches the project for issues this account created
// since the effect's step began and returns the one whose recipekit.effect
// property records the effect's key. Cloud's search is eventually
// consistent, so after an ambiguous create (patient) an empty answer on
// Cloud is asked again a few times, with a short wait.
func (c *Client) findCreatedByEffect(ctx context.Context, project string, e action.Effect, patient bool) (Issue, bool, error) {
	jql := fmt.Sprintf("project = %s AND creator = currentUser() AND created >= %d ORDER BY created DESC", strconv.Quote(project), since(e).UnixMilli())
	return c.searchCreated(ctx, SearchOptions{JQL: jql, Fields: []string{"created"}, MaxResults: 50}, patient, func(is Issue) (bool, error) {
		return c.issuePropertyRecords(ctx, is.Key, EffectProperty, e.Key)
	})
}

// createFailure classifies a failed create: an ambiguous one (no answer, a
// 5xx) wraps action.ErrOutcomeUnknown and says so.
func createFailure(in CreateIssueInput, err error) error {
	if isAmbiguous(err) {
		return action.Permanent(fmt.Errorf("jira: creating an issue in %s: the outcome is unknown: the issue may or may not have been created (check the project before retrying, or set an idempotency key so a retry is safe): %w", in.Project, withOutcomeUnknown(err)))
	}
	return err
}

func (c *Client) fetchCreated(ctx context.Context, created CreatedIssue) (Issue, error) {
	is, _, err := c.Issues.Get(ctx, created.Key, nil)
	if err != nil {
		// The issue exists; say so rather than fail as if it did not.
		return Issue{ID: created.ID, Key: created.Key, Self: created.Self}, fmt.Errorf("jira: issue %s was created but reading it back failed: %w", created.Key, err)
	}
	return is, nil
}

// buildCreate shapes the input into a create body, checked against meta.
func (c *Client) buildCreate(ctx context.Context, d Deployment, meta CreateMeta, in CreateIssueInput) (IssueUpdate, error) {
	fields := map[string]any{
		"issuetype": map[string]any{"id": meta.IssueType.ID},
		"summary":   in.Summary,
	}
	if _, err := strconv.ParseInt(in.Project, 10, 64); err == nil {
		fields["project"] = map[string]any{"id": in.Project}
	} else {
		fields["project"] = map[string]any{"key": in.Project}
	}
	s := &screenInput{d: d, field: meta.Field, fields: fields, absent: func(input, id string) error {
		return action.Invalid(input, "the field %s is not on the create screen of %s in project %s; fields there: %s", id, meta.IssueType.Name, meta.Project, screenFields(meta))
	}}
	if in.Description != "" {
		s.set("description", "description", in.Description)
	}
	if in.Parent != "" {
		// Cloud lists parent on the screen; DC 7/8 does not, but accepts it.
		if fm, ok := meta.Field("parent"); ok {
			s.set("parent", fm.FieldID, in.Parent)
		} else {
			fields["parent"] = map[string]any{"key": in.Parent}
		}
	} else if meta.IssueType.Subtask {
		s.errs = append(s.errs, action.Invalid("parent", "%s is a sub-task type: give the parent issue key", meta.IssueType.Name))
	}
	if in.Assignee != "" {
		s.set("assignee", "assignee", in.Assignee)
	}
	if in.Reporter != "" {
		s.set("reporter", "reporter", in.Reporter)
	}
	if in.Priority != "" {
		s.set("priority", "priority", in.Priority)
	}
	if len(in.Labels) > 0 {
		s.set("labels", "labels", in.Labels)
	}
	if len(in.Components) > 0 {
		s.set("components", "components", in.Components)
	}
	if len(in.FixVersions) > 0 {
		s.set("fixVersions", "fixVersions", in.FixVersions)
	}
	if len(in.Versions) > 0 {
		s.set("versions", "versions", in.Versions)
	}
	if in.DueDate != "" {
		s.set("dueDate", "duedate", in.DueDate)
	}
	s.setNamed(ctx, c, in.Fields)
	var missing []string
	for _, fm := range meta.Fields {
		// Jira makes the caller the reporter when none is given.
		if fm.Required && !fm.HasDefaultValue && fields[fm.FieldID] == nil && fm.FieldID != "reporter" {
			missing = append(missing, fmt.Sprintf("%s (%s)", fm.Name, fm.FieldID))
		}
	}
	if len(missing) > 0 {
		s.errs = append(s.errs, action.Invalid("fields", "required on the create screen of %s in project %s but not given: %s", meta.IssueType.Name, meta.Project, strings.Join(missing, ", ")))
	}
	body := IssueUpdate{Fields: fields}
	if in.IdempotencyKey != "" {
		if _, ok := meta.Field("labels"); !ok {
			s.errs = append(s.errs, action.Invalid("idempotencyKey", "an idempotency key is kept in a label, and the labels field is not on the create screen of %s in project %s; add it to the screen or create without a key", meta.IssueType.Name, meta.Project))
		} else {
			labels, _ := fields["labels"].([]any)
			fields["labels"] = append(labels, idempotencyLabel(in.IdempotencyKey))
		}
		body.Properties = []EntityProperty{{Key: IdempotencyProperty, Value: map[string]string{"key": in.IdempotencyKey}}}
	}
	if err := errors.Join(s.errs...); err != nil {
		return IssueUpdate{}, err
	}
	return body, nil
}

// screenInput shapes an action's inputs into the fields of a create, edit
// or transition request, each checked against the screen Jira checks it
// against. The problems pile up in errs, so that one answer names every
// wrong input.
type screenInput struct {
	d Deployment
	// field finds a field of the screen by its id.
	field func(id string) (FieldMeta, bool)
	// absent is the error of an input whose field is not on the screen.
	absent func(input, id string) error
	fields map[string]any
	errs   []error
}

// set puts v, shaped for the field id, in the fields; input names it in
// an error.
func (s *screenInput) set(input, id string, v any) {
	fm, ok := s.field(id)
	if !ok {
		s.errs = append(s.errs, s.absent(input, id))
		return
	}
	sv, err := shapeValue(s.d, fm, v)
	if err != nil {
		s.errs = append(s.errs, action.Invalid(input, "%v", err))
		return
	}
	s.fields[fm.FieldID] = sv
}

// setNamed sets the fields an input holds by display name or id (the
// fields input of an action), in the order of their names so that the
// errors come in a stable order.
func (s *screenInput) setNamed(ctx context.Context, c *Client, named map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(named)) {
		id, err := c.resolveOnScreen(ctx, k, s.field)
		if err != nil {
			s.errs = append(s.errs, action.Invalid("fields."+k, "%v", err))
			continue
		}
		s.set("fields."+k, id, named[k])
	}
}

// resolveOnScreen maps a field name or id to an id: ids and names on the
// screen first, then the site's field list (so a name shared by two fields
// is reported as ambiguous).
func (c *Client) resolveOnScreen(ctx context.Context, nameOrID string, onScreen func(string) (FieldMeta, bool)) (string, error) {
	if fm, ok := onScreen(nameOrID); ok {
		return fm.FieldID, nil
	}
	f, err := c.Fields.Resolve(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

func screenFields(meta CreateMeta) string {
	names := make([]string, 0, len(meta.Fields))
	for _, f := range meta.Fields {
		names = append(names, f.FieldID)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
