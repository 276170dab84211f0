package jira

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/trigger"
)

// canonicalURL normalises a callback URL for comparison: lower-case scheme
// and host, no default port, a cleaned path, sorted query, no fragment.
func canonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	p = path.Clean(p)
	q := u.Query().Encode()
	out := scheme + "://" + host + p
	if q != "" {
		out += "?" + q
	}
	return out
}

func checkCallbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the callback URL %q is not an absolute http(s) URL", raw)
	}
	return nil
}

func (h *hookTrigger[T]) permissionError(err error, callbackURL string) error {
	poll := map[string]string{TriggerIssueWebhook: "NewOrUpdatedIssue", TriggerCommentWebhook: "NewOrUpdatedComment", TriggerWorklogWebhook: "NewOrUpdatedWorklog"}[h.info.Name]
	if poll == "" {
		poll = "NewOrUpdatedIssue"
	}
	return fmt.Errorf("jira: trigger %s: %w (connection %q; Jira answered: %w). Either grant the account the Administer Jira global permission; "+
		"or use the polling trigger instead (jira.Client.%s); or have a Jira administrator register a webhook by hand under System > Webhooks, "+
		"pointing at %s with a secret, and receive it with the generic webhook trigger (connector/webhook.NewTrigger with jira.WebhookEvent as the payload, webhook.VerifyHMAC and the same secret)",
		h.info.Name, ErrNoWebhookPermission, h.c.name, err, poll, callbackURL)
}

// Subscribe registers the trigger's webhook, replacing an earlier
// registration for the same callback URL (compared canonically) instead of
// adding one. API token, basic and PAT connections register an admin
// webhook (Administer Jira needed) with a secret: a fresh one for a new
// registration, the stored one when the registration it was made for is
// still there. OAuth connections register dynamic webhooks, which expire
// after 30 days unless renewed.
func (h *hookTrigger[T]) Subscribe(ctx context.Context, callbackURL string, prior trigger.Subscription) (trigger.Subscription, error) {
	if h.err != nil {
		return trigger.Subscription{}, h.err
	}
	if err := checkCallbackURL(callbackURL); err != nil {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: %w", h.info.Name, err)
	}
	st := hookState{}
	if h.opts.IgnoreOwnChanges || h.filter != nil {
		me, _, err := h.c.Users.Myself(ctx)
		if err != nil {
			return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: reading the connection's own user: %w", h.info.Name, err)
		}
		st.Me = &User{AccountID: me.AccountID, Name: me.Name, Key: me.Key, DisplayName: me.DisplayName, TimeZone: me.TimeZone}
		h.meMu.Lock()
		h.me = st.Me
		h.meMu.Unlock()
	}
	if h.mode() == auth.DynamicWebhooks {
		return h.subscribeDynamic(ctx, callbackURL, st)
	}
	return h.subscribeAdmin(ctx, callbackURL, prior, st)
}

