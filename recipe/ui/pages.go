package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

type userKey struct{}

func withUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// pageData is what every page template receives.
type pageData struct {
	Title     string
	Prefix    string
	CSRF      string
	User      string
	CanChange bool
	Error     string
	Notice    string

	Recipes    []recipeRow
	Recipe     *recipeRow
	JobsChart  template.HTML
	StepsChart template.HTML
	Totals     []statusCount

	Filter   jobFilter
	Jobs     []jobRow
	NextPage string
	Names    []string
	Statuses []recipe.JobStatus

	Job   *jobView
	Live  bool
	Reran string
}

type statusCount struct {
	Status recipe.JobStatus
	Count  int
}

type recipeRow struct {
	Name           string
	State          string
	Trigger        string
	Known          bool // added to the engine
	Stopped        bool
	LastPoll       string
	LastPollResult string
	LastPollError  string
	Lag            string
	Backlog        string
	Counts         []statusCount
	Total          int
}

type jobRow struct {
	ID      string
	Recipe  string
	Status  recipe.JobStatus
	Label   string
	EventID string
	Created string
	Error   string
	RerunOf string
}

type jobFilter struct {
	Recipe string
	Status string
	From   string
	To     string
	Text   string
}

type stepView struct {
	Seq       int
	Name      string
	Action    string
	Attempts  int
	Duration  string
	Started   string
	Error     string
	ErrorType string
	Retryable bool
	Input     *jsonNode
	Output    *jsonNode
}

type jobView struct {
	jobRow
	Message   string
	ErrorType string
	Finished  string
	EventTime string
	Event     *jsonNode
	Steps     []stepView
	Final     bool
}

// allStatuses are the statuses a stored job can have.
var allStatuses = []recipe.JobStatus{recipe.JobPending, recipe.JobRunning, recipe.JobSucceeded, recipe.JobFailed, recipe.JobStopped}

const timeLayout = "2006-01-02 15:04:05"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// day is the last day, in whole minutes, that the dashboards count.
func (h *Handler) day() recipe.CountQuery {
	end := h.opts.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	return recipe.CountQuery{Since: end.Add(-24 * time.Hour), Until: end}
}

func (h *Handler) recipesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := h.day()
	q.Bucket = time.Minute
	counts, err := h.store.JobCounts(ctx, q)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot count jobs", err)
		return
	}
	rows := h.recipeRows(ctx, counts, "")
	h.render(w, r, http.StatusOK, "recipes", pageData{
		Title:     "Recipes",
		Recipes:   rows,
		JobsChart: jobsChart(q, counts),
		Totals:    totals(counts, ""),
	})
}

// recipeRows builds the recipe table: the engine's recipes (in the order
// they were added) and any other recipe with jobs in the last day.
func (h *Handler) recipeRows(ctx context.Context, counts []recipe.JobCount, only string) []recipeRow {
	var names []string
	if e := h.opts.Engine; e != nil {
		names = e.Recipes()
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	var others []string
	for _, c := range counts {
		if !seen[c.Recipe] {
			seen[c.Recipe] = true
			others = append(others, c.Recipe)
		}
	}
	slices.Sort(others)
	names = append(names, others...)
	var rows []recipeRow
	for _, n := range names {
		if only != "" && n != only {
			continue
		}
		rows = append(rows, h.recipeRow(ctx, n, counts))
	}
	return rows
}

func (h *Handler) recipeRow(ctx context.Context, name string, counts []recipe.JobCount) recipeRow {
	row := recipeRow{Name: name, State: "unknown", Counts: totals(counts, name)}
	for _, c := range row.Counts {
		row.Total += c.Count
	}
	if h.opts.Engine == nil {
		if st, err := h.store.State(ctx, name); err == nil && st.Stopped {
			row.State, row.Stopped = "stopped", true
		}
		return row
	}
	st, err := h.opts.Engine.Status(name)
	if err != nil {
		row.State = "not in this engine"
		return row
	}
	row.Known = true
	row.Stopped = st.Stopped
	switch {
	case st.Stopped:
		row.State = "stopped"
	case st.Failing:
		row.State = "failing"
	case st.Running:
		row.State = "running"
	default:
		row.State = "idle"
	}
	row.Trigger = st.Trigger.Title
	if row.Trigger == "" {
		row.Trigger = st.Trigger.Name
	}
	if st.Trigger.Connector != "" {
		row.Trigger = st.Trigger.Connector + ": " + row.Trigger
	}
	if !st.LastPoll.IsZero() {
		row.LastPoll = fmtTime(st.LastPoll)
		if st.LastPollError != "" {
			row.LastPollError = st.LastPollError
		} else {
			row.LastPollResult = fmt.Sprintf("%d events, %d new", st.LastPollEvents, st.LastPollNew)
		}
	}
	row.Lag = fmtDuration(st.Lag)
	row.Backlog = fmt.Sprintf("%d queued", st.Queued)
	if st.TriggerBacklog > 0 {
		row.Backlog += fmt.Sprintf(", %d to come", st.TriggerBacklog)
	}
	return row
}

// totals sums counts by status, for one recipe or every one.
func totals(counts []recipe.JobCount, name string) []statusCount {
	sum := map[recipe.JobStatus]int{}
	for _, c := range counts {
		if name == "" || c.Recipe == name {
			sum[c.Status] += c.Count
		}
	}
	var out []statusCount
	for _, s := range allStatuses {
		if sum[s] > 0 {
			out = append(out, statusCount{s, sum[s]})
		}
	}
	return out
}

func (h *Handler) recipePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	q := h.day()
	q.Recipe, q.Bucket = name, time.Minute
	counts, err := h.store.JobCounts(ctx, q)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot count jobs", err)
		return
	}
	rows := h.recipeRows(ctx, counts, name)
	if len(rows) == 0 {
		h.fail(w, r, http.StatusNotFound, fmt.Sprintf("no recipe named %q in the engine, and no jobs of it in the last day", name), nil)
		return
	}
	sq := h.day()
	sq.Recipe, sq.MaxJobs = name, 2000
	stats, err := h.store.StepStats(ctx, sq)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot read step durations", err)
		return
	}
	failed, err := h.listJobs(ctx, recipe.JobQuery{Recipe: name, Status: recipe.JobFailed, Limit: 10, WithoutSteps: true})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot list failed jobs", err)
		return
	}
	h.render(w, r, http.StatusOK, "recipe", pageData{
		Title:      name,
		Recipe:     &rows[0],
		JobsChart:  jobsChart(q, counts),
		StepsChart: stepsChart(stats),
		Totals:     rows[0].Counts,
		Jobs:       failed,
		Notice:     r.URL.Query().Get("notice"),
	})
}

