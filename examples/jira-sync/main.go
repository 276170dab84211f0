package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/exampleutil"
	"github.com/recipekit/recipekit/recipe"
)

func main() {
	exampleutil.Program{
		Name:        "jira-sync",
		EnvPrefixes: []string{"JIRA_", "ENG_JIRA_"},
		Project:     "SUP",
		Usage: `The JIRA_* variables describe the support site; the same
variables prefixed ENG_ (ENG_JIRA_URL, ENG_JIRA_EMAIL, ..., ENG_JIRA_PROJECT default ENG)
describe the engineering site. Without ENG_JIRA_URL both projects are on the JIRA_URL site.`,
		Run: func(ctx context.Context, cfg exampleutil.Config, envs []exampleutil.Env) error {
			return run(ctx, cfg, envs[0], nil)
		},
	}.Main()
}

// sitePair is the two sites of the sync.
type sitePair struct {
	support, eng *exampleutil.Site
}

// connect opens both sites: two simulators offline, else the sites the
// two environments describe.
func connect(ctx context.Context, supEnv, engEnv exampleutil.Env) (*sitePair, error) {
	switch {
	case supEnv.Offline() && !engEnv.Offline():
		return nil, errors.New("ENG_JIRA_URL is set but JIRA_URL is not: set JIRA_URL (and its credentials) for the support site too, or unset both to run offline")
	case !supEnv.Offline() && engEnv.Offline():
		// Both projects on one site.
		project := engEnv.ProjectOr("ENG")
		engEnv = supEnv
		engEnv.Project = project
	}
	sup, err := exampleutil.Connect(ctx, supEnv, exampleutil.SiteOptions{Name: "support", Project: "SUP", ProjectName: "Support", Mode: jiratest.Cloud})
	if err != nil {
		return nil, fmt.Errorf("support site: %w", err)
	}
	eng, err := exampleutil.Connect(ctx, engEnv, exampleutil.SiteOptions{Name: "engineering", Project: "ENG", ProjectName: "Engineering", Mode: jiratest.DataCenter})
	if err != nil {
		sup.Close()
		return nil, fmt.Errorf("engineering site: %w", err)
	}
	return &sitePair{support: sup, eng: eng}, nil
}

// run runs the sync between sites (nil: the sites the environments
// describe, cfg.Env for support and engEnv for engineering).
func run(ctx context.Context, cfg exampleutil.Config, engEnv exampleutil.Env, sites *sitePair) error {
	if sites == nil {
		p, err := connect(ctx, cfg.Env, engEnv)
		if err != nil {
			return err
		}
		defer p.support.Close()
		defer p.eng.Close()
		sites = p
	}
	offline := sites.support.Offline() && sites.eng.Offline()
	rn, err := exampleutil.NewRunner(ctx, "jira-sync", cfg, offline)
	if err != nil {
		return err
	}
	defer rn.Close()
	tmp, err := os.MkdirTemp("", "recipekit-jira-sync-")
	if err != nil {
		return fmt.Errorf("creating a directory for attachments in transit: %w", err)
	}
	defer os.RemoveAll(tmp)

	s := syncSites{
		support: sites.support.Client, eng: sites.eng.Client,
		supProject: sites.support.Project, engProject: sites.eng.Project,
		supBrowse: strings.TrimRight(sites.support.Client.SiteURL(), "/"),
		engBrowse: strings.TrimRight(sites.eng.Client.SiteURL(), "/"),
		tmpDir:    tmp, engIssueType: "Task",
		poll: jira.PollOptions{Since: cfg.SinceTime(time.Now()), PollInterval: cfg.Interval(sites.support, time.Second, 30*time.Second)},
	}
	recipes, err := s.recipes()
	if err != nil {
		return err
	}
	if err := rn.Add(recipes...); err != nil {
		return err
	}
	rep := rn.Reporter
	rep.Printf("jira-sync: support %s on %s  <->  engineering %s on %s", s.supProject, sites.support.Detail, s.engProject, sites.eng.Detail)
	rep.Printf("  recipes: %s; state kept in %s", strings.Join(rn.Engine.Recipes(), ", "), rn.StorePath)

	switch {
	case offline:
		return playOffline(ctx, cfg, sites, rn)
	case cfg.Once:
		return rn.RunOnce(ctx)
	}
	rep.Printf("Syncing every %s; Ctrl-C stops.", s.poll.PollInterval)
	return rn.Watch(ctx)
}

