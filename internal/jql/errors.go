package jql

import (
	"fmt"
	"unicode/utf8"
)

// Error is a JQL error: a syntax error found by [Parse], or a semantic one
// (unsupported operator, invalid date value, unknown field or function).
// Its text follows Jira's wording, so it can be returned in a Jira error
// body as is.
type Error struct {
	// Pos is the byte offset in the query text where the problem was
	// found, or -1 when it concerns the query as a whole.
	Pos int
	// Msg is Jira's message without the syntax-error prefix and position,
	// e.g. "Expecting operator but got 'foo'.".
	Msg string

	syntax    bool // rendered with Jira's "Error in the JQL Query:" prefix and position
	line, col int  // 1-based, computed from Pos and the source
}

// Error returns the message as Jira prints it: syntax errors read
// "Error in the JQL Query: <Msg> (line L, character C)", other errors are
// Msg alone.
func (e *Error) Error() string {
	if e.syntax {
		return fmt.Sprintf("Error in the JQL Query: %s (line %d, character %d)", e.Msg, e.line, e.col)
	}
	return e.Msg
}

// Line and Column report the 1-based line and character of Pos, as Jira
// counts them (characters, not bytes), or 0, 0 when Pos is unknown.
func (e *Error) Line() int { return e.line }

// Column reports the 1-based character of Pos within its line, or 0 when
// Pos is unknown.
func (e *Error) Column() int { return e.col }

func newError(src string, pos int, syntax bool, format string, args ...any) *Error {
	e := &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), syntax: syntax}
	if pos >= 0 && pos <= len(src) {
		e.line, e.col = 1, 1
		for _, r := range src[:pos] {
			if r == '\n' {
				e.line++
				e.col = 1
			} else {
				e.col++
			}
		}
	} else {
		e.Pos = -1
	}
	return e
}

func syntaxError(src string, pos int, format string, args ...any) *Error {
	return newError(src, pos, true, format, args...)
}

func semanticError(src string, pos int, format string, args ...any) *Error {
	return newError(src, pos, false, format, args...)
}

// quoteForMsg shortens very long or invalid text shown inside messages.
func quoteForMsg(s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		s = string(r[:80]) + "..."
	}
	return s
}
