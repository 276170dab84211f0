package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ErrPayload marks a delivery whose body cannot become an event: empty,
// not JSON, the wrong JSON shape for the trigger's payload type, or without
// the configured id. A webhook handler answers such deliveries 400. Match
// it with errors.Is; the message says what is wrong and where.
var ErrPayload = errors.New("webhook payload rejected")

// shape is the JSON value kind a payload type needs at the top level.
type shape int

const (
	shapeAny shape = iota
	shapeObject
	shapeArray
)

// shapeOf reports which top-level JSON value t decodes from.
func shapeOf(t reflect.Type) shape {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return shapeAny
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return shapeAny // the type decides for itself
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return shapeObject
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return shapeAny // []byte decodes from a base64 string
		}
		return shapeArray
	}
	return shapeAny
}

// kindAt names the JSON value that starts at b (b is trimmed).
func kindAt(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch c := b[0]; {
	case c == '{':
		return "a JSON object"
	case c == '[':
		return "a JSON array"
	case c == '"':
		return "a JSON string"
	case c == 't' || c == 'f':
		return "a JSON boolean"
	case c == 'n':
		return "JSON null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a JSON number"
	}
	return "not JSON"
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// jsonSpace is the whitespace JSON allows between tokens.
const jsonSpace = " \t\r\n"

// decodePayload decodes body into a T, with errors that say which byte is
// at fault and what was expected there.
func decodePayload[T any](body []byte, want shape) (T, error) {
	var v T
	lead := bytes.TrimLeft(bytes.TrimPrefix(body, utf8BOM), jsonSpace)
	base := int64(len(body) - len(lead))
	trimmed := bytes.TrimRight(lead, jsonSpace)
	if len(trimmed) == 0 {
		return v, fmt.Errorf("%w: the body is empty; the sender must deliver a JSON payload (in Jira: leave the webhook's \"Exclude body\" option off)", ErrPayload)
	}
	switch kind := kindAt(trimmed); {
	case want == shapeObject && trimmed[0] != '{' && kind != "not JSON":
		return v, fmt.Errorf("%w: the body is %s, but the trigger's payload type %s needs a JSON object", ErrPayload, kind, typeName[T]())
	case want == shapeArray && trimmed[0] != '[' && kind != "not JSON":
		return v, fmt.Errorf("%w: the body is %s, but the trigger's payload type %s needs a JSON array", ErrPayload, kind, typeName[T]())
	}
	if err := json.Unmarshal(trimmed, &v); err != nil {
		return v, describeJSONError[T](err, body, base, int64(len(trimmed)))
	}
	return v, nil
}

// describeJSONError turns an encoding/json error into one that names the
// byte offset (in the original body), the line and column, and what was
// expected.
//
// data is the whole body; the decoder saw the n bytes from base on.
func describeJSONError[T any](err error, data []byte, base, n int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if syn.Offset >= n && strings.Contains(syn.Error(), "unexpected end") {
			return fmt.Errorf("%w: the JSON ends early at byte offset %d: an object, array or string is left open (a truncated delivery?)", ErrPayload, base+n)
		}
		// Offset counts the bytes read including the offending one.
		at := base + max(syn.Offset-1, 0)
		line, col := lineCol(data, at)
		return fmt.Errorf("%w: malformed JSON at byte offset %d (line %d, column %d): %s", ErrPayload, at, line, col, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the top-level value"
		} else {
			field = "field " + quoteShort(field)
		}
		// Offset is where the offending value ends.
		line, col := lineCol(data, base+typ.Offset)
		return fmt.Errorf("%w: %s (the value ending at byte offset %d, line %d, column %d) holds a JSON %s, but the payload type %s expects a Go %s there", ErrPayload, field, base+typ.Offset, line, col, shortValue(typ.Value), typeName[T](), typ.Type)
	}
	// Other decoder errors (nesting too deep, a custom UnmarshalJSON
	// refusing its input) say what they are already.
	return fmt.Errorf("%w: decoding the JSON payload into %s: %v", ErrPayload, typeName[T](), err)
}

