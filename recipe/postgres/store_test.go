package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/internal/pgtest"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// openTemp opens a store, with a keyring for webhook secrets, over a new
// database.
func openTemp(t *testing.T) *postgres.Store {
	t.Helper()
	s, _ := openDatabase(t, postgres.WithSecretKeys(sealtest.NewKeyring(t)))
	return s
}

// openDatabase opens a store over a new database, closed when the test
// ends, and returns it with the database's URL, for the other stores or
// processes sharing it.
func openDatabase(tb testing.TB, opts ...postgres.Option) (*postgres.Store, string) {
	tb.Helper()
	url := pgtestDatabase(tb)
	s, err := postgres.Open(context.Background(), url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s, url
}

func TestConformance(t *testing.T) {
	recipetest.TestStore(t, func(t *testing.T) recipe.Store { return openTemp(t) })
}

func TestJobWriterConformance(t *testing.T) {
	recipetest.TestJobWriter(t, func(t *testing.T) recipe.Store { return openTemp(t) })
}

func TestOpenMigratesOnceWhenProcessesStartTogether(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	stores := make(chan *postgres.Store, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(ctx, url)
			errs <- err
			stores <- s
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		s := <-stores
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != 6 {
			t.Errorf("schema version = %d, want 6", v)
		}
		_ = s.Close()
	}
}

func TestReopenKeepsData(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{{ID: "j1", Recipe: "r", Event: recipe.EventRecord{ID: "e1"}}}, Cursor: []byte("c"), SetCursor: true}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Cursor(ctx, "r")
	if err != nil || string(c) != "c" {
		t.Fatalf("cursor after reopening = %q, %v", c, err)
	}
	if j, err := s.Job(ctx, "j1"); err != nil || j.Status != recipe.JobPending {
		t.Fatalf("job after reopening = %+v, %v", j, err)
	}
}

func TestOpenErrorsHidePasswords(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=1", "postgres://u:hunter2@[bad"} {
		_, err := postgres.Open(ctx, url)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", url)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error shows the password: %v", url, err)
		}
	}
}

func pgtestDatabase(t testing.TB) string { return pgtest.NewDatabase(t) }

func TestSaveStepsKeepsTheLastRecordOfASeq(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	acceptN(t, s, "r", 1)
	steps := []recipe.StepRecord{{Seq: 0, Name: "a", Attempts: 1}, {Seq: 0, Name: "a", Output: []byte(`2`), Attempts: 2}, {Seq: 1, Name: "b"}}
	if err := s.SaveSteps(ctx, "r-j000", steps); err != nil {
		t.Fatal(err)
	}
	j, err := s.Job(ctx, "r-j000")
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Steps) != 2 || j.Steps[0].Attempts != 2 || string(j.Steps[0].Output) != "2" {
		t.Errorf("steps = %+v", j.Steps)
	}
}
