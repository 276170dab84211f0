package jiratest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// verifyHS256 checks a compact JWT against secret with the standard
// library only and returns its header and claims.
func verifyHS256(t *testing.T, token, secret string) (header, claims map[string]any, ok bool) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts, want 3", token, len(parts))
	}
	enc := base64.RawURLEncoding
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature is not base64url: %v", err)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := enc.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("part %d is not base64url: %v", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("part %d is not JSON: %v", i, err)
		}
	}
	return header, claims, hmac.Equal(sig, mac.Sum(nil))
}

func TestDynamicWebhookJWT(t *testing.T) {
	s, d, _, clock := setup(t, Cloud)
	rc := newReceiver(t, 503) // the first attempt fails: the retry must carry the same token
	anon := newClient(t, s.URL(), nil)
	tok := anon.must(200, anon.do("POST", "/oauth/token", map[string]any{"grant_type": "authorization_code", "code": s.IssueOAuthCode(d.Admin.AccountID),
		"client_id": d.OAuthClient.ID, "client_secret": d.OAuthClient.Secret})).json(t)
	app := newClient(t, s.GatewayURL(), bearer(tok["access_token"].(string)))
	app.must(200, app.do("POST", "/rest/api/2/webhook", map[string]any{"url": rc.srv.URL, "webhooks": []any{
		map[string]any{"events": []string{"jira:issue_created"}, "jqlFilter": "project = DEMO"},
	}}))
	clock.Advance(90 * time.Second)
	raised := clock.Now()
	if _, err := s.CreateIssueAs(d.Bob.AccountID, IssueSeed{Project: "DEMO", Summary: "signed"}); err != nil {
		t.Fatal(err)
	}
	got := rc.delivered(t, s, 2, "requests (a 503 and its retry)")
	var tokens []string
	for _, r := range got {
		auth := r.header.Get("Authorization")
		bearerTok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			t.Fatalf("Authorization = %q, want a bearer JWT", auth)
		}
		tokens = append(tokens, bearerTok)
		if r.header.Get("X-Hub-Signature") != "" {
			t.Error("a dynamic webhook delivery also carries X-Hub-Signature")
		}
	}
	if tokens[0] != tokens[1] {
		t.Error("the retry carries another token than the first attempt")
	}
	header, claims, ok := verifyHS256(t, tokens[0], d.OAuthClient.Secret)
	if !ok {
		t.Fatal("the delivery JWT does not verify with the app's client secret")
	}
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Errorf("JWT header = %v, want alg HS256, typ JWT", header)
	}
	if claims["iss"] != d.OAuthClient.ID {
		t.Errorf("iss = %v, want the client id %q", claims["iss"], d.OAuthClient.ID)
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	if int64(iat) != raised.Unix() || int64(exp) != raised.Add(DeliveryJWTLifetime).Unix() {
		t.Errorf("iat = %v, exp = %v; want %d and %d", claims["iat"], claims["exp"], raised.Unix(), raised.Add(DeliveryJWTLifetime).Unix())
	}
	if _, has := claims["qsh"]; has {
		t.Error("the delivery JWT carries a qsh claim")
	}
	if _, _, ok := verifyHS256(t, tokens[0], d.OAuthClient.Secret+"x"); ok {
		t.Error("the delivery JWT verifies with the wrong secret")
	}
	// The token and the secret stay out of the delivery records.
	for _, dl := range s.Deliveries() {
		if strings.Contains(string(dl.Body), d.OAuthClient.Secret) || strings.Contains(dl.Err, d.OAuthClient.Secret) {
			t.Error("a delivery record holds the client secret")
		}
	}
}
