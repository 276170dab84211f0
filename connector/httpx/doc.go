// Package httpx builds the HTTP clients every connector uses: an
// [auth.Strategy] on top of a pooled transport, retries with capped
// exponential backoff and jitter, server-requested waits (Retry-After,
// X-RateLimit-Reset) honoured up to a cap, an optional client-side rate
// limit, and structured logging through an optional *slog.Logger that never
// records credentials.
//
// The retry policy protects writes: GET, HEAD, PUT, DELETE and OPTIONS are
// retried on 429, 502, 503, 504 and network errors; a POST or PATCH is sent
// once unless its context is marked with [WithIdempotent]. A network error
// on a request that was not retried wraps action.ErrOutcomeUnknown, because
// the server may have applied it.
//
// [Client.Do] returns the final response whatever its status, body intact;
// [CheckResponse] turns a non-2xx response into an [*Error] (or
// [*RateLimitError]) that says what to do and matches the sentinels
// ([ErrNotFound], [ErrForbidden]...) with errors.Is.
//
// httpx is the only package of the module that imports go-retryablehttp.
package httpx
