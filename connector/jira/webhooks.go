package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
)

// WebhooksService registers webhooks. Admin webhooks
// (/rest/webhooks/1.0/webhook on Cloud and Data Center before 10.0,
// /rest/jira-webhook/1.0/webhooks on Data Center 10.0 and later, chosen
// from serverInfo's version with a fallback on 404) need the Administer
// Jira global permission; dynamic webhooks (/rest/api/2/webhook, Cloud
// only) are for OAuth 2.0 and Connect apps and expire after 30 days unless
// refreshed.
type WebhooksService service

// AdminWebhook is an admin webhook registration.
type AdminWebhook struct {
	Self        string            `json:"self,omitempty" expr:"self"`
	Name        string            `json:"name" expr:"name"`
	Description string            `json:"description,omitempty" expr:"description"`
	URL         string            `json:"url" expr:"url"`
	Events      []string          `json:"events" expr:"events"`
	Filters     map[string]string `json:"filters,omitempty" expr:"filters"`
	ExcludeBody bool              `json:"excludeBody" expr:"excludeBody"`
	Enabled     bool              `json:"enabled" expr:"enabled"`
	// Secret signs deliveries (X-Hub-Signature); Jira never returns it.
	// CreateAdmin and UpdateAdmin send it; JSON encoding omits it.
	Secret      auth.Secret `json:"-" expr:"-"`
	LastUpdated int64       `json:"lastUpdated,omitempty" expr:"lastUpdated"`
}

// ID returns the registration id (the last segment of Self).
func (w AdminWebhook) ID() string {
	if w.Self == "" {
		return ""
	}
	return path.Base(w.Self)
}

// adminWebhookBody is the request body CreateAdmin and UpdateAdmin send:
// the registration with its secret revealed. Only these requests reveal it,
// so marshalling an AdminWebhook anywhere else (a job record, a log) never
// writes the secret.
func adminWebhookBody(w AdminWebhook) any {
	type plain AdminWebhook
	return struct {
		plain
		Secret string `json:"secret,omitempty"`
	}{plain(w), w.Secret.Reveal()}
}

// The admin webhook resources. Jira Data Center 10.0 moved the resource
// from adminWebhookPath to dc10WebhookPath (and the old one answers 404
// there); Cloud and earlier Data Center versions serve only the old one.
const (
	adminWebhookPath = "/rest/webhooks/1.0/webhook"
	dc10WebhookPath  = "/rest/jira-webhook/1.0/webhooks"
)

// dc10Webhook is an admin webhook as /rest/jira-webhook/1.0/webhooks reads
// and writes it: the JQL filter, the secret, the description and whether
// to leave out the body are entries of configuration.
type dc10Webhook struct {
	ID            int64          `json:"id,omitempty"`
	Name          string         `json:"name"`
	URL           string         `json:"url"`
	Events        []string       `json:"events"`
	Active        bool           `json:"active"`
	ScopeType     string         `json:"scopeType,omitempty"`
	Configuration map[string]any `json:"configuration,omitempty"`
	UpdatedDate   int64          `json:"updatedDate,omitempty"`
}

// dc10Body is the request body for w on the Data Center 10 resource, with
// the secret revealed (only these requests reveal it).
func dc10Body(w AdminWebhook) dc10Webhook {
	conf := map[string]any{"EXCLUDE_BODY": strconv.FormatBool(w.ExcludeBody)}
	if f := w.Filters["issue-related-events-section"]; f != "" {
		conf["FILTERS"] = f
	}
	if w.Description != "" {
		conf["DESCRIPTION"] = w.Description
	}
	if w.Secret != "" {
		conf["SECRET"] = w.Secret.Reveal()
	}
	return dc10Webhook{Name: w.Name, URL: w.URL, Events: w.Events, Active: w.Enabled, ScopeType: "global", Configuration: conf}
}

// admin converts a Data Center 10 answer to the common AdminWebhook, whose
// Self ends with the id as the older resource's does.
func (w dc10Webhook) admin(base string) AdminWebhook {
	out := AdminWebhook{Name: w.Name, URL: w.URL, Events: w.Events, Enabled: w.Active, LastUpdated: w.UpdatedDate}
	if w.ID != 0 {
		out.Self = base + dc10WebhookPath + "/" + strconv.FormatInt(w.ID, 10)
	}
	str := func(k string) string {
		switch v := w.Configuration[k].(type) {
		case string:
			return v
		case bool:
			return strconv.FormatBool(v)
		}
		return ""
	}
	out.Description = str("DESCRIPTION")
	out.ExcludeBody = strings.EqualFold(str("EXCLUDE_BODY"), "true")
	if f := str("FILTERS"); f != "" {
		out.Filters = map[string]string{"issue-related-events-section": f}
	}
	return out
}

