package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
)

// SearchService runs JQL searches. On Cloud it uses the enhanced search
// (GET /rest/api/2/search/jql, paged by nextPageToken); on Server/Data
// Center the classic GET /rest/api/2/search, paged by startAt. Both return
// the same SearchResult. A search too long for a URL (see MaxSearchURL) is
// sent as a POST to the same path.
type SearchService service

// DefaultSearchFields is what a search asks for when SearchOptions.Fields is
// empty. (Cloud's enhanced search would otherwise return ids only.)
var DefaultSearchFields = []string{"*navigable"}

// SearchOptions is a JQL search.
type SearchOptions struct {
	// JQL is the query. On Cloud it must be bounded (restrict the search,
	// for example by project).
	JQL string
	// Fields lists the fields to return; default DefaultSearchFields.
	Fields []string
	// Expand lists expansions ("names", "changelog", "renderedFields", ...).
	Expand []string
	// Properties lists up to 5 issue property keys to return.
	Properties []string
	// MaxResults is the page size; 0 uses Jira's default (50). Jira may
	// return fewer.
	MaxResults int
	// NextPageToken continues a Cloud search (Page only; All follows the
	// tokens itself).
	NextPageToken string
	// StartAt continues a Data Center search (Page only).
	StartAt int
	// ReconcileIssues lists ids of issues just created or updated, so a
	// Cloud search sees them despite its eventual consistency (at most 50;
	// ignored on Data Center, whose search is consistent).
	ReconcileIssues []int64
}

// SearchResult is one page of a search.
type SearchResult struct {
	Issues []Issue `json:"issues" expr:"issues"`
	// IsLast reports that no page follows.
	IsLast bool `json:"isLast" expr:"isLast"`
	// NextPageToken continues a Cloud search; empty on the last page.
	NextPageToken string `json:"nextPageToken,omitempty" expr:"nextPageToken"`
	// StartAt, MaxResults and Total come from Data Center; Total is -1 on
	// Cloud (use Count).
	StartAt    int `json:"startAt" expr:"startAt"`
	MaxResults int `json:"maxResults" expr:"maxResults"`
	Total      int `json:"total" expr:"total"`
	// Names maps field ids to names, with expand=names.
	Names map[string]string `json:"names,omitempty" expr:"names"`
}

func (o SearchOptions) validate() error {
	if strings.TrimSpace(o.JQL) == "" {
		return errors.New("jira: the JQL query is empty; Jira Cloud refuses unbounded searches, so restrict it, for example project = DEMO")
	}
	if len(o.ReconcileIssues) > 50 {
		return fmt.Errorf("jira: %d reconcile ids given; Jira accepts at most 50", len(o.ReconcileIssues))
	}
	return nil
}

func (o SearchOptions) fields() []string {
	if len(o.Fields) == 0 {
		return DefaultSearchFields
	}
	return o.Fields
}

func (o SearchOptions) common() url.Values {
	q := url.Values{"jql": {o.JQL}}
	q.Set("fields", strings.Join(o.fields(), ","))
	if len(o.Expand) > 0 {
		q.Set("expand", strings.Join(o.Expand, ","))
	}
	if len(o.Properties) > 0 {
		q.Set("properties", strings.Join(o.Properties, ","))
	}
	if o.MaxResults > 0 {
		q.Set("maxResults", strconv.Itoa(o.MaxResults))
	}
	return q
}

// MaxSearchURL is the length of the longest search URL sent as a GET. A
// longer search (a long JQL query or field list) is sent as a POST with the
// same parameters in a JSON body: Jira, and the proxies in front of it,
// refuse URLs past about 8 KB. The POST is marked idempotent (a search
// changes nothing), so it is retried like a GET.
const MaxSearchURL = 6 << 10

// cloudSearchBody is the POST form of Cloud's enhanced search
// (SearchAndReconcileRequestBean): expand is a comma-separated string there.
type cloudSearchBody struct {
	JQL             string   `json:"jql"`
	Fields          []string `json:"fields,omitempty"`
	Expand          string   `json:"expand,omitempty"`
	Properties      []string `json:"properties,omitempty"`
	MaxResults      int      `json:"maxResults,omitempty"`
	NextPageToken   string   `json:"nextPageToken,omitempty"`
	ReconcileIssues []int64  `json:"reconcileIssues,omitempty"`
}

// dcSearchBody is the POST form of Data Center's search (SearchRequestBean):
// expand is a list there.
type dcSearchBody struct {
	JQL        string   `json:"jql"`
	StartAt    int      `json:"startAt,omitempty"`
	MaxResults *int     `json:"maxResults,omitempty"`
	Fields     []string `json:"fields,omitempty"`
	Expand     []string `json:"expand,omitempty"`
	Properties []string `json:"properties,omitempty"`
}

