// Package httpx builds the HTTP clients every connector uses: an
// [auth.Strategy] on top of a pooled transport, retries with capped
// exponential backoff and jitter, server-requested waits (Retry-After,
// X-RateLimit-Reset) honoured up to a cap, an optional client-side rate
// limit, and structured logging through an optional *slog.Logger that never
// records credentials.
//
// The retry policy protects writes: GET, HEAD, PUT, DELETE and OPTIONS are
// retried on 429, 502, 503, 504 and network errors. A request the server
// refused without applying it ([Refused]: a 429, or a 503 that names a
// wait) is retried whatever its method, POST included, with the same waits
// and cap. Otherwise a POST or PATCH is sent once unless its context is
// marked with [WithIdempotent]: a 5xx answer to it is returned as is, and
// a network error after it may have reached the server wraps
// action.ErrOutcomeUnknown. The caller, who knows how to look its change
// up, decides whether to send it again.
//
// [Client.Do] returns the final response whatever its status, body intact;
// [CheckResponse] turns a non-2xx response into a [*StatusError]: status,
// headers, the start of the body and the wait the server asked for. The
// package knows HTTP, not the services behind it: each connector reads the
// body into its own errors, keeping the *StatusError underneath.
//
// httpx is the only package of the module that imports go-retryablehttp.
package httpx
