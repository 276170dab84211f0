package main

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/recipe"
)

// Labels the sync reads and writes.
const (
	// labelEscalate asks for an issue to be escalated (set by people).
	labelEscalate = "escalate"
	// labelEscalated marks a support issue that has its copy.
	labelEscalated = "escalated"
	// labelFromSupport marks an engineering copy.
	labelFromSupport = "from-support"
	// originPrefix + the support key is the copy's link back, as a label
	// (searchable with JQL on every Jira).
	originPrefix = "origin-"
	// mirrorMark starts every mirrored comment, so neither side mirrors a
	// mirror even when the connections use different accounts.
	mirrorMark = "[mirrored from "
)

// What the remote links between an issue and its copy say.
const (
	// relEscalatedFrom groups the copy's link to the original.
	relEscalatedFrom = "escalated from"
	// relEscalatedTo groups the original's link to the copy.
	relEscalatedTo = "escalated to"
	// appSupport and appEngineering name the sites in the links.
	appSupport     = "Support Jira"
	appEngineering = "Engineering Jira"
	// linkSummaryOriginal and linkSummaryCopy describe the linked issue.
	linkSummaryOriginal = "The support issue this copy was escalated from"
	linkSummaryCopy     = "The engineering copy of this issue"
)

// statusMap maps an engineering status to the support status it shows as.
// Statuses missing here are not mirrored.
var statusMap = map[string]string{
	"To Do":       "To Do",
	"In Progress": "In Progress",
	"Done":        "Done",
}

// syncSites is what the recipes work on: the support site and project, the
// engineering site and project, and a directory for attachments in transit.
type syncSites struct {
	support, eng *jira.Client
	supProject   string
	engProject   string
	supBrowse    string // support site URL, for links to support issues
	engBrowse    string // engineering site URL, for links to the copies
	tmpDir       string
	poll         jira.PollOptions // Since, PollInterval
	engIssueType string
}

// q quotes s as an expr string literal.
func q(s string) string { return strconv.Quote(s) }

