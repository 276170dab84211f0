package exampleutil

import (
	"context"
	"fmt"
	"time"
)

// Beat is one moment of an offline scene: simulated people doing
// something in the simulator.
type Beat struct {
	// After is the pause before the beat, in real time at speed 1.
	After time.Duration
	// Do performs the beat and returns what happened, for the output
	// ("Alice files DEMO-6 \"Checkout button does nothing\""); an empty
	// description prints nothing.
	Do func(ctx context.Context) (string, error)
}

// PlayScene performs the beats in order, pausing before each for
// After/speed (no pause when speed is 0), and prints each description
// through rep as "  · <description>". It stops at the first error or when
// ctx ends.
func PlayScene(ctx context.Context, rep *Reporter, speed float64, beats []Beat) error {
	for i, b := range beats {
		if err := Pause(ctx, b.After, speed); err != nil {
			return err
		}
		what, err := b.Do(ctx)
		if err != nil {
			return fmt.Errorf("offline scene, step %d: %w", i+1, err)
		}
		if what != "" {
			rep.Printf("  · %s", what)
		}
	}
	return nil
}

// Pause waits d/speed, or not at all when speed is 0 or less, or until ctx
// ends. It paces the offline scenes for people watching; nothing waits on
// it for correctness.
func Pause(ctx context.Context, d time.Duration, speed float64) error {
	if speed <= 0 || d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(float64(d) / speed))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
