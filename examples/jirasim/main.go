package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "jirasim: %v\n", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run serves the simulator until ctx ends. ready, when not nil, receives
// the server once it is seeded and listening (tests use it).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- *jiratest.Server) error {
	fs := flag.NewFlagSet("jirasim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (a loopback address keeps it private)")
	mode := fs.String("mode", "cloud", "deployment to imitate: cloud or dc")
	activity := fs.Duration("activity", 0, "simulate a human change this often (0 = none), e.g. 10s")
	lag := fs.Duration("search-lag", 0, "make changes invisible to search for this long (Cloud enhanced search)")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	opts := jiratest.Options{Addr: *addr, Seed: time.Now().UnixNano()}
	switch strings.ToLower(*mode) {
	case "cloud":
		opts.Mode = jiratest.Cloud
	case "dc", "datacenter", "server":
		opts.Mode = jiratest.DataCenter
	default:
		return fmt.Errorf("%w: unknown -mode %q: use cloud or dc", errUsage, *mode)
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := jiratest.Start(opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	demo := srv.SeedDemo()
	srv.SetSearchLag(*lag)
	printHowToConnect(stdout, srv, demo)
	if ready != nil {
		ready <- srv
	}
	if *activity > 0 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			simulate(ctx, stdout, srv, demo, *activity)
		}()
		defer func() { <-done }()
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "\njirasim: stopped")
	return nil
}

func printHowToConnect(w io.Writer, srv *jiratest.Server, d jiratest.Demo) {
	fmt.Fprintf(w, "Jira simulator (%s) serving project DEMO at %s\n\n", srv.Mode(), srv.URL())
	if srv.Mode() == jiratest.Cloud {
		fmt.Fprintf(w, "API token (Basic):  %s : %s\n", d.Admin.Email, d.Admin.APIToken)
		fmt.Fprintf(w, "  curl -u '%s:%s' '%s/rest/api/2/search/jql?jql=project%%3DDEMO&fields=summary'\n", d.Admin.Email, d.Admin.APIToken, srv.URL())
		fmt.Fprintf(w, "OAuth 2.0 (3LO):    client_id %s, client_secret %s\n", d.OAuthClient.ID, d.OAuthClient.Secret)
		fmt.Fprintf(w, "  authorize:        %s/authorize?client_id=%s&redirect_uri=<your callback>&state=x&response_type=code&scope=read%%3Ajira-work+offline_access\n", srv.URL(), d.OAuthClient.ID)
		fmt.Fprintf(w, "  token:            POST %s/oauth/token\n", srv.URL())
		fmt.Fprintf(w, "  resources:        GET %s/oauth/token/accessible-resources\n", srv.URL())
		fmt.Fprintf(w, "  API base:         %s (Bearer access token)\n", srv.GatewayURL())
	} else {
		fmt.Fprintf(w, "Password (Basic):   %s : %s\n", d.Admin.Name, d.Admin.Password)
		fmt.Fprintf(w, "  curl -u '%s:%s' '%s/rest/api/2/search?jql=project%%3DDEMO&fields=summary'\n", d.Admin.Name, d.Admin.Password, srv.URL())
		fmt.Fprintf(w, "PAT (Bearer):       %s\n", d.Admin.PAT)
	}
	fmt.Fprintf(w, "\nOther users: %s (%s), %s (%s); the integration user is a Jira administrator.\n",
		d.Alice.DisplayName, userLogin(srv, d.Alice), d.Bob.DisplayName, userLogin(srv, d.Bob))
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

func userLogin(srv *jiratest.Server, u jiratest.User) string {
	if srv.Mode() == jiratest.Cloud {
		return u.Email + " / " + u.APIToken
	}
	return u.Name + " / " + u.Password
}

// simulate makes a human change every interval: new issues, comments,
// transitions.
func simulate(ctx context.Context, w io.Writer, srv *jiratest.Server, d jiratest.Demo, every time.Duration) {
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
			fmt.Fprintf(w, "activity: %v\n", err)
			continue
		}
		fmt.Fprintf(w, "activity: %s %s\n", time.Now().Format("15:04:05"), what)
	}
}
