package jira

import (
	"slices"
	"strings"

	"github.com/recipekit/recipekit/action"
)

// Actions lists the metadata of every action in the catalogue, sorted by
// name.
func (c *Client) Actions() []action.Info {
	infos := []action.Info{
		c.CreateIssue().Info(), c.UpdateIssue().Info(), c.GetIssue().Info(), c.DeleteIssue().Info(),
		c.AssignIssue().Info(), c.TransitionIssue().Info(), c.SearchIssues().Info(), c.GetChangelog().Info(),
		c.GetIssueSchema().Info(),
		c.AddComment().Info(), c.UpdateComment().Info(), c.DeleteComment().Info(), c.ListComments().Info(),
		c.UploadAttachment().Info(), c.DownloadAttachment().Info(), c.ListAttachments().Info(), c.DeleteAttachment().Info(),
		c.CreateProject().Info(), c.GetProject().Info(), c.ListProjects().Info(), c.UpdateProject().Info(),
		c.Myself().Info(), c.FindUsers().Info(), c.AssignableUsers().Info(),
		c.LinkIssues().Info(), c.ListLinkTypes().Info(), c.DeleteLink().Info(),
		c.AddRemoteLink().Info(), c.ListRemoteLinks().Info(),
		c.AddWatcher().Info(), c.RemoveWatcher().Info(), c.ListWatchers().Info(),
		c.AddWorklog().Info(), c.ListWorklogs().Info(),
		c.CreateVersion().Info(), c.UpdateVersion().Info(), c.ListVersions().Info(),
		c.CreateComponent().Info(), c.UpdateComponent().Info(), c.ListComponents().Info(),
		c.MyPermissions().Info(), c.ExplainForbidden().Info(),
		c.CustomRequest().Info(),
		c.ListTransitions().Info(), c.GetUser().Info(), c.CountIssues().Info(), c.ListFields().Info(),
		c.ListStatuses().Info(), c.ListPriorities().Info(), c.ListIssueTypes().Info(), c.ListResolutions().Info(),
		c.GetComment().Info(), c.GetAttachment().Info(), c.UpdateWorklog().Info(), c.DeleteWorklog().Info(),
		c.DeleteProject().Info(), c.BulkCreateIssues().Info(), c.NotifyIssue().Info(),
		c.ListBoards().Info(), c.ListSprints().Info(), c.GetSprint().Info(), c.CreateSprint().Info(),
		c.UpdateSprint().Info(), c.StartSprint().Info(), c.CloseSprint().Info(),
		c.MoveIssuesToSprint().Info(), c.MoveIssuesToBacklog().Info(),
		c.ListEpicIssues().Info(), c.SetEpic().Info(), c.RankIssues().Info(),
		c.ListServiceDesks().Info(), c.ListRequestTypes().Info(), c.GetRequestTypeFields().Info(),
		c.CreateCustomerRequest().Info(), c.GetCustomerRequest().Info(), c.AddRequestComment().Info(),
		c.ListRequestComments().Info(), c.GetRequestStatus().Info(), c.GetRequestSLAs().Info(), c.TransitionRequest().Info(),
	}
	slices.SortFunc(infos, func(a, b action.Info) int { return strings.Compare(a.Name, b.Name) })
	return infos
}

// actionInfo finds an action's metadata by name.
func (c *Client) actionInfo(name string) (action.Info, bool) {
	for _, in := range c.Actions() {
		if in.Name == name {
			return in, true
		}
	}
	return action.Info{}, false
}
