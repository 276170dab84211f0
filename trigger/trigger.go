package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/recipekit/recipekit/auth"
)

// Event is one thing that happened, as a trigger hands it to the runtime.
type Event[T any] struct {
	// ID identifies the event for deduplication. The same change seen twice
	// (by two polls, by a webhook and a poll) must get the same ID, and two
	// different changes must not. For a Jira issue change that is the issue
	// id and its updated time in epoch milliseconds.
	ID string
	// Time is when the change happened at the source.
	Time time.Time
	// Data is the typed payload that pills read as `trigger`.
	Data T
	// Raw, when not nil, is Data's JSON exactly as the trigger decoded it
	// (one JSON value that decodes to Data). The runtime then stores these
	// bytes as the job's record of the event instead of encoding Data
	// again. A trigger that changes Data after decoding it leaves Raw nil.
	// The runtime ignores Raw for a type holding secrets, which it encodes
	// redacted.
	Raw json.RawMessage
}

// Cursor is a trigger's opaque position. The runtime stores it and hands it
// back unchanged; a nil cursor means "first poll".
type Cursor []byte

// Page is what one poll returns.
type Page[T any] struct {
	// Events are handed to jobs in this order.
	Events []Event[T]
	// Next is the cursor for the following poll. The runtime stores it only
	// after every event of this page has been durably accepted, in the same
	// transaction, so a crash replays the page instead of losing it.
	Next Cursor
	// More reports that more events are ready now: the runtime polls again
	// at once instead of waiting for the next interval.
	More bool
	// Backlog is an estimate of how many events are still to come after
	// this page (a backfill's remaining issues, from an approximate count),
	// for progress reports; 0 when unknown or none.
	Backlog int64
}

// Info describes a trigger for catalogues, tools and job records.
type Info struct {
	// Name is the stable machine name, unique within a connector, such as
	// "new_issue".
	Name string
	// Connector names the connector that provides the trigger.
	Connector string
	// Title is a short human title, such as "New issue".
	Title string
	// Description says what the trigger emits and what it needs.
	Description string
	// PollInterval is how often the runtime calls Poll. For a webhook
	// trigger it is the interval of its reconciliation poll. Zero means
	// the trigger is never polled (a push-only trigger).
	PollInterval time.Duration
	// Permissions lists the permissions the remote system requires.
	Permissions []string
}

// Trigger is the part every trigger implements.
//
// Poll receives the cursor it returned last time (nil on the first call) and
// returns a page of events. The runtime calls Poll from one goroutine at a
// time per recipe and never concurrently with itself for the same recipe. A
// poll that fails returns an error and the runtime tries again at the next
// interval with the same cursor; an error wrapping [ErrBackOff] (see
// [BackOff]) asks it to wait longer first.
//
// Poll must be safe to call again with an older cursor after a crash: it
// returns the same events again, and the runtime's dedup ledger drops those
// already accepted.
type Trigger[T any] interface {
	Info() Info
	Poll(ctx context.Context, cursor Cursor) (Page[T], error)
}

// ErrBackOff asks the runtime to wait before the next poll. Use [BackOff]
// to say how long.
var ErrBackOff = errors.New("trigger asks to back off")

// BackOffError carries how long the runtime should wait before polling
// again. It matches ErrBackOff with errors.Is.
type BackOffError struct {
	// Wait is the least time the runtime waits before the next poll.
	Wait time.Duration
	// Reason says why, for logs and job records (a rate limit, a
	// maintenance window).
	Reason string
}

// Error says how long the trigger asks the runtime to wait, and why.
func (e *BackOffError) Error() string {
	return fmt.Sprintf("trigger asks to back off for %s: %s", e.Wait, e.Reason)
}

// Is reports whether target is ErrBackOff.
func (e *BackOffError) Is(target error) bool { return target == ErrBackOff }

// BackOff returns an error asking the runtime to wait at least wait.
func BackOff(wait time.Duration, reason string) error {
	return &BackOffError{Wait: wait, Reason: reason}
}

// Subscription is a webhook registration as the runtime stores it between
// runs.
type Subscription struct {
	// ID is the remote system's identifier of the registration.
	ID string
	// CallbackURL is where the remote system delivers events.
	CallbackURL string
	// Secret signs deliveries (HMAC); empty when the remote system
	// authenticates deliveries another way.
	Secret auth.Secret
	// ExpiresAt is when the remote system drops the registration unless it
	// is renewed; zero when it never expires.
	ExpiresAt time.Time
	// State is opaque data the trigger keeps with the registration.
	State []byte
}

// Webhook is a trigger that the remote system pushes events to.
//
// Lifecycle: when a recipe starts, the runtime calls Subscribe with the
// callback URL and the subscription it stored last time (zero if none); the
// trigger registers itself, replacing its own earlier registration for the
// same callback URL rather than adding a second, and returns the new
// subscription, which the runtime stores. Before ExpiresAt the runtime calls
// Renew (see RenewBefore). When the recipe stops for good the runtime calls
// Unsubscribe.
//
// For each delivery the runtime's handler reads the body (size capped) and
// calls Parse, which verifies the delivery (signature checked in constant
// time against the subscription's secret) and returns the events it carries;
// events the trigger does not want (another event type, outside its filter,
// caused by the connection's own account) are dropped by returning none. An
// error wrapping [ErrUnauthenticated] answers 401; any other error answers
// 400. The handler answers 2xx only once the events are durably accepted.
//
// Poll (from Trigger) is the reconciliation poll that catches deliveries
// the remote system never made; its events must have the same IDs as the
// delivered ones so duplicates are dropped.
type Webhook[T any] interface {
	Trigger[T]
	Subscribe(ctx context.Context, callbackURL string, prior Subscription) (Subscription, error)
	Renew(ctx context.Context, sub Subscription) (Subscription, error)
	Unsubscribe(ctx context.Context, sub Subscription) error
	Parse(sub Subscription, header http.Header, body []byte) ([]Event[T], error)
	// RenewBefore is how long before ExpiresAt the runtime renews.
	RenewBefore() time.Duration
}

// ErrUnauthenticated marks a delivery whose signature or shared secret is
// missing or wrong.
var ErrUnauthenticated = errors.New("webhook delivery not authenticated")

// Validator is implemented by triggers that can check their own
// configuration (options, filters) without any request. The runtime calls
// Validate when a recipe is built, so a bad option fails there, naming the
// recipe, instead of at the first poll.
type Validator interface {
	Validate() error
}

// Labeler is implemented by event data that can name itself for people,
// such as an issue's key and summary. The runtime stores the label with the
// event's job, where operators search and read it; keep it short (the
// runtime cuts it at 200 bytes) and free of secrets.
type Labeler interface {
	EventLabel() string
}
