// Package webhook is the generic Webhooks connector: an inbound trigger
// that turns JSON deliveries from any sender into typed events, and an
// outbound action that sends an HTTP request.
//
// # Inbound: a trigger for hand-registered webhooks
//
// [NewTrigger] returns a [trigger.Webhook] whose payload is any JSON type
// T. Nothing is registered remotely: the runtime serves the callback URL
// and someone points the sender at it by hand — for Jira, an administrator
// under System > Webhooks, which is the fallback when the account running
// the recipe may not register webhooks itself. Each delivery is
//
//   - authenticated: an HMAC-SHA256 signature of the raw body in
//     X-Hub-Signature (Jira's scheme, see [VerifyHMAC]), or a shared token
//     in a header or query parameter ([VerifyTokenHeader],
//     [VerifyTokenQuery]), always compared in constant time; a delivery that
//     fails answers 401 and runs nothing;
//   - decoded into T, with errors that name the byte offset, line and column
//     and what was expected there;
//   - given a dedup id from a header (X-Atlassian-Webhook-Identifier is the
//     same on every retry of a Jira delivery), a field of the payload
//     ("issue.id"), or else the SHA-256 of the body;
//   - optionally filtered by an Accept function.
//
// A recipe receiving a Jira webhook that an administrator registered by
// hand, with the secret set to the value of JIRA_WEBHOOK_SECRET:
//
//	type jiraDelivery struct {
//		Timestamp    int64  `json:"timestamp" expr:"timestamp"`
//		WebhookEvent string `json:"webhookEvent" expr:"webhookEvent"`
//		Issue        struct {
//			ID     string `json:"id" expr:"id"`
//			Key    string `json:"key" expr:"key"`
//		} `json:"issue" expr:"issue"`
//	}
//
//	trig, err := webhook.NewTrigger(webhook.TriggerOptions[jiraDelivery]{
//		Name:         "jira_issue_events",
//		Verification: webhook.VerifyHMAC(""), // X-Hub-Signature: sha256=...
//		Secret:       auth.Secret(os.Getenv("JIRA_WEBHOOK_SECRET")),
//		IDHeader:     "X-Atlassian-Webhook-Identifier",
//		TimeField:    "timestamp",
//		Accept: func(d jiraDelivery) bool {
//			return d.WebhookEvent == "jira:issue_created"
//		},
//	})
//	// recipe.New("triage", trig, recipe.Do(...)) — then register
//	// https://<public host>/hooks/triage in Jira with the same secret.
//
// [SignHubSignature], [VerifyHubSignature] and [NewSecret] sign, check and
// generate exactly as the Jira connector's own webhook triggers do;
// [VerifySharedSecret] checks a token a sender presents.
//
// # Outbound: an HTTP request action
//
// [NewClient] builds a client on the project's retrying HTTP layer, with
// optional credentials (an auth.Strategy) and an optional allow-list of
// hosts, and [Client.Request] is the "http_request" action: method, URL,
// query, headers and a text or JSON body in; status, headers, body and the
// decoded JSON out. A non-2xx answer becomes a *[StatusError] (a refusal,
// 429 or a 503 naming a wait, and for idempotent requests
// 408/500/502/503/504, are retryable; another 5xx answer to a POST matches
// action.ErrOutcomeUnknown), a request without an answer a
// *[RequestError]. A POST or PATCH is sent once, or again after a refusal,
// unless the input marks it idempotent; it carries an Idempotency-Key
// header ([DefaultIdempotencyHeader]) holding the step run's effect key
// (action.Effect), the same on every attempt of the step run, so a
// receiver that honours the header applies it once. Credentials, sensitive headers and query parameters, and
// token-like URL path segments are scrubbed from every error and log line.
//
// [NewConnector] presents both to a connector.Registry.
//
// A sender that cannot set headers (a Jira admin webhook) can present a
// shared token in the callback URL instead: verify with [VerifyTokenQuery],
// mount the runtime's handler behind [TokenFromQuery], and give the sender
// the URL [CallbackURLWithToken] returns.
package webhook
