package jira

import (
	"encoding/json"

	"github.com/recipekit/recipekit/internal/jsonstr"
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
	dst = jsonstr.Append(dst, b.Body)
	if v := b.Visibility; v != nil {
		dst = append(dst, `,"visibility":{"type":`...)
		dst = jsonstr.Append(dst, v.Type)
		if v.Value != "" {
			dst = append(dst, `,"value":`...)
			dst = jsonstr.Append(dst, v.Value)
		}
		if v.Identifier != "" {
			dst = append(dst, `,"identifier":`...)
			dst = jsonstr.Append(dst, v.Identifier)
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
			dst = jsonstr.Append(dst, p.Key)
			dst = append(dst, `,"value":{`...)
			for k, v := range m {
				dst = jsonstr.Append(dst, k)
				dst = append(dst, ':')
				dst = jsonstr.Append(dst, v)
			}
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), true
}
