package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// InfoCache keeps small values across process starts; Config.InfoCache
// uses it to remember the site's serverInfo. Its methods are those of
// recipe.ValueStore, so any recipe store serves.
type InfoCache interface {
	// Value returns the value stored under key, or an error when there is
	// none (any error counts as a miss).
	Value(ctx context.Context, key string) ([]byte, error)
	// SetValue stores value under key.
	SetValue(ctx context.Context, key string, value []byte) error
}

// InfoMaxAge is how long a serverInfo remembered in Config.InfoCache is
// used before it is fetched again (a site's version changes on upgrades).
const InfoMaxAge = 24 * time.Hour

// cachedInfo is the record kept in Config.InfoCache.
type cachedInfo struct {
	Fetched time.Time  `json:"fetched"`
	Info    ServerInfo `json:"info"`
}

// infoCacheKey is the key of the site's serverInfo in Config.InfoCache.
func (c *Client) infoCacheKey() string { return "jira.serverInfo " + c.site.String() }

// cachedServerInfo returns the serverInfo remembered in Config.InfoCache
// when there is a usable one.
func (c *Client) cachedServerInfo(ctx context.Context) (ServerInfo, bool) {
	if c.cfg.InfoCache == nil {
		return ServerInfo{}, false
	}
	raw, err := c.cfg.InfoCache.Value(ctx, c.infoCacheKey())
	if err != nil {
		c.logger.DebugContext(ctx, "jira: no remembered serverInfo", "connection", c.name, "reason", err)
		return ServerInfo{}, false
	}
	var rec cachedInfo
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Info.Deployment() == Auto {
		c.logger.WarnContext(ctx, "jira: ignoring an unreadable remembered serverInfo", "connection", c.name)
		return ServerInfo{}, false
	}
	if age := time.Since(rec.Fetched); age < 0 || age > InfoMaxAge {
		return ServerInfo{}, false
	}
	return rec.Info, true
}

// rememberServerInfo stores info in Config.InfoCache, if any.
func (c *Client) rememberServerInfo(ctx context.Context, info ServerInfo) {
	if c.cfg.InfoCache == nil || info.Deployment() == Auto {
		return
	}
	raw, err := json.Marshal(cachedInfo{Fetched: time.Now().UTC(), Info: info})
	if err == nil {
		err = c.cfg.InfoCache.SetValue(ctx, c.infoCacheKey(), raw)
	}
	if err != nil {
		c.logger.WarnContext(ctx, "jira: could not remember serverInfo; it will be fetched again on the next start", "connection", c.name, "error", err)
	}
}

// ServerInfo describes a Jira site (GET /rest/api/2/serverInfo).
type ServerInfo struct {
	BaseURL        string `json:"baseUrl" expr:"baseUrl"`
	Version        string `json:"version" expr:"version"`
	VersionNumbers []int  `json:"versionNumbers" expr:"versionNumbers"`
	// DeploymentType is "Cloud" on Jira Cloud and "Server" (sometimes
	// "DataCenter") on Server/Data Center.
	DeploymentType string `json:"deploymentType" expr:"deploymentType"`
	BuildNumber    int64  `json:"buildNumber" expr:"buildNumber"`
	ServerTitle    string `json:"serverTitle" expr:"serverTitle"`
	ServerTime     Time   `json:"serverTime" expr:"serverTime"`
	DefaultLocale  *struct {
		Locale string `json:"locale" expr:"locale"`
	} `json:"defaultLocale,omitempty" expr:"defaultLocale"`
	ServerTimeZone string `json:"serverTimeZone,omitempty" expr:"serverTimeZone"`
}

// Deployment maps DeploymentType to a Deployment (Auto when unknown).
func (s ServerInfo) Deployment() Deployment {
	switch strings.ToLower(s.DeploymentType) {
	case "cloud":
		return Cloud
	case "server", "datacenter", "data center":
		return DataCenter
	}
	return Auto
}

// AtLeast reports whether the version is at least major.minor.
func (s ServerInfo) AtLeast(major, minor int) bool {
	if len(s.VersionNumbers) == 0 {
		return false
	}
	if s.VersionNumbers[0] != major {
		return s.VersionNumbers[0] > major
	}
	return len(s.VersionNumbers) > 1 && s.VersionNumbers[1] >= minor
}

// ServerInfoService reads /rest/api/2/serverInfo.
type ServerInfoService service

// Get returns the site's server information. The endpoint answers without
// authentication and is never rate limited.
func (s *ServerInfoService) Get(ctx context.Context) (ServerInfo, *Response, error) {
	return callJSON[ServerInfo](ctx, s.client, "GET", apiPath("/serverInfo"), nil, nil)
}

// Deployment returns the deployment the connection talks to: the configured
// one, or (with Auto) the one serverInfo reports, cached after the first
// successful answer.
func (c *Client) Deployment(ctx context.Context) (Deployment, error) {
	c.infoMu.Lock()
	d := c.deployment
	c.infoMu.Unlock()
	if d != Auto {
		return d, nil
	}
	info, err := c.serverInfo(ctx)
	if err != nil {
		return Auto, fmt.Errorf("jira: detecting the deployment (Cloud or Data Center) from serverInfo: %w", err)
	}
	d = info.Deployment()
	if d == Auto {
		return Auto, fmt.Errorf("jira: serverInfo reports deploymentType %q, which is neither Cloud nor Server; set Config.Deployment explicitly", info.DeploymentType)
	}
	c.infoMu.Lock()
	c.deployment = d
	c.infoMu.Unlock()
	return d, nil
}

// serverInfo returns the cached server info: from memory, else from
// Config.InfoCache, else fetched once (and remembered there).
func (c *Client) serverInfo(ctx context.Context) (ServerInfo, error) {
	c.infoMu.Lock()
	if c.info != nil {
		info := *c.info
		c.infoMu.Unlock()
		return info, nil
	}
	c.infoMu.Unlock()
	info, ok := c.cachedServerInfo(ctx)
	if !ok {
		var err error
		info, _, err = c.ServerInfo.Get(ctx)
		if err != nil {
			return ServerInfo{}, err
		}
		c.rememberServerInfo(ctx, info)
	}
	c.infoMu.Lock()
	c.info = &info
	c.infoMu.Unlock()
	return info, nil
}

// isCloud reports whether the connection talks to Jira Cloud.
func (c *Client) isCloud(ctx context.Context) (bool, error) {
	d, err := c.Deployment(ctx)
	return d == Cloud, err
}
