package jql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokWord             // bare word
	tokString           // quoted string
	tokLParen
	tokRParen
	tokComma
	tokOp   // = != ~ !~ < <= > >=
	tokBang // !
	tokAnd  // && or &
	tokOr   // || or |
	tokError
)

type token struct {
	kind tokenKind
	text string // unescaped text; operator text for tokOp
	pos  int
	err  *Error // for tokError
}

// display is how a token appears in "but got '...'" messages.
func (t token) display() string {
	switch t.kind {
	case tokLParen:
		return "("
	case tokRParen:
		return ")"
	case tokComma:
		return ","
	case tokBang:
		return "!"
	case tokAnd:
		return "&&"
	case tokOr:
		return "||"
	}
	return quoteForMsg(t.text)
}

// isKeyword reports whether t is the unquoted keyword kw (lower case).
func (t token) isKeyword(kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// lex splits src into tokens. A lexical error becomes a tokError at its
// position and ends the stream, so the parser reports errors in order.
func lex(src string) []token {
	var toks []token
	i := 0
	for {
		for i < len(src) {
			r, w := utf8.DecodeRuneInString(src[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += w
		}
		if i >= len(src) {
			return append(toks, token{kind: tokEOF, pos: len(src)})
		}
		start := i
		c := src[i]
		switch {
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: start})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, pos: start})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, pos: start})
			i++
		case c == '=' || c == '~':
			toks = append(toks, token{kind: tokOp, text: src[i : i+1], pos: start})
			i++
		case c == '!':
			if i+1 < len(src) && (src[i+1] == '=' || src[i+1] == '~') {
				toks = append(toks, token{kind: tokOp, text: src[i : i+2], pos: start})
				i += 2
			} else {
				toks = append(toks, token{kind: tokBang, pos: start})
				i++
			}
		case c == '<' || c == '>':
			if i+1 < len(src) && src[i+1] == '=' {
				toks = append(toks, token{kind: tokOp, text: src[i : i+2], pos: start})
				i += 2
			} else {
				toks = append(toks, token{kind: tokOp, text: src[i : i+1], pos: start})
				i++
			}
		case c == '&':
			i++
			if i < len(src) && src[i] == '&' {
				i++
			}
			toks = append(toks, token{kind: tokAnd, pos: start})
		case c == '|':
			i++
			if i < len(src) && src[i] == '|' {
				i++
			}
			toks = append(toks, token{kind: tokOr, pos: start})
		case c == '"' || c == '\'':
			text, next, err := lexQuoted(src, i)
			if err != nil {
				return append(toks, token{kind: tokError, pos: err.Pos, err: err})
			}
			toks = append(toks, token{kind: tokString, text: text, pos: start})
			i = next
		default:
			text, next, err := lexWord(src, i)
			if err != nil {
				return append(toks, token{kind: tokError, pos: err.Pos, err: err})
			}
			toks = append(toks, token{kind: tokWord, text: text, pos: start})
			i = next
		}
	}
}

// lexQuoted reads a string quoted with src[start] ('"' or '\”).
func lexQuoted(src string, start int) (string, int, *Error) {
	quote := src[start]
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		c := src[i]
		if c == quote {
			return b.String(), i + 1, nil
		}
		if c == '\\' {
			r, next, err := lexEscape(src, i, start)
			if err != nil {
				return "", 0, err
			}
			b.WriteRune(r)
			i = next
			continue
		}
		if c == '\n' || c == '\r' {
			// Jira does not allow a quoted string to span lines.
			break
		}
		b.WriteByte(c)
		i++
	}
	end := i
	return "", 0, syntaxError(src, start, "The quoted string '%s' has not been completed.", quoteForMsg(src[start+1:end]))
}

// lexEscape reads the escape sequence at src[i] ('\\'). tokStart is the
// start of the enclosing token, for the message.
func lexEscape(src string, i, tokStart int) (rune, int, *Error) {
	if i+1 >= len(src) {
		return 0, 0, syntaxError(src, i, "The escape sequence '\\' in the string '%s' is illegal.", quoteForMsg(src[tokStart:]))
	}
	switch c := src[i+1]; c {
	case '"', '\'', '\\', ' ':
		return rune(c), i + 2, nil
	case 'n':
		return '\n', i + 2, nil
	case 'r':
		return '\r', i + 2, nil
	case 't':
		return '\t', i + 2, nil
	case 'u':
		if i+6 <= len(src) {
			var r rune
			ok := true
			for _, h := range src[i+2 : i+6] {
				switch {
				case h >= '0' && h <= '9':
					r = r*16 + h - '0'
				case h >= 'a' && h <= 'f':
					r = r*16 + h - 'a' + 10
				case h >= 'A' && h <= 'F':
					r = r*16 + h - 'A' + 10
				default:
					ok = false
				}
			}
			if ok {
				return r, i + 6, nil
			}
		}
	}
	_, w := utf8.DecodeRuneInString(src[i+1:])
	return 0, 0, syntaxError(src, i, "The escape sequence '%s' in the string '%s' is illegal.",
		quoteForMsg(src[i:i+1+w]), quoteForMsg(src[tokStart:min(len(src), i+1+w)]))
}

// lexWord reads a bare word. cf[N] is read as one word.
func lexWord(src string, start int) (string, int, *Error) {
	var b strings.Builder
	i := start
	for i < len(src) {
		r, w := utf8.DecodeRuneInString(src[i:])
		if r == '\\' {
			er, next, err := lexEscape(src, i, start)
			if err != nil {
				return "", 0, err
			}
			b.WriteRune(er)
			i = next
			continue
		}
		if r == '[' && strings.EqualFold(src[start:i], "cf") {
			j := i + 1
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			if j > i+1 && j < len(src) && src[j] == ']' {
				b.WriteString(src[i : j+1])
				i = j + 1
				continue
			}
		}
		if r == utf8.RuneError && w == 1 {
			b.WriteByte(src[i]) // keep invalid bytes as they are
			i++
			continue
		}
		if isReservedChar(r) {
			return "", 0, syntaxError(src, i, "The character '%c' is a reserved JQL character. You must enclose it in a string or use the escape '\\u%04x' instead.", r, r)
		}
		if r < 0x20 && !unicode.IsSpace(r) || r == 0x7f {
			return "", 0, syntaxError(src, i, "The character '\\u%04x' is not allowed in JQL. You must enclose it in a string or use the escape '\\u%04x' instead.", r, r)
		}
		if !isWordRune(r) {
			break
		}
		b.WriteString(src[i : i+w])
		i += w
	}
	return b.String(), i, nil
}
