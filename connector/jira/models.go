package jira

import (
	"encoding/json"
	"strconv"
)

// Value fields are used where Jira always sends the value; pointers only
// for objects Jira may omit or send as null (assignee, priority,
// resolution, parent, ...), so pills read trigger.fields.summary and
// trigger.fields.priority?.name. Every field carries an expr tag mirroring
// its JSON name, because expr ignores json tags.

// User is a Jira user on either deployment. On Cloud AccountID identifies
// the user and Name and Key are empty; on Server/Data Center Name (the
// login) and Key identify the user and AccountID is empty.
type User struct {
	Self         string            `json:"self,omitempty" expr:"self"`
	AccountID    string            `json:"accountId,omitempty" expr:"accountId"`
	AccountType  string            `json:"accountType,omitempty" expr:"accountType"`
	Name         string            `json:"name,omitempty" expr:"name"`
	Key          string            `json:"key,omitempty" expr:"key"`
	DisplayName  string            `json:"displayName,omitempty" expr:"displayName"`
	EmailAddress string            `json:"emailAddress,omitempty" expr:"emailAddress"`
	Active       bool              `json:"active" expr:"active"`
	TimeZone     string            `json:"timeZone,omitempty" expr:"timeZone"`
	Locale       string            `json:"locale,omitempty" expr:"locale"`
	AvatarURLs   map[string]string `json:"avatarUrls,omitempty" expr:"avatarUrls"`
}

// ID returns the identifier Jira expects when this user is written into a
// field or a query: the account id on Cloud, the user name on Server/Data
// Center. It picks whichever the user carries.
func (u User) ID() string {
	if u.AccountID != "" {
		return u.AccountID
	}
	return u.Name
}

// IDFor returns the identifier for deployment d: the account id on Cloud,
// the user name on Data Center (falling back to the key).
func (u User) IDFor(d Deployment) string {
	if d == DataCenter {
		if u.Name != "" {
			return u.Name
		}
		return u.Key
	}
	return u.AccountID
}

// String returns the display name and the identifier, for messages.
func (u User) String() string {
	if u.DisplayName == "" {
		return u.ID()
	}
	if id := u.ID(); id != "" {
		return u.DisplayName + " (" + id + ")"
	}
	return u.DisplayName
}

// ProjectRef is the short form of a project embedded in an issue.
type ProjectRef struct {
	Self           string `json:"self,omitempty" expr:"self"`
	ID             string `json:"id,omitempty" expr:"id"`
	Key            string `json:"key,omitempty" expr:"key"`
	Name           string `json:"name,omitempty" expr:"name"`
	ProjectTypeKey string `json:"projectTypeKey,omitempty" expr:"projectTypeKey"`
}

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

// Component is a project component.
type Component struct {
	Self          string `json:"self,omitempty" expr:"self"`
	ID            string `json:"id,omitempty" expr:"id"`
	Name          string `json:"name,omitempty" expr:"name"`
	Description   string `json:"description,omitempty" expr:"description"`
	Project       string `json:"project,omitempty" expr:"project"`
	ProjectID     int64  `json:"projectId,omitempty" expr:"projectId"`
	AssigneeType  string `json:"assigneeType,omitempty" expr:"assigneeType"`
	Lead          *User  `json:"lead,omitempty" expr:"lead"`
	LeadAccountID string `json:"leadAccountId,omitempty" expr:"leadAccountId"`
}

// Version is a project version (release).
type Version struct {
	Self        string `json:"self,omitempty" expr:"self"`
	ID          string `json:"id,omitempty" expr:"id"`
	Name        string `json:"name,omitempty" expr:"name"`
	Description string `json:"description,omitempty" expr:"description"`
	Archived    bool   `json:"archived" expr:"archived"`
	Released    bool   `json:"released" expr:"released"`
	ReleaseDate string `json:"releaseDate,omitempty" expr:"releaseDate"`
	StartDate   string `json:"startDate,omitempty" expr:"startDate"`
	Overdue     bool   `json:"overdue,omitempty" expr:"overdue"`
	ProjectID   int64  `json:"projectId,omitempty" expr:"projectId"`
	Project     string `json:"project,omitempty" expr:"project"`
}