// playOffline plays the scene. Between its beats it lets the sync do its
// work: with the engine running, it waits for the expected jobs; with
// -once, it catches up once.
func playOffline(ctx context.Context, cfg exampleutil.Config, sites *sitePair, rn *exampleutil.Runner) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rep := rn.Reporter
	counts := map[recipe.JobStatus]int{}
	settle := func(what string, cond func() bool) error {
		if !cfg.Once {
			return rep.WaitFor(ctx, what, cond)
		}
		sum, err := rn.Engine.RunOnce(ctx)
		for k, v := range sum.Jobs {
			counts[k] += v
		}
		if err == nil && !cond() {
			err = fmt.Errorf("after catching up, not yet: %s", what)
		}
		return err
	}
	stop := func() error { return nil }
	if !cfg.Once {
		stop = rn.Start(ctx)
	}
	defer func() { _ = stop() }() // on an early return; the error of the scene says more

	sc, err := newScene(ctx, sites, settle)
	if err != nil {
		return err
	}
	rep.Printf("Alice in support and Bob in engineering will now work on an issue; watch the sync.")
	if err := exampleutil.PlayScene(ctx, rep, cfg.Speed, sc.beats()); err != nil {
		return err
	}
	if err := stop(); err != nil {
		return err
	}
	if cfg.Once {
		rep.Printf("%s", exampleutil.SummaryLine(counts))
	} else {
		rep.PrintSummary()
		counts = rep.Counts()
	}
	sc.show(rep)
	if counts[recipe.JobFailed] > 0 {
		return exampleutil.ErrJobsFailed
	}
	return nil
}

// scene is the offline story.
type scene struct {
	sites  *sitePair
	alice  *jira.Client // Alice on the support site
	settle func(what string, cond func() bool) error
	supKey string
	engKey string
}

func newScene(ctx context.Context, sites *sitePair, settle func(string, func() bool) error) (*scene, error) {
	alice, err := exampleutil.SimSite(ctx, sites.support.Sim, sites.support.Demo.Alice, sites.support.Project, exampleutil.SiteOptions{Name: "alice"})
	if err != nil {
		return nil, err
	}
	return &scene{sites: sites, alice: alice.Client, settle: settle}, nil
}

