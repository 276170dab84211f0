// Command support-desk keeps a support desk and Jira in step, through the
// generic Webhooks connector: the desk is not Jira, and it needs no
// connector of its own.
//
//   - desk-escalation: the desk's webhook (signed with an HMAC of the
//     body) reports a ticket an agent escalated; it becomes a Jira issue
//     labelled desk-<ticket id>, with a remote link to the ticket, and the
//     ticket is linked back (its external id is the issue key) and gets an
//     internal note. Every step is safe to repeat: a delivery sent twice,
//     or a job resumed after a crash, still makes one issue.
//   - public-comments: a Jira comment starting with #public goes to the
//     ticket as a public reply; the team's other comments stay in Jira.
//   - resolution-closes-ticket: resolving the issue tells the customer
//     and closes the ticket.
//
// # Offline
//
// Without JIRA_URL and DESK_URL it starts the Jira simulator and a small
// desk of its own (package fakedesk: tickets, comments, a status, signed
// webhooks retried until accepted), and plays a story in both:
//
//	go run ./examples/support-desk
//
// # Against real systems
//
//	JIRA_URL=https://your-domain.atlassian.net JIRA_EMAIL=you@example.com JIRA_API_TOKEN=... \
//	DESK_URL=https://desk.example.com DESK_API_KEY=... DESK_WEBHOOK_SECRET=... \
//	go run ./examples/support-desk -listen :8089 -public-url https://hooks.example.com
//
// with RECIPEKIT_SECRET_KEY set (it seals the webhook secret in the store),
// then configure the desk to post ticket events to
// https://hooks.example.com/hooks/desk-escalation with the same secret.
// The desk's API is expected to look like fakedesk's (GET/PATCH
// /api/tickets/{id}, POST /api/tickets/{id}/comments with an
// Idempotency-Key header); for another desk, change the URLs and JSON in
// recipes.go. -once runs Jira's side only (comments and resolutions):
// webhooks need the engine running.
//
// # Flags
//
//	-once         poll Jira until caught up, run the jobs, print a summary and exit
//	              (non-zero while a job in the store is failed)
//	-rerun-failed run the store's failed jobs again first, from the step that failed
//	-store PATH   SQLite file (default recipekit/support-desk.db in the user cache directory)
//	-since 1h     how far back the first poll of Jira looks
//	-poll 30s     how often to ask Jira for comments and resolutions
//	-listen ADDR  where the desk's webhooks arrive (default 127.0.0.1:8089)
//	-public-url   the URL the desk posts to, when a proxy forwards it to -listen
package main
