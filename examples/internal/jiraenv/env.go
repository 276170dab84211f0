package jiraenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// DefaultRedirectURL is the OAuth 2.0 callback the oauth2 example listens
// on when JIRA_OAUTH_REDIRECT_URL is not set. Register it in the Atlassian
// developer console (Authorization > OAuth 2.0 (3LO) > Callback URL).
const DefaultRedirectURL = "http://localhost:8765/callback"

// Env is the part of the process environment the examples read. Only
// [LoadEnv] (called by main) reads the environment; everything else takes
// an Env value, so tests build one by hand.
//
// The variable names start with a prefix, "JIRA_" for the main site
// (JIRA_URL, JIRA_EMAIL, ...). A program talking to a second site reads the
// same names under another prefix (jira-sync uses "ENG_JIRA_").
type Env struct {
	// Prefix is the prefix the values were read under ("JIRA_"); it names
	// the variables in messages.
	Prefix string
	// URL is the site URL (JIRA_URL). Empty means offline: the examples
	// start the jiratest simulator instead.
	URL string
	// Email and APIToken are a Jira Cloud account's email and API token
	// (JIRA_EMAIL, JIRA_API_TOKEN).
	Email    string
	APIToken auth.Secret
	// Username and Password are a Jira Server/Data Center login
	// (JIRA_USERNAME, JIRA_PASSWORD).
	Username string
	Password auth.Secret
	// PAT is a Jira Data Center personal access token (JIRA_PAT).
	PAT auth.Secret
	// OAuthClientID and OAuthClientSecret identify an OAuth 2.0 (3LO) app
	// (JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET).
	OAuthClientID     string
	OAuthClientSecret auth.Secret
	// OAuthTokenFile is the token file the oauth2 example writes
	// (JIRA_OAUTH_TOKEN_FILE); empty means [DefaultTokenFile].
	OAuthTokenFile string
	// OAuthRedirectURL is the app's registered callback
	// (JIRA_OAUTH_REDIRECT_URL); empty means [DefaultRedirectURL].
	OAuthRedirectURL string
	// Project is the project key (JIRA_PROJECT), upper-cased; empty means
	// the example's default.
	Project string
	// SecretKey seals the secrets a program stores (the OAuth token file,
	// webhook secrets in the store): base64 of 32 random bytes
	// (RECIPEKIT_SECRET_KEY, read without the prefix).
	SecretKey auth.Secret
	// SecretKeyPrevious lists earlier keys, comma-separated, that still open
	// what they sealed while a rotation is under way
	// (RECIPEKIT_SECRET_KEY_PREVIOUS).
	SecretKeyPrevious auth.Secret
}

// The variables holding the secret keys; they have no prefix because one
// key seals everything a program stores.
const (
	SecretKeyVar         = "RECIPEKIT_SECRET_KEY"
	SecretKeyPreviousVar = "RECIPEKIT_SECRET_KEY_PREVIOUS"
)

// Keys returns the keyring of RECIPEKIT_SECRET_KEY and
// RECIPEKIT_SECRET_KEY_PREVIOUS, or an error saying how to set them.
func (e Env) Keys() (*seal.Keyring, error) {
	if e.SecretKey == "" {
		return nil, fmt.Errorf("%s is not set: the OAuth token file and webhook secrets are stored encrypted with it; create a key with: head -c 32 /dev/urandom | base64, keep it with your other secrets and set %s to it", SecretKeyVar, SecretKeyVar)
	}
	kr, err := seal.ParseKeyring(e.SecretKey.Reveal(), e.SecretKeyPrevious.Reveal())
	if err != nil {
		return nil, fmt.Errorf("%s / %s: %w", SecretKeyVar, SecretKeyPreviousVar, err)
	}
	return kr, nil
}

// StoreKeys returns the keyring that seals the webhook secrets a store
// keeps: a random key for a store that lives only as long as the run
// (throwaway), else RECIPEKIT_SECRET_KEY and RECIPEKIT_SECRET_KEY_PREVIOUS
// read through getenv. Without the variable it returns nil when required
// is false (a store that keeps no webhook secret needs no key), else an
// error saying how to create one.
func StoreKeys(getenv func(string) string, throwaway, required bool) (*seal.Keyring, error) {
	e := LoadEnv(getenv, "")
	switch {
	case throwaway:
		return Env{}.KeysOrThrowaway()
	case e.SecretKey == "" && !required:
		return nil, nil
	}
	return e.Keys()
}

// KeysOrThrowaway returns [Env.Keys] when RECIPEKIT_SECRET_KEY is set,
// else a random key for files that live only as long as the run (offline
// demos).
func (e Env) KeysOrThrowaway() (*seal.Keyring, error) {
	if e.SecretKey != "" {
		return e.Keys()
	}
	k, err := seal.GenerateKey()
	if err != nil {
		return nil, err
	}
	return seal.NewKeyring(k)
}

