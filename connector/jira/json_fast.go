package jira

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// The decoders in this file read the answers every job of a recipe
// decodes (the issues of a search page, a comment just added) without
// encoding/json's decoding of every value through reflection, which cost
// more than the rest of the connector's work per request.
//
// Each one walks the JSON in place and reports true only when it decoded
// the value exactly as encoding/json would, having checked that it is
// valid JSON. Anything it does not read the plain way (a member name that
// matches a field only case-insensitively, a number where a string is
// expected, a number that is not a plain integer, a struct with embedded
// fields...) makes it report false, and the caller decodes the whole value
// again with encoding/json: slower, never different. The fields of a
// struct are found by reflection once per type (structCodec), so a field
// added to a type is decoded like the others without a change here.

// errNotFast stops a walk of eachMember or eachElement: the value needs
// the standard decoder.
var errNotFast = errors.New("jira: the value needs the standard decoder")

func isJSONNull(v []byte) bool { return string(v) == "null" }

// valueAt returns the JSON value starting at b[i] (delimited, not yet
// checked) and the index just past it.
func valueAt(b []byte, i int) ([]byte, int, bool) {
	end, err := skipValue(b, i)
	if err != nil {
		return nil, 0, false
	}
	return b[i:end], end, true
}

// nullAt reads the value starting at b[i], a non-object where an object is
// expected: only null is read, as nothing.
func nullAt(b []byte, i int) (int, bool) {
	v, end, ok := valueAt(b, i)
	return end, ok && isJSONNull(v)
}

// fastString decodes the JSON string v into *s; null leaves *s as it is.
func fastString(v []byte, s *string) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return isJSONNull(v)
	}
	in := v[1 : len(v)-1]
	if plainString(in) {
		*s = string(in)
		return true
	}
	if u, ok := unquote(in); ok {
		*s = u
		return true
	}
	// Surrogate pairs, invalid UTF-8, malformed escapes: encoding/json
	// says what they decode to, or that they are an error.
	var u string
	if json.Unmarshal(v, &u) != nil {
		return false
	}
	*s = u
	return true
}

// unquote decodes the inside of a JSON string holding escapes, as
// encoding/json does; ok is false for what it leaves to encoding/json:
// surrogate escapes, invalid UTF-8, control characters, bad escapes.
func unquote(in []byte) (string, bool) {
	var arr [256]byte
	out := arr[:0]
	for len(in) > 0 {
		run := in
		if j := bytes.IndexByte(in, '\\'); j >= 0 {
			run = in[:j]
		}
		// A run holds no backslash; it may still hold what needs
		// encoding/json (a control character, invalid UTF-8).
		if !plainString(run) {
			return "", false
		}
		out = append(out, run...)
		in = in[len(run):]
		if len(in) == 0 {
			break
		}
		if len(in) < 2 {
			return "", false
		}
		switch e := in[1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(in[2:])
			if !ok || utf16.IsSurrogate(r) {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			in = in[6:]
			continue
		default:
			return "", false
		}
		in = in[2:]
	}
	return string(out), true
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// fastBool decodes true or false into *p; null leaves it as it is.
func fastBool(v []byte, p *bool) bool {
	switch string(v) {
	case "true":
		*p = true
	case "false":
		*p = false
	case "null":
	default:
		return false
	}
	return true
}

// fastInt decodes a JSON integer of at most 18 digits into *p; null
// leaves it as it is. Fractions and exponents, which encoding/json
// refuses or reads its own way, are false.
func fastInt(v []byte, p *int) bool {
	if isJSONNull(v) {
		return true
	}
	digits := v
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		digits = v[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*p = n
	return true
}

// validNumber reports whether v is a number as JSON writes it.
func validNumber(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return false
		}
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return false
		}
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	}
	return i == len(v)
}

// validJSON reports whether the value v (delimited by skipValue) is valid
// JSON, without encoding/json's scanner for the common scalars.
func validJSON(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch c := v[0]; {
	case c == 'n' || c == 't' || c == 'f':
		return string(v) == "null" || string(v) == "true" || string(v) == "false"
	case c == '-' || c >= '0' && c <= '9':
		return validNumber(v)
	case c == '"' && len(v) >= 2 && v[len(v)-1] == '"' && plainString(v[1:len(v)-1]):
		return true
	}
	return json.Valid(v)
}

