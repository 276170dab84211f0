package recipe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// redactedJSON replaces the value of a field tagged `recipe:"secret"` in
// job records. auth.Secret values redact themselves.
const redactedJSON = "[redacted]"

// redactor marshals values of one type to JSON for job records, replacing
// fields tagged `recipe:"secret"` (at any depth) with "[redacted]".
type redactor struct {
	typ     reflect.Type
	secrets bool
}

var redactors sync.Map // reflect.Type -> *redactor

func redactorFor(t reflect.Type) *redactor {
	if r, ok := redactors.Load(t); ok {
		return r.(*redactor)
	}
	r := &redactor{typ: t, secrets: hasSecret(t, map[reflect.Type]bool{})}
	redactors.Store(t, r)
	return r
}

func isSecretField(f reflect.StructField) bool {
	for _, opt := range strings.Split(f.Tag.Get("recipe"), ",") {
		if opt == "secret" {
			return true
		}
	}
	return false
}

func hasSecret(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return hasSecret(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if isSecretField(f) || hasSecret(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

func (r *redactor) marshal(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil || !r.secrets {
		return b, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	generic = redactValue(r.typ, generic)
	return json.Marshal(generic)
}

func jsonName(f reflect.StructField) (name string, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	name, _, _ = strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, false
}

// redactValue walks a decoded JSON value alongside its Go type.
func redactValue(t reflect.Type, v any) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		redactStruct(t, m)
		return m
	case reflect.Slice, reflect.Array:
		if l, ok := v.([]any); ok {
			for i := range l {
				l[i] = redactValue(t.Elem(), l[i])
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				m[k] = redactValue(t.Elem(), m[k])
			}
		}
	}
	return v
}

func redactStruct(t reflect.Type, m map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, skip := jsonName(f)
		if skip || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && f.Tag.Get("json") == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				redactStruct(ft, m)
				continue
			}
		}
		val, ok := m[name]
		if !ok {
			continue
		}
		if isSecretField(f) {
			if val != nil {
				m[name] = redactedJSON
			}
			continue
		}
		m[name] = redactValue(f.Type, val)
	}
}