// search sends a search as a GET with query q, or, when that URL would be
// longer than MaxSearchURL, as an idempotent POST of body() to the same
// path.
func (s *SearchService) search(ctx context.Context, path string, q url.Values, body func() any, v any) (*Response, error) {
	req, err := s.client.NewRequest(ctx, "GET", path, q, nil)
	if err != nil {
		return nil, err
	}
	if len(req.URL.String()) > MaxSearchURL {
		req, err = s.client.NewRequest(httpx.WithIdempotent(ctx), "POST", path, nil, body())
		if err != nil {
			return nil, err
		}
	}
	return s.client.Do(req, v)
}

// Page returns one page of results. A search whose URL would be longer than
// MaxSearchURL is sent as a POST.
func (s *SearchService) Page(ctx context.Context, opts SearchOptions) (SearchResult, *Response, error) {
	return s.page(ctx, opts, nil)
}

// page is Page; when raw is not nil, it also sets *raw to the JSON each
// issue was decoded from, in the order of the result's issues.
func (s *SearchService) page(ctx context.Context, opts SearchOptions, raw *[]json.RawMessage) (SearchResult, *Response, error) {
	if err := opts.validate(); err != nil {
		return SearchResult{}, nil, err
	}
	cloud, err := s.client.isCloud(ctx)
	if err != nil {
		return SearchResult{}, nil, err
	}
	q := opts.common()
	var res SearchResult
	var dst any = &res
	if raw != nil {
		dst = &rawSearchPage{res: &res, raw: raw}
	}
	if cloud {
		if opts.NextPageToken != "" {
			q.Set("nextPageToken", opts.NextPageToken)
		}
		if len(opts.ReconcileIssues) > 0 {
			ids := make([]string, len(opts.ReconcileIssues))
			for i, id := range opts.ReconcileIssues {
				ids[i] = strconv.FormatInt(id, 10)
			}
			q.Set("reconcileIssues", strings.Join(ids, ","))
		}
		resp, err := s.search(ctx, apiPath("/search/jql"), q, func() any {
			return cloudSearchBody{JQL: opts.JQL, Fields: opts.fields(), Expand: strings.Join(opts.Expand, ","), Properties: opts.Properties,
				MaxResults: opts.MaxResults, NextPageToken: opts.NextPageToken, ReconcileIssues: opts.ReconcileIssues}
		}, dst)
		if err != nil {
			return res, resp, err
		}
		res.Total = -1
		// Stop on isLast, on a missing token or on an empty page, whichever
		// comes first (Jira has omitted each of them at times).
		res.IsLast = res.IsLast || res.NextPageToken == "" || len(res.Issues) == 0
		if res.IsLast {
			res.NextPageToken = ""
		}
		resp.IsLast, resp.NextPageToken, resp.Total = res.IsLast, res.NextPageToken, -1
		return res, resp, s.client.nameCustomFields(ctx, res.Issues)
	}
	if opts.StartAt > 0 {
		q.Set("startAt", strconv.Itoa(opts.StartAt))
	}
	resp, err := s.search(ctx, apiPath("/search"), q, func() any {
		b := dcSearchBody{JQL: opts.JQL, StartAt: opts.StartAt, Fields: opts.fields(), Expand: opts.Expand, Properties: opts.Properties}
		if opts.MaxResults > 0 {
			b.MaxResults = &opts.MaxResults
		}
		return b
	}, dst)
	if err != nil {
		return res, resp, err
	}
	// Honour the page size Jira echoes (admins cap it), not the one asked.
	res.IsLast = len(res.Issues) == 0 || res.StartAt+len(res.Issues) >= res.Total
	resp.StartAt, resp.MaxResults, resp.Total, resp.IsLast = res.StartAt, res.MaxResults, res.Total, res.IsLast
	return res, resp, s.client.nameCustomFields(ctx, res.Issues)
}

// rawSearchPage decodes a search answer into res, keeping in raw the JSON
// of each issue: a slice of the answer, which it owns (see keptDecoder).
type rawSearchPage struct {
	res *SearchResult
	raw *[]json.RawMessage
}

