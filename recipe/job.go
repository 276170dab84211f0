package recipe

import (
	"encoding/json"
	"time"
)

// JobStatus is where a job stands.
type JobStatus string

// Job statuses. Pending and running jobs are unfinished: after a restart the
// engine resumes them. The other statuses are final.
const (
	// JobPending: accepted and stored, not started yet (or interrupted and
	// waiting to be resumed).
	JobPending JobStatus = "pending"
	// JobRunning: a worker is running the job's steps.
	JobRunning JobStatus = "running"
	// JobSucceeded: every step ran (or was skipped by control flow) without
	// an uncaught error.
	JobSucceeded JobStatus = "succeeded"
	// JobFailed: a step failed and no Try caught it, a Fail step ran, or a
	// pill could not be evaluated. A job that failed with a retryable
	// error has [Job.NextAttempt] set: the engine runs it again then,
	// resuming from its step checkpoints (see [JobRetry]).
	JobFailed JobStatus = "failed"
	// JobStopped: a Stop step ended the job early; this counts as success.
	JobStopped JobStatus = "stopped"
	// JobSkipped: the trigger condition (When) dropped the event. No job
	// record is kept for such events; the status appears in [Summary]
	// counts only.
	JobSkipped JobStatus = "skipped"
)

// Final reports whether the status is final (the job will not run again
// unless re-run explicitly).
func (s JobStatus) Final() bool {
	return s != JobPending && s != JobRunning
}

// Job is the record of one job: the event that caused it and what each step
// did. Step inputs and outputs are stored as JSON with secrets redacted
// (auth.Secret values and fields tagged `recipe:"secret"`).
type Job struct {
	// ID is unique within a store and sorts by creation time.
	ID string
	// Recipe is the name of the recipe the job belongs to.
	Recipe string
	// Event is the trigger event, with its data as JSON.
	Event EventRecord
	// Label names the event for people (an issue's key and summary), from
	// trigger.Labeler; empty when the trigger's data does not say.
	Label string
	// Status is where the job stands.
	Status JobStatus
	// Error is the message of the error that failed the job; empty
	// otherwise.
	Error string
	// ErrorType classifies Error (see [ErrorInfo.Type]).
	ErrorType string
	// Message is the message of the Stop step that ended the job, or of the
	// Fail step that failed it.
	Message string
	// RerunOf is the ID of the job this one re-runs; empty for a job made
	// from a new event.
	RerunOf string
	// Retries counts the times the job was run again after it failed
	// (by the engine's retry schedule or [Engine.RerunFailed]); 0 for a job
	// that has run once.
	Retries int
	// NextAttempt is when the engine runs a failed job again: set when the
	// job failed with a retryable error and its [JobRetry] policy allows
	// another run; zero otherwise (the failure is final until an operator
	// reruns it).
	NextAttempt time.Time
	// Created is when the job was accepted.
	Created time.Time
	// Finished is when the job reached a final status; zero until then.
	Finished time.Time
	// Steps lists the action steps the job ran, in the order they ran. A
	// step inside a loop appears once per iteration.
	Steps []StepRecord
}

// EventRecord is a trigger event as stored with its job.
type EventRecord struct {
	// ID is the event's dedup ID (trigger.Event.ID).
	ID string
	// Time is when the change happened at the source.
	Time time.Time
	// Data is the event's payload as JSON; Rerun decodes it back into the
	// trigger's type.
	Data json.RawMessage
}

// StepRecord is what one run of an action step did.
type StepRecord struct {
	// Seq numbers the step runs of a job from 0, in the order they ran.
	Seq int
	// Name is the step's name as given to Do.
	Name string
	// Action is the action's connector and name ("jira.add_comment").
	Action string
	// Input is the action's input as JSON, secrets redacted; empty when a
	// pill failed before the input was complete.
	Input json.RawMessage
	// Output is the action's output as JSON, secrets redacted; empty when
	// the step failed.
	Output json.RawMessage
	// Error is the error message when the step failed.
	Error string
	// ErrorType classifies Error (see [ErrorInfo.Type]).
	ErrorType string
	// Retryable reports whether the error said a retry might succeed.
	Retryable bool
	// Attempts is how many times the action ran for this record (1 plus
	// the step's own retries); 0 when it never ran (a pill or validation
	// failed first).
	Attempts int
	// Started is when the first attempt started.
	Started time.Time
	// Duration is the time from the first attempt's start to the last
	// attempt's end, waits between attempts included.
	Duration time.Duration
}

// RetryScheduled reports whether the job failed and the engine will run it
// again at NextAttempt.
func (j Job) RetryScheduled() bool { return j.Status == JobFailed && !j.NextAttempt.IsZero() }

// Failed reports whether the step ended with an error.
func (s StepRecord) Failed() bool { return s.Error != "" }
