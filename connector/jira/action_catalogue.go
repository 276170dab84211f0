package jira

import (
	"slices"

	"github.com/recipekit/recipekit/action"
)

// actionCatalogue is the metadata of every action the connector offers,
// one entry an action, sorted by name: what it is called, the Jira
// permissions it needs and whether the runtime may run it again after an
// ambiguous failure (Idempotent, or EffectChecked: it looks up its effect
// before writing again; an entry with neither is never retried). Each entry
// is built by exactly one constructor, which names it in newAction; a test
// holds the two in step.
var actionCatalogue = []action.Info{
	{Name: "add_comment", Title: "Add comment", EffectChecked: true, Permissions: []string{"ADD_COMMENTS", "BROWSE_PROJECTS"},
		Description: "Adds a wiki-markup comment to an issue, optionally visible to a group or role only. Exactly once per step run: the comment carries the run's effect key, looked up after an ambiguous failure."},
	{Name: "add_remote_link", Title: "Add remote link", Idempotent: true, Permissions: []string{"LINK_ISSUES", "BROWSE_PROJECTS"},
		Description: "Links an issue to an item in another system (URL, title, relationship, icon); adding the same URL or global id again updates the link."},
	{Name: "add_request_comment", Title: "Add request comment", EffectChecked: true, Permissions: []string{"ADD_COMMENTS", "BROWSE_PROJECTS"},
		Description: "Adds a public comment (the customer sees it) or an internal one (agents only) to a customer request. Exactly once per step run: the comment carries the run's effect key, looked up after an ambiguous failure."},
	{Name: "add_watcher", Title: "Add watcher", Idempotent: true, Permissions: []string{"MANAGE_WATCHERS"},
		Description: "Adds a user (or the connection's account) to an issue's watchers."},
	{Name: "add_worklog", Title: "Log work", EffectChecked: true, Permissions: []string{"WORK_ON_ISSUES", "BROWSE_PROJECTS"},
		Description: "Logs time spent on an issue, with a comment and a start time. Exactly once per step run: the worklog carries the run's effect key, looked up after an ambiguous failure."},
	{Name: "assign_issue", Title: "Assign issue", Idempotent: true, Permissions: []string{"ASSIGN_ISSUES"},
		Description: "Assigns an issue to a user (account id on Cloud, user name on Data Center), to the project default (-1), or unassigns it (empty)."},
	{Name: "assignable_users", Title: "Find assignable users", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists users who can be assigned issues in a project or a given issue."},
	{Name: "bulk_create_issues", Title: "Create issues in bulk", EffectChecked: true, Permissions: []string{"CREATE_ISSUES", "BROWSE_PROJECTS"},
		Description: "Creates many issues in few requests (up to 50 each); refused ones are listed with the reason, the others created exactly once."},
	{Name: "close_sprint", Title: "Close sprint", Idempotent: true, Permissions: []string{"MANAGE_SPRINTS_PERMISSION"},
		Description: "Closes (completes) an active sprint; Jira moves its unfinished issues to the backlog. An already closed sprint is returned as it is."},
	{Name: "count_issues", Title: "Count issues", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Counts the issues matching a JQL query without reading them (approximate on Cloud)."},
	{Name: "create_component", Title: "Create component", EffectChecked: true, Permissions: []string{"ADMINISTER_PROJECTS"},
		Description: "Creates a project component with an optional lead and default assignee. Exactly once per step run: after an ambiguous failure, a component of that name in the project is the one created."},
	{Name: "create_customer_request", Title: "Create customer request", EffectChecked: true, Permissions: []string{"CREATE_ISSUES", "BROWSE_PROJECTS"},
		Description: "Raises a Jira Service Management customer request of a request type, optionally on behalf of a customer. Exactly once per step run: the request's issue carries the run's effect key, looked up after an ambiguous failure."},
	{Name: "create_issue", Title: "Create issue", EffectChecked: true, Permissions: []string{"CREATE_ISSUES", "BROWSE_PROJECTS"},
		Description: "Creates an issue (or a sub-task with a parent) with standard and custom fields, checked against the create screen first. Exactly once per step run (the issue carries the run's effect key); with an idempotency key, a repeated or retried create returns the issue created before."},
	{Name: "create_project", Title: "Create project", Permissions: []string{"ADMINISTER"},
		Description: "Creates a project with a key, name, type and lead (Jira administrators only)."},
	{Name: "create_sprint", Title: "Create sprint", EffectChecked: true, Permissions: []string{"MANAGE_SPRINTS_PERMISSION"},
		Description: "Creates a future sprint on a scrum board, optionally with a goal and planned dates. Exactly once per step run: after an ambiguous failure the board is searched for the sprint before creating it again."},
	{Name: "create_version", Title: "Create version", EffectChecked: true, Permissions: []string{"ADMINISTER_PROJECTS"},
		Description: "Creates a project version (release) with dates and flags. Exactly once per step run: after an ambiguous failure, a version of that name in the project is the one created."},
	{Name: "custom_request", Title: "Custom API request",
		Description: "Sends any Jira REST request (method, path, query, JSON body) with the connection's credentials, retries and error handling."},
	{Name: "delete_attachment", Title: "Delete attachment", Idempotent: true, Permissions: []string{"DELETE_ALL_ATTACHMENTS", "DELETE_OWN_ATTACHMENTS"},
		Description: "Deletes an attachment."},
	{Name: "delete_comment", Title: "Delete comment", Idempotent: true, Permissions: []string{"DELETE_ALL_COMMENTS", "DELETE_OWN_COMMENTS"},
		Description: "Deletes a comment."},
	{Name: "delete_issue", Title: "Delete issue", Idempotent: true, Permissions: []string{"DELETE_ISSUES", "BROWSE_PROJECTS"},
		Description: "Deletes an issue, optionally with its sub-tasks."},
	{Name: "delete_link", Title: "Delete issue link", Idempotent: true, Permissions: []string{"LINK_ISSUES"},
		Description: "Deletes an issue link by id."},
	{Name: "delete_project", Title: "Delete project", Idempotent: true, Permissions: []string{"ADMINISTER"},
		Description: "Deletes a project and all its issues (on Cloud into the recycle bin unless permanently)."},
	{Name: "delete_worklog", Title: "Delete worklog", Idempotent: true, Permissions: []string{"DELETE_ALL_WORKLOGS", "DELETE_OWN_WORKLOGS"},
		Description: "Deletes a worklog from an issue."},
	{Name: "download_attachment", Title: "Download attachment", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Downloads an attachment's content to a file or into the output."},
	{Name: "explain_forbidden", Title: "Explain a refusal", Idempotent: true,
		Description: "Explains why an action is refused: the permissions it needs and which the account lacks."},
	{Name: "find_users", Title: "Find users", Idempotent: true, Permissions: []string{"USER_PICKER"},
		Description: "Finds users by name or email (account ids on Cloud, user names on Data Center)."},
	{Name: "get_attachment", Title: "Get attachment metadata", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns an attachment's metadata (name, size, type, author, created) without its content."},
	{Name: "get_changelog", Title: "Get issue changelog", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Reads an issue's history: who changed which field from what to what, oldest first."},
	{Name: "get_comment", Title: "Get comment", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns one comment of an issue by id."},
	{Name: "get_customer_request", Title: "Get customer request", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns a customer request: its desk, request type, reporter, fields and current status."},
	{Name: "get_issue", Title: "Get issue", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Reads an issue by key or id, with chosen fields (by name or id) and expansions."},
	{Name: "get_issue_schema", Title: "Get issue schema", Idempotent: true, Permissions: []string{"CREATE_ISSUES"},
		Description: "Lists the fields of an issue type's create screen in a project: ids, names, types, required flags and allowed values."},
	{Name: "get_project", Title: "Get project", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Reads a project: key, name, lead, issue types, components and versions."},
	{Name: "get_request_slas", Title: "Get request SLAs", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns a customer request's SLAs (time to first response, time to resolution...): the running cycle with its breach time and remaining time, and the completed cycles. Agents only."},
	{Name: "get_request_status", Title: "Get request status", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns a customer request's current status and its status history, newest first."},
	{Name: "get_request_type_fields", Title: "Get request type fields", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Returns the fields a request type asks for (ids, labels, required, allowed values) and whether the connection may raise requests on behalf of customers."},
	{Name: "get_sprint", Title: "Get sprint", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Reads a sprint: state, dates, goal and board."},
	{Name: "get_user", Title: "Get user", Idempotent: true, Permissions: []string{"BROWSE_USERS"},
		Description: "Returns a user by account id (Cloud) or user name (Data Center)."},
	{Name: "link_issues", Title: "Link issues", EffectChecked: true, Permissions: []string{"LINK_ISSUES", "BROWSE_PROJECTS"},
		Description: "Links two issues with a link type (blocks, relates to, duplicates...). Exactly once per step run: an existing link of that type between the two issues is not made again."},
	{Name: "list_attachments", Title: "List attachments", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists an issue's attachments (names, sizes, types, authors)."},
	{Name: "list_boards", Title: "List boards", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the Jira Software boards the account may see, optionally of one type, project or name."},
	{Name: "list_comments", Title: "List comments", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists an issue's comments, oldest or newest first."},
	{Name: "list_components", Title: "List components", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists a project's components."},
	{Name: "list_epic_issues", Title: "List issues of epic", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the issues of an epic in rank order, optionally narrowed by JQL."},
	{Name: "list_fields", Title: "List fields", Idempotent: true,
		Description: "Lists every system and custom field with its id, name and schema, sorted by name; custom fields are written by id (customfield_10010)."},
	{Name: "list_issue_types", Title: "List issue types", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the issue types of the site, or those of one project."},
	{Name: "list_link_types", Title: "List link types", Idempotent: true,
		Description: "Lists the issue link types (name, inward and outward descriptions)."},
	{Name: "list_priorities", Title: "List priorities", Idempotent: true,
		Description: "Lists the site's issue priorities."},
	{Name: "list_projects", Title: "List projects", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists or searches the projects the account can see (paged search on Cloud)."},
	{Name: "list_remote_links", Title: "List remote links", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists an issue's links to items in other systems, optionally only the one with a global id."},
	{Name: "list_request_comments", Title: "List request comments", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists a customer request's comments, oldest first, each marked public or internal."},
	{Name: "list_request_types", Title: "List request types", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the customer request types of a service desk."},
	{Name: "list_resolutions", Title: "List resolutions", Idempotent: true,
		Description: "Lists the site's issue resolutions."},
	{Name: "list_service_desks", Title: "List service desks", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the Jira Service Management service desks the connection can see, with their projects."},
	{Name: "list_sprints", Title: "List sprints", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists a scrum board's sprints, optionally in some states (future, active, closed), oldest first."},
	{Name: "list_statuses", Title: "List statuses", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the workflow statuses of the site, or those a project's workflows use."},
	{Name: "list_transitions", Title: "List transitions", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the workflow transitions available on an issue now, with their target statuses and screen fields (none without the Transition issues permission)."},
	{Name: "list_versions", Title: "List versions", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists a project's versions."},
	{Name: "list_watchers", Title: "List watchers", Idempotent: true, Permissions: []string{"VIEW_VOTERS_AND_WATCHERS"},
		Description: "Lists an issue's watchers."},
	{Name: "list_worklogs", Title: "List worklogs", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Lists the time logged on an issue."},
	{Name: "move_issues_to_backlog", Title: "Move issues to backlog", Idempotent: true, Permissions: []string{"SCHEDULE_ISSUES", "EDIT_ISSUES"},
		Description: "Takes issues out of their open sprints into the backlog (50 per request); issues already there stay."},
	{Name: "move_issues_to_sprint", Title: "Move issues to sprint", Idempotent: true, Permissions: []string{"SCHEDULE_ISSUES", "EDIT_ISSUES"},
		Description: "Moves issues into a future or active sprint (50 per request); issues already there stay."},
	{Name: "my_permissions", Title: "Check my permissions", Idempotent: true,
		Description: "Reports which of the given permissions the connection's account has in a project or issue."},
	{Name: "myself", Title: "Get my user", Idempotent: true,
		Description: "Returns the user the connection acts as."},
	{Name: "notify_issue", Title: "Send issue notification", Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Emails the reporter, assignee, watchers, voters, users or groups about an issue, through Jira's mail queue."},
	{Name: "rank_issues", Title: "Rank issues", Idempotent: true, Permissions: []string{"SCHEDULE_ISSUES"},
		Description: "Ranks issues, in the order given, right before or right after another issue on boards and backlogs."},
	{Name: "remove_watcher", Title: "Remove watcher", Idempotent: true, Permissions: []string{"MANAGE_WATCHERS"},
		Description: "Removes a user from an issue's watchers."},
	{Name: "search_issues", Title: "Search issues", Idempotent: true, Permissions: []string{"BROWSE_PROJECTS"},
		Description: "Finds issues with JQL, paging through results up to a limit (enhanced search on Cloud, with reconcile ids for read-after-write)."},
	{Name: "set_epic", Title: "Set epic", Idempotent: true, Permissions: []string{"EDIT_ISSUES", "BROWSE_PROJECTS"},
		Description: "Puts an issue in an epic, or takes it out: on Cloud through the parent field (company- and team-managed projects), on Data Center through the Epic Link."},
	{Name: "start_sprint", Title: "Start sprint", Idempotent: true, Permissions: []string{"MANAGE_SPRINTS_PERMISSION"},
		Description: "Starts a future sprint (one active sprint per board), with a start date (default now) and an end date (default the planned one, else two weeks later). An already active sprint is returned as it is."},
	{Name: "transition_issue", Title: "Transition issue", EffectChecked: true, Permissions: []string{"TRANSITION_ISSUES", "BROWSE_PROJECTS"},
		Description: "Moves an issue through its workflow by transition name or target status, with transition fields such as resolution and an optional comment. Exactly once per step run: an issue already in the target status is not moved again."},
	{Name: "transition_request", Title: "Transition request", Permissions: []string{"TRANSITION_ISSUES", "BROWSE_PROJECTS"},
		Description: "Moves a customer request through one of its available transitions (by id or name), with an optional public comment."},
	{Name: "update_comment", Title: "Update comment", Idempotent: true, Permissions: []string{"EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS"},
		Description: "Replaces a comment's text (and visibility)."},
	{Name: "update_component", Title: "Update component", Idempotent: true, Permissions: []string{"ADMINISTER_PROJECTS"},
		Description: "Renames a component or changes its description, lead or default assignee."},
	{Name: "update_issue", Title: "Update issue", Idempotent: true, Permissions: []string{"EDIT_ISSUES", "BROWSE_PROJECTS"},
		Description: "Updates an issue's fields (standard and custom, by name or id) and adds or removes labels; returns the updated issue."},
	{Name: "update_project", Title: "Update project", Idempotent: true, Permissions: []string{"ADMINISTER_PROJECTS"},
		Description: "Changes a project's name, description, lead, URL or default assignee."},
	{Name: "update_sprint", Title: "Update sprint", Idempotent: true, Permissions: []string{"MANAGE_SPRINTS_PERMISSION"},
		Description: "Renames a sprint, changes its goal or re-plans its dates; the fields left empty stay as they are."},
	{Name: "update_version", Title: "Update version", Idempotent: true, Permissions: []string{"ADMINISTER_PROJECTS"},
		Description: "Renames, re-dates, releases or archives a version."},
	{Name: "update_worklog", Title: "Update worklog", Idempotent: true, Permissions: []string{"EDIT_ALL_WORKLOGS", "EDIT_OWN_WORKLOGS"},
		Description: "Changes the time spent, start time or comment of a worklog."},
	{Name: "upload_attachment", Title: "Upload attachment", EffectChecked: true, Permissions: []string{"CREATE_ATTACHMENTS", "BROWSE_PROJECTS"},
		Description: "Attaches a file (from a path, text content or a reader) to an issue; the content is streamed. Exactly once per step run: an attachment of that name and size added by the account since the step began is not uploaded again."},
}

// actionsByName indexes actionCatalogue for newAction and actionInfo.
var actionsByName = func() map[string]action.Info {
	m := make(map[string]action.Info, len(actionCatalogue))
	for _, info := range actionCatalogue {
		info.Connector = ConnectorName
		m[info.Name] = info
	}
	return m
}()

// Actions lists the metadata of every action in the catalogue, sorted by
// name.
func (c *Client) Actions() []action.Info {
	infos := make([]action.Info, 0, len(actionCatalogue))
	for _, entry := range actionCatalogue {
		info, _ := c.actionInfo(entry.Name)
		infos = append(infos, info)
	}
	return infos
}

// actionInfo finds an action's metadata by name. The copy it returns shares
// nothing with the catalogue, so a caller may change it freely.
func (c *Client) actionInfo(name string) (action.Info, bool) {
	info, ok := actionsByName[name]
	info.Permissions = slices.Clone(info.Permissions)
	return info, ok
}
