package jira

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// IssueType is an issue type (Task, Bug, Sub-task, ...).
type IssueType struct {
	Self           string `json:"self,omitempty" expr:"self"`
	ID             string `json:"id,omitempty" expr:"id"`
	Name           string `json:"name,omitempty" expr:"name"`
	Description    string `json:"description,omitempty" expr:"description"`
	Subtask        bool   `json:"subtask" expr:"subtask"`
	HierarchyLevel int    `json:"hierarchyLevel,omitempty" expr:"hierarchyLevel"`
	IconURL        string `json:"iconUrl,omitempty" expr:"iconUrl"`
}

// StatusCategory groups statuses: "new" (To Do), "indeterminate" (In
// Progress) and "done".
type StatusCategory struct {
	ID   int    `json:"id,omitempty" expr:"id"`
	Key  string `json:"key,omitempty" expr:"key"`
	Name string `json:"name,omitempty" expr:"name"`
}

// Status is an issue's workflow status.
type Status struct {
	Self           string         `json:"self,omitempty" expr:"self"`
	ID             string         `json:"id,omitempty" expr:"id"`
	Name           string         `json:"name,omitempty" expr:"name"`
	Description    string         `json:"description,omitempty" expr:"description"`
	StatusCategory StatusCategory `json:"statusCategory" expr:"statusCategory"`
}

// Priority is an issue priority.
type Priority struct {
	Self string `json:"self,omitempty" expr:"self"`
	ID   string `json:"id,omitempty" expr:"id"`
	Name string `json:"name,omitempty" expr:"name"`
}

// Resolution is how an issue was resolved.
type Resolution struct {
	Self        string `json:"self,omitempty" expr:"self"`
	ID          string `json:"id,omitempty" expr:"id"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
}

// IssueRef is the short form of an issue (parent, sub-tasks, linked
// issues).
type IssueRef struct {
	ID     string        `json:"id,omitempty" expr:"id"`
	Key    string        `json:"key,omitempty" expr:"key"`
	Self   string        `json:"self,omitempty" expr:"self"`
	Fields IssueRefField `json:"fields" expr:"fields"`
}

// IssueRefField holds the few fields Jira embeds in an IssueRef.
type IssueRefField struct {
	Summary   string    `json:"summary,omitempty" expr:"summary"`
	Status    Status    `json:"status" expr:"status"`
	Priority  *Priority `json:"priority,omitempty" expr:"priority"`
	IssueType IssueType `json:"issuetype" expr:"issuetype"`
}

// TimeTracking holds estimates and time spent.
type TimeTracking struct {
	OriginalEstimate         string `json:"originalEstimate,omitempty" expr:"originalEstimate"`
	RemainingEstimate        string `json:"remainingEstimate,omitempty" expr:"remainingEstimate"`
	TimeSpent                string `json:"timeSpent,omitempty" expr:"timeSpent"`
	OriginalEstimateSeconds  int64  `json:"originalEstimateSeconds,omitempty" expr:"originalEstimateSeconds"`
	RemainingEstimateSeconds int64  `json:"remainingEstimateSeconds,omitempty" expr:"remainingEstimateSeconds"`
	TimeSpentSeconds         int64  `json:"timeSpentSeconds,omitempty" expr:"timeSpentSeconds"`
}

// SecurityLevel is an issue security level.
type SecurityLevel struct {
	Self        string `json:"self,omitempty" expr:"self"`
	ID          string `json:"id,omitempty" expr:"id"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
}

// flexID is an id Jira sends as a JSON string or a number; it reads
// either as its text (a number in plain decimal notation), null as no id,
// and anything else as fmt.Sprint of the decoded value.
type flexID string

func (id *flexID) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]):
		*id = flexID(b[1 : len(b)-1])
		return nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			*id = flexID(strconv.FormatFloat(f, 'f', -1, 64))
			return nil
		}
	}
	// Left are strings with escapes, null, and values no id should be
	// (true, an object), read as the decoder sees them. No number gets
	// here as a float64: one ParseFloat rejects, the decoder rejects too.
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*id = ""
	if v != nil {
		*id = flexID(fmt.Sprint(v))
	}
	return nil
}
