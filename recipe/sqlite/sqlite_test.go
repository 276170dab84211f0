package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "recipes.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	recipetest.TestStore(t, func(t *testing.T) recipe.Store { return openTemp(t) })
}

func TestReopenKeepsDataAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{{ID: "j1", Recipe: "r", Event: recipe.EventRecord{ID: "e1"}}}, Cursor: []byte("c"), SetCursor: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != 1 {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	c, err := s.Cursor(ctx, "r")
	if err != nil || string(c) != "c" {
		t.Fatalf("cursor = %q, %v", c, err)
	}
	if _, err := s.Job(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); err == nil {
		t.Fatal("want an error")
	}
}