// Visibility restricts a comment or worklog to a group or project role.
type Visibility struct {
	// Type is "group" or "role".
	Type string `json:"type" expr:"type"`
	// Value is the group or role name.
	Value string `json:"value,omitempty" expr:"value"`
	// Identifier is the group id (Cloud) or role name; prefer it for groups,
	// whose names can change.
	Identifier string `json:"identifier,omitempty" expr:"identifier"`
}

// Comment is an issue comment. Body is wiki markup (REST v2).
type Comment struct {
	Self         string      `json:"self,omitempty" expr:"self"`
	ID           string      `json:"id,omitempty" expr:"id"`
	Author       User        `json:"author" expr:"author"`
	UpdateAuthor User        `json:"updateAuthor" expr:"updateAuthor"`
	Body         string      `json:"body" expr:"body"`
	RenderedBody string      `json:"renderedBody,omitempty" expr:"renderedBody"`
	Created      Time        `json:"created" expr:"created"`
	Updated      Time        `json:"updated" expr:"updated"`
	Visibility   *Visibility `json:"visibility,omitempty" expr:"visibility"`
	JSDPublic    bool        `json:"jsdPublic,omitempty" expr:"jsdPublic"`
}

// CommentPage is the comment field embedded in an issue.
type CommentPage struct {
	Comments   []Comment `json:"comments" expr:"comments"`
	StartAt    int       `json:"startAt" expr:"startAt"`
	MaxResults int       `json:"maxResults" expr:"maxResults"`
	Total      int       `json:"total" expr:"total"`
}

