package jira

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestShapeValue(t *testing.T) {
	opt := FieldMeta{Name: "Colour", Schema: FieldSchema{Type: "option"}, AllowedValues: []AllowedValue{{ID: "1", Value: "Red"}, {ID: "2", Value: "Blue"}}}
	multi := FieldMeta{Name: "Parts", Schema: FieldSchema{Type: "array", Items: "component"}, AllowedValues: []AllowedValue{{ID: "7", Name: "API"}}}
	cases := []struct {
		d    Deployment
		m    FieldMeta
		in   any
		want string
		err  string
	}{
		{Cloud, opt, "blue", `{"value":"Blue"}`, ""},
		{Cloud, opt, "green", "", `does not accept "green"; allowed: "Red", "Blue"`},
		{Cloud, multi, []string{"api"}, `[{"id":"7"}]`, ""},
		{Cloud, FieldMeta{Name: "Owner", Schema: FieldSchema{Type: "user"}}, "5b10", `{"accountId":"5b10"}`, ""},
		{DataCenter, FieldMeta{Name: "Owner", Schema: FieldSchema{Type: "user"}}, "jsmith", `{"name":"jsmith"}`, ""},
		{Cloud, FieldMeta{Name: "Points", Schema: FieldSchema{Type: "number"}}, "3.5", `3.5`, ""},
		{Cloud, FieldMeta{Name: "Points", Schema: FieldSchema{Type: "number"}}, "lots", "", "takes a number"},
		{Cloud, FieldMeta{Name: "Due", Schema: FieldSchema{Type: "date"}}, "2026-13-01", "", "takes a date"},
		{Cloud, FieldMeta{Name: "Labels", Schema: FieldSchema{Type: "array", Items: "string"}}, "a, b", `["a","b"]`, ""},
		{Cloud, FieldMeta{Name: "P", Schema: FieldSchema{Type: "priority"}}, "High", `{"name":"High"}`, ""},
		{Cloud, opt, map[string]any{"value": "Red", "child": map[string]any{"value": "x"}}, `{"child":{"value":"x"},"value":"Red"}`, ""},
	}
	for i, c := range cases {
		got, err := shapeValue(c.d, c.m, c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%d: error %v, want %q", i, err, c.err)
			}
			continue
		}
		b, _ := json.Marshal(got)
		if err != nil || string(b) != c.want {
			t.Errorf("%d: got %s %v, want %s", i, b, err, c.want)
		}
	}
}
