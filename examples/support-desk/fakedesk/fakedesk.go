// Package fakedesk is a small support desk for the support-desk example's
// offline runs and tests: tickets with comments and a status behind a JSON
// API with a bearer API key, and webhooks it sends on ticket events,
// signed with an HMAC of the body and retried until the receiver accepts
// them. It runs in-process on a loopback port.
//
// The API:
//
//	GET   /api/tickets/{id}            the ticket, with its comments
//	POST  /api/tickets                 {subject, description, requester, priority, escalated}
//	PATCH /api/tickets/{id}            {status, escalated, priority, external_id, external_url}
//	POST  /api/tickets/{id}/comments   {body, public, author}; an Idempotency-Key header
//	                                   makes a repeated request return the first comment
//
// Every change sends an [Event] to each webhook: ticket.created,
// ticket.updated or comment.created, with the header X-Desk-Delivery (the
// delivery's id, the same on every retry) and X-Desk-Signature
// ("sha256=" and the hex HMAC-SHA256 of the body keyed with the webhook's
// secret).
package fakedesk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Ticket statuses.
const (
	StatusOpen    = "open"
	StatusPending = "pending"
	StatusClosed  = "closed"
)

// Ticket is a support ticket.
type Ticket struct {
	ID          string `json:"id"`
	URL         string `json:"url"` // the ticket's page, for links to it
	Subject     string `json:"subject"`
	Description string `json:"description"`
	Requester   string `json:"requester"`
	Priority    string `json:"priority"` // low, normal, high, urgent
	Status      string `json:"status"`   // open, pending, closed
	Escalated   bool   `json:"escalated"`
	// ExternalID and ExternalURL link the ticket to a record elsewhere,
	// such as a Jira issue.
	ExternalID  string    `json:"external_id"`
	ExternalURL string    `json:"external_url"`
	Comments    []Comment `json:"comments"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Comment is a comment on a ticket. A public one is shown to the
// requester; the others are internal notes.
type Comment struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	Public    bool      `json:"public"`
	CreatedAt time.Time `json:"created_at"`
}

// Event is the body of a webhook delivery.
type Event struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"` // ticket.created, ticket.updated, comment.created
	OccurredAt time.Time `json:"occurred_at"`
	Ticket     Ticket    `json:"ticket"` // without its comments
	Comment    *Comment  `json:"comment,omitempty"`
}

// Delivery is one attempt to deliver an event, as the desk logged it.
type Delivery struct {
	EventID  string
	Type     string
	TicketID string
	URL      string
	Status   int   // the receiver's answer; 0 when it gave none
	Err      error // why there was no answer
}

// NewTicket is what a requester files.
type NewTicket struct {
	Subject     string `json:"subject"`
	Description string `json:"description"`
	Requester   string `json:"requester"`
	Priority    string `json:"priority"`
	Escalated   bool   `json:"escalated"`
}

// Desk is a running fake support desk.
type Desk struct {
	apiKey string
	srv    *http.Server
	ln     net.Listener
	url    string

	mu         sync.Mutex
	tickets    map[string]*Ticket
	nextTicket int
	nextID     int
	idem       map[string]Comment // ticket id|Idempotency-Key -> comment created
	events     map[string]Event   // every event sent, by id, for Redeliver
	hooks      []hook
	queue      []Event
	log        []Delivery
	wake       chan struct{}

	stop chan struct{}
	done chan struct{}
}

type hook struct {
	url    string
	secret []byte
}

