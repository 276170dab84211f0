package jira

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// ConnectorName is the connector kind in catalogues and action metadata.
const ConnectorName = "jira"

// scoped is implemented by action inputs that act on one issue or project,
// so a 403 can be explained with mypermissions in that scope.
type scoped interface {
	permissionScope() PermissionScope
}

// newAction wraps run with the connector's conventions: Connector set in
// the metadata, Validate run before any request, a 403 enriched into a
// *PermissionError and a 404 on the input's issue into a *NotFoundError.
func newAction[In, Out any](c *Client, info action.Info, validate func(In) error, run func(context.Context, In) (Out, error)) action.Action[In, Out] {
	info.Connector = ConnectorName
	return action.New(info, validate, func(ctx context.Context, in In) (Out, error) {
		if validate != nil {
			if err := validate(in); err != nil {
				var zero Out
				return zero, err
			}
		}
		out, err := run(ctx, in)
		if err != nil {
			var scope PermissionScope
			if s, ok := any(in).(scoped); ok {
				scope = s.permissionScope()
			}
			err = c.explainForbidden(ctx, info, scope, err)
			err = c.explainNotFound(ctx, info, scope, err)
		}
		return out, err
	})
}

// PermissionError is a 403 from an action, explained: which permission the
// action needs and whether GET /mypermissions says the account has it. It
// matches httpx.ErrForbidden with errors.Is, and errors.As finds the
// underlying *httpx.Error.
type PermissionError struct {
	// Action is the action's name ("create_issue").
	Action string
	// Permission is the permission at issue: the first one the action needs
	// that the account lacks, or the first it needs when it has them all.
	Permission string
	// Permissions lists every permission the action needs.
	Permissions []string
	// Scope is where the permission was checked.
	Scope PermissionScope
	// Checked reports whether mypermissions answered; when false, HasPermission
	// means nothing and CheckErr says why.
	Checked bool
	// HasPermission is mypermissions' answer for Permission.
	HasPermission bool
	// CheckErr is why mypermissions could not be asked, if it could not.
	CheckErr error
	// Err is the 403 itself.
	Err error
}

func (e *PermissionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jira: %s was refused (403 Forbidden)", e.Action)
	if e.Permission == "" {
		b.WriteString("; ")
		b.WriteString(e.Err.Error())
		return b.String()
	}
	fmt.Fprintf(&b, ": it needs the %s permission in %s", e.Permission, e.Scope)
	switch {
	case !e.Checked:
		fmt.Fprintf(&b, "; mypermissions could not be checked (%v)", e.CheckErr)
	case !e.HasPermission:
		fmt.Fprintf(&b, ", and mypermissions says this account does NOT have it: ask a Jira administrator to grant %s to the account (through the project's permission scheme or a global permission)", e.Permission)
	default:
		b.WriteString(", and mypermissions says this account has it: the refusal comes from elsewhere (an issue security level, a workflow condition, a field missing from the screen, or a missing OAuth scope)")
	}
	fmt.Fprintf(&b, " [%v]", e.Err)
	return b.String()
}

// Unwrap returns the 403 error.
func (e *PermissionError) Unwrap() error { return e.Err }

// Retryable returns false: a missing permission does not fix itself.
func (e *PermissionError) Retryable() bool { return false }

// explainForbidden turns a 403 into a *PermissionError. Other errors, a 403
// caused by a CAPTCHA lock (which no permission fixes) and actions that
// need no permission pass through.
func (c *Client) explainForbidden(ctx context.Context, info action.Info, scope PermissionScope, err error) error {
	var he *httpx.Error
	if !errors.Is(err, httpx.ErrForbidden) || !errors.As(err, &he) || len(info.Permissions) == 0 {
		return err
	}
	var pe *PermissionError
	if errors.As(err, &pe) {
		return err
	}
	if he.Header.Get("X-Seraph-LoginReason") != "" && he.Header.Get("X-Seraph-LoginReason") != "OK" {
		return err
	}
	pe = &PermissionError{Action: info.Name, Permissions: info.Permissions, Scope: scope, Err: err}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	perms, _, cerr := c.Permissions.Mine(ctx, scope, info.Permissions...)
	if cerr != nil {
		pe.Permission, pe.CheckErr = info.Permissions[0], cerr
		if he.Permission != "" {
			pe.Permission = he.Permission
		}
		return pe
	}
	pe.Checked = true
	for _, p := range info.Permissions {
		if !perms[p].HavePermission {
			pe.Permission = p
			return pe
		}
	}
	pe.Permission, pe.HasPermission = info.Permissions[0], true
	return pe
}

// Actions lists the metadata of every action in the catalogue, sorted by
// name.
func (c *Client) Actions() []action.Info {
	infos := []action.Info{
		c.CreateIssue().Info(), c.UpdateIssue().Info(), c.GetIssue().Info(), c.DeleteIssue().Info(),
		c.AssignIssue().Info(), c.TransitionIssue().Info(), c.SearchIssues().Info(), c.GetChangelog().Info(),
		c.GetIssueSchema().Info(),
		c.AddComment().Info(), c.UpdateComment().Info(), c.DeleteComment().Info(), c.ListComments().Info(),
		c.UploadAttachment().Info(), c.DownloadAttachment().Info(), c.ListAttachments().Info(), c.DeleteAttachment().Info(),
		c.CreateProject().Info(), c.GetProject().Info(), c.ListProjects().Info(), c.UpdateProject().Info(),
		c.Myself().Info(), c.FindUsers().Info(), c.AssignableUsers().Info(),
		c.LinkIssues().Info(), c.ListLinkTypes().Info(), c.DeleteLink().Info(),
		c.AddRemoteLink().Info(), c.ListRemoteLinks().Info(),
		c.AddWatcher().Info(), c.RemoveWatcher().Info(), c.ListWatchers().Info(),
		c.AddWorklog().Info(), c.ListWorklogs().Info(),
		c.CreateVersion().Info(), c.UpdateVersion().Info(), c.ListVersions().Info(),
		c.CreateComponent().Info(), c.UpdateComponent().Info(), c.ListComponents().Info(),
		c.MyPermissions().Info(), c.ExplainForbidden().Info(),
		c.CustomRequest().Info(),
	}
	slices.SortFunc(infos, func(a, b action.Info) int { return strings.Compare(a.Name, b.Name) })
	return infos
}

// actionInfo finds an action's metadata by name.
func (c *Client) actionInfo(name string) (action.Info, bool) {
	for _, in := range c.Actions() {
		if in.Name == name {
			return in, true
		}
	}
	return action.Info{}, false
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

// withLimit validates a list limit: 0 means def, negative is an error.
func checkLimit(limit int) error {
	if limit < 0 {
		return action.Invalid("limit", "must be 0 (the default) or positive, not %d", limit)
	}
	return nil
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
