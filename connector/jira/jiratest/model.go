package jiratest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Mode selects which Jira deployment the simulator imitates.
type Mode int

const (
	// Cloud imitates Jira Cloud: accountId users, enhanced search
	// (/search/jql with nextPageToken), the old /search answering 410,
	// OAuth 2.0 (3LO) and dynamic webhooks.
	Cloud Mode = iota
	// DataCenter imitates Jira Data Center 9.12: name/key users, /search
	// with startAt/total, /search/jql answering 404, passwords, personal
	// access tokens and the login CAPTCHA.
	DataCenter
)

// String returns "cloud" or "datacenter".
func (m Mode) String() string {
	if m == DataCenter {
		return "datacenter"
	}
	return "cloud"
}

// User is a Jira account. Zero fields are filled in by AddUser.
type User struct {
	// AccountID identifies the user on Cloud (generated when empty).
	AccountID string
	// Name is the Data Center login name (derived from Email when empty).
	Name string
	// Key is the stable Data Center user key, e.g. JIRAUSER10000
	// (generated when empty).
	Key string
	// DisplayName defaults to Name.
	DisplayName string
	// Email is the address used as the Basic auth user name on Cloud.
	Email string
	// TimeZone is the user's profile time zone, used for JQL date
	// literals; nil means Options.TimeZone.
	TimeZone *time.Location
	// Admin grants the "Administer Jira" global permission.
	Admin bool
	// Groups lists group names, used for comment visibility.
	Groups []string
	// Password is the Data Center password (Basic name:password).
	Password string
	// APIToken is the Cloud API token (Basic email:token).
	APIToken string
	// PAT is the Data Center personal access token (Bearer).
	PAT string
	// Active is reported by the REST API. AddUser always creates active
	// users; use DeactivateUser to deactivate one.
	Active bool
}

// String describes the user without its credentials, so that %v and %s
// never print passwords or tokens.
func (u User) String() string {
	return fmt.Sprintf("jiratest.User{AccountID:%q Name:%q Email:%q DisplayName:%q Admin:%t Password:[redacted] APIToken:[redacted] PAT:[redacted]}",
		u.AccountID, u.Name, u.Email, u.DisplayName, u.Admin)
}

// GoString implements fmt.GoStringer with credentials redacted.
func (u User) GoString() string { return u.String() }

// LogValue implements slog.LogValuer without credentials.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("accountId", u.AccountID), slog.String("name", u.Name), slog.String("email", u.Email))
}

// ID returns the identifier the simulator's mode uses for the user in
// REST bodies and JQL: the account id on Cloud, the name on Data Center.
func (u User) ID(m Mode) string {
	if m == DataCenter {
		return u.Name
	}
	return u.AccountID
}

// IssueType is an issue type of a project.
type IssueType struct {
	ID          string
	Name        string
	Description string
	Subtask     bool
}

// Status is a workflow status. Category is "new", "indeterminate" or
// "done".
type Status struct {
	ID       string
	Name     string
	Category string
}

// Transition is a workflow transition.
type Transition struct {
	ID   string
	Name string
	// From lists the status names the transition starts from; empty means
	// a global transition available from every other status.
	From []string
	// To is the target status name.
	To string
	// Resolution is true when the transition screen has the resolution
	// field; a transition into a "done" status without one sets the
	// resolution "Done", and one out of "done" clears it.
	Resolution bool
}

// Workflow is the statuses and transitions of a project.
type Workflow struct {
	Statuses    []Status
	Initial     string // initial status name; defaults to the first status
	Transitions []Transition
}

// Component is a project component.
type Component struct {
	ID          string
	Name        string
	Description string
	Project     string // project key
}

// Version is a project version.
type Version struct {
	ID          string
	Name        string
	Description string
	Project     string // project key
	Released    bool
	Archived    bool
	ReleaseDate string // yyyy-MM-dd
}

