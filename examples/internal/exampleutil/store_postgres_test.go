package exampleutil

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/internal/pgtest"
	"github.com/recipekit/recipekit/recipe/postgres"
)

func TestOpenStoreTakesAPostgresURLAndHidesItsPassword(t *testing.T) {
	db := pgtest.NewDatabase(t)
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "s3cret-pw")
	st, name, cleanup, err := OpenStore(context.Background(), "quickstart", u.String(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if _, ok := st.(*postgres.Store); !ok {
		t.Errorf("OpenStore(%q) opened a %T, want the PostgreSQL store", name, st)
	}
	if strings.Contains(name, "s3cret-pw") || !strings.HasPrefix(name, "postgres://") {
		t.Errorf("the store is named %q; want the URL without its password", name)
	}
}
