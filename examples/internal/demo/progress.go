package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// Reporter shows what the engine does, through its hooks: a line per job
// as it starts, a line per step as it finishes, the job's outcome, and the
// progress of a catch-up (N of about M events). On a terminal the progress
// is a bar redrawn in place; elsewhere (a pipe, a file, CI) it is a plain
// line whenever the figures change. It also counts finished jobs, so a
// program can wait for some number of them and print a summary.
//
// Pass it to the engine with recipe.WithHooks; an engine without it runs
// the same, silently (or logging through recipe.WithLogger). It is safe
// for concurrent use.
type Reporter struct {
	recipe.NopHooks

	w     io.Writer
	tty   bool
	store recipe.Store

	mu       sync.Mutex
	counts   map[recipe.JobStatus]int
	finished int
	failures []string
	labels   map[string]string
	progress map[string][2]int64
	bar      string // the bar currently drawn, "" if none
	changed  chan struct{}
}

// NewReporter returns a reporter writing to w, drawing progress bars when
// w is a terminal. store, when not nil, is read to label each job with its
// event (an issue key and summary).
func NewReporter(w io.Writer, store recipe.Store) *Reporter {
	f, ok := w.(*os.File)
	return newReporter(w, ok && isTerminal(f), store)
}

// isTerminal reports whether f is a character device (a terminal, not a
// file or a pipe).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newReporter(w io.Writer, tty bool, store recipe.Store) *Reporter {
	return &Reporter{
		w: w, tty: tty, store: store,
		counts:   map[recipe.JobStatus]int{},
		labels:   map[string]string{},
		progress: map[string][2]int64{},
		changed:  make(chan struct{}),
	}
}

// Printf prints a line (a newline is added), keeping the progress bar
// below it.
func (r *Reporter) Printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.printLocked(fmt.Sprintf(format, args...))
}

func (r *Reporter) printLocked(line string) {
	if r.bar != "" {
		fmt.Fprint(r.w, "\r\033[K")
	}
	fmt.Fprintln(r.w, line)
	if r.bar != "" {
		fmt.Fprint(r.w, r.bar)
	}
}

// JobStarted prints the job's recipe and event.
func (r *Reporter) JobStarted(ctx context.Context, job recipe.JobInfo) {
	label := job.EventID
	if r.store != nil {
		if j, err := r.store.Job(ctx, job.ID); err == nil {
			if l := EventLabel(j.Event.Data); l != "" {
				label = l
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.labels[job.ID] = label
	how := ""
	switch {
	case job.Resumed:
		how = " (resumed)"
	case job.RerunOf != "":
		how = " (re-run)"
	}
	r.printLocked(fmt.Sprintf("[%s] %s%s", job.Recipe, label, how))
}

// StepFinished prints the step's outcome.
func (r *Reporter) StepFinished(ctx context.Context, job recipe.JobInfo, step recipe.StepRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if step.Failed() {
		r.printLocked(fmt.Sprintf("    ✗ %s (%s): %s", step.Name, step.Action, step.Error))
		return
	}
	r.printLocked(fmt.Sprintf("    ✓ %s (%s) %s", step.Name, step.Action, roundDuration(step.Duration)))
}

// JobFinished prints the job's final status and counts it.
func (r *Reporter) JobFinished(ctx context.Context, job recipe.JobInfo, res recipe.JobResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[res.Status]++
	r.finished++
	label := r.labels[job.ID]
	delete(r.labels, job.ID)
	line := fmt.Sprintf("    → %s", res.Status)
	if res.Message != "" {
		line += ": " + res.Message
	}
	if res.Status == recipe.JobFailed {
		if res.Error != "" {
			line += ": " + res.Error
		}
		r.failures = append(r.failures, fmt.Sprintf("[%s] %s: %s", job.Recipe, label, firstNonEmpty(res.Error, res.Message)))
	}
	r.printLocked(line)
	close(r.changed)
	r.changed = make(chan struct{})
}

// PollFinished reports a failed poll (the engine tries again later).
func (r *Reporter) PollFinished(ctx context.Context, name string, res recipe.PollResult) {
	if res.Err == nil || ctx.Err() != nil {
		return
	}
	r.Printf("[%s] poll failed (will retry in %s): %v", name, res.Wait.Round(time.Second), res.Err)
}

// Progress shows how far a recipe's catch-up has come.
func (r *Reporter) Progress(ctx context.Context, name string, done, total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if total < done {
		total = done
	}
	if old, ok := r.progress[name]; (ok && old == [2]int64{done, total}) || total == 0 {
		return
	}
	r.progress[name] = [2]int64{done, total}
	if !r.tty {
		r.printLocked(fmt.Sprintf("[%s] %d of about %d events", name, done, total))
		return
	}
	bar := ProgressBar(name, done, total, 30)
	if done >= total {
		// Caught up: leave the final bar on its own line.
		if r.bar != "" {
			fmt.Fprint(r.w, "\r\033[K")
		}
		fmt.Fprintln(r.w, bar)
		r.bar = ""
		return
	}
	fmt.Fprint(r.w, "\r\033[K"+bar)
	r.bar = bar
}

// ProgressBar renders "[#####-----] 12 of about 40 events (name)" with a
// bar of width cells.
func ProgressBar(name string, done, total int64, width int) string {
	filled := width
	if total > 0 && done < total {
		filled = int(done * int64(width) / total)
	}
	return fmt.Sprintf("[%s%s] %d of about %d events (%s)", strings.Repeat("#", filled), strings.Repeat("-", width-filled), done, total, name)
}

// Finished returns the number of jobs that reached a final status.
func (r *Reporter) Finished() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished
}

// Counts returns the finished jobs by status.
func (r *Reporter) Counts() map[recipe.JobStatus]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.counts)
}