// exprMap renders m as an expr map literal with sorted keys.
func exprMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, q(k)+": "+q(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (s syncSites) opts(project string) jira.PollOptions {
	o := s.poll
	o.Project = project
	// Never react to the sync's own writes: that is what keeps a two-way
	// sync from echoing.
	o.IgnoreOwnChanges = true
	return o
}

// recipes builds the five recipes of the sync, to run in one engine.
func (s syncSites) recipes() ([]*recipe.Recipe, error) {
	var out []*recipe.Recipe
	for _, build := range []func() (*recipe.Recipe, error){s.escalate, s.supportAttachments, s.supportComments, s.engineeringComments, s.engineeringStatus} {
		r, err := build()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// escalate copies a support issue labelled "escalate" into the engineering
// project, with its attachments, the origin label and a remote link back to
// the original, then links the original to the copy, marks it and says
// where the copy is.
func (s syncSites) escalate() (*recipe.Recipe, error) {
	attach := filepath.ToSlash(s.tmpDir) + "/"
	return recipe.New("escalate", s.support.NewOrUpdatedIssue(s.opts(s.supProject)),
		recipe.When(q(labelEscalate)+` in trigger.issue.fields.labels && !(`+q(labelEscalated)+` in trigger.issue.fields.labels)`),
		recipe.InOrder(),
		// Read the issue as it is now: an earlier job may have escalated it
		// since this event was seen.
		recipe.Do("current", s.support.GetIssue(), recipe.Pills{
			"issueKey": `trigger.issue.key`,
			"fields":   `["summary", "description", "priority", "labels", "attachment", "issuetype"]`,
		}),
		recipe.If(`!(`+q(labelEscalated)+` in current.fields.labels)`,
			recipe.Do("copy", s.eng.CreateIssue(), recipe.Pills{
				"project":        q(s.engProject),
				"issueType":      q(s.engIssueType),
				"summary":        `current.fields.summary`,
				"description":    `"Escalated from [" + current.key + "|` + s.supBrowse + `/browse/" + current.key + "] by the support team.\n\n" + current.fields.description`,
				"priority":       `current.fields.priority?.name ?? ""`,
				"labels":         `[` + q(labelFromSupport) + `, ` + q(originPrefix) + ` + current.key]`,
				"idempotencyKey": `"escalate:" + current.id`,
			}),
			// Remote links show each side in the other's "Links" panel. Their
			// global id is the URL, so a job run again updates them instead
			// of adding more. The origin label stays: JQL can search it, a
			// remote link cannot be searched.
			remoteLink("linkBack", s.eng, `copy.key`, s.supBrowse, `current.key`, relEscalatedFrom, appSupport, linkSummaryOriginal),
			remoteLink("linkCopy", s.support, `current.key`, s.engBrowse, `copy.key`, relEscalatedTo, appEngineering, linkSummaryCopy),
			recipe.ForEach("file", `current.fields.attachment`,
				recipe.Do("download", s.support.DownloadAttachment(), recipe.Pills{
					"attachmentId": `item.id`, "path": q(attach) + ` + item.id`,
				}),
				recipe.Do("upload", s.eng.UploadAttachment(), recipe.Pills{
					"issueKey": `copy.key`, "filename": `item.filename`, "path": `download.path`,
				}),
			),
			recipe.Do("mark", s.support.UpdateIssue(), recipe.Pills{
				"issueKey": `current.key`, "addLabels": `[` + q(labelEscalated) + `]`,
			}),
			recipe.Do("tell", s.support.AddComment(), recipe.Pills{
				"issueKey": `current.key`,
				"body":     `"Escalated to engineering as " + copy.key + "; comments and status changes are mirrored."`,
			}),
		),
	)
}

// supportAttachments copies a file attached to an escalated support issue
// to its engineering copy. Jira records the upload in the changelog (field
// "Attachment", the new attachment's id as the new value), which is what
// the trigger sees. The copy is read first and a file already on it with
// the same name and size is skipped, so a job run again, or a file the
// escalation copied already, is not added twice.
func (s syncSites) supportAttachments() (*recipe.Recipe, error) {
	attach := filepath.ToSlash(s.tmpDir) + "/"
	added := `map(filter(trigger.items, .fieldId == "attachment" && .to != ""), .to)`
	return recipe.New("support-attachments", s.support.NewOrUpdatedIssue(s.opts(s.supProject)),
		recipe.When(q(labelEscalated)+` in trigger.issue.fields.labels && any(trigger.items, .fieldId == "attachment" && .to != "")`),
		recipe.InOrder(),
		s.findCopy("found"), s.stopWithoutCopy("found"),
		// Both read now rather than from the search or the event: the
		// search index may lag, and the file may have been removed since.
		recipe.Do("copy", s.eng.GetIssue(), recipe.Pills{
			"issueKey": `found.issues[0].key`, "fields": `["attachment"]`,
		}),
		recipe.Do("current", s.support.GetIssue(), recipe.Pills{
			"issueKey": `trigger.issue.key`, "fields": `["attachment"]`,
		}),
		recipe.ForEach("file", `filter(current.fields.attachment, .id in `+added+`)`,
			recipe.If(`!any(copy.fields.attachment, .filename == item.filename && .size == item.size)`,
				recipe.Do("download", s.support.DownloadAttachment(), recipe.Pills{
					"attachmentId": `item.id`, "path": q(attach) + ` + item.id`,
				}),
				recipe.Do("upload", s.eng.UploadAttachment(), recipe.Pills{
					"issueKey": `copy.key`, "filename": `item.filename`, "path": `download.path`,
				}),
			),
		),
	)
}

// findCopy is a step, named name, that searches for the engineering copy
// of the support issue that triggered the job (the issue labelled with
// its origin).
func (s syncSites) findCopy(name string) recipe.Step {
	return recipe.Do(name, s.eng.SearchIssues(), recipe.Pills{
		"jql":    `"project = ` + s.engProject + ` AND labels = \"` + originPrefix + `" + trigger.issue.key + "\""`,
		"fields": `["summary"]`,
		"limit":  `1`,
	})
}

// stopWithoutCopy ends the job when the findCopy step named name found no
// engineering copy.
func (s syncSites) stopWithoutCopy(name string) recipe.Step {
	return recipe.If(name+`.count == 0`, recipe.Stop(`"no engineering copy of " + trigger.issue.key`))
}

// remoteLink is a step adding, on jc, a remote link from the issue whose
// key the pill from gives to the issue whose key the pill to gives on the
// site at browse. The link's title is that key and the original's summary.
func remoteLink(step string, jc *jira.Client, from, browse, to, relationship, app, summary string) recipe.Step {
	return recipe.Do(step, jc.AddRemoteLink(), recipe.Pills{
		"issueKey":        from,
		"url":             q(browse+"/browse/") + ` + ` + to,
		"title":           to + ` + " " + current.fields.summary`,
		"summary":         q(summary),
		"relationship":    q(relationship),
		"applicationName": q(app),
	})
}

// supportComments mirrors a comment on an escalated support issue to its
// engineering copy.
func (s syncSites) supportComments() (*recipe.Recipe, error) {
	return recipe.New("support-comments", s.support.NewComment(s.opts(s.supProject)),
		recipe.When(q(labelEscalated)+` in trigger.issue.fields.labels && !(trigger.comment.body startsWith `+q(mirrorMark)+`)`),
		recipe.InOrder(),
		s.findCopy("copy"), s.stopWithoutCopy("copy"),
		recipe.Do("mirror", s.eng.AddComment(), recipe.Pills{
			"issueKey": `copy.issues[0].key`,
			"body":     q(mirrorMark) + ` + trigger.issue.key + "] " + trigger.comment.author.displayName + ": " + trigger.comment.body`,
		}),
	)
}

// engineeringComments mirrors a comment on an engineering copy back to the
// support issue it came from.
func (s syncSites) engineeringComments() (*recipe.Recipe, error) {
	origin := `replace(filter(trigger.issue.fields.labels, # startsWith ` + q(originPrefix) + `)[0], ` + q(originPrefix) + `, "")`
	return recipe.New("engineering-comments", s.eng.NewComment(s.opts(s.engProject)),
		recipe.When(`any(trigger.issue.fields.labels, # startsWith `+q(originPrefix)+`) && !(trigger.comment.body startsWith `+q(mirrorMark)+`)`),
		recipe.InOrder(),
		recipe.Do("mirror", s.support.AddComment(), recipe.Pills{
			"issueKey": origin,
			"body":     q(mirrorMark) + ` + trigger.issue.key + "] " + trigger.comment.author.displayName + ": " + trigger.comment.body`,
		}),
	)
}

// engineeringStatus moves the support issue along when its copy's status
// changes, through statusMap.
func (s syncSites) engineeringStatus() (*recipe.Recipe, error) {
	table := exprMap(statusMap)
	origin := `replace(filter(trigger.issue.fields.labels, # startsWith ` + q(originPrefix) + `)[0], ` + q(originPrefix) + `, "")`
	target := table + `[trigger.issue.fields.status.name]`
	return recipe.New("engineering-status", s.eng.UpdatedIssue(s.opts(s.engProject)),
		recipe.When(`any(trigger.issue.fields.labels, # startsWith `+q(originPrefix)+`) && any(trigger.items, .field == "status") && trigger.issue.fields.status.name in keys(`+table+`)`),
		recipe.InOrder(),
		recipe.Do("original", s.support.GetIssue(), recipe.Pills{
			"issueKey": origin, "fields": `["status"]`,
		}),
		recipe.If(`original.fields.status.name != `+target,
			recipe.Do("move", s.support.TransitionIssue(), recipe.Pills{
				"issueKey": `original.key`,
				"to":       target,
				"comment":  `"Engineering moved " + trigger.issue.key + " to " + trigger.issue.fields.status.name + "."`,
			}),
		),
	)
}
