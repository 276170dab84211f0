package jiratest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/internal/ctxwait"
	"github.com/recipekit/recipekit/internal/jql"
)

// DynamicWebhookTTL is how long a dynamic webhook lives without a refresh.
const DynamicWebhookTTL = 30 * 24 * time.Hour

// webhookEvents are the event names deliveries can carry.
var dynamicEvents = []string{"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated", "comment_deleted", "issue_property_set", "issue_property_deleted"}

type webhook struct {
	id          int
	dynamic     bool
	name, desc  string
	url         string
	events      []string
	jql         string
	query       *jql.Query
	fieldIDs    []string
	excludeBody bool
	enabled     bool
	secret      string
	owner       *user
	client      string
	expires     time.Time
	created     time.Time
	updated     time.Time
}

func (w *webhook) snapshot(m Mode) Webhook {
	out := Webhook{ID: strconv.Itoa(w.id), Dynamic: w.dynamic, Name: w.name, URL: w.url, Events: slices.Clone(w.events),
		JQL: w.jql, Enabled: w.enabled, HasSecret: w.secret != "", Expiration: w.expires}
	if w.owner != nil {
		out.Owner = w.owner.ID(m)
	}
	return out
}

// Webhooks lists registered webhooks, admin and dynamic.
func (s *Server) Webhooks() []Webhook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Webhook
	for _, w := range s.st.webhooks {
		out = append(out, w.snapshot(s.mode))
	}
	return out
}

// SignPayload returns the X-Hub-Signature value Jira sends for body with
// secret: "sha256=" and the lower-case hex HMAC-SHA256.
func SignPayload(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func loopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the webhook URL %q is not an absolute http(s) URL", raw)
	}
	h := u.Hostname()
	if h == "localhost" {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("the simulator only delivers to loopback URLs (127.0.0.1, ::1, localhost), not %q", h)
}

// ---- admin webhooks ----

type adminHookBody struct {
	Name        *string           `json:"name"`
	Description *string           `json:"description"`
	URL         *string           `json:"url"`
	Events      []string          `json:"events"`
	Filters     map[string]string `json:"filters"`
	ExcludeBody *bool             `json:"excludeBody"`
	Enabled     *bool             `json:"enabled"`
	Secret      *string           `json:"secret"`
}

func (s *Server) adminHookJSON(w *webhook) map[string]any {
	m := map[string]any{
		"self": s.url + "/rest/webhooks/1.0/webhook/" + strconv.Itoa(w.id), "name": w.name, "url": w.url,
		"events": nonNil(w.events), "filters": map[string]any{"issue-related-events-section": w.jql},
		"excludeBody": w.excludeBody, "enabled": w.enabled, "lastUpdated": w.updated.UnixMilli(),
		"description": w.desc,
	}
	if w.owner != nil {
		m["lastUpdatedDisplayName"] = w.owner.DisplayName
		if s.mode == Cloud {
			m["lastUpdatedUser"] = w.owner.AccountID
		} else {
			m["lastUpdatedUser"] = w.owner.Key
		}
	}
	return m
}

func (s *Server) requireAdmin(c *call) bool {
	if c.oauth != nil {
		c.fail(errf(http.StatusForbidden, "Admin webhooks cannot be managed with an OAuth 2.0 token: use an administrator's API token."))
		return false
	}
	if !c.user.Admin {
		c.fail(errf(http.StatusForbidden, "You must have the Administer Jira global permission to manage webhooks."))
		return false
	}
	return true
}

// adminHookFor returns the admin webhook the path names, or answers 404
// and returns nil. Callers hold s.mu.
func (s *Server) adminHookFor(c *call) *webhook {
	id, _ := strconv.Atoi(c.param(0))
	for _, w := range s.st.webhooks {
		if w.id == id && !w.dynamic {
			return w
		}
	}
	c.fail(errf(http.StatusNotFound, "Webhook with id %s does not exist.", c.param(0)))
	return nil
}

// managedAdminHook is adminHookFor for a caller who must be allowed to
// manage webhooks: it answers 403 to anyone else. Callers hold s.mu.
func (s *Server) managedAdminHook(c *call) *webhook {
	if !s.requireAdmin(c) {
		return nil
	}
	return s.adminHookFor(c)
}

