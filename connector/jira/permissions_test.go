package jira

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
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
		if !errors.As(err, &pe) || !errors.Is(err, httpx.ErrForbidden) {
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
