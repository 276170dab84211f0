// Command quickstart runs the "acknowledge new issues" recipe: every new
// issue in the project gets a comment naming it, and an issue filed as
// Highest priority is also labelled urgent and moved to In Progress (when
// the workflow offers that move).
//
// # Offline
//
// Without JIRA_URL it starts the jiratest simulator with demo data;
// simulated people file a few issues over a few seconds, each job is shown
// as it runs, and a summary ends the program:
//
//	go run ./examples/quickstart
//
// # Against a real site
//
// With JIRA_URL and credentials it watches the project until Ctrl-C (or,
// with -once, catches up, runs the jobs and exits; non-zero while a job is failed):
//
//	JIRA_URL=https://your-domain.atlassian.net JIRA_EMAIL=you@example.com \
//	JIRA_API_TOKEN=... JIRA_PROJECT=DEMO go run ./examples/quickstart -once
//
// The account needs Browse Projects, Add Comments, Edit Issues and
// Transition Issues in the project (go run ./examples/permissions checks).
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
//
// Exactly one kind of credential may be set.
//
// # Flags
//
//	-once         poll until caught up, run the jobs, print a summary and exit
//	              (non-zero while a job in the store is failed)
//	-rerun-failed run the store's failed jobs again first, from the step that failed
//	-store PATH   SQLite file for the cursor, the dedup ledger and job records
//	              (default recipekit/quickstart.db in the user cache directory;
//	              offline a temporary file)
//	-since 1h     on the first run, also pick up issues filed this long before
//	              it; later runs continue from the stored cursor
//	-poll 30s     how often to ask Jira for new issues (offline 1s)
//
// Because the state is kept in the store, running it again never comments
// twice.
//
// main.go is the whole program: the connection from the environment, the
// recipe, the store, the engine and the run, with graceful shutdown on
// Ctrl-C or SIGTERM. The offline demo (the simulator and its simulated
// people) is the one branch taken when JIRA_URL is not set; a program of
// your own drops it.
package main
