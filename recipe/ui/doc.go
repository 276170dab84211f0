// Package ui is an operator's web window onto a recipe store: the recipes
// and their state, the job history with filters and search, one job's
// trigger event and steps, re-runs of failed jobs, charts of jobs per
// minute and step durations, and live updates while a job runs.
//
// [New] returns an http.Handler that a program mounts where it likes, over
// any recipe.Store (memory, SQLite, PostgreSQL). Given the program's
// *recipe.Engine it also shows each recipe's poll state and offers start,
// stop and re-run buttons; without one it is read-only.
//
// # Security
//
// The handler refuses to be built without an [Authenticator]
// ([BearerToken], [BasicAuth], or the program's own [AuthFunc]). The only
// exception is the development mode, Options.DevLoopbackOnly, which asks
// for no credentials but answers only requests that come from a loopback
// address and name a loopback host (so a web page cannot reach it through
// DNS rebinding); never use it behind a proxy, where every request comes
// from loopback.
//
// Every change is a POST that carries a CSRF token tied to the
// authenticated user; GET requests change nothing. Pages are sent with a
// strict Content-Security-Policy (scripts and styles only from the
// handler's own files, no inline script, no framing). Everything that
// comes from the trigger or the steps (summaries, comments, URLs) is data:
// html/template escapes it and it is never run. Step inputs and outputs are
// stored with secrets redacted; the pages additionally hide the values of
// JSON keys that name secrets (password, token, secret, authorization,
// api key, cookie).
//
// The pages work without JavaScript; the small embedded script adds live
// updates (server-sent events) and keyboard navigation: "/" focuses the
// search box, "j" and "k" move through the job list, Enter opens a job.
package ui