func (h *hookTrigger[T]) subscribeAdmin(ctx context.Context, callbackURL string, prior trigger.Subscription, st hookState) (trigger.Subscription, error) {
	name := h.info.Name
	hooks, _, err := h.c.Webhooks.ListAdmin(ctx)
	if err != nil {
		if errors.Is(err, ErrForbidden) {
			return trigger.Subscription{}, h.permissionError(err, callbackURL)
		}
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: listing webhooks: %w", name, err)
	}
	canon := canonicalURL(callbackURL)
	var mine []AdminWebhook
	for _, w := range hooks {
		if canonicalURL(w.URL) == canon || (prior.ID != "" && w.ID() == prior.ID && canonicalURL(prior.CallbackURL) == canon) {
			mine = append(mine, w)
		}
	}
	// Keep the registration the stored subscription names, if it is there.
	slices.SortStableFunc(mine, func(a, b AdminWebhook) int {
		return boolRank(a.ID() == prior.ID) - boolRank(b.ID() == prior.ID)
	})
	secret := auth.Secret("")
	if len(mine) > 0 && prior.ID != "" && mine[0].ID() == prior.ID && prior.Secret != "" {
		secret = prior.Secret
	} else if secret, err = webhooksign.NewSecret(); err != nil {
		return trigger.Subscription{}, err
	}
	body := AdminWebhook{Name: h.hookName(), Description: "Registered by recipekit for trigger " + name + "; removed when the recipe stops.",
		URL: callbackURL, Events: h.events, Enabled: true, Secret: secret}
	if f := h.filterJQL(); f != "" {
		body.Filters = map[string]string{"issue-related-events-section": f}
	}
	var got AdminWebhook
	if len(mine) > 0 {
		got, _, err = h.c.Webhooks.UpdateAdmin(ctx, mine[0].ID(), body)
		if err == nil {
			for _, extra := range mine[1:] {
				if _, derr := h.c.Webhooks.DeleteAdmin(ctx, extra.ID()); derr != nil && !errors.Is(derr, ErrNotFound) {
					h.c.logger.Warn("jira: cannot delete a duplicate webhook registration", "trigger", name, "id", extra.ID(), "error", derr)
				}
			}
		}
	} else {
		got, _, err = h.c.Webhooks.CreateAdmin(ctx, body)
	}
	if err != nil {
		if errors.Is(err, ErrForbidden) {
			return trigger.Subscription{}, h.permissionError(err, callbackURL)
		}
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: registering the webhook: %w", name, err)
	}
	st.Mode = "admin"
	state, _ := json.Marshal(st)
	return trigger.Subscription{ID: got.ID(), CallbackURL: callbackURL, Secret: secret, State: state}, nil
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

func (h *hookTrigger[T]) dynamicList(ctx context.Context) ([]DynamicWebhook, error) {
	var all []DynamicWebhook
	for w, err := range h.c.Webhooks.AllDynamic(ctx) {
		if err != nil {
			return nil, err
		}
		all = append(all, w)
	}
	return all, nil
}

func (h *hookTrigger[T]) subscribeDynamic(ctx context.Context, callbackURL string, st hookState) (trigger.Subscription, error) {
	name := h.info.Name
	var unsupported []string
	for _, e := range h.events {
		if !slices.Contains(dynamicEvents, e) {
			unsupported = append(unsupported, e)
		}
	}
	if len(unsupported) > 0 {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: Jira does not deliver %s to OAuth apps' dynamic webhooks (only %s); use the polling trigger, or an API token connection of a Jira administrator for an admin webhook",
			name, strings.Join(unsupported, ", "), strings.Join(dynamicEvents, ", "))
	}
	filter := h.filterJQL()
	if filter == "" {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: dynamic (OAuth) webhooks need a JQL filter: set WebhookOptions.Project (or JQL using project, issuetype, status, assignee, reporter or issuekey with =, !=, IN, NOT IN)", name)
	}
	all, err := h.dynamicList(ctx)
	if err != nil {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: listing the app's dynamic webhooks: %w", name, err)
	}
	canon := canonicalURL(callbackURL)
	var old []int64
	var other []string
	for _, w := range all {
		if canonicalURL(w.URL) == canon {
			old = append(old, w.ID)
		} else if w.URL != "" && !slices.Contains(other, w.URL) {
			other = append(other, w.URL)
		}
	}
	if len(other) > 0 {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: this OAuth app already has dynamic webhooks delivering to %s; Jira allows one URL per app and user, so %s cannot be registered: stop the recipe that owns them, or use another OAuth app",
			name, strings.Join(other, ", "), callbackURL)
	}
	if len(old) > 0 {
		if _, err := h.c.Webhooks.DeleteDynamic(ctx, old...); err != nil {
			return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: removing the earlier registration: %w", name, err)
		}
	}
	res, _, err := h.c.Webhooks.RegisterDynamic(ctx, callbackURL, []DynamicWebhook{{Events: h.events, JQLFilter: filter}})
	if err != nil {
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: registering the dynamic webhook: %w", name, err)
	}
	var ids []int64
	var problems []string
	for _, r := range res {
		if len(r.Errors) > 0 {
			problems = append(problems, r.Errors...)
		} else if r.CreatedWebhookID != 0 {
			ids = append(ids, r.CreatedWebhookID)
		}
	}
	if len(ids) == 0 {
		if len(problems) == 0 {
			problems = []string{"no webhook id in the answer"}
		}
		return trigger.Subscription{}, fmt.Errorf("jira: trigger %s: Jira refused the dynamic webhook (filter %q): %s", name, filter, strings.Join(problems, "; "))
	}
	st.Mode, st.IDs = "dynamic", ids
	exp, err := h.dynamicExpiry(ctx, ids)
	if err != nil {
		return trigger.Subscription{}, err
	}
	state, _ := json.Marshal(st)
	return trigger.Subscription{ID: joinIDs(ids), CallbackURL: callbackURL, ExpiresAt: exp, State: state}, nil
}

// dynamicExpiry returns the earliest expiry of the registrations ids, or an
// error when one of them is gone.
func (h *hookTrigger[T]) dynamicExpiry(ctx context.Context, ids []int64) (time.Time, error) {
	all, err := h.dynamicList(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("jira: trigger %s: reading the dynamic webhooks: %w", h.info.Name, err)
	}
	var exp time.Time
	for _, id := range ids {
		i := slices.IndexFunc(all, func(w DynamicWebhook) bool { return w.ID == id })
		if i < 0 {
			return time.Time{}, fmt.Errorf("jira: trigger %s: dynamic webhook %d is gone: %w", h.info.Name, id, ErrNotFound)
		}
		if t := all[i].ExpirationDate.Time; !t.IsZero() && (exp.IsZero() || t.Before(exp)) {
			exp = t
		}
	}
	if exp.IsZero() {
		exp = h.opts.Now().Add(30 * 24 * time.Hour)
	}
	return exp, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// state reads what Subscribe stored in sub.State; a subscription without
// state (stored before there was any) gets the connection's mode.
func (h *hookTrigger[T]) state(sub trigger.Subscription) (hookState, error) {
	var st hookState
	if len(sub.State) > 0 {
		if err := json.Unmarshal(sub.State, &st); err != nil {
			return st, fmt.Errorf("jira: trigger %s: the stored subscription state is unreadable (%v); restart the recipe to register again", h.info.Name, err)
		}
	}
	if st.Mode == "" {
		st.Mode = "admin"
		if h.mode() == auth.DynamicWebhooks {
			st.Mode = "dynamic"
		}
	}
	if st.Mode == "dynamic" && len(st.IDs) == 0 && sub.ID != "" {
		for _, p := range strings.Split(sub.ID, ",") {
			if id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
				st.IDs = append(st.IDs, id)
			}
		}
	}
	return st, nil
}

