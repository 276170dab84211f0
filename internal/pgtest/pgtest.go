// Package pgtest gives tests a fresh PostgreSQL database on the server named
// by RECIPEKIT_TEST_POSTGRES_URL (.ci/postgres.sh starts one). Without that
// variable the tests skip with a message, unless RECIPEKIT_REQUIRE_POSTGRES
// is set (CI sets it), which turns the skip into a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// URLVar names the environment variable holding the test server's URL.
const URLVar = "RECIPEKIT_TEST_POSTGRES_URL"

// RequireVar names the environment variable that makes a missing server a
// test failure instead of a skip.
const RequireVar = "RECIPEKIT_REQUIRE_POSTGRES"

// ServerURL returns the test server's URL, or skips (fails when
// RECIPEKIT_REQUIRE_POSTGRES is set) when none is configured.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(URLVar)
	if u == "" {
		msg := URLVar + " is not set: start a server with `source .ci/postgres.sh` to run the PostgreSQL tests"
		if os.Getenv(RequireVar) != "" {
			tb.Fatal(msg + " (" + RequireVar + " is set, so this is a failure)")
		}
		tb.Skip(msg)
	}
	return u
}

// NewDatabase creates an empty database on the test server, drops it when
// the test ends, and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	server := ServerURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		tb.Fatalf("connect to the test server %s: %v", URLVar, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rk_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			tb.Logf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", URLVar, err)
	}
	u.Path = "/" + name
	return u.String()
}
