package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// Need is one Jira permission the program needs in one place.
type Need struct {
	// Project is the project key; "" for a global permission.
	Project string
	// Key is the permission key ("EDIT_ISSUES").
	Key string
	// AnyOf lists alternatives any one of which will do (EDIT_OWN_COMMENTS
	// for EDIT_ALL_COMMENTS); Key is the first.
	AnyOf []string
	// Note is what the catalogue says beside the key ("admin webhooks").
	Note string
	// UsedBy names the recipe parts that need it.
	UsedBy []Use
}

// Use is a part of a recipe: its trigger or one of its steps.
type Use struct {
	Recipe string
	// Part is "trigger new_issue" or "comment (jira.add_comment)".
	Part string
}

// UsedByText renders UsedBy grouped by recipe: "acknowledge: trigger
// new_issue, comment (jira.add_comment); escalate: mark (jira.update_issue)".
func (n Need) UsedByText() string {
	var recipes []string
	parts := map[string][]string{}
	for _, u := range n.UsedBy {
		if _, ok := parts[u.Recipe]; !ok {
			recipes = append(recipes, u.Recipe)
		}
		parts[u.Recipe] = append(parts[u.Recipe], u.Part)
	}
	var out []string
	for _, r := range recipes {
		out = append(out, r+": "+strings.Join(parts[r], ", "))
	}
	return strings.Join(out, "; ")
}

// Needs collects what the recipes of a program need: record each built
// recipe with [Needs.Recipe].
type Needs struct {
	list []*Need
}

// globalKeys are Jira's global permissions; everything else is a project
// permission checked per project.
var globalKeys = map[string]bool{
	"ADMINISTER": true, "SYSTEM_ADMIN": true, "USER_PICKER": true, "CREATE_SHARED_OBJECTS": true,
	"BULK_CHANGE": true, "MANAGE_GROUP_FILTER_SUBSCRIPTIONS": true, "CREATE_PROJECT": true,
}

// Trigger records a recipe's trigger, which works in project.
func (n *Needs) Trigger(recipeName, project string, info trigger.Info) {
	n.add(project, info.Permissions, Use{recipeName, "trigger " + info.Name})
}

// Recipe records what r needs, read from the built recipe itself: its
// trigger (Recipe.Trigger) and every action step (Recipe.Actions), those
// inside If and ForEach blocks included. They work in project, except the
// steps named in elsewhere, which work in the project given there (an
// escalation creates its copy in another project). A step named in
// elsewhere that is not an action step of r is an error.
func (n *Needs) Recipe(r *recipe.Recipe, project string, elsewhere map[string]string) error {
	steps := r.Actions()
	for step := range elsewhere {
		if !slices.ContainsFunc(steps, func(sa recipe.StepAction) bool { return sa.Step == step }) {
			return fmt.Errorf("recipe %q has no action step %q to place in project %s: check the step names", r.Name(), step, elsewhere[step])
		}
	}
	n.Trigger(r.Name(), project, r.Trigger())
	for _, sa := range steps {
		where := project
		if p, ok := elsewhere[sa.Step]; ok {
			where = p
		}
		n.add(where, sa.Action.Permissions, Use{r.Name(), fmt.Sprintf("%s (%s.%s)", sa.Step, sa.Action.Connector, sa.Action.Name)})
	}
	return nil
}

// add records perms (catalogue entries such as "EDIT_ISSUES" or "ADMINISTER
// (admin webhooks) or ..."). A pair X_ALL_Y / X_OWN_Y is one need with two
// alternatives.
func (n *Needs) add(project string, perms []string, usedBy Use) {
	type parsed struct{ key, note string }
	var ps []parsed
	for _, p := range perms {
		key, note := parsePermission(p)
		if key != "" {
			ps = append(ps, parsed{key, note})
		}
	}
	done := map[string]bool{}
	for _, p := range ps {
		if done[p.key] {
			continue
		}
		anyOf := []string{p.key}
		if own := strings.Replace(p.key, "_ALL_", "_OWN_", 1); own != p.key {
			if slices.ContainsFunc(ps, func(q parsed) bool { return q.key == own }) {
				anyOf = append(anyOf, own)
				done[own] = true
			}
		}
		done[p.key] = true
		where := project
		if globalKeys[p.key] {
			where = ""
		}
		n.record(Need{Project: where, Key: p.key, AnyOf: anyOf, Note: p.note}, usedBy)
	}
}

func (n *Needs) record(nd Need, usedBy Use) {
	for _, ex := range n.list {
		if ex.Project == nd.Project && ex.Key == nd.Key {
			if !slices.Contains(ex.UsedBy, usedBy) {
				ex.UsedBy = append(ex.UsedBy, usedBy)
			}
			return
		}
	}
	nd.UsedBy = []Use{usedBy}
	n.list = append(n.list, &nd)
}

// Projects returns the places needs were recorded for, projects in the
// order first seen, then "" (global) if any.
func (n *Needs) Projects() []string {
	var out []string
	global := false
	for _, nd := range n.list {
		if nd.Project == "" {
			global = true
			continue
		}
		if !slices.Contains(out, nd.Project) {
			out = append(out, nd.Project)
		}
	}
	if global {
		out = append(out, "")
	}
	return out
}

// In returns the needs of one place.
func (n *Needs) In(project string) []Need {
	var out []Need
	for _, nd := range n.list {
		if nd.Project == project {
			out = append(out, *nd)
		}
	}
	return out
}

// parsePermission splits a catalogue entry into the permission key (its
// leading upper-case word) and the rest.
func parsePermission(s string) (key, note string) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] == '_' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}
