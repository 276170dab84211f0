package jira

import (
	"os"
	"path/filepath"
	"strings"
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
		// The permissions column is what an administrator grants from: it
		// says what the trigger reports, word for word.
		assert.Contains(t, readmeRow(text, tr.Name), "| "+strings.Join(tr.Permissions, ", ")+" |", "README's row of %s does not give the permissions it needs", tr.Name)
	}
}

// readmeRow returns the README table row that names name in its second
// column, "" when there is none.
func readmeRow(readme, name string) string {
	for _, line := range strings.Split(readme, "\n") {
		if cells := strings.Split(line, " | "); len(cells) > 2 && cells[1] == "`"+name+"`" {
			return line
		}
	}
	return ""
}
