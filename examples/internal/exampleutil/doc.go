// Package exampleutil is the plumbing the recipekit examples share: the
// common flags (-once, -store, -since), the connection described by the
// JIRA_* environment (or a jiratest simulator with demo data when JIRA_URL
// is not set), the SQLite store, signal handling, offline scenes of
// simulated people, and progress output through the engine's hooks.
//
// Only [Program.Main] and [OSEnv] read the process environment; everything
// else takes an [Env] value, so the examples' tests inject their own.
package exampleutil
