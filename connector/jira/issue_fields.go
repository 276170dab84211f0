package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// IssueFields holds an issue's fields: the standard ones typed, custom
// fields (customfield_NNNNN) in Custom and any other field Jira sent in
// Other. Pills read trigger.fields.summary, trigger.fields.priority?.name,
// trigger.fields.custom.customfield_10010.
type IssueFields struct {
	Summary        string         `json:"summary" expr:"summary"`
	Description    string         `json:"-" expr:"description"`
	Environment    string         `json:"-" expr:"environment"`
	IssueType      IssueType      `json:"issuetype" expr:"issuetype"`
	Project        ProjectRef     `json:"project" expr:"project"`
	Status         Status         `json:"status" expr:"status"`
	Priority       *Priority      `json:"priority,omitempty" expr:"priority"`
	Resolution     *Resolution    `json:"resolution,omitempty" expr:"resolution"`
	Assignee       *User          `json:"assignee,omitempty" expr:"assignee"`
	Reporter       *User          `json:"reporter,omitempty" expr:"reporter"`
	Creator        *User          `json:"creator,omitempty" expr:"creator"`
	Labels         []string       `json:"labels" expr:"labels"`
	Components     []Component    `json:"components,omitempty" expr:"components"`
	FixVersions    []Version      `json:"fixVersions,omitempty" expr:"fixVersions"`
	Versions       []Version      `json:"versions,omitempty" expr:"versions"`
	Created        Time           `json:"created" expr:"created"`
	Updated        Time           `json:"updated" expr:"updated"`
	ResolutionDate Time           `json:"resolutiondate" expr:"resolutiondate"`
	DueDate        Time           `json:"duedate" expr:"duedate"`
	Parent         *IssueRef      `json:"parent,omitempty" expr:"parent"`
	Subtasks       []IssueRef     `json:"subtasks,omitempty" expr:"subtasks"`
	IssueLinks     []IssueLink    `json:"issuelinks,omitempty" expr:"issuelinks"`
	Attachment     []Attachment   `json:"attachment,omitempty" expr:"attachment"`
	Comment        *CommentPage   `json:"comment,omitempty" expr:"comment"`
	Worklog        *WorklogPage   `json:"worklog,omitempty" expr:"worklog"`
	TimeTracking   *TimeTracking  `json:"timetracking,omitempty" expr:"timetracking"`
	Security       *SecurityLevel `json:"security,omitempty" expr:"security"`
	Watches        *Watches       `json:"watches,omitempty" expr:"watches"`
	// Custom holds custom field values by id ("customfield_10010"), as
	// decoded JSON (string, float64, bool, []any, map[string]any or nil).
	// Resolve display names to ids with Client.Fields.ID.
	Custom map[string]any `json:"-" expr:"custom"`
	// Named holds the same custom field values by display name ("Story
	// Points"), when the connection's Config.CustomFieldNames is set; a
	// name two fields share is written "Name (customfield_10010)" for each.
	Named map[string]any `json:"named,omitempty" expr:"named"`
	// Other holds fields this type does not model, by id.
	Other map[string]any `json:"-" expr:"other"`
}

// issueFieldsJSON has IssueFields' layout without its methods, so the
// standard decoder fills the typed fields.
type issueFieldsJSON IssueFields

var knownFieldNames = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{"description": true, "environment": true}
	t := reflect.TypeFor[issueFieldsJSON]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known[name] = true
		}
	}
	return known
})

// UnmarshalJSON decodes the standard fields and collects custom and other
// fields. A description sent as an Atlassian Document (by v3 consumers of
// webhooks) is reduced to its text.
//
// Fields in the shapes Jira sends are decoded in one walk over the
// object's members (see json_fast.go). Otherwise the typed fields are
// decoded by the standard decoder, which skips the keys it does not know;
// one allocation-free walk over the object's members then picks out those
// keys, and each custom or other value is decoded once, on its own.
func (f *IssueFields) UnmarshalJSON(b []byte) error {
	var fast issueFieldsJSON
	if fast.decodeFast(b) {
		*f = IssueFields(fast)
		return nil
	}
	return f.decodeStd(b)
}

