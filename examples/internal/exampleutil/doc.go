// Package exampleutil is the plumbing the recipekit examples share: the
// common flags (-once, -store, -since), the connection described by the
// JIRA_* environment (or a jiratest simulator with demo data when JIRA_URL
// is not set), the SQLite store, the engine with its progress output
// ([Runner]: catch up once, watch until Ctrl-C, or run in the background
// while an offline scene plays), an HTTP server that stops cleanly
// ([ServeHTTP]), signal handling, and offline scenes of simulated people.
//
// Only [Program.Main] and [OSEnv] read the process environment; everything
// else takes an [Env] value, so the examples' tests inject their own.
package exampleutil
