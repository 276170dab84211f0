// Command servicedesk-sync keeps a Jira Service Management desk's customer
// requests and engineering's Jira project in step, on one Jira site:
//
//   - escalate-bug-reports: a new customer request of the "Bug report"
//     type becomes an engineering issue (created once, whatever retries or
//     crashes happen: it carries an idempotency key), labelled
//     request-<request key>, and the two are linked both ways with remote
//     links; the request gets an internal note naming the issue. Requests
//     of other types stay with the desk.
//   - public-comments: an engineering comment starting with #public goes
//     to the request as a public comment the customer sees; the team's
//     other comments stay in the engineering project.
//   - resolution-resolves-request: when the engineering issue reaches
//     Done, the request gets a public comment saying so and is
//     transitioned (resolved), unless it is resolved already.
//
// # Offline
//
// Without JIRA_URL it starts the Jira simulator with an engineering
// project ENG and a service desk HELP (request types "Get IT help" and
// "Bug report", Bob its customer), and plays a story: Bob raises requests,
// an engineer answers with a #public comment and resolves the issue.
//
//	go run ./examples/servicedesk-sync
//
// # Against a real site
//
//	JIRA_URL=https://your-domain.atlassian.net JIRA_EMAIL=you@example.com JIRA_API_TOKEN=... \
//	JIRA_PROJECT=ENG SERVICE_DESK_ID=4 go run ./examples/servicedesk-sync
//
// SERVICE_DESK_REQUEST_TYPE names the request type to escalate (default
// "Bug report"); SERVICE_DESK_RESOLVE names the request's resolving
// transition (default "Done"; many desks call it "Resolve this issue").
//
// # Flags
//
//	-once         poll Jira until caught up, run the jobs, print a summary and exit
//	              (non-zero while a job in the store is failed)
//	-rerun-failed run the store's failed jobs again first, from the step that failed
//	-store PATH   SQLite file (default recipekit/servicedesk-sync.db in the user cache directory)
//	-since 1h     how far back the first poll of Jira looks
//	-poll 30s     how often to ask Jira for requests, comments and status changes
package main
