package jira

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// FieldSchema describes a field's type.
type FieldSchema struct {
	// Type is "string", "number", "date", "datetime", "user", "option",
	// "array", "priority", "project", "issuetype", "any", ...
	Type string `json:"type" expr:"type"`
	// Items is the element type of an array field.
	Items string `json:"items,omitempty" expr:"items"`
	// System names a system field ("labels", "components", ...).
	System string `json:"system,omitempty" expr:"system"`
	// Custom is a custom field's type key, such as
	// "com.atlassian.jira.plugin.system.customfieldtypes:select".
	Custom   string `json:"custom,omitempty" expr:"custom"`
	CustomID int64  `json:"customId,omitempty" expr:"customId"`
}

// Field is an entry of GET /rest/api/2/field.
type Field struct {
	ID          string      `json:"id" expr:"id"`
	Key         string      `json:"key,omitempty" expr:"key"`
	Name        string      `json:"name" expr:"name"`
	Custom      bool        `json:"custom" expr:"custom"`
	Orderable   bool        `json:"orderable" expr:"orderable"`
	Navigable   bool        `json:"navigable" expr:"navigable"`
	Searchable  bool        `json:"searchable" expr:"searchable"`
	ClauseNames []string    `json:"clauseNames,omitempty" expr:"clauseNames"`
	Schema      FieldSchema `json:"schema" expr:"schema"`
}

// AllowedValue is one value a field accepts (an option, a priority, a
// component, a version, a resolution...). Which of Name, Value and Key is
// set depends on the field.
type AllowedValue struct {
	Self  string `json:"self,omitempty" expr:"self"`
	ID    string `json:"id,omitempty" expr:"id"`
	Name  string `json:"name,omitempty" expr:"name"`
	Value string `json:"value,omitempty" expr:"value"`
	Key   string `json:"key,omitempty" expr:"key"`
}

// Label returns the human name of the value.
func (v AllowedValue) Label() string {
	switch {
	case v.Name != "":
		return v.Name
	case v.Value != "":
		return v.Value
	case v.Key != "":
		return v.Key
	}
	return v.ID
}

// FieldMeta describes a field on a create, edit or transition screen.
type FieldMeta struct {
	FieldID         string         `json:"fieldId,omitempty" expr:"fieldId"`
	Key             string         `json:"key,omitempty" expr:"key"`
	Name            string         `json:"name" expr:"name"`
	Required        bool           `json:"required" expr:"required"`
	HasDefaultValue bool           `json:"hasDefaultValue,omitempty" expr:"hasDefaultValue"`
	DefaultValue    any            `json:"defaultValue,omitempty" expr:"defaultValue"`
	Operations      []string       `json:"operations,omitempty" expr:"operations"`
	AllowedValues   []AllowedValue `json:"allowedValues,omitempty" expr:"allowedValues"`
	AutoCompleteURL string         `json:"autoCompleteUrl,omitempty" expr:"autoCompleteUrl"`
	Schema          FieldSchema    `json:"schema" expr:"schema"`
}

// FieldsService lists fields and resolves field names.
type FieldsService service

// List returns every field (system and custom) the account can see.
func (s *FieldsService) List(ctx context.Context) ([]Field, *Response, error) {
	return callJSON[[]Field](ctx, s.client, "GET", apiPath("/field"), nil, nil)
}

// cached returns the field list, fetched once per connection (refresh
// forces a new fetch).
func (s *FieldsService) cached(ctx context.Context, refresh bool) ([]Field, error) {
	c := s.client
	c.fieldsMu.Lock()
	defer c.fieldsMu.Unlock()
	if c.fieldsCache != nil && !refresh {
		return c.fieldsCache, nil
	}
	fields, _, err := s.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("jira: reading the field list: %w", err)
	}
	c.fieldsCache = fields
	return fields, nil
}

// Resolve returns the field whose id, key or display name is nameOrID
// (names compare case-insensitively). Names are resolved through the field
// list, cached per connection and fetched again once when a name is not
// found (a field added since). A name shared by several fields is an error
// listing their ids: use the id instead.
func (s *FieldsService) Resolve(ctx context.Context, nameOrID string) (Field, error) {
	want := strings.TrimSpace(nameOrID)
	if want == "" {
		return Field{}, fmt.Errorf("jira: empty field name")
	}
	for attempt := range 2 {
		fields, err := s.cached(ctx, attempt == 1)
		if err != nil {
			return Field{}, err
		}
		f, found, err := matchField(fields, want)
		if err != nil || found {
			return f, err
		}
	}
	return Field{}, fmt.Errorf("jira: no field is named %q (nor has that id); check the spelling, or that the field exists and the account can see it", want)
}

// ID returns the id of the field named nameOrID (see Resolve).
func (s *FieldsService) ID(ctx context.Context, nameOrID string) (string, error) {
	f, err := s.Resolve(ctx, nameOrID)
	return f.ID, err
}

func matchField(fields []Field, want string) (Field, bool, error) {
	for _, f := range fields {
		if f.ID == want || (f.Key != "" && f.Key == want) {
			return f, true, nil
		}
	}
	var hits []Field
	for _, f := range fields {
		if strings.EqualFold(f.Name, want) {
			hits = append(hits, f)
		}
	}
	switch len(hits) {
	case 0:
		return Field{}, false, nil
	case 1:
		return hits[0], true, nil
	}
	ids := make([]string, len(hits))
	for i, f := range hits {
		ids[i] = f.ID
	}
	slices.Sort(ids)
	return Field{}, false, fmt.Errorf("jira: the field name %q is ambiguous: it is used by %s; use one of these ids instead", want, strings.Join(ids, ", "))
}

// nameCustomFields fills IssueFields.Named of each issue from the cached
// field list, when Config.CustomFieldNames asks for it.
func (c *Client) nameCustomFields(ctx context.Context, issues []Issue) error {
	if !c.cfg.CustomFieldNames || len(issues) == 0 {
		return nil
	}
	fields, err := c.Fields.cached(ctx, false)
	if err != nil {
		return err
	}
	names := customFieldNames(fields)
	for i := range issues {
		f := &issues[i].Fields
		if len(f.Custom) == 0 {
			continue
		}
		f.Named = make(map[string]any, len(f.Custom))
		for id, v := range f.Custom {
			name, ok := names[id]
			if !ok {
				name = id // a field added since the list was read
			}
			f.Named[name] = v
		}
	}
	return nil
}

// customFieldNames maps custom field ids to display names; a name several
// fields share gets its id appended, so no value hides another.
func customFieldNames(fields []Field) map[string]string {
	count := map[string]int{}
	for _, f := range fields {
		if f.Custom {
			count[f.Name]++
		}
	}
	out := make(map[string]string, len(count))
	for _, f := range fields {
		if !f.Custom {
			continue
		}
		if count[f.Name] > 1 {
			out[f.ID] = f.Name + " (" + f.ID + ")"
		} else {
			out[f.ID] = f.Name
		}
	}
	return out
}