func (p *rawSearchPage) decodeKept(b []byte) error {
	res := p.res
	*p.raw = (*p.raw)[:0]
	i := skipSpace(b, 0)
	if i < len(b) && b[i] != '{' {
		// null decodes to nothing, as json.Unmarshal would.
		if end, ok := nullAt(b, i); ok && skipSpace(b, end) == len(b) {
			return nil
		}
		return errors.New("jira: a search answer is not a JSON object")
	}
	end, err := walkObject(b, i, func(k []byte, i int) (int, error) {
		name := pageMember(k)
		if name == "issues" && b[i] == '[' {
			res.Issues = res.Issues[:0]
			return walkArray(b, i, func(i int) (int, error) {
				res.Issues = append(res.Issues, Issue{})
				end, err := decodeIssue(b, i, &res.Issues[len(res.Issues)-1])
				if err != nil {
					return 0, err
				}
				*p.raw = append(*p.raw, b[i:end:end])
				return end, nil
			})
		}
		v, end, ok := valueAt(b, i)
		if !ok {
			return 0, errMalformedObject
		}
		var err error
		switch name {
		case "issues":
			res.Issues = res.Issues[:0]
			if string(v) != "null" {
				err = errors.New("jira: the issues of a search answer are not an array")
			}
		case "isLast":
			err = json.Unmarshal(v, &res.IsLast)
		case "nextPageToken":
			err = json.Unmarshal(v, &res.NextPageToken)
		case "startAt":
			err = json.Unmarshal(v, &res.StartAt)
		case "maxResults":
			err = json.Unmarshal(v, &res.MaxResults)
		case "total":
			err = json.Unmarshal(v, &res.Total)
		case "names":
			err = json.Unmarshal(v, &res.Names)
		default:
			// Members the page does not read (warningMessages...) are
			// still checked, as json.Unmarshal checks the whole answer.
			if !validJSON(v) {
				err = fmt.Errorf("jira: the search answer's member %q is not valid JSON", k)
			}
		}
		return end, err
	})
	if err == nil && skipSpace(b, end) != len(b) {
		// The issues are kept as job records: an answer with more after
		// its object is not JSON, whatever the object held.
		return errMalformedObject
	}
	return err
}

// searchPageMembers are the members of a search answer that a page reads.
var searchPageMembers = [...]string{"issues", "isLast", "nextPageToken", "startAt", "maxResults", "total", "names"}

// pageMember returns which member of searchPageMembers the search answer's
// member k is: the one it equals, else the one it equals under case
// folding, as encoding/json matches member names to fields; "" for a
// member the page does not read.
func pageMember(k []byte) string {
	for _, n := range searchPageMembers {
		if string(k) == n {
			return n
		}
	}
	for _, n := range searchPageMembers {
		if strings.EqualFold(string(k), n) {
			return n
		}
	}
	return ""
}

// decodeIssue decodes the issue starting at b[i] as json.Unmarshal would,
// reading its members in place, and returns the index just past it: the
// fields are decoded in the pass that finds their end, and the issue is
// not scanned whole to validate it before decoding. Members Issue does not
// hold are still checked to be valid JSON, so that the issue can be kept
// as its record.
func decodeIssue(b []byte, i int, is *Issue) (int, error) {
	if b[i] != '{' {
		// null decodes to nothing, as json.Unmarshal would.
		if end, ok := nullAt(b, i); ok {
			return end, nil
		}
		return 0, errors.New("jira: expected a JSON object")
	}
	return walkObject(b, i, func(k []byte, i int) (int, error) {
		k = issueMember(k)
		if string(k) == "fields" {
			return is.Fields.decodeAt(b, i)
		}
		v, end, ok := valueAt(b, i)
		if !ok {
			return 0, errMalformedObject
		}
		return end, decodeIssueMember(is, k, v)
	})
}

// issueMembers are the names of Issue's members.
var issueMembers = [...]string{"id", "key", "self", "fields", "changelog", "names", "renderedFields", "transitions", "properties"}

// issueMember returns the name of the Issue member the key k stands for:
// json.Unmarshal decodes a key that differs from a member's name only in
// case into that member.
func issueMember(k []byte) []byte {
	for _, m := range issueMembers {
		if string(k) == m {
			return k
		}
	}
	for _, m := range issueMembers {
		if strings.EqualFold(string(k), m) {
			return []byte(m)
		}
	}
	return k
}

