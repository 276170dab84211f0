package jira

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// permissionScope is where an action input acts, so a 403 can be explained
// with mypermissions in that scope: the value of its field tagged
// scope:"issue" as the issue, of its field tagged scope:"project" as the
// project. An input without such fields (or not a struct) has the global
// scope. The tag says it once on the field that holds the key, instead of a
// method on every input type repeating the field's name.
func permissionScope(in any) PermissionScope {
	var scope PermissionScope
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Struct {
		return scope
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.String {
			continue
		}
		switch f.Tag.Get("scope") {
		case "issue":
			scope.IssueKey = v.Field(i).String()
		case "project":
			scope.ProjectKey = v.Field(i).String()
		}
	}
	return scope
}

// newAction wraps run with the connector's conventions: the metadata of
// the action named name from actionCatalogue, Validate run before any
// request, a 403 enriched into a *PermissionError and a 404 on the input's
// issue into a *NotFoundError. validate is most often a method of the
// input type (IssueKeyInput.validate), so actions that share an input share
// its checks; nil when any input will do.
//
// name is a constant in the action's constructor, and TestActionCatalogue
// builds every constructor, so a name missing from the catalogue is a
// mistake in this package that the tests catch; newAction panics on it
// rather than hand out an action without metadata.
func newAction[In, Out any](c *Client, name string, validate func(In) error, run func(context.Context, In) (Out, error)) action.Action[In, Out] {
	info, ok := c.actionInfo(name)
	if !ok {
		panic(fmt.Sprintf("jira: action %q has no entry in actionCatalogue (action_catalogue.go)", name))
	}
	return action.New(info, validate, func(ctx context.Context, in In) (Out, error) {
		if validate != nil {
			if err := validate(in); err != nil {
				var zero Out
				return zero, err
			}
		}
		out, err := run(ctx, in)
		if err != nil {
			scope := permissionScope(in)
			err = c.explainForbidden(ctx, info, scope, err)
			err = c.explainNotFound(ctx, info, scope, err)
		}
		return out, err
	})
}

// DeleteResult is the output of the delete actions.
type DeleteResult struct {
	// ID is the key or id of what was deleted.
	ID      string `json:"id" expr:"id"`
	Deleted bool   `json:"deleted" expr:"deleted"`
}

// deleteResult is the output of a delete action on id whose call returned
// err.
func deleteResult(id string, err error) (DeleteResult, error) {
	return DeleteResult{ID: id, Deleted: err == nil}, err
}

func required(field, value, hint string) error {
	if strings.TrimSpace(value) == "" {
		return action.Invalid(field, "is required: %s", hint)
	}
	return nil
}

func validIssueKey(field, key string) error {
	if err := required(field, key, "give an issue key such as DEMO-1 or a numeric issue id"); err != nil {
		return err
	}
	if strings.ContainsAny(key, " /?#") {
		return action.Invalid(field, "%q is not an issue key; give one like DEMO-1 or a numeric id", key)
	}
	return nil
}

// checkLimit validates a list limit: 0 means def, negative is an error.
func checkLimit(limit int) error {
	if limit < 0 {
		return action.Invalid("limit", "must be 0 (the default) or positive, not %d", limit)
	}
	return nil
}

// validIssueItems checks the input of an action that lists up to limit
// items of an issue (its comments, its changelog).
func validIssueItems(issueKey string, limit int) error {
	return errors.Join(validIssueKey("issueKey", issueKey), checkLimit(limit))
}

// collect reads up to limit items from seq (0 = def).
func collect[T any](seq func(func(T, error) bool), limit, def int) ([]T, bool, error) {
	if limit <= 0 {
		limit = def
	}
	out := []T{}
	truncated := false
	for it, err := range seq {
		if err != nil {
			return out, false, err
		}
		if len(out) == limit {
			truncated = true
			break
		}
		out = append(out, it)
	}
	return out, truncated, nil
}

// upTo is collect for the list actions, whose output does not say whether
// the list was cut at the limit.
func upTo[T any](seq func(func(T, error) bool), limit, def int) ([]T, error) {
	out, _, err := collect(seq, limit, def)
	return out, err
}

// decoded is what a service call decoded and its error, for the actions
// whose output is that value and that have no use for the HTTP response:
// return decoded(c.Sprints.Get(ctx, id)).
func decoded[T any](v T, _ *Response, err error) (T, error) { return v, err }

// decodedList is decoded for list outputs: a list Jira sent as null or left
// out is an empty list, so a recipe can always iterate over it.
func decodedList[T any](v []T, _ *Response, err error) ([]T, error) { return nonNilSlice(v), err }

// findNamed is the effect lookup of the create actions whose result is
// known by its name within a list (a project's versions, its components):
// the item of seq named name, ignoring case and surrounding spaces.
func findNamed[T any](seq func(func(T, error) bool), name string, nameOf func(T) string) (T, bool, error) {
	for it, err := range seq {
		if err != nil {
			var zero T
			return zero, false, err
		}
		if strings.EqualFold(strings.TrimSpace(nameOf(it)), strings.TrimSpace(name)) {
			return it, true, nil
		}
	}
	var zero T
	return zero, false, nil
}

// NoInput is the input of actions that take none.
type NoInput struct{}
