package jira

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// shapeValue turns a user's value for a field (usually a string, a number
// or a list of strings, as pills produce them) into the JSON shape Jira
// wants for the field's type, checking it against the field's allowed
// values. Maps and lists of maps are taken as already shaped.
func shapeValue(d Deployment, m FieldMeta, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch v.(type) {
	case map[string]any, []map[string]any, json.RawMessage:
		return v, nil
	}
	t := m.Schema.Type
	if t == "array" {
		items := toList(v)
		out := make([]any, 0, len(items))
		for _, it := range items {
			if _, ok := it.(map[string]any); ok {
				out = append(out, it)
				continue
			}
			sv, err := shapeScalar(d, m, m.Schema.Items, it)
			if err != nil {
				return nil, err
			}
			out = append(out, sv)
		}
		return out, nil
	}
	return shapeScalar(d, m, t, v)
}

func shapeScalar(d Deployment, m FieldMeta, typ string, v any) (any, error) {
	switch typ {
	case "number":
		switch x := v.(type) {
		case int, int64, float64, float32, int32:
			return x, nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("field %s takes a number, not %q", m.Name, x)
			}
			return f, nil
		}
		return nil, fmt.Errorf("field %s takes a number, not %T", m.Name, v)
	case "date":
		if t, ok := timeOf(v); ok {
			return t.Format(DateLayout), nil
		}
		if x, ok := v.(string); ok {
			if _, err := time.Parse(DateLayout, x); err != nil {
				return nil, fmt.Errorf("field %s takes a date like 2026-03-11, not %q", m.Name, x)
			}
			return x, nil
		}
	case "datetime":
		if t, ok := timeOf(v); ok {
			return t.Format(TimeLayout), nil
		}
		if x, ok := v.(string); ok {
			t, err := ParseTime(x)
			if err != nil {
				return nil, fmt.Errorf("field %s takes a date and time like 2026-03-11T15:04:05.000+0000, not %q", m.Name, x)
			}
			return t.Time.Format(TimeLayout), nil
		}
	case "user":
		if s, ok := v.(string); ok {
			return userRef(d, s), nil
		}
	case "group":
		if s, ok := v.(string); ok {
			return map[string]any{"name": s}, nil
		}
	case "issuelink", "issuelinks", "parent":
		if s, ok := v.(string); ok {
			return map[string]any{"key": s}, nil
		}
	case "string":
		switch x := v.(type) {
		case string:
			if len(m.AllowedValues) > 0 {
				if _, err := matchAllowed(m, x); err != nil {
					return nil, err
				}
			}
			return x, nil
		case fmt.Stringer:
			return x.String(), nil
		case int, int64, float64, bool:
			return fmt.Sprint(x), nil
		}
	case "option", "priority", "resolution", "version", "component", "securitylevel", "issuetype", "project":
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		if len(m.AllowedValues) > 0 {
			av, err := matchAllowed(m, s)
			if err != nil {
				return nil, err
			}
			if typ == "option" && av.Value != "" {
				return map[string]any{"value": av.Value}, nil
			}
			if av.ID != "" {
				return map[string]any{"id": av.ID}, nil
			}
		}
		if typ == "option" {
			return map[string]any{"value": s}, nil
		}
		if typ == "project" {
			return map[string]any{"key": s}, nil
		}
		return map[string]any{"name": s}, nil
	default:
		return v, nil
	}
	return nil, fmt.Errorf("field %s (type %s) cannot take a %T value", m.Name, typ, v)
}

// matchAllowed finds s among the field's allowed values by id, name, value
// or key (case-insensitive). The error lists what is allowed.
func matchAllowed(m FieldMeta, s string) (AllowedValue, error) {
	w := strings.TrimSpace(s)
	for _, av := range m.AllowedValues {
		if av.ID == w {
			return av, nil
		}
	}
	for _, av := range m.AllowedValues {
		if strings.EqualFold(av.Name, w) || strings.EqualFold(av.Value, w) || (av.Key != "" && strings.EqualFold(av.Key, w)) {
			return av, nil
		}
	}
	labels := make([]string, len(m.AllowedValues))
	for i, av := range m.AllowedValues {
		labels[i] = fmt.Sprintf("%q", av.Label())
	}
	return AllowedValue{}, fmt.Errorf("field %s does not accept %q; allowed: %s", m.Name, s, strings.Join(labels, ", "))
}

// toList turns a value into a list of items: a slice as is, a string split
// on commas when it holds several, anything else as one item.
func toList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case string:
		if strings.Contains(x, ",") {
			var out []any
			for _, p := range strings.Split(x, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		}
		return []any{x}
	}
	return []any{v}
}

// timeOf returns the instant v holds when it is a time.Time or a Time.
func timeOf(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case Time:
		return x.Time, true
	}
	return time.Time{}, false
}
