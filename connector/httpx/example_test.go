package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/httpx"
)

func Example() {
	client, err := httpx.New(auth.APIToken{Email: "ana@example.com", Token: "api-token"}, httpx.Options{
		MaxRetryWait: 30 * time.Second,
		RateLimit:    10, Burst: 5,
		Logger: slog.Default(),
	})
	if err != nil {
		fmt.Println(err) // says which field is wrong and what to do
		return
	}
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/v1/items/ABC-1", nil)
	resp, err := client.Do(req)
	if err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) {
			fmt.Println("the server asks to come back in", se.Wait)
		}
		return
	}
	if err := httpx.CheckResponse(resp); err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			// not found; se.Body holds the start of the server's answer
		}
		return
	}
	defer resp.Body.Close()
	// decode resp.Body ...
}

func ExampleNew_invalidConfiguration() {
	_, err := httpx.New(auth.APIToken{Email: "ana@example.com"}, httpx.Options{})
	fmt.Println(err)
	// Output: auth.APIToken: Token is empty: create an API token at https://id.atlassian.com/manage-profile/security/api-tokens and set it here
}
