package ctxwait

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSleepReturnsNilAfterTheDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(context.Background(), 90*time.Second); err != nil {
			t.Fatalf("Sleep = %v, want nil once the duration is over", err)
		}
		if got := time.Since(start); got != 90*time.Second {
			t.Fatalf("Sleep returned after %s, want 1m30s", got)
		}
	})
}

func TestSleepEndsEarlyWhenTheContextIsCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep = %v, want context.Canceled", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Fatalf("Sleep returned after %s, want 1s, when the context was cancelled", got)
		}
	})
}

func TestSleepReturnsTheContextsErrorNotItsCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeoutCause(context.Background(), time.Minute, errors.New("the scene ran out of time"))
		defer cancel()
		if err := Sleep(ctx, time.Hour); err != context.DeadlineExceeded {
			t.Fatalf("Sleep = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestSleepOfZeroOrLessDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		for _, d := range []time.Duration{0, -time.Second} {
			if err := Sleep(context.Background(), d); err != nil {
				t.Errorf("Sleep(live context, %s) = %v, want nil", d, err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := Sleep(ctx, d); !errors.Is(err, context.Canceled) {
				t.Errorf("Sleep(cancelled context, %s) = %v, want context.Canceled", d, err)
			}
		}
		if got := time.Since(start); got != 0 {
			t.Fatalf("Sleep of zero or less took %s, want no wait", got)
		}
	})
}