// adminResource reports whether the site serves admin webhooks at the Data
// Center 10 resource: the one a 404 fallback settled on, else what
// serverInfo's version says (10.0 or later on Data Center). A site whose
// serverInfo cannot be read is assumed to have the older resource.
func (s *WebhooksService) adminResource(ctx context.Context) bool {
	c := s.client
	c.infoMu.Lock()
	known := c.webhookAPI
	c.infoMu.Unlock()
	if known != webhookAPIUnknown {
		return known == webhookAPIDC10
	}
	info, err := c.serverInfo(ctx)
	return err == nil && info.Deployment() == DataCenter && len(info.VersionNumbers) > 0 && info.VersionNumbers[0] >= 10
}

// settleAdminResource remembers which admin webhook resource answered.
func (s *WebhooksService) settleAdminResource(dc10 bool) {
	api := webhookAPIOld
	if dc10 {
		api = webhookAPIDC10
	}
	s.client.infoMu.Lock()
	s.client.webhookAPI = api
	s.client.infoMu.Unlock()
}

// onAdminResource runs call on the admin webhook resource the site serves.
// A 404 from the collection (list or create) means the guess was wrong (a
// proxy hiding serverInfo's version, an upgrade since): call is tried once
// on the other resource, and the one that answers is remembered.
func (s *WebhooksService) onAdminResource(ctx context.Context, collection bool, call func(dc10 bool) (*Response, error)) (*Response, error) {
	dc10 := s.adminResource(ctx)
	resp, err := call(dc10)
	if err != nil && collection && errors.Is(err, ErrNotFound) {
		if resp2, err2 := call(!dc10); err2 == nil || !errors.Is(err2, ErrNotFound) {
			dc10, resp, err = !dc10, resp2, err2
		}
	}
	if err == nil {
		s.settleAdminResource(dc10)
	}
	return resp, err
}

// ListAdmin returns the admin webhooks, from /rest/webhooks/1.0/webhook or,
// on Data Center 10 and later, /rest/jira-webhook/1.0/webhooks.
func (s *WebhooksService) ListAdmin(ctx context.Context) ([]AdminWebhook, *Response, error) {
	var out []AdminWebhook
	resp, err := s.onAdminResource(ctx, true, func(dc10 bool) (*Response, error) {
		out = nil
		if !dc10 {
			return s.client.call(ctx, "GET", adminWebhookPath, nil, nil, &out)
		}
		var got []dc10Webhook
		resp, err := s.client.call(ctx, "GET", dc10WebhookPath, nil, nil, &got)
		for _, w := range got {
			out = append(out, w.admin(s.client.site.String()))
		}
		return resp, err
	})
	return out, resp, err
}

// CreateAdmin registers an admin webhook.
func (s *WebhooksService) CreateAdmin(ctx context.Context, w AdminWebhook) (AdminWebhook, *Response, error) {
	return s.writeAdmin(ctx, "POST", "", w)
}

// UpdateAdmin replaces the admin webhook id.
func (s *WebhooksService) UpdateAdmin(ctx context.Context, id string, w AdminWebhook) (AdminWebhook, *Response, error) {
	return s.writeAdmin(ctx, "PUT", "/"+pathEscape(id), w)
}

// writeAdmin sends w to the admin webhook resource the site serves, in
// the body that resource reads, and returns the answer as an AdminWebhook:
// a create (POST to the collection, suffix "") or a replacement (PUT to
// suffix "/{id}").
func (s *WebhooksService) writeAdmin(ctx context.Context, method, suffix string, w AdminWebhook) (AdminWebhook, *Response, error) {
	var out AdminWebhook
	resp, err := s.onAdminResource(ctx, suffix == "", func(dc10 bool) (*Response, error) {
		if !dc10 {
			return s.client.call(ctx, method, adminWebhookPath+suffix, nil, adminWebhookBody(w), &out)
		}
		var got dc10Webhook
		resp, err := s.client.call(ctx, method, dc10WebhookPath+suffix, nil, dc10Body(w), &got)
		out = got.admin(s.client.site.String())
		return resp, err
	})
	return out, resp, err
}

