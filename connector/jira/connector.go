package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector"
	"github.com/recipekit/recipekit/trigger"
)

var _ connector.Connector = (*Client)(nil)

// ErrNotJira reports that the configured URL answers, but not as Jira.
var ErrNotJira = errors.New("not a Jira site")

// ErrCaptcha reports a Data Center account locked behind a CAPTCHA after
// failed logins: REST calls are refused until someone logs in through the
// browser.
var ErrCaptcha = errors.New("a CAPTCHA is required for this Jira account")

// Info describes the connection.
func (c *Client) Info() connector.Info {
	return connector.Info{
		Name:        ConnectorName,
		Connection:  c.name,
		Title:       "Jira",
		Description: "Jira Cloud and Jira Server/Data Center 7.x+ through REST API v2: issues, comments, attachments, projects, users, links, worklogs, versions, components and permissions.",
	}
}

// Triggers lists the metadata of the connector's triggers.
func (c *Client) Triggers() []trigger.Info { return c.triggerCatalogue() }

// Test proves the connection: the URL is a Jira site (serverInfo), the
// credentials are accepted (myself), and the deployment is the one
// configured. Its errors say what to fix: a URL that is not Jira, refused
// credentials, a Data Center account locked behind a CAPTCHA, an OAuth
// grant that does not cover the site.
//
// With Config.InfoCache holding a serverInfo of the site younger than
// InfoMaxAge, Test does not read serverInfo again: myself alone proves
// the URL and the credentials. Only when myself fails for another reason
// than the credentials does it ask serverInfo, whose answer says whether
// the URL still is a Jira site.
func (c *Client) Test(ctx context.Context) (connector.TestResult, error) {
	site := c.site.Redacted()
	if _, err := c.base(ctx); err != nil {
		return connector.TestResult{}, fmt.Errorf("jira: connection %q: %w", c.name, err)
	}
	info, cached := c.cachedServerInfo(ctx)
	var err error
	if cached {
		err = c.useServerInfo(ctx, info, false)
	} else {
		info, err = c.checkSite(ctx)
	}
	if err != nil {
		return connector.TestResult{}, err
	}
	me, _, err := c.Users.Myself(ctx)
	if err != nil && cached && !errors.Is(err, ErrUnauthorized) && !errors.Is(err, ErrForbidden) {
		// The remembered answer may be out of date (the URL now serves
		// something else): the site's own serverInfo says what is wrong.
		if _, serr := c.checkSite(ctx); serr != nil {
			return connector.TestResult{}, serr
		}
	}
	if err != nil {
		var he *Error
		if errors.As(err, &he) && he.Header != nil {
			reason := he.Header.Get("X-Seraph-LoginReason")
			if strings.Contains(reason, "AUTHENTICATION_DENIED") || he.Header.Get("X-Authentication-Denied-Reason") != "" {
				return connector.TestResult{}, fmt.Errorf("jira: %s refuses the account until someone logs in through the browser and answers the CAPTCHA (too many failed logins); then try again: %w (%w)", site, ErrCaptcha, err)
			}
		}
		switch {
		case errors.Is(err, ErrUnauthorized):
			return connector.TestResult{}, fmt.Errorf("jira: %s refused the credentials: %s: %w", site, credentialHint(c), err)
		case errors.Is(err, ErrForbidden):
			return connector.TestResult{}, fmt.Errorf("jira: %s accepted the request but refuses this account access (a disabled account, no Jira product access, or an OAuth token without the read:jira-user scope): %w", site, err)
		}
		return connector.TestResult{}, fmt.Errorf("jira: reading the connection's own user from %s: %w", site, err)
	}
	d, derr := c.Deployment(ctx)
	if derr != nil {
		return connector.TestResult{}, derr
	}
	detail := "Jira Cloud"
	if d == DataCenter {
		detail = "Jira Server/Data Center"
	}
	if info.Version != "" {
		detail += " " + info.Version
	}
	detail += " at " + site
	account := me.String()
	if me.EmailAddress != "" && !strings.Contains(account, me.EmailAddress) {
		account += " <" + me.EmailAddress + ">"
	}
	return connector.TestResult{Account: account, Detail: detail}, nil
}

// checkSite reads serverInfo from the site, checks that the answer is
// Jira's and, when it is, uses and remembers it. An answer refusing the
// credentials is no error here (some sites protect serverInfo): myself
// reports those; info is then the zero value.
func (c *Client) checkSite(ctx context.Context) (ServerInfo, error) {
	site := c.site.Redacted()
	info, resp, err := c.ServerInfo.Get(ctx)
	switch {
	case err == nil && info.DeploymentType == "" && info.Version == "":
		return info, fmt.Errorf("jira: %s answered /rest/api/2/serverInfo without a version or deployment type; check that the URL is your Jira site's address: %w", site, ErrNotJira)
	case err != nil && notJSON(err):
		return info, fmt.Errorf("jira: %s does not answer like Jira (serverInfo is not JSON); check the URL: %w", site, ErrNotJira)
	case err != nil && resp == nil:
		return info, fmt.Errorf("jira: cannot reach %s: %w; check the URL and the network", site, err)
	case err != nil && errors.Is(err, ErrNotFound):
		return info, fmt.Errorf("jira: %s has no /rest/api/2/serverInfo; check that the URL is your Jira site's base address (with its context path on Data Center, like https://host/jira): %w", site, ErrNotJira)
	case err != nil && !errors.Is(err, ErrUnauthorized) && !errors.Is(err, ErrForbidden):
		return info, fmt.Errorf("jira: reading serverInfo from %s: %w", site, err)
	case err != nil:
		return ServerInfo{}, nil
	}
	return info, c.useServerInfo(ctx, info, true)
}

// useServerInfo makes info the connection's serverInfo (and its
// deployment, under Auto), remembers it in Config.InfoCache when it was
// just read, and checks it against the configured deployment.
func (c *Client) useServerInfo(ctx context.Context, info ServerInfo, fresh bool) error {
	c.infoMu.Lock()
	c.info = &info
	if c.deployment == Auto {
		c.deployment = info.Deployment()
	}
	configured := c.cfg.Deployment
	c.infoMu.Unlock()
	if fresh {
		c.rememberServerInfo(ctx, info)
	}
	if configured != Auto && info.Deployment() != Auto && configured != info.Deployment() {
		return fmt.Errorf("jira: the connection is configured for %s but %s reports deploymentType %q; set Config.Deployment to jira.Auto or the right value", configured, c.site.Redacted(), info.DeploymentType)
	}
	return nil
}

// notJSON reports whether err is a 2xx answer that did not decode as the
// expected JSON (Do returns it with the response, so resp is not nil).
func notJSON(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

func credentialHint(c *Client) string {
	switch c.cfg.Auth.(type) {
	case auth.APIToken, *auth.APIToken:
		return "check the email address and the API token (tokens expire; create one at id.atlassian.com/manage-profile/security/api-tokens)"
	case auth.Basic, *auth.Basic:
		return "check the user name and password"
	case auth.PAT, *auth.PAT:
		return "check the personal access token (it may have expired or been revoked; Data Center 8.14+ only)"
	case *auth.OAuth2:
		return "the OAuth token was refused: complete the authorization again"
	}
	return "check the credentials"
}

// ConnectorName is the connector kind in catalogues and action metadata.
const ConnectorName = "jira"
