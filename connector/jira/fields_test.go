package jira

import (
	"strings"
	"testing"
)

func TestFieldNamesResolveAndAmbiguityListsIDs(t *testing.T) {
	fields := []Field{{ID: "summary", Name: "Summary"}, {ID: "customfield_10010", Name: "Team"}, {ID: "customfield_10011", Name: "team"}, {ID: "customfield_10016", Name: "Story Points"}}
	f, ok, err := matchField(fields, "story points")
	if err != nil || !ok || f.ID != "customfield_10016" {
		t.Errorf("by name: %v %v %v", f, ok, err)
	}
	f, ok, _ = matchField(fields, "customfield_10010")
	if !ok || f.ID != "customfield_10010" {
		t.Errorf("by id: %v", f)
	}
	_, _, err = matchField(fields, "Team")
	if err == nil || !strings.Contains(err.Error(), "customfield_10010, customfield_10011") {
		t.Errorf("ambiguous name error should list the ids: %v", err)
	}
	if _, ok, err := matchField(fields, "Nope"); ok || err != nil {
		t.Errorf("unknown: %v %v", ok, err)
	}
}
