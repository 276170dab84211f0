package jira

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// NoInput is the input of actions that take none.
type NoInput struct{}

// Myself returns the myself action: the connection's own user.
func (c *Client) Myself() action.Action[NoInput, User] {
	return newAction(c, action.Info{
		Name:        "myself",
		Title:       "Get my user",
		Description: "Returns the user the connection acts as.",
		Idempotent:  true,
	}, nil, func(ctx context.Context, _ NoInput) (User, error) {
		u, _, err := c.Users.Myself(ctx)
		return u, err
	})
}

// FindUsersInput is the input of the find_users action.
type FindUsersInput struct {
	// Query matches display names and email addresses (and user names on
	// Data Center). Required.
	Query string `json:"query" expr:"query"`
	// Limit caps the number of users (default 50).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

// FindUsers returns the find_users action.
func (c *Client) FindUsers() action.Action[FindUsersInput, []User] {
	return newAction(c, action.Info{
		Name:        "find_users",
		Title:       "Find users",
		Description: "Finds users by name or email (account ids on Cloud, user names on Data Center).",
		Idempotent:  true,
		Permissions: []string{"USER_PICKER"},
	}, func(in FindUsersInput) error {
		return errors.Join(required("query", in.Query, "give part of a name or email address"), checkLimit(in.Limit))
	}, func(ctx context.Context, in FindUsersInput) ([]User, error) {
		out, _, err := collect(c.Users.FindAll(ctx, in.Query), in.Limit, 50)
		return out, err
	})
}

// AssignableUsersInput is the input of the assignable_users action. Give
// a project (for new issues) or an issue key.
type AssignableUsersInput struct {
	Project  string `json:"project,omitempty" expr:"project"`
	IssueKey string `json:"issueKey,omitempty" expr:"issueKey"`
	Query    string `json:"query,omitempty" expr:"query"`
	Limit    int    `json:"limit,omitempty" expr:"limit"`
}

func (in AssignableUsersInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.Project, IssueKey: in.IssueKey}
}

// AssignableUsers returns the assignable_users action.
func (c *Client) AssignableUsers() action.Action[AssignableUsersInput, []User] {
	return newAction(c, action.Info{
		Name:        "assignable_users",
		Title:       "Find assignable users",
		Description: "Lists users who can be assigned issues in a project or a given issue.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in AssignableUsersInput) error {
		if in.Project == "" && in.IssueKey == "" {
			return action.Invalid("project", "give a project key or an issue key")
		}
		return checkLimit(in.Limit)
	}, func(ctx context.Context, in AssignableUsersInput) ([]User, error) {
		out, _, err := collect(c.Users.AssignableAll(ctx, AssignableOptions{Project: in.Project, IssueKey: in.IssueKey, Query: in.Query}), in.Limit, 100)
		return out, err
	})
}

// LinkIssuesInput is the input of the link_issues action: OutwardIssue
// <outward description> InwardIssue, e.g. DEMO-1 "blocks" DEMO-2.
type LinkIssuesInput struct {
	// Type is the link type name ("Blocks", "Relates"). Required.
	Type         string `json:"type" expr:"type"`
	OutwardIssue string `json:"outwardIssue" expr:"outwardIssue"`
	InwardIssue  string `json:"inwardIssue" expr:"inwardIssue"`
	// Comment is added to the outward issue with the link.
	Comment string `json:"comment,omitempty" expr:"comment"`
}

func (in LinkIssuesInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.OutwardIssue}
}

