// Command realtime runs a recipe on a real-time trigger: on start it
// registers a webhook with Jira pointing at the engine's webhook handler,
// checks the signature of every delivery, and removes the webhook when it
// stops (Ctrl-C).
//
// The recipe thanks the reporter of each new issue within a second, and
// labels an issue urgent as soon as someone raises it to Highest. A backup
// poll (every 6 hours, and once at start) catches deliveries Jira never
// made.
//
// # Offline
//
// Without JIRA_URL the jiratest simulator registers the webhook and
// delivers the events of a short scene; a forged delivery shows the
// signature check at work:
//
//	go run ./examples/realtime
//
// # Against a real site
//
// The account needs the Administer Jira global permission to register
// webhooks (an OAuth 2.0 app registers dynamic webhooks with the
// manage:jira-webhook scope instead), and Jira must reach the handler: Jira
// Cloud cannot post to 127.0.0.1, so expose -listen through a tunnel
// (cloudflared, ngrok, ...) and pass its public address:
//
//	JIRA_URL=https://your-domain.atlassian.net JIRA_EMAIL=you@example.com JIRA_API_TOKEN=... \
//	go run ./examples/realtime -listen 127.0.0.1:8088 -public-url https://abc.trycloudflare.com
//
// # Variables
//
//	JIRA_URL                        the site; unset runs offline
//	JIRA_EMAIL, JIRA_API_TOKEN      Jira Cloud account and API token
//	JIRA_USERNAME, JIRA_PASSWORD    Jira Server/Data Center login
//	JIRA_PAT                        Jira Data Center personal access token
//	JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET
//	                                an OAuth 2.0 app (log in first: go run ./examples/oauth2)
//	JIRA_PROJECT                    the project key (default DEMO)
//	RECIPEKIT_SECRET_KEY            seals the webhook secret the store keeps
//	                                (base64 of 32 random bytes; not needed offline or with -once)
//	RECIPEKIT_STORE                 the default of -store
//
// # Flags
//
//	-listen ADDR      where the webhook handler listens (default 127.0.0.1:8088
//	                  against a real site, a free port offline)
//	-public-url URL   the address Jira posts to, forwarded to -listen
//	                  (default http://<listen>)
//	-once             register no webhook: run the backup poll once and exit
//	                  (non-zero while a job in the store is failed)
//	-rerun-failed     run the store's failed jobs again first, from the step that failed
//	-store PATH       SQLite file for the webhook registration, the dedup ledger
//	                  and job records (default recipekit/realtime.db in the user
//	                  cache directory; offline a temporary file)
//	-since 1h         how far back the first backup poll looks
package main
