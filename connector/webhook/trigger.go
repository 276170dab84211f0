package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/trigger"
)

// VerificationKind says how a delivery proves it comes from the sender.
type VerificationKind int

const (
	// NoVerification accepts every delivery. Use it only behind a
	// gateway that authenticates senders, or for payloads anyone may send.
	NoVerification VerificationKind = iota
	// HMACSHA256 requires an "sha256=<hex>" HMAC of the raw body keyed
	// with the secret, in X-Hub-Signature unless Header says otherwise
	// (Jira admin webhooks with a secret, GitHub's X-Hub-Signature-256).
	HMACSHA256
	// SharedSecret requires the secret itself as a token, in a header or
	// a query parameter of the callback URL.
	SharedSecret
)

// String returns the kind's name.
func (k VerificationKind) String() string {
	switch k {
	case NoVerification:
		return "none"
	case HMACSHA256:
		return "hmac-sha256"
	case SharedSecret:
		return "shared-secret"
	}
	return fmt.Sprintf("VerificationKind(%d)", int(k))
}

// Verification configures how an inbound trigger authenticates
// deliveries. The zero value verifies nothing; build the others with
// [VerifyHMAC], [VerifyTokenHeader] or [VerifyTokenQuery].
type Verification struct {
	// Kind is the verification method.
	Kind VerificationKind
	// Header is, for HMACSHA256, the header carrying the signature
	// (default X-Hub-Signature); for SharedSecret, the header carrying
	// the token (leave empty when Query is set).
	Header string
	// Query is, for SharedSecret, the query parameter of the callback URL
	// carrying the token. The runtime's webhook handler passes Parse only
	// headers, so mount it behind [TokenFromQuery] with the same name.
	Query string
}

// VerifyHMAC requires an HMAC-SHA256 signature of the body in header
// (X-Hub-Signature when header is empty).
func VerifyHMAC(header string) Verification {
	return Verification{Kind: HMACSHA256, Header: header}
}

// VerifyTokenHeader requires the shared secret as the value of header
// (for example X-Gitlab-Token).
func VerifyTokenHeader(header string) Verification {
	return Verification{Kind: SharedSecret, Header: header}
}

// VerifyTokenQuery requires the shared secret as the value of the query
// parameter param of the callback URL; see [TokenFromQuery] and
// [CallbackURLWithToken].
func VerifyTokenQuery(param string) Verification {
	return Verification{Kind: SharedSecret, Query: param}
}

// DefaultMaxBodyBytes is the default cap on a delivery's body.
const DefaultMaxBodyBytes = 1 << 20

// DefaultTriggerName is the trigger's machine name when
// TriggerOptions.Name is empty.
const DefaultTriggerName = "new_event"

// SubscriptionID is the ID of every subscription this package returns:
// the sender is configured by hand, so there is no remote registration id.
const SubscriptionID = "manual"

// TriggerOptions configures an inbound webhook trigger whose events carry
// a payload of type T, decoded from the delivery's JSON body.
type TriggerOptions[T any] struct {
	// Name is the trigger's machine name in job records and logs.
	// Default "new_event".
	Name string
	// Title is a human title. Default "New webhook event".
	Title string
	// Verification says how deliveries are authenticated. The zero value
	// verifies nothing.
	Verification Verification
	// Secret is the HMAC key or shared token. Required unless
	// Verification is NoVerification; generate one with [NewSecret] and
	// give the same value to the sender.
	Secret auth.Secret
	// IDHeader names the header whose value is the event's dedup id,
	// such as X-Atlassian-Webhook-Identifier (the same on every retry of
	// one delivery). Set at most one of IDHeader and IDField; with
	// neither, the id is the SHA-256 of the body, so a byte-identical
	// redelivery is dropped as a duplicate.
	IDHeader string
	// IDField is a dotted path into the JSON payload whose value (a
	// string or a number) is the dedup id, such as "id" or "issue.id". A
	// segment made of digits indexes an array ("items.0.id").
	IDField string
	// TimeField is an optional dotted path to the event's time: epoch
	// milliseconds (seconds when below 1e11), or an RFC 3339 or Jira
	// "2006-01-02T15:04:05.000-0700" string. Without it, or when the
	// payload has no such field, the event time is the time of receipt.
	TimeField string
	// MaxBodyBytes caps a delivery's body. Default 1 MiB. The runtime's
	// handler has its own cap; raise both for large payloads.
	MaxBodyBytes int64
	// Accept, if set, is called with each decoded payload; a delivery it
	// returns false for yields no event (and is still acknowledged).
	Accept func(T) bool
	// Logger receives the callback URL to register on Subscribe and a
	// debug line per filtered delivery. Optional; secrets are never
	// logged.
	Logger *slog.Logger
	// Now returns the time of receipt. Default time.Now; tests set it.
	Now func() time.Time
}

type webhookTrigger[T any] struct {
	info      trigger.Info
	verify    Verification
	secret    auth.Secret
	idHeader  string
	idPath    jsonPath
	timePath  jsonPath
	maxBody   int64
	accept    func(T) bool
	logger    *slog.Logger
	now       func() time.Time
	wantShape shape
}

