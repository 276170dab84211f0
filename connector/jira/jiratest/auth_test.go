package jiratest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthCredentialKinds(t *testing.T) {
	cloud, cd, _, _ := setup(t, Cloud)
	dc, dd, _, _ := setup(t, DataCenter)
	code := cloud.IssueOAuthCode(cd.Alice.AccountID)
	tok := newClient(t, cloud.URL(), nil).must(200, newClient(t, cloud.URL(), nil).do("POST", "/oauth/token", map[string]any{
		"grant_type": "authorization_code", "client_id": cd.OAuthClient.ID, "client_secret": cd.OAuthClient.Secret, "code": code})).json(t)
	access := tok["access_token"].(string)
	for _, tc := range []struct {
		name   string
		base   string
		auth   func(*http.Request)
		status int
	}{
		{"cloud api token", cloud.URL(), basic(cd.Admin.Email, cd.Admin.APIToken), 200},
		{"cloud wrong token", cloud.URL(), basic(cd.Admin.Email, "nope"), 401},
		{"cloud password is not accepted", cloud.URL(), basic(cd.Admin.Email, "integration-password"), 401},
		{"cloud no credentials", cloud.URL(), nil, 401},
		{"cloud oauth through gateway", cloud.GatewayURL(), bearer(access), 200},
		{"cloud oauth on site url", cloud.URL(), bearer(access), 401},
		{"cloud api token through gateway (scoped token)", cloud.GatewayURL(), basic(cd.Admin.Email, cd.Admin.APIToken), 200},
		{"dc password", dc.URL(), basic(dd.Bob.Name, dd.Bob.Password), 200},
		{"dc pat", dc.URL(), bearer(dd.Bob.PAT), 200},
		{"dc wrong pat", dc.URL(), bearer("nope"), 401},
		{"dc api token is not a password", dc.URL(), basic(dd.Bob.Name, dd.Bob.APIToken), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.base, tc.auth)
			r := c.get("/rest/api/2/myself")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if r.status == 401 && dig(r.json(t), "errorMessages") == nil {
				t.Errorf("401 without a Jira error body: %s", r.body)
			}
		})
	}
}

func TestDataCenterCaptcha(t *testing.T) {
	s, d, _, _ := setup(t, DataCenter)
	bad := newClient(t, s.URL(), basic(d.Alice.Name, "wrong"))
	for i := 0; i < 3; i++ {
		r := bad.get("/rest/api/2/myself")
		if r.status != 401 || r.header.Get("X-Seraph-LoginReason") != "AUTHENTICATED_FAILED" {
			t.Fatalf("attempt %d: %d %v", i, r.status, r.header)
		}
	}
	good := newClient(t, s.URL(), basic(d.Alice.Name, d.Alice.Password))
	r := good.get("/rest/api/2/myself")
	if r.status != 403 || r.header.Get("X-Seraph-LoginReason") != "AUTHENTICATION_DENIED" {
		t.Fatalf("after 3 failures: %d %v", r.status, r.header)
	}
	// A PAT is not affected by the CAPTCHA.
	newClient(t, s.URL(), bearer(d.Alice.PAT)).must(200, newClient(t, s.URL(), bearer(d.Alice.PAT)).get("/rest/api/2/myself"))
	s.ClearCaptcha(d.Alice.Name)
	good.must(200, good.get("/rest/api/2/myself"))
}

