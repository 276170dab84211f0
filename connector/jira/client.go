package jira

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// Client is a connection to one Jira site: a typed REST v2 client with a
// service per resource, and the source of the connector's actions. It is
// safe for concurrent use.
//
// Every service call has the form (ctx, ...) (T, *Response, error). On an
// HTTP error the *Response is still returned, so callers can read the
// status and headers; the error is an *Error (errors.Is with
// ErrNotFound, ErrForbidden, ...) or an *RateLimitError.
type Client struct {
	// Issues reads and writes issues, their metadata and properties.
	Issues *IssuesService
	// Search runs JQL searches (enhanced search on Cloud, /search on DC).
	Search *SearchService
	// Comments manages issue comments.
	Comments *CommentsService
	// Attachments uploads, downloads and deletes attachments.
	Attachments *AttachmentsService
	// Projects manages projects.
	Projects *ProjectsService
	// Users finds users.
	Users *UsersService
	// Fields lists fields and resolves display names to ids.
	Fields *FieldsService
	// Transitions lists and performs workflow transitions.
	Transitions *TransitionsService
	// Links manages issue links and link types.
	Links *LinksService
	// RemoteLinks manages links from issues to items in other systems.
	RemoteLinks *RemoteLinksService
	// Watchers manages issue watchers.
	Watchers *WatchersService
	// Worklogs manages worklogs.
	Worklogs *WorklogsService
	// Versions manages project versions.
	Versions *VersionsService
	// Components manages project components.
	Components *ComponentsService
	// Permissions checks the connection's permissions.
	Permissions *PermissionsService
	// Changelog reads issue history.
	Changelog *ChangelogService
	// Webhooks registers admin and dynamic webhooks.
	Webhooks *WebhooksService
	// ServerInfo reads the site's deployment and version.
	ServerInfo *ServerInfoService
	// Meta reads statuses, priorities, resolutions and issue types.
	Meta *MetaService
	// Boards reads Jira Software boards.
	Boards *BoardsService
	// Sprints manages sprints and moves issues between sprints and the
	// backlog.
	Sprints *SprintsService
	// Epics reads the issues of epics and sets the epic of issues.
	Epics *EpicsService
	// Rank orders issues on boards and backlogs.
	Rank *RankService
	// ServiceDesk talks to Jira Service Management (/rest/servicedeskapi).
	ServiceDesk *ServiceDeskService

	cfg  Config
	name string
	// userAgent is set on each request NewRequest builds, so the HTTP
	// client need not copy the request to add it.
	userAgent string
	site      *url.URL
	hc        *httpx.Client
	logger    *slog.Logger

	baseMu  sync.Mutex
	apiBase *url.URL

	infoMu     sync.Mutex
	deployment Deployment
	info       *ServerInfo
	webhookAPI webhookAPI // the admin webhook resource that answered

	fieldsMu    sync.Mutex
	fieldsCache []Field
}

type service struct{ client *Client }

// webhookAPI names an admin webhook resource once one has answered.
type webhookAPI int

const (
	webhookAPIUnknown webhookAPI = iota
	webhookAPIOld                // /rest/webhooks/1.0/webhook
	webhookAPIDC10               // /rest/jira-webhook/1.0/webhooks
)

