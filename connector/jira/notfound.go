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
