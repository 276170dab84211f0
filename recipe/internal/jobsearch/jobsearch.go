// Package jobsearch says what a job listing's text filter
// (recipe.JobQuery.Text) is looked for in, so that every store finds the
// same jobs.
package jobsearch

import "strings"

// Text is what the filter is looked for in: a job's label, event ID and
// ID joined by spaces, lower-cased by [Lower].
func Text(label, eventID, id string) string {
	return Lower(label + " " + eventID + " " + id)
}

// Lower lower-cases s in ASCII only, as SQLite's lower() does, so that
// the filter and the text it is looked for in are folded alike in every
// store.
func Lower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
