package jira

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// UsersService finds users.
type UsersService service

// Myself returns the connection's own user.
func (s *UsersService) Myself(ctx context.Context) (User, *Response, error) {
	return callJSON[User](ctx, s.client, "GET", apiPath("/myself"), nil, nil)
}

// Get returns a user by identifier: an account id on Cloud, a user name on
// Data Center.
func (s *UsersService) Get(ctx context.Context, id string) (User, *Response, error) {
	n, err := s.client.userNames(ctx)
	if err != nil {
		return User{}, nil, err
	}
	return callJSON[User](ctx, s.client, "GET", apiPath("/user"), url.Values{n.param: {id}}, nil)
}

// Find returns a page of users matching query (display name, email or,
// on Data Center, user name).
func (s *UsersService) Find(ctx context.Context, query string, opts ListOptions) ([]User, *Response, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil, errors.New("jira: the user query is empty; give part of a name or email address")
	}
	n, err := s.client.userNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := opts.values()
	q.Set(n.search, query)
	return s.page(ctx, apiPath("/user/search"), q, opts.MaxResults)
}

// userPageSize is the page size of the iterators over user searches.
const userPageSize = 50

// page reads one page of a user search. Jira answers a bare array, without
// total or isLast: a page shorter than maxResults is the last.
func (s *UsersService) page(ctx context.Context, path string, q url.Values, maxResults int) ([]User, *Response, error) {
	users, resp, err := callJSON[[]User](ctx, s.client, "GET", path, q, nil)
	if resp != nil {
		resp.IsLast = maxResults <= 0 || len(users) < maxResults
	}
	return users, resp, err
}

// FindAll iterates over every user matching query.
func (s *UsersService) FindAll(ctx context.Context, query string) iter.Seq2[User, error] {
	return allPages(ctx, func(ctx context.Context, startAt int) ([]User, *Response, error) {
		return s.Find(ctx, query, ListOptions{StartAt: startAt, MaxResults: userPageSize})
	})
}

// AssignableOptions says where users must be assignable: in a project (for
// new issues) or on an issue.
type AssignableOptions struct {
	ListOptions
	Project  string
	IssueKey string
	// Query filters by name or email.
	Query string
}

// Assignable returns a page of users who can be assigned issues in a
// project or a given issue.
func (s *UsersService) Assignable(ctx context.Context, opts AssignableOptions) ([]User, *Response, error) {
	if opts.Project == "" && opts.IssueKey == "" {
		return nil, nil, errors.New("jira: assignable users need a project or an issue key")
	}
	n, err := s.client.userNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := opts.values()
	if opts.IssueKey != "" {
		q.Set("issueKey", opts.IssueKey)
	} else {
		q.Set("project", opts.Project)
	}
	setGiven(q, n.search, opts.Query)
	return s.page(ctx, apiPath("/user/assignable/search"), q, opts.MaxResults)
}

// AssignableAll iterates over every assignable user.
func (s *UsersService) AssignableAll(ctx context.Context, opts AssignableOptions) iter.Seq2[User, error] {
	opts.MaxResults = userPageSize
	return listAll(ctx, opts, s.Assignable)
}

// userNames are the names requests give a user's identifier, which is an
// account id on Cloud and a user name on Data Center.
type userNames struct {
	param  string // the query parameter naming one user
	field  string // the key of a user object in a body ({"accountId": id})
	search string // the query parameter of a user search
	list   string // the body key of a list of users
}

var (
	cloudUserNames      = userNames{param: "accountId", field: "accountId", search: "query", list: "accountIds"}
	dataCenterUserNames = userNames{param: "username", field: "name", search: "username", list: "usernames"}
)

// userNames returns the names deployment d gives user identifiers.
func (d Deployment) userNames() userNames {
	if d == DataCenter {
		return dataCenterUserNames
	}
	return cloudUserNames
}

// userNames returns the names the connection's deployment gives user
// identifiers.
func (c *Client) userNames(ctx context.Context) (userNames, error) {
	d, err := c.Deployment(ctx)
	return d.userNames(), err
}

// userRef is how a user is written into a field or body: {"accountId": id}
// on Cloud, {"name": id} on Data Center.
func userRef(d Deployment, id string) map[string]any {
	return map[string]any{d.userNames().field: id}
}