// EnvNames lists the variable suffixes LoadEnv reads.
var EnvNames = []string{"URL", "EMAIL", "API_TOKEN", "USERNAME", "PASSWORD", "PAT",
	"OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_TOKEN_FILE", "OAUTH_REDIRECT_URL", "PROJECT"}

// LoadEnv reads the variables prefix+"URL", prefix+"EMAIL", ... through
// getenv (os.Getenv in main, a map lookup in tests). Values are trimmed of
// surrounding white space, a common copy-paste accident.
func LoadEnv(getenv func(string) string, prefix string) Env {
	get := func(name string) string { return strings.TrimSpace(getenv(prefix + name)) }
	return Env{
		Prefix:            prefix,
		URL:               get("URL"),
		Email:             get("EMAIL"),
		APIToken:          auth.Secret(get("API_TOKEN")),
		Username:          get("USERNAME"),
		Password:          auth.Secret(get("PASSWORD")),
		PAT:               auth.Secret(get("PAT")),
		OAuthClientID:     get("OAUTH_CLIENT_ID"),
		OAuthClientSecret: auth.Secret(get("OAUTH_CLIENT_SECRET")),
		OAuthTokenFile:    get("OAUTH_TOKEN_FILE"),
		OAuthRedirectURL:  get("OAUTH_REDIRECT_URL"),
		Project:           strings.ToUpper(get("PROJECT")),
		SecretKey:         auth.Secret(strings.TrimSpace(getenv(SecretKeyVar))),
		SecretKeyPrevious: auth.Secret(strings.TrimSpace(getenv(SecretKeyPreviousVar))),
	}
}

// Credentials returns the credential the variables under prefix describe
// ("JIRA_": JIRA_EMAIL + JIRA_API_TOKEN, JIRA_PAT, ...), read through getenv
// (os.Getenv in a program, a map in tests). See [Env.Strategy].
func Credentials(ctx context.Context, getenv func(string) string, prefix string) (auth.Strategy, error) {
	return LoadEnv(getenv, prefix).Strategy(ctx)
}

// Help lists the credential variables under prefix, one kind a line, for
// a program's -h output.
func Help(prefix string) string { return Env{Prefix: prefix}.CredentialHelp() }

// Offline reports whether no site URL is set, so the examples run against
// the simulator.
func (e Env) Offline() bool { return e.URL == "" }

func (e Env) name(suffix string) string {
	p := e.Prefix
	if p == "" {
		p = "JIRA_"
	}
	return p + suffix
}

// ProjectOr returns the configured project key, or def when none is set.
func (e Env) ProjectOr(def string) string {
	if e.Project != "" {
		return e.Project
	}
	return def
}

// RedirectURL returns the OAuth callback URL to use.
func (e Env) RedirectURL() string {
	if e.OAuthRedirectURL != "" {
		return e.OAuthRedirectURL
	}
	return DefaultRedirectURL
}

// TokenFile returns the OAuth token file to use: OAuthTokenFile, else
// [DefaultTokenFile].
func (e Env) TokenFile() (string, error) {
	if e.OAuthTokenFile != "" {
		return e.OAuthTokenFile, nil
	}
	return DefaultTokenFile()
}

// DefaultTokenFile is where the oauth2 example saves the OAuth tokens by
// default: recipekit/jira-oauth-token.json under the user's configuration
// directory (~/.config on Linux, ~/Library/Application Support on macOS,
// %AppData% on Windows).
func DefaultTokenFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the user configuration directory for the OAuth token file: %w; set JIRA_OAUTH_TOKEN_FILE", err)
	}
	return filepath.Join(dir, "recipekit", "jira-oauth-token.json"), nil
}

// ErrNoCredentials is wrapped by the error [Env.Strategy] returns when no
// complete set of credential variables is set.
var ErrNoCredentials = errors.New("no Jira credentials in the environment")

