package jiratest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// Example shows a test of one's own Jira code: start a simulator, seed the
// demo data, call the REST API as the integration user, then act as a
// human and inspect the result.
func Example() {
	srv := jiratest.NewServer(jiratest.Options{Mode: jiratest.Cloud})
	defer srv.Close()
	demo := srv.SeedDemo()

	body := `{"fields":{"project":{"key":"DEMO"},"issuetype":{"name":"Bug"},"summary":"Checkout times out"}}`
	req, _ := http.NewRequest("POST", srv.URL()+"/rest/api/2/issue", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(demo.Admin.Email, demo.Admin.APIToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var created struct{ Key string }
	_ = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()

	_ = srv.TransitionAs(demo.Bob.AccountID, created.Key, "Start Progress")
	issue, _ := srv.Issue(created.Key)
	fmt.Println(res.StatusCode, issue.Key, issue.Status)
	// Output: 201 DEMO-6 In Progress
}