func (s *Server) handleAdminHookList(c *call) { s.listAdminHooks(c, s.adminHookJSON) }

// listAdminHooks answers a list of the admin (not dynamic) webhooks, each
// in the form of the resource asked.
func (s *Server) listAdminHooks(c *call, render func(*webhook) map[string]any) {
	if !s.requireAdmin(c) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []any{}
	for _, w := range s.st.webhooks {
		if !w.dynamic {
			out = append(out, render(w))
		}
	}
	c.json(http.StatusOK, out)
}

func (s *Server) handleAdminHookGet(c *call) { s.getAdminHook(c, s.adminHookJSON) }

// getAdminHook answers the admin webhook of the path's id in the form of
// the resource asked.
func (s *Server) getAdminHook(c *call, render func(*webhook) map[string]any) {
	reading(s, s.managedAdminHook, func(c *call, w *webhook) { c.json(http.StatusOK, render(w)) })(c)
}

func (s *Server) applyAdminHook(w *webhook, b adminHookBody) *apiError {
	setIfGiven(&w.name, b.Name)
	setIfGiven(&w.desc, b.Description)
	setIfGiven(&w.url, b.URL)
	if b.Events != nil {
		w.events = slices.Clone(b.Events)
	}
	if f, ok := b.Filters["issue-related-events-section"]; ok {
		w.jql = f
	}
	setIfGiven(&w.excludeBody, b.ExcludeBody)
	setIfGiven(&w.enabled, b.Enabled)
	if b.Secret != nil && *b.Secret != "" {
		w.secret = *b.Secret
	}
	e := &apiError{status: http.StatusBadRequest}
	if strings.TrimSpace(w.name) == "" {
		e.add("name", "The webhook name is required.")
	}
	if err := loopbackURL(w.url); err != nil {
		e.add("url", err.Error())
	}
	if len(w.events) == 0 {
		e.add("events", "At least one event is required.")
	}
	if w.jql != "" {
		q, err := jql.Parse(w.jql)
		if err != nil {
			e.add("filters", err.Error())
		}
		w.query = q
	} else {
		w.query = nil
	}
	if len(e.fields) > 0 {
		return e
	}
	return nil
}

func (s *Server) handleAdminHookCreate(c *call) {
	adminHookWrite[adminHookBody](s, c, s.createAdminHook, s.adminHookJSON)
}

// adminHookBody is already the common form of an admin webhook's body.
func (b adminHookBody) adminBody() adminHookBody { return b }

// adminHookWrite decodes a body of the resource's type B, requires an
// administrator, and has write create or change the webhook from it,
// answering in render's form.
func adminHookWrite[B interface{ adminBody() adminHookBody }](s *Server, c *call, write func(*call, adminHookBody, func(*webhook) map[string]any), render func(*webhook) map[string]any) {
	var b B
	if decoded(c, &b) && s.requireAdmin(c) {
		write(c, b.adminBody(), render)
	}
}

// createAdminHook validates and stores a new admin webhook, whichever
// resource's body b was read from, and answers it in that resource's form.
func (s *Server) createAdminHook(c *call, b adminHookBody, render func(*webhook) map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	w := &webhook{enabled: true, owner: c.user, updated: now, created: now}
	if e := s.applyAdminHook(w, b); e != nil {
		c.fail(e)
		return
	}
	w.id = s.st.nextWebhookID
	s.st.nextWebhookID++
	s.st.webhooks = append(s.st.webhooks, w)
	c.json(http.StatusCreated, render(w))
}

func (s *Server) handleAdminHookUpdate(c *call) {
	adminHookWrite[adminHookBody](s, c, s.updateAdminHook, s.adminHookJSON)
}

// updateAdminHook applies b to the admin webhook of the path's id, keeping
// it unchanged when b does not validate, and answers it in the form of the
// resource asked.
func (s *Server) updateAdminHook(c *call, b adminHookBody, render func(*webhook) map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.adminHookFor(c)
	if w == nil {
		return
	}
	cp := *w
	if e := s.applyAdminHook(&cp, b); e != nil {
		c.fail(e)
		return
	}
	cp.updated, cp.owner = s.stamp(), c.user
	*w = cp
	c.json(http.StatusOK, render(w))
}

