package jira

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
)

// TestREADMEListsTheCatalogue keeps the README's trigger and action tables
// in step with the catalogue users actually get.
func TestREADMEListsTheCatalogue(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatalf("reading the README: %v", err)
	}
	jc, err := New(Config{Name: "docs", URL: "https://docs.example.net", Auth: auth.PAT{Token: "unused"}})
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, a := range jc.Actions() {
		if !strings.Contains(text, "`"+a.Name+"`") {
			t.Errorf("README's actions table lacks %q (%s)", a.Name, a.Title)
		}
	}
	for _, tr := range jc.Triggers() {
		if !strings.Contains(text, "`"+tr.Name+"`") {
			t.Errorf("README's triggers table lacks %q (%s)", tr.Name, tr.Title)
		}
	}
}