// Strategy returns the credential the variables describe. Exactly one kind
// must be set:
//
//	JIRA_EMAIL + JIRA_API_TOKEN                  Jira Cloud API token (auth.APIToken)
//	JIRA_USERNAME + JIRA_PASSWORD                Server/Data Center password (auth.Basic)
//	JIRA_PAT                                     Data Center personal access token (auth.PAT)
//	JIRA_OAUTH_CLIENT_ID + JIRA_OAUTH_CLIENT_SECRET  OAuth 2.0 app, with the token file
//	                                             written by the oauth2 example
//
// A half-set pair, or two kinds at once, is an error naming the variables.
// For OAuth the token file must exist (run the oauth2 example first).
func (e Env) Strategy(ctx context.Context) (auth.Strategy, error) {
	kinds := []credKind{
		{"a Jira Cloud API token", []string{e.name("EMAIL"), e.name("API_TOKEN")}, []bool{e.Email != "", e.APIToken != ""}},
		{"a Server/Data Center password", []string{e.name("USERNAME"), e.name("PASSWORD")}, []bool{e.Username != "", e.Password != ""}},
		{"a Data Center personal access token", []string{e.name("PAT")}, []bool{e.PAT != ""}},
		{"an OAuth 2.0 app", []string{e.name("OAUTH_CLIENT_ID"), e.name("OAUTH_CLIENT_SECRET")}, []bool{e.OAuthClientID != "", e.OAuthClientSecret != ""}},
	}
	var complete []int
	for i, k := range kinds {
		n := 0
		for _, s := range k.set {
			if s {
				n++
			}
		}
		switch {
		case n == len(k.set):
			complete = append(complete, i)
		case n > 0:
			var missing []string
			for j, s := range k.set {
				if !s {
					missing = append(missing, k.names[j])
				}
			}
			return nil, fmt.Errorf("%s is set but %s is not: %s needs %s", setNames(k), strings.Join(missing, " and "), k.label, strings.Join(k.names, " and "))
		}
	}
	switch len(complete) {
	case 0:
		return nil, fmt.Errorf("%w for %s: set one of\n%s", ErrNoCredentials, e.URL, e.CredentialHelp())
	case 1:
	default:
		var labels []string
		for _, i := range complete {
			labels = append(labels, strings.Join(kinds[i].names, "+"))
		}
		return nil, fmt.Errorf("several kinds of Jira credentials are set (%s): unset all but one", strings.Join(labels, ", "))
	}
	var s auth.Strategy
	switch complete[0] {
	case 0:
		s = auth.APIToken{Email: e.Email, Token: e.APIToken}
	case 1:
		s = auth.Basic{Username: e.Username, Password: e.Password}
	case 2:
		s = auth.PAT{Token: e.PAT}
	case 3:
		o, err := e.oauth(ctx)
		if err != nil {
			return nil, err
		}
		s = o
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("the credentials in the environment cannot work: %w", err)
	}
	return s, nil
}

// credKind is one kind of credential: its variables and which are set.
type credKind struct {
	label string
	names []string
	set   []bool
}

func setNames(k credKind) string {
	var out []string
	for j, s := range k.set {
		if s {
			out = append(out, k.names[j])
		}
	}
	return strings.Join(out, " and ")
}

// oauth builds the OAuth 2.0 strategy over the token file, which must
// hold a token already.
func (e Env) oauth(ctx context.Context) (*auth.OAuth2, error) {
	path, err := e.TokenFile()
	if err != nil {
		return nil, err
	}
	keys, err := e.Keys()
	if err != nil {
		return nil, fmt.Errorf("OAuth token file: %w", err)
	}
	store, err := auth.NewFileTokenStore(path, keys)
	if err != nil {
		return nil, fmt.Errorf("OAuth token file: %w; log in first with: go run ./examples/oauth2", err)
	}
	if _, err := store.Load(ctx); err != nil {
		if errors.Is(err, auth.ErrNoToken) {
			return nil, fmt.Errorf("no OAuth token in %s yet: log in first with: go run ./examples/oauth2 (same %s and %s)", path, e.name("OAUTH_CLIENT_ID"), e.name("OAUTH_CLIENT_SECRET"))
		}
		return nil, err
	}
	return &auth.OAuth2{
		ClientID:     e.OAuthClientID,
		ClientSecret: e.OAuthClientSecret,
		RedirectURL:  e.RedirectURL(),
		Store:        store,
	}, nil
}

// CredentialHelp lists the credential variables, one kind a line.
func (e Env) CredentialHelp() string {
	lines := []string{
		fmt.Sprintf("  %s and %s   Jira Cloud: account email and API token (https://id.atlassian.com/manage-profile/security/api-tokens)", e.name("EMAIL"), e.name("API_TOKEN")),
		fmt.Sprintf("  %s and %s  Jira Server/Data Center: username and password", e.name("USERNAME"), e.name("PASSWORD")),
		fmt.Sprintf("  %s                    Jira Data Center: personal access token", e.name("PAT")),
		fmt.Sprintf("  %s and %s  Jira Cloud OAuth 2.0 app (log in first: go run ./examples/oauth2)", e.name("OAUTH_CLIENT_ID"), e.name("OAUTH_CLIENT_SECRET")),
		fmt.Sprintf("or unset %s to run offline against the built-in simulator", e.name("URL")),
	}
	return strings.Join(lines, "\n")
}
