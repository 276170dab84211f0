//go:build !linux

package jiratest

import (
	"context"
	"time"

	"github.com/recipekit/recipekit/internal/ctxwait"
)

// sleepPrecisely waits for d on a Go timer, which ends as late as the
// runtime wakes up: this platform's precise timers are not used. It
// reports false when ctx ends first.
func sleepPrecisely(ctx context.Context, d time.Duration) bool {
	return ctxwait.Sleep(ctx, d) == nil
}
