package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMERecipeCompiles type-checks the recipe the README shows, so the
// first code a newcomer copies keeps working as the API changes.
func TestREADMERecipeCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## A recipe\n\n```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```go block under \"## A recipe\"")
	}
	program := `package main

import (
	"context"
	"log/slog"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

func run(ctx context.Context, email, token string, logger *slog.Logger) error {
` + string(m[1]) + `}

func main() { _ = run }
`
	dir := t.TempDir()
	goMod := "module readmecheck\n\ngo 1.26\n\nrequire github.com/recipekit/recipekit v0.0.0\n\nreplace github.com/recipekit/recipekit => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"go.mod": []byte(goMod), "go.sum": sum, "main.go": []byte(program)} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", "vet", "-mod=mod", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "module lookup disabled") {
			t.Skipf("a module the check needs is not in the local module cache (run go mod download): %s", out)
		}
		t.Fatalf("the README's recipe does not compile: %v\n%s\n--- program ---\n%s", err, out, numbered(program))
	}
}

func numbered(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = fmt.Sprintf("%3d  %s", i+1, l)
	}
	return strings.Join(lines, "\n")
}
