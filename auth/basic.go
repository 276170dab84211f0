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
	switch {
	case strings.TrimSpace(a.Email) == "":
		return configErr(name, "Email", "is empty: set it to the email address of the Atlassian account that created the API token")
	case a.Email != strings.TrimSpace(a.Email):
		return configErr(name, "Email", "has leading or trailing spaces: remove them")
	case !strings.Contains(a.Email, "@"):
		return configErr(name, "Email", "is not an email address: Jira Cloud API tokens are used with the account's email, not a username")
	case a.Token.Reveal() == "":
		return configErr(name, "Token", "is empty: create an API token at https://id.atlassian.com/manage-profile/security/api-tokens and set it here")
	case a.Token.Reveal() != strings.TrimSpace(a.Token.Reveal()):
		return configErr(name, "Token", "has leading or trailing whitespace (often a copy-paste newline): remove it")
	}
	return nil
}

// Transport returns base decorated with the Basic authorization header.
func (a APIToken) Transport(base http.RoundTripper) http.RoundTripper {
	return &headerTransport{base: orDefault(base), name: "Authorization", value: basicValue(a.Email, a.Token.Reveal())}
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
	switch {
	case strings.TrimSpace(b.Username) == "":
		return configErr(name, "Username", "is empty: set it to the Jira username")
	case strings.Contains(b.Username, ":"):
		return configErr(name, "Username", "contains ':', which HTTP Basic authentication cannot carry: use the account's username")
	case b.Username != strings.TrimSpace(b.Username):
		return configErr(name, "Username", "has leading or trailing spaces: remove them")
	case b.Password.Reveal() == "":
		return configErr(name, "Password", "is empty: set the account's password (or use auth.PAT with a personal access token on Jira 8.14+)")
	}
	return nil
}

// Transport returns base decorated with the Basic authorization header.
func (b Basic) Transport(base http.RoundTripper) http.RoundTripper {
	return &headerTransport{base: orDefault(base), name: "Authorization", value: basicValue(b.Username, b.Password.Reveal())}
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
	switch {
	case p.Token.Reveal() == "":
		return configErr(name, "Token", "is empty: create a personal access token in your Jira profile (Personal Access Tokens) and set it here")
	case p.Token.Reveal() != strings.TrimSpace(p.Token.Reveal()):
		return configErr(name, "Token", "has leading or trailing whitespace (often a copy-paste newline): remove it")
	case strings.ContainsAny(p.Token.Reveal(), " \t\r\n"):
		return configErr(name, "Token", "contains whitespace: paste the token exactly as Jira showed it")
	}
	return nil
}

// Transport returns base decorated with the Bearer authorization header.
func (p PAT) Transport(base http.RoundTripper) http.RoundTripper {
	return &headerTransport{base: orDefault(base), name: "Authorization", value: "Bearer " + p.Token.Reveal()}
}

// WebhookMode returns AdminWebhooks.
func (PAT) WebhookMode() WebhookMode { return AdminWebhooks }

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
