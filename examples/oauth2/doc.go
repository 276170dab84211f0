// Command oauth2 logs in to Jira Cloud as an OAuth 2.0 (3LO) app and saves
// the tokens for the other examples.
//
// It prints Atlassian's authorization URL, receives the callback on a local
// port, checks the state value, exchanges the code for tokens (saved at
// once to a file readable by you only, because Atlassian's refresh tokens
// work once each), discovers the site's cloud id and proves the connection.
//
// # Offline
//
// Without JIRA_URL the jiratest simulator plays Atlassian: its /authorize
// endpoint approves at once and redirects back, and the program follows
// the link itself as a browser would:
//
//	go run ./examples/oauth2
//
// # Against a real site
//
// Create an OAuth 2.0 (3LO) app in the Atlassian developer console
// (https://developer.atlassian.com/console/myapps/), add the Jira API
// scopes, register the callback URL http://localhost:8765/callback (or set
// JIRA_OAUTH_REDIRECT_URL), then:
//
//	JIRA_URL=https://your-domain.atlassian.net \
//	JIRA_OAUTH_CLIENT_ID=... JIRA_OAUTH_CLIENT_SECRET=... \
//	go run ./examples/oauth2
//
// and open the printed link in a browser. The other examples then connect
// with the same JIRA_URL, JIRA_OAUTH_CLIENT_ID and JIRA_OAUTH_CLIENT_SECRET.
//
// # Variables
//
//	JIRA_URL                        the site; unset runs offline
//	JIRA_OAUTH_CLIENT_ID            the app's client id
//	JIRA_OAUTH_CLIENT_SECRET        the app's secret
//	JIRA_OAUTH_REDIRECT_URL         the registered callback, a http://localhost
//	                                or 127.0.0.1 URL (default
//	                                http://localhost:8765/callback)
//	JIRA_OAUTH_TOKEN_FILE           where the tokens go (default
//	                                recipekit/jira-oauth-token.json in the user
//	                                configuration directory)
//
// # Flags
//
//	-token-file PATH   where to save the tokens (default JIRA_OAUTH_TOKEN_FILE;
//	                   offline a temporary file)
//	-wait 5m           how long to wait for the browser to come back
package main