func (sc *scene) beats() []exampleutil.Beat {
	sup, eng := sc.sites.support, sc.sites.eng
	alice, bob := sup.Demo.Alice, eng.Demo.Bob
	aliceID, bobID := alice.ID(sup.Sim.Mode()), bob.ID(eng.Sim.Mode())
	// wait lets the sync work until cond holds.
	wait := func(what string, cond func() bool) exampleutil.Beat {
		return exampleutil.Beat{Do: func(context.Context) (string, error) { return "", sc.settle(what, cond) }}
	}
	hasComment := func(site *exampleutil.Site, key *string, prefix string) func() bool {
		return func() bool {
			return slices.ContainsFunc(site.Sim.Comments(*key), func(c jiratest.Comment) bool { return strings.HasPrefix(c.Body, prefix) })
		}
	}
	hasStatus := func(site *exampleutil.Site, key *string, status string) func() bool {
		return func() bool { is, _ := site.Sim.Issue(*key); return is.Status == status }
	}
	return []exampleutil.Beat{
		{After: 300 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			is, err := sup.Sim.CreateIssueAs(aliceID, jiratest.IssueSeed{Project: sup.Project, IssueType: "Bug", Priority: "High",
				Summary: "Payment page times out", Description: "A customer cannot pay: the page spins for a minute, then fails."})
			if err != nil {
				return "", err
			}
			sc.supKey = is.Key
			return fmt.Sprintf("support: %s files %s %q", alice.DisplayName, is.Key, is.Summary), nil
		}},
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			_, err := sc.alice.UploadAttachment().Run(ctx, jira.UploadAttachmentInput{IssueKey: sc.supKey, Filename: "browser-console.log",
				Content: "12:03:07 POST /pay 504 Gateway Timeout (60012 ms)\n"})
			return fmt.Sprintf("support: %s attaches browser-console.log to %s", alice.DisplayName, sc.supKey), err
		}},
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			err := sup.Sim.UpdateIssueAs(aliceID, sc.supKey, map[string]any{"labels": []string{"customer", labelEscalate}})
			return fmt.Sprintf("support: %s labels %s %q", alice.DisplayName, sc.supKey, labelEscalate), err
		}},
		wait("the issue is escalated", func() bool {
			for _, is := range eng.Sim.Issues(eng.Project) {
				if slices.Contains(is.Labels, originPrefix+sc.supKey) {
					sc.engKey = is.Key
				}
			}
			return sc.engKey != "" && hasComment(sup, &sc.supKey, "Escalated to engineering")()
		}),
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			_, err := sc.alice.UploadAttachment().Run(ctx, jira.UploadAttachmentInput{IssueKey: sc.supKey, Filename: "network.har",
				Content: `{"log":{"entries":[{"request":{"url":"/pay"},"time":60012}]}}` + "\n"})
			return fmt.Sprintf("support: %s attaches network.har to %s", alice.DisplayName, sc.supKey), err
		}},
		wait("the late attachment reaches the copy", func() bool { return slices.Contains(eng.Sim.Attachments(sc.engKey), "network.har") }),
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			_, err := sup.Sim.CommentAs(aliceID, sc.supKey, "The customer says it started on Monday.")
			return fmt.Sprintf("support: %s comments on %s", alice.DisplayName, sc.supKey), err
		}},
		wait("Alice's comment is mirrored", hasComment(eng, &sc.engKey, mirrorMark)),
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			_, err := eng.Sim.CommentAs(bobID, sc.engKey, "Found it: the payment gateway timeout is 60 s, the proxy's is 30 s.")
			return fmt.Sprintf("engineering: %s comments on %s", bob.DisplayName, sc.engKey), err
		}},
		wait("Bob's comment is mirrored", hasComment(sup, &sc.supKey, mirrorMark)),
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			err := eng.Sim.TransitionAs(bobID, sc.engKey, "Start Progress")
			return fmt.Sprintf("engineering: %s starts work on %s", bob.DisplayName, sc.engKey), err
		}},
		wait("the original is In Progress", hasStatus(sup, &sc.supKey, "In Progress")),
		{After: 600 * time.Millisecond, Do: func(ctx context.Context) (string, error) {
			err := eng.Sim.TransitionAs(bobID, sc.engKey, "Done")
			return fmt.Sprintf("engineering: %s resolves %s", bob.DisplayName, sc.engKey), err
		}},
		wait("the original is Done", hasStatus(sup, &sc.supKey, "Done")),
	}
}

// show prints both issues as the simulators now have them.
func (sc *scene) show(rep *exampleutil.Reporter) {
	rep.Printf("\nIn Jira now:")
	for _, x := range []struct {
		site *exampleutil.Site
		key  string
	}{{sc.sites.support, sc.supKey}, {sc.sites.eng, sc.engKey}} {
		is, ok := x.site.Sim.Issue(x.key)
		if !ok {
			continue
		}
		rep.Printf("  %s %s %q  status %s, labels %s, attachments %s", x.site.Client.Name(), is.Key, is.Summary, is.Status,
			strings.Join(is.Labels, ", "), strings.Join(x.site.Sim.Attachments(x.key), ", "))
		for _, l := range x.site.Sim.RemoteLinks(x.key) {
			rep.Printf("      link: %s %s (%s)", l.Relationship, l.Title, l.URL)
		}
		for _, c := range x.site.Sim.Comments(x.key) {
			rep.Printf("      comment: %s", c.Body)
		}
	}
}
