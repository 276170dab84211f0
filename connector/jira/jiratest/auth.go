package jiratest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// OAuthClient is a registered OAuth 2.0 (3LO) app.
type OAuthClient struct {
	ID           string
	Secret       string
	RedirectURIs []string // allowed /authorize callbacks; empty allows any absolute URL
}

// String describes the client without its secret.
func (c OAuthClient) String() string {
	return fmt.Sprintf("jiratest.OAuthClient{ID:%q Secret:[redacted] RedirectURIs:%q}", c.ID, c.RedirectURIs)
}

// GoString implements fmt.GoStringer with the secret redacted.
func (c OAuthClient) GoString() string { return c.String() }

// AccessibleResource is a site listed by /oauth/token/accessible-resources.
type AccessibleResource struct {
	ID     string
	URL    string
	Name   string
	Scopes []string
}

// AccessTokenTTL is how long an OAuth access token lives on the
// simulator clock.
const AccessTokenTTL = time.Hour

// defaultScopes are granted when an authorization asks for none.
var defaultScopes = []string{"read:jira-work", "write:jira-work", "read:jira-user", "manage:jira-project", "manage:jira-configuration", "manage:jira-webhook", "offline_access"}

type oauthCode struct {
	user *user
	// client is the app /authorize issued the code to; empty (a code from
	// IssueOAuthCode) lets any registered app exchange it.
	client   string
	scopes   []string
	redirect string
	expires  time.Time
}

type accessToken struct {
	user    *user
	client  string
	scopes  []string
	expires time.Time
}

type refreshToken struct {
	user   *user
	client string
	scopes []string
	family string
	used   bool
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func eq(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// AddOAuthClient registers an OAuth 2.0 app whose credentials the token
// endpoint accepts.
func (s *Server) AddOAuthClient(c OAuthClient) OAuthClient {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = "client-" + randomToken(8)
	}
	if c.Secret == "" {
		c.Secret = randomToken(24)
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	s.st.oauthClients[c.ID] = &c
	return c
}

// AddAccessibleResource adds another site to what
// /oauth/token/accessible-resources lists (the simulator's own site is
// always listed first).
func (s *Server) AddAccessibleResource(r AccessibleResource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.extraSites = append(s.st.extraSites, r)
}

// IssueOAuthCode returns an authorization code for userID, as if the user
// had consented in a browser, so tests can skip /authorize. The code is
// exchanged at /oauth/token with any registered client's credentials. It
// panics on an unknown user, a mistake in the test's seeding.
func (s *Server) IssueOAuthCode(userID string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.user(userID)
	if u == nil {
		panic("jiratest: IssueOAuthCode: unknown user " + userID)
	}
	return s.issueCodeLocked(u, scopes, "", "")
}

func (s *Server) issueCodeLocked(u *user, scopes []string, client, redirect string) string {
	if len(scopes) == 0 {
		scopes = defaultScopes
	}
	code := randomToken(16)
	s.st.oauthCodes[code] = &oauthCode{user: u, client: client, scopes: slices.Clone(scopes), redirect: redirect, expires: s.now().Add(10 * time.Minute)}
	return code
}

// ClearCaptcha lifts the Data Center login CAPTCHA from a user, as a
// successful browser login would.
func (s *Server) ClearCaptcha(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.user(userID); u != nil {
		u.captcha = false
		u.failures = 0
	}
}

func (s *Server) unauthorized(c *call, reason string) {
	if s.mode == DataCenter {
		c.w.Header().Set("X-Seraph-LoginReason", reason)
	}
	c.w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
	c.fail(errf(http.StatusUnauthorized, "You are not authenticated. Authentication required to perform this operation."))
}

// authenticate resolves the caller from the Authorization header and
// answers 401/403 itself when it fails.
func (s *Server) authenticate(c *call) bool {
	h := c.r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			s.unauthorized(c, "AUTHENTICATED_FAILED")
			return false
		}
		name, secret, _ := strings.Cut(string(raw), ":")
		return s.basicLogin(c, name, secret)
	case "bearer":
		return s.bearerLogin(c, strings.TrimSpace(cred))
	}
	s.unauthorized(c, "AUTHENTICATED_FAILED")
	return false
}

