package jira

import "github.com/recipekit/recipekit/trigger"

// triggerCatalogue lists the metadata of the connector's triggers.
func (c *Client) triggerCatalogue() []trigger.Info {
	return []trigger.Info{}
}
