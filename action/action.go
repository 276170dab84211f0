package action

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Info describes an action for catalogues, tools and job records.
type Info struct {
	// Name is the stable machine name, unique within a connector, such as
	// "create_issue".
	Name string
	// Connector names the connector that provides the action, such as "jira".
	Connector string
	// Title is a short human title, such as "Create issue".
	Title string
	// Description says what the action does and what it needs.
	Description string
	// Idempotent is true when running the action twice with the same input has
	// the same effect as running it once, so the runtime may retry it after an
	// ambiguous failure and re-run it after a crash.
	Idempotent bool
	// EffectChecked is true when Run keeps the contract of [Effect]: it
	// writes the step run's effect key with its change and, when an
	// earlier attempt may have made the change, looks it up before writing
	// again. The runtime may then retry the action after an ambiguous
	// failure and run it again after a crash, like an idempotent one.
	EffectChecked bool
	// Permissions lists the permissions the remote system requires, in its
	// own vocabulary (for Jira: "CREATE_ISSUES", "ADD_COMMENTS", ...).
	Permissions []string
}

// Repeatable reports whether running the action again after an ambiguous
// failure or a crash cannot duplicate its effect: it is idempotent, or it
// checks its effect by key (EffectChecked).
func (i Info) Repeatable() bool { return i.Idempotent || i.EffectChecked }

// Action is one typed operation a recipe step runs.
//
// Validate is called before Run, and before any request is sent; it reports
// every problem with the input at once where it can. Run performs the
// operation. Both may be called from many goroutines at once.
type Action[In, Out any] interface {
	Info() Info
	Validate(in In) error
	Run(ctx context.Context, in In) (Out, error)
}

// Func is the run function of an action built with [New].
type Func[In, Out any] func(ctx context.Context, in In) (Out, error)

// New builds an action from its metadata, an optional validation function
// and a run function.
func New[In, Out any](info Info, validate func(In) error, run Func[In, Out]) Action[In, Out] {
	return funcAction[In, Out]{info: info, validate: validate, run: run}
}

type funcAction[In, Out any] struct {
	info     Info
	validate func(In) error
	run      Func[In, Out]
}

func (a funcAction[In, Out]) Info() Info { return a.info }

func (a funcAction[In, Out]) Validate(in In) error {
	if a.validate == nil {
		return nil
	}
	return a.validate(in)
}

func (a funcAction[In, Out]) Run(ctx context.Context, in In) (Out, error) {
	return a.run(ctx, in)
}

// ErrOutcomeUnknown marks a failure after which the caller cannot know
// whether the remote system applied the request (a timeout or a lost
// connection after a POST was sent, a 5xx answer to a create). Retrying
// such a request blindly may apply it twice.
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may or may not have been applied")

// ValidationError reports bad input found before any request was sent.
type ValidationError struct {
	// Field is the input field at fault, as pills spell it ("issueKey").
	Field string
	// Problem says what is wrong and what to do about it.
	Problem string
}

// Error names the field, quoted, and the problem.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "invalid input: " + e.Problem
	}
	return fmt.Sprintf("invalid input %q: %s", e.Field, e.Problem)
}

// Invalid returns a *ValidationError for field.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

type classified struct {
	err       error
	retryable bool
}

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() error   { return c.err }
func (c *classified) Retryable() bool { return c.retryable }

// Retryable marks err as worth retrying (a rate limit, a 503). It returns nil
// for a nil error.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, retryable: true}
}

// Permanent marks err as not worth retrying (bad input, a missing
// permission, an unknown outcome of a non-idempotent request). It returns nil
// for a nil error.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, retryable: false}
}

// IsRetryable reports whether err says a retry may succeed. The first error
// in the chain with a Retryable() bool method decides; errors that carry no
// classification, validation errors and ErrOutcomeUnknown are not retryable,
// and context cancellation never is.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return false
}

// RetryPolicy says how a step retries a failed action. The zero value means
// "never retry".
type RetryPolicy struct {
	// MaxAttempts is the number of attempts in all, including the first.
	// 0 and 1 both mean a single attempt.
	MaxAttempts int
	// InitialInterval is the wait before the second attempt. Default 1s.
	InitialInterval time.Duration
	// Multiplier grows the wait after each attempt. Default 2.
	Multiplier float64
	// MaxInterval caps the wait between attempts. Default 1 minute.
	MaxInterval time.Duration
	// RetryAll retries every error, not only those IsRetryable accepts.
	// Errors wrapping ErrOutcomeUnknown are still retried only when the
	// action is repeatable (Info.Repeatable).
	RetryAll bool
	// MaxElapsed caps the time over which attempts are made: no attempt
	// starts later than MaxElapsed after the first one started. 0 means no
	// cap other than MaxAttempts.
	MaxElapsed time.Duration
}

// Validate reports a policy that cannot be what was meant: a negative
// count, duration or multiplier.
func (p RetryPolicy) Validate() error {
	var errs []error
	if p.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("MaxAttempts is %d: give the number of attempts in all (1 for no retries)", p.MaxAttempts))
	}
	if p.InitialInterval < 0 || p.MaxInterval < 0 || p.MaxElapsed < 0 {
		errs = append(errs, errors.New("InitialInterval, MaxInterval and MaxElapsed must not be negative: use 0 for the defaults (1s, 1m, no cap)"))
	}
	if p.Multiplier < 0 {
		errs = append(errs, fmt.Errorf("Multiplier is %v: give a factor of at least 1, or 0 for the default 2", p.Multiplier))
	}
	if len(errs) > 0 {
		return fmt.Errorf("retry policy: %w", errors.Join(errs...))
	}
	return nil
}

// WithinElapsed reports whether an attempt that would start after elapsed
// (the time since the first attempt started) is inside MaxElapsed.
func (p RetryPolicy) WithinElapsed(elapsed time.Duration) bool {
	return p.MaxElapsed <= 0 || elapsed <= p.MaxElapsed
}

// Backoff returns the wait before attempt number attempt (2 for the first
// retry), with the policy's defaults applied.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	initial := p.InitialInterval
	if initial <= 0 {
		initial = time.Second
	}
	mult := p.Multiplier
	if mult < 1 {
		mult = 2
	}
	maxWait := p.MaxInterval
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	wait := float64(initial)
	for i := 2; i < attempt; i++ {
		wait *= mult
		if wait >= float64(maxWait) {
			return maxWait
		}
	}
	return min(time.Duration(wait), maxWait)
}

// ShouldRetry reports whether attempt (1 for the first) failed with err may
// be followed by another, for an action that is idempotent or not; pass
// Info.Repeatable() as idempotent, so that an action which checks its
// effect by key is retried after an ambiguous failure too.
func (p RetryPolicy) ShouldRetry(attempt int, err error, idempotent bool) bool {
	if err == nil || attempt >= p.MaxAttempts {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !idempotent {
		return false
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return false
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		return idempotent
	}
	return p.RetryAll || IsRetryable(err)
}
