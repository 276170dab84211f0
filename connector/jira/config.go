package jira

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// Deployment says which kind of Jira a connection talks to. Jira Cloud
// and Jira Server/Data Center differ in search, users and a few endpoints.
type Deployment int

const (
	// Auto detects the deployment from /rest/api/2/serverInfo on first use
	// and caches the answer.
	Auto Deployment = iota
	// Cloud is Jira Cloud (*.atlassian.net, or the OAuth API gateway).
	Cloud
	// DataCenter is Jira Server or Data Center, 7.x and later.
	DataCenter
)

// String returns "auto", "cloud" or "datacenter".
func (d Deployment) String() string {
	switch d {
	case Auto:
		return "auto"
	case Cloud:
		return "cloud"
	case DataCenter:
		return "datacenter"
	}
	return fmt.Sprintf("Deployment(%d)", int(d))
}

// Config configures a connection to one Jira site.
type Config struct {
	// Name names this connection ("support"); it appears in catalogues and
	// messages. Default "jira".
	Name string
	// URL is the site URL: https://acme.atlassian.net on Cloud, or the base
	// URL of a Server/Data Center instance including any context path
	// (https://jira.example.com/jira). Required.
	URL string
	// Auth is the credential: auth.APIToken (Cloud), auth.Basic or auth.PAT
	// (Server/Data Center) or *auth.OAuth2 (Cloud apps). Required.
	Auth auth.Strategy
	// Deployment is Auto (the default), Cloud or DataCenter.
	Deployment Deployment
	// HTTP tunes retries, rate limiting, timeouts and the transport.
	HTTP httpx.Options
	// InfoCache, when set, keeps the site's serverInfo across process
	// starts, so a program that starts often finds its deployment (Cloud or
	// Data Center) and version without asking the site each time. The
	// recipe stores implement it (recipe.ValueStore): pass the store. A
	// remembered answer older than InfoMaxAge is fetched again; a cache
	// that fails is logged and bypassed.
	InfoCache InfoCache
	// CustomFieldNames makes every issue the client reads (actions and
	// polling triggers) also carry its custom fields by display name, in
	// IssueFields.Named, so pills read trigger.fields.named["Story Points"]
	// instead of an id. The field list is read once per connection.
	// Webhook deliveries keep ids only.
	CustomFieldNames bool
	// Logger receives debug and warning records; nil discards them.
	Logger *slog.Logger
}

func (cfg Config) validate() (*url.URL, error) {
	var errs []error
	raw := strings.TrimSpace(cfg.URL)
	var site *url.URL
	switch {
	case raw == "":
		errs = append(errs, errors.New("jira: Config.URL is empty: set it to your site's address, such as https://acme.atlassian.net"))
	default:
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("jira: Config.URL %q is not a valid URL: %v", raw, err))
		case u.Scheme != "https" && u.Scheme != "http":
			errs = append(errs, fmt.Errorf("jira: Config.URL %q must start with https:// (or http:// for a local Data Center)", raw))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("jira: Config.URL %q has no host name; write it like https://acme.atlassian.net", raw))
		case u.User != nil:
			errs = append(errs, errors.New("jira: Config.URL must not contain credentials; put them in Config.Auth"))
		case u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, fmt.Errorf("jira: Config.URL %q must be the site's base address, without a query or fragment", u.Redacted()))
		case strings.Contains(u.Path, "/rest/"):
			errs = append(errs, fmt.Errorf("jira: Config.URL %q points into the REST API; give the site's base address (the part before /rest/)", u.Redacted()))
		default:
			u.Path = strings.TrimRight(u.Path, "/")
			u.RawPath = ""
			site = u
		}
	}
	if cfg.Auth == nil {
		errs = append(errs, errors.New("jira: Config.Auth is nil: set an auth strategy such as auth.APIToken{Email, Token} (Cloud) or auth.PAT{Token} (Data Center)"))
	} else if err := cfg.Auth.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("jira: Config.Auth: %w", err))
	}
	switch cfg.Deployment {
	case Auto, Cloud, DataCenter:
	default:
		errs = append(errs, fmt.Errorf("jira: Config.Deployment %d is unknown: use jira.Auto, jira.Cloud or jira.DataCenter", int(cfg.Deployment)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return site, nil
}