func decodeIssueMember(is *Issue, k, v []byte) error {
	switch string(k) {
	case "id":
		return decodeString(v, &is.ID)
	case "key":
		return decodeString(v, &is.Key)
	case "self":
		return decodeString(v, &is.Self)
	case "changelog":
		return json.Unmarshal(v, &is.Changelog)
	case "names":
		return json.Unmarshal(v, &is.Names)
	case "renderedFields":
		return json.Unmarshal(v, &is.RenderedFields)
	case "transitions":
		return json.Unmarshal(v, &is.Transitions)
	case "properties":
		return json.Unmarshal(v, &is.Properties)
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && plainString(v[1:len(v)-1]) {
		return nil
	}
	if !json.Valid(v) {
		return fmt.Errorf("jira: the issue member %q is not valid JSON", k)
	}
	return nil
}

// decodeString decodes a JSON string (or null, which leaves *s as it is)
// into *s, without encoding/json's set-up for a string with no escapes.
func decodeString(v []byte, s *string) error {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && plainString(v[1:len(v)-1]) {
		*s = string(v[1 : len(v)-1])
		return nil
	}
	return json.Unmarshal(v, s)
}

// All iterates over every issue the search finds, page by page. It stops
// at the first error, which it yields.
func (s *SearchService) All(ctx context.Context, opts SearchOptions) iter.Seq2[Issue, error] {
	return func(yield func(Issue, error) bool) {
		opts := opts
		for {
			res, _, err := s.Page(ctx, opts)
			if err != nil {
				yield(Issue{}, err)
				return
			}
			for _, is := range res.Issues {
				if !yield(is, nil) {
					return
				}
			}
			if res.IsLast {
				return
			}
			opts.NextPageToken = res.NextPageToken
			opts.StartAt = res.StartAt + len(res.Issues)
		}
	}
}

// Count returns how many issues jql matches: Cloud's approximate count
// (POST /search/approximate-count, eventually consistent) or Data
// Center's exact total.
func (s *SearchService) Count(ctx context.Context, jql string) (int64, error) {
	if err := (SearchOptions{JQL: jql}).validate(); err != nil {
		return 0, err
	}
	cloud, err := s.client.isCloud(ctx)
	if err != nil {
		return 0, err
	}
	if cloud {
		req, err := s.client.NewRequest(httpx.WithIdempotent(ctx), "POST", apiPath("/search/approximate-count"), nil, map[string]string{"jql": jql})
		if err != nil {
			return 0, err
		}
		var out struct {
			Count int64 `json:"count"`
		}
		if _, err := s.client.Do(req, &out); err != nil {
			return 0, err
		}
		return out.Count, nil
	}
	q := url.Values{"jql": {jql}, "maxResults": {"0"}, "fields": {"id"}}
	var res SearchResult
	zero := 0
	if _, err := s.search(ctx, apiPath("/search"), q, func() any {
		return dcSearchBody{JQL: jql, MaxResults: &zero, Fields: []string{"id"}}
	}, &res); err != nil {
		return 0, err
	}
	return int64(res.Total), nil
}

// SearchIssuesInput is the input of the search_issues action.
type SearchIssuesInput struct {
	// JQL is the query; it must restrict the search (Cloud refuses
	// unbounded queries). Required.
	JQL string `json:"jql" expr:"jql"`
	// Fields lists the fields to return (default: navigable fields).
	Fields []string `json:"fields,omitempty" expr:"fields"`
	// Expand lists expansions.
	Expand []string `json:"expand,omitempty" expr:"expand"`
	// Limit caps the number of issues returned (default 100, at most
	// 10,000); the search pages through Jira until then.
	Limit int `json:"limit,omitempty" expr:"limit"`
	// ReconcileIssues lists ids of issues just created or updated so a
	// Cloud search includes their latest state (at most 50).
	ReconcileIssues []int64 `json:"reconcileIssues,omitempty" expr:"reconcileIssues"`
}

// SearchIssuesResult is the output of the search_issues action.
type SearchIssuesResult struct {
	Issues []Issue `json:"issues" expr:"issues"`
	// Count is len(Issues).
	Count int `json:"count" expr:"count"`
	// Truncated reports that more issues matched than Limit.
	Truncated bool `json:"truncated" expr:"truncated"`
}

const maxSearchLimit = 10000

// SearchIssues returns the search_issues action.
func (c *Client) SearchIssues() action.Action[SearchIssuesInput, SearchIssuesResult] {
	return newAction(c, "search_issues", func(in SearchIssuesInput) error {
		return errors.Join(
			required("jql", in.JQL, "give a JQL query such as project = DEMO ORDER BY created DESC"),
			checkLimit(in.Limit),
			func() error {
				if in.Limit > maxSearchLimit {
					return action.Invalid("limit", "at most %d issues per search; page with a narrower JQL", maxSearchLimit)
				}
				if len(in.ReconcileIssues) > 50 {
					return action.Invalid("reconcileIssues", "at most 50 ids, not %d", len(in.ReconcileIssues))
				}
				return nil
			}(),
		)
	}, func(ctx context.Context, in SearchIssuesInput) (SearchIssuesResult, error) {
		limit := in.Limit
		if limit <= 0 {
			limit = 100
		}
		opts := SearchOptions{JQL: in.JQL, Fields: in.Fields, Expand: in.Expand, ReconcileIssues: in.ReconcileIssues, MaxResults: min(limit+1, 100)}
		issues, truncated, err := collect(c.Search.All(ctx, opts), limit, limit)
		if err != nil {
			return SearchIssuesResult{}, err
		}
		return SearchIssuesResult{Issues: issues, Count: len(issues), Truncated: truncated}, nil
	})
}
