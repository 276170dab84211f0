package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

// DefaultMaxResponseBytes is the default cap on a response body the
// request action reads.
const DefaultMaxResponseBytes = 10 << 20

// ClientOptions configures the outbound HTTP client.
type ClientOptions struct {
	// Auth, if set, adds a credential to every request (auth.APIToken and
	// auth.Basic send HTTP Basic, auth.PAT a bearer token). It requires
	// AllowedHosts, so the credential only goes where it belongs.
	Auth auth.Strategy
	// HTTP configures retries, timeouts and rate limiting (see
	// httpx.Options). Its Transport, if set, is the base transport.
	HTTP httpx.Options
	// Logger is used for HTTP.Logger when that is nil. Optional. Query
	// strings, headers and bodies are never logged, and token-like URL
	// path segments are redacted.
	Logger *slog.Logger
	// AllowedHosts, if not empty, lists the hosts requests may go to
	// (redirects included): "api.example.com" (any port),
	// "api.example.com:8443", or "*.example.com" (subdomains, not the
	// apex). Use it whenever a URL comes from data a recipe receives.
	AllowedHosts []string
	// MaxResponseBytes caps the response body read. Default 10 MiB.
	MaxResponseBytes int64
	// IdempotencyHeader names the header that carries the step run's
	// effect key on a POST or PATCH (see RequestInput). Default
	// DefaultIdempotencyHeader; "-" sends none.
	IdempotencyHeader string
}

// DefaultIdempotencyHeader is the header a POST or PATCH carries its
// effect key in, as the IETF httpapi "Idempotency-Key" draft and APIs such
// as Stripe's and PayPal's spell it.
const DefaultIdempotencyHeader = "Idempotency-Key"

// Client sends the HTTP requests of the "http_request" action. It is safe
// for concurrent use.
type Client struct {
	http     *httpx.Client
	idemHdr  string
	allowed  []hostPattern
	maxResp  int64
	log      *slog.Logger
	hostList []string
}