// Start starts a desk on a loopback port whose API accepts apiKey as a
// bearer token. Close stops it.
func Start(apiKey string) (*Desk, error) {
	if apiKey == "" {
		return nil, errors.New("fakedesk: an API key is required")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakedesk: %w", err)
	}
	d := &Desk{
		apiKey: apiKey, ln: ln, url: "http://" + ln.Addr().String(),
		tickets: map[string]*Ticket{}, nextTicket: 1000, idem: map[string]Comment{}, events: map[string]Event{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tickets/{id}", d.auth(d.getTicket))
	mux.HandleFunc("POST /api/tickets", d.auth(d.postTicket))
	mux.HandleFunc("PATCH /api/tickets/{id}", d.auth(d.patchTicket))
	mux.HandleFunc("POST /api/tickets/{id}/comments", d.auth(d.postComment))
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.srv.Serve(ln) }()
	go d.deliver()
	return d, nil
}

// URL is the desk's base URL.
func (d *Desk) URL() string { return d.url }

// Close stops the webhook deliveries and the server.
func (d *Desk) Close() {
	select {
	case <-d.stop:
		return
	default:
	}
	close(d.stop)
	<-d.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = d.srv.Shutdown(ctx)
}

// AddWebhook makes the desk send every event to url, signed with secret,
// as an administrator does in the desk's settings.
func (d *Desk) AddWebhook(url string, secret []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hooks = append(d.hooks, hook{url: url, secret: slices.Clone(secret)})
}

// Ticket returns a ticket as it is now.
func (d *Desk) Ticket(id string) (Ticket, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	c := *t
	c.Comments = slices.Clone(t.Comments)
	return c, true
}

// Deliveries returns the log of delivery attempts, oldest first.
func (d *Desk) Deliveries() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

// File files a ticket, as a requester does by email or the web form.
func (d *Desk) File(in NewTicket) (Ticket, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fileLocked(in)
}

// Escalate marks a ticket escalated, as an agent does.
func (d *Desk) Escalate(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[id]
	if !ok {
		return fmt.Errorf("fakedesk: no ticket %s", id)
	}
	t.Escalated = true
	d.touchLocked(t, "ticket.updated", nil)
	return nil
}

// Redeliver sends an event again with the same delivery id, as a desk
// does when it is unsure its first attempt arrived.
func (d *Desk) Redeliver(eventID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	ev, ok := d.events[eventID]
	if !ok {
		return fmt.Errorf("fakedesk: no event %s", eventID)
	}
	d.queue = append(d.queue, ev)
	d.kick()
	return nil
}

func (d *Desk) fileLocked(in NewTicket) (Ticket, error) {
	if strings.TrimSpace(in.Subject) == "" {
		return Ticket{}, errors.New("subject is required")
	}
	prio := in.Priority
	if prio == "" {
		prio = "normal"
	}
	if !slices.Contains([]string{"low", "normal", "high", "urgent"}, prio) {
		return Ticket{}, fmt.Errorf("priority %q is not one of low, normal, high, urgent", prio)
	}
	d.nextTicket++
	id := strconv.Itoa(d.nextTicket)
	now := time.Now().UTC()
	t := &Ticket{ID: id, URL: d.url + "/tickets/" + id, Subject: in.Subject, Description: in.Description, Requester: in.Requester,
		Priority: prio, Status: StatusOpen, Escalated: in.Escalated, Comments: []Comment{}, CreatedAt: now, UpdatedAt: now}
	d.tickets[id] = t
	d.eventLocked("ticket.created", t, nil)
	return *t, nil
}

// touchLocked records a change of t and sends its event.
func (d *Desk) touchLocked(t *Ticket, typ string, c *Comment) {
	t.UpdatedAt = time.Now().UTC()
	d.eventLocked(typ, t, c)
}

func (d *Desk) eventLocked(typ string, t *Ticket, c *Comment) {
	d.nextID++
	snap := *t
	snap.Comments = nil
	ev := Event{ID: fmt.Sprintf("evt-%d", d.nextID), Type: typ, OccurredAt: t.UpdatedAt, Ticket: snap, Comment: c}
	d.events[ev.ID] = ev
	d.queue = append(d.queue, ev)
	d.kick()
}

func (d *Desk) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// deliver sends queued events in order to every webhook, retrying each
// up to six times with a growing pause while the receiver does not answer
// 2xx.
func (d *Desk) deliver() {
	defer close(d.done)
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		d.mu.Lock()
		var ev Event
		var hooks []hook
		have := len(d.queue) > 0
		if have {
			ev, d.queue = d.queue[0], d.queue[1:]
			hooks = slices.Clone(d.hooks)
		}
		d.mu.Unlock()
		if !have {
			select {
			case <-d.stop:
				return
			case <-d.wake:
				continue
			}
		}
		body, _ := json.Marshal(ev)
		for _, h := range hooks {
			pause := 50 * time.Millisecond
			for attempt := 1; attempt <= 6; attempt++ {
				status, err := send(client, h, ev.ID, body)
				d.mu.Lock()
				d.log = append(d.log, Delivery{EventID: ev.ID, Type: ev.Type, TicketID: ev.Ticket.ID, URL: h.url, Status: status, Err: err})
				d.mu.Unlock()
				if err == nil && status/100 == 2 {
					break
				}
				select {
				case <-d.stop:
					return
				case <-time.After(pause):
				}
				pause *= 2
			}
		}
	}
}