// Myself returns the myself action: the connection's own user.
func (c *Client) Myself() action.Action[NoInput, User] {
	return newAction(c, "myself", nil, func(ctx context.Context, _ NoInput) (User, error) {
		return decoded(c.Users.Myself(ctx))
	})
}

// FindUsersInput is the input of the find_users action.
type FindUsersInput struct {
	// Query matches display names and email addresses (and user names on
	// Data Center). Required.
	Query string `json:"query" expr:"query"`
	// Limit caps the number of users (default 50).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in FindUsersInput) validate() error {
	return errors.Join(required("query", in.Query, "give part of a name or email address"), checkLimit(in.Limit))
}

// FindUsers returns the find_users action.
func (c *Client) FindUsers() action.Action[FindUsersInput, []User] {
	return newAction(c, "find_users", FindUsersInput.validate, func(ctx context.Context, in FindUsersInput) ([]User, error) {
		return upTo(c.Users.FindAll(ctx, in.Query), in.Limit, 50)
	})
}

// AssignableUsersInput is the input of the assignable_users action. Give
// a project (for new issues) or an issue key.
type AssignableUsersInput struct {
	Project  string `json:"project,omitempty" expr:"project" scope:"project"`
	IssueKey string `json:"issueKey,omitempty" expr:"issueKey" scope:"issue"`
	Query    string `json:"query,omitempty" expr:"query"`
	Limit    int    `json:"limit,omitempty" expr:"limit"`
}

func (in AssignableUsersInput) validate() error {
	if in.Project == "" && in.IssueKey == "" {
		return action.Invalid("project", "give a project key or an issue key")
	}
	return checkLimit(in.Limit)
}

// AssignableUsers returns the assignable_users action.
func (c *Client) AssignableUsers() action.Action[AssignableUsersInput, []User] {
	return newAction(c, "assignable_users", AssignableUsersInput.validate, func(ctx context.Context, in AssignableUsersInput) ([]User, error) {
		return upTo(c.Users.AssignableAll(ctx, AssignableOptions{Project: in.Project, IssueKey: in.IssueKey, Query: in.Query}), in.Limit, 100)
	})
}

// Value fields are used where Jira always sends the value; pointers only
// for objects Jira may omit or send as null (assignee, priority,
// resolution, parent, ...), so pills read trigger.fields.summary and
// trigger.fields.priority?.name. Every field carries an expr tag mirroring
// its JSON name, because expr ignores json tags.

// User is a Jira user on either deployment. On Cloud AccountID identifies
// the user and Name and Key are empty; on Server/Data Center Name (the
// login) and Key identify the user and AccountID is empty.
type User struct {
	Self         string     `json:"self,omitempty" expr:"self"`
	AccountID    string     `json:"accountId,omitempty" expr:"accountId"`
	AccountType  string     `json:"accountType,omitempty" expr:"accountType"`
	Name         string     `json:"name,omitempty" expr:"name"`
	Key          string     `json:"key,omitempty" expr:"key"`
	DisplayName  string     `json:"displayName,omitempty" expr:"displayName"`
	EmailAddress string     `json:"emailAddress,omitempty" expr:"emailAddress"`
	Active       bool       `json:"active" expr:"active"`
	TimeZone     string     `json:"timeZone,omitempty" expr:"timeZone"`
	Locale       string     `json:"locale,omitempty" expr:"locale"`
	AvatarURLs   AvatarURLs `json:"avatarUrls,omitempty" expr:"avatarUrls"`
}

// AvatarURLs maps an avatar size ("48x48", "24x24", "16x16", "32x32") to
// the URL of the image of that size.
type AvatarURLs map[string]string

// MarshalJSON encodes the map exactly as encoding/json does (keys sorted),
// without its reflection: every user in a job record carries one, and the
// generic map encoder costs two allocations an entry. Keys or URLs with a
// character JSON escapes (other than those it escapes for HTML) take the
// generic encoder.
func (m AvatarURLs) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	var arr [8]string
	keys := arr[:0]
	size := 2
	for k, v := range m {
		if !plainASCII(k) || !plainASCII(v) {
			return json.Marshal(map[string]string(m))
		}
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':', '"')
		b = append(b, m[k]...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// plainASCII reports whether encoding/json writes s as itself between
// quotes: printable ASCII without quote or backslash. '<', '>' and '&'
// are plain here: encoding/json escapes them in a marshaler's output as it
// does in strings, when HTML escaping is on.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\':
			return false
		}
	}
	return true
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
