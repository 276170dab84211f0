package auth

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// APIToken authenticates to Jira Cloud with an Atlassian account's email and
// an API token (https://id.atlassian.com/manage-profile/security/api-tokens),
// sent as "Authorization: Basic base64(email:token)".
type APIToken struct {
	// Email is the email address of the Atlassian account that owns the token.
	Email string
	// Token is the API token.
	Token Secret
}

// Validate reports an empty or malformed Email or Token.
func (a APIToken) Validate() error {
	const name = "auth.APIToken"
	if err := accountProblem(name, "Email", a.Email, "set it to the email address of the Atlassian account that created the API token"); err != nil {
		return err
	}
	if !strings.Contains(a.Email, "@") {
		return configErr(name, "Email", "is not an email address: Jira Cloud API tokens are used with the account's email, not a username")
	}
	return tokenProblem(name, "Token", a.Token, "create an API token at https://id.atlassian.com/manage-profile/security/api-tokens and set it here")
}

// Transport returns base decorated with the Basic authorization header.
func (a APIToken) Transport(base http.RoundTripper) http.RoundTripper {
	return withAuthorization(base, basicValue(a.Email, a.Token.Reveal()))
}

// WebhookMode returns AdminWebhooks.
func (APIToken) WebhookMode() WebhookMode { return AdminWebhooks }

// Basic authenticates to Jira Server or Data Center with a username and
// password, sent as "Authorization: Basic base64(user:pass)" on every request:
// Jira allows anonymous access and sends no challenge, so the header is sent
// pre-emptively. After several failed logins Jira asks for a CAPTCHA and
// refuses Basic authentication until the user logs in once in the browser.
type Basic struct {
	// Username is the Jira username (not the email address).
	Username string
	// Password is the account's password.
	Password Secret
}

// Validate reports an empty or malformed Username or Password.
func (b Basic) Validate() error {
	const name = "auth.Basic"
	// A ':' is reported before spaces around the name (a blank one has none).
	if strings.Contains(b.Username, ":") {
		return configErr(name, "Username", "contains ':', which HTTP Basic authentication cannot carry: use the account's username")
	}
	if err := accountProblem(name, "Username", b.Username, "set it to the Jira username"); err != nil {
		return err
	}
	if b.Password.Reveal() == "" {
		return configErr(name, "Password", "is empty: set the account's password (or use auth.PAT with a personal access token on Jira 8.14+)")
	}
	return nil
}

// Transport returns base decorated with the Basic authorization header.
func (b Basic) Transport(base http.RoundTripper) http.RoundTripper {
	return withAuthorization(base, basicValue(b.Username, b.Password.Reveal()))
}

// WebhookMode returns AdminWebhooks.
func (Basic) WebhookMode() WebhookMode { return AdminWebhooks }

// PAT authenticates to Jira Data Center (8.14+) with a personal access token,
// sent as "Authorization: Bearer <token>".
type PAT struct {
	// Token is the personal access token, created in the Jira profile.
	Token Secret
}

// Validate reports an empty or malformed Token.
func (p PAT) Validate() error {
	const name = "auth.PAT"
	if err := tokenProblem(name, "Token", p.Token, "create a personal access token in your Jira profile (Personal Access Tokens) and set it here"); err != nil {
		return err
	}
	if strings.ContainsAny(p.Token.Reveal(), " \t\r\n") {
		return configErr(name, "Token", "contains whitespace: paste the token exactly as Jira showed it")
	}
	return nil
}

// Transport returns base decorated with the Bearer authorization header.
func (p PAT) Transport(base http.RoundTripper) http.RoundTripper {
	return withAuthorization(base, "Bearer "+p.Token.Reveal())
}

// WebhookMode returns AdminWebhooks.
func (PAT) WebhookMode() WebhookMode { return AdminWebhooks }

// accountProblem reports an account name (an email address, a username)
// in a strategy's field that cannot work: empty (set says what to set it
// to), or with spaces around it.
func accountProblem(strategy, field, account, set string) error {
	switch {
	case strings.TrimSpace(account) == "":
		return configErr(strategy, field, "is empty: %s", set)
	case account != strings.TrimSpace(account):
		return configErr(strategy, field, "has leading or trailing spaces: remove them")
	}
	return nil
}

// tokenProblem reports a token pasted into a strategy's field that cannot
// work: empty (create says where to make one), or with whitespace around
// it.
func tokenProblem(strategy, field string, token Secret, create string) error {
	switch t := token.Reveal(); {
	case t == "":
		return configErr(strategy, field, "is empty: %s", create)
	case t != strings.TrimSpace(t):
		return configErr(strategy, field, "has leading or trailing whitespace (often a copy-paste newline): remove it")
	}
	return nil
}

// withAuthorization returns base (http.DefaultTransport when nil) decorated
// with an Authorization header of value.
func withAuthorization(base http.RoundTripper, value string) http.RoundTripper {
	return &headerTransport{base: orDefault(base), name: "Authorization", value: value}
}

func basicValue(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

var (
	_ Strategy = APIToken{}
	_ Strategy = Basic{}
	_ Strategy = PAT{}
	_ Strategy = (*OAuth2)(nil)
	_ APIBaser = (*OAuth2)(nil)
)
