// Package bench holds recipekit's end-to-end benchmarks: whole recipes run
// by the engine against the Jira simulator over loopback, beside a bare
// net/http program making the same requests, so that the runtime's cost is
// measured as a ratio in one run on one machine rather than remembered.
//
// The simulator runs in a child process (the test binary started again), so
// the CPU time the benchmarks report is the client's alone, as it would be
// against a real Jira site:
//
//	go test ./bench -run '^$' -bench . -benchtime 3x
//
// BenchmarkCommentEachIssue is the job "JQL search of a project, then add a
// comment to each issue" over 1,000 issues with the SQLite store and
// Engine.RunOnce. It reports, per issue, the process CPU time (user and
// system) of recipekit and of the bare loop and their ratio, allocations,
// jobs per second and requests. Its latency variants add 5 ms to every
// request and report the wall time against the bound set by the
// concurrency, requests × 5 ms / concurrency, beside the same ratio for the
// bare loop making the same requests with the same concurrency (on a busy
// machine neither reaches the bound).
//
// RECIPEKIT_BENCH_SIM_CPUPROFILE=file in the environment makes the
// simulator process write a CPU profile of its whole life to file, to see
// what the simulator spends per request (its share of the wall time).
//
// The package has no code of its own; it exists for its benchmarks.
package bench
