package action

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

type statusErr struct{ retry bool }

func (e statusErr) Error() string   { return "status" }
func (e statusErr) Retryable() bool { return e.retry }

func TestIsRetryable(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"unclassified", base, false},
		{"Retryable", Retryable(base), true},
		{"Permanent", Permanent(base), false},
		{"wrapped Retryable", fmt.Errorf("step: %w", Retryable(base)), true},
		{"own method, true", statusErr{retry: true}, true},
		{"own method, false", statusErr{retry: false}, false},
		{"outer classification decides", Permanent(statusErr{retry: true}), false},
		{"canceled, even if marked", Retryable(context.Canceled), false},
		{"validation", Invalid("issueKey", "is empty"), false},
	}
	for _, tt := range tests {
		if got := IsRetryable(tt.err); got != tt.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
	if Retryable(nil) != nil || Permanent(nil) != nil {
		t.Error("Retryable(nil) or Permanent(nil) is not nil")
	}
	if !errors.Is(Retryable(base), base) {
		t.Error("Retryable does not unwrap to the error it marks")
	}
}

func TestRetryPolicyBackoff(t *testing.T) {
	var zero RetryPolicy
	for attempt, want := range map[int]time.Duration{2: time.Second, 3: 2 * time.Second, 4: 4 * time.Second, 8: time.Minute, 100: time.Minute} {
		if got := zero.Backoff(attempt); got != want {
			t.Errorf("defaults: Backoff(%d) = %s, want %s", attempt, got, want)
		}
	}
	p := RetryPolicy{InitialInterval: 100 * time.Millisecond, Multiplier: 3, MaxInterval: time.Second}
	for attempt, want := range map[int]time.Duration{2: 100 * time.Millisecond, 3: 300 * time.Millisecond, 4: 900 * time.Millisecond, 5: time.Second} {
		if got := p.Backoff(attempt); got != want {
			t.Errorf("%+v: Backoff(%d) = %s, want %s", p, attempt, got, want)
		}
	}
}

func TestRetryPolicyShouldRetry(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 3}
	all := RetryPolicy{MaxAttempts: 3, RetryAll: true}
	plain := errors.New("boom")
	unknown := fmt.Errorf("POST /issue: %w", ErrOutcomeUnknown)
	tests := []struct {
		name       string
		p          RetryPolicy
		attempt    int
		err        error
		idempotent bool
		want       bool
	}{
		{"success", p, 1, nil, true, false},
		{"retryable", p, 1, Retryable(plain), false, true},
		{"attempts used up", p, 3, Retryable(plain), true, false},
		{"zero policy never retries", RetryPolicy{}, 1, Retryable(plain), true, false},
		{"unclassified", p, 1, plain, true, false},
		{"unclassified, RetryAll", all, 1, plain, false, true},
		{"validation, RetryAll", all, 1, Invalid("summary", "is empty"), true, false},
		{"outcome unknown, not idempotent", all, 1, unknown, false, false},
		{"outcome unknown, idempotent", p, 1, unknown, true, true},
		{"canceled", all, 1, context.Canceled, true, false},
		{"deadline, not idempotent", all, 1, context.DeadlineExceeded, false, false},
		{"deadline, idempotent, RetryAll", all, 1, context.DeadlineExceeded, true, true},
	}
	for _, tt := range tests {
		if got := tt.p.ShouldRetry(tt.attempt, tt.err, tt.idempotent); got != tt.want {
			t.Errorf("%s: ShouldRetry(%d, %v, %v) = %v, want %v", tt.name, tt.attempt, tt.err, tt.idempotent, got, tt.want)
		}
	}
}

func TestNewAction(t *testing.T) {
	info := Info{Name: "echo", Connector: "test"}
	a := New(info, nil, func(_ context.Context, in string) (string, error) { return in + "!", nil })
	if a.Info().Name != "echo" {
		t.Errorf("Info().Name = %q", a.Info().Name)
	}
	if err := a.Validate(""); err != nil {
		t.Errorf("Validate without a validation function = %v, want nil", err)
	}
	if out, err := a.Run(context.Background(), "hi"); out != "hi!" || err != nil {
		t.Errorf("Run = %q, %v", out, err)
	}
	v := New(info, func(in string) error {
		if in == "" {
			return Invalid("text", "is empty")
		}
		return nil
	}, func(context.Context, string) (string, error) { return "", nil })
	var ve *ValidationError
	if err := v.Validate(""); !errors.As(err, &ve) || ve.Field != "text" || err.Error() != `invalid input "text": is empty` {
		t.Errorf("Validate(\"\") = %v", err)
	}
}