// NewClient checks opts and builds a Client. It reports every problem it
// finds.
func NewClient(opts ClientOptions) (*Client, error) {
	var errs []error
	allowed, err := parseHostPatterns(opts.AllowedHosts)
	if err != nil {
		errs = append(errs, err)
	}
	if opts.Auth != nil && len(opts.AllowedHosts) == 0 {
		errs = append(errs, errors.New("webhook: ClientOptions.Auth is set but AllowedHosts is empty: list the hosts the credential may be sent to, so a URL taken from incoming data cannot carry it elsewhere"))
	}
	if h := strings.TrimSpace(opts.IdempotencyHeader); h != "" && h != "-" && !validHeaderName(h) {
		errs = append(errs, fmt.Errorf("webhook: IdempotencyHeader %q is not a valid header name; use letters, digits and -, or \"-\" to send none", opts.IdempotencyHeader))
	}
	if opts.MaxResponseBytes < 0 {
		errs = append(errs, fmt.Errorf("webhook: MaxResponseBytes is %d; use a positive size, or 0 for the default (%d)", opts.MaxResponseBytes, DefaultMaxResponseBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c := &Client{
		allowed:  allowed,
		maxResp:  opts.MaxResponseBytes,
		log:      opts.Logger,
		hostList: slices.Clone(opts.AllowedHosts),
	}
	if c.maxResp == 0 {
		c.maxResp = DefaultMaxResponseBytes
	}
	switch h := strings.TrimSpace(opts.IdempotencyHeader); h {
	case "":
		c.idemHdr = DefaultIdempotencyHeader
	case "-":
	default:
		c.idemHdr = h
	}
	if c.log == nil {
		c.log = opts.HTTP.Logger
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	hopts := opts.HTTP
	if hopts.Logger == nil {
		hopts.Logger = opts.Logger
	}
	if hopts.Logger != nil {
		hopts.Logger = slog.New(redactingHandler{hopts.Logger.Handler()})
	}
	base := hopts.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	hopts.Transport = &guardTransport{base: base, patterns: allowed}
	c.http, err = httpx.New(opts.Auth, hopts)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return c, nil
}

// RequestInput is the input of the "http_request" action. Pills name its
// fields as the expr tags spell them.
type RequestInput struct {
	// Method is the HTTP method: GET (the default when empty), HEAD, POST,
	// PUT, PATCH, DELETE or OPTIONS.
	Method string `json:"method,omitempty" expr:"method"`
	// URL is the absolute http or https URL to request. It may carry a
	// query string; Query adds to it.
	URL string `json:"url" expr:"url"`
	// Query sets query parameters (replacing any of the same name in URL).
	Query map[string]string `json:"query,omitempty" expr:"query"`
	// Headers sets request headers. Put credentials in ClientOptions.Auth
	// rather than here: inputs are kept in job records.
	Headers map[string]string `json:"headers,omitempty" expr:"headers"`
	// Body is a raw request body, sent as is. Set Body or JSON, not both.
	Body string `json:"body,omitempty" expr:"body"`
	// JSON is encoded as the request body, with Content-Type
	// application/json unless Headers sets one.
	JSON any `json:"json,omitempty" expr:"json"`
	// Idempotent says that sending the request twice does no harm, so a
	// POST or PATCH may be retried after a network error or a 502, 503 or
	// 504 like a GET. GET, HEAD, PUT, DELETE and OPTIONS are idempotent
	// already, and a refusal (429, or 503 naming a wait) is retried
	// whatever the method.
	//
	// A POST or PATCH carries an Idempotency-Key header (see
	// ClientOptions.IdempotencyHeader) whose value is the same for every
	// attempt of one step run, across retries and crash recovery, and
	// differs between step runs (a step in a loop gets one per
	// iteration). A receiver that keeps the key and answers a repeat with
	// the first answer makes the request safe to send again: set
	// Idempotent for such a receiver. Headers may set the header itself to
	// use a key of its own.
	Idempotent bool `json:"idempotent,omitempty" expr:"idempotent"`
}

// Response is the output of the "http_request" action.
type Response struct {
	// Status is the HTTP status code.
	Status int `json:"status" expr:"status"`
	// Headers holds the response headers by canonical name, several
	// values of one header joined with ", ".
	Headers map[string]string `json:"headers" expr:"headers"`
	// Body is the response body as text.
	Body string `json:"body" expr:"body"`
	// JSON is the decoded body when the response is JSON
	// (application/json or a +json type), else nil.
	JSON any `json:"json,omitempty" expr:"json"`
}

// RequestInfo describes the "http_request" action.
var RequestInfo = action.Info{
	Name:      "http_request",
	Connector: ConnectorName,
	Title:     "HTTP request",
	Description: "Sends an HTTP request (method, URL, query, headers, text or JSON body) and returns the status, headers, body and decoded JSON. " +
		"A non-2xx answer fails the step with the status and body. A POST or PATCH carries an Idempotency-Key header, the same for every attempt of the step run, " +
		"and is sent once unless the input marks it idempotent (or the server refused it with 429 or 503).",
	Idempotent: false,
}

// Request returns the "http_request" action. Its Info says not idempotent:
// the runtime never re-runs it after an ambiguous failure; an input with
// Idempotent set (or an idempotent method) is retried by the HTTP layer
// and its 5xx answers are retryable.
func (c *Client) Request() action.Action[RequestInput, Response] {
	return action.New(RequestInfo, c.Validate, c.Send)
}

var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// Validate checks in without sending anything and reports every problem
// as an *action.ValidationError (joined when there are several).
func (c *Client) Validate(in RequestInput) error {
	var errs []error
	method := strings.ToUpper(strings.TrimSpace(in.Method))
	if method != "" && !slices.Contains(knownMethods, method) {
		errs = append(errs, action.Invalid("method", "%s is not a supported HTTP method; use one of %s", quoteShort(in.Method), strings.Join(knownMethods, ", ")))
	}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	switch {
	case strings.TrimSpace(in.URL) == "":
		errs = append(errs, action.Invalid("url", "is empty; give an absolute http or https URL"))
	case err != nil:
		errs = append(errs, action.Invalid("url", "cannot be parsed (%s); give an absolute http or https URL", urlParseProblem(err)))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, action.Invalid("url", "must be an absolute http or https URL (scheme %s)", quoteShort(u.Scheme)))
	case u.Host == "":
		errs = append(errs, action.Invalid("url", "has no host; give an absolute URL such as https://api.example.com/items"))
	case u.User != nil:
		errs = append(errs, action.Invalid("url", "carries a user name or password; configure credentials in ClientOptions.Auth instead, so they stay out of job records and logs"))
	case !hostAllowed(c.allowed, u):
		errs = append(errs, action.Invalid("url", "host %s is not in the connection's AllowedHosts (%s)", quoteShort(u.Host), strings.Join(c.hostList, ", ")))
	}
	for _, k := range sortedKeys(in.Query) {
		if k == "" {
			errs = append(errs, action.Invalid("query", "has a parameter with an empty name"))
		}
	}
	for _, k := range sortedKeys(in.Headers) {
		if !validHeaderName(k) {
			errs = append(errs, action.Invalid("headers", "%s is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", quoteShort(k)))
		} else if strings.ContainsAny(in.Headers[k], "\r\n\x00") {
			errs = append(errs, action.Invalid("headers", "the value of %s contains a line break or NUL", k))
		}
	}
	if in.Body != "" && in.JSON != nil {
		errs = append(errs, action.Invalid("json", "both body and json are set; send a raw body or a JSON value, not both"))
	}
	if in.JSON != nil {
		if _, err := json.Marshal(in.JSON); err != nil {
			errs = append(errs, action.Invalid("json", "cannot be encoded as JSON: %v", err))
		}
	}
	return errors.Join(errs...)
}

func urlParseProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "malformed"
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", ch) >= 0:
		default:
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Send validates in, sends the request and returns the response. A
// non-2xx answer returns the Response and a *StatusError; a request that
// got no answer returns a *RequestError.
func (c *Client) Send(ctx context.Context, in RequestInput) (Response, error) {
	if err := c.Validate(in); err != nil {
		return Response{}, err
	}
	method := strings.ToUpper(strings.TrimSpace(in.Method))
	if method == "" {
		method = http.MethodGet
	}
	u, _ := url.Parse(strings.TrimSpace(in.URL)) // checked by Validate
	if len(in.Query) > 0 {
		q := u.Query()
		for k, v := range in.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	var body []byte
	switch {
	case in.JSON != nil:
		body, _ = json.Marshal(in.JSON) // checked by Validate
	case in.Body != "":
		body = []byte(in.Body)
	}
	idempotent := in.Idempotent || method != http.MethodPost && method != http.MethodPatch
	if in.Idempotent {
		ctx = httpx.WithIdempotent(ctx)
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return Response{}, action.Permanent(fmt.Errorf("webhook: %s %s: building the request: %w", method, displayURL(u), err))
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	if in.JSON != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.idemHdr != "" && (method == http.MethodPost || method == http.MethodPatch) && req.Header.Get(c.idemHdr) == "" {
		req.Header.Set(c.idemHdr, action.EffectOrNew(ctx, time.Now()).Key)
	}
	secrets := requestSecrets(u, in.Headers)
	req = req.WithContext(context.WithValue(req.Context(), secretsKey{}, secrets))

	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, &RequestError{Method: method, URL: displayURL(u), err: err, secrets: secrets}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResp+1))
	if err != nil {
		return Response{}, &RequestError{Method: method, URL: displayURL(u), err: fmt.Errorf("reading the response body: %w", err), secrets: secrets, outcomeKnown: true}
	}
	if int64(len(raw)) > c.maxResp {
		return Response{}, action.Permanent(fmt.Errorf("webhook: %s %s: the response body exceeds %d bytes; raise ClientOptions.MaxResponseBytes if such answers are expected", method, displayURL(u), c.maxResp))
	}
	out := Response{
		Status:  resp.StatusCode,
		Headers: flattenHeader(resp.Header),
		Body:    string(raw),
	}
	if isJSON(resp.Header.Get("Content-Type")) && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.JSON); err != nil {
			out.JSON = nil
			c.log.Debug("webhook: response says JSON but does not parse; json left empty",
				slog.String("method", method), slog.String("url", displayURL(u)), slog.Int("status", resp.StatusCode))
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, &StatusError{
			Status:     resp.StatusCode,
			Method:     method,
			URL:        displayURL(u),
			Header:     resp.Header.Clone(),
			Body:       secrets.clean(string(raw)),
			Idempotent: idempotent,
		}
	}
	return out, nil
}

// requestSecrets collects the values of u's query parameters and of the
// headers whose names suggest credentials, and the token-like segments of
// u's path, to scrub from anything quoted back in an error or a log.
func requestSecrets(u *url.URL, headers map[string]string) *secretSet {
	set := &secretSet{}
	for k, vs := range u.Query() {
		if sensitiveName(k) {
			set.add(vs...)
		}
	}
	for k, v := range headers {
		if sensitiveName(k) {
			set.addHeaderValues(v)
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if tokenLike(seg) {
			set.add(seg)
		}
	}
	return set
}

func flattenHeader(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[http.CanonicalHeaderKey(k)] = strings.Join(vs, ", ")
	}
	return out
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
