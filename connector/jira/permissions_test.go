package jira

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
)

func TestPermissionActionsAndForbiddenExplained(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		perms, err := e.jc.MyPermissions().Run(ctx, MyPermissionsInput{ProjectKey: "DEMO", Permissions: []string{"CREATE_ISSUES", "ADD_COMMENTS"}})
		if err != nil || len(perms) != 2 || !perms[0].HavePermission {
			t.Errorf("mine %+v %v", perms, err)
		}
		key := e.demo.Issues[0].Key
		e.srv.SetPermission("DEMO", e.id(e.demo.Bob), "BROWSE_PROJECTS")
		bob := e.client(t, e.demo.Bob)
		_, err = bob.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "hi"})
		var pe *PermissionError
		if !errors.As(err, &pe) || !errors.Is(err, ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if pe.Permission != "ADD_COMMENTS" || !pe.Checked || pe.HasPermission || pe.Scope.IssueKey != key || action.IsRetryable(err) {
			t.Errorf("permission error %+v", pe)
		}
		if !strings.Contains(err.Error(), "needs the ADD_COMMENTS permission in issue "+key) || !strings.Contains(err.Error(), "does NOT have it") {
			t.Errorf("message: %v", err)
		}
		rep, err := bob.ExplainForbidden().Run(ctx, ExplainForbiddenInput{Action: "add_comment", IssueKey: key})
		if err != nil || !slices.Equal(rep.Missing, []string{"ADD_COMMENTS"}) || !strings.Contains(rep.Explanation, "lacks ADD_COMMENTS") {
			t.Errorf("explain %+v %v", rep, err)
		}
		if _, err := bob.ExplainForbidden().Run(ctx, ExplainForbiddenInput{Action: "fly"}); err == nil {
			t.Error("unknown action accepted")
		}
	})
}

// TestActionInputsNameTheirPermissionScope pins where each action input
// says it acts, which decides the scope a 403 or 404 is explained in.
func TestActionInputsNameTheirPermissionScope(t *testing.T) {
	issue := PermissionScope{IssueKey: "DEMO-1"}
	project := PermissionScope{ProjectKey: "DEMO"}
	for _, c := range []struct {
		in   any
		want PermissionScope
	}{
		{IssueKeyInput{IssueKey: "DEMO-1"}, issue},
		{UpdateIssueInput{IssueKey: "DEMO-1"}, issue},
		{GetIssueInput{IssueKey: "DEMO-1"}, issue},
		{DeleteIssueInput{IssueKey: "DEMO-1"}, issue},
		{AssignIssueInput{IssueKey: "DEMO-1"}, issue},
		{TransitionIssueInput{IssueKey: "DEMO-1"}, issue},
		{ChangelogInput{IssueKey: "DEMO-1"}, issue},
		{AddCommentInput{IssueKey: "DEMO-1"}, issue},
		{UpdateCommentInput{IssueKey: "DEMO-1"}, issue},
		{CommentRefInput{IssueKey: "DEMO-1"}, issue},
		{ListCommentsInput{IssueKey: "DEMO-1"}, issue},
		{UploadAttachmentInput{IssueKey: "DEMO-1"}, issue},
		{AddWorklogInput{IssueKey: "DEMO-1"}, issue},
		{WatcherInput{IssueKey: "DEMO-1"}, issue},
		{AddRemoteLinkInput{IssueKey: "DEMO-1"}, issue},
		{ListRemoteLinksInput{IssueKey: "DEMO-1"}, issue},
		{LinkIssuesInput{OutwardIssue: "DEMO-1", InwardIssue: "DEMO-2"}, issue},
		{CreateIssueInput{Project: "DEMO"}, project},
		{IssueSchemaInput{Project: "DEMO"}, project},
		{ProjectInput{Project: "DEMO"}, project},
		{ProjectKeyInput{ProjectKey: "DEMO"}, project},
		{UpdateProjectInput{ProjectKey: "DEMO"}, project},
		{VersionInput{Project: "DEMO"}, project},
		{ComponentInput{Project: "DEMO"}, project},
		{AssignableUsersInput{Project: "DEMO", IssueKey: "DEMO-1"}, PermissionScope{ProjectKey: "DEMO", IssueKey: "DEMO-1"}},
		{DownloadAttachmentInput{AttachmentID: "10000"}, PermissionScope{}},
		{FindUsersInput{Query: "alice"}, PermissionScope{}},
		{SearchIssuesInput{JQL: "project = DEMO"}, PermissionScope{}},
		{NoInput{}, PermissionScope{}},
		{"DEMO-1", PermissionScope{}},
	} {
		if got := permissionScope(c.in); got != c.want {
			t.Errorf("%T: scope %+v, want %+v", c.in, got, c.want)
		}
	}
}