// decodeStd is UnmarshalJSON for fields in any shape.
func (f *IssueFields) decodeStd(b []byte) error {
	known := knownFieldNames()
	var std issueFieldsJSON
	if err := json.Unmarshal(b, &std); err != nil {
		var raw map[string]json.RawMessage
		if rerr := json.Unmarshal(b, &raw); rerr != nil {
			return rerr
		}
		// A field in an unexpected shape (documentation examples and some
		// apps send them) must not hide the others: decode field by field
		// and keep what does not fit in Other.
		std = lenientFields(raw, known)
	}
	err := eachMember(b, func(k []byte, v []byte) error {
		switch {
		case string(k) == "description":
			std.Description = textOf(v)
		case string(k) == "environment":
			std.Environment = textOf(v)
		case bytes.HasPrefix(k, customPrefix):
			return putDecoded(&std.Custom, string(k), v)
		case !known[string(k)]:
			return putDecoded(&std.Other, string(k), v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*f = IssueFields(std)
	return nil
}

var customPrefix = []byte("customfield_")

// eachMember calls fn with the key and the raw value of each member of the
// JSON object b, in order; the key is unquoted (and only copied when it
// holds escapes), the value is a slice of b. null calls fn for nothing.
// Malformed input is an error, never a panic.
func eachMember(b []byte, fn func(key, value []byte) error) error {
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == 'n' {
		if _, err := skipValue(b, i); err != nil {
			return err
		}
		return nil
	}
	_, err := walkObject(b, i, func(k []byte, i int) (int, error) {
		end, err := skipValue(b, i)
		if err != nil {
			return 0, err
		}
		return end, fn(k, b[i:end])
	})
	return err
}

// walkObject calls member with the key of each member of the JSON object
// starting at b[i] and the index where its value starts; member reads the
// value and returns the index just past it. walkObject returns the index
// just past the object. Unlike eachMember, which finds the end of each
// value before handing it over, it lets a decoder read nested objects in
// the same pass.
func walkObject(b []byte, i int, member func(key []byte, i int) (int, error)) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return 0, errors.New("jira: expected a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, errMalformedObject
		}
		end, err := skipString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : end-1]
		if !plainString(key) {
			// Escapes or invalid UTF-8: unquote as encoding/json does.
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return 0, err
			}
			key = []byte(s)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, errMalformedObject
		}
		start := skipSpace(b, i+1)
		if start >= len(b) {
			return 0, errMalformedObject
		}
		if end, err = member(key, start); err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(b, end, '}'); done || err != nil {
			return i, err
		}
	}
}

// eachElement calls fn with each element of the JSON array b, in order.
func eachElement(b []byte, fn func(value []byte) error) error {
	_, err := walkArray(b, skipSpace(b, 0), func(i int) (int, error) {
		end, err := skipValue(b, i)
		if err != nil {
			return 0, err
		}
		return end, fn(b[i:end])
	})
	return err
}

// walkArray is walkObject for the elements of the array starting at b[i].
func walkArray(b []byte, i int, element func(i int) (int, error)) (int, error) {
	if i >= len(b) || b[i] != '[' {
		return 0, errMalformedObject
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(b) {
			return 0, errMalformedObject
		}
		end, err := element(i)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterValue(b, end, ']'); done || err != nil {
			return i, err
		}
	}
}

var errMalformedObject = errors.New("jira: malformed JSON")

// afterValue steps over what follows a member or element of an object or
// array ending at end: a comma (next is where the following one starts) or
// the closing byte (done; next is just past it).
func afterValue(b []byte, end int, closing byte) (next int, done bool, err error) {
	i := skipSpace(b, end)
	if i >= len(b) {
		return 0, false, errMalformedObject
	}
	switch b[i] {
	case ',':
		return skipSpace(b, i+1), false, nil
	case closing:
		return i + 1, true, nil
	}
	return 0, false, errMalformedObject
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at b[i]. It
// jumps from quote to quote (bytes.IndexByte reads many bytes at a time):
// a quote ends the string unless an odd number of backslashes precede it.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			break
		}
		j += q
		escapes := 0
		for k := j - 1; k > i && b[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return j + 1, nil
		}
		j++
	}
	return 0, errMalformedObject
}

// skipValue returns the index just past the JSON value starting at b[i].
// It finds the value's end; it does not validate what lies inside (the
// standard decoder has done that).
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errMalformedObject
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errMalformedObject
	}
	// A number, true, false or null.
	j := i
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] >= 'a' && b[j] <= 'z' || b[j] >= 'A' && b[j] <= 'Z' || b[j] == '-' || b[j] == '+' || b[j] == '.') {
		j++
	}
	if j == i {
		return 0, errMalformedObject
	}
	return j, nil
}

// putDecoded decodes the JSON value v into (*m)[k], making the map on first
// use.
func putDecoded(m *map[string]any, k string, v []byte) error {
	val, err := decodeAny(v)
	if err != nil {
		return err
	}
	if *m == nil {
		*m = make(map[string]any)
	}
	(*m)[k] = val
	return nil
}

