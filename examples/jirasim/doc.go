// Command jirasim serves the jiratest Jira simulator on an address, with
// demo data, so that any tool (curl, a REST client, a recipe, one of the
// other examples with JIRA_URL pointed at it) can talk to a Jira without an
// account.
//
//	go run ./examples/jirasim -addr 127.0.0.1:8080 -mode cloud -activity 10s
//
// It prints the URL and the demo credentials for each kind of
// authentication the chosen deployment accepts (API token and OAuth 2.0 on
// Cloud; password and personal access token on Data Center).
//
// Flags:
//
//	-addr        listen address (default 127.0.0.1:8080)
//	-mode        cloud or dc (default cloud)
//	-activity    make a simulated human change this often (0: none)
//	-search-lag  hide changes from search for this long, as Jira Cloud's
//	             eventually consistent search does
//	-v           log every request
package main
