package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector"
	"github.com/recipekit/recipekit/trigger"
)

// ConnectorName is the connector's kind in catalogues, trigger and action
// Info and job records.
const ConnectorName = "webhook"

// TriggerInfo describes the inbound trigger in the connector's catalogue;
// a trigger built with [NewTrigger] reports its own name and title.
var TriggerInfo = trigger.Info{
	Name:      DefaultTriggerName,
	Connector: ConnectorName,
	Title:     "New webhook event",
	Description: "Receives JSON deliveries at a callback URL registered by hand with the sender (for Jira: System > Webhooks), " +
		"optionally authenticated by an X-Hub-Signature HMAC or a shared token.",
}

// Connector is a configured Webhooks connection: the outbound request
// action with its credential and host allow-list, and the inbound trigger
// in its catalogue. It implements connector.Connector.
type Connector struct {
	name   string
	opts   ClientOptions
	client *Client
}

var _ connector.Connector = (*Connector)(nil)

// NewConnector returns a Webhooks connection named name (the name recipes
// and the registry know it by; "webhook" when empty) whose requests use
// opts.
func NewConnector(name string, opts ClientOptions) (*Connector, error) {
	c, err := NewClient(opts)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = ConnectorName
	}
	return &Connector{name: name, opts: opts, client: c}, nil
}

// Info describes the connection.
func (c *Connector) Info() connector.Info {
	return connector.Info{
		Name:        ConnectorName,
		Connection:  c.name,
		Title:       "Webhooks",
		Description: "Generic HTTP: receive JSON webhooks from any sender and send HTTP requests to any allowed host.",
	}
}

// Test checks the configuration only: there is no fixed remote endpoint
// to call, so it validates the credential's settings and the allow-list
// and reports what requests will carry.
func (c *Connector) Test(context.Context) (connector.TestResult, error) {
	var errs []error
	if c.opts.Auth != nil {
		if err := c.opts.Auth.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("webhook connection %q: %w", c.name, err))
		}
	}
	if _, err := parseHostPatterns(c.opts.AllowedHosts); err != nil {
		errs = append(errs, fmt.Errorf("webhook connection %q: %w", c.name, err))
	}
	if err := errors.Join(errs...); err != nil {
		return connector.TestResult{}, err
	}
	res := connector.TestResult{Account: "anonymous"}
	if c.opts.Auth != nil {
		res.Account = fmt.Sprintf("credential %T", c.opts.Auth)
	}
	if len(c.opts.AllowedHosts) > 0 {
		res.Detail = "requests limited to " + strings.Join(c.opts.AllowedHosts, ", ")
	} else {
		res.Detail = "requests may go to any host"
	}
	return res, nil
}

// Actions lists the "http_request" action.
func (c *Connector) Actions() []action.Info { return []action.Info{RequestInfo} }

// Triggers lists the inbound webhook trigger.
func (c *Connector) Triggers() []trigger.Info { return []trigger.Info{TriggerInfo} }

// Client returns the connection's HTTP client.
func (c *Connector) Client() *Client { return c.client }

// Request returns the connection's "http_request" action.
func (c *Connector) Request() action.Action[RequestInput, Response] { return c.client.Request() }