// decodeAnyChecked is decodeAny for a value not validated yet: decodeAny
// reads numbers with strconv, which accepts forms JSON does not.
func decodeAnyChecked(m *map[string]any, k string, v []byte) bool {
	if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') && !validNumber(v) {
		return false
	}
	return putDecoded(m, k, v) == nil
}

// skip accepts a member no field of the type holds, as encoding/json
// skips it, after checking that its value is valid JSON. A name equal to
// a field's but for case is false: encoding/json would decode it into
// that field.
func (c *structCodec) skip(k, v []byte) bool {
	return !c.matchesFolded(k) && validJSON(v)
}

// matchesFolded reports whether the member name k equals a field's name
// under Unicode case folding, as encoding/json matches them.
func (c *structCodec) matchesFolded(k []byte) bool {
	var arr [64]byte
	lower := arr[:0]
	for _, ch := range k {
		if ch >= utf8.RuneSelf {
			for _, n := range c.names {
				if strings.EqualFold(string(k), n) {
					return true
				}
			}
			return false
		}
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		lower = append(lower, ch)
	}
	return c.folded[string(lower)]
}

// structCodec decodes the members of a JSON object into the fields of a
// struct type, found by reflection once per type.
type structCodec struct {
	// names are the member names of every exported field: a member
	// matching one of them only case-insensitively takes encoding/json's
	// path.
	names  []string
	fields map[string]fieldCodec
	// folded holds the names in lower case, to tell at once that an
	// ASCII member name matches none.
	folded map[string]bool
}

type fieldCodec struct {
	index int
	// decode reads the value starting at b[i] into the field and returns
	// the index just past it; false when encoding/json must decode it.
	decode func(b []byte, i int, field reflect.Value) (int, bool)
}

var structCodecs sync.Map // reflect.Type -> *structCodec (nil: encoding/json decodes the type)

// codecOf returns the codec of the struct type t, or nil for a struct
// whose layout this decoder leaves to encoding/json (embedded fields,
// colliding names).
func codecOf(t reflect.Type) *structCodec {
	if c, ok := structCodecs.Load(t); ok {
		return c.(*structCodec)
	}
	c := buildCodec(t)
	structCodecs.Store(t, c)
	return c
}

func buildCodec(t reflect.Type) *structCodec {
	c := &structCodec{fields: make(map[string]fieldCodec, t.NumField()), folded: make(map[string]bool, t.NumField())}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil
		}
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := c.fields[name]; dup {
			return nil
		}
		c.names = append(c.names, name)
		c.folded[strings.ToLower(name)] = true
		dec := valueDecoder(sf.Type)
		if strings.Contains(","+opts+",", ",string,") {
			dec = whole(decodeStandard)
		}
		c.fields[name] = fieldCodec{index: i, decode: dec}
	}
	return c
}