// NewTrigger returns an inbound webhook trigger: the sender (a Jira
// administrator under System > Webhooks, or any other system) is pointed at
// the callback URL by hand, and each delivery it makes is verified, decoded
// into a T and handed to the runtime as one event.
//
// Subscribe registers nothing remotely: it returns the callback URL and
// secret to configure the sender with. Unsubscribe does nothing, Renew
// returns the subscription unchanged, and Poll returns no events (the
// trigger is push-only: Info().PollInterval is 0).
//
// NewTrigger reports every configuration problem it finds.
func NewTrigger[T any](opts TriggerOptions[T]) (trigger.Webhook[T], error) {
	var errs []error
	t := &webhookTrigger[T]{
		info: trigger.Info{
			Name:        opts.Name,
			Connector:   ConnectorName,
			Title:       opts.Title,
			Description: "Receives JSON deliveries at a callback URL registered by hand with the sender, optionally authenticated by an HMAC signature or a shared token.",
		},
		verify:    opts.Verification,
		secret:    opts.Secret,
		idHeader:  http.CanonicalHeaderKey(strings.TrimSpace(opts.IDHeader)),
		maxBody:   opts.MaxBodyBytes,
		accept:    opts.Accept,
		logger:    opts.Logger,
		now:       opts.Now,
		wantShape: shapeOf(reflect.TypeFor[T]()),
	}
	if t.info.Name == "" {
		t.info.Name = DefaultTriggerName
	}
	if t.info.Title == "" {
		t.info.Title = "New webhook event"
	}
	if t.maxBody == 0 {
		t.maxBody = DefaultMaxBodyBytes
	}
	if t.maxBody < 0 {
		errs = append(errs, fmt.Errorf("webhook: MaxBodyBytes is %d; use a positive size, or 0 for the default (%d)", opts.MaxBodyBytes, DefaultMaxBodyBytes))
	}
	if t.logger == nil {
		t.logger = slog.New(slog.DiscardHandler)
	}
	if t.now == nil {
		t.now = time.Now
	}
	errs = append(errs, t.checkVerification()...)
	if opts.IDHeader != "" && opts.IDField != "" {
		errs = append(errs, errors.New("webhook: set IDHeader or IDField, not both: the dedup id comes from one place"))
	}
	var err error
	if t.idPath, err = parseJSONPath("IDField", opts.IDField); err != nil {
		errs = append(errs, err)
	}
	if t.timePath, err = parseJSONPath("TimeField", opts.TimeField); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *webhookTrigger[T]) checkVerification() []error {
	v := &t.verify
	var errs []error
	switch v.Kind {
	case NoVerification:
		if t.secret != "" {
			errs = append(errs, errors.New("webhook: a Secret is set but Verification is none, so it would never be checked; use VerifyHMAC or VerifyTokenHeader/VerifyTokenQuery, or drop the secret"))
		}
		if v.Header != "" || v.Query != "" {
			errs = append(errs, errors.New("webhook: Verification names a header or query parameter but its Kind is none; build it with VerifyHMAC, VerifyTokenHeader or VerifyTokenQuery"))
		}
		return errs
	case HMACSHA256:
		if v.Query != "" {
			errs = append(errs, errors.New("webhook: an HMAC signature travels in a header, not a query parameter; clear Verification.Query"))
		}
		if v.Header == "" {
			v.Header = HubSignatureHeader
		}
	case SharedSecret:
		switch {
		case v.Header == "" && v.Query == "":
			errs = append(errs, errors.New("webhook: shared-secret verification needs the header (VerifyTokenHeader) or query parameter (VerifyTokenQuery) that carries the token"))
		case v.Header != "" && v.Query != "":
			errs = append(errs, errors.New("webhook: shared-secret verification reads the token from a header or a query parameter, not both; set one of Verification.Header and Verification.Query"))
		}
	default:
		return append(errs, fmt.Errorf("webhook: unknown verification kind %d; use NoVerification, HMACSHA256 or SharedSecret", int(v.Kind)))
	}
	v.Header = http.CanonicalHeaderKey(strings.TrimSpace(v.Header))
	if t.secret == "" {
		errs = append(errs, fmt.Errorf("webhook: %s verification needs a Secret: generate one with webhook.NewSecret and give the same value to the sender", v.Kind))
	}
	return errs
}

// Info describes the trigger. PollInterval is 0: it is never polled.
func (t *webhookTrigger[T]) Info() trigger.Info { return t.info }

// Poll returns no events: the sender is configured by hand and there is
// nothing to reconcile against.
func (t *webhookTrigger[T]) Poll(_ context.Context, cursor trigger.Cursor) (trigger.Page[T], error) {
	return trigger.Page[T]{Next: cursor}, nil
}

