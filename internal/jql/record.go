package jql

import "time"

// Record is an issue as the evaluator sees it. The caller implements it over
// its own storage. Methods are called many times per search and should not
// allocate; they must be safe for concurrent use if one Matcher is shared
// between goroutines.
type Record interface {
	// Values returns the values of a field by its canonical name:
	// "project", "key", "status", "issuetype", "assignee", "reporter",
	// "creator", "labels", "priority", "summary", "description", "comment",
	// "text", "resolution", or a custom field id such as
	// "customfield_10010" (or a custom field's name as written in
	// quotes). Several values match any: project may answer its key, id and
	// name; a user field may answer accountId, name, key, display name and
	// email; key may answer the issue key and its numeric id (a numeric
	// value in a key clause is also looked up under "id"). "text" should
	// answer summary, description and comment bodies; when it answers nil,
	// summary, description and comment are searched instead. nil means
	// EMPTY.
	Values(field string) []string
	// Time returns a date field ("created", "updated", "resolutiondate",
	// "duedate", or a custom date field); ok is false when it is unset.
	Time(field string) (t time.Time, ok bool)
	// Rank returns the ordering rank of a value of a field compared with
	// < <= > >= or sorted, other than dates and keys: for "priority",
	// its position in the priority scheme, lower meaning more important
	// (Highest = 1). value is a literal from the query or one of the
	// record's own values; ok is false when the value is unknown.
	Rank(field string, value string) (rank int, ok bool)
}

// Env is the caller's context for evaluating a query.
type Env struct {
	// Now is the time relative dates and now() are measured from; the zero
	// value means the current time.
	Now time.Time
	// Location is the calling user's time zone, in which date literals
	// and startOfDay() and friends are read. nil means UTC.
	Location *time.Location
	// CurrentUser lists every identifier of the caller (accountId,
	// username, key, email...), which currentUser() matches. Empty means
	// an anonymous caller, whom currentUser() never matches.
	CurrentUser []string
}

func (e *Env) now() time.Time {
	if e.Now.IsZero() {
		return time.Now()
	}
	return e.Now
}

func (e *Env) location() *time.Location {
	if e.Location == nil {
		return time.UTC
	}
	return e.Location
}
