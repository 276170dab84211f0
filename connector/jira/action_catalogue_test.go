package jira

import (
	"testing"

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
