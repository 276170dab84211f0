package jira

import (
	"testing"
)

func TestCommentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[0].Key
		c, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "Thanks! *queued*"})
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || c.Body != "Thanks! *queued*" || c.Author.DisplayName != "Integration Bot" {
			t.Errorf("comment %+v", c)
		}
		_, err = e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "staff only", Visibility: Visibility{Type: "role", Value: "Administrators"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "x", Visibility: Visibility{Type: "team"}}); err == nil {
			t.Error("bad visibility type accepted")
		}
		up, err := e.jc.UpdateComment().Run(ctx, UpdateCommentInput{IssueKey: key, CommentID: c.ID, Body: "edited"})
		if err != nil || up.Body != "edited" {
			t.Errorf("update %+v %v", up, err)
		}
		list, err := e.jc.ListComments().Run(ctx, ListCommentsInput{IssueKey: key, NewestFirst: true})
		if err != nil || len(list) != 2 || list[0].Body != "staff only" || list[0].Visibility == nil {
			t.Errorf("list %+v %v", list, err)
		}
		del, err := e.jc.DeleteComment().Run(ctx, CommentRefInput{IssueKey: key, CommentID: c.ID})
		if err != nil || !del.Deleted || len(e.srv.Comments(key)) != 1 {
			t.Errorf("delete %+v %v, %d left", del, err, len(e.srv.Comments(key)))
		}
	})
}
