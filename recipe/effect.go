package recipe

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/recipekit/recipekit/action"
)

// effectKeyPrefix starts every effect key; the digit is the version of
// the derivation below, so a future change cannot collide with old keys.
const effectKeyPrefix = "rk1-"

// EffectKey returns the effect key of one run of a step: the same for
// every attempt of that run, before and after the job is resumed, and
// different for every other recipe, job, step or loop iteration.
// iterations holds the iteration of each enclosing ForEach (from 0) and
// Repeat (from 1), outermost first. Actions see the key through
// [action.EffectOf]; operators can compute it to find what a step wrote
// (a Jira comment's recipekit.effect property, an Idempotency-Key header).
// A Try block that runs its body again reuses the keys of its steps: the
// step's change is made once per job and iteration, not once per attempt.
func EffectKey(recipe, jobID, step string, iterations ...int) string {
	// One buffer on the stack holds the whole input of the hash (it moves
	// to the heap only for very long names) and another the key: one
	// allocation per key, the string.
	var in [256]byte
	b := in[:0]
	for _, part := range [...]string{recipe, jobID, step} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	for _, i := range iterations {
		b = binary.BigEndian.AppendUint64(b, uint64(i))
	}
	sum := sha256.Sum256(b)
	var key [len(effectKeyPrefix) + 40]byte
	copy(key[:], effectKeyPrefix)
	hex.Encode(key[len(effectKeyPrefix):], sum[:20])
	return string(key[:])
}

// effect returns the Effect of the step run starting now. In a resumed
// job, a step run with no stored record may have made its change before
// the interruption (the record of a finished step is stored only at the
// next checkpoint), so it is marked MayExist and matched from the job's
// creation on.
func (x *jobExec) effect(step string, now time.Time) action.Effect {
	e := action.Effect{Key: EffectKey(x.r.name, x.job.ID, step, x.loops...), Since: now}
	if x.info.Resumed {
		e.MayExist = true
		e.Since = x.job.Created
	}
	if x.retrying > 0 {
		e.MayExist = true
		if x.retrySince.Before(e.Since) {
			e.Since = x.retrySince
		}
	}
	return e
}
