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

// wholeValue returns b without surrounding white space when it holds one
// JSON value (whose inside is not checked yet), or false.
func wholeValue(b []byte) ([]byte, bool) {
	start := skipSpace(b, 0)
	end, err := skipValue(b, start)
	if err != nil || skipSpace(b, end) != len(b) {
		return nil, false
	}
	return b[start:end], true
}

// fastObject calls member with each member of the JSON object v, stopping
// at the first false. null has no members. Anything but an object is
// false.
func fastObject(v []byte, member func(key, value []byte) bool) bool {
	if isJSONNull(v) {
		return true
	}
	if len(v) == 0 || v[0] != '{' {
		return false
	}
	return eachMember(v, func(k, v []byte) error {
		if !member(k, v) {
			return errNotFast
		}
		return nil
	}) == nil
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
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '\\':
			if i+1 >= len(in) {
				return "", false
			}
			switch e := in[i+1]; e {
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
				r, ok := hex4(in[i+2:])
				if !ok || utf16.IsSurrogate(r) {
					return "", false
				}
				out = utf8.AppendRune(out, r)
				i += 6
				continue
			default:
				return "", false
			}
			i += 2
		case c == '"' || c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && size == 1 {
				return "", false
			}
			out = append(out, in[i:i+size]...)
			i += size
		}
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

// fastSkip accepts a member no field of the type holds, as encoding/json
// skips it, after checking that its value is valid JSON. A name equal to
// a field's but for case is false: encoding/json would decode it into
// that field.
func fastSkip(k, v []byte, names []string) bool {
	for _, n := range names {
		if foldEqual(k, n) {
			return false
		}
	}
	return validJSON(v)
}

// foldEqual reports whether the member name k equals the field name n
// under Unicode case folding, as encoding/json matches them.
func foldEqual(k []byte, n string) bool {
	for _, c := range k {
		if c >= utf8.RuneSelf {
			return strings.EqualFold(string(k), n)
		}
	}
	if len(k) != len(n) {
		return false
	}
	for i, c := range k {
		if d := n[i]; c != d {
			if lc := c | 0x20; lc < 'a' || lc > 'z' || lc != d|0x20 {
				return false
			}
		}
	}
	return true
}

// structCodec decodes the members of a JSON object into the fields of a
// struct type, found by reflection once per type.
type structCodec struct {
	// names are the member names of every exported field: a member
	// matching one of them only case-insensitively takes encoding/json's
	// path.
	names  []string
	fields map[string]fieldCodec
}

