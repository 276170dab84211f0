package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// CustomRequestInput is the input of the custom_request action.
type CustomRequestInput struct {
	// Method is GET, POST, PUT, PATCH or DELETE. Required.
	Method string `json:"method" expr:"method"`
	// Path is a path on the Jira site under /rest/, such as
	// /rest/api/2/issue/DEMO-1/votes. It cannot name another host.
	Path string `json:"path" expr:"path"`
	// Query holds query parameters.
	Query map[string]string `json:"query,omitempty" expr:"query"`
	// Body is sent as JSON when not nil.
	Body any `json:"body,omitempty" expr:"body"`
}

// CustomResponse is the output of the custom_request action.
type CustomResponse struct {
	Status int `json:"status" expr:"status"`
	// Body is the decoded JSON answer (nil for an empty body; a string when
	// the answer is not JSON).
	Body any `json:"body" expr:"body"`
	// Headers holds the answer's headers (first value of each).
	Headers map[string]string `json:"headers" expr:"headers"`
}

func validateCustom(in CustomRequestInput) error {
	var errs []error
	switch strings.ToUpper(in.Method) {
	case "GET", "POST", "PUT", "PATCH", "DELETE":
	default:
		errs = append(errs, action.Invalid("method", "must be GET, POST, PUT, PATCH or DELETE, not %q", in.Method))
	}
	u, err := url.Parse(in.Path)
	switch {
	case err != nil:
		errs = append(errs, action.Invalid("path", "%q is not a path: %v", in.Path, err))
	case u.Scheme != "" || u.Host != "" || strings.HasPrefix(in.Path, "//"):
		errs = append(errs, action.Invalid("path", "give a path on the Jira site (/rest/...), not a full URL: the connection's credentials only go to Jira"))
	case !strings.HasPrefix(u.Path, "/rest/"):
		errs = append(errs, action.Invalid("path", "%q must start with /rest/ (for example /rest/api/2/issue/DEMO-1)", in.Path))
	case strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/.."):
		errs = append(errs, action.Invalid("path", "%q must not contain ..", in.Path))
	case u.RawQuery != "":
		errs = append(errs, action.Invalid("path", "put query parameters in query, not in the path"))
	}
	return errors.Join(errs...)
}

// CustomRequest returns the custom_request action: any Jira REST call,
// through the connection's credentials, retries and error handling. GET,
// PUT and DELETE are retried on 429/5xx like every call; POST and PATCH
// are sent once. A non-2xx answer is an error (an *Error), as for
// every action.
func (c *Client) CustomRequest() action.Action[CustomRequestInput, CustomResponse] {
	return newAction(c, "custom_request", validateCustom, func(ctx context.Context, in CustomRequestInput) (CustomResponse, error) {
		q := url.Values{}
		for k, v := range in.Query {
			q.Set(k, v)
		}
		u, _ := url.Parse(in.Path)
		req, err := c.NewRequest(ctx, strings.ToUpper(in.Method), u.EscapedPath(), q, in.Body)
		if err != nil {
			return CustomResponse{}, err
		}
		hresp, err := c.hc.Do(req)
		if err != nil {
			return CustomResponse{}, answerError(err, true)
		}
		if err := checkResponse(hresp); err != nil {
			return CustomResponse{Status: hresp.StatusCode}, err
		}
		defer hresp.Body.Close()
		raw, err := readBody(hresp.Body)
		if err != nil {
			return CustomResponse{Status: hresp.StatusCode}, fmt.Errorf("jira: reading the answer to %s %s: %w", req.Method, req.URL.Path, err)
		}
		out := CustomResponse{Status: hresp.StatusCode, Headers: map[string]string{}}
		for k, v := range hresp.Header {
			if len(v) > 0 && !strings.EqualFold(k, "Set-Cookie") {
				out.Headers[k] = v[0]
			}
		}
		if len(raw) > 0 {
			var v any
			if json.Unmarshal(raw, &v) == nil {
				out.Body = v
			} else {
				out.Body = string(raw)
			}
		}
		return out, nil
	})
}