// LinkIssues returns the link_issues action. Jira answers the create with
// an empty body, so the action reads the outward issue's links to return
// the new one.
func (c *Client) LinkIssues() action.Action[LinkIssuesInput, IssueLink] {
	return newAction(c, action.Info{
		Name:        "link_issues",
		Title:       "Link issues",
		Description: "Links two issues with a link type (blocks, relates to, duplicates...).",
		Idempotent:  false,
		Permissions: []string{"LINK_ISSUES", "BROWSE_PROJECTS"},
	}, func(in LinkIssuesInput) error {
		return errors.Join(required("type", in.Type, "give a link type name such as Blocks"),
			validIssueKey("outwardIssue", in.OutwardIssue), validIssueKey("inwardIssue", in.InwardIssue))
	}, func(ctx context.Context, in LinkIssuesInput) (IssueLink, error) {
		types, _, err := c.Links.Types(ctx)
		if err != nil {
			return IssueLink{}, err
		}
		var lt *IssueLinkType
		names := make([]string, 0, len(types))
		for i, t := range types {
			names = append(names, t.Name)
			if t.ID == in.Type || strings.EqualFold(t.Name, in.Type) || strings.EqualFold(t.Outward, in.Type) {
				lt = &types[i]
				break
			}
		}
		if lt == nil {
			return IssueLink{}, action.Invalid("type", "there is no link type %q; available: %s", in.Type, strings.Join(names, ", "))
		}
		req := LinkRequest{Type: IssueLinkType{Name: lt.Name}, OutwardIssue: IssueKeyRef{Key: in.OutwardIssue}, InwardIssue: IssueKeyRef{Key: in.InwardIssue}}
		if in.Comment != "" {
			req.Comment = &CommentBody{Body: in.Comment}
		}
		if _, err := c.Links.Create(ctx, req); err != nil {
			return IssueLink{}, err
		}
		is, _, err := c.Issues.Get(ctx, in.OutwardIssue, &GetIssueOptions{Fields: []string{"issuelinks"}})
		if err != nil {
			return IssueLink{}, fmt.Errorf("jira: the link was created but reading it back failed: %w", err)
		}
		for _, l := range is.Fields.IssueLinks {
			if l.InwardIssue != nil && strings.EqualFold(l.InwardIssue.Key, in.InwardIssue) && l.Type.Name == lt.Name {
				return l, nil
			}
		}
		return IssueLink{Type: *lt, InwardIssue: &IssueRef{Key: in.InwardIssue}}, nil
	})
}

// ListLinkTypes returns the list_link_types action.
func (c *Client) ListLinkTypes() action.Action[NoInput, []IssueLinkType] {
	return newAction(c, action.Info{
		Name:        "list_link_types",
		Title:       "List link types",
		Description: "Lists the issue link types (name, inward and outward descriptions).",
		Idempotent:  true,
	}, nil, func(ctx context.Context, _ NoInput) ([]IssueLinkType, error) {
		out, _, err := c.Links.Types(ctx)
		return out, err
	})
}

// LinkRefInput names one issue link.
type LinkRefInput struct {
	LinkID string `json:"linkId" expr:"linkId"`
}

// DeleteLink returns the delete_link action.
func (c *Client) DeleteLink() action.Action[LinkRefInput, DeleteResult] {
	return newAction(c, action.Info{
		Name:        "delete_link",
		Title:       "Delete issue link",
		Description: "Deletes an issue link by id.",
		Idempotent:  true,
		Permissions: []string{"LINK_ISSUES"},
	}, func(in LinkRefInput) error { return required("linkId", in.LinkID, "give the link id") },
		func(ctx context.Context, in LinkRefInput) (DeleteResult, error) {
			_, err := c.Links.Delete(ctx, in.LinkID)
			return deleteResult(in.LinkID, err)
		})
}

// WatcherInput names an issue and a user (account id on Cloud, user name
// on Data Center; empty for the connection's own account).
type WatcherInput struct {
	IssueKey string `json:"issueKey" expr:"issueKey"`
	User     string `json:"user,omitempty" expr:"user"`
}

