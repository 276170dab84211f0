package jira

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestCatalogue(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	infos := e.jc.Actions()
	if len(infos) != 80 {
		t.Errorf("%d actions", len(infos))
	}
	seen := map[string]bool{}
	for _, in := range infos {
		if in.Connector != "jira" || in.Name == "" || in.Title == "" || in.Description == "" || seen[in.Name] {
			t.Errorf("bad info %+v", in)
		}
		seen[in.Name] = true
	}
}

// TestActionCatalogue holds actionCatalogue and the action constructors in
// step: every exported constructor on *Client builds an action from its own
// catalogue entry (a missing or misspelt name makes newAction panic, which
// this test reports), and every entry is built by exactly one constructor.
func TestActionCatalogue(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	type informer interface{ Info() action.Info }
	builtBy := map[string][]string{}
	cv := reflect.ValueOf(e.jc)
	for i := range cv.NumMethod() {
		m := cv.Type().Method(i)
		if m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || !m.Type.Out(0).Implements(reflect.TypeFor[informer]()) {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", m.Name, r)
				}
			}()
			info := cv.Method(i).Call(nil)[0].Interface().(informer).Info()
			builtBy[info.Name] = append(builtBy[info.Name], m.Name)
		}()
	}
	require.NotEmpty(t, builtBy, "no action constructors found on *Client")
	names := make([]string, 0, len(actionCatalogue))
	for _, entry := range actionCatalogue {
		names = append(names, entry.Name)
		assert.Len(t, builtBy[entry.Name], 1, "catalogue entry %s must be built by exactly one constructor, built by %v", entry.Name, builtBy[entry.Name])
	}
	assert.True(t, slices.IsSorted(names), "actionCatalogue is not sorted by name: %v", names)
	for name, ctors := range builtBy {
		_, ok := e.jc.actionInfo(name)
		assert.True(t, ok, "%v build action %q, which has no catalogue entry", ctors, name)
	}
}

// TestActionsAreCopies checks that a caller changing what Actions returns
// cannot change the catalogue other callers and actions see.
func TestActionsAreCopies(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	infos := e.jc.Actions()
	for i := range infos {
		for j := range infos[i].Permissions {
			infos[i].Permissions[j] = "CHANGED"
		}
	}
	for _, in := range e.jc.Actions() {
		assert.NotContains(t, in.Permissions, "CHANGED", in.Name)
	}
	assert.Equal(t, []string{"MANAGE_WATCHERS"}, e.jc.AddWatcher().Info().Permissions)
}