// decodeAny decodes one JSON value as encoding/json does into an any,
// without its set-up cost for the common scalars: null, booleans, numbers
// and strings without escapes.
func decodeAny(v []byte) (any, error) {
	if len(v) > 0 {
		switch c := v[0]; {
		case c == 'n' && string(v) == "null":
			return nil, nil
		case c == 't' && string(v) == "true":
			return true, nil
		case c == 'f' && string(v) == "false":
			return false, nil
		case c == '"' && len(v) >= 2 && v[len(v)-1] == '"' && plainString(v[1:len(v)-1]):
			return string(v[1 : len(v)-1]), nil
		case c == '-' || c >= '0' && c <= '9':
			if f, err := strconv.ParseFloat(string(v), 64); err == nil {
				return f, nil
			}
		}
	}
	var val any
	if err := json.Unmarshal(v, &val); err != nil {
		return nil, err
	}
	return val, nil
}

// plainString reports whether s, the inside of a JSON string, decodes to
// itself: no escapes, no control characters, valid UTF-8.
func plainString(s []byte) bool {
	ascii := true
	for _, c := range s {
		switch {
		case c == '\\' || c == '"' || c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.Valid(s)
}

// MarshalJSON writes the fields back in Jira's shape: custom and other
// fields as top-level keys, in sorted order.
func (f IssueFields) MarshalJSON() ([]byte, error) {
	std, err := json.Marshal(issueFieldsJSON(f))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(std[:len(std)-1])
	writeKV := func(k string, v any) error {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
		return nil
	}
	if f.Description != "" {
		if err := writeKV("description", f.Description); err != nil {
			return nil, err
		}
	}
	if f.Environment != "" {
		if err := writeKV("environment", f.Environment); err != nil {
			return nil, err
		}
	}
	for _, m := range []map[string]any{f.Custom, f.Other} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := writeKV(k, m[k]); err != nil {
				return nil, err
			}
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// textOf reads a wiki-markup string, or the text of an Atlassian Document
// Format object, or "" for null.
func textOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == 'n' {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var sb strings.Builder
	if adfWalk(raw, &sb) != nil {
		// Not an object after all: walk it generically.
		sb.Reset()
		var doc any
		if json.Unmarshal(raw, &doc) != nil {
			return ""
		}
		adfText(&sb, doc)
	}
	return strings.TrimRight(sb.String(), "\n")
}

// adfWalk writes the text of the Atlassian Document node b as adfText
// does, reading the JSON in place instead of building generic maps.
func adfWalk(b []byte, sb *strings.Builder) error {
	var typ, text string
	var content []byte
	err := eachMember(b, func(k, v []byte) error {
		switch string(k) {
		case "type":
			typ = stringOrEmpty(v)
		case "text":
			text = stringOrEmpty(v)
		case "content":
			content = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch typ {
	case "text":
		sb.WriteString(text)
	case "hardBreak":
		sb.WriteByte('\n')
	}
	if len(content) > 0 && content[0] == '[' {
		err := eachElement(content, func(v []byte) error {
			if v[0] == '{' {
				return adfWalk(v, sb)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	switch typ {
	case "paragraph", "heading", "listItem", "codeBlock", "blockquote":
		sb.WriteByte('\n')
	}
	return nil
}

// stringOrEmpty decodes the JSON string v, or returns "" for any other
// value.
func stringOrEmpty(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if plainString(v[1 : len(v)-1]) {
		return string(v[1 : len(v)-1])
	}
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

func adfText(sb *strings.Builder, node any) {
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	if t, _ := m["type"].(string); t == "text" {
		s, _ := m["text"].(string)
		sb.WriteString(s)
	} else if t == "hardBreak" {
		sb.WriteByte('\n')
	}
	content, _ := m["content"].([]any)
	for _, c := range content {
		adfText(sb, c)
	}
	switch m["type"] {
	case "paragraph", "heading", "listItem", "codeBlock", "blockquote":
		sb.WriteByte('\n')
	}
}

// lenientFields decodes each known field on its own; a field that does not
// decode is kept, as generic JSON, in Other.
func lenientFields(raw map[string]json.RawMessage, known map[string]bool) issueFieldsJSON {
	var std issueFieldsJSON
	sv := reflect.ValueOf(&std).Elem()
	t := sv.Type()
	index := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		index[name] = i
	}
	for k, v := range raw {
		i, ok := index[k]
		if !ok || !known[k] || k == "description" || k == "environment" {
			continue
		}
		f := reflect.New(t.Field(i).Type)
		if err := json.Unmarshal(v, f.Interface()); err != nil {
			var val any
			_ = json.Unmarshal(v, &val)
			if std.Other == nil {
				std.Other = make(map[string]any)
			}
			std.Other[k] = val
			continue
		}
		sv.Field(i).Set(f.Elem())
	}
	return std
}
