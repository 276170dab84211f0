package webhook

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/recipekit/recipekit/auth"
)

// QueryTokenHeader is the request header [TokenFromQuery] moves a
// query-parameter token into, where a trigger verifying with
// [VerifyTokenQuery] reads it. Any copy of the header a sender sets itself
// is discarded first.
const QueryTokenHeader = "X-Recipekit-Query-Token"

// TokenFromQuery wraps the runtime's webhook handler for triggers that
// verify a token in a query parameter (senders such as Jira admin webhooks
// cannot set headers, but their URL may carry one). The runtime hands Parse
// only the request's headers, so this moves the parameter's value into
// [QueryTokenHeader] and removes it from the URL, which also keeps it out
// of access logs written further down. The header is set (empty) when the
// parameter is missing, so the trigger can tell "no token" from "handler
// not wrapped".
func TokenFromQuery(param string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.Header.Del(QueryTokenHeader)
		q := r2.URL.Query()
		r2.Header[QueryTokenHeader] = []string{q.Get(param)}
		if q.Has(param) {
			q.Del(param)
			r2.URL.RawQuery = q.Encode()
			r2.RequestURI = r2.URL.RequestURI()
		}
		next.ServeHTTP(w, r2)
	})
}

// CallbackURLWithToken returns callbackURL with the shared secret added as
// the query parameter param: the URL to configure the sender with when
// verifying with [VerifyTokenQuery]. It is returned as an [auth.Secret]
// because it contains one; call Reveal to paste it into the sender.
func CallbackURLWithToken(callbackURL, param string, secret auth.Secret) (auth.Secret, error) {
	if err := checkCallbackURL(callbackURL); err != nil {
		return "", err
	}
	if param == "" {
		return "", fmt.Errorf("webhook: name the query parameter that carries the token")
	}
	if secret == "" {
		return "", fmt.Errorf("webhook: the secret is empty; generate one with webhook.NewSecret")
	}
	u, _ := url.Parse(callbackURL) // checked above
	q := u.Query()
	q.Set(param, secret.Reveal())
	u.RawQuery = q.Encode()
	return auth.Secret(u.String()), nil
}
