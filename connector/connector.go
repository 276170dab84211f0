package connector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/trigger"
)

// Info describes a connector.
type Info struct {
	// Name is the connector's kind, such as "jira".
	Name string
	// Connection names this configured connection, such as "support".
	Connection string
	// Title is a human title, such as "Jira".
	Title string
	// Description says what the connector talks to.
	Description string
}

// TestResult is what a successful connection test found.
type TestResult struct {
	// Account is the identity the connection acts as.
	Account string
	// Detail describes the remote system (deployment, version).
	Detail string
}

// Connector is a configured connection to a remote system.
type Connector interface {
	Info() Info
	// Test proves the connection works: the address answers, the
	// credentials are accepted. Its error says what to fix.
	Test(ctx context.Context) (TestResult, error)
	// Actions lists the action catalogue's metadata.
	Actions() []action.Info
	// Triggers lists the trigger catalogue's metadata.
	Triggers() []trigger.Info
}

// Registry holds connectors by connection name. The zero value is ready to
// use and safe for concurrent use.
type Registry struct {
	mu         sync.RWMutex
	connectors map[string]Connector
}

// Register adds c under its connection name (its Info().Connection, or
// Info().Name when that is empty). It fails when c is nil, has no name, or
// a connector with the same connection name is already registered.
func (r *Registry) Register(c Connector) error {
	if c == nil {
		return errors.New("connector: Register was given a nil connector; pass a configured connection")
	}
	info := c.Info()
	name := info.Connection
	if name == "" {
		name = info.Name
	}
	if name == "" {
		return fmt.Errorf("connector: a %T has neither a connection name nor a kind in its Info; give the connection a name", c)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.connectors == nil {
		r.connectors = make(map[string]Connector)
	}
	if _, dup := r.connectors[name]; dup {
		return fmt.Errorf("connector: a connection named %q is already registered; give each connection its own name", name)
	}
	r.connectors[name] = c
	return nil
}

// Get returns the connector registered under name.
func (r *Registry) Get(name string) (Connector, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.connectors[name]
	return c, ok
}

// List returns every registered connector, sorted by connection name.
func (r *Registry) List() []Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.connectors))
	for n := range r.connectors {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Connector, 0, len(names))
	for _, n := range names {
		out = append(out, r.connectors[n])
	}
	return out
}
