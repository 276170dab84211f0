package jira

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
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
