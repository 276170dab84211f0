package exampleutil

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// Site is a connection to one Jira site: a real one (Env.URL set) or a
// jiratest simulator started for the run.
type Site struct {
	// Client is the connection recipes use.
	Client *jira.Client
	// Project is the project key the example works in.
	Project string
	// Account and Detail are what the connection test found (who the
	// connection acts as, which deployment and version).
	Account, Detail string
	// Sim is the simulator when offline, nil otherwise.
	Sim *jiratest.Server
	// Demo is the simulator's demo data when offline.
	Demo jiratest.Demo

	ownSim bool // Close closes Sim
}

// SiteOptions configures [Connect].
type SiteOptions struct {
	// Name names the connection ("support"); default "jira".
	Name string
	// Project is the default project key when Env.Project is empty;
	// default [DefaultProject].
	Project string
	// Mode is the simulator's deployment when offline (default Cloud).
	Mode jiratest.Mode
	// ProjectName names the project the simulator creates when Project is
	// not DEMO; default the key.
	ProjectName string
	// Now is the simulator clock when offline; nil means time.Now.
	Now func() time.Time
	// Logger receives the connector's debug records; nil discards them.
	Logger *slog.Logger
	// HTTP tunes the client's retries and timeouts.
	HTTP httpx.Options
}

// Offline reports whether the site is the simulator.
func (s *Site) Offline() bool { return s.Sim != nil }

// Close stops the simulator Connect started, if any.
func (s *Site) Close() {
	if s.ownSim {
		s.Sim.Close()
	}
}

// Connect returns a tested connection to the site env describes: with
// env.URL empty it starts a jiratest simulator (demo data, project
// opts.Project created when it is not DEMO) and connects as the demo's
// integration user; otherwise it builds the credential from env (see
// [Env.Strategy]) and proves the connection with Client.Test, whose error
// says what to fix.
func Connect(ctx context.Context, env Env, opts SiteOptions) (*Site, error) {
	project := env.ProjectOr(opts.Project)
	if project == "" {
		project = DefaultProject
	}
	if env.Offline() {
		return startSim(ctx, project, opts)
	}
	strategy, err := env.Strategy(ctx)
	if err != nil {
		return nil, err
	}
	jc, err := jira.New(jira.Config{Name: opts.Name, URL: env.URL, Auth: strategy, Logger: opts.Logger, HTTP: opts.HTTP})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.name("URL"), err)
	}
	res, err := jc.Test(ctx)
	if err != nil {
		return nil, err
	}
	return &Site{Client: jc, Project: project, Account: res.Account, Detail: res.Detail}, nil
}

func startSim(ctx context.Context, project string, opts SiteOptions) (*Site, error) {
	sim, err := jiratest.Start(jiratest.Options{Mode: opts.Mode, Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("starting the Jira simulator: %w", err)
	}
	demo := sim.SeedDemo()
	if project != "DEMO" {
		name := opts.ProjectName
		if name == "" {
			name = project
		}
		if _, err := addProject(sim, jiratest.Project{Key: project, Name: name, Lead: demo.Admin.ID(opts.Mode)}); err != nil {
			sim.Close()
			return nil, err
		}
	}
	site, err := SimSite(ctx, sim, demo.Admin, project, opts)
	if err != nil {
		sim.Close()
		return nil, err
	}
	site.Demo = demo
	site.ownSim = true
	return site, nil
}

// addProject turns the simulator's panic on a bad project key into an
// error.
func addProject(sim *jiratest.Server, p jiratest.Project) (out jiratest.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("creating project %s in the simulator: %v (JIRA_PROJECT must be 2-10 upper-case letters or digits)", p.Key, r)
		}
	}()
	return sim.AddProject(p), nil
}

// SimSite connects to a running simulator as user (with the credential
// that suits the simulator's mode: an API token on Cloud, a personal
// access token on Data Center) and tests the connection. The simulator is
// not closed by Site.Close: its owner closes it.
func SimSite(ctx context.Context, sim *jiratest.Server, user jiratest.User, project string, opts SiteOptions) (*Site, error) {
	var strategy auth.Strategy = auth.APIToken{Email: user.Email, Token: auth.Secret(user.APIToken)}
	if sim.Mode() == jiratest.DataCenter {
		strategy = auth.PAT{Token: auth.Secret(user.PAT)}
	}
	jc, err := jira.New(jira.Config{Name: opts.Name, URL: sim.URL(), Auth: strategy, Logger: opts.Logger, HTTP: opts.HTTP})
	if err != nil {
		return nil, err
	}
	res, err := jc.Test(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to the simulator: %w", err)
	}
	return &Site{Client: jc, Project: project, Account: res.Account, Detail: res.Detail, Sim: sim}, nil
}
