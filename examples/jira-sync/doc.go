// Command jira-sync keeps two Jira sites in step: a support site and an
// engineering site.
//
//   - An issue labelled "escalate" in the support project is copied into the
//     engineering project with its attachments and the labels from-support
//     and origin-<support key> (the copy's way back, searchable with JQL),
//     and a link to the original in the description. Remote issue links join
//     the two both ways ("escalated from" on the copy, "escalated to" on the
//     original), so each shows the other in Jira's Links panel. The original
//     is labelled "escalated" and told where the copy is.
//   - A file attached to the original after its escalation is copied to the
//     copy too: Jira records the upload in the changelog (field
//     "Attachment"), which the support project's trigger sees. A file
//     already on the copy with the same name and size is skipped, so a
//     job run again adds nothing twice.
//   - Comments are mirrored both ways. Each recipe ignores the changes made
//     by its own connection's account, and mirrored comments start with
//     "[mirrored from ", so nothing echoes back and forth.
//   - When the copy's status changes, the original follows through a table
//     (statusMap), with the copy's resolution.
//
// Five recipes run in one engine with one store. Removing a file from the
// original does not remove it from the copy.
//
// # Offline
//
// Without JIRA_URL and ENG_JIRA_URL the support site is a Jira Cloud
// simulator and the engineering site a Jira Data Center simulator, and a
// short scene plays: Alice files and escalates an issue with a log file,
// attaches a network trace, comments, and Bob in engineering answers and
// fixes it:
//
//	go run ./examples/jira-sync
//
// # Against real sites
//
// The JIRA_* variables describe the support site and the same names
// prefixed ENG_ the engineering site. Without ENG_JIRA_URL both projects are
// on the JIRA_URL site:
//
//	JIRA_URL=https://support.atlassian.net JIRA_EMAIL=sync@example.com JIRA_API_TOKEN=... \
//	ENG_JIRA_URL=https://jira.example.com ENG_JIRA_PAT=... \
//	go run ./examples/jira-sync
//
// Each account needs Browse Projects, Create Issues, Edit Issues, Add
// Comments, Link Issues and Create Attachments in its project, and
// Transition Issues on the support side. Use a dedicated account per site
// for the sync: its own changes are ignored.
//
// # Variables
//
//	JIRA_URL, ENG_JIRA_URL          the support and engineering sites
//	JIRA_EMAIL, JIRA_API_TOKEN      Jira Cloud account and API token
//	JIRA_USERNAME, JIRA_PASSWORD    Jira Server/Data Center login
//	JIRA_PAT                        Jira Data Center personal access token
//	JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET
//	                                an OAuth 2.0 app (log in first: go run ./examples/oauth2)
//	JIRA_PROJECT                    the support project (default SUP)
//	ENG_JIRA_PROJECT                the engineering project (default ENG)
//
// ENG_JIRA_EMAIL, ENG_JIRA_API_TOKEN and so on are the engineering site's
// credentials; one kind per site.
//
// # Flags
//
//	-once         poll until caught up, run the jobs, print a summary and exit
//	              (non-zero while a job in the store is failed)
//	-rerun-failed run the store's failed jobs again first, from the step that failed
//	-store PATH   SQLite file for the cursors, the dedup ledger and job records
//	              (default recipekit/jira-sync.db in the user cache directory;
//	              offline a temporary file)
//	-since 1h     on the first run, also pick up changes made this long before it
//	-poll 30s     how often to ask each site for changes (offline 1s)
package main
