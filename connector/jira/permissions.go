package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// Permission is one entry of mypermissions.
type Permission struct {
	ID             string `json:"id" expr:"id"`
	Key            string `json:"key" expr:"key"`
	Name           string `json:"name" expr:"name"`
	Type           string `json:"type" expr:"type"`
	Description    string `json:"description" expr:"description"`
	HavePermission bool   `json:"havePermission" expr:"havePermission"`
}

// PermissionScope says where permissions are checked: a project, an issue,
// or (both empty) globally / in any project.
type PermissionScope struct {
	ProjectKey string
	IssueKey   string
}

// String describes the scope for messages.
func (s PermissionScope) String() string {
	switch {
	case s.IssueKey != "":
		return "issue " + s.IssueKey
	case s.ProjectKey != "":
		return "project " + s.ProjectKey
	}
	return "any project"
}

// PermissionsService checks the connection's permissions.
type PermissionsService service

// Mine returns the connection's permissions keys (such as CREATE_ISSUES)
// in scope. Jira Cloud requires the keys.
func (s *PermissionsService) Mine(ctx context.Context, scope PermissionScope, keys ...string) (map[string]Permission, *Response, error) {
	if len(keys) == 0 {
		return nil, nil, errors.New("jira: name the permissions to check, such as CREATE_ISSUES (Jira Cloud requires them)")
	}
	keys = slices.Clone(keys)
	slices.Sort(keys)
	q := url.Values{"permissions": {strings.Join(slices.Compact(keys), ",")}}
	if scope.IssueKey != "" {
		q.Set("issueKey", scope.IssueKey)
	} else if scope.ProjectKey != "" {
		q.Set("projectKey", scope.ProjectKey)
	}
	var out struct {
		Permissions map[string]Permission `json:"permissions"`
	}
	resp, err := s.client.call(ctx, "GET", apiPath("/mypermissions"), q, nil, &out)
	return out.Permissions, resp, err
}

// MyPermissionsInput is the input of the my_permissions action.
type MyPermissionsInput struct {
	// Permissions lists permission keys such as CREATE_ISSUES. Required.
	Permissions []string `json:"permissions" expr:"permissions"`
	// ProjectKey or IssueKey scopes the check; neither means "in any
	// project" (and global permissions).
	ProjectKey string `json:"projectKey,omitempty" expr:"projectKey"`
	IssueKey   string `json:"issueKey,omitempty" expr:"issueKey"`
}

func (in MyPermissionsInput) validate() error { return validatePermissionKeys(in.Permissions) }

func validatePermissionKeys(keys []string) error {
	if len(keys) == 0 {
		return action.Invalid("permissions", "name at least one permission key, such as CREATE_ISSUES")
	}
	for _, k := range keys {
		if k == "" || strings.ToUpper(k) != k || strings.ContainsAny(k, " ,") {
			return action.Invalid("permissions", "%q is not a permission key; keys are upper case like EDIT_ISSUES", k)
		}
	}
	return nil
}

// MyPermissions returns the my_permissions action: which of the given
// permissions the connection's account has, in a project, an issue or
// anywhere.
func (c *Client) MyPermissions() action.Action[MyPermissionsInput, []Permission] {
	return newAction(c, "my_permissions", MyPermissionsInput.validate, func(ctx context.Context, in MyPermissionsInput) ([]Permission, error) {
		perms, _, err := c.Permissions.Mine(ctx, PermissionScope{ProjectKey: in.ProjectKey, IssueKey: in.IssueKey}, in.Permissions...)
		if err != nil {
			return nil, err
		}
		out := make([]Permission, 0, len(perms))
		for _, p := range perms {
			out = append(out, p)
		}
		slices.SortFunc(out, func(a, b Permission) int { return strings.Compare(a.Key, b.Key) })
		return out, nil
	})
}

// ExplainForbiddenInput is the input of the explain_forbidden action: an
// action of this catalogue (or explicit permission keys) and where it was
// refused.
type ExplainForbiddenInput struct {
	// Action is an action name of this connector ("create_issue").
	Action string `json:"action,omitempty" expr:"action"`
	// Permissions lists permission keys to check instead.
	Permissions []string `json:"permissions,omitempty" expr:"permissions"`
	ProjectKey  string   `json:"projectKey,omitempty" expr:"projectKey"`
	IssueKey    string   `json:"issueKey,omitempty" expr:"issueKey"`
}

func (in ExplainForbiddenInput) validate() error {
	if in.Action == "" {
		return validatePermissionKeys(in.Permissions)
	}
	if _, ok := actionsByName[in.Action]; !ok {
		return action.Invalid("action", "%q is not an action of the Jira connector", in.Action)
	}
	return nil
}

// PermissionReport is the output of the explain_forbidden action.
type PermissionReport struct {
	Action string `json:"action,omitempty" expr:"action"`
	Scope  string `json:"scope" expr:"scope"`
	// Needed lists the permissions checked, with mypermissions' answers.
	Needed []Permission `json:"needed" expr:"needed"`
	// Missing lists the keys the account lacks.
	Missing []string `json:"missing" expr:"missing"`
	// Explanation says what to do, in a sentence an administrator can act on.
	Explanation string `json:"explanation" expr:"explanation"`
}

// ExplainForbidden returns the explain_forbidden action, the permission
// helper for administrators: for an action (or permission keys) in a
// project or issue, it reports which permissions are needed, which the
// account lacks according to mypermissions, and what to do.
func (c *Client) ExplainForbidden() action.Action[ExplainForbiddenInput, PermissionReport] {
	return newAction(c, "explain_forbidden", ExplainForbiddenInput.validate, func(ctx context.Context, in ExplainForbiddenInput) (PermissionReport, error) {
		keys := in.Permissions
		if in.Action != "" {
			info, _ := c.actionInfo(in.Action)
			keys = info.Permissions
		}
		scope := PermissionScope{ProjectKey: in.ProjectKey, IssueKey: in.IssueKey}
		rep := PermissionReport{Action: in.Action, Scope: scope.String(), Needed: []Permission{}, Missing: []string{}}
		if len(keys) == 0 {
			rep.Explanation = fmt.Sprintf("%s needs no particular Jira permission; a refusal means the credentials or the OAuth scopes are wrong", in.Action)
			return rep, nil
		}
		perms, _, err := c.Permissions.Mine(ctx, scope, keys...)
		if err != nil {
			return rep, err
		}
		for _, k := range keys {
			p, ok := perms[k]
			if !ok {
				p = Permission{Key: k}
			}
			rep.Needed = append(rep.Needed, p)
			if !p.HavePermission {
				rep.Missing = append(rep.Missing, k)
			}
		}
		if len(rep.Missing) > 0 {
			rep.Explanation = fmt.Sprintf("The account lacks %s in %s: ask a Jira administrator to grant it through the project's permission scheme (or the global permissions).", strings.Join(rep.Missing, ", "), rep.Scope)
		} else {
			rep.Explanation = fmt.Sprintf("The account has every permission needed in %s; a refusal comes from an issue security level, a workflow condition, a field missing from a screen, or a missing OAuth scope.", rep.Scope)
		}
		return rep, nil
	})
}