func (h *Handler) listJobs(ctx context.Context, q recipe.JobQuery) ([]jobRow, error) {
	var rows []jobRow
	for j, err := range h.store.Jobs(ctx, q) {
		if err != nil {
			return nil, err
		}
		rows = append(rows, rowOf(j))
	}
	return rows, nil
}

func rowOf(j recipe.Job) jobRow {
	return jobRow{ID: j.ID, Recipe: j.Recipe, Status: j.Status, Label: j.Label, EventID: j.Event.ID,
		Created: fmtTime(j.Created), Error: j.Error, RerunOf: j.RerunOf}
}

// formTime is the datetime-local input's format, read as UTC.
const formTime = "2006-01-02T15:04"

func (h *Handler) jobsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := r.URL.Query()
	f := jobFilter{Recipe: v.Get("recipe"), Status: v.Get("status"), From: v.Get("from"), To: v.Get("to"), Text: strings.TrimSpace(v.Get("q"))}
	q := recipe.JobQuery{Recipe: f.Recipe, Text: f.Text, Before: v.Get("before"), Limit: h.opts.PageSize, WithoutSteps: true}
	var problems []string
	if f.Status != "" {
		if !slices.Contains(allStatuses, recipe.JobStatus(f.Status)) {
			problems = append(problems, fmt.Sprintf("unknown status %q", f.Status))
		}
		q.Status = recipe.JobStatus(f.Status)
	}
	for _, tf := range []struct {
		in  string
		out *time.Time
	}{{f.From, &q.Since}, {f.To, &q.Until}} {
		if tf.in == "" {
			continue
		}
		t, err := time.Parse(formTime, tf.in)
		if err != nil {
			problems = append(problems, fmt.Sprintf("time %q is not of the form 2024-05-01T13:45 (UTC)", tf.in))
			continue
		}
		*tf.out = t
	}
	data := pageData{Title: "Jobs", Filter: f, Statuses: allStatuses}
	if e := h.opts.Engine; e != nil {
		data.Names = e.Recipes()
	}
	if len(problems) > 0 {
		data.Error = strings.Join(problems, "; ")
		h.render(w, r, http.StatusBadRequest, "jobs", data)
		return
	}
	rows, err := h.listJobs(ctx, q)
	if err != nil {
		if errors.Is(err, recipe.ErrNotFound) {
			data.Error = "the page you followed starts at a job that no longer exists: start again from the first page"
			h.render(w, r, http.StatusNotFound, "jobs", data)
			return
		}
		h.fail(w, r, http.StatusInternalServerError, "cannot list jobs", err)
		return
	}
	data.Jobs = rows
	if len(rows) == h.opts.PageSize {
		next := url.Values{}
		for k, val := range map[string]string{"recipe": f.Recipe, "status": f.Status, "from": f.From, "to": f.To, "q": f.Text} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("before", rows[len(rows)-1].ID)
		data.NextPage = h.opts.Prefix + "/jobs?" + next.Encode()
	}
	h.render(w, r, http.StatusOK, "jobs", data)
}

