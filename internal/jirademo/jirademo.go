package jirademo

import (
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// Site starts a simulated Jira Cloud site with the demo data (project
// DEMO, issues DEMO-1 to DEMO-5, an integration user, Alice and Bob) and
// connects to it as the integration user, as the connection "support". A
// program connects to its own site the same way, with its URL and
// credentials. The caller closes the server.
//
// Site panics when the connection cannot be made: an example has no test
// to fail, and a wrong configuration here is a mistake in this function.
func Site() (*jira.Client, *jiratest.Server, jiratest.Demo) {
	srv := jiratest.NewServer(jiratest.Options{Mode: jiratest.Cloud})
	demo := srv.SeedDemo()
	jc, err := jira.New(jira.Config{
		Name: "support",
		URL:  srv.URL(),
		Auth: auth.APIToken{Email: demo.Admin.Email, Token: auth.Secret(demo.Admin.APIToken)},
	})
	if err != nil {
		srv.Close()
		panic(err)
	}
	return jc, srv, demo
}
