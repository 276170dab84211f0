// Package auth turns Jira credentials into an http.RoundTripper.
//
// A [Strategy] validates its configuration up front ([Strategy.Validate]
// names the field at fault and what to do), decorates a base transport with
// the credential ([Strategy.Transport]) and says which kind of webhook
// registration the credential may use ([Strategy.WebhookMode]).
//
// The strategies are:
//
//   - [APIToken]: Jira Cloud, an Atlassian account email and API token sent as
//     HTTP Basic authentication.
//   - [Basic]: Jira Server / Data Center, username and password sent as HTTP
//     Basic authentication on every request (Jira sends no challenge).
//   - [PAT]: Jira Data Center personal access token, sent as a Bearer token.
//   - [OAuth2]: Atlassian OAuth 2.0 (3LO) for Jira Cloud. Atlassian rotates
//     refresh tokens (each is single-use), so every new token is saved
//     through a [TokenStore] before it is used, and the store is read again
//     under its lock before each refresh: all callers of all OAuth2 values
//     sharing a store (and, with a [LockingTokenStore] such as
//     [FileTokenStore], all processes) share a single refresh per expiry.
//     API calls go to https://api.atlassian.com/ex/jira/{cloudId}, which
//     [OAuth2.APIBaseURL] discovers through the accessible-resources
//     endpoint.
//
// [FileTokenStore] keeps the tokens sealed with a key the program supplies
// (package auth/seal), so the file alone gives nothing away.
//
// Credentials are held as [Secret] values, which print, format, log and
// marshal as "[redacted]". No error or log line produced by this package
// contains a secret.
//
// Package auth depends on the standard library, golang.org/x/oauth2 and its
// own sub-package auth/seal.
package auth
