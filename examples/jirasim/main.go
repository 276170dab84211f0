// Command jirasim serves the jiratest Jira simulator on an address, with
// demo data, so that any tool (curl, a REST client, a recipe) can be
// pointed at it.
//
//	go run ./examples/jirasim -addr 127.0.0.1:8080 -mode cloud -activity 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	mode := flag.String("mode", "cloud", "deployment to imitate: cloud or dc")
	activity := flag.Duration("activity", 0, "simulate a human change this often (0 = none), e.g. 10s")
	lag := flag.Duration("search-lag", 0, "make changes invisible to search for this long (Cloud enhanced search)")
	verbose := flag.Bool("v", false, "log every request")
	flag.Parse()

	opts := jiratest.Options{Addr: *addr, Seed: time.Now().UnixNano()}
	switch strings.ToLower(*mode) {
	case "cloud":
		opts.Mode = jiratest.Cloud
	case "dc", "datacenter", "server":
		opts.Mode = jiratest.DataCenter
	default:
		fmt.Fprintf(os.Stderr, "jirasim: unknown -mode %q: use cloud or dc\n", *mode)
		os.Exit(2)
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := jiratest.Start(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "jirasim: %v\n", err)
		os.Exit(1)
	}
	defer srv.Close()
	demo := srv.SeedDemo()
	srv.SetSearchLag(*lag)
	printHowToConnect(srv, demo)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *activity > 0 {
		go simulate(ctx, srv, demo, *activity)
	}
	<-ctx.Done()
	fmt.Println("\njirasim: stopped")
}

func printHowToConnect(srv *jiratest.Server, d jiratest.Demo) {
	fmt.Printf("Jira simulator (%s) serving project DEMO at %s\n\n", srv.Mode(), srv.URL())
	if srv.Mode() == jiratest.Cloud {
		fmt.Printf("API token (Basic):  %s : %s\n", d.Admin.Email, d.Admin.APIToken)
		fmt.Printf("  curl -u '%s:%s' '%s/rest/api/2/search/jql?jql=project%%3DDEMO&fields=summary'\n", d.Admin.Email, d.Admin.APIToken, srv.URL())
		fmt.Printf("OAuth 2.0 (3LO):    client_id %s, client_secret %s\n", d.OAuthClient.ID, d.OAuthClient.Secret)
		fmt.Printf("  authorize:        %s/authorize?client_id=%s&redirect_uri=<your callback>&state=x&response_type=code&scope=read%%3Ajira-work+offline_access\n", srv.URL(), d.OAuthClient.ID)
		fmt.Printf("  token:            POST %s/oauth/token\n", srv.URL())
		fmt.Printf("  resources:        GET %s/oauth/token/accessible-resources\n", srv.URL())
		fmt.Printf("  API base:         %s (Bearer access token)\n", srv.GatewayURL())
	} else {
		fmt.Printf("Password (Basic):   %s : %s\n", d.Admin.Name, d.Admin.Password)
		fmt.Printf("  curl -u '%s:%s' '%s/rest/api/2/search?jql=project%%3DDEMO&fields=summary'\n", d.Admin.Name, d.Admin.Password, srv.URL())
		fmt.Printf("PAT (Bearer):       %s\n", d.Admin.PAT)
	}
	fmt.Printf("\nOther users: %s (%s), %s (%s); the integration user is a Jira administrator.\n",
		d.Alice.DisplayName, userLogin(srv, d.Alice), d.Bob.DisplayName, userLogin(srv, d.Bob))
	fmt.Println("Press Ctrl-C to stop.")
}

func userLogin(srv *jiratest.Server, u jiratest.User) string {
	if srv.Mode() == jiratest.Cloud {
		return u.Email + " / " + u.APIToken
	}
	return u.Name + " / " + u.Password
}

// simulate makes a human change every interval: new issues, comments,
// transitions.
func simulate(ctx context.Context, srv *jiratest.Server, d jiratest.Demo, every time.Duration) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	humans := []jiratest.User{d.Alice, d.Bob}
	t := time.NewTicker(every)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n++
		who := humans[rng.IntN(len(humans))].AccountID
		issues := srv.Issues("DEMO")
		var err error
		var what string
		switch rng.IntN(3) {
		case 0:
			var is jiratest.Issue
			is, err = srv.CreateIssueAs(who, jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: fmt.Sprintf("Simulated task %d", n)})
			what = "created " + is.Key
		case 1:
			key := issues[rng.IntN(len(issues))].Key
			_, err = srv.CommentAs(who, key, fmt.Sprintf("Simulated comment %d", n))
			what = "commented on " + key
		default:
			is := issues[rng.IntN(len(issues))]
			next := map[string]string{"To Do": "Start Progress", "In Progress": "Done", "Done": "Reopen"}[is.Status]
			err = srv.TransitionAs(who, is.Key, next)
			what = fmt.Sprintf("moved %s with %q", is.Key, next)
		}
		if err != nil {
			fmt.Printf("activity: %v\n", err)
			continue
		}
		fmt.Printf("activity: %s %s\n", time.Now().Format("15:04:05"), what)
	}
}
