// Package jiratest is an in-process Jira simulator for tests, in the
// spirit of net/http/httptest. It serves the Jira REST API v2 over HTTP on
// a loopback port, imitating either Jira Cloud or Jira Data Center closely
// enough that a naive client breaks on it the way it breaks on real Jira:
// enhanced search with nextPageToken and the removed /search answering 410
// on Cloud, startAt/total paging and the login CAPTCHA on Data Center,
// accountId versus name users, 404 for issues the caller may not see,
// attachments downloaded through a redirect to another host, webhooks that
// arrive late, twice or not at all.
//
// Test your own code against it in a dozen lines:
//
//	func TestMyRecipe(t *testing.T) {
//		srv := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
//		demo := srv.SeedDemo()
//		// Point the code under test at srv.URL() with demo.Admin.Email and
//		// demo.Admin.APIToken (Basic auth), then run it.
//		runMyRecipe(t, srv.URL(), demo.Admin.Email, demo.Admin.APIToken)
//		// Act as a human and check what the code did.
//		if _, err := srv.CommentAs(demo.Alice.AccountID, "DEMO-2", "any news?"); err != nil {
//			t.Fatal(err)
//		}
//		if got := srv.Comments("DEMO-2"); len(got) != 2 {
//			t.Errorf("comments = %d, want 2", len(got))
//		}
//	}
//
// Seed data with AddUser, AddProject, AddCustomField, AddSecurityLevel,
// SetPermission and SeedIssue (or SeedDemo), act as users with
// CreateIssueAs, UpdateIssueAs, CommentAs, TransitionAs, AddWorklogAs,
// UpdateWorklogAs, DeleteWorklogAs and DeleteIssueAs (these go through the
// same code path as the REST API, so they record changelogs and raise
// webhook events), and inspect the result with Issue, Issues, Comments,
// Worklogs, RemoteLinks, Webhooks, Deliveries and Requests.
//
// Jira Software's REST API (/rest/agile/1.0) is served too: boards tied to
// projects, sprints in the states future, active and closed (one active
// per board; closing one sends its issues back to the backlog), each
// issue's sprint and closed sprints, epics (on Cloud an issue's parent, on
// Data Center its Epic Link) and one rank order. Seed it with SeedAgile,
// AddBoard and AddSprint, and inspect it with Sprints, SprintOf, EpicOf
// and RankOrder.
//
// So is Jira Service Management's (/rest/servicedeskapi), in both modes: a
// service desk over a project (AddServiceDesk) with request types and
// their fields, customers (AddCustomer; a portal-only customer sees only
// their own requests and public comments), customer requests as issues of
// the project (raised by a customer or on a customer's behalf), public and
// internal comments (internal through the servicedeskapi's "public": false
// or the sd.public.comment property on a REST v2 comment), the status
// history, two SLAs computed from the request's history (FirstResponseGoal,
// ResolutionGoal) and customer transitions. The customer endpoints answer
// 412 without the X-ExperimentalApi: opt-in header, as Jira does. Inspect
// with CustomerRequests and CommentIsPublic.
//
// Searches whose ORDER BY starts with updated or created (what polling
// triggers send: "project = X AND updated >= <cursor> ORDER BY updated
// ASC, key ASC") walk a per-project index from the bound instead of
// sorting every issue, so they stay fast on large seeded sites; results
// are the same as a full scan, search lag included.
//
// Knobs imitate the hard parts of a real site, each settable at run time:
// SetSearchLag (eventually consistent search, read-after-write through
// reconcileIssues), SetRateLimit (429 with Retry-After and the
// X-RateLimit-* headers), SetFaults (503, dropped connections, a response
// lost after the write was committed, latency) and SetDelivery (webhook
// retries, duplicates, shuffling and drops). Random choices follow
// Options.Seed; time follows Options.Now.
//
// Webhook deliveries carry the headers Jira Cloud sends
// (X-Atlassian-Webhook-Identifier, stable across retries, and
// X-Atlassian-Webhook-Retry on retries). Admin webhooks registered with a
// secret are signed with X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
// body> (see SignPayload). Dynamic webhooks registered by an OAuth 2.0 app
// arrive with Authorization: Bearer <JWT>, a token signed HS256 with the
// app's client secret whose claims are iss (the app's client id), iat
// (when the event was raised) and exp (DeliveryJWTLifetime later), with no
// qsh claim; retries resend the first attempt's token. A receiver checks
// the signature with the client secret and exp with some leeway for
// retries.
//
// Authentication follows the mode: Cloud takes Basic email:APIToken and
// OAuth 2.0 access tokens (only under GatewayURL, as api.atlassian.com
// does), with a token endpoint at /oauth/token that rotates refresh tokens;
// Data Center takes Basic name:password and Bearer personal access tokens.
package jiratest
