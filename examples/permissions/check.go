package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/recipekit/recipekit/connector/jira"
)

// Finding is one need with mypermissions' answer.
type Finding struct {
	Need
	// Name is the permission's name as Jira's screens show it.
	Name string
	// Have reports whether the account holds the permission (or one of its
	// alternatives).
	Have bool
	// Skipped says why the need does not apply to this connection, if it
	// does not.
	Skipped string
}

// Place is the check of one project, or of the global permissions
// (Project "").
type Place struct {
	Project string
	// Visible is false when the project cannot be seen at all (no Browse
	// Projects there, or no such project): every need there is missing.
	Visible  bool
	Findings []Finding
}

// Missing returns the findings the account lacks.
func (p Place) Missing() []Finding {
	var out []Finding
	for _, f := range p.Findings {
		if !f.Have && f.Skipped == "" {
			out = append(out, f)
		}
	}
	return out
}

// check asks mypermissions about every need, place by place. oauth says
// the connection is an OAuth 2.0 app, whose webhooks need a scope instead
// of Administer Jira.
func check(ctx context.Context, jc *jira.Client, needs *Needs, oauth bool) ([]Place, error) {
	var places []Place
	for _, project := range needs.Projects() {
		list := needs.In(project)
		var keys []string
		for _, nd := range list {
			keys = append(keys, nd.AnyOf...)
		}
		place := Place{Project: project, Visible: true}
		perms, _, err := jc.Permissions.Mine(ctx, jira.PermissionScope{ProjectKey: project}, keys...)
		switch {
		case err == nil:
		case project != "" && errors.Is(err, jira.ErrNotFound):
			place.Visible = false
		default:
			where := "globally"
			if project != "" {
				where = "in project " + project
			}
			return nil, fmt.Errorf("checking permissions %s: %w", where, err)
		}
		for _, nd := range list {
			f := Finding{Need: nd, Name: permissionName(nd.Key, perms)}
			for _, k := range nd.AnyOf {
				if perms[k].HavePermission {
					f.Have = true
				}
			}
			if oauth && nd.Key == "ADMINISTER" && strings.Contains(nd.Note, "OAuth") {
				f.Skipped = "an OAuth app registers its webhooks with the manage:jira-webhook scope instead"
			}
			place.Findings = append(place.Findings, f)
		}
		places = append(places, place)
	}
	return places, nil
}

// names are the permissions' names on Jira's permission scheme screens.
var names = map[string]string{
	"ADD_COMMENTS": "Add Comments", "ADMINISTER_PROJECTS": "Administer Projects", "ASSIGN_ISSUES": "Assign Issues",
	"ASSIGNABLE_USER": "Assignable User", "BROWSE_PROJECTS": "Browse Projects", "CLOSE_ISSUES": "Close Issues",
	"CREATE_ATTACHMENTS": "Create Attachments", "CREATE_ISSUES": "Create Issues", "DELETE_ALL_ATTACHMENTS": "Delete All Attachments",
	"DELETE_ALL_COMMENTS": "Delete All Comments", "DELETE_ISSUES": "Delete Issues", "DELETE_OWN_ATTACHMENTS": "Delete Own Attachments",
	"DELETE_OWN_COMMENTS": "Delete Own Comments", "EDIT_ALL_COMMENTS": "Edit All Comments", "EDIT_ISSUES": "Edit Issues",
	"EDIT_OWN_COMMENTS": "Edit Own Comments", "LINK_ISSUES": "Link Issues", "MANAGE_WATCHERS": "Manage Watchers",
	"MODIFY_REPORTER": "Modify Reporter", "MOVE_ISSUES": "Move Issues", "RESOLVE_ISSUES": "Resolve Issues",
	"SCHEDULE_ISSUES": "Schedule Issues", "SET_ISSUE_SECURITY": "Set Issue Security", "TRANSITION_ISSUES": "Transition Issues",
	"VIEW_VOTERS_AND_WATCHERS": "View Voters and Watchers", "WORK_ON_ISSUES": "Work On Issues",
	"ADMINISTER": "Administer Jira", "SYSTEM_ADMIN": "Jira System Administrators", "USER_PICKER": "Browse users and groups",
	"CREATE_SHARED_OBJECTS": "Share dashboards and filters", "BULK_CHANGE": "Make bulk changes",
}

