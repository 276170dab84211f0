package jira

import (
	"encoding/json"
	"unicode/utf8"
)

// requestJSON encodes a request body as json.Marshal does.
func requestJSON(body any) ([]byte, error) {
	if a, ok := body.(jsonAppender); ok {
		if buf, ok := a.appendJSON(make([]byte, 0, 256)); ok {
			return buf, nil
		}
	}
	return json.Marshal(body)
}

// jsonAppender is a request body that writes its JSON itself, exactly as
// json.Marshal would, without reflection: a body every job of a recipe
// sends. ok is false for a value it leaves to json.Marshal.
type jsonAppender interface {
	appendJSON(dst []byte) (out []byte, ok bool)
}

// appendJSON writes the comment body. Properties whose value is not a map
// of one string (the effect property) take json.Marshal.
func (b CommentBody) appendJSON(dst []byte) ([]byte, bool) {
	dst = append(dst, `{"body":`...)
	dst = appendJSONString(dst, b.Body)
	if v := b.Visibility; v != nil {
		dst = append(dst, `,"visibility":{"type":`...)
		dst = appendJSONString(dst, v.Type)
		if v.Value != "" {
			dst = append(dst, `,"value":`...)
			dst = appendJSONString(dst, v.Value)
		}
		if v.Identifier != "" {
			dst = append(dst, `,"identifier":`...)
			dst = appendJSONString(dst, v.Identifier)
		}
		dst = append(dst, '}')
	}
	if len(b.Properties) > 0 {
		dst = append(dst, `,"properties":[`...)
		for i, p := range b.Properties {
			m, ok := p.Value.(map[string]string)
			if !ok || len(m) != 1 {
				return nil, false
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"key":`...)
			dst = appendJSONString(dst, p.Key)
			dst = append(dst, `,"value":{`...)
			for k, v := range m {
				dst = appendJSONString(dst, k)
				dst = append(dst, ':')
				dst = appendJSONString(dst, v)
			}
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), true
}

// appendJSONString appends s as encoding/json writes a string: quotes and
// backslashes escaped, control characters and <, > and & as \u00XX (or
// their short escapes), invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
