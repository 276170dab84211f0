package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/exampleutil"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

const recipeName = "realtime-triage"

func main() {
	var listen, public string
	exampleutil.Program{
		Name:  "realtime",
		Usage: "Registering webhooks needs the Administer Jira global permission (or an OAuth app's manage:jira-webhook scope).",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "", "address the webhook handler listens on (default 127.0.0.1:8088 against a real site, a free port offline)")
			fs.StringVar(&public, "public-url", "", "the address Jira posts to, forwarded to -listen (default http://<listen>)")
		},
		Run: func(ctx context.Context, cfg exampleutil.Config, _ []exampleutil.Env) error {
			return run(ctx, options{Config: cfg, Listen: listen, PublicURL: public}, nil)
		},
	}.Main()
}

type options struct {
	exampleutil.Config
	// Listen is the handler's address.
	Listen string
	// PublicURL is where Jira posts; default http://<Listen>.
	PublicURL string
}

// triage is the recipe: a thank-you on each new issue, the label urgent
// when an issue is raised to Highest.
func triage(jc *jira.Client, trig trigger.Webhook[jira.IssueChange]) (*recipe.Recipe, error) {
	return recipe.New(recipeName, trig,
		recipe.If(`trigger.created`,
			recipe.Do("thanks", jc.AddComment(), recipe.Pills{
				"issueKey": `trigger.issue.key`,
				"body":     `"Thanks, " + (trigger.issue.fields.reporter?.displayName ?? "there") + "! We saw " + trigger.issue.key + " the moment you filed it."`,
			}),
		).ElseIf(`any(trigger.items, .field == "priority" && .toString == "Highest")`,
			recipe.Do("urgent", jc.UpdateIssue(), recipe.Pills{
				"issueKey": `trigger.issue.key`, "addLabels": `["urgent"]`,
			}),
		),
	)
}

func run(ctx context.Context, o options, site *exampleutil.Site) error {
	if site == nil {
		s, err := exampleutil.Connect(ctx, o.Env, exampleutil.SiteOptions{Name: "realtime"})
		if err != nil {
			return err
		}
		defer s.Close()
		site = s
	}
	listen := o.Listen
	if listen == "" {
		listen = "127.0.0.1:8088"
		if site.Offline() {
			listen = "127.0.0.1:0"
		}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen for webhooks on %s: %w (choose another -listen address)", listen, err)
	}
	defer ln.Close()
	public := strings.TrimRight(o.PublicURL, "/")
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	if !o.Once && (!site.Offline() || o.Store != "") {
		// The webhook registration's secret is kept in a store that
		// outlives the run, sealed with the key.
		if _, err := o.Env.Keys(); err != nil {
			return err
		}
	}
	rn, err := exampleutil.NewRunner(ctx, "realtime", o.Config, site.Offline(), recipe.WithWebhookBaseURL(public+"/hooks"))
	if err != nil {
		return err
	}
	defer rn.Close()
	rep := rn.Reporter
	hook := &announced[jira.IssueChange]{Webhook: site.Client.IssueWebhook(jira.WebhookOptions{PollOptions: jira.PollOptions{
		Project:          site.Project,
		Since:            o.SinceTime(time.Now()),
		IgnoreOwnChanges: true,
		PollInterval:     o.PollInterval, // 0: the default reconciliation interval
	}}), rep: rep, registered: make(chan struct{})}
	r, err := triage(site.Client, hook)
	if err != nil {
		return err
	}
	if err := rn.Add(r); err != nil {
		return err
	}
	rep.Printf("realtime: reacting to issues in project %s as they change; %s", site.Project, site.Detail)
	rep.Printf("  webhook handler on http://%s/hooks/, registered with Jira as %s/hooks/%s", ln.Addr(), public, recipeName)
	rep.Printf("  state kept in %s", rn.StorePath)
	if !site.Offline() && o.PublicURL == "" {
		rep.Printf("  note: Jira must reach %s; Jira Cloud cannot reach this machine's loopback address: pass -public-url", public)
	}
	if o.Once {
		rep.Printf("-once: no webhook is registered; running the backup poll once.")
		return rn.RunOnce(ctx)
	}

	mux := http.NewServeMux()
	mux.Handle("/hooks/", rn.Engine.WebhookHandler())
	shutdown := exampleutil.ServeHTTP(ctx, ln, mux)
	defer shutdown()

	stop := rn.Start(ctx)
	var err2 error
	if site.Offline() {
		err2 = playOffline(ctx, o, site, hook, rep, public+"/hooks/"+recipeName)
	} else {
		rep.Printf("Waiting for Jira's deliveries; Ctrl-C stops and removes the webhook.")
		<-ctx.Done()
	}
	if err := stop(); err != nil && err2 == nil {
		err2 = err
	}
	// Run has returned: the webhook is removed (or the removal failed and
	// was logged).
	if site.Offline() && err2 == nil {
		left := 0
		for _, w := range site.Sim.Webhooks() {
			if w.URL == public+"/hooks/"+recipeName {
				left++
			}
		}
		if left > 0 {
			err2 = fmt.Errorf("%d webhooks still registered after the engine stopped", left)
		} else {
			rep.Printf("Jira has no webhook for this program any more.")
		}
	}
	rep.PrintSummary()
	if err2 != nil {
		return err2
	}
	if rep.Counts()[recipe.JobFailed] > 0 {
		return exampleutil.ErrJobsFailed
	}
	return nil
}

