// Package jiraenv reads a Jira credential from JIRA_* environment
// variables, for the examples. It accepts every kind the README lists
// (API token, password, personal access token, OAuth 2.0 app) and says
// which variable is missing when a set is incomplete.
//
// A program written for one site does not need it: it builds the one
// credential it uses, such as
//
//	auth.APIToken{Email: os.Getenv("JIRA_EMAIL"), Token: auth.Secret(os.Getenv("JIRA_API_TOKEN"))}
package jiraenv