// New validates cfg and returns a client. It sends no request; call Test
// to prove the connection works.
func New(cfg Config) (*Client, error) {
	site, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	opts := cfg.HTTP
	if opts.Logger == nil {
		opts.Logger = cfg.Logger
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "recipekit-jira"
	}
	// Jira Cloud may say when its rate limit resets in a beta header only.
	opts.ResetHeaders = append(slices.Clip(opts.ResetHeaders), resetHeaders...)
	hc, err := httpx.New(cfg.Auth, opts)
	if err != nil {
		return nil, fmt.Errorf("jira: HTTP options: %w", err)
	}
	c := &Client{cfg: cfg, site: site, hc: hc, logger: cfg.Logger, deployment: cfg.Deployment, userAgent: opts.UserAgent}
	c.name = cfg.Name
	if c.name == "" {
		c.name = "jira"
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if _, ok := cfg.Auth.(auth.APIBaser); !ok {
		c.apiBase = site
	}
	s := &service{client: c}
	c.Issues = (*IssuesService)(s)
	c.Search = (*SearchService)(s)
	c.Comments = (*CommentsService)(s)
	c.Attachments = (*AttachmentsService)(s)
	c.Projects = (*ProjectsService)(s)
	c.Users = (*UsersService)(s)
	c.Fields = (*FieldsService)(s)
	c.Transitions = (*TransitionsService)(s)
	c.Links = (*LinksService)(s)
	c.RemoteLinks = (*RemoteLinksService)(s)
	c.Watchers = (*WatchersService)(s)
	c.Worklogs = (*WorklogsService)(s)
	c.Versions = (*VersionsService)(s)
	c.Components = (*ComponentsService)(s)
	c.Permissions = (*PermissionsService)(s)
	c.Changelog = (*ChangelogService)(s)
	c.Webhooks = (*WebhooksService)(s)
	c.Meta = (*MetaService)(s)
	c.ServerInfo = (*ServerInfoService)(s)
	c.Boards = (*BoardsService)(s)
	c.Sprints = (*SprintsService)(s)
	c.Epics = (*EpicsService)(s)
	c.Rank = (*RankService)(s)
	c.ServiceDesk = (*ServiceDeskService)(s)
	return c, nil
}

// SiteURL returns the configured site URL.
func (c *Client) SiteURL() string { return c.site.String() }

// Name returns the connection name.
func (c *Client) Name() string { return c.name }

// HTTP returns the retrying HTTP client the connection uses, for callers
// that need a request the services lack (see also the custom request
// action).
func (c *Client) HTTP() *httpx.Client { return c.hc }

// APIBaseURL returns the base URL REST calls go to: the site URL, or for
// OAuth 2.0 the API gateway URL of the site (resolved once and cached).
func (c *Client) APIBaseURL(ctx context.Context) (string, error) {
	u, err := c.base(ctx)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

func (c *Client) base(ctx context.Context) (*url.URL, error) {
	c.baseMu.Lock()
	defer c.baseMu.Unlock()
	if c.apiBase != nil {
		return c.apiBase, nil
	}
	ab, ok := c.cfg.Auth.(auth.APIBaser)
	if !ok {
		c.apiBase = c.site
		return c.apiBase, nil
	}
	raw, err := ab.APIBaseURL(ctx, c.site.String())
	if err != nil {
		return nil, fmt.Errorf("jira: finding the API address of %s for this OAuth grant: %w", c.site.Redacted(), err)
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("jira: the OAuth API address %q is not a valid URL", raw)
	}
	c.apiBase = u
	return u, nil
}

// NewRequest builds a request to path (such as "/rest/api/2/issue/DEMO-1",
// relative to the API base URL, its segments already escaped) with query parameters and, when body is not
// nil, a JSON body. A body that is already an io.Reader is sent as is.
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	base, err := c.base(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("jira: request path %q must start with /", path)
	}
	u, err := url.Parse(base.String() + path)
	if err != nil {
		return nil, fmt.Errorf("jira: request path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var r io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		r = b
	default:
		buf, err := requestJSON(body)
		if err != nil {
			return nil, fmt.Errorf("jira: encoding the request body: %w", err)
		}
		r = bytes.NewReader(buf)
		contentType = "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("jira: building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// Response wraps the HTTP response of a call, with paging information when
// the call returned a page.
type Response struct {
	*http.Response
	// StartAt, MaxResults and Total describe an offset page (Total is -1
	// when Jira did not send it).
	StartAt, MaxResults, Total int
	// IsLast reports that no page follows.
	IsLast bool
	// NextPageToken is the token of the next page of a Cloud enhanced
	// search; empty on the last page.
	NextPageToken string
}

// Do sends req through the connection's retrying HTTP client. A non-2xx
// answer becomes an *Error (or *RateLimitError); a 2xx answer
// is decoded into v when v is not nil (an empty body leaves v unchanged; a
// body over 64 MiB is an error).
// The body is always closed. The *Response is returned whenever Jira
// answered.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, answerError(err, true)
	}
	r := &Response{Response: resp, Total: -1}
	if err := checkResponse(resp); err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if v == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return r, nil
	}
	if w, ok := v.(io.Writer); ok {
		if _, err := io.Copy(w, resp.Body); err != nil {
			return r, fmt.Errorf("jira: reading the response of %s %s: %w", req.Method, req.URL.Path, err)
		}
		return r, nil
	}
	if d, ok := v.(keptDecoder); ok {
		err = decodeKept(resp.Body, d)
	} else {
		err = decodeJSON(resp.Body, v)
	}
	if errors.Is(err, errResponseTooLarge) {
		return r, fmt.Errorf("jira: %s %s: %w", req.Method, req.URL.Path, err)
	} else if err != nil {
		return r, fmt.Errorf("jira: decoding the response of %s %s: %w (is %s a Jira site?)", req.Method, req.URL.Path, err, c.site.Redacted())
	}
	return r, nil
}

// call builds and sends a request in one step.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, v any) (*Response, error) {
	req, err := c.NewRequest(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// offsetPage is the envelope Jira uses for most paged lists.
type offsetPage[T any] struct {
	StartAt    int   `json:"startAt"`
	MaxResults int   `json:"maxResults"`
	Total      *int  `json:"total"`
	IsLast     *bool `json:"isLast"`
	Values     []T   `json:"values"`
}

func (p *offsetPage[T]) fill(r *Response) {
	if r == nil {
		return
	}
	r.StartAt, r.MaxResults = p.StartAt, p.MaxResults
	if p.Total != nil {
		r.Total = *p.Total
	}
	r.IsLast = p.done(len(p.Values))
}

// done reports whether the page is the last one.
func (p *offsetPage[T]) done(n int) bool {
	if p.IsLast != nil {
		return *p.IsLast
	}
	if n == 0 {
		return true
	}
	if p.Total != nil {
		return p.StartAt+n >= *p.Total
	}
	return p.MaxResults > 0 && n < p.MaxResults
}

// pages iterates over every item of an offset-paged list. fetch returns a
// page starting at startAt, the number of items it held and whether it was
// the last.
func pages[T any](ctx context.Context, fetch func(ctx context.Context, startAt int) ([]T, bool, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		startAt := 0
		for {
			items, last, err := fetch(ctx, startAt)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if last || len(items) == 0 {
				return
			}
			startAt += len(items)
		}
	}
}

// ListOptions selects a page of an offset-paged list.
type ListOptions struct {
	// StartAt is the index of the first item (0-based).
	StartAt int
	// MaxResults is the page size; 0 uses Jira's default.
	MaxResults int
}

func (o ListOptions) values() url.Values {
	return pageQuery("startAt", o.StartAt, "maxResults", o.MaxResults)
}

// pageQuery is the query of an offset-paged list: the first item's index
// and the page size under the names the resource gives them, each left out
// when 0 so that Jira applies its default.
func pageQuery(startName string, start int, sizeName string, size int) url.Values {
	q := url.Values{}
	if start > 0 {
		q.Set(startName, strconv.Itoa(start))
	}
	if size > 0 {
		q.Set(sizeName, strconv.Itoa(size))
	}
	return q
}

// setGiven sets the query parameter name to value, unless value is empty:
// a parameter left out lets Jira apply its default.
func setGiven(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}

// setList sets the list parameter name to values joined by commas, the
// form Jira reads, unless there are none.
func setList(q url.Values, name string, values []string) {
	if len(values) > 0 {
		q.Set(name, strings.Join(values, ","))
	}
}

func apiPath(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = url.PathEscape(s)
		}
	}
	return "/rest/api/2" + fmt.Sprintf(format, args...)
}