// announced wraps a webhook trigger to report its registration and
// removal.
type announced[T any] struct {
	trigger.Webhook[T]
	rep        *exampleutil.Reporter
	once       sync.Once
	registered chan struct{}
}

// Subscribe registers the webhook and reports it.
func (a *announced[T]) Subscribe(ctx context.Context, callbackURL string, prior trigger.Subscription) (trigger.Subscription, error) {
	sub, err := a.Webhook.Subscribe(ctx, callbackURL, prior)
	if err != nil {
		if errors.Is(err, jira.ErrNoWebhookPermission) {
			a.rep.Printf("cannot register the webhook: %v (the backup poll still runs)", err)
		}
		return sub, err
	}
	signed := "deliveries signed with a secret (HMAC-SHA256)"
	if sub.Secret == "" {
		signed = "deliveries authenticated by Jira's token"
	}
	a.rep.Printf("Registered webhook %s with Jira: %s, %s", sub.ID, callbackURL, signed)
	a.once.Do(func() { close(a.registered) })
	return sub, nil
}

// Unsubscribe removes the webhook and reports it.
func (a *announced[T]) Unsubscribe(ctx context.Context, sub trigger.Subscription) error {
	err := a.Webhook.Unsubscribe(ctx, sub)
	if err == nil {
		a.rep.Printf("Removed webhook %s from Jira.", sub.ID)
	}
	return err
}

// playOffline waits for the registration, plays the scene, and shows a
// forged delivery refused.
func playOffline(ctx context.Context, o options, site *exampleutil.Site, hook *announced[jira.IssueChange], rep *exampleutil.Reporter, callback string) error {
	ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
	defer cancel()
	select {
	case <-hook.registered:
	case <-ctx.Done():
		return fmt.Errorf("the webhook was not registered: %w", context.Cause(ctx))
	}
	sim, d := site.Sim, site.Demo
	mode := sim.Mode()
	var key string
	beats := []exampleutil.Beat{
		{After: 500 * time.Millisecond, Do: func(context.Context) (string, error) {
			is, err := sim.CreateIssueAs(d.Alice.ID(mode), jiratest.IssueSeed{Project: site.Project, IssueType: "Bug", Summary: "Search returns nothing for quoted terms"})
			key = is.Key
			return fmt.Sprintf("%s files %s %q", d.Alice.DisplayName, is.Key, is.Summary), err
		}},
		{Do: func(context.Context) (string, error) {
			return "", rep.WaitFor(ctx, "the new issue is thanked", func() bool { return len(sim.Comments(key)) > 0 })
		}},
		{After: 800 * time.Millisecond, Do: func(context.Context) (string, error) {
			err := sim.UpdateIssueAs(d.Bob.ID(mode), key, map[string]any{"priority": "Highest"})
			return fmt.Sprintf("%s raises %s to Highest", d.Bob.DisplayName, key), err
		}},
		{Do: func(context.Context) (string, error) {
			return "", rep.WaitFor(ctx, "the issue is labelled urgent", func() bool {
				is, _ := sim.Issue(key)
				return slices.Contains(is.Labels, "urgent")
			})
		}},
		{After: 500 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			status, err := forge(ctx, callback)
			if err != nil {
				return "", err
			}
			if status != http.StatusUnauthorized {
				return "", fmt.Errorf("a forged delivery was answered %d, not 401", status)
			}
			return "someone posts a forged delivery (no valid signature): refused with 401, nothing runs", nil
		}},
	}
	if err := exampleutil.PlayScene(ctx, rep, o.Speed, beats); err != nil {
		return err
	}
	if is, ok := sim.Issue(key); ok {
		rep.Printf("In Jira now: %s priority %s, labels %s, %d comment(s)", key, is.Priority, strings.Join(is.Labels, ", "), len(sim.Comments(key)))
	}
	return nil
}

// forge posts an issue event with a made-up signature to the callback.
func forge(ctx context.Context, callback string) (int, error) {
	body := []byte(`{"timestamp":1700000000000,"webhookEvent":"jira:issue_created","issue":{"id":"99999","key":"DEMO-999","fields":{"summary":"forged"}}}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature", "sha256=0000000000000000000000000000000000000000000000000000000000000000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
