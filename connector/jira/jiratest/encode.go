package jiratest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/recipekit/recipekit/internal/jsonstr"
)

// The simulator builds its answers as trees of map[string]any, []any and
// scalars, the shape of Jira's JSON. encoding/json reaches every value of
// such a tree through reflection and sorts each map's keys through
// reflect.Value copies, which made a 100-issue search page cost about
// 4 ms of CPU. appendJSON walks the tree with a type switch instead and
// writes exactly the bytes json.Marshal writes (keys sorted, HTML
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced, floats as
// ES6 numbers); any other type is handed to json.Marshal, so a value with
// its own MarshalJSON still encodes itself.

// marshal encodes v as json.Marshal does.
func marshal(v any) ([]byte, error) { return appendJSON(nil, v) }

// encodeBufs recycles the buffers answers are encoded into.
var encodeBufs = sync.Pool{New: func() any { return new([]byte) }}

// appendJSON appends the JSON encoding of v to dst.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return jsonstr.Append(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return appendMarshaled(dst, v) // json.Marshal's error
		}
		return appendJSONFloat(dst, v), nil
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONObject(dst, v, func(dst []byte, x any) ([]byte, error) { return appendJSON(dst, x) })
	case map[string]string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONObject(dst, v, func(dst []byte, x string) ([]byte, error) { return jsonstr.Append(dst, x), nil })
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONArray(dst, v, func(dst []byte, x any) ([]byte, error) { return appendJSON(dst, x) })
	case []map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONArray(dst, v, func(dst []byte, x map[string]any) ([]byte, error) { return appendJSON(dst, x) })
	case []string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONArray(dst, v, func(dst []byte, x string) ([]byte, error) { return jsonstr.Append(dst, x), nil })
	}
	return appendMarshaled(dst, v)
}

// appendMarshaled appends json.Marshal's encoding of v.
func appendMarshaled(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendJSONObject appends m with its keys in sorted order, as
// encoding/json writes maps.
func appendJSONObject[V any](dst []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	var small [32]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = value(dst, m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendJSONArray[V any](dst []byte, list []V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	dst = append(dst, '[')
	for i, x := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = value(dst, x); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendJSONFloat writes a finite float as encoding/json does: like
// ES6's number to string conversion.
func appendJSONFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}
