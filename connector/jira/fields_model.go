package jira

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
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
	// Other holds fields this type does not model, by id.
	Other map[string]any `json:"-" expr:"other"`
}

// WorklogPage is the worklog field embedded in an issue.
type WorklogPage struct {
	Worklogs   []Worklog `json:"worklogs" expr:"worklogs"`
	StartAt    int       `json:"startAt" expr:"startAt"`
	MaxResults int       `json:"maxResults" expr:"maxResults"`
	Total      int       `json:"total" expr:"total"`
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
func (f *IssueFields) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	known := knownFieldNames()
	var std issueFieldsJSON
	if err := json.Unmarshal(b, &std); err != nil {
		// A field in an unexpected shape (documentation examples and some
		// apps send them) must not hide the others: decode field by field
		// and keep what does not fit in Other.
		std = lenientFields(raw, known)
	}
	for k, v := range raw {
		switch {
		case k == "description":
			std.Description = textOf(v)
		case k == "environment":
			std.Environment = textOf(v)
		case strings.HasPrefix(k, "customfield_"):
			if std.Custom == nil {
				std.Custom = make(map[string]any)
			}
			var val any
			if err := json.Unmarshal(v, &val); err != nil {
				return err
			}
			std.Custom[k] = val
		case !known[k] || std.Other[k] != nil:
			if std.Other == nil {
				std.Other = make(map[string]any)
			}
			if std.Other[k] != nil {
				continue
			}
			var val any
			if err := json.Unmarshal(v, &val); err != nil {
				return err
			}
			std.Other[k] = val
		}
	}
	*f = IssueFields(std)
	return nil
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
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return ""
	}
	var sb strings.Builder
	adfText(&sb, doc)
	return strings.TrimRight(sb.String(), "\n")
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