// Failures describes the failed jobs, one per line.
func (r *Reporter) Failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.failures)
}

// WaitFinished blocks until at least n jobs have finished or ctx ends.
func (r *Reporter) WaitFinished(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		got, ch := r.finished, r.changed
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d jobs (%d finished): %w", n, got, context.Cause(ctx))
		case <-ch:
		}
	}
}

// WaitFor blocks until cond holds or ctx ends. It checks cond at once,
// after each job finishes and every few milliseconds (for what changes
// without a job, such as a webhook registration). what describes the
// condition in the error.
func (r *Reporter) WaitFor(ctx context.Context, what string, cond func() bool) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting until %s: %w", what, context.Cause(ctx))
		case <-ch:
		case <-tick.C:
		}
	}
}

// PrintSummary prints the jobs counted by status, and the failures.
func (r *Reporter) PrintSummary() {
	r.mu.Lock()
	counts := maps.Clone(r.counts)
	failures := slices.Clone(r.failures)
	r.mu.Unlock()
	r.Printf("%s", SummaryLine(counts))
	for _, f := range failures {
		r.Printf("  failed: %s", f)
	}
}

// SummaryLine renders job counts as "summary: 3 jobs: 3 succeeded".
func SummaryLine(counts map[recipe.JobStatus]int) string {
	total := 0
	var parts []string
	for _, st := range []recipe.JobStatus{recipe.JobSucceeded, recipe.JobStopped, recipe.JobFailed, recipe.JobSkipped, recipe.JobPending, recipe.JobRunning} {
		n := counts[st]
		if n == 0 {
			continue
		}
		if st != recipe.JobSkipped {
			total += n
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, st))
	}
	if len(parts) == 0 {
		return "summary: no new events, nothing to do"
	}
	return fmt.Sprintf("summary: %d jobs: %s", total, strings.Join(parts, ", "))
}

// EventLabel describes a trigger event's data for a progress line:
// `DEMO-7 "Login fails"`, with the comment's start for comment events, or
// `desk ticket.updated: ticket #1001 "Export fails"` for a support desk's
// webhook. It returns "" for other data.
func EventLabel(data json.RawMessage) string {
	var ev struct {
		Key    string `json:"key"`
		Fields struct {
			Summary string `json:"summary"`
		} `json:"fields"`
		Issue *struct {
			Key    string `json:"key"`
			Fields struct {
				Summary string `json:"summary"`
			} `json:"fields"`
		} `json:"issue"`
		Comment *struct {
			Body string `json:"body"`
		} `json:"comment"`
		// A support desk's webhook: an event about a ticket.
		Type   string `json:"type"`
		Ticket *struct {
			ID      string `json:"id"`
			Subject string `json:"subject"`
		} `json:"ticket"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return ""
	}
	if ev.Ticket != nil && ev.Ticket.ID != "" {
		return fmt.Sprintf("desk %s: ticket #%s %q", ev.Type, ev.Ticket.ID, ev.Ticket.Subject)
	}
	key, summary := ev.Key, ev.Fields.Summary
	if ev.Issue != nil && ev.Issue.Key != "" {
		key, summary = ev.Issue.Key, ev.Issue.Fields.Summary
	}
	if key == "" {
		return ""
	}
	label := key
	if summary != "" {
		label += fmt.Sprintf(" %q", summary)
	}
	if ev.Comment != nil && ev.Comment.Body != "" {
		label += fmt.Sprintf(" comment %q", shorten(ev.Comment.Body, 40))
	}
	return label
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// roundDuration keeps two or three significant digits: 412µs, 12ms, 1.2s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
