package jira

import (
	"context"
	"fmt"
	"strings"
)

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
	var info ServerInfo
	resp, err := s.client.call(ctx, "GET", apiPath("/serverInfo"), nil, nil, &info)
	return info, resp, err
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

// serverInfo returns the cached server info, fetching it once.
func (c *Client) serverInfo(ctx context.Context) (ServerInfo, error) {
	c.infoMu.Lock()
	if c.info != nil {
		info := *c.info
		c.infoMu.Unlock()
		return info, nil
	}
	c.infoMu.Unlock()
	info, _, err := c.ServerInfo.Get(ctx)
	if err != nil {
		return ServerInfo{}, err
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