func TestOAuthRotationAndExpiry(t *testing.T) {
	s, d, _, clock := setup(t, Cloud)
	anon := newClient(t, s.URL(), nil)
	token := func(body map[string]any) resp {
		body["client_id"], body["client_secret"] = d.OAuthClient.ID, d.OAuthClient.Secret
		return anon.do("POST", "/oauth/token", body)
	}
	code := s.IssueOAuthCode(d.Bob.AccountID)
	first := anon.must(200, token(map[string]any{"grant_type": "authorization_code", "code": code})).json(t)
	if first["refresh_token"] == nil || first["expires_in"] != float64(3600) {
		t.Fatalf("token = %v", first)
	}
	// Codes are single-use, and unknown ones are refused.
	if r := token(map[string]any{"grant_type": "authorization_code", "code": code}); r.status != 403 {
		t.Errorf("code used twice: %d", r.status)
	}
	if r := token(map[string]any{"grant_type": "authorization_code", "code": "bogus"}); r.status != 403 {
		t.Errorf("bogus code: %d", r.status)
	}
	second := anon.must(200, token(map[string]any{"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})).json(t)
	if second["refresh_token"] == first["refresh_token"] {
		t.Fatal("refresh token did not rotate")
	}
	old := token(map[string]any{"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
	if old.status != 403 || old.json(t)["error"] != "invalid_grant" {
		t.Fatalf("reusing a rotated refresh token: %d %s", old.status, old.body)
	}
	// Reuse revoked the family: the second token is dead too.
	if r := token(map[string]any{"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}); r.status != 403 {
		t.Errorf("token family survived reuse: %d", r.status)
	}
	// Access tokens expire after an hour of simulator time.
	api := newClient(t, s.GatewayURL(), bearer(second["access_token"].(string)))
	api.must(200, api.get("/rest/api/2/myself"))
	clock.Advance(time.Hour)
	if r := api.get("/rest/api/2/myself"); r.status != 401 {
		t.Errorf("expired token: %d", r.status)
	}
	// Form-encoded requests (golang.org/x/oauth2) work as well.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {s.IssueOAuthCode(d.Bob.AccountID)}, "client_id": {d.OAuthClient.ID}, "client_secret": {d.OAuthClient.Secret}}
	anon.header = map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}
	r := anon.do("POST", "/oauth/token", []byte(form.Encode()))
	if r.status != 200 {
		t.Errorf("form token request: %d %s", r.status, r.body)
	}
}

func TestAccessibleResourcesAndAuthorize(t *testing.T) {
	s, d, _, _ := setup(t, Cloud)
	s.AddAccessibleResource(AccessibleResource{ID: "other-site", URL: "https://other.example.net", Name: "other"})
	anon := newClient(t, s.URL(), nil)
	r := anon.get("/authorize?client_id=" + d.OAuthClient.ID + "&redirect_uri=" + url.QueryEscape("http://127.0.0.1:9/cb") + "&state=xyz&response_type=code&scope=read%3Ajira-work+offline_access")
	if r.status != 302 {
		t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	loc, _ := url.Parse(r.header.Get("Location"))
	if loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	tok := anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": loc.Query().Get("code"),
		"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret, "redirect_uri": "http://127.0.0.1:9/cb"})).json(t)
	if !strings.Contains(tok["scope"].(string), "read:jira-work") {
		t.Errorf("scope = %v", tok["scope"])
	}
	c := newClient(t, s.URL(), bearer(tok["access_token"].(string)))
	list := c.must(200, c.get("/oauth/token/accessible-resources")).list(t)
	if len(list) != 2 || dig(list[0], "id") != s.CloudID() || dig(list[0], "url") != s.URL() {
		t.Errorf("resources = %v", list)
	}
}

func TestPermissionsAndSecurity(t *testing.T) {
	for _, mode := range []Mode{Cloud, DataCenter} {
		t.Run(mode.String(), func(t *testing.T) {
			s, d, admin, _ := setup(t, mode)
			bob := newClient(t, s.URL(), basic(d.Bob.Email, d.Bob.APIToken))
			if mode == DataCenter {
				bob = newClient(t, s.URL(), basic(d.Bob.Name, d.Bob.Password))
			}
			s.RevokePermission("DEMO", d.Bob.Name, "ADD_COMMENTS", "EDIT_ISSUES")
			r := bob.do("POST", "/rest/api/2/issue/DEMO-1/comment", map[string]any{"body": "hi"})
			if r.status != 403 {
				t.Errorf("comment without ADD_COMMENTS: %d %s", r.status, r.body)
			}
			if r := bob.do("PUT", "/rest/api/2/issue/DEMO-1", map[string]any{"fields": map[string]any{"summary": "x"}}); r.status != 403 {
				t.Errorf("edit without EDIT_ISSUES: %d", r.status)
			}
			perms := bob.must(200, bob.get("/rest/api/2/mypermissions?projectKey=DEMO&permissions=ADD_COMMENTS,BROWSE_PROJECTS")).json(t)
			if dig(perms, "permissions", "ADD_COMMENTS", "havePermission") != false || dig(perms, "permissions", "BROWSE_PROJECTS", "havePermission") != true {
				t.Errorf("mypermissions = %v", perms)
			}
			// Security level: only members see the issue; others get 404.
			s.AddSecurityLevel("DEMO", "Staff", d.Admin.Name)
			admin.must(204, admin.do("PUT", "/rest/api/2/issue/DEMO-3", map[string]any{"fields": map[string]any{"security": map[string]any{"name": "Staff"}}}))
			if r := bob.get("/rest/api/2/issue/DEMO-3"); r.status != 404 {
				t.Errorf("hidden issue: %d", r.status)
			}
			admin.must(200, admin.get("/rest/api/2/issue/DEMO-3"))
			// Without BROWSE_PROJECTS the project disappears.
			s.SetPermission("DEMO", d.Bob.Name, "CREATE_ISSUES")
			if r := bob.get("/rest/api/2/issue/DEMO-1"); r.status != 404 {
				t.Errorf("no browse: %d", r.status)
			}
			if mode == Cloud {
				if r := bob.get("/rest/api/2/mypermissions"); r.status != 400 {
					t.Errorf("mypermissions without permissions on Cloud: %d", r.status)
				}
			}
		})
	}
}

func TestAuthorizeCodeBoundToItsApp(t *testing.T) {
	s, d, _, _ := setup(t, Cloud)
	other := s.AddOAuthClient(OAuthClient{})
	anon := newClient(t, s.URL(), nil)
	authorize := func() string {
		r := anon.get("/authorize?client_id=" + d.OAuthClient.ID + "&redirect_uri=" + url.QueryEscape("http://127.0.0.1:9/cb") + "&response_type=code")
		loc, err := url.Parse(r.header.Get("Location"))
		if r.status != 302 || err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %s", r.status, r.body)
		}
		return loc.Query().Get("code")
	}
	exchange := func(code string, cl OAuthClient) resp {
		return anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": code,
			"client_id": cl.ID, "client_secret": cl.Secret, "redirect_uri": "http://127.0.0.1:9/cb"})
	}
	code := authorize()
	if r := exchange(code, other); r.status != 403 || r.json(t)["error"] != "invalid_grant" {
		t.Errorf("another app exchanging the code: %d %s", r.status, r.body)
	}
	// The failed attempt consumed the code, as a leaked code must not stay usable.
	if r := exchange(code, d.OAuthClient); r.status != 403 {
		t.Errorf("code reused after a failed exchange: %d %s", r.status, r.body)
	}
	anon.must(200, exchange(authorize(), d.OAuthClient))
	// Codes from IssueOAuthCode are not bound to an app.
	anon.must(200, exchange(s.IssueOAuthCode(d.Alice.AccountID), other))
}

func TestOAuthTokenOfDeactivatedUser(t *testing.T) {
	s, d, _, _ := setup(t, Cloud)
	anon := newClient(t, s.URL(), nil)
	tok := anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": s.IssueOAuthCode(d.Bob.AccountID),
		"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret})).json(t)["access_token"].(string)
	api := newClient(t, s.GatewayURL(), bearer(tok))
	site := newClient(t, s.URL(), bearer(tok))
	api.must(200, api.get("/rest/api/2/myself"))
	site.must(200, site.get("/oauth/token/accessible-resources"))
	if !s.DeactivateUser(d.Bob.AccountID) {
		t.Fatal("DeactivateUser: unknown user")
	}
	if r := api.get("/rest/api/2/myself"); r.status != 401 {
		t.Errorf("API call by a deactivated user: %d", r.status)
	}
	if r := site.get("/oauth/token/accessible-resources"); r.status != 401 {
		t.Errorf("accessible resources of a deactivated user: %d", r.status)
	}
}
