package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// attemptTimeout bounds each attempt, reading the response body included,
// with a deadline on the request's context, which the transport watches in
// the select it waits in anyway. http.Client.Timeout bounds the same span
// but starts a goroutine to await the timer and another to await the
// cancellation for every request, and wakes both when it ends: two
// goroutines and their wake-ups per request, which a recipe's jobs pay on
// every call.
type attemptTimeout struct {
	base http.RoundTripper
	d    time.Duration
}

func (t *attemptTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, t.d)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() != nil && parent.Err() == nil
		cancel()
		if timedOut {
			err = &attemptTimeoutError{d: t.d, err: err}
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's deadline when its response body is
// closed: the deadline covers the reading of the body.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// attemptTimeoutError is an attempt that got no response within
// Options.Timeout. Like any timeout, it is a net.Error whose Timeout is
// true and it matches context.DeadlineExceeded.
type attemptTimeoutError struct {
	d   time.Duration
	err error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("%v (no response within the client's Timeout of %s)", e.err, e.d)
}

func (e *attemptTimeoutError) Unwrap() error { return e.err }

// Timeout reports true: the attempt timed out.
func (e *attemptTimeoutError) Timeout() bool { return true }

// Temporary reports true, as net.Error's timeouts do: another attempt
// may get an answer.
func (e *attemptTimeoutError) Temporary() bool { return true }

// Is matches context.DeadlineExceeded, which err may not wrap when the
// transport reports the deadline in words of its own.
func (e *attemptTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
