package connector

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

type fakeConn struct{ info Info }

func (f fakeConn) Info() Info                             { return f.info }
func (fakeConn) Test(context.Context) (TestResult, error) { return TestResult{}, nil }
func (fakeConn) Actions() []action.Info                   { return nil }
func (fakeConn) Triggers() []trigger.Info                 { return nil }

func TestRegistryRegisterGetList(t *testing.T) {
	var r Registry
	for _, c := range []fakeConn{
		{Info{Name: "jira", Connection: "support"}},
		{Info{Name: "webhook"}}, // no connection name: registered under its kind
		{Info{Name: "jira", Connection: "engineering"}},
	} {
		if err := r.Register(c); err != nil {
			t.Fatalf("Register(%+v): %v", c.info, err)
		}
	}
	if c, ok := r.Get("support"); !ok || c.Info().Connection != "support" {
		t.Errorf("Get(support) = %v, %v", c, ok)
	}
	if _, ok := r.Get("webhook"); !ok {
		t.Error("a connector without a connection name is not found under its kind")
	}
	if _, ok := r.Get("missing"); ok {
		t.Error("Get(missing) found something")
	}
	var names []string
	for _, c := range r.List() {
		names = append(names, c.Info().Connection+"/"+c.Info().Name)
	}
	if got, want := strings.Join(names, ","), "engineering/jira,support/jira,/webhook"; got != want {
		t.Errorf("List order = %s, want %s", got, want)
	}
}

func TestRegistryRefusesDuplicatesNilAndUnnamed(t *testing.T) {
	var r Registry
	if err := r.Register(fakeConn{Info{Name: "jira", Connection: "support"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		c    Connector
		want string
	}{
		{"duplicate", fakeConn{Info{Name: "webhook", Connection: "support"}}, `"support" is already registered`},
		{"nil", nil, "nil connector"},
		{"unnamed", fakeConn{}, "neither a connection name nor a kind"},
	} {
		err := r.Register(tt.c)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Register error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
	if n := len(r.List()); n != 1 {
		t.Errorf("%d connectors registered after refused registrations, want 1", n)
	}
}

func TestRegistryConcurrentUse(t *testing.T) {
	var r Registry
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			name := string(rune('a' + i))
			if err := r.Register(fakeConn{Info{Name: "x", Connection: name}}); err != nil {
				t.Error(err)
			}
			r.Get(name)
			r.List()
		})
	}
	wg.Wait()
	if n := len(r.List()); n != 16 {
		t.Errorf("%d connectors registered, want 16", n)
	}
}
