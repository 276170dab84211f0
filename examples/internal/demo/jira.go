package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// Jira is an offline Jira site: a jiratest simulator with the demo data
// (project DEMO, an integration user who is a Jira administrator, Alice
// and Bob), and the example's project when it is not DEMO.
type Jira struct {
	// Sim is the simulator; scenes act in it and read it back.
	Sim *jiratest.Server
	// People is the demo data: users, the DEMO project, its issues.
	People jiratest.Demo
	// Project is the project the example works in.
	Project string

	tmpDir string
}

// JiraOptions configures [StartJira].
type JiraOptions struct {
	// Project is the example's project key; default DEMO. Another key is
	// created in the simulator.
	Project string
	// ProjectName names a created project; default the key.
	ProjectName string
	// Mode is the deployment the simulator imitates (default Cloud).
	Mode jiratest.Mode
}

// StartJira starts a simulator with the demo data. Close stops it.
func StartJira(opts JiraOptions) (*Jira, error) {
	project := opts.Project
	if project == "" {
		project = "DEMO"
	}
	sim, err := jiratest.Start(jiratest.Options{Mode: opts.Mode})
	if err != nil {
		return nil, fmt.Errorf("starting the Jira simulator: %w", err)
	}
	people := sim.SeedDemo()
	if project != "DEMO" {
		name := opts.ProjectName
		if name == "" {
			name = project
		}
		if _, err := addProject(sim, jiratest.Project{Key: project, Name: name, Lead: people.Admin.ID(opts.Mode)}); err != nil {
			sim.Close()
			return nil, fmt.Errorf("%w (JIRA_PROJECT must be 2-10 upper-case letters or digits)", err)
		}
	}
	return &Jira{Sim: sim, People: people, Project: project}, nil
}

// UseJira is the offline site of a run: sim when a test passes one, else
// a simulator [StartJira] starts with opts. stop closes only a simulator
// UseJira started.
func UseJira(sim *Jira, opts JiraOptions) (j *Jira, stop func(), err error) {
	if sim != nil {
		return sim, func() {}, nil
	}
	if sim, err = StartJira(opts); err != nil {
		return nil, nil, err
	}
	return sim, sim.Close, nil
}

// AddProject creates a project in the simulator and returns it, or says
// why the simulator refuses its key.
func (j *Jira) AddProject(p jiratest.Project) (jiratest.Project, error) {
	return addProject(j.Sim, p)
}

// addProject turns the simulator's panic on a bad project key into an
// error.
func addProject(sim *jiratest.Server, p jiratest.Project) (created jiratest.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("creating project %s in the simulator: %v", p.Key, r)
		}
	}()
	return sim.AddProject(p), nil
}

// URL is the simulator's base URL, the JIRA_URL of the offline site.
func (j *Jira) URL() string { return j.Sim.URL() }

// Auth is the integration user's credential.
func (j *Jira) Auth() auth.Strategy { return j.AuthAs(j.People.Admin) }

// AuthAs is u's credential: an API token on Cloud, a personal access
// token on Data Center.
func (j *Jira) AuthAs(u jiratest.User) auth.Strategy {
	if j.Sim.Mode() == jiratest.DataCenter {
		return auth.PAT{Token: auth.Secret(u.PAT)}
	}
	return auth.APIToken{Email: u.Email, Token: auth.Secret(u.APIToken)}
}

// ID is u's id in this simulator's mode (account id on Cloud, user name
// on Data Center).
func (j *Jira) ID(u jiratest.User) string { return u.ID(j.Sim.Mode()) }

// StorePath returns a store file in a temporary directory that Close
// removes. Offline the simulator starts empty on every run, so the store
// does too: cursors and job records of an earlier run would not match it.
func (j *Jira) StorePath(name string) (string, error) {
	if j.tmpDir == "" {
		dir, err := os.MkdirTemp("", "recipekit-"+name+"-")
		if err != nil {
			return "", fmt.Errorf("creating a temporary store: %w", err)
		}
		j.tmpDir = dir
	}
	return filepath.Join(j.tmpDir, name+".db"), nil
}

// Close stops the simulator and removes the temporary store. Close the
// store first.
func (j *Jira) Close() {
	j.Sim.Close()
	if j.tmpDir != "" {
		_ = os.RemoveAll(j.tmpDir)
	}
}

// realTime is how long Play gives a scene to finish.
const realTime = 60 * time.Second