func (h *Handler) jobPage(w http.ResponseWriter, r *http.Request) {
	j, err := h.store.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot read the job", err)
		return
	}
	view := viewOf(j)
	h.render(w, r, http.StatusOK, "job", pageData{Title: "Job " + j.ID, Job: &view, Live: !view.Final})
}

func viewOf(j recipe.Job) jobView {
	v := jobView{jobRow: rowOf(j), Message: j.Message, ErrorType: j.ErrorType, Finished: fmtTime(j.Finished),
		EventTime: fmtTime(j.Event.Time), Event: jsonTree(j.Event.Data), Final: j.Status.Final()}
	for _, s := range j.Steps {
		v.Steps = append(v.Steps, stepView{Seq: s.Seq, Name: s.Name, Action: s.Action, Attempts: s.Attempts,
			Duration: fmtDuration(s.Duration), Started: fmtTime(s.Started), Error: s.Error, ErrorType: s.ErrorType,
			Retryable: s.Retryable, Input: jsonTree(s.Input), Output: jsonTree(s.Output)})
	}
	return v
}

func (h *Handler) needEngine(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.Engine == nil {
		h.fail(w, r, http.StatusConflict, "this window is read-only: the program did not give it its engine", nil)
		return false
	}
	return true
}

func (h *Handler) rerunJob(w http.ResponseWriter, r *http.Request) {
	if !h.needEngine(w, r) {
		return
	}
	id, err := h.opts.Engine.Rerun(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "cannot re-run the job", err)
		return
	}
	h.log.Info("ui: job re-run", "user", userFrom(r.Context()), "job", r.PathValue("id"), "new_job", id)
	http.Redirect(w, r, h.opts.Prefix+"/jobs/"+url.PathEscape(id), http.StatusSeeOther)
}

func (h *Handler) rerunFailed(w http.ResponseWriter, r *http.Request) {
	if !h.needEngine(w, r) {
		return
	}
	ctx := r.Context()
	name := r.PathValue("name")
	n, err := h.opts.Engine.RerunFailed(ctx, name)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "cannot re-run the failed jobs", err)
		return
	}
	h.log.Info("ui: failed jobs re-run", "user", userFrom(ctx), "recipe", name, "jobs", n)
	h.redirectRecipe(w, r, name, fmt.Sprintf("%d failed jobs re-run", n))
}

func (h *Handler) redirectRecipe(w http.ResponseWriter, r *http.Request, name, notice string) {
	http.Redirect(w, r, h.opts.Prefix+"/recipes/"+url.PathEscape(name)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

func (h *Handler) startRecipe(w http.ResponseWriter, r *http.Request) {
	h.changeRecipe(w, r, (*recipe.Engine).Start, "start", "started")
}

func (h *Handler) stopRecipe(w http.ResponseWriter, r *http.Request) {
	h.changeRecipe(w, r, (*recipe.Engine).Stop, "stop", "stopped")
}

// changeRecipe applies change (the engine's Start or Stop, named verb) to
// the recipe the path names, logs it and shows the recipe with the notice
// done.
func (h *Handler) changeRecipe(w http.ResponseWriter, r *http.Request, change func(*recipe.Engine, context.Context, string) error, verb, done string) {
	if !h.needEngine(w, r) {
		return
	}
	name := r.PathValue("name")
	if err := change(h.opts.Engine, r.Context(), name); err != nil {
		h.fail(w, r, http.StatusBadRequest, "cannot "+verb+" the recipe", err)
		return
	}
	h.log.Info("ui: recipe "+done, "user", userFrom(r.Context()), "recipe", name)
	h.redirectRecipe(w, r, name, done)
}

// jobLive streams server-sent events while a job runs: "update" whenever
// its status or steps change, "done" when it is final.
func (h *Handler) jobLive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return
	}
	j, err := h.store.Job(ctx, id)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "cannot read the job", err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	last := ""
	tick := time.NewTicker(h.opts.LiveInterval)
	defer tick.Stop()
	for {
		mark := fmt.Sprintf("%s/%d", j.Status, len(j.Steps))
		if n := len(j.Steps); n > 0 {
			mark += fmt.Sprintf("/%d/%d/%t", j.Steps[n-1].Attempts, j.Steps[n-1].Duration, j.Steps[n-1].Failed())
		}
		if j.Status.Final() {
			fmt.Fprintf(w, "event: done\ndata: %s\n\n", j.Status)
			fl.Flush()
			return
		}
		if mark != last {
			fmt.Fprintf(w, "event: update\ndata: %s\n\n", j.Status)
			fl.Flush()
			last = mark
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if j, err = h.store.Job(ctx, id); err != nil {
			fmt.Fprintf(w, "event: gone\ndata: the job can no longer be read\n\n")
			fl.Flush()
			return
		}
	}
}
