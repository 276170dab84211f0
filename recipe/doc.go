// Package recipe is the recipe runtime: a builder for recipes written in
// Go, typed data pills compiled once, control flow, an Engine that turns
// trigger events into jobs and runs them, job records, and the Store that
// keeps it all across restarts.
//
// A recipe is a trigger followed by steps: [New] takes the trigger, the
// steps ([Do], [If], [ForEach], ...), trigger conditions ([When]) and the
// recipe's settings ([Concurrency], ...), and compiles every pill once. An
// [Engine] over a [Store] runs recipes: [Engine.Run] until its context
// ends, or [Engine.RunOnce] until caught up. The package examples are
// whole programs, compiled and run with the tests: a recipe acknowledging
// new Jira issues, a weekday-morning report from a schedule, a manual
// "search then act on each" sweep, and a listing of failed jobs.
//
// Package recipe never imports a connector: it runs any trigger.Trigger[T]
// and action.Action[In, Out].
//
// # Data pills
//
// Pills are expr-lang expressions (https://expr-lang.org), compiled once by
// [New] against a typed environment:
//
//   - trigger: the event's data (T);
//   - <step name>: the output (Out) of each earlier Do step; inside a
//     ForEach, its last iteration's; a step in a branch that did not run
//     reads as the zero value;
//   - <loop name>.item and .index: a ForEach's element and position;
//     item and index alone name the innermost loop's;
//   - vars.<name>: the variables declared by earlier Var steps;
//   - error (message, type, step, attempts, retryable): inside a Catch;
//   - now(): the time the job was created, fixed for the job's life so a
//     resumed job sees the same value.
//
// Field names are the `expr` struct tags (mirroring the JSON names), so
// pills read like the remote system's JSON. Optional values chain with ?.
// and default with ??; an optional chain of a string, number or bool
// compared or concatenated reads as that type's zero value when it stops at
// nil (trigger.fields.priority?.name == "High" is false, not an error).
// Syntax errors, unknown names and fields, references to later steps and
// results that do not fit the input field are reported by New with the
// recipe, step, field and position. Pills only read values: data from the
// remote system is never compiled. Each pill is capped in size
// ([MaxPillNodes]) and in memory at run time
// ([PillMemoryBudget]).
//
// Helper functions, all pure: present, blank, presence, default, coalesce,
// strip, upcase, downcase, capitalize, truncate, includes, starts_with,
// ends_with, parse_date, format_date, add_days, add_months, add_hours,
// add_minutes, beginning_of_day, days_between, to_i, to_f, to_s, besides
// expr's builtins (len, upper, lower, trim, split, join, replace, filter,
// map, any, all, sum, toJSON, ...).
//
// A pill's value fills its field when the types match, or by a lossless
// conversion: between numeric types when the value fits exactly, string to
// a string-based type or time.Time, lists and maps element by element, a
// map literal to a struct by field name, and a value to a pointer.
//
// # Jobs, checkpoints and crash safety
//
// Each accepted event becomes a job, stored before it runs. Accepting a
// page of events is one store transaction: the jobs are saved, their event
// IDs marked in the dedup ledger and the trigger's cursor advanced. A crash
// before the commit makes the trigger return the page again; the ledger
// drops what was already accepted.
//
// A job records each action step's input, output, error, attempts and
// duration, with auth.Secret values and fields tagged `recipe:"secret"`
// redacted. Before an action that is not idempotent (action.Info) runs,
// the records of the steps completed since the last checkpoint are saved;
// the job's final record saves the rest. After a crash the engine resumes
// unfinished jobs: completed steps whose records were saved are not run
// again (their stored outputs feed later pills; secrets in them read as
// "[redacted]"), so a non-idempotent step runs at most once more per crash,
// and only if the crash hit while it, or the steps after it up to the next
// non-idempotent step, were running.
//
// A worker stores a job's final record while it starts its next job when
// the job's last non-idempotent step is repeatable (action.Info: it checks
// its effect by key, as Jira's writes do), so the store write overlaps the
// next job's requests. On a store that serves one process and writes
// several jobs in one transaction (JobWriter: the memory and SQLite stores)
// a worker gathers such final records and commits them together: up to 32
// of them, none waiting more than 50 ms, and all of them whenever the
// worker has nothing to run or stops, so RunOnce and Stop return with every
// job stored. A crash before that write is committed resumes the job, which
// its first checkpoint marked running, and the step, run again with
// action.Effect.MayExist set, finds its change instead of making it twice.
// After any other step the final record is stored (with those gathered
// before it) before the worker goes on, so a crash runs at most one
// non-idempotent step per worker again. When a recipe's first step writes,
// the engine marks queued jobs running before the workers take them, a
// batch at a time (32 jobs, or four per unit of concurrency, in one
// transaction on a JobWriter store), so that checkpoint too is off the path
// between two requests; a crash before such a job starts resumes it with
// its first step marked as possibly made, which costs a step that checks
// its effect one lookup.
//
// [Engine.Jobs] iterates over jobs by recipe and status, newest first (the
// last failures of a recipe, say, or every job when no Limit is given), and
// [Engine.Job] reads one with its step records. Events a trigger condition
// drops keep no job: [Summary] counts them by the condition that was
// false, and the engine logs each at debug level. A failed job can be run again from its stored event with
// Engine.Rerun.
// Finished jobs are pruned as [WithRetention] says.
//
// # Retries
//
// Action steps retry errors that say a retry may help (rate limited,
// unavailable, a network failure, a change verified as not made) with
// capped exponential backoff: [DefaultStepRetry] unless the recipe sets
// [StepRetry] or the step [Retry]. A job that still fails that way is
// stored failed with [Job.NextAttempt] set ([JobRetry], by default
// [DefaultJobRetry]); RunOnce and Run run it again once that time has come,
// resuming from its checkpoints, the failed step keeping its effect key
// (action.Effect) marked as possibly made. Other failures are final until
// an operator calls [Engine.RerunFailed], which resumes a recipe's failed
// jobs in place. Jobs awaiting a retry are never pruned.
//
// # Schedules and manual runs
//
// A recipe whose trigger is a trigger.Schedule runs at fixed times; the
// engine sleeps until each one by its clock ([WithClock]) and stores the
// last run in the recipe's cursor, with the run's job, so a restart
// neither loses nor repeats a run (see trigger.Schedule for the catch-up
// and daylight-saving rules). [Engine.Trigger] hands any recipe an event
// from the program: the way a trigger.Manual recipe runs, and a way to run
// a scheduled one now. RunOnce runs what is due and what was handed over,
// which suits a program started by the system's cron.
//
// # Stores
//
// [NewMemoryStore] is for tests. Package recipe/sqlite is the embedded
// default, one SQLite file through a pure-Go driver. Package
// recipe/postgres keeps everything in a PostgreSQL database that several
// processes running the same recipes share: its store implements
// [Coordinator], and engines over it divide the work (one poller per
// recipe, jobs claimed under leases by any process, InOrder kept across
// the group, one webhook registration per group).
package recipe
