// Command permissions checks that the connection's Jira account holds every
// permission the program's recipes need, and prints, per project, what is
// missing and how a Jira administrator grants it.
//
// The needs come from the catalogue itself, read from each built recipe:
// its trigger's and every action step's Info().Permissions (Recipe.Trigger
// and Recipe.Actions). The answers
// come from GET /rest/api/2/mypermissions, per project. The recipes are
// those of the other examples: acknowledge new issues, escalate labelled
// issues to another project, and react to changes through a webhook.
//
// # Offline
//
// Without JIRA_URL it connects to the simulator as Bob, an ordinary user
// who may browse, create and comment in DEMO but not edit, transition, link
// or attach, who cannot see project OPS, and who is no administrator:
//
//	go run ./examples/permissions
//
// # Against a real site
//
// It exits with status 1 when a permission is missing:
//
//	JIRA_URL=https://your-domain.atlassian.net JIRA_EMAIL=you@example.com \
//	JIRA_API_TOKEN=... JIRA_PROJECT=SUP go run ./examples/permissions -escalate-to ENG
//
// # Variables
//
//	JIRA_URL                        the site; unset runs offline
//	JIRA_EMAIL, JIRA_API_TOKEN      Jira Cloud account and API token
//	JIRA_USERNAME, JIRA_PASSWORD    Jira Server/Data Center login
//	JIRA_PAT                        Jira Data Center personal access token
//	JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET
//	                                an OAuth 2.0 app (log in first: go run ./examples/oauth2),
//	                                which registers webhooks with a scope, not Administer Jira
//	JIRA_PROJECT                    the project the recipes watch (default DEMO)
//
// # Flags
//
//	-escalate-to KEY   the project the escalation recipe creates issues in
//	                   (default OPS)
package main
