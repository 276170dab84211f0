package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Resource is a site an OAuth grant can reach, as listed by Atlassian's
// accessible-resources endpoint.
type Resource struct {
	// ID is the site's cloud id, used in API URLs.
	ID string `json:"id"`
	// URL is the site's address, such as https://your-domain.atlassian.net.
	URL string `json:"url"`
	// Name is the site's name.
	Name string `json:"name"`
	// Scopes lists the scopes granted for this site.
	Scopes []string `json:"scopes"`
	// AvatarURL is the site's avatar.
	AvatarURL string `json:"avatarUrl"`
}

// AccessibleResources lists the sites the user's grant can reach.
func (o *OAuth2) AccessibleResources(ctx context.Context) ([]Resource, error) {
	endpoint := or(o.ResourcesURL, DefaultResourcesURL)
	tok, err := o.validToken(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return nil, fmt.Errorf("auth: accessible resources %q: %w", endpoint, err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken.Reveal())
		resp, err := o.httpClient().Do(req)
		if err != nil {
			return nil, fmt.Errorf("auth: listing accessible resources: %w", err)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && tok.RefreshToken != "" {
			fresh, rerr := o.refreshRejected(ctx, tok.AccessToken)
			if rerr == nil {
				drain(resp)
				tok = fresh
				continue
			}
			if !errors.Is(rerr, errJustIssued) {
				drain(resp)
				return nil, rerr
			}
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if err != nil {
			return nil, fmt.Errorf("auth: listing accessible resources: %w", err)
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("auth: listing accessible resources: HTTP %d (%s): check ResourcesURL, and that the grant is still valid", resp.StatusCode, shorten(firstLine(string(data)), 200))
		}
		var rs []Resource
		if err := json.Unmarshal(data, &rs); err != nil {
			return nil, fmt.Errorf("auth: listing accessible resources: the answer is not a JSON list (%v): check ResourcesURL", err)
		}
		return rs, nil
	}
}

// CloudID returns the cloud id of the site at siteURL among the sites the
// grant can reach, and caches it in the stored token. With an empty siteURL
// it returns the cached cloud id, else the only site if the grant reaches
// exactly one.
func (o *OAuth2) CloudID(ctx context.Context, siteURL string) (string, error) {
	siteURL = strings.TrimSpace(siteURL)
	if siteURL == "" {
		if t, err := o.validToken(ctx); err == nil && t.CloudID != "" {
			return t.CloudID, nil
		}
	}
	want := ""
	if siteURL != "" {
		u, err := url.Parse(siteURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return "", fmt.Errorf("auth: site URL %q is not an absolute URL: give the Jira site's address, such as https://your-domain.atlassian.net", siteURL)
		}
		want = strings.ToLower(u.Host)
	}
	rs, err := o.AccessibleResources(ctx)
	if err != nil {
		return "", err
	}
	var found *Resource
	for i := range rs {
		u, err := url.Parse(rs[i].URL)
		if err != nil {
			continue
		}
		if want == "" && len(rs) == 1 || strings.ToLower(u.Host) == want {
			found = &rs[i]
			break
		}
	}
	if found == nil {
		sites := make([]string, 0, len(rs))
		for _, r := range rs {
			sites = append(sites, r.URL)
		}
		sort.Strings(sites)
		reach := "no site"
		if len(sites) > 0 {
			reach = strings.Join(sites, ", ")
		}
		if want == "" {
			return "", fmt.Errorf("auth: the OAuth grant reaches %s: give the site URL to choose one", reach)
		}
		return "", fmt.Errorf("auth: the OAuth grant cannot reach %s; it reaches %s: check the site URL, or authorise again and pick that site on the consent screen", siteURL, reach)
	}
	o.cacheCloudID(ctx, found.ID)
	return found.ID, nil
}

// cacheCloudID records id in the stored token, under the store's lock so
// that it never writes back a token another OAuth2 value has replaced;
// failure to save only loses the cache, so it is not reported.
func (o *OAuth2) cacheCloudID(ctx context.Context, id string) {
	if err := o.lock(ctx); err != nil {
		return
	}
	defer o.unlock()
	o.mu.RLock()
	unsaved := o.unsaved
	o.mu.RUnlock()
	if unsaved {
		return
	}
	var saved *Token
	err := updateToken(ctx, o.Store, func(cur *Token) (*Token, error) {
		if cur == nil || cur.CloudID == id {
			return nil, nil
		}
		t := *cur
		t.CloudID = id
		saved = &t
		return &t, nil
	})
	if err == nil && saved != nil {
		o.set(*saved)
	}
}

// APIBaseURL returns https://api.atlassian.com/ex/jira/{cloudId} (or the
// APIGatewayURL override followed by the cloud id) for the site at siteURL.
func (o *OAuth2) APIBaseURL(ctx context.Context, siteURL string) (string, error) {
	id, err := o.CloudID(ctx, siteURL)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(or(o.APIGatewayURL, DefaultAPIGatewayURL), "/") + "/" + url.PathEscape(id), nil
}
