package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/ops"
)

// sitePair is the two offline sites.
type sitePair struct {
	support, eng *demo.Jira
}

func offlineSites(t *testing.T) *sitePair {
	t.Helper()
	sup, eng, stop, err := startOffline(options{}, "SUP", "ENG")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &sitePair{support: sup, eng: eng}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func bodies(cs []jiratest.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Body)
	}
	return out
}

// checkScene asserts the state the offline scene must leave behind.
func checkScene(t *testing.T, p *sitePair) {
	t.Helper()
	if p.support.Sim.Mode() != jiratest.Cloud || p.eng.Sim.Mode() != jiratest.DataCenter {
		t.Errorf("modes: support %v, engineering %v", p.support.Sim.Mode(), p.eng.Sim.Mode())
	}
	sups := p.support.Sim.Issues("SUP")
	engs := p.eng.Sim.Issues("ENG")
	if len(sups) != 1 || len(engs) != 1 {
		t.Fatalf("support issues %d, engineering issues %d; want one each (no duplicate copies)", len(sups), len(engs))
	}
	sup, eng := sups[0], engs[0]
	// The copy, with its link back and the attachment.
	if !slices.Contains(eng.Labels, "from-support") || !slices.Contains(eng.Labels, "origin-"+sup.Key) {
		t.Errorf("copy labels %v", eng.Labels)
	}
	if !strings.Contains(eng.Description, "Escalated from ["+sup.Key+"|"+p.support.Sim.URL()+"/browse/"+sup.Key+"]") || !strings.Contains(eng.Description, "the page spins") {
		t.Errorf("copy description %q", eng.Description)
	}
	if eng.Summary != sup.Summary || eng.Priority != "High" {
		t.Errorf("copy %q priority %s", eng.Summary, eng.Priority)
	}
	// The file attached before the escalation and the one attached after,
	// once each.
	if got := p.eng.Sim.Attachments(eng.Key); !slices.Equal(got, []string{"browser-console.log", "network.har"}) {
		t.Errorf("copy attachments %v", got)
	}
	// Remote links both ways, once each.
	checkLinks(t, p.eng.Sim.RemoteLinks(eng.Key), p.support.Sim.URL()+"/browse/"+sup.Key, "escalated from", sup.Key+" "+sup.Summary)
	checkLinks(t, p.support.Sim.RemoteLinks(sup.Key), p.eng.Sim.URL()+"/browse/"+eng.Key, "escalated to", eng.Key+" "+sup.Summary)
	// The original is marked and moved along with the copy.
	if !slices.Contains(sup.Labels, "escalated") || !slices.Contains(sup.Labels, "escalate") {
		t.Errorf("original labels %v", sup.Labels)
	}
	if eng.Status != "Done" || sup.Status != "Done" || sup.Resolution == "" {
		t.Errorf("status: copy %s, original %s (resolution %q); want Done on both", eng.Status, sup.Status, sup.Resolution)
	}
	// Comments mirrored once each way, no echoes.
	supComments, engComments := bodies(p.support.Sim.Comments(sup.Key)), bodies(p.eng.Sim.Comments(eng.Key))
	wantSup := []string{
		"Escalated to engineering as " + eng.Key + "; comments and status changes are mirrored.",
		"The customer says it started on Monday.",
		"[mirrored from " + eng.Key + "] Bob Baker: Found it: the payment gateway timeout is 60 s, the proxy's is 30 s.",
	}
	wantEng := []string{
		"[mirrored from " + sup.Key + "] Alice Archer: The customer says it started on Monday.",
		"Found it: the payment gateway timeout is 60 s, the proxy's is 30 s.",
	}
	// The status changes add transition comments on the original.
	var supPlain []string
	for _, b := range supComments {
		if !strings.HasPrefix(b, "Engineering moved ") {
			supPlain = append(supPlain, b)
		}
	}
	if !slices.Equal(supPlain, wantSup) {
		t.Errorf("support comments:\n%q\nwant\n%q", supComments, wantSup)
	}
	if !slices.Equal(engComments, wantEng) {
		t.Errorf("engineering comments:\n%q\nwant\n%q", engComments, wantEng)
	}
}

// checkLinks asserts that links is exactly one remote link to url, stored
// under the URL as its global id.
func checkLinks(t *testing.T, links []jiratest.RemoteLink, url, relationship, title string) {
	t.Helper()
	if len(links) != 1 {
		t.Errorf("remote links %+v; want one to %s", links, url)
		return
	}
	l := links[0]
	if l.URL != url || l.GlobalID != url || l.Relationship != relationship || l.Title != title {
		t.Errorf("remote link %+v; want %s %q (%s) under its URL", l, relationship, title, url)
	}
}

