package jql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// term is one word of a ~ search; prefix is set for a trailing *.
type term struct {
	word   string
	prefix bool
}

// textTerms splits a ~ value into words. A value wrapped in double quotes
// ("\"login failed\"" in JQL) is an exact phrase.
func textTerms(s string) (terms []term, phrase bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		phrase = true
		s = s[1 : len(s)-1]
	}
	for i := 0; i < len(s); {
		w, next := nextWord(s, i)
		if w == "" {
			break
		}
		t := term{word: strings.ToLower(w)}
		if next < len(s) && s[next] == '*' {
			t.prefix = true
		}
		terms = append(terms, t)
		i = next
	}
	return terms, phrase
}

func isTextRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// nextWord returns the next run of letters and digits at or after i, and the
// offset just past it; "" when there is none. It does not allocate.
func nextWord(s string, i int) (string, int) {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if isTextRune(r) {
			break
		}
		i += w
	}
	start := i
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isTextRune(r) {
			break
		}
		i += w
	}
	return s[start:i], i
}

func (t term) matches(word string) bool {
	if !t.prefix {
		return strings.EqualFold(word, t.word)
	}
	return hasPrefixFold(word, t.word)
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	for _, pr := range prefix {
		if s == "" {
			return false
		}
		r, w := utf8.DecodeRuneInString(s)
		if r != pr && unicode.SimpleFold(r) != pr && unicode.ToLower(r) != pr {
			return false
		}
		s = s[w:]
	}
	return true
}

// containsTerms reports whether text holds every term (any order), or the
// terms as a contiguous phrase.
func containsTerms(text string, terms []term, phrase bool) bool {
	if phrase {
		for i := 0; i < len(text); {
			w, next := nextWord(text, i)
			if w == "" {
				return false
			}
			if terms[0].matches(w) && phraseAt(text, next, terms[1:]) {
				return true
			}
			i = next
		}
		return false
	}
	for _, t := range terms {
		found := false
		for i := 0; i < len(text); {
			w, next := nextWord(text, i)
			if w == "" {
				break
			}
			if t.matches(w) {
				found = true
				break
			}
			i = next
		}
		if !found {
			return false
		}
	}
	return true
}

func phraseAt(text string, i int, terms []term) bool {
	for _, t := range terms {
		w, next := nextWord(text, i)
		if w == "" || !t.matches(w) {
			return false
		}
		i = next
	}
	return true
}