func (s *Server) handleAdminHookDelete(c *call) {
	writing(s, s.managedAdminHook, func(c *call, w *webhook) {
		s.st.webhooks = slices.DeleteFunc(s.st.webhooks, func(x *webhook) bool { return x == w })
		c.noContent()
	})(c)
}

// ---- Data Center 10 admin webhooks (/rest/jira-webhook/1.0/webhooks) ----

// dc10HookBody is a webhook as Data Center 10 reads it: the JQL filter,
// the secret and whether to leave out the body are configuration entries.
type dc10HookBody struct {
	Name                    *string           `json:"name"`
	URL                     *string           `json:"url"`
	Events                  []string          `json:"events"`
	Active                  *bool             `json:"active"`
	ScopeType               string            `json:"scopeType"`
	SSLVerificationRequired *bool             `json:"sslVerificationRequired"`
	Configuration           map[string]string `json:"configuration"`
}

// adminBody maps a Data Center 10 body onto the fields the admin webhook
// resource has, so both resources validate and store webhooks alike.
func (b dc10HookBody) adminBody() adminHookBody {
	out := adminHookBody{Name: b.Name, URL: b.URL, Events: b.Events, Enabled: b.Active}
	if f, ok := b.Configuration["FILTERS"]; ok {
		out.Filters = map[string]string{"issue-related-events-section": f}
	}
	if v, ok := b.Configuration["EXCLUDE_BODY"]; ok {
		exclude := strings.EqualFold(v, "true")
		out.ExcludeBody = &exclude
	}
	if v, ok := b.Configuration["SECRET"]; ok {
		out.Secret = &v
	}
	if v, ok := b.Configuration["DESCRIPTION"]; ok {
		out.Description = &v
	}
	return out
}

func (s *Server) dc10HookJSON(w *webhook) map[string]any {
	conf := map[string]any{"EXCLUDE_BODY": strconv.FormatBool(w.excludeBody)}
	if w.jql != "" {
		conf["FILTERS"] = w.jql
	}
	if w.desc != "" {
		conf["DESCRIPTION"] = w.desc
	}
	return map[string]any{
		"id": w.id, "name": w.name, "url": w.url, "events": nonNil(w.events), "active": w.enabled,
		"scopeType": "global", "sslVerificationRequired": false, "configuration": conf,
		"createdDate": w.created.UnixMilli(), "updatedDate": w.updated.UnixMilli(),
	}
}

func (s *Server) handleDC10HookList(c *call) { s.listAdminHooks(c, s.dc10HookJSON) }

func (s *Server) handleDC10HookGet(c *call) { s.getAdminHook(c, s.dc10HookJSON) }

func (s *Server) handleDC10HookCreate(c *call) {
	adminHookWrite[dc10HookBody](s, c, s.createAdminHook, s.dc10HookJSON)
}

func (s *Server) handleDC10HookUpdate(c *call) {
	adminHookWrite[dc10HookBody](s, c, s.updateAdminHook, s.dc10HookJSON)
}

// handleDC10HookDelete is the same removal as the older resource's.
func (s *Server) handleDC10HookDelete(c *call) { s.handleAdminHookDelete(c) }

// ---- dynamic webhooks ----

func (s *Server) requireApp(c *call) bool {
	if c.oauth == nil {
		c.fail(errf(http.StatusForbidden, "Only Connect and OAuth 2.0 apps can register and manage webhooks."))
		return false
	}
	return true
}

var dynamicJQLFields = map[string]bool{"key": true, "issuekey": true, "project": true, "issuetype": true, "status": true, "assignee": true, "reporter": true, "priority": true}

func checkDynamicJQL(e jql.Expr) string {
	for x := range clauses(e) {
		if !dynamicJQLFields[x.Field] && !strings.HasPrefix(x.Field, "issue.property") {
			return fmt.Sprintf("The clause %s is unsupported", x.Name)
		}
		switch x.Op {
		case jql.OpEquals, jql.OpNotEquals, jql.OpIn, jql.OpNotIn:
		default:
			return fmt.Sprintf("The operator %s is unsupported", x.Op)
		}
	}
	return ""
}