// shortValue cuts the value description encoding/json puts in a type error
// ("number 123...", "string") to a readable length.
func shortValue(s string) string {
	const limit = 40
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func typeName[T any]() string {
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Interface && t.NumMethod() == 0 {
		return "any"
	}
	return t.String()
}

// jsonPath is a parsed dotted path into a JSON document: "issue.id",
// "items.0.id" (a segment made of digits indexes an array).
type jsonPath []string

func parseJSONPath(field, p string) (jsonPath, error) {
	p = strings.TrimPrefix(p, "$.")
	if p == "" {
		return nil, nil
	}
	segs := strings.Split(p, ".")
	for _, s := range segs {
		if s == "" || strings.TrimSpace(s) != s {
			return nil, fmt.Errorf("webhook: %s %q is not a valid path: write dot-separated field names such as \"issue.id\" (no empty segments or surrounding spaces)", field, p)
		}
	}
	return segs, nil
}

func (p jsonPath) String() string { return strings.Join(p, ".") }

// lookup walks doc (decoded with UseNumber) along p. found is false when a
// segment is absent or the value is null.
func (p jsonPath) lookup(doc any) (v any, found bool) {
	v = doc
	for _, seg := range p {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// maxIDLen bounds an event id taken from a delivery.
const maxIDLen = 512

// idFromValue renders a JSON scalar as an event id.
func idFromValue(path jsonPath, v any) (string, error) {
	var id string
	switch x := v.(type) {
	case string:
		id = x
	case json.Number:
		id = x.String()
	default:
		return "", fmt.Errorf("%w: the id field %q holds %s; it must be a JSON string or number", ErrPayload, path.String(), describeValue(v))
	}
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("%w: the id field %q is empty", ErrPayload, path.String())
	}
	if len(id) > maxIDLen {
		return "", fmt.Errorf("%w: the id field %q is %d bytes long, above the %d-byte limit for an event id", ErrPayload, path.String(), len(id), maxIDLen)
	}
	return id, nil
}

func describeValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a JSON object"
	case []any:
		return "a JSON array"
	case bool:
		return "a JSON boolean"
	case string:
		return "a JSON string"
	case json.Number:
		return "a JSON number"
	case nil:
		return "JSON null"
	}
	return fmt.Sprintf("%T", v)
}

// timeFromValue reads an event time: a JSON number of epoch milliseconds
// (or seconds, when it is below 1e11: that many milliseconds would be
// early 1973, that many seconds year 5138), or a string in RFC 3339 or
// Jira's "2006-01-02T15:04:05.000-0700" form.
func timeFromValue(path jsonPath, v any) (time.Time, error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n >= -1e11 && n < 1e11 {
				return time.Unix(n, 0).UTC(), nil
			}
			return time.UnixMilli(n).UTC(), nil
		}
		f, err := x.Float64()
		if err != nil || f < -1e15 || f > 1e15 {
			return time.Time{}, fmt.Errorf("%w: the time field %q holds the number %s, which is not a plausible epoch time in seconds or milliseconds", ErrPayload, path.String(), shortValue(x.String()))
		}
		if f >= -1e11 && f < 1e11 {
			return time.UnixMilli(int64(f * 1000)).UTC(), nil
		}
		return time.UnixMilli(int64(f)).UTC(), nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%w: the time field %q holds %s, which is neither RFC 3339 (2006-01-02T15:04:05Z) nor Jira's 2006-01-02T15:04:05.000-0700 form", ErrPayload, path.String(), quoteShort(x))
	}
	return time.Time{}, fmt.Errorf("%w: the time field %q holds %s; it must be epoch milliseconds or an RFC 3339 string", ErrPayload, path.String(), describeValue(v))
}