func TestOfflineSceneWithTheEngineRunning(t *testing.T) {
	p := offlineSites(t)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Since: time.Hour, Fast: true}, poll: 20 * time.Millisecond, supSim: p.support, engSim: p.eng}
	if err := run(context.Background(), o, env(nil), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkScene(t, p)
	// Six jobs at least (escalation, the late attachment, two comments,
	// two status changes); more when the creation and the labelling of the
	// issue are seen in the same poll (the second finds the issue escalated
	// already) or when the first attachment's change is read after the
	// escalation (its copy is skipped).
	if !summaryRE.MatchString(out.String()) {
		t.Errorf("output:\n%s", out.String())
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

var summaryRE = regexp.MustCompile(`summary: ([6-9]|1[0-2]) jobs: ([6-9]|1[0-2]) succeeded\n`)

func TestOfflineSceneOnce(t *testing.T) {
	p := offlineSites(t)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Since: time.Hour, Fast: true}, supSim: p.support, engSim: p.eng}
	if err := run(context.Background(), o, env(nil), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkScene(t, p)
	if t.Failed() {
		t.Log(out.String())
	}
}

func TestOneSiteTwoProjectsFromTheEnvironment(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	sim.AddProject(jiratest.Project{Key: "SUP", Name: "Support", Lead: people.Admin.AccountID})
	sim.AddProject(jiratest.Project{Key: "ENG", Name: "Engineering", Lead: people.Admin.AccountID})
	is, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "SUP", Summary: "Refund stuck", Labels: []string{"escalate"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "SUP", Summary: "Not for engineering"}); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"JIRA_URL": sim.URL(), "JIRA_EMAIL": people.Admin.Email, "JIRA_API_TOKEN": people.Admin.APIToken}
	store := filepath.Join(t.TempDir(), "sync.db")
	runOnce := func() string {
		var out bytes.Buffer
		o := options{Flags: ops.Flags{Once: true, Store: store, Since: time.Hour}}
		if err := run(ctx, o, env(vars), &out); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
		return out.String()
	}
	runOnce()
	copies := sim.Issues("ENG")
	if len(copies) != 1 || !slices.Contains(copies[0].Labels, "origin-"+is.Key) {
		t.Fatalf("copies %+v", copies)
	}
	// Running again changes nothing, and asks no serverInfo (the store
	// remembers the site); a new comment is mirrored once.
	sim.ResetRequests()
	runOnce()
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r.Path, "/serverInfo") {
			t.Errorf("the second run asked %s %s; the store knows the site", r.Method, r.Path)
		}
	}
	if n := len(sim.Issues("ENG")); n != 1 {
		t.Fatalf("%d copies after a second run", n)
	}
	if _, err := sim.CommentAs(people.Alice.AccountID, is.Key, "Any news?"); err != nil {
		t.Fatal(err)
	}
	runOnce()
	runOnce()
	if got, want := bodies(sim.Comments(copies[0].Key)), []string{"[mirrored from " + is.Key + "] Alice Archer: Any news?"}; !slices.Equal(got, want) {
		t.Errorf("copy comments %q, want %q", got, want)
	}
	// A file attached to the original after its escalation reaches the
	// copy once, however often the sync runs.
	alice, err := jira.New(jira.Config{Name: "alice", URL: sim.URL(), Auth: auth.APIToken{Email: people.Alice.Email, Token: auth.Secret(people.Alice.APIToken)}})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := jira.New(jira.Config{Name: "admin", URL: sim.URL(), Auth: auth.APIToken{Email: people.Admin.Email, Token: auth.Secret(people.Admin.APIToken)}})
	if err != nil {
		t.Fatal(err)
	}
	attach := func(jc *jira.Client, key, name, content string) {
		t.Helper()
		if _, err := jc.UploadAttachment().Run(ctx, jira.UploadAttachmentInput{IssueKey: key, Filename: name, Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	// log.txt is on the copy already, as a job that uploaded it and
	// stopped before its record was saved would leave it: it is not added
	// again. A file of that name but another size is.
	attach(admin, copies[0].Key, "log.txt", "12:03 timeout\n")
	attach(alice, is.Key, "refund.csv", "id,amount\n7,12.50\n")
	attach(alice, is.Key, "log.txt", "12:03 timeout\n")
	runOnce()
	runOnce()
	attach(alice, is.Key, "log.txt", "12:03 timeout\n12:04 timeout\n")
	runOnce()
	runOnce()
	got := sim.Attachments(copies[0].Key)
	slices.Sort(got)
	if want := []string{"log.txt", "log.txt", "refund.csv"}; !slices.Equal(got, want) {
		t.Errorf("copy attachments %q, want %q (the late files once each)", got, want)
	}
	checkLinks(t, sim.RemoteLinks(copies[0].Key), sim.URL()+"/browse/"+is.Key, "escalated from", is.Key+" Refund stuck")
	checkLinks(t, sim.RemoteLinks(is.Key), sim.URL()+"/browse/"+copies[0].Key, "escalated to", copies[0].Key+" Refund stuck")
	if n := len(sim.Comments(is.Key)); n != 2 { // the escalation note and Alice's
		t.Errorf("original has %d comments, want 2: %q", n, bodies(sim.Comments(is.Key)))
	}
}

func TestEngineeringSiteAloneIsRefused(t *testing.T) {
	vars := map[string]string{"ENG_JIRA_URL": "https://eng.example.com"}
	err := run(context.Background(), options{}, env(vars), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "JIRA_URL") {
		t.Errorf("err = %v", err)
	}
}

func TestExprMap(t *testing.T) {
	if got := exprMap(map[string]string{"b": "B", "a": `"x"`}); got != `{"a": "\"x\"", "b": "B"}` {
		t.Errorf("exprMap = %s", got)
	}
}