// Subscribe registers nothing remotely. It checks the callback URL and
// returns it with the secret, for a person to configure the sender with.
func (t *webhookTrigger[T]) Subscribe(_ context.Context, callbackURL string, _ trigger.Subscription) (trigger.Subscription, error) {
	if err := checkCallbackURL(callbackURL); err != nil {
		return trigger.Subscription{}, err
	}
	// The URL may carry a token (CallbackURLWithToken): log it without its
	// query and with token-like path segments hidden.
	shown, _ := url.Parse(callbackURL)
	t.logger.Info("webhook trigger ready: register the callback URL with the sender by hand (in Jira: System > Webhooks)",
		slog.String("trigger", t.info.Name),
		slog.String("callback_url", displayURL(shown)),
		slog.String("verification", t.verify.Kind.String()),
		slog.String("token_query_parameter", t.verify.Query))
	return trigger.Subscription{
		ID:          SubscriptionID,
		CallbackURL: callbackURL,
		Secret:      t.secret,
	}, nil
}

func checkCallbackURL(callbackURL string) error {
	u, err := url.Parse(callbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook: the callback URL %s is not an absolute http or https URL; give the runtime the public base URL senders reach it at", quoteShort(callbackURL))
	}
	return nil
}

// Renew returns sub unchanged: a hand-made registration does not expire.
func (t *webhookTrigger[T]) Renew(_ context.Context, sub trigger.Subscription) (trigger.Subscription, error) {
	return sub, nil
}

// Unsubscribe does nothing: whoever configured the sender removes the
// registration there.
func (t *webhookTrigger[T]) Unsubscribe(context.Context, trigger.Subscription) error { return nil }

// RenewBefore is 0: subscriptions never expire.
func (t *webhookTrigger[T]) RenewBefore() time.Duration { return 0 }

// Parse verifies a delivery, then decodes it. The secret is the
// subscription's, or the trigger's own when the subscription has none.
func (t *webhookTrigger[T]) Parse(sub trigger.Subscription, header http.Header, body []byte) ([]trigger.Event[T], error) {
	if int64(len(body)) > t.maxBody {
		return nil, fmt.Errorf("%w: the body is %d bytes, above the trigger's limit of %d; raise TriggerOptions.MaxBodyBytes (and the handler's cap) if such payloads are expected", ErrPayload, len(body), t.maxBody)
	}
	secret := sub.Secret
	if secret == "" {
		secret = t.secret
	}
	if err := t.authenticate(secret, header, body); err != nil {
		return nil, err
	}
	data, err := decodePayload[T](body, t.wantShape)
	if err != nil {
		return nil, err
	}
	ev := trigger.Event[T]{Data: data}
	var doc any
	if t.idPath != nil || t.timePath != nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			// decodePayload accepted the body, so this is unexpected;
			// report it rather than guess.
			return nil, fmt.Errorf("%w: reading the id and time fields: %v", ErrPayload, err)
		}
	}
	switch {
	case t.idHeader != "":
		ev.ID = strings.TrimSpace(header.Get(t.idHeader))
		if ev.ID == "" {
			return nil, fmt.Errorf("%w: the delivery has no %s header to take the event id from; the sender must set it (or configure IDField instead)", ErrPayload, t.idHeader)
		}
		if len(ev.ID) > maxIDLen {
			return nil, fmt.Errorf("%w: the %s header is %d bytes long, above the %d-byte limit for an event id", ErrPayload, t.idHeader, len(ev.ID), maxIDLen)
		}
	case t.idPath != nil:
		v, ok := t.idPath.lookup(doc)
		if !ok {
			return nil, fmt.Errorf("%w: the payload has no id at %q (IDField); the sender's payload must carry it", ErrPayload, t.idPath.String())
		}
		if ev.ID, err = idFromValue(t.idPath, v); err != nil {
			return nil, err
		}
	default:
		sum := sha256.Sum256(body)
		ev.ID = hex.EncodeToString(sum[:])
	}
	ev.Time = t.now()
	if t.timePath != nil {
		if v, ok := t.timePath.lookup(doc); ok {
			if ev.Time, err = timeFromValue(t.timePath, v); err != nil {
				return nil, err
			}
		}
	}
	if t.accept != nil && !t.accept(data) {
		t.logger.Debug("webhook delivery filtered out by Accept", slog.String("trigger", t.info.Name), slog.String("event_id", ev.ID))
		return nil, nil
	}
	return []trigger.Event[T]{ev}, nil
}

func (t *webhookTrigger[T]) authenticate(secret auth.Secret, header http.Header, body []byte) error {
	switch t.verify.Kind {
	case HMACSHA256:
		return VerifyHubSignature([]byte(secret.Reveal()), header.Get(t.verify.Header), body)
	case SharedSecret:
		if t.verify.Query != "" {
			vals, relayed := header[QueryTokenHeader]
			if !relayed {
				return fmt.Errorf("%w: the token query parameter %q did not reach the trigger: mount the webhook handler behind webhook.TokenFromQuery(%q, handler)", trigger.ErrUnauthenticated, t.verify.Query, t.verify.Query)
			}
			token := ""
			if len(vals) > 0 {
				token = vals[0]
			}
			return VerifySharedSecret([]byte(secret.Reveal()), token, fmt.Sprintf("query parameter %q", t.verify.Query))
		}
		return VerifySharedSecret([]byte(secret.Reveal()), header.Get(t.verify.Header), "header "+t.verify.Header)
	}
	return nil
}
