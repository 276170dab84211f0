package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// The OAuth 2.0 (3LO) flow: consent, callback, exchange, then API calls
// through the Atlassian gateway.
func ExampleOAuth2() {
	// The key sealing the token file: base64 of 32 random bytes, which the
	// program reads from its environment or secret manager.
	keys, err := seal.ParseKeyring(os.Getenv("MYAPP_SECRET_KEY"), os.Getenv("MYAPP_SECRET_KEY_PREVIOUS"))
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := auth.NewFileTokenStore("/var/lib/myapp/jira-token.json", keys)
	if err != nil {
		fmt.Println(err)
		return
	}
	o := &auth.OAuth2{
		ClientID:     "client id from the developer console",
		ClientSecret: "secret from the developer console",
		RedirectURL:  "https://myapp.example.com/jira/callback",
		Store:        store,
	}
	if err := o.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	state, _ := auth.NewState()
	fmt.Println("open in a browser:", o.AuthCodeURL(state))

	http.HandleFunc("/jira/callback", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("state") != state {
			http.Error(w, "state mismatch", http.StatusBadRequest)
			return
		}
		if _, err := o.Exchange(r.Context(), r.URL.Query().Get("code")); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		// API calls go to https://api.atlassian.com/ex/jira/{cloudId}.
		base, err := o.APIBaseURL(context.Background(), "https://your-domain.atlassian.net")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		client := &http.Client{Transport: o.Transport(nil)}
		resp, err := client.Get(base + "/rest/api/2/myself")
		if err == nil {
			resp.Body.Close()
		}
	})
}

func ExampleAPIToken_Validate() {
	err := auth.APIToken{Email: "ana", Token: "t"}.Validate()
	fmt.Println(err)
	// Output: auth.APIToken: Email is not an email address: Jira Cloud API tokens are used with the account's email, not a username
}
