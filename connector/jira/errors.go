package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

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

// NotFoundError is a 404 from an action on an issue, explained. Jira gives
// the same 404 for an issue that does not exist and for one the account
// may not see (it lacks Browse Projects in the issue's project, or an
// issue security level hides the issue), so NotFoundError says what GET
// /mypermissions answers about BROWSE_PROJECTS in the project of the key.
// It matches httpx.ErrNotFound with errors.Is, and errors.As finds the
// underlying *httpx.Error.
type NotFoundError struct {
	// Action is the action's name ("add_comment").
	Action string
	// IssueKey is the issue key or id the action was given.
	IssueKey string
	// ProjectKey is the project part of IssueKey ("DEMO" for DEMO-7);
	// empty when IssueKey is a numeric id, whose project cannot be told.
	ProjectKey string
	// Checked reports whether mypermissions answered for ProjectKey; when
	// false, CanBrowse means nothing and CheckErr says why (nil when there
	// was no project key to check).
	Checked bool
	// CanBrowse is mypermissions' answer for BROWSE_PROJECTS in ProjectKey.
	CanBrowse bool
	// ProjectHidden reports that mypermissions answered 404 for ProjectKey
	// itself: the project does not exist, or the account may not browse it.
	ProjectHidden bool
	// CheckErr is why mypermissions could not be asked, if it could not.
	CheckErr error
	// Err is the 404 itself.
	Err error
}

// securityLevelHint is what to do when the account may browse the project
// but still cannot see the issue.
const securityLevelHint = "either the issue does not exist (check the key; it may have been deleted) or an issue security level hides it from this account (ask a Jira administrator to add the account to the issue's security level, or to clear the level)"

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jira: %s: issue %s was not found (404 Not Found); Jira answers the same for an issue that does not exist and for one this account may not see", e.Action, e.IssueKey)
	switch {
	case e.ProjectKey == "":
		b.WriteString(": check the id, the account's Browse Projects permission in the issue's project, and the issue's security level")
	case e.ProjectHidden:
		fmt.Fprintf(&b, "; project %s is not visible to this account either: it does not exist, or the account lacks the Browse Projects permission (BROWSE_PROJECTS) in it; check the key, or ask a Jira administrator to grant BROWSE_PROJECTS", e.ProjectKey)
	case !e.Checked:
		fmt.Fprintf(&b, "; mypermissions could not be checked (%v): check the key, the account's Browse Projects permission in project %s, and the issue's security level", e.CheckErr, e.ProjectKey)
	case !e.CanBrowse:
		fmt.Fprintf(&b, "; mypermissions says this account does NOT have Browse Projects (BROWSE_PROJECTS) in project %s: ask a Jira administrator to grant it", e.ProjectKey)
	default:
		fmt.Fprintf(&b, "; mypermissions says this account has Browse Projects in project %s, so %s", e.ProjectKey, securityLevelHint)
	}
	fmt.Fprintf(&b, " [%v]", e.Err)
	return b.String()
}

// Unwrap returns the 404 error.
func (e *NotFoundError) Unwrap() error { return e.Err }

// Retryable returns false: a missing or hidden issue does not appear by
// itself on a retry.
func (e *NotFoundError) Retryable() bool { return false }

// issueKeyRE matches an issue key and captures its project key.
var issueKeyRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)-[0-9]+$`)

// explainNotFound turns a 404 from an action on an issue into a
// *NotFoundError. A 404 about something else (a comment, a user, a link
// type, while the issue itself is visible) and actions without an issue
// pass through.
func (c *Client) explainNotFound(ctx context.Context, info action.Info, scope PermissionScope, err error) error {
	var he *httpx.Error
	key := strings.TrimSpace(scope.IssueKey)
	if key == "" || !errors.Is(err, httpx.ErrNotFound) || !errors.As(err, &he) {
		return err
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return err
	}
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if !isIssueRead(he, key) {
		// The request was about more than the issue: is the issue itself
		// visible? If it is, the 404 concerns something else.
		_, _, gerr := c.Issues.Get(ctx, key, &GetIssueOptions{Fields: []string{"id"}})
		if gerr == nil || !errors.Is(gerr, httpx.ErrNotFound) {
			return err
		}
	}
	nf = &NotFoundError{Action: info.Name, IssueKey: key, Err: err}
	m := issueKeyRE.FindStringSubmatch(key)
	if m == nil {
		return nf
	}
	nf.ProjectKey = strings.ToUpper(m[1])
	perms, _, cerr := c.Permissions.Mine(ctx, PermissionScope{ProjectKey: nf.ProjectKey}, "BROWSE_PROJECTS")
	switch {
	case errors.Is(cerr, httpx.ErrNotFound):
		nf.ProjectHidden = true
	case cerr != nil:
		nf.CheckErr = cerr
	default:
		nf.Checked = true
		nf.CanBrowse = perms["BROWSE_PROJECTS"].HavePermission
	}
	return nf
}

// isIssueRead reports whether the failed request was a GET of the issue
// itself, whose 404 needs no second look.
func isIssueRead(he *httpx.Error, key string) bool {
	if he.Method != http.MethodGet {
		return false
	}
	u, err := url.Parse(he.URL)
	if err != nil {
		return false
	}
	return strings.HasSuffix(u.EscapedPath(), "/rest/api/2/issue/"+url.PathEscape(key))
}
