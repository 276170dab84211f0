// Package jira is the Jira connector: a typed client for the Jira REST API
// v2 (Jira Cloud, and Jira Server/Data Center 7.x and later; wiki-markup
// text, no Atlassian Document Format) and the catalogue of actions recipes
// run.
//
// # Connecting
//
//	jc, err := jira.New(jira.Config{
//		Name: "support",
//		URL:  "https://acme.atlassian.net",
//		Auth: auth.APIToken{Email: email, Token: auth.Secret(token)},
//	})
//	res, err := jc.Test(ctx) // who am I, which deployment and version
//
// Config.Deployment is Auto by default: the deployment is read from
// /rest/api/2/serverInfo on first use and cached. With an *auth.OAuth2
// strategy, calls go to the API gateway address the strategy resolves for
// the site (auth.APIBaser). Test reports a URL that is not Jira
// (ErrNotJira), refused credentials, a Data Center account locked behind a
// CAPTCHA (ErrCaptcha) and an OAuth grant that does not cover the site.
//
// # The client
//
// Client has one service per resource, in the style of go-github: Issues,
// Search, Comments, Attachments, Projects, Users, Fields, Transitions,
// Links, RemoteLinks, Watchers, Worklogs, Versions, Components,
// Permissions, Changelog, Webhooks and ServerInfo, and for Jira Software
// (/rest/agile/1.0, on Cloud and Data Center) Boards, Sprints, Epics and
// Rank. Calls have the form
// (ctx, ...) (T, *Response, error); a non-2xx answer is an *Error or a
// *RateLimitError (see Errors), and the *Response is still returned. Paged lists
// have iterators (iter.Seq2[T, error]): Search.All, Comments.All,
// Projects.All, Users.FindAll, Users.AssignableAll, Worklogs.All,
// Changelog.All, Versions.All, Components.All, Webhooks.AllDynamic,
// Boards.All, Sprints.All, Sprints.AllIssues, Epics.AllIssues.
//
// Search picks the API by deployment: on Cloud GET /rest/api/2/search/jql,
// following nextPageToken and stopping on isLast, a missing token or an
// empty page; on Data Center GET /rest/api/2/search with startAt, honouring
// the page size Jira echoes. Both return a SearchResult and always ask for
// fields (DefaultSearchFields unless given). Search.Count uses Cloud's
// approximate count or Data Center's total. A search whose URL would pass
// MaxSearchURL (a long JQL query or field list; Jira and proxies refuse
// URLs past about 8 KB) is sent as a POST to the same path with the same
// parameters in the body, marked idempotent so it is retried like a GET.
//
// # Models
//
// Issue, IssueFields, User, Comment, Attachment, ... use value fields where
// Jira always sends a value and pointers for objects it may omit (assignee,
// priority, resolution, parent), and carry expr tags mirroring the JSON
// names, so pills read trigger.fields.summary or
// trigger.fields.priority?.name ?? "none". Custom fields are in
// IssueFields.Custom by id (pill: trigger.fields.custom.customfield_10010);
// Client.Fields.Resolve maps display names to ids (cached per connection;
// a name used by several fields is an error listing their ids). Times are
// Time values, which embed time.Time. User.ID gives the identifier to write
// back: the account id on Cloud, the user name on Data Center.
//
// # Actions
//
// Each action is an action.Action[In, Out] whose Info names the permissions
// it needs; Validate checks the input before any request. Inputs are keyed
// by their expr tags in pills.
//
//	Issues
//	  CreateIssue       create_issue       CreateIssueInput        -> Issue
//	  UpdateIssue       update_issue       UpdateIssueInput        -> Issue
//	  GetIssue          get_issue          GetIssueInput           -> Issue
//	  DeleteIssue       delete_issue       DeleteIssueInput        -> DeleteResult
//	  AssignIssue       assign_issue       AssignIssueInput        -> AssignResult
//	  TransitionIssue   transition_issue   TransitionIssueInput    -> Issue
//	  SearchIssues      search_issues      SearchIssuesInput       -> SearchIssuesResult
//	  GetChangelog      get_changelog      ChangelogInput          -> ChangelogResult
//	  GetIssueSchema    get_issue_schema   IssueSchemaInput        -> CreateMeta
//	Comments
//	  AddComment        add_comment        AddCommentInput         -> Comment
//	  UpdateComment     update_comment     UpdateCommentInput      -> Comment
//	  DeleteComment     delete_comment     CommentRefInput         -> DeleteResult
//	  ListComments      list_comments      ListCommentsInput       -> []Comment
//	Attachments
//	  UploadAttachment  upload_attachment  UploadAttachmentInput   -> []Attachment
//	  DownloadAttachment download_attachment DownloadAttachmentInput -> DownloadedAttachment
//	  ListAttachments   list_attachments   IssueKeyInput           -> []Attachment
//	  DeleteAttachment  delete_attachment  AttachmentRefInput      -> DeleteResult
//	Projects
//	  CreateProject     create_project     CreateProjectInput      -> Project
//	  GetProject        get_project        ProjectKeyInput         -> Project
//	  ListProjects      list_projects      ListProjectsInput       -> []Project
//	  UpdateProject     update_project     UpdateProjectInput      -> Project
//	Users
//	  Myself            myself             NoInput                 -> User
//	  FindUsers         find_users         FindUsersInput          -> []User
//	  AssignableUsers   assignable_users   AssignableUsersInput    -> []User
//	Links
//	  LinkIssues        link_issues        LinkIssuesInput         -> IssueLink
//	  ListLinkTypes     list_link_types    NoInput                 -> []IssueLinkType
//	  DeleteLink        delete_link        LinkRefInput            -> DeleteResult
//	  AddRemoteLink     add_remote_link    AddRemoteLinkInput      -> AddRemoteLinkResult
//	  ListRemoteLinks   list_remote_links  ListRemoteLinksInput    -> []RemoteLink
//	Watchers
//	  AddWatcher        add_watcher        WatcherInput            -> Watchers
//	  RemoveWatcher     remove_watcher     WatcherInput            -> Watchers
//	  ListWatchers      list_watchers      IssueKeyInput           -> Watchers
//	Worklogs
//	  AddWorklog        add_worklog        AddWorklogInput         -> Worklog
//	  ListWorklogs      list_worklogs      IssueKeyInput           -> []Worklog
//	Versions
//	  CreateVersion     create_version     VersionInput            -> Version
//	  UpdateVersion     update_version     VersionInput            -> Version
//	  ListVersions      list_versions      ProjectInput            -> []Version
//	Components
//	  CreateComponent   create_component   ComponentInput          -> Component
//	  UpdateComponent   update_component   ComponentInput          -> Component
//	  ListComponents    list_components    ProjectInput            -> []Component
//	Permissions
//	  MyPermissions     my_permissions     MyPermissionsInput      -> []Permission
//	  ExplainForbidden  explain_forbidden  ExplainForbiddenInput   -> PermissionReport
//	Anything else
//	  CustomRequest     custom_request     CustomRequestInput      -> CustomResponse
//
// Client.Actions lists the catalogue's metadata; Client implements
// connector.Connector.
//
// # Create issue: checked first, never duplicated
//
// CreateIssue reads the create screen (GET
// /issue/createmeta/{project}/issuetypes[/{id}], falling back to the old
// /issue/createmeta on Data Center before 8.4) and rejects, before the
// POST, a missing required field, a field not on the screen, or a value
// outside a field's options, naming the field and the allowed values.
// Standard and custom fields are accepted by display name or id.
//
// The POST is sent once. When it fails ambiguously (a timeout, a lost
// connection, a 5xx) the error wraps action.ErrOutcomeUnknown and says the
// outcome is unknown, unless the input has an IdempotencyKey. With a key,
// the issue carries the label IdempotencyLabelPrefix + the first 24 hex
// digits of the key's SHA-256, and the issue property IdempotencyProperty
// ({"key": key}). Before posting and after an ambiguous failure the action
// searches the project for that label (JQL on labels works on every Jira
// and in the simulator, where issue-property JQL needs an index
// configuration), confirms the property, and returns the issue found
// instead of posting again: one key yields at most one issue. Cloud's
// search is eventually consistent, so after an ambiguous failure the lookup
// there asks up to three times, one and two seconds apart, before posting
// again (the lookup before the first POST asks once). The labels field
// must be on the create screen to use a key.
//
// # Triggers
//
// Polling triggers are methods on *Client taking PollOptions (Project, a
// JQL filter without ORDER BY, Since, PollInterval, Overlap, PageSize,
// BatchSize, Fields, IgnoreOwnChanges):
//
//	NewIssue              new_issue               -> Issue
//	NewOrUpdatedIssue     new_or_updated_issue    -> IssueChange (issue + the changelog items of that change + who made it)
//	UpdatedIssue          updated_issue           -> IssueChange
//	NewComment            new_comment             -> CommentEvent
//	NewOrUpdatedComment   new_or_updated_comment  -> CommentEvent
//	NewWorklog            new_worklog             -> WorklogEvent
//	NewOrUpdatedWorklog   new_or_updated_worklog  -> WorklogEvent
//	NewIssuesBatch, NewOrUpdatedIssuesBatch, UpdatedIssuesBatch,
//	NewCommentsBatch, NewWorklogsBatch            -> Batch[T] (up to BatchSize events per job)
//
// They lose nothing and repeat nothing: bounds are epoch milliseconds (so
// the account's time zone cannot skew them), each poll reaches back
// Overlap (default 5 minutes) behind what was covered so Cloud's
// eventually consistent search cannot hide a change, a dedup ledger kept in
// the cursor (pruned below the window) drops what was already emitted,
// results are ordered by time then key and read to the end, and issues
// sharing one millisecond across a page boundary are each emitted once.
// The runtime stores the cursor in the same transaction as the jobs.
// Event IDs are "issue-created:<id>", "issue:<id>#<changelog entry id>"
// (and "issue:<id>#created" for the creation of new_or_updated_issue),
// "comment:<id>@<updated ms>" and "worklog:<id>@<updated ms>": a webhook
// delivery and a poll of one change give the same ID whatever time each
// reports, and two changes in one millisecond give two. Cursors written
// when issue changes were "issue:<id>@<ms>" still recognise those IDs.
//
// Real-time triggers take WebhookOptions and implement trigger.Webhook:
//
//	IssueWebhook          new_or_updated_issue_realtime    -> IssueChange
//	CommentWebhook        new_or_updated_comment_realtime  -> CommentEvent
//	DeletedIssueWebhook   deleted_issue_realtime           -> Issue
//	WorklogWebhook        worklog_realtime                 -> WorklogEvent
//	AnyEventWebhook       any_event_realtime               -> WebhookEvent
//
// When the recipe starts they register their own webhook: an admin webhook
// (/rest/webhooks/1.0/webhook, with a fresh secret; needs the Administer
// Jira global permission) for API token, basic and PAT connections, a
// dynamic webhook (/rest/api/2/webhook, renewed well before its 30-day
// expiry) for OAuth connections. An earlier registration for the same
// callback URL is replaced, not duplicated, and the registration is removed
// when the recipe stops. Deliveries are verified (X-Hub-Signature
// HMAC-SHA256, or the HS256 JWT of OAuth deliveries), re-checked against the
// event types and JQL filter, and carry the same event IDs as the
// reconciliation poll (default every 6 hours), so the runtime keeps one job
// per change. Without Administer Jira, Subscribe fails with
// ErrNoWebhookPermission, whose message names the fallbacks: a polling
// trigger, or connector/webhook's generic trigger with a webhook a Jira
// administrator registers by hand, parsed with ParseWebhookEvent.
//
// # Errors
//
// Every error of a non-2xx answer is this package's own: an *Error
// (Jira's messages, its field errors, the permission a 403 names, and a
// hint saying what to do), a *RateLimitError for a 429 or for a wait
// above the connection's httpx.Options.MaxRetryWait (with the wait and
// Jira's RateLimit-Reason), and, from actions, the explained
// *PermissionError and *NotFoundError below. Test for a kind of failure
// with the sentinels, which all of them match by status: ErrUnauthorized,
// ErrForbidden, ErrNotFound, ErrValidation, ErrConflict, ErrRateLimited,
// ErrRemoved and ErrServer, as in errors.Is(err, jira.ErrNotFound).
// errors.As also finds the HTTP layer's *httpx.StatusError underneath, for
// code that handles every connector's answers alike.
//
// # Permissions
//
// A 403 from an action becomes a *PermissionError: the permission the
// action needs (from Info.Permissions) and whether GET /mypermissions says
// the account has it. It matches ErrForbidden with errors.Is. The
// explain_forbidden action gives the same answer on demand.
//
// A 404 from an action on an issue becomes a *NotFoundError: Jira answers
// 404 both for an issue that does not exist and for one the account may
// not see, so the error says whether mypermissions gives the account
// BROWSE_PROJECTS in the project of the key, and, when it does, that an
// issue security level may hide the issue. It matches ErrNotFound.
// (When the failed request concerned more than the issue, such as a
// comment, the issue is read first: if it is visible, the 404 passes
// through unchanged.)
package jira
