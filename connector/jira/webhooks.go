package jira

import (
	"context"
	"fmt"
	"iter"
	"path"
	"time"

	"github.com/recipekit/recipekit/auth"
)

// WebhooksService registers webhooks. Admin webhooks
// (/rest/webhooks/1.0/webhook, Cloud and Data Center) need the Administer
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

const adminWebhookPath = "/rest/webhooks/1.0/webhook"

// ListAdmin returns the admin webhooks.
func (s *WebhooksService) ListAdmin(ctx context.Context) ([]AdminWebhook, *Response, error) {
	var out []AdminWebhook
	resp, err := s.client.call(ctx, "GET", adminWebhookPath, nil, nil, &out)
	return out, resp, err
}

// CreateAdmin registers an admin webhook.
func (s *WebhooksService) CreateAdmin(ctx context.Context, w AdminWebhook) (AdminWebhook, *Response, error) {
	var out AdminWebhook
	resp, err := s.client.call(ctx, "POST", adminWebhookPath, nil, adminWebhookBody(w), &out)
	return out, resp, err
}

// UpdateAdmin replaces the admin webhook id.
func (s *WebhooksService) UpdateAdmin(ctx context.Context, id string, w AdminWebhook) (AdminWebhook, *Response, error) {
	var out AdminWebhook
	resp, err := s.client.call(ctx, "PUT", adminWebhookPath+"/"+pathEscape(id), nil, adminWebhookBody(w), &out)
	return out, resp, err
}

// DeleteAdmin deletes the admin webhook id.
func (s *WebhooksService) DeleteAdmin(ctx context.Context, id string) (*Response, error) {
	return s.client.call(ctx, "DELETE", adminWebhookPath+"/"+pathEscape(id), nil, nil, nil)
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
	return pages(ctx, func(ctx context.Context, startAt int) ([]DynamicWebhook, bool, error) {
		items, resp, err := s.ListDynamic(ctx, ListOptions{StartAt: startAt})
		if err != nil {
			return nil, false, err
		}
		return items, resp.IsLast, nil
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