// Renew refreshes a dynamic webhook (another 30 days) and checks that it
// still exists; a registration Jira dropped is registered again. Admin
// webhooks do not expire: Renew returns them unchanged.
func (h *hookTrigger[T]) Renew(ctx context.Context, sub trigger.Subscription) (trigger.Subscription, error) {
	if h.err != nil {
		return sub, h.err
	}
	st, err := h.state(sub)
	if err != nil {
		return sub, err
	}
	if st.Mode != "dynamic" {
		return sub, nil
	}
	if len(st.IDs) > 0 {
		if _, _, err := h.c.Webhooks.RefreshDynamic(ctx, st.IDs...); err != nil {
			return sub, fmt.Errorf("jira: trigger %s: refreshing dynamic webhook %s: %w", h.info.Name, sub.ID, err)
		}
		exp, err := h.dynamicExpiry(ctx, st.IDs)
		if err == nil && exp.After(h.opts.Now()) {
			sub.ExpiresAt = exp
			return sub, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return sub, err
		}
		h.c.logger.Warn("jira: the dynamic webhook expired or was removed; registering it again", "trigger", h.info.Name, "id", sub.ID)
	}
	return h.Subscribe(ctx, sub.CallbackURL, sub)
}

// Unsubscribe removes the registration. One already gone is not an error.
func (h *hookTrigger[T]) Unsubscribe(ctx context.Context, sub trigger.Subscription) error {
	st, err := h.state(sub)
	if err != nil {
		return err
	}
	if st.Mode == "dynamic" {
		if len(st.IDs) == 0 {
			return nil
		}
		if _, err := h.c.Webhooks.DeleteDynamic(ctx, st.IDs...); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("jira: trigger %s: removing dynamic webhook %s: %w", h.info.Name, sub.ID, err)
		}
		return nil
	}
	if sub.ID == "" {
		return nil
	}
	if _, err := h.c.Webhooks.DeleteAdmin(ctx, sub.ID); err != nil && !errors.Is(err, ErrNotFound) {
		if errors.Is(err, ErrForbidden) {
			return h.permissionError(err, sub.CallbackURL)
		}
		return fmt.Errorf("jira: trigger %s: removing webhook %s: %w", h.info.Name, sub.ID, err)
	}
	return nil
}

// verifyDeliveryJWT checks the "Authorization: Bearer <JWT>" Jira puts on
// deliveries to OAuth 2.0 apps' dynamic webhooks: HS256 signed with the
// app's client secret (compared in constant time), not expired (with a
// leeway for Jira's retries). Errors wrap trigger.ErrUnauthenticated and
// never contain the token or the secret.
func verifyDeliveryJWT(header string, secret []byte, now time.Time) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: the OAuth connection has no client secret to check the delivery's token with", trigger.ErrUnauthenticated)
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return fmt.Errorf("%w: the delivery has no \"Authorization: Bearer <token>\" header; deliveries to an OAuth app's dynamic webhook carry one signed with the client secret", trigger.ErrUnauthenticated)
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return fmt.Errorf("%w: the delivery's bearer token is not a JWT (three dot-separated parts)", trigger.ErrUnauthenticated)
	}
	enc := base64.RawURLEncoding
	head, err := enc.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("%w: the delivery's JWT header is not base64url", trigger.ErrUnauthenticated)
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(head, &hdr) != nil || hdr.Alg != "HS256" {
		return fmt.Errorf("%w: the delivery's JWT must be signed with HS256", trigger.ErrUnauthenticated)
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("%w: the delivery's JWT signature is not base64url", trigger.ErrUnauthenticated)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("%w: the delivery's JWT is not signed with this app's client secret", trigger.ErrUnauthenticated)
	}
	claimsJSON, err := enc.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("%w: the delivery's JWT claims are not base64url", trigger.ErrUnauthenticated)
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(claimsJSON, &claims); err != nil {
		return fmt.Errorf("%w: the delivery's JWT claims are not JSON", trigger.ErrUnauthenticated)
	}
	if claims.Exp != nil {
		exp, err := claims.Exp.Int64()
		if err != nil {
			return fmt.Errorf("%w: the delivery's JWT exp claim is not a number", trigger.ErrUnauthenticated)
		}
		if now.After(time.Unix(exp, 0).Add(jwtLeeway)) {
			return fmt.Errorf("%w: the delivery's JWT expired at %s", trigger.ErrUnauthenticated, time.Unix(exp, 0).UTC().Format(time.RFC3339))
		}
	}
	return nil
}
