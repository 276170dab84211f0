package jiratest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// entityProperty is one {"key", "value"} entry of the properties array a
// comment or worklog create request may carry, and that expand=properties
// returns.
type entityProperty struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// entityProps are an entity's properties in the order they were set, one
// per key.
type entityProps []entityProperty

// Jira's limits on entity properties.
const (
	maxPropertyKey   = 255
	maxPropertyValue = 32768
)

// parseEntityProperties checks the properties of a create request as Jira
// does: a key of 1-255 characters and a JSON value of at most 32 KB. A
// later entry replaces an earlier one of the same key.
func parseEntityProperties(in []entityProperty) (entityProps, *apiError) {
	var out entityProps
	for _, p := range in {
		switch v := strings.TrimSpace(string(p.Value)); {
		case p.Key == "":
			return nil, fieldErr(http.StatusBadRequest, "properties", "The property key cannot be null or empty.")
		case len([]rune(p.Key)) > maxPropertyKey:
			return nil, fieldErr(http.StatusBadRequest, "properties", "The property key cannot be longer than 255 characters.")
		case v == "" || v == "null":
			return nil, fieldErr(http.StatusBadRequest, "properties", "The property value cannot be null or empty.")
		case len(v) > maxPropertyValue:
			return nil, fieldErr(http.StatusBadRequest, "properties", "The property value cannot be longer than 32768 bytes.")
		}
		out = slices.DeleteFunc(out, func(q entityProperty) bool { return q.Key == p.Key })
		out = append(out, entityProperty{Key: p.Key, Value: slices.Clone(p.Value)})
	}
	return out, nil
}

// expandsProperties reports whether the request asks for expand=properties.
func expandsProperties(c *call) bool {
	for _, v := range c.r.URL.Query()["expand"] {
		for _, e := range strings.Split(v, ",") {
			if strings.TrimSpace(e) == "properties" {
				return true
			}
		}
	}
	return false
}

// withProperties adds the entity's properties to its JSON when the request
// asks for expand=properties, as Jira does for comments and worklogs.
func withProperties(c *call, m map[string]any, props entityProps) map[string]any {
	if !expandsProperties(c) {
		return m
	}
	list := make([]any, 0, len(props))
	for _, p := range props {
		var v any
		_ = json.Unmarshal(p.Value, &v)
		list = append(list, map[string]any{"key": p.Key, "value": v})
	}
	m["properties"] = list
	return m
}

// snapshot returns the properties by key, nil when there are none.
func (p entityProps) snapshot() map[string]json.RawMessage {
	if len(p) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(p))
	for _, e := range p {
		out[e.Key] = slices.Clone(e.Value)
	}
	return out
}
