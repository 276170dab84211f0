package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/recipekit/recipekit/trigger"
)

// webhookSource hides the trigger's type parameter of a trigger.Webhook.
type webhookSource interface {
	subscribe(ctx context.Context, callbackURL string, prior trigger.Subscription) (trigger.Subscription, error)
	renew(ctx context.Context, sub trigger.Subscription) (trigger.Subscription, error)
	unsubscribe(ctx context.Context, sub trigger.Subscription) error
	parse(sub trigger.Subscription, h http.Header, body []byte) ([]rawEvent, error)
	renewBefore() time.Duration
}

type typedSource[T any] struct {
	t      trigger.Trigger[T]
	wh     trigger.Webhook[T]
	timed  trigger.Timed[T]
	redact *redactor
	typ    reflect.Type
}

func newSource[T any](t trigger.Trigger[T]) source {
	s := &typedSource[T]{t: t, typ: reflect.TypeFor[T]()}
	s.redact = redactorFor(s.typ)
	if wh, ok := t.(trigger.Webhook[T]); ok {
		s.wh = wh
	}
	if timed, ok := t.(trigger.Timed[T]); ok {
		s.timed = timed
	}
	return s
}

func (s *typedSource[T]) info() trigger.Info     { return s.t.Info() }
func (s *typedSource[T]) dataType() reflect.Type { return s.typ }

func toRaw[T any](evs []trigger.Event[T]) []rawEvent {
	out := make([]rawEvent, len(evs))
	for i, e := range evs {
		out[i] = rawEvent{ID: e.ID, Time: e.Time, Data: e.Data, Raw: e.Raw}
	}
	return out
}

func (s *typedSource[T]) poll(ctx context.Context, cursor trigger.Cursor, now time.Time) (rawPage, error) {
	if s.timed != nil {
		p, next, err := s.timed.Due(cursor, now)
		if err != nil {
			return rawPage{}, err
		}
		return rawPage{Events: toRaw(p.Events), Next: p.Next, More: p.More, Backlog: p.Backlog, NextDue: next}, nil
	}
	p, err := s.t.Poll(ctx, cursor)
	if err != nil {
		return rawPage{}, err
	}
	return rawPage{Events: toRaw(p.Events), Next: p.Next, More: p.More, Backlog: p.Backlog}, nil
}

func (s *typedSource[T]) convert(data any) (any, error) {
	switch d := data.(type) {
	case nil:
		var zero T
		return zero, nil
	case T:
		return d, nil
	case *T:
		if d != nil {
			return *d, nil
		}
	case json.RawMessage:
		return s.decode(d)
	}
	return nil, fmt.Errorf("the event data is %T, but the recipe's trigger takes %s: pass a %s, its JSON as a json.RawMessage, or nil for the zero value", data, s.typ, s.typ)
}

func (s *typedSource[T]) decode(data json.RawMessage) (any, error) {
	var v T
	if len(data) > 0 {
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode stored event data as %s: %w", s.typ, err)
		}
	}
	return v, nil
}

func (s *typedSource[T]) encode(buf *recordBuf, data any, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) > 0 && !s.redact.secrets {
		// Capped, as recordBuf's records are: an append copies.
		return raw[:len(raw):len(raw)], nil
	}
	return buf.marshal(s.redact, data)
}

func (s *typedSource[T]) set(env reflect.Value, field int, data any) {
	p := env.Field(field).Addr().Interface().(*T)
	*p = data.(T)
}

func (s *typedSource[T]) webhook() webhookSource {
	if s.wh == nil {
		return nil
	}
	return s
}

func (s *typedSource[T]) subscribe(ctx context.Context, u string, prior trigger.Subscription) (trigger.Subscription, error) {
	return s.wh.Subscribe(ctx, u, prior)
}

func (s *typedSource[T]) renew(ctx context.Context, sub trigger.Subscription) (trigger.Subscription, error) {
	return s.wh.Renew(ctx, sub)
}

func (s *typedSource[T]) unsubscribe(ctx context.Context, sub trigger.Subscription) error {
	return s.wh.Unsubscribe(ctx, sub)
}

func (s *typedSource[T]) parse(sub trigger.Subscription, h http.Header, body []byte) ([]rawEvent, error) {
	evs, err := s.wh.Parse(sub, h, body)
	if err != nil {
		return nil, err
	}
	return toRaw(evs), nil
}

func (s *typedSource[T]) renewBefore() time.Duration { return s.wh.RenewBefore() }
