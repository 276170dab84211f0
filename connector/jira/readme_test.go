package jira

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recipekit/recipekit/auth"
)

// TestREADMEListsTheCatalogue keeps the README's trigger and action tables
// in step with the catalogue users actually get.
func TestREADMEListsTheCatalogue(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err, "reading the README")
	jc, err := New(Config{Name: "docs", URL: "https://docs.example.net", Auth: auth.PAT{Token: "unused"}})
	require.NoError(t, err)
	text := string(readme)
	for _, a := range jc.Actions() {
		assert.Contains(t, text, "`"+a.Name+"`", "README's actions table lacks %s (%s)", a.Name, a.Title)
	}
	for _, tr := range jc.Triggers() {
		assert.Contains(t, text, "`"+tr.Name+"`", "README's triggers table lacks %s (%s)", tr.Name, tr.Title)
	}
}