// DeleteAdmin deletes the admin webhook id.
func (s *WebhooksService) DeleteAdmin(ctx context.Context, id string) (*Response, error) {
	return s.onAdminResource(ctx, false, func(dc10 bool) (*Response, error) {
		p := adminWebhookPath
		if dc10 {
			p = dc10WebhookPath
		}
		return s.client.call(ctx, "DELETE", p+"/"+pathEscape(id), nil, nil, nil)
	})
}

// DynamicWebhook is one dynamic webhook registration (Cloud).
type DynamicWebhook struct {
	ID                      int64    `json:"id,omitempty" expr:"id"`
	Events                  []string `json:"events" expr:"events"`
	JQLFilter               string   `json:"jqlFilter" expr:"jqlFilter"`
	FieldIDsFilter          []string `json:"fieldIdsFilter,omitempty" expr:"fieldIdsFilter"`
	IssuePropertyKeysFilter []string `json:"issuePropertyKeysFilter,omitempty" expr:"issuePropertyKeysFilter"`
	ExpirationDate          Time     `json:"expirationDate" expr:"expirationDate"`
	URL                     string   `json:"url,omitempty" expr:"url"`
}

// dynamicDetails is the writable part of DynamicWebhook.
type dynamicDetails struct {
	Events                  []string `json:"events"`
	JQLFilter               string   `json:"jqlFilter"`
	FieldIDsFilter          []string `json:"fieldIdsFilter,omitempty"`
	IssuePropertyKeysFilter []string `json:"issuePropertyKeysFilter,omitempty"`
}

// RegistrationResult is the outcome of one registration: its id, or the
// errors Jira reported for it.
type RegistrationResult struct {
	CreatedWebhookID int64    `json:"createdWebhookId,omitempty"`
	Errors           []string `json:"errors,omitempty"`
}

// RegisterDynamic registers webhooks delivering to url. The results come in
// the order of hooks; some may fail while others succeed.
func (s *WebhooksService) RegisterDynamic(ctx context.Context, url string, hooks []DynamicWebhook) ([]RegistrationResult, *Response, error) {
	body := struct {
		URL      string           `json:"url"`
		Webhooks []dynamicDetails `json:"webhooks"`
	}{URL: url}
	for _, h := range hooks {
		body.Webhooks = append(body.Webhooks, dynamicDetails{h.Events, h.JQLFilter, h.FieldIDsFilter, h.IssuePropertyKeysFilter})
	}
	var out struct {
		Results []RegistrationResult `json:"webhookRegistrationResult"`
	}
	resp, err := s.client.call(ctx, "POST", apiPath("/webhook"), nil, body, &out)
	return out.Results, resp, err
}

// ListDynamic returns a page of the app's dynamic webhooks.
func (s *WebhooksService) ListDynamic(ctx context.Context, opts ListOptions) ([]DynamicWebhook, *Response, error) {
	var page offsetPage[DynamicWebhook]
	resp, err := s.client.call(ctx, "GET", apiPath("/webhook"), opts.values(), nil, &page)
	page.fill(resp)
	return page.Values, resp, err
}

// AllDynamic iterates over the app's dynamic webhooks.
func (s *WebhooksService) AllDynamic(ctx context.Context) iter.Seq2[DynamicWebhook, error] {
	return allPages(ctx, func(ctx context.Context, startAt int) ([]DynamicWebhook, *Response, error) {
		return s.ListDynamic(ctx, ListOptions{StartAt: startAt})
	})
}

// DeleteDynamic deletes dynamic webhooks by id (ids of other apps are
// ignored by Jira).
func (s *WebhooksService) DeleteDynamic(ctx context.Context, ids ...int64) (*Response, error) {
	return s.client.call(ctx, "DELETE", apiPath("/webhook"), nil, map[string][]int64{"webhookIds": ids}, nil)
}

// RefreshDynamic extends dynamic webhooks by 30 days and returns the new
// expiry.
func (s *WebhooksService) RefreshDynamic(ctx context.Context, ids ...int64) (time.Time, *Response, error) {
	var out struct {
		ExpirationDate Time `json:"expirationDate"`
	}
	resp, err := s.client.call(ctx, "PUT", apiPath("/webhook/refresh"), nil, map[string][]int64{"webhookIds": ids}, &out)
	if err != nil {
		return time.Time{}, resp, err
	}
	if out.ExpirationDate.IsZero() {
		return time.Time{}, resp, fmt.Errorf("jira: the webhook refresh answer carries no expirationDate")
	}
	return out.ExpirationDate.Time, resp, nil
}
