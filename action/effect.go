package action

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Effect identifies the one change a run of a writing step makes in a
// remote system (a comment added, an issue created, a link made), so that
// the change happens once however often the step is attempted.
//
// The runtime puts an Effect in the context of every Run of an action
// that is not Idempotent, with [WithEffect]. An action whose Info.EffectChecked is true reads it with
// [EffectOf] and keeps the contract:
//
//   - it writes Effect.Key with its change, in the same request, where the
//     remote system keeps it (a property of a comment or worklog, an issue
//     property, a remote link's global id, an Idempotency-Key header), or
//     it knows another way to recognise its change (a link of a type
//     between two issues, a version of a name in a project);
//   - when Effect.MayExist is true, or after an ambiguous failure of its
//     own request (a reset or timed-out connection, a 5xx answer to a
//     write), it looks its change up and returns it instead of sending the
//     request again; only a change verified absent is sent again;
//   - when Effect.MayExist is false and nothing goes wrong it sends its
//     request once and makes no lookup: exactly-once costs nothing on the
//     happy path.
type Effect struct {
	// Key is the same for every attempt of one step run, before and after
	// a crash and resume of the job: the runtime derives it from the
	// recipe, the job, the step and the iteration of each enclosing loop.
	// It is made of ASCII letters, digits and '-', at most 64 bytes, so it
	// fits a header, a property value or an external id.
	Key string
	// Attempt numbers the attempts of this step run made by this process,
	// from 1.
	Attempt int
	// MayExist reports that an earlier attempt of this step run may have
	// made the change: a retry after a failed attempt, or a job resumed
	// after an interruption at or before this step. The action checks for
	// its change before writing.
	MayExist bool
	// Since is no later than the start of the first attempt of this step
	// run (for a resumed job, the job's creation). Actions whose change
	// keeps no key (an uploaded attachment) match only changes made at or
	// after Since, give or take the clock difference with the remote
	// system.
	Since time.Time
}

type effectKey struct{}

// WithEffect returns a context carrying e, for the Run of one attempt of a
// step. The runtime calls it; tests of an action may too.
func WithEffect(ctx context.Context, e Effect) context.Context {
	return context.WithValue(ctx, effectKey{}, e)
}

// EffectOf returns the Effect ctx carries, and whether it carries one.
func EffectOf(ctx context.Context) (Effect, bool) {
	e, ok := ctx.Value(effectKey{}).(Effect)
	return e, ok && e.Key != ""
}

// EffectKey returns the effect key ctx carries, or "" when it carries
// none.
func EffectKey(ctx context.Context) string {
	e, _ := EffectOf(ctx)
	return e.Key
}

// EffectOrNew returns the Effect ctx carries or, when it carries none (an
// action run outside a recipe), a fresh one with a random key and now as
// Since: the action then still verifies, within this one Run, a change
// whose request ended ambiguously instead of sending it twice.
func EffectOrNew(ctx context.Context, now time.Time) Effect {
	if e, ok := EffectOf(ctx); ok {
		return e
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return Effect{Key: "rk-" + hex.EncodeToString(b[:]), Attempt: 1, Since: now}
}
