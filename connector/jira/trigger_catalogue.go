package jira

import (
	"github.com/recipekit/recipekit/trigger"
)

// triggerCatalogue lists the metadata of the connector's triggers, with
// their default poll intervals.
func (c *Client) triggerCatalogue() []trigger.Info {
	var o PollOptions
	wo := WebhookOptions{}
	return []trigger.Info{
		c.NewIssue(o).Info(),
		c.NewOrUpdatedIssue(o).Info(),
		c.UpdatedIssue(o).Info(),
		c.NewComment(o).Info(),
		c.NewOrUpdatedComment(o).Info(),
		c.NewWorklog(o).Info(),
		c.NewOrUpdatedWorklog(o).Info(),
		c.NewIssuesBatch(o).Info(),
		c.NewOrUpdatedIssuesBatch(o).Info(),
		c.UpdatedIssuesBatch(o).Info(),
		c.NewCommentsBatch(o).Info(),
		c.NewWorklogsBatch(o).Info(),
		c.NewCustomerRequest(NewRequestOptions{}).Info(),
		c.IssueWebhook(wo).Info(),
		c.CommentWebhook(wo).Info(),
		c.DeletedIssueWebhook(wo).Info(),
		c.WorklogWebhook(wo).Info(),
		c.AnyEventWebhook(wo).Info(),
		c.IssueStatusChanged(StatusChangedOptions{}).Info(),
		c.IssueStatusChangedBatch(StatusChangedOptions{}).Info(),
		c.IssueAssigned(AssignedOptions{}).Info(),
		c.NewAttachment(o).Info(),
		c.NewAttachmentsBatch(o).Info(),
		c.DeletedWorklogs(o).Info(),
		c.DeletedCommentWebhook(wo).Info(),
		c.DeletedWorklogWebhook(wo).Info(),
		c.SprintStarted(SprintPollOptions{}).Info(),
		c.SprintClosed(SprintPollOptions{}).Info(),
	}
}

// Machine names of the polling triggers.
const (
	TriggerNewIssue            = "new_issue"
	TriggerNewOrUpdatedIssue   = "new_or_updated_issue"
	TriggerUpdatedIssue        = "updated_issue"
	TriggerNewComment          = "new_comment"
	TriggerNewOrUpdatedComment = "new_or_updated_comment"
	TriggerNewWorklog          = "new_worklog"
	TriggerNewOrUpdatedWorklog = "new_or_updated_worklog"
)