func (s *Server) basicLogin(c *call, name, secret string) bool {
	if s.mode == Cloud {
		// Cloud: email + API token only (password basic auth was removed).
		// Nothing is counted, so logins share the read lock.
		s.mu.RLock()
		u := s.st.user(name)
		ok := u != nil && strings.EqualFold(u.Email, name) && eq(u.APIToken, secret) && u.Active
		s.mu.RUnlock()
		if !ok {
			s.unauthorized(c, "AUTHENTICATED_FAILED")
			return false
		}
		c.user = u
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.user(name)
	if u == nil || (u.Name != name && !strings.EqualFold(u.Email, name)) {
		s.unauthorized(c, "AUTHENTICATED_FAILED")
		return false
	}
	if u.captcha {
		c.w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATION_DENIED")
		c.w.Header().Set("X-Authentication-Denied-Reason", "CAPTCHA_CHALLENGE; login-url="+s.url+"/login.jsp")
		c.fail(errf(http.StatusForbidden, "CAPTCHA_CHALLENGE: too many failed logins for this account; log in through the browser (or ClearCaptcha) before using basic authentication again."))
		return false
	}
	if !eq(u.Password, secret) || !u.Active {
		u.failures++
		if u.failures >= s.opts.CaptchaAfter {
			u.captcha = true
		}
		s.unauthorized(c, "AUTHENTICATED_FAILED")
		return false
	}
	u.failures = 0
	c.user = u
	return true
}

func (s *Server) bearerLogin(c *call, tok string) bool {
	s.mu.Lock()
	if s.mode == DataCenter {
		for _, u := range s.st.users {
			if eq(u.PAT, tok) && u.Active {
				c.user = u
				s.mu.Unlock()
				return true
			}
		}
		s.mu.Unlock()
		s.unauthorized(c, "AUTHENTICATED_FAILED")
		return false
	}
	at := s.st.access[tok]
	valid := at != nil && s.now().Before(at.expires) && at.user.Active
	s.mu.Unlock()
	if !valid {
		s.unauthorized(c, "AUTHENTICATED_FAILED")
		return false
	}
	if !c.gateway {
		// 3LO tokens only work through api.atlassian.com/ex/jira/{cloudId}.
		s.unauthorized(c, "AUTHENTICATED_FAILED")
		return false
	}
	c.user = at.user
	c.oauth = at
	return true
}

// ---- OAuth endpoints ----

func oauthError(c *call, status int, code, desc string) {
	c.json(status, map[string]any{"error": code, "error_description": desc})
}

func (s *Server) handleToken(c *call) {
	params := map[string]string{}
	ct := c.r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		var m map[string]any
		if err := json.Unmarshal(c.body, &m); err != nil {
			oauthError(c, http.StatusBadRequest, "invalid_request", "The body is not valid JSON: "+err.Error())
			return
		}
		for k, v := range m {
			if str, ok := v.(string); ok {
				params[k] = str
			}
		}
	} else {
		vals, err := url.ParseQuery(string(c.body))
		if err != nil {
			oauthError(c, http.StatusBadRequest, "invalid_request", "The body is not valid form data.")
			return
		}
		for k := range vals {
			params[k] = vals.Get(k)
		}
	}
	if id, sec, ok := c.r.BasicAuth(); ok && params["client_id"] == "" {
		params["client_id"], params["client_secret"] = id, sec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.st.oauthClients[params["client_id"]]
	if cl == nil || !eq(cl.Secret, params["client_secret"]) {
		oauthError(c, http.StatusUnauthorized, "access_denied", "Unauthorized: the client_id or client_secret is wrong.")
		return
	}
	var u *user
	var scopes []string
	family := ""
	switch params["grant_type"] {
	case "authorization_code":
		code := s.st.oauthCodes[params["code"]]
		delete(s.st.oauthCodes, params["code"])
		if code == nil || s.now().After(code.expires) || (code.client != "" && code.client != cl.ID) {
			oauthError(c, http.StatusForbidden, "invalid_grant", "Invalid authorization code")
			return
		}
		if code.redirect != "" && params["redirect_uri"] != code.redirect {
			oauthError(c, http.StatusForbidden, "invalid_grant", "The redirect_uri does not match the one used to authorize.")
			return
		}
		u, scopes, family = code.user, code.scopes, randomToken(8)
	case "refresh_token":
		rt := s.st.refresh[params["refresh_token"]]
		if rt == nil || rt.used || rt.client != cl.ID {
			if rt != nil && rt.used {
				// Reuse of a rotated token revokes the whole family.
				for k, x := range s.st.refresh {
					if x.family == rt.family {
						delete(s.st.refresh, k)
					}
				}
			}
			oauthError(c, http.StatusForbidden, "invalid_grant", "Unknown or invalid refresh token.")
			return
		}
		rt.used = true
		u, scopes, family = rt.user, rt.scopes, rt.family
	default:
		oauthError(c, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
		return
	}
	access := randomToken(24)
	s.st.access[access] = &accessToken{user: u, client: cl.ID, scopes: scopes, expires: s.now().Add(AccessTokenTTL)}
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(AccessTokenTTL / time.Second), "scope": strings.Join(scopes, " ")}
	if slices.Contains(scopes, "offline_access") {
		rtok := randomToken(24)
		s.st.refresh[rtok] = &refreshToken{user: u, client: cl.ID, scopes: scopes, family: family}
		out["refresh_token"] = rtok
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleAccessibleResources(c *call) {
	tok := strings.TrimSpace(strings.TrimPrefix(c.r.Header.Get("Authorization"), "Bearer "))
	s.mu.RLock()
	at := s.st.access[tok]
	valid := at != nil && s.now().Before(at.expires) && at.user.Active
	extra := slices.Clone(s.st.extraSites)
	s.mu.RUnlock()
	if !valid {
		c.json(http.StatusUnauthorized, map[string]any{"code": 401, "message": "Unauthorized; scope does not match"})
		return
	}
	list := []any{map[string]any{"id": s.cloudID, "url": s.url, "name": "recipekit-sim", "scopes": at.scopes, "avatarUrl": s.url + "/images/site.png"}}
	for _, r := range extra {
		sc := r.Scopes
		if sc == nil {
			sc = at.scopes
		}
		list = append(list, map[string]any{"id": r.ID, "url": r.URL, "name": r.Name, "scopes": sc, "avatarUrl": r.URL + "/images/site.png"})
	}
	c.json(http.StatusOK, list)
}

// handleAuthorize imitates the consent screen: it redirects straight back
// with a code for the user named by login_hint (default the first
// administrator).
func (s *Server) handleAuthorize(c *call) {
	q := c.r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if redirect == "" || err != nil || ru.Scheme == "" {
		c.fail(errf(http.StatusBadRequest, "redirect_uri is required and must be an absolute URL."))
		return
	}
	s.mu.Lock()
	cl := s.st.oauthClients[q.Get("client_id")]
	if cl == nil {
		s.mu.Unlock()
		c.fail(errf(http.StatusBadRequest, "Unknown client_id: register the app with AddOAuthClient."))
		return
	}
	if len(cl.RedirectURIs) > 0 && !slices.Contains(cl.RedirectURIs, redirect) {
		s.mu.Unlock()
		c.fail(errf(http.StatusBadRequest, "redirect_uri %q is not registered for this app.", redirect))
		return
	}
	var u *user
	if hint := q.Get("login_hint"); hint != "" {
		u = s.st.user(hint)
	}
	if u == nil {
		for _, x := range s.st.users {
			if x.Admin {
				u = x
				break
			}
		}
	}
	if u == nil && len(s.st.users) > 0 {
		u = s.st.users[0]
	}
	if u == nil {
		s.mu.Unlock()
		c.fail(errf(http.StatusBadRequest, "No user to log in: add one with AddUser or SeedDemo."))
		return
	}
	code := s.issueCodeLocked(u, strings.Fields(q.Get("scope")), cl.ID, redirect)
	s.mu.Unlock()
	rq := ru.Query()
	rq.Set("code", code)
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	ru.RawQuery = rq.Encode()
	http.Redirect(c.w, c.r, ru.String(), http.StatusFound)
}
