package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// EffectProperty is the entity property in which a writing action records
// the effect key of the step run that made its change ({"key": "<effect
// key>"}): on the comment it adds, the worklog it logs and the issue it
// creates. An action that is not sure whether an earlier attempt made its
// change (see action.Effect) looks for this property before writing again.
const EffectProperty = "recipekit.effect"

// maxEffectWrites bounds the requests one step run sends for its change;
// every one after the first follows a lookup that found the change absent.
const maxEffectWrites = 3

// effectSkew is how far Jira's clock may run behind ours: a change made by
// an earlier attempt is looked for among changes Jira dates no earlier
// than the step run's start minus effectSkew.
const effectSkew = 5 * time.Minute

// effectValue is the value of EffectProperty for key.
func effectValue(key string) map[string]string { return map[string]string{"key": key} }

// effectProperties is the properties array a create request carries.
func effectProperties(key string) []EntityProperty {
	return []EntityProperty{{Key: EffectProperty, Value: effectValue(key)}}
}

// carriesEffect reports whether props record key in EffectProperty.
func carriesEffect(props []EntityProperty, key string) bool {
	for _, p := range props {
		if p.Key != EffectProperty {
			continue
		}
		if m, ok := p.Value.(map[string]any); ok && m["key"] == key {
			return true
		}
	}
	return false
}

// since returns the earliest time, by Jira's clock, at which the change of
// effect e may have been made; zero when unknown.
func since(e action.Effect) time.Time {
	if e.Since.IsZero() {
		return time.Time{}
	}
	return e.Since.Add(-effectSkew)
}

// effectWrite is a change that can be looked up after an ambiguous outcome.
type effectWrite[T any] struct {
	// what names the change for messages: "adding a comment to DEMO-1".
	what string
	// write sends the change, carrying the effect's key where Jira keeps it.
	write func(ctx context.Context, e action.Effect) (T, error)
	// find looks the change up: found is true when the change exists, and
	// the result is then what write would have returned (or close to it).
	find func(ctx context.Context, e action.Effect) (result T, found bool, err error)
	// resendRefused makes exactlyOnce send the write again after a
	// refusal (see httpx.Refused), waiting as the server asked: for a
	// streamed body, which the HTTP layer cannot resend itself.
	resendRefused bool
}

// maxRefusedResends bounds the resends of a refused streamed write, and
// maxRefusedWait the wait before each.
const (
	maxRefusedResends = 4
	maxRefusedWait    = time.Minute
)

// exactlyOnce makes the change of w at most once per step run, and at
// least once unless it fails for a known reason:
//
//   - when the context's action.Effect says an earlier attempt may have
//     made it (a retry, a resumed job), it looks the change up first and
//     returns it if found;
//   - it writes; after an ambiguous failure (no answer, a timeout, a 5xx
//     that is not a refusal) it looks the change up and returns it if
//     found, or writes again, up to maxEffectWrites writes.
//
// On the happy path it sends the write alone. An action run outside a
// recipe gets a fresh key per Run (action.EffectOrNew), so the lookup
// after an ambiguous failure works there too.
func exactlyOnce[T any](ctx context.Context, c *Client, w effectWrite[T]) (T, error) {
	var zero T
	e := action.EffectOrNew(ctx, time.Now())
	if e.MayExist {
		v, found, err := w.find(ctx, e)
		if err != nil {
			return zero, fmt.Errorf("jira: %s: an earlier attempt may have made the change, and looking it up failed, so nothing was sent; the step can be retried: %w", w.what, withOutcomeUnknown(err))
		}
		if found {
			c.logger.DebugContext(ctx, "jira: the change of an earlier attempt exists; not sending it again", "change", w.what, "effect", e.Key)
			return v, nil
		}
	}
	var lastErr error
	refusals := 0
	for attempt := 1; attempt <= maxEffectWrites; attempt++ {
		v, err := w.write(ctx, e)
		if err == nil {
			return v, nil
		}
		var se *httpx.StatusError
		if w.resendRefused && refusals < maxRefusedResends && errors.As(err, &se) && httpx.Refused(se.StatusCode, se.Header) && se.Wait <= maxRefusedWait {
			refusals++
			attempt-- // a refused write was not applied: it does not count
			if err := c.sleep(ctx, max(se.Wait, time.Second)); err != nil {
				return zero, err
			}
			continue
		}
		if !isAmbiguous(err) {
			return zero, err
		}
		if ctx.Err() != nil {
			return zero, fmt.Errorf("jira: %s: the outcome is unknown and the time to find out ran out; a retry of the step looks the change up before sending it: %w", w.what, withOutcomeUnknown(err))
		}
		lastErr = err
		c.logger.WarnContext(ctx, "jira: write outcome unknown; looking the change up", "change", w.what, "attempt", attempt, "error", err)
		v, found, lerr := w.find(ctx, e)
		if lerr != nil {
			return zero, fmt.Errorf("jira: %s: the outcome is unknown, and looking the change up failed (%v); a retry of the step looks it up again before sending it: %w", w.what, lerr, withOutcomeUnknown(err))
		}
		if found {
			return v, nil
		}
	}
	return zero, fmt.Errorf("jira: %s: %d attempts ended without an answer and none made the change; a retry of the step looks it up again before sending it: %w", w.what, maxEffectWrites, withOutcomeUnknown(lastErr))
}

func withOutcomeUnknown(err error) error {
	if errors.Is(err, action.ErrOutcomeUnknown) {
		return err
	}
	return fmt.Errorf("%w: %w", action.ErrOutcomeUnknown, err)
}

// isAmbiguous reports whether a failed write may have been applied: no
// answer (a reset or timed-out connection), or a 5xx answer that is not a
// refusal. A refusal (429, or a 503 naming a wait: see httpx.Refused) and
// 501 were not applied.
func isAmbiguous(err error) bool {
	if errors.Is(err, action.ErrOutcomeUnknown) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *httpx.StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 500 && se.StatusCode != http.StatusNotImplemented && !httpx.Refused(se.StatusCode, se.Header)
	}
	return errors.Is(err, ErrServer)
}