func permissionName(key string, perms map[string]jira.Permission) string {
	if n, ok := names[key]; ok {
		return n
	}
	if p, ok := perms[key]; ok && p.Name != "" {
		return p.Name
	}
	return key
}

// report prints the findings and, for each place with something missing,
// what a Jira administrator does to grant it. It returns the number of
// missing permissions.
func report(w io.Writer, places []Place) int {
	missing := 0
	for _, p := range places {
		if p.Project == "" {
			fmt.Fprintln(w, "\nGlobal permissions")
		} else {
			fmt.Fprintf(w, "\nProject %s\n", p.Project)
		}
		if !p.Visible {
			fmt.Fprintf(w, "  ✗ the account cannot see project %s at all: it lacks Browse Projects there, or there is no such project.\n", p.Project)
		}
		for _, f := range p.Findings {
			mark := "✓"
			switch {
			case f.Skipped != "":
				mark = "-"
			case !f.Have:
				mark = "✗"
			}
			label := fmt.Sprintf("%s (%s)", f.Name, strings.Join(f.AnyOf, " or "))
			fmt.Fprintf(w, "  %s %s\n      needed by %s\n", mark, label, f.UsedByText())
			if f.Skipped != "" {
				fmt.Fprintf(w, "      not needed here: %s\n", f.Skipped)
			}
		}
		lack := p.Missing()
		missing += len(lack)
		if len(lack) == 0 {
			fmt.Fprintln(w, "  Everything needed here is granted.")
			continue
		}
		var what []string
		for _, f := range lack {
			what = append(what, f.Name)
		}
		if p.Project == "" {
			fmt.Fprint(w, globalAdvice(strings.Join(what, ", ")))
			continue
		}
		fmt.Fprint(w, projectAdvice(p.Project, strings.Join(what, ", "), !p.Visible))
	}
	fmt.Fprint(w, issueSecurityNote)
	return missing
}

func projectAdvice(project, what string, invisible bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  How a Jira administrator grants %s in %s:\n", what, project)
	if invisible {
		fmt.Fprintf(&b, "    - first check that project %s exists and that the key is right.\n", project)
	}
	fmt.Fprintf(&b, `    - Project permissions come from the project's permission scheme: open the project, then
      Project settings > Permissions (Data Center: Administration > Projects > %[1]s > Permissions).
      The scheme grants each permission to project roles, groups or single users.
    - Project role (usually best): if the scheme grants the permission to a role such as
      "Developers" or "Administrators", add the account to that role under Project settings > People
      (Data Center: Users and roles). This changes this project only.
    - Group: add the account to a group the scheme grants the permission to (Cloud: admin.atlassian.com
      > Directory > Groups; Data Center: Administration > User management). This affects every
      project whose scheme names that group.
    - Permission scheme: Actions > Edit permissions > Grant permission, and grant the permission
      to a role, a group or the account. A scheme is often shared by many projects: check
      "Projects using this scheme" first, or give %[1]s its own copy of the scheme.
`, project)
	return b.String()
}

// issueSecurityNote explains the one refusal mypermissions cannot show.
const issueSecurityNote = `
Issue security levels: when a project uses an issue security scheme (Project settings > Issue
security), an issue at a security level the account is not a member of stays invisible to it:
searches skip it and reading it answers 404, whatever the permissions above say. An administrator
adds the account (or a group or project role it has) to each level the recipes must see.
`

func globalAdvice(what string) string {
	return fmt.Sprintf(`  How a Jira administrator grants %s:
    - Global permissions are granted to groups only: Cloud: Settings (cog) > System > Global
      permissions; Data Center: Administration > System > Security > Global permissions. Add the
      account to a group that holds the permission (such as jira-administrators), or grant it to
      a group the account is in.
    - Administer Jira is what registering webhooks needs (real-time triggers). Without it, have an
      administrator register the webhook by hand (Settings > System > WebHooks) and point it at
      the program, or use the polling trigger instead.
`, what)
}