func (in WatcherInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// AddWatcher returns the add_watcher action; it returns the watchers after
// the change.
func (c *Client) AddWatcher() action.Action[WatcherInput, Watchers] {
	return newAction(c, action.Info{
		Name:        "add_watcher",
		Title:       "Add watcher",
		Description: "Adds a user (or the connection's account) to an issue's watchers.",
		Idempotent:  true,
		Permissions: []string{"MANAGE_WATCHERS"},
	}, func(in WatcherInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in WatcherInput) (Watchers, error) {
			if _, err := c.Watchers.Add(ctx, in.IssueKey, in.User); err != nil {
				return Watchers{}, err
			}
			w, _, err := c.Watchers.List(ctx, in.IssueKey)
			return w, err
		})
}

// RemoveWatcher returns the remove_watcher action.
func (c *Client) RemoveWatcher() action.Action[WatcherInput, Watchers] {
	return newAction(c, action.Info{
		Name:        "remove_watcher",
		Title:       "Remove watcher",
		Description: "Removes a user from an issue's watchers.",
		Idempotent:  true,
		Permissions: []string{"MANAGE_WATCHERS"},
	}, func(in WatcherInput) error {
		return errors.Join(validIssueKey("issueKey", in.IssueKey), required("user", in.User, "give the watcher's account id (Cloud) or user name (Data Center)"))
	}, func(ctx context.Context, in WatcherInput) (Watchers, error) {
		if _, err := c.Watchers.Remove(ctx, in.IssueKey, in.User); err != nil {
			return Watchers{}, err
		}
		w, _, err := c.Watchers.List(ctx, in.IssueKey)
		return w, err
	})
}

// ListWatchers returns the list_watchers action.
func (c *Client) ListWatchers() action.Action[IssueKeyInput, Watchers] {
	return newAction(c, action.Info{
		Name:        "list_watchers",
		Title:       "List watchers",
		Description: "Lists an issue's watchers.",
		Idempotent:  true,
		Permissions: []string{"VIEW_VOTERS_AND_WATCHERS"},
	}, func(in IssueKeyInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in IssueKeyInput) (Watchers, error) {
			w, _, err := c.Watchers.List(ctx, in.IssueKey)
			return w, err
		})
}

// AddWorklogInput is the input of the add_worklog action. Give TimeSpent
// ("2h 30m") or TimeSpentSeconds.
type AddWorklogInput struct {
	IssueKey         string `json:"issueKey" expr:"issueKey"`
	TimeSpent        string `json:"timeSpent,omitempty" expr:"timeSpent"`
	TimeSpentSeconds int64  `json:"timeSpentSeconds,omitempty" expr:"timeSpentSeconds"`
	// Started is when the work started (default now), as
	// 2026-03-11T09:00:00.000+0000 or RFC 3339.
	Started string `json:"started,omitempty" expr:"started"`
	Comment string `json:"comment,omitempty" expr:"comment"`
	// AdjustEstimate is "auto" (default), "leave", "new" or "manual".
	AdjustEstimate string `json:"adjustEstimate,omitempty" expr:"adjustEstimate"`
}

func (in AddWorklogInput) permissionScope() PermissionScope {
	return PermissionScope{IssueKey: in.IssueKey}
}

// AddWorklog returns the add_worklog action.
func (c *Client) AddWorklog() action.Action[AddWorklogInput, Worklog] {
	return newAction(c, action.Info{
		Name:        "add_worklog",
		Title:       "Log work",
		Description: "Logs time spent on an issue, with a comment and a start time.",
		Idempotent:  false,
		Permissions: []string{"WORK_ON_ISSUES", "BROWSE_PROJECTS"},
	}, func(in AddWorklogInput) error {
		errs := []error{validIssueKey("issueKey", in.IssueKey)}
		if (in.TimeSpent == "") == (in.TimeSpentSeconds == 0) {
			errs = append(errs, action.Invalid("timeSpent", "give either timeSpent (like \"2h 30m\") or timeSpentSeconds"))
		}
		if in.TimeSpentSeconds < 0 {
			errs = append(errs, action.Invalid("timeSpentSeconds", "must be positive"))
		}
		if in.Started != "" {
			if _, err := ParseTime(in.Started); err != nil {
				errs = append(errs, action.Invalid("started", "%q is not a time; write it like 2026-03-11T09:00:00.000+0000", in.Started))
			}
		}
		switch in.AdjustEstimate {
		case "", "auto", "leave", "new", "manual":
		default:
			errs = append(errs, action.Invalid("adjustEstimate", "must be auto, leave, new or manual"))
		}
		return errors.Join(errs...)
	}, func(ctx context.Context, in AddWorklogInput) (Worklog, error) {
		body := WorklogBody{Comment: in.Comment, TimeSpent: in.TimeSpent, TimeSpentSeconds: in.TimeSpentSeconds}
		if in.Started != "" {
			t, _ := ParseTime(in.Started)
			body.Started = t.Time.Format(TimeLayout)
		}
		w, _, err := c.Worklogs.Add(ctx, in.IssueKey, body, in.AdjustEstimate)
		return w, err
	})
}

// ListWorklogs returns the list_worklogs action.
func (c *Client) ListWorklogs() action.Action[IssueKeyInput, []Worklog] {
	return newAction(c, action.Info{
		Name:        "list_worklogs",
		Title:       "List worklogs",
		Description: "Lists the time logged on an issue.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in IssueKeyInput) error { return validIssueKey("issueKey", in.IssueKey) },
		func(ctx context.Context, in IssueKeyInput) ([]Worklog, error) {
			out, _, err := collect(c.Worklogs.All(ctx, in.IssueKey), 0, 5000)
			return out, err
		})
}

// VersionInput is the input of create_version and update_version. Create
// needs Project and Name; update needs VersionID and something to change.
type VersionInput struct {
	Project     string `json:"project,omitempty" expr:"project"`
	VersionID   string `json:"versionId,omitempty" expr:"versionId"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	// StartDate and ReleaseDate are dates like 2026-03-11.
	StartDate   string `json:"startDate,omitempty" expr:"startDate"`
	ReleaseDate string `json:"releaseDate,omitempty" expr:"releaseDate"`
	// Released and Archived change the flags when set.
	Released *bool `json:"released,omitempty" expr:"released"`
	Archived *bool `json:"archived,omitempty" expr:"archived"`
}

func (in VersionInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.Project}
}

func (in VersionInput) dates() error {
	return errors.Join(checkDate("startDate", in.StartDate), checkDate("releaseDate", in.ReleaseDate))
}

// CreateVersion returns the create_version action.
func (c *Client) CreateVersion() action.Action[VersionInput, Version] {
	return newAction(c, action.Info{
		Name:        "create_version",
		Title:       "Create version",
		Description: "Creates a project version (release) with dates and flags.",
		Idempotent:  false,
		Permissions: []string{"ADMINISTER_PROJECTS"},
	}, func(in VersionInput) error {
		return errors.Join(required("project", in.Project, "give the project key"), required("name", in.Name, "give the version name"), in.dates())
	}, func(ctx context.Context, in VersionInput) (Version, error) {
		p, _, err := c.Projects.Get(ctx, in.Project)
		if err != nil {
			return Version{}, err
		}
		var pid int64
		if _, err := fmt.Sscan(p.ID, &pid); err != nil {
			return Version{}, fmt.Errorf("jira: project %s has a non-numeric id %q", in.Project, p.ID)
		}
		v, _, err := c.Versions.Create(ctx, VersionBody{Name: in.Name, Description: in.Description, ProjectID: pid,
			StartDate: in.StartDate, ReleaseDate: in.ReleaseDate, Released: in.Released, Archived: in.Archived})
		return v, err
	})
}

// UpdateVersion returns the update_version action.
func (c *Client) UpdateVersion() action.Action[VersionInput, Version] {
	return newAction(c, action.Info{
		Name:        "update_version",
		Title:       "Update version",
		Description: "Renames, re-dates, releases or archives a version.",
		Idempotent:  true,
		Permissions: []string{"ADMINISTER_PROJECTS"},
	}, func(in VersionInput) error {
		if err := required("versionId", in.VersionID, "give the version id"); err != nil {
			return err
		}
		if in.Name == "" && in.Description == "" && in.StartDate == "" && in.ReleaseDate == "" && in.Released == nil && in.Archived == nil {
			return action.Invalid("", "nothing to update: set at least one attribute")
		}
		return in.dates()
	}, func(ctx context.Context, in VersionInput) (Version, error) {
		v, _, err := c.Versions.Update(ctx, in.VersionID, VersionBody{Name: in.Name, Description: in.Description,
			StartDate: in.StartDate, ReleaseDate: in.ReleaseDate, Released: in.Released, Archived: in.Archived})
		return v, err
	})
}

// ProjectInput names a project for list actions.
type ProjectInput struct {
	Project string `json:"project" expr:"project"`
}

func (in ProjectInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.Project}
}

// ListVersions returns the list_versions action.
func (c *Client) ListVersions() action.Action[ProjectInput, []Version] {
	return newAction(c, action.Info{
		Name:        "list_versions",
		Title:       "List versions",
		Description: "Lists a project's versions.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ProjectInput) error { return required("project", in.Project, "give the project key") },
		func(ctx context.Context, in ProjectInput) ([]Version, error) {
			out, _, err := collect(c.Versions.All(ctx, in.Project), 0, 10000)
			return out, err
		})
}

// ComponentInput is the input of create_component and update_component.
// Create needs Project and Name; update needs ComponentID.
type ComponentInput struct {
	Project     string `json:"project,omitempty" expr:"project"`
	ComponentID string `json:"componentId,omitempty" expr:"componentId"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	// Lead is an account id (Cloud) or user name (Data Center).
	Lead string `json:"lead,omitempty" expr:"lead"`
	// AssigneeType is PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD or
	// UNASSIGNED.
	AssigneeType string `json:"assigneeType,omitempty" expr:"assigneeType"`
}

func (in ComponentInput) permissionScope() PermissionScope {
	return PermissionScope{ProjectKey: in.Project}
}

func validAssigneeType(t string) error {
	switch t {
	case "", "PROJECT_DEFAULT", "COMPONENT_LEAD", "PROJECT_LEAD", "UNASSIGNED":
		return nil
	}
	return action.Invalid("assigneeType", "must be PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD or UNASSIGNED, not %q", t)
}

// CreateComponent returns the create_component action.
func (c *Client) CreateComponent() action.Action[ComponentInput, Component] {
	return newAction(c, action.Info{
		Name:        "create_component",
		Title:       "Create component",
		Description: "Creates a project component with an optional lead and default assignee.",
		Idempotent:  false,
		Permissions: []string{"ADMINISTER_PROJECTS"},
	}, func(in ComponentInput) error {
		return errors.Join(required("project", in.Project, "give the project key"), required("name", in.Name, "give the component name"), validAssigneeType(in.AssigneeType))
	}, func(ctx context.Context, in ComponentInput) (Component, error) {
		out, _, err := c.Components.Create(ctx, ComponentBody{Name: in.Name, Description: in.Description, Project: in.Project, AssigneeType: in.AssigneeType}, in.Lead)
		return out, err
	})
}

// UpdateComponent returns the update_component action.
func (c *Client) UpdateComponent() action.Action[ComponentInput, Component] {
	return newAction(c, action.Info{
		Name:        "update_component",
		Title:       "Update component",
		Description: "Renames a component or changes its description, lead or default assignee.",
		Idempotent:  true,
		Permissions: []string{"ADMINISTER_PROJECTS"},
	}, func(in ComponentInput) error {
		if err := required("componentId", in.ComponentID, "give the component id"); err != nil {
			return err
		}
		if in.Name == "" && in.Description == "" && in.Lead == "" && in.AssigneeType == "" {
			return action.Invalid("", "nothing to update: set at least one attribute")
		}
		return validAssigneeType(in.AssigneeType)
	}, func(ctx context.Context, in ComponentInput) (Component, error) {
		out, _, err := c.Components.Update(ctx, in.ComponentID, ComponentBody{Name: in.Name, Description: in.Description, AssigneeType: in.AssigneeType}, in.Lead)
		return out, err
	})
}

// ListComponents returns the list_components action.
func (c *Client) ListComponents() action.Action[ProjectInput, []Component] {
	return newAction(c, action.Info{
		Name:        "list_components",
		Title:       "List components",
		Description: "Lists a project's components.",
		Idempotent:  true,
		Permissions: []string{"BROWSE_PROJECTS"},
	}, func(in ProjectInput) error { return required("project", in.Project, "give the project key") },
		func(ctx context.Context, in ProjectInput) ([]Component, error) {
			out, _, err := collect(c.Components.All(ctx, in.Project), 0, 10000)
			return out, err
		})
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
	return newAction(c, action.Info{
		Name:        "my_permissions",
		Title:       "Check my permissions",
		Description: "Reports which of the given permissions the connection's account has in a project or issue.",
		Idempotent:  true,
	}, func(in MyPermissionsInput) error { return validatePermissionKeys(in.Permissions) },
		func(ctx context.Context, in MyPermissionsInput) ([]Permission, error) {
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
	return newAction(c, action.Info{
		Name:        "explain_forbidden",
		Title:       "Explain a refusal",
		Description: "Explains why an action is refused: the permissions it needs and which the account lacks.",
		Idempotent:  true,
	}, func(in ExplainForbiddenInput) error {
		if in.Action == "" {
			return validatePermissionKeys(in.Permissions)
		}
		if _, ok := c.actionInfo(in.Action); !ok {
			return action.Invalid("action", "%q is not an action of the Jira connector", in.Action)
		}
		return nil
	}, func(ctx context.Context, in ExplainForbiddenInput) (PermissionReport, error) {
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