func (s *Server) handleDynHookRegister(c *call) {
	var b struct {
		URL      string `json:"url"`
		Webhooks []struct {
			Events         []string `json:"events"`
			JQLFilter      string   `json:"jqlFilter"`
			FieldIDsFilter []string `json:"fieldIdsFilter"`
		} `json:"webhooks"`
	}
	if !decoded(c, &b) {
		return
	}
	if !s.requireApp(c) {
		return
	}
	if err := loopbackURL(b.URL); err != nil {
		c.fail(fieldErr(http.StatusBadRequest, "url", err.Error()))
		return
	}
	if len(b.Webhooks) == 0 {
		c.fail(fieldErr(http.StatusBadRequest, "webhooks", "List at least one webhook."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	count := 0
	for _, w := range s.st.webhooks {
		if w.dynamic && w.client == c.oauth.client && w.owner == c.user {
			if w.url != b.URL {
				c.fail(fieldErr(http.StatusBadRequest, "url", "Only a single URL per app is allowed: this app already uses "+w.url+"."))
				return
			}
			count++
		}
	}
	results := []any{}
	for _, reg := range b.Webhooks {
		var errs []string
		for _, ev := range reg.Events {
			if !slices.Contains(dynamicEvents, ev) {
				errs = append(errs, fmt.Sprintf("The event %s is not supported.", ev))
			}
		}
		if len(reg.Events) == 0 {
			errs = append(errs, "At least one event is required.")
		}
		var q *jql.Query
		if strings.TrimSpace(reg.JQLFilter) == "" {
			errs = append(errs, "The jqlFilter is required.")
		} else if parsed, err := jql.Parse(reg.JQLFilter); err != nil {
			errs = append(errs, err.Error())
		} else if msg := checkDynamicJQL(parsed.Where); msg != "" {
			errs = append(errs, msg)
		} else {
			q = parsed
		}
		if len(errs) == 0 && count >= 5 {
			errs = append(errs, "The limit of 5 webhooks per app and user on this site has been reached.")
		}
		if len(errs) > 0 {
			results = append(results, map[string]any{"errors": errs})
			continue
		}
		w := &webhook{id: s.st.nextWebhookID + 999, dynamic: true, url: b.URL, events: slices.Clone(reg.Events), jql: reg.JQLFilter, query: q,
			fieldIDs: slices.Clone(reg.FieldIDsFilter), enabled: true, owner: c.user, client: c.oauth.client,
			expires: s.now().Add(DynamicWebhookTTL), updated: s.stamp()}
		s.st.nextWebhookID++
		s.st.webhooks = append(s.st.webhooks, w)
		count++
		results = append(results, map[string]any{"createdWebhookId": w.id})
	}
	c.json(http.StatusOK, map[string]any{"webhookRegistrationResult": results})
}

func (s *Server) appHooks(c *call) []*webhook {
	var out []*webhook
	for _, w := range s.st.webhooks {
		if w.dynamic && w.client == c.oauth.client {
			out = append(out, w)
		}
	}
	return out
}

func (s *Server) handleDynHookList(c *call) {
	if !s.requireApp(c) {
		return
	}
	start, max := pageParams(c, 100)
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.appHooks(c)
	page, last := pageOf(list, start, max)
	vals := []any{}
	for _, w := range page {
		m := map[string]any{"id": w.id, "events": w.events, "jqlFilter": w.jql, "expirationDate": w.expires.UnixMilli(), "url": w.url}
		if len(w.fieldIDs) > 0 {
			m["fieldIdsFilter"] = w.fieldIDs
		}
		vals = append(vals, m)
	}
	c.json(http.StatusOK, map[string]any{"isLast": last, "maxResults": max, "startAt": start, "total": len(list), "values": vals})
}

// changeDynHooks runs change under the write lock with the webhookIds a
// delete or refresh by an app lists: it answers 403 to a caller that is
// not an app and 400 for a bad or empty list.
func (s *Server) changeDynHooks(c *call, change func(ids []int)) {
	var b struct {
		IDs []int `json:"webhookIds"`
	}
	if !s.requireApp(c) || !decoded(c, &b) {
		return
	}
	if len(b.IDs) == 0 {
		c.fail(fieldErr(http.StatusBadRequest, "webhookIds", "List the ids of the webhooks, e.g. {\"webhookIds\": [10000]}."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	change(b.IDs)
}

func (s *Server) handleDynHookDelete(c *call) {
	s.changeDynHooks(c, func(ids []int) {
		s.st.webhooks = slices.DeleteFunc(s.st.webhooks, func(w *webhook) bool {
			return w.dynamic && w.client == c.oauth.client && slices.Contains(ids, w.id)
		})
		c.w.WriteHeader(http.StatusAccepted)
	})
}

func (s *Server) handleDynHookRefresh(c *call) {
	s.changeDynHooks(c, func(ids []int) {
		exp := s.now().Add(DynamicWebhookTTL)
		for _, w := range s.appHooks(c) {
			if slices.Contains(ids, w.id) {
				w.expires = exp
			}
		}
		c.json(http.StatusOK, map[string]any{"expirationDate": exp.UnixMilli()})
	})
}

// ---- events ----

// event is a change to deliver; built under s.mu.
type event struct {
	name      string // webhookEvent
	issueType string // issue_event_type_name
	actor     *user
	issue     *issueRec
	changelog []changeItem
	history   *history
	comment   *comment
	worklog   *worklog
	attach    *attachment
}

func (s *Server) emitIssue(actor *user, r *issueRec, name, typ string, items []changeItem, h *history) {
	s.emit(event{name: name, issueType: typ, actor: actor, issue: r, changelog: items, history: h})
}

func (s *Server) emitComment(actor *user, r *issueRec, c *comment, name, typ string) {
	s.emit(event{name: name, actor: actor, issue: r, comment: c})
	if name == "comment_created" || name == "comment_updated" {
		// A comment also raises jira:issue_updated carrying the comment.
		s.emit(event{name: "jira:issue_updated", issueType: typ, actor: actor, issue: r, comment: c})
	}
}

func (s *Server) emitWorklog(actor *user, r *issueRec, w *worklog, name string) {
	s.emit(event{name: name, actor: actor, issue: r, worklog: w})
}

func (s *Server) emitAttachment(actor *user, r *issueRec, a *attachment, name string) {
	s.emit(event{name: name, actor: actor, issue: r, attach: a})
}

// hookMatches reports whether w wants ev. Callers hold s.mu.
func (s *Server) hookMatches(w *webhook, ev event, now time.Time) bool {
	if !w.enabled || !slices.Contains(w.events, ev.name) {
		return false
	}
	if w.dynamic && !now.Before(w.expires) {
		return false
	}
	if w.dynamic && w.owner != nil && !ev.issue.canSee(w.owner) {
		return false
	}
	if w.dynamic && len(w.fieldIDs) > 0 && ev.name == "jira:issue_updated" {
		changed := slices.ContainsFunc(ev.changelog, func(it changeItem) bool { return slices.Contains(w.fieldIDs, it.fieldID) })
		if !changed {
			return false
		}
	}
	if w.query != nil && w.query.Where != nil && ev.issue != nil {
		env := jql.Env{Now: now, Location: s.tz}
		if w.owner != nil {
			env.Location, env.CurrentUser = w.owner.TimeZone, w.owner.ids
		}
		m, err := w.query.Compile(env)
		if err != nil || !m.Match(record{s: s, r: ev.issue, d: &ev.issue.cur}) {
			return false
		}
	}
	return true
}

func (s *Server) emit(ev event) {
	if len(s.st.webhooks) == 0 {
		return
	}
	now := s.now()
	var admin []*webhook
	dyn := map[string][]*webhook{} // by client+url
	var dynOrder []string
	for _, w := range s.st.webhooks {
		if !s.hookMatches(w, ev, now) {
			continue
		}
		if w.dynamic {
			k := w.client + " " + w.url
			if _, ok := dyn[k]; !ok {
				dynOrder = append(dynOrder, k)
			}
			dyn[k] = append(dyn[k], w)
		} else {
			admin = append(admin, w)
		}
	}
	if len(admin) == 0 && len(dyn) == 0 {
		return
	}
	payload := s.payload(ev, now)
	var adminBody []byte
	if len(admin) > 0 {
		var err error
		if adminBody, err = json.Marshal(payload); err != nil {
			s.log.Error("jiratest: encoding a webhook payload failed; no delivery raised", "event", ev.name, "err", err)
			return
		}
	}
	for _, w := range admin {
		body := adminBody
		if w.excludeBody {
			body = nil
		}
		s.hooks.enqueue(delivery{webhookID: strconv.Itoa(w.id), url: s.expandURL(w.url, ev), event: ev.name, body: body, secret: w.secret})
	}
	for _, k := range dynOrder {
		ws := dyn[k]
		ids := make([]int, 0, len(ws))
		for _, w := range ws {
			ids = append(ids, w.id)
		}
		p := maps.Clone(payload)
		p["matchedWebhookIds"] = ids
		body, err := json.Marshal(p)
		if err != nil {
			s.log.Error("jiratest: encoding a webhook payload failed; no delivery raised", "event", ev.name, "err", err)
			return
		}
		secret := ""
		if cl := s.st.oauthClients[ws[0].client]; cl != nil {
			secret = cl.Secret
		}
		s.hooks.enqueue(delivery{webhookID: strconv.Itoa(ws[0].id), url: ws[0].url, event: ev.name, body: body, jwtKey: secret, jwtIss: ws[0].client, now: now})
	}
}

func (s *Server) payload(ev event, now time.Time) map[string]any {
	p := map[string]any{"timestamp": now.UnixMilli(), "webhookEvent": ev.name}
	if ev.actor != nil {
		u := s.userJSON(ev.actor, false)
		p["user"] = u
	}
	if ev.issueType != "" {
		p["issue_event_type_name"] = ev.issueType
	}
	if ev.issue != nil {
		full := issueView{fields: fieldSel{all: true}}
		if ev.comment != nil && ev.name != "jira:issue_updated" {
			// comment_* events carry a trimmed issue.
			p["issue"] = s.issueRefJSON(ev.issue)
		} else {
			p["issue"] = s.issueJSON(ev.issue, &ev.issue.cur, full)
			delete(p["issue"].(map[string]any), "expand")
		}
	}
	if ev.changelog != nil {
		items := make([]any, 0, len(ev.changelog))
		h := &history{items: ev.changelog}
		items = append(items, s.historyJSON(h)["items"].([]any)...)
		cl := map[string]any{"items": items}
		if ev.history != nil {
			cl["id"] = strconv.FormatInt(ev.history.id, 10)
		} else {
			cl["id"] = strconv.FormatInt(s.st.nextHistoryID, 10)
			s.st.nextHistoryID++
		}
		p["changelog"] = cl
	}
	if ev.comment != nil {
		p["comment"] = s.commentJSON(ev.comment)
	}
	if ev.worklog != nil {
		p["worklog"] = s.worklogJSON(ev.worklog)
	}
	if ev.attach != nil {
		p["attachment"] = s.attachmentJSON(ev.attach)
	}
	return p
}

// expandURL fills the URL variables of a webhook URL: ${issue.id} and the
// like, or {issue.id} on Data Center 10 and later, which dropped the $ (a
// ${issue.id} there keeps its $ before the value, as that Jira does).
func (s *Server) expandURL(raw string, ev event) string {
	open := "${"
	if s.dc10() {
		open = "{"
	}
	if !strings.Contains(raw, open) {
		return raw
	}
	pairs := []string{}
	add := func(k, v string) { pairs = append(pairs, open+k+"}", url.QueryEscape(v)) }
	if ev.issue != nil {
		add("issue.id", ev.issue.idStr)
		add("issue.key", ev.issue.key)
		add("project.id", ev.issue.proj.id)
		add("project.key", ev.issue.proj.key)
	}
	if ev.comment != nil {
		add("comment.id", strconv.FormatInt(ev.comment.id, 10))
	}
	if ev.worklog != nil {
		add("worklog.id", strconv.FormatInt(ev.worklog.id, 10))
	}
	if ev.attach != nil {
		add("attachment.id", strconv.FormatInt(ev.attach.id, 10))
	}
	if ev.actor != nil {
		add("modifiedUser.accountId", ev.actor.AccountID)
		add("modifiedUser.name", ev.actor.Name)
		add("modifiedUser.key", ev.actor.Key)
	}
	return strings.NewReplacer(pairs...).Replace(raw)
}

// ---- delivery ----

// DeliveryOptions tunes webhook delivery. The zero value of each field
// keeps its default.
type DeliveryOptions struct {
	// RetryDelays are the waits before each retry after a retryable
	// failure (408, 409, 425, 429, 5xx, connection error); default five
	// retries at 10, 20, 40, 80 and 160 ms. Set to an empty non-nil slice
	// for no retries.
	RetryDelays []time.Duration
	// Timeout bounds each attempt; default 5 s.
	Timeout time.Duration
	// Duplicate is the probability that a delivery is sent twice (same
	// X-Atlassian-Webhook-Identifier), as at-least-once delivery does.
	Duplicate float64
	// Shuffle delays each delivery by a random time up to ShuffleWindow
	// (default 20 ms) so that deliveries arrive out of order.
	Shuffle       bool
	ShuffleWindow time.Duration
	// Drop is the probability that a delivery is silently lost; DropNext
	// drops the next N deliveries. Dropped deliveries are listed by
	// Deliveries with Dropped set.
	Drop     float64
	DropNext int
}

// defaultDelivery is how the site delivers webhooks until SetDelivery
// says otherwise. Data Center 10 delivers asynchronously, so there
// deliveries are shuffled.
func (s *Server) defaultDelivery() DeliveryOptions {
	d := DeliveryOptions{RetryDelays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}, Timeout: 5 * time.Second}
	if s.dc10() {
		d.Shuffle, d.ShuffleWindow = true, 20*time.Millisecond
	}
	return d
}

// SetDelivery changes how webhooks are delivered from now on. On Data
// Center 10 and later deliveries stay shuffled whatever o.Shuffle says:
// that Jira has no synchronous delivery.
func (s *Server) SetDelivery(o DeliveryOptions) {
	d := s.defaultDelivery()
	if o.RetryDelays != nil {
		d.RetryDelays = slices.Clone(o.RetryDelays)
	}
	if o.Timeout > 0 {
		d.Timeout = o.Timeout
	}
	d.Duplicate, d.Shuffle, d.ShuffleWindow, d.Drop, d.DropNext = o.Duplicate, o.Shuffle || s.dc10(), o.ShuffleWindow, o.Drop, o.DropNext
	if d.ShuffleWindow <= 0 {
		d.ShuffleWindow = 20 * time.Millisecond
	}
	s.knobMu.Lock()
	s.delivery = d
	s.knobMu.Unlock()
}

// Delivery is the record of one webhook delivery (all its attempts).
type Delivery struct {
	// ID is the X-Atlassian-Webhook-Identifier, stable across retries.
	ID        string
	WebhookID string
	URL       string
	Event     string
	Body      []byte
	Attempts  int
	// Status is the HTTP status of the last attempt (0 when it failed
	// to connect); Err describes a connection failure.
	Status    int
	Err       string
	Delivered bool // a 2xx was received
	Dropped   bool // lost on purpose by the Drop knob
	Duplicate bool // the extra copy sent by the Duplicate knob
	Done      bool // no more attempts will be made
}

type delivery struct {
	webhookID, url, event string
	body                  []byte
	secret                string
	jwtKey, jwtIss        string
	now                   time.Time
}

type deliverer struct {
	s        *Server
	ctx      context.Context
	cancel   context.CancelFunc
	client   *http.Client
	mu       sync.Mutex
	inflight int
	idle     chan struct{}
	records  []*Delivery
	nextID   int
}

func newDeliverer(s *Server) *deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	d := &deliverer{s: s, ctx: ctx, cancel: cancel, idle: make(chan struct{})}
	close(d.idle)
	d.client = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return d
}

func (d *deliverer) close() {
	d.cancel()
	d.mu.Lock()
	ch := d.idle
	d.mu.Unlock()
	<-ch
	d.client.CloseIdleConnections()
}

func (d *deliverer) enqueue(dl delivery) {
	s := d.s
	s.knobMu.Lock()
	opts := s.delivery
	drop := false
	if s.delivery.DropNext > 0 {
		s.delivery.DropNext--
		drop = true
	} else if opts.Drop > 0 && s.rng.Float64() < opts.Drop {
		drop = true
	}
	dup := opts.Duplicate > 0 && s.rng.Float64() < opts.Duplicate
	var delays [2]time.Duration
	if opts.Shuffle {
		delays[0] = time.Duration(s.rng.Int64N(int64(opts.ShuffleWindow)))
		delays[1] = time.Duration(s.rng.Int64N(int64(opts.ShuffleWindow)))
	}
	s.knobMu.Unlock()
	d.mu.Lock()
	d.nextID++
	id := fmt.Sprintf("%d-%s", d.nextID, randomToken(6))
	rec := &Delivery{ID: id, WebhookID: dl.webhookID, URL: dl.url, Event: dl.event, Body: dl.body, Dropped: drop, Done: drop}
	d.records = append(d.records, rec)
	if drop {
		d.mu.Unlock()
		s.log.Debug("jiratest: webhook delivery dropped", "event", dl.event, "id", id)
		return
	}
	copies := []*Delivery{rec}
	if dup {
		c2 := *rec
		c2.Duplicate = true
		d.records = append(d.records, &c2)
		copies = append(copies, &c2)
	}
	if d.inflight == 0 {
		d.idle = make(chan struct{})
	}
	d.inflight += len(copies)
	d.mu.Unlock()
	for i, rc := range copies {
		go d.run(rc, dl, opts, delays[i])
	}
}

func (d *deliverer) finish() {
	d.mu.Lock()
	d.inflight--
	if d.inflight == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
}

func retryable(status int) bool {
	return status == 408 || status == 409 || status == 425 || status == 429 || status >= 500
}

func (d *deliverer) run(rec *Delivery, dl delivery, opts DeliveryOptions, delay time.Duration) {
	defer d.finish()
	if ctxwait.Sleep(d.ctx, delay) != nil {
		d.mark(rec, func() { rec.Done = true; rec.Err = "simulator closed" })
		return
	}
	for attempt := 0; ; attempt++ {
		status, err := d.attempt(rec, dl, opts, attempt)
		d.s.log.Debug("jiratest webhook delivery", "id", rec.ID, "event", dl.event, "attempt", attempt+1, "status", status, "err", err)
		d.mark(rec, func() {
			rec.Attempts++
			rec.Status = status
			rec.Err = ""
			if err != nil {
				rec.Err = err.Error()
			}
			rec.Delivered = status >= 200 && status < 300
		})
		if err == nil && !retryable(status) {
			break
		}
		if attempt >= len(opts.RetryDelays) || ctxwait.Sleep(d.ctx, opts.RetryDelays[attempt]) != nil {
			break
		}
	}
	d.mark(rec, func() { rec.Done = true })
}

func (d *deliverer) mark(rec *Delivery, f func()) {
	d.mu.Lock()
	f()
	d.mu.Unlock()
}

func (d *deliverer) attempt(rec *Delivery, dl delivery, opts DeliveryOptions, attempt int) (int, error) {
	ctx, cancel := context.WithTimeout(d.ctx, opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.url, bytes.NewReader(dl.body))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "Atlassian Webhook HTTP Client")
	h.Set("X-Atlassian-Webhook-Identifier", rec.ID)
	h.Set("X-Atlassian-Webhook-Flow", "Primary")
	if attempt > 0 {
		h.Set("X-Atlassian-Webhook-Retry", strconv.Itoa(attempt))
	}
	if dl.secret != "" {
		h.Set("X-Hub-Signature", SignPayload(dl.secret, dl.body))
	}
	if dl.jwtKey != "" {
		h.Set("Authorization", "Bearer "+signJWT(dl.jwtKey, dl.jwtIss, dl.now))
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Reading a bounded amount of the answer lets the connection be reused
	// by the next delivery without letting a receiver stream forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// DeliveryJWTLifetime is how long after the event the bearer token on a
// dynamic webhook delivery expires (its exp claim minus its iat claim).
// Retries carry the token of the first attempt.
const DeliveryJWTLifetime = 3 * time.Minute

// signJWT makes the HS256 token put on deliveries to OAuth 2.0 apps: a
// JWT signed with the app's client secret whose claims are iss (the
// app's client id), iat and exp, with no qsh (it is not bound to a URL).
func signJWT(key, iss string, now time.Time) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"iss": iss, "iat": now.Unix(), "exp": now.Add(DeliveryJWTLifetime).Unix()})
	msg := head + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

// Deliveries returns a copy of the delivery records so far, in the order
// they were raised.
func (s *Server) Deliveries() []Delivery {
	d := s.hooks
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, len(d.records))
	for i, r := range d.records {
		out[i] = *r
	}
	return out
}

// WaitDeliveries blocks until every delivery raised so far has finished
// (delivered, failed after its retries, or dropped), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	d := s.hooks
	d.mu.Lock()
	ch := d.idle
	d.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