func send(client *http.Client, h hook, id string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, h.secret)
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Desk-Delivery", id)
	req.Header.Set("X-Desk-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// auth checks the bearer API key.
func (d *Desk) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !hmac.Equal([]byte(got), []byte(d.apiKey)) {
			writeError(w, http.StatusUnauthorized, "a valid API key is required (Authorization: Bearer <key>)")
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func (d *Desk) getTicket(w http.ResponseWriter, r *http.Request) {
	d.withTicket(w, r, func(t *Ticket) { writeJSON(w, http.StatusOK, t) })
}

func (d *Desk) postTicket(w http.ResponseWriter, r *http.Request) {
	var in NewTicket
	if !decode(w, r, &in) {
		return
	}
	d.mu.Lock()
	t, err := d.fileLocked(in)
	d.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

// withTicket runs f on the ticket the request's path names with d.mu held,
// or answers 404 when there is no such ticket.
func (d *Desk) withTicket(w http.ResponseWriter, r *http.Request, f func(t *Ticket)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "no ticket "+r.PathValue("id"))
		return
	}
	f(t)
}

func (d *Desk) patchTicket(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status      *string `json:"status"`
		Priority    *string `json:"priority"`
		Escalated   *bool   `json:"escalated"`
		ExternalID  *string `json:"external_id"`
		ExternalURL *string `json:"external_url"`
	}
	if !decode(w, r, &in) {
		return
	}
	d.withTicket(w, r, func(t *Ticket) {
		if in.Status != nil && !slices.Contains([]string{StatusOpen, StatusPending, StatusClosed}, *in.Status) {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("status %q is not one of open, pending, closed", *in.Status))
			return
		}
		before := *t
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&t.Status, in.Status)
		set(&t.Priority, in.Priority)
		set(&t.ExternalID, in.ExternalID)
		set(&t.ExternalURL, in.ExternalURL)
		if in.Escalated != nil {
			t.Escalated = *in.Escalated
		}
		if t.Status != before.Status || t.Priority != before.Priority || t.Escalated != before.Escalated ||
			t.ExternalID != before.ExternalID || t.ExternalURL != before.ExternalURL {
			d.touchLocked(t, "ticket.updated", nil)
		}
		writeJSON(w, http.StatusOK, t)
	})
}

func (d *Desk) postComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body   string `json:"body"`
		Public bool   `json:"public"`
		Author string `json:"author"`
	}
	if !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Body) == "" {
		writeError(w, http.StatusUnprocessableEntity, "body is required")
		return
	}
	d.withTicket(w, r, func(t *Ticket) {
		key := r.Header.Get("Idempotency-Key")
		if c, seen := d.idem[t.ID+"|"+key]; key != "" && seen {
			writeJSON(w, http.StatusOK, c)
			return
		}
		d.nextID++
		c := Comment{ID: fmt.Sprintf("c-%d", d.nextID), Author: in.Author, Body: in.Body, Public: in.Public, CreatedAt: time.Now().UTC()}
		if c.Author == "" {
			c.Author = "API"
		}
		t.Comments = append(t.Comments, c)
		if key != "" {
			d.idem[t.ID+"|"+key] = c
		}
		d.touchLocked(t, "comment.created", &c)
		writeJSON(w, http.StatusCreated, c)
	})
}