type fieldCodec struct {
	index  int
	decode func(v []byte, field reflect.Value) bool
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
	c := &structCodec{fields: make(map[string]fieldCodec, t.NumField())}
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
		dec := valueDecoder(sf.Type)
		if strings.Contains(","+opts+",", ",string,") {
			dec = decodeStandard
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
// booleans, ints, structs, pointers to structs, maps of strings,
// slices of strings, empty arrays and timestamps without encoding/json;
// any other value, and any type with a decoding method of its own, with
// it.
func valueDecoder(t reflect.Type) func([]byte, reflect.Value) bool {
	if t == timeType {
		return func(v []byte, f reflect.Value) bool { return fastTime(v, f.Addr().Interface().(*Time)) }
	}
	if p := reflect.PointerTo(t); p.Implements(unmarshalerType) || p.Implements(textType) {
		return decodeStandard
	}
	switch t.Kind() {
	case reflect.String:
		if t == reflect.TypeFor[string]() {
			return func(v []byte, f reflect.Value) bool { return fastString(v, f.Addr().Interface().(*string)) }
		}
	case reflect.Bool:
		if t == reflect.TypeFor[bool]() {
			return func(v []byte, f reflect.Value) bool { return fastBool(v, f.Addr().Interface().(*bool)) }
		}
	case reflect.Int:
		if t == reflect.TypeFor[int]() {
			return func(v []byte, f reflect.Value) bool { return fastInt(v, f.Addr().Interface().(*int)) }
		}
	case reflect.Struct:
		return fastStruct
	case reflect.Pointer:
		if e := t.Elem(); e.Kind() == reflect.Struct && !t.Implements(unmarshalerType) && !t.Implements(textType) {
			return func(v []byte, f reflect.Value) bool {
				if isJSONNull(v) {
					f.SetZero()
					return true
				}
				if f.IsNil() {
					f.Set(reflect.New(e))
				}
				return fastStruct(v, f.Elem())
			}
		}
	case reflect.Map:
		if t == reflect.TypeFor[AvatarURLs]() || t == reflect.TypeFor[map[string]string]() {
			return fastStringMap
		}
	case reflect.Slice:
		if t.Elem() == stringType {
			return func(v []byte, f reflect.Value) bool { return fastStrings(v, f.Addr().Interface().(*[]string)) }
		}
		return func(v []byte, f reflect.Value) bool {
			if len(v) >= 2 && v[0] == '[' && skipSpace(v, 1) == len(v)-1 {
				f.Set(reflect.MakeSlice(t, 0, 0))
				return true
			}
			return decodeStandard(v, f)
		}
	}
	return decodeStandard
}

// decodeStandard decodes v into the field f with encoding/json.
func decodeStandard(v []byte, f reflect.Value) bool {
	return json.Unmarshal(v, f.Addr().Interface()) == nil
}

// fastStruct decodes the JSON object (or null) v into the struct f.
func fastStruct(v []byte, f reflect.Value) bool {
	c := codecOf(f.Type())
	if c == nil {
		return decodeStandard(v, f)
	}
	return fastObject(v, func(k, v []byte) bool { return c.member(k, v, f) })
}

// member decodes one member of an object into the struct f.
func (c *structCodec) member(k, v []byte, f reflect.Value) bool {
	if fc, ok := c.fields[string(k)]; ok {
		return fc.decode(v, f.Field(fc.index))
	}
	return fastSkip(k, v, c.names)
}

// fastStringMap decodes an object of strings into a map of strings
// (AvatarURLs): null sets nil; members are added to the map, made when
// nil.
func fastStringMap(v []byte, f reflect.Value) bool {
	var m map[string]string
	switch p := f.Addr().Interface().(type) {
	case *AvatarURLs:
		m = *p
	case *map[string]string:
		m = *p
	default:
		return decodeStandard(v, f)
	}
	if isJSONNull(v) {
		f.SetZero()
		return true
	}
	if len(v) == 0 || v[0] != '{' {
		return false
	}
	if m == nil {
		m = make(map[string]string, 4)
	}
	ok := fastObject(v, func(k, v []byte) bool {
		var s string
		if isJSONNull(v) || !fastString(v, &s) {
			return false
		}
		m[string(k)] = s
		return true
	})
	if ok {
		f.Set(reflect.ValueOf(m).Convert(f.Type()))
	}
	return ok
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
	b, ok := wholeValue(b)
	if !ok || isJSONNull(b) {
		return ok
	}
	if b[0] != '{' {
		return false
	}
	c := issueFieldsCodec()
	fv := reflect.ValueOf(f).Elem()
	return eachMember(b, func(k, v []byte) error {
		if !f.member(c, fv, k, v) {
			return errNotFast
		}
		return nil
	}) == nil
}

func (f *issueFieldsJSON) member(c *structCodec, fv reflect.Value, k, v []byte) bool {
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
	if fc, ok := c.fields[string(k)]; ok {
		return fc.decode(v, fv.Field(fc.index))
	}
	for _, n := range c.names {
		if foldEqual(k, n) {
			return false
		}
	}
	return decodeAnyChecked(&f.Other, string(k), v)
}

// decodeFast decodes the comment b into c (zero) as Comment.UnmarshalJSON
// does when every field has the type it expects.
func (c *Comment) decodeFast(b []byte) bool {
	b, ok := wholeValue(b)
	if !ok {
		return false
	}
	codec := commentCodec()
	cv := reflect.ValueOf(c).Elem()
	return fastObject(b, func(k, v []byte) bool {
		if string(k) == "body" {
			c.Body = ""
			return fastText(v, &c.Body)
		}
		return codec.member(k, v, cv)
	})
}
