package jira

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/recipekit/recipekit/action"
)

// ServiceDeskService talks to Jira Service Management's REST API
// (/rest/servicedeskapi), the same on Cloud and Data Center: service
// desks, request types and their fields, customers, and customer requests
// with their comments, statuses, SLAs and transitions.
//
// Lists there page by start and limit and end with isLastPage, unlike
// REST v2's startAt and maxResults. Every request carries
// "X-ExperimentalApi: opt-in", which the endpoints Atlassian still marks
// experimental (the customer lists) require and the others ignore.
type ServiceDeskService service

// servicedeskPath builds a /rest/servicedeskapi path, escaping string
// arguments.
func servicedeskPath(format string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = url.PathEscape(s)
		}
	}
	return "/rest/servicedeskapi" + fmt.Sprintf(format, args...)
}

// call sends a servicedeskapi request with the experimental opt-in.
func (s *ServiceDeskService) call(ctx context.Context, method, path string, query url.Values, body, v any) (*Response, error) {
	req, err := s.client.NewRequest(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-ExperimentalApi", "opt-in")
	return s.client.Do(req, v)
}

// PageOptions selects a page of a servicedeskapi list.
type PageOptions struct {
	// Start is the index of the first item (0-based).
	Start int
	// Limit is the page size; 0 uses Jira's default (50).
	Limit int
}

func (o PageOptions) values() url.Values {
	return pageQuery("start", o.Start, "limit", o.Limit)
}

// sdPage is the servicedeskapi's paged envelope.
type sdPage[T any] struct {
	Size       int  `json:"size"`
	Start      int  `json:"start"`
	Limit      int  `json:"limit"`
	IsLastPage bool `json:"isLastPage"`
	Values     []T  `json:"values"`
}

// list reads one page of path into a slice, filling the Response's paging
// fields (StartAt, MaxResults, IsLast).
func sdList[T any](ctx context.Context, s *ServiceDeskService, path string, q url.Values, opts PageOptions) ([]T, *Response, error) {
	for k, v := range opts.values() {
		q[k] = v
	}
	var page sdPage[T]
	resp, err := s.call(ctx, "GET", path, q, nil, &page)
	if err != nil {
		return nil, resp, err
	}
	resp.StartAt, resp.MaxResults, resp.IsLast = page.Start, page.Limit, page.IsLastPage || len(page.Values) == 0
	return page.Values, resp, nil
}

// sdAll iterates over every item of a servicedeskapi list.
func sdAll[T any](ctx context.Context, s *ServiceDeskService, path string, q func() url.Values) iter.Seq2[T, error] {
	return allPages(ctx, func(ctx context.Context, start int) ([]T, *Response, error) {
		return sdList[T](ctx, s, path, q(), PageOptions{Start: start})
	})
}

// ServiceDesk is a Jira Service Management service desk: a project that
// customers raise requests in.
type ServiceDesk struct {
	ID          string `json:"id" expr:"id"`
	ProjectID   string `json:"projectId" expr:"projectId"`
	ProjectKey  string `json:"projectKey" expr:"projectKey"`
	ProjectName string `json:"projectName" expr:"projectName"`
}

// RequestType is a customer request type of a service desk.
type RequestType struct {
	ID            string   `json:"id" expr:"id"`
	Name          string   `json:"name" expr:"name"`
	Description   string   `json:"description,omitempty" expr:"description"`
	HelpText      string   `json:"helpText,omitempty" expr:"helpText"`
	IssueTypeID   string   `json:"issueTypeId,omitempty" expr:"issueTypeId"`
	ServiceDeskID string   `json:"serviceDeskId" expr:"serviceDeskId"`
	PortalID      string   `json:"portalId,omitempty" expr:"portalId"`
	GroupIDs      []string `json:"groupIds,omitempty" expr:"groupIds"`
}

// RequestTypeFields are the fields a request type asks for, and what the
// connection may do when raising one.
type RequestTypeFields struct {
	Fields                    []RequestTypeField `json:"requestTypeFields" expr:"requestTypeFields"`
	CanRaiseOnBehalfOf        bool               `json:"canRaiseOnBehalfOf" expr:"canRaiseOnBehalfOf"`
	CanAddRequestParticipants bool               `json:"canAddRequestParticipants" expr:"canAddRequestParticipants"`
}

// RequestTypeField is one field of a request type: its Jira field id
// (the key of CreateCustomerRequestInput.Fields), the label customers
// see, and the values a select field allows.
type RequestTypeField struct {
	FieldID       string             `json:"fieldId" expr:"fieldId"`
	Name          string             `json:"name" expr:"name"`
	Description   string             `json:"description,omitempty" expr:"description"`
	Required      bool               `json:"required" expr:"required"`
	Visible       bool               `json:"visible" expr:"visible"`
	ValidValues   []RequestFieldOpt  `json:"validValues,omitempty" expr:"validValues"`
	DefaultValues []RequestFieldOpt  `json:"defaultValues,omitempty" expr:"defaultValues"`
	JiraSchema    RequestFieldSchema `json:"jiraSchema" expr:"jiraSchema"`
}

// RequestFieldOpt is an allowed or default value of a request type field.
type RequestFieldOpt struct {
	Value string `json:"value" expr:"value"`
	Label string `json:"label" expr:"label"`
}

// RequestFieldSchema is the Jira type of a request type field: the
// service desk API sends the schema of the Jira field behind it, the
// FieldSchema the platform API describes fields with.
type RequestFieldSchema = FieldSchema

// List returns a page of the service desks the connection can see.
func (s *ServiceDeskService) List(ctx context.Context, opts PageOptions) ([]ServiceDesk, *Response, error) {
	return sdList[ServiceDesk](ctx, s, servicedeskPath("/servicedesk"), url.Values{}, opts)
}

// All iterates over every service desk the connection can see.
func (s *ServiceDeskService) All(ctx context.Context) iter.Seq2[ServiceDesk, error] {
	return sdAll[ServiceDesk](ctx, s, servicedeskPath("/servicedesk"), noQuery)
}

// Get returns one service desk by id.
func (s *ServiceDeskService) Get(ctx context.Context, id string) (ServiceDesk, *Response, error) {
	return callJSON[ServiceDesk](ctx, s, "GET", servicedeskPath("/servicedesk/%s", id), nil, nil)
}

// RequestTypes returns a page of a service desk's request types.
func (s *ServiceDeskService) RequestTypes(ctx context.Context, deskID string, opts PageOptions) ([]RequestType, *Response, error) {
	return sdList[RequestType](ctx, s, servicedeskPath("/servicedesk/%s/requesttype", deskID), url.Values{}, opts)
}

// AllRequestTypes iterates over every request type of a service desk.
func (s *ServiceDeskService) AllRequestTypes(ctx context.Context, deskID string) iter.Seq2[RequestType, error] {
	return sdAll[RequestType](ctx, s, servicedeskPath("/servicedesk/%s/requesttype", deskID), noQuery)
}

// RequestType returns one request type of a service desk.
func (s *ServiceDeskService) RequestType(ctx context.Context, deskID, requestTypeID string) (RequestType, *Response, error) {
	return callJSON[RequestType](ctx, s, "GET", servicedeskPath("/servicedesk/%s/requesttype/%s", deskID, requestTypeID), nil, nil)
}

// RequestTypeFields returns the fields of a request type.
func (s *ServiceDeskService) RequestTypeFields(ctx context.Context, deskID, requestTypeID string) (RequestTypeFields, *Response, error) {
	return callJSON[RequestTypeFields](ctx, s, "GET", servicedeskPath("/servicedesk/%s/requesttype/%s/field", deskID, requestTypeID), nil, nil)
}

// Customers returns a page of a service desk's customers (an
// experimental endpoint).
func (s *ServiceDeskService) Customers(ctx context.Context, deskID string, opts PageOptions) ([]User, *Response, error) {
	return sdList[User](ctx, s, servicedeskPath("/servicedesk/%s/customer", deskID), url.Values{}, opts)
}

// AddCustomers makes existing users customers of a service desk: by
// account id on Cloud, by user name on Data Center (an experimental
// endpoint). Adding a customer twice changes nothing.
func (s *ServiceDeskService) AddCustomers(ctx context.Context, deskID string, users ...string) (*Response, error) {
	n, err := s.client.userNames(ctx)
	if err != nil {
		return nil, err
	}
	return s.call(ctx, "POST", servicedeskPath("/servicedesk/%s/customer", deskID), nil, map[string][]string{n.list: users}, nil)
}

// ---- actions ----

// ListServiceDesksInput is the input of list_service_desks.
type ListServiceDesksInput struct {
	// Limit caps the number of desks (default 1000).
	Limit int `json:"limit,omitempty" expr:"limit"`
}

func (in ListServiceDesksInput) validate() error {
	return checkLimit(in.Limit)
}

// ListServiceDesks returns the list_service_desks action.
func (c *Client) ListServiceDesks() action.Action[ListServiceDesksInput, []ServiceDesk] {
	return newAction(c, "list_service_desks", ListServiceDesksInput.validate, func(ctx context.Context, in ListServiceDesksInput) ([]ServiceDesk, error) {
		return upTo(c.ServiceDesk.All(ctx), in.Limit, 1000)
	})
}

// ServiceDeskInput names a service desk.
type ServiceDeskInput struct {
	// ServiceDeskID is the desk's numeric id (list_service_desks).
	ServiceDeskID string `json:"serviceDeskId" expr:"serviceDeskId"`
}

func (in ServiceDeskInput) validate() error {
	return validDeskID("serviceDeskId", in.ServiceDeskID)
}

func validDeskID(field, id string) error {
	if err := required(field, id, "give the service desk's numeric id (list_service_desks shows them)"); err != nil {
		return err
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return action.Invalid(field, "%q is not a service desk id: give the numeric id list_service_desks shows, not the project key", id)
	}
	return nil
}

// ListRequestTypes returns the list_request_types action.
func (c *Client) ListRequestTypes() action.Action[ServiceDeskInput, []RequestType] {
	return newAction(c, "list_request_types", ServiceDeskInput.validate, func(ctx context.Context, in ServiceDeskInput) ([]RequestType, error) {
		return upTo(c.ServiceDesk.AllRequestTypes(ctx, in.ServiceDeskID), 0, 1000)
	})
}

// RequestTypeInput names a request type of a service desk.
type RequestTypeInput struct {
	ServiceDeskID string `json:"serviceDeskId" expr:"serviceDeskId"`
	RequestTypeID string `json:"requestTypeId" expr:"requestTypeId"`
}

func (in RequestTypeInput) validate() error {
	return errors.Join(validDeskID("serviceDeskId", in.ServiceDeskID), required("requestTypeId", in.RequestTypeID, "give the request type's id (list_request_types shows them)"))
}

// GetRequestTypeFields returns the get_request_type_fields action.
func (c *Client) GetRequestTypeFields() action.Action[RequestTypeInput, RequestTypeFields] {
	return newAction(c, "get_request_type_fields", RequestTypeInput.validate, func(ctx context.Context, in RequestTypeInput) (RequestTypeFields, error) {
		return decoded(c.ServiceDesk.RequestTypeFields(ctx, in.ServiceDeskID, in.RequestTypeID))
	})
}

func noQuery() url.Values { return url.Values{} }