// Attachment is a file attached to an issue. Content is the URL of its
// bytes (on Cloud an API URL answering 303 to a media host; on Data Center
// a /secure/attachment URL).
type Attachment struct {
	Self      string `json:"self,omitempty" expr:"self"`
	ID        string `json:"id" expr:"id"`
	Filename  string `json:"filename" expr:"filename"`
	Author    User   `json:"author" expr:"author"`
	Created   Time   `json:"created" expr:"created"`
	Size      int64  `json:"size" expr:"size"`
	MimeType  string `json:"mimeType" expr:"mimeType"`
	Content   string `json:"content,omitempty" expr:"content"`
	Thumbnail string `json:"thumbnail,omitempty" expr:"thumbnail"`
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

// IssueLinkType is a kind of link ("Blocks": "blocks" / "is blocked by").
type IssueLinkType struct {
	Self    string `json:"self,omitempty" expr:"self"`
	ID      string `json:"id,omitempty" expr:"id"`
	Name    string `json:"name,omitempty" expr:"name"`
	Inward  string `json:"inward,omitempty" expr:"inward"`
	Outward string `json:"outward,omitempty" expr:"outward"`
}

// IssueLink links two issues. Embedded in an issue, only the other end
// (InwardIssue or OutwardIssue) is set.
type IssueLink struct {
	Self         string        `json:"self,omitempty" expr:"self"`
	ID           string        `json:"id,omitempty" expr:"id"`
	Type         IssueLinkType `json:"type" expr:"type"`
	InwardIssue  *IssueRef     `json:"inwardIssue,omitempty" expr:"inwardIssue"`
	OutwardIssue *IssueRef     `json:"outwardIssue,omitempty" expr:"outwardIssue"`
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

// Watches is the watcher summary embedded in an issue.
type Watches struct {
	WatchCount int  `json:"watchCount" expr:"watchCount"`
	IsWatching bool `json:"isWatching" expr:"isWatching"`
}

// Worklog is time logged on an issue.
type Worklog struct {
	Self             string      `json:"self,omitempty" expr:"self"`
	ID               string      `json:"id,omitempty" expr:"id"`
	IssueID          string      `json:"issueId,omitempty" expr:"issueId"`
	Author           User        `json:"author" expr:"author"`
	UpdateAuthor     User        `json:"updateAuthor" expr:"updateAuthor"`
	Comment          string      `json:"comment,omitempty" expr:"comment"`
	Created          Time        `json:"created" expr:"created"`
	Updated          Time        `json:"updated" expr:"updated"`
	Started          Time        `json:"started" expr:"started"`
	TimeSpent        string      `json:"timeSpent,omitempty" expr:"timeSpent"`
	TimeSpentSeconds int64       `json:"timeSpentSeconds" expr:"timeSpentSeconds"`
	Visibility       *Visibility `json:"visibility,omitempty" expr:"visibility"`
}

// ChangelogItem is one field change in a changelog entry.
type ChangelogItem struct {
	Field      string `json:"field" expr:"field"`
	FieldType  string `json:"fieldtype,omitempty" expr:"fieldtype"`
	FieldID    string `json:"fieldId,omitempty" expr:"fieldId"`
	From       string `json:"from" expr:"from"`
	FromString string `json:"fromString" expr:"fromString"`
	To         string `json:"to" expr:"to"`
	ToString   string `json:"toString" expr:"toString"`
}

// ChangelogEntry (a "history") is one change of an issue by one user.
type ChangelogEntry struct {
	ID      string          `json:"id" expr:"id"`
	Author  User            `json:"author" expr:"author"`
	Created Time            `json:"created" expr:"created"`
	Items   []ChangelogItem `json:"items" expr:"items"`
}

// Changelog is the history of an issue, as embedded with expand=changelog.
type Changelog struct {
	StartAt    int              `json:"startAt" expr:"startAt"`
	MaxResults int              `json:"maxResults" expr:"maxResults"`
	Total      int              `json:"total" expr:"total"`
	Histories  []ChangelogEntry `json:"histories" expr:"histories"`
}

// Transition is a workflow transition available on an issue.
type Transition struct {
	ID          string               `json:"id" expr:"id"`
	Name        string               `json:"name" expr:"name"`
	To          Status               `json:"to" expr:"to"`
	HasScreen   bool                 `json:"hasScreen,omitempty" expr:"hasScreen"`
	IsAvailable bool                 `json:"isAvailable,omitempty" expr:"isAvailable"`
	Fields      map[string]FieldMeta `json:"fields,omitempty" expr:"fields"`
}

// Issue is a Jira issue as REST v2 returns it.
type Issue struct {
	ID     string      `json:"id" expr:"id"`
	Key    string      `json:"key" expr:"key"`
	Self   string      `json:"self,omitempty" expr:"self"`
	Fields IssueFields `json:"fields" expr:"fields"`
	// Changelog is present with expand=changelog.
	Changelog *Changelog `json:"changelog,omitempty" expr:"changelog"`
	// Names maps field ids to display names, with expand=names.
	Names map[string]string `json:"names,omitempty" expr:"names"`
	// RenderedFields holds HTML renderings, with expand=renderedFields.
	RenderedFields map[string]any `json:"renderedFields,omitempty" expr:"renderedFields"`
	// Transitions lists the transitions available, with expand=transitions.
	Transitions []Transition `json:"transitions,omitempty" expr:"transitions"`
	// Properties holds the issue properties asked for with the properties
	// parameter.
	Properties map[string]any `json:"properties,omitempty" expr:"properties"`
}

// UnmarshalJSON reads an attachment, accepting an id sent as a number (as
// some Jira versions and the API documentation do) or a string.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	var v struct {
		plain
		ID flexID `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Attachment(v.plain)
	a.ID = string(v.ID)
	return nil
}

// flexID is an id Jira sends as a JSON string or a number; it reads
// either as its text, and anything else as fmt.Sprint of the decoded
// value (as anyString does).
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
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*id = flexID(anyString(v))
	return nil
}

// UnmarshalJSON reads a comment, accepting a body in Atlassian Document
// Format (sent to REST v3 consumers and in some webhooks) as its text.
func (c *Comment) UnmarshalJSON(b []byte) error {
	type plain Comment
	var v struct {
		plain
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Comment(v.plain)
	c.Body = textOf(v.Body)
	return nil
}