var (
	timeType        = reflect.TypeFor[Time]()
	stringType      = reflect.TypeFor[string]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textType        = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// valueDecoder returns how a field of type t is decoded: strings,
// booleans, ints, structs, pointers to structs, maps of strings, slices of
// strings, empty arrays and timestamps without encoding/json; any other
// value, and any type with a decoding method of its own, with it. Objects
// are read in the pass that reads their members.
func valueDecoder(t reflect.Type) func([]byte, int, reflect.Value) (int, bool) {
	if t == timeType {
		return whole(func(v []byte, f reflect.Value) bool { return fastTime(v, f.Addr().Interface().(*Time)) })
	}
	if p := reflect.PointerTo(t); p.Implements(unmarshalerType) || p.Implements(textType) {
		return whole(decodeStandard)
	}
	switch t.Kind() {
	case reflect.String:
		if t == reflect.TypeFor[string]() {
			return whole(func(v []byte, f reflect.Value) bool { return fastString(v, f.Addr().Interface().(*string)) })
		}
	case reflect.Bool:
		if t == reflect.TypeFor[bool]() {
			return whole(func(v []byte, f reflect.Value) bool { return fastBool(v, f.Addr().Interface().(*bool)) })
		}
	case reflect.Int:
		if t == reflect.TypeFor[int]() {
			return whole(func(v []byte, f reflect.Value) bool { return fastInt(v, f.Addr().Interface().(*int)) })
		}
	case reflect.Struct:
		return fastStruct
	case reflect.Pointer:
		if e := t.Elem(); e.Kind() == reflect.Struct && !t.Implements(unmarshalerType) && !t.Implements(textType) {
			return func(b []byte, i int, f reflect.Value) (int, bool) {
				if b[i] != '{' {
					end, ok := nullAt(b, i)
					if ok {
						f.SetZero()
					}
					return end, ok
				}
				if f.IsNil() {
					f.Set(reflect.New(e))
				}
				return fastStruct(b, i, f.Elem())
			}
		}
	case reflect.Map:
		if t == reflect.TypeFor[AvatarURLs]() || t == reflect.TypeFor[map[string]string]() {
			return fastStringMap
		}
	case reflect.Slice:
		if t.Elem() == stringType {
			return whole(func(v []byte, f reflect.Value) bool { return fastStrings(v, f.Addr().Interface().(*[]string)) })
		}
		return func(b []byte, i int, f reflect.Value) (int, bool) {
			if j := skipSpace(b, i+1); b[i] == '[' && j < len(b) && b[j] == ']' {
				f.Set(reflect.MakeSlice(t, 0, 0))
				return j + 1, true
			}
			return whole(decodeStandard)(b, i, f)
		}
	}
	return whole(decodeStandard)
}

// whole adapts a decoder of a delimited value to valueDecoder's form.
func whole(dec func(v []byte, f reflect.Value) bool) func([]byte, int, reflect.Value) (int, bool) {
	return func(b []byte, i int, f reflect.Value) (int, bool) {
		v, end, ok := valueAt(b, i)
		return end, ok && dec(v, f)
	}
}

// decodeStandard decodes v into the field f with encoding/json.
func decodeStandard(v []byte, f reflect.Value) bool {
	return json.Unmarshal(v, f.Addr().Interface()) == nil
}

// fastStruct decodes the JSON object (or null) starting at b[i] into the
// struct f.
func fastStruct(b []byte, i int, f reflect.Value) (int, bool) {
	if b[i] != '{' {
		return nullAt(b, i)
	}
	c := codecOf(f.Type())
	if c == nil {
		return whole(decodeStandard)(b, i, f)
	}
	end, err := walkObject(b, i, func(k []byte, i int) (int, error) { return c.member(k, b, i, f, c.skip) })
	return end, err == nil
}

// member decodes the member k, whose value starts at b[i], into the struct
// f: into its field when the type has one of that name, else by other
// (c.skip for a member the type does not hold); errNotFast when
// encoding/json must decode the struct.
func (c *structCodec) member(k, b []byte, i int, f reflect.Value, other func(k, v []byte) bool) (int, error) {
	if fc, ok := c.fields[string(k)]; ok {
		if end, ok := fc.decode(b, i, f.Field(fc.index)); ok {
			return end, nil
		}
		return 0, errNotFast
	}
	v, end, ok := valueAt(b, i)
	if !ok || !other(k, v) {
		return 0, errNotFast
	}
	return end, nil
}

// fastStringMap decodes an object of strings into a map of strings
// (AvatarURLs): null sets nil; members are added to the map, made when
// nil.
func fastStringMap(b []byte, i int, f reflect.Value) (int, bool) {
	var m map[string]string
	switch p := f.Addr().Interface().(type) {
	case *AvatarURLs:
		m = *p
	case *map[string]string:
		m = *p
	default:
		return whole(decodeStandard)(b, i, f)
	}
	if b[i] != '{' {
		end, ok := nullAt(b, i)
		if ok {
			f.SetZero()
		}
		return end, ok
	}
	if m == nil {
		m = make(map[string]string, 4)
	}
	end, err := walkObject(b, i, func(k []byte, i int) (int, error) {
		v, end, ok := valueAt(b, i)
		var s string
		if !ok || isJSONNull(v) || !fastString(v, &s) {
			return 0, errNotFast
		}
		m[string(k)] = s
		return end, nil
	})
	if err != nil {
		return 0, false
	}
	f.Set(reflect.ValueOf(m).Convert(f.Type()))
	return end, true
}

// fastStrings decodes an array of strings (a null element is "").
func fastStrings(v []byte, p *[]string) bool {
	if isJSONNull(v) {
		*p = nil
		return true
	}
	if len(v) == 0 || v[0] != '[' {
		return false
	}
	out := make([]string, 0, bytes.Count(v, []byte{','})+1)
	err := eachElement(v, func(e []byte) error {
		var s string
		if !fastString(e, &s) {
			return errNotFast
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return false
	}
	if len(out) == 0 {
		out = make([]string, 0)
	}
	*p = out
	return true
}

// fastTime decodes a Jira timestamp or date sent as a string, or null.
// Epoch milliseconds and anything ParseTime refuses take Time's own
// method.
func fastTime(v []byte, t *Time) bool {
	if isJSONNull(v) {
		*t = Time{}
		return true
	}
	var s string
	if len(v) < 2 || v[0] != '"' || !fastString(v, &s) {
		return false
	}
	tv, err := ParseTime(s)
	if err != nil {
		return false
	}
	*t = tv
	return true
}

// fastText decodes a description, an environment or a comment body (wiki
// markup, an Atlassian Document or null) as textOf does.
func fastText(v []byte, s *string) bool {
	if len(v) >= 2 && v[0] == '"' {
		return fastString(v, s)
	}
	if !validJSON(v) {
		return false
	}
	*s = textOf(v)
	return true
}

var (
	issueFieldsCodec = sync.OnceValue(func() *structCodec { return codecOf(reflect.TypeFor[issueFieldsJSON]()) })
	commentCodec     = sync.OnceValue(func() *structCodec { return codecOf(reflect.TypeFor[Comment]()) })
)

// decodeFast decodes the object b into f (zero) as IssueFields.UnmarshalJSON
// does when every typed field has the type it expects.
func (f *issueFieldsJSON) decodeFast(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return false
	}
	end, ok := f.walk(b, i)
	return ok && skipSpace(b, end) == len(b)
}

// walk is decodeFast for the object starting at b[i]; it returns the index
// just past it.
func (f *issueFieldsJSON) walk(b []byte, i int) (int, bool) {
	if b[i] != '{' {
		return nullAt(b, i)
	}
	c := issueFieldsCodec()
	fv := reflect.ValueOf(f).Elem()
	untyped := func(k, v []byte) bool { return f.untyped(c, k, v) }
	end, err := walkObject(b, i, func(k []byte, i int) (int, error) { return c.member(k, b, i, fv, untyped) })
	return end, err == nil
}

// decodeAt decodes the fields object starting at b[i] as UnmarshalJSON
// does and returns the index just past it.
func (f *IssueFields) decodeAt(b []byte, i int) (int, error) {
	var fast issueFieldsJSON
	if end, ok := fast.walk(b, i); ok {
		*f = IssueFields(fast)
		return end, nil
	}
	v, end, ok := valueAt(b, i)
	if !ok {
		return 0, errMalformedObject
	}
	return end, f.decodeStd(v)
}

// untyped decodes a member that has no typed field: a description, an
// environment, a custom field or another field.
func (f *issueFieldsJSON) untyped(c *structCodec, k, v []byte) bool {
	switch string(k) {
	case "description":
		f.Description = ""
		return fastText(v, &f.Description)
	case "environment":
		f.Environment = ""
		return fastText(v, &f.Environment)
	}
	if bytes.HasPrefix(k, customPrefix) {
		return decodeAnyChecked(&f.Custom, string(k), v)
	}
	if c.matchesFolded(k) {
		return false
	}
	return decodeAnyChecked(&f.Other, string(k), v)
}

// decodeFast decodes the comment b into c (zero) as Comment.UnmarshalJSON
// does when every field has the type it expects.
func (c *Comment) decodeFast(b []byte) bool {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return false
	}
	if b[i] != '{' {
		end, ok := nullAt(b, i)
		return ok && skipSpace(b, end) == len(b)
	}
	codec := commentCodec()
	cv := reflect.ValueOf(c).Elem()
	end, err := walkObject(b, i, func(k []byte, i int) (int, error) {
		if string(k) != "body" {
			return codec.member(k, b, i, cv, codec.skip)
		}
		v, end, ok := valueAt(b, i)
		c.Body = ""
		if !ok || !fastText(v, &c.Body) {
			return 0, errNotFast
		}
		return end, nil
	})
	return err == nil && skipSpace(b, end) == len(b)
}