// Project is a Jira project. Zero fields are filled in by AddProject.
type Project struct {
	ID          string
	Key         string
	Name        string
	Description string
	// Lead is a user id (account id, name, key or email).
	Lead string
	// TypeKey is software, business or service_desk (default software).
	TypeKey    string
	IssueTypes []IssueType // default Task, Bug, Story, Sub-task
	Workflow   *Workflow   // default To Do -> In Progress -> Done
	Components []Component
	Versions   []Version
}

// Field is a custom field. Type is one of "string", "text" (multi-line),
// "number", "date", "datetime", "option" (single select), "options"
// (multi select), "labels", "user".
type Field struct {
	ID            string // customfield_NNNNN, generated when empty
	Name          string
	Type          string
	AllowedValues []string // for option and options
	// Required makes the field required on create for IssueTypes (all
	// issue types when empty).
	Required   bool
	IssueTypes []string
}

// SecurityLevel is an issue security level of a project.
type SecurityLevel struct {
	ID      string
	Name    string
	Project string
	Members []string // user ids
}

// IssueSeed describes an issue to seed or create. User fields take any
// user id (account id, name, key or email).
type IssueSeed struct {
	Project     string // project key (required)
	Key         string // optional explicit key for SeedIssue, e.g. DEMO-42
	IssueType   string // name or id, default the first non-subtask type
	Summary     string
	Description string
	Status      string // status name for SeedIssue, default the initial status
	Resolution  string // resolution name
	Priority    string // name or id, default Medium
	Assignee    string
	Reporter    string
	Labels      []string
	Components  []string // names or ids
	FixVersions []string // names or ids
	DueDate     string   // yyyy-MM-dd
	Parent      string   // parent issue key for sub-tasks
	Security    string   // security level name or id
	// Custom maps custom field ids (or names) to values: string, float64,
	// []string, or a user id for user fields.
	Custom  map[string]any
	Created time.Time // SeedIssue only; default now
	Updated time.Time // SeedIssue only; default Created
}

// Issue is a snapshot of an issue, as inspection methods return it.
type Issue struct {
	ID             string
	Key            string
	Project        string
	IssueType      string
	Summary        string
	Description    string
	Status         string
	StatusCategory string
	Resolution     string
	Priority       string
	Assignee       string // account id (Cloud) or name (Data Center); "" when unassigned
	Reporter       string
	Labels         []string
	Components     []string
	FixVersions    []string
	DueDate        string
	Parent         string
	Security       string
	Custom         map[string]any
	Properties     map[string]any
	Watchers       []string
	Created        time.Time
	Updated        time.Time
	ResolutionDate time.Time
}

// Comment is a snapshot of a comment.
type Comment struct {
	ID         string
	IssueKey   string
	Author     string
	Body       string
	Visibility *Visibility
	Created    time.Time
	Updated    time.Time
	// Properties are the comment's entity properties by key, as JSON.
	Properties map[string]json.RawMessage
}

// Visibility restricts a comment or worklog to a group or project role.
type Visibility struct {
	Type  string `json:"type"` // "group" or "role"
	Value string `json:"value"`
}

// Worklog is a snapshot of a worklog entry.
type Worklog struct {
	ID               string
	IssueKey         string
	Author           string
	Comment          string
	Started          time.Time
	TimeSpentSeconds int64
	Created          time.Time
	Updated          time.Time
	// Properties are the worklog's entity properties by key, as JSON.
	Properties map[string]json.RawMessage
}

// Webhook is a registered webhook as Webhooks reports it.
type Webhook struct {
	ID      string
	Dynamic bool // registered through /rest/api/2/webhook by an OAuth app
	Name    string
	URL     string
	Events  []string
	JQL     string
	Enabled bool
	// HasSecret is true when deliveries are signed (the secret itself is
	// never reported).
	HasSecret  bool
	Owner      string    // user id of the registering user
	Expiration time.Time // dynamic webhooks only
}
