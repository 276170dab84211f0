package jira

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// deskEnv adds a HELP project made a service desk with two request types,
// and Bob as its customer.
func deskEnv(t *testing.T, e *env) jiratest.ServiceDesk {
	t.Helper()
	e.srv.AddProject(jiratest.Project{Key: "HELP", Name: "Help desk", Lead: e.id(e.demo.Admin), TypeKey: "service_desk"})
	desk := e.srv.AddServiceDesk(jiratest.ServiceDesk{Project: "HELP", RequestTypes: []jiratest.RequestType{
		{Name: "Get IT help", IssueType: "Task"},
		{Name: "Bug report", IssueType: "Bug", Fields: []jiratest.RequestTypeField{
			{FieldID: "summary", Name: "What went wrong?", Required: true},
			{FieldID: "description", Name: "Steps to reproduce"},
			{FieldID: "priority", Name: "How bad is it?"},
		}},
	}})
	e.srv.AddCustomer(desk.ID, e.id(e.demo.Bob))
	return desk
}

func TestServiceDeskLookups(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		desk := deskEnv(t, e)
		desks, err := e.jc.ListServiceDesks().Run(ctx, ListServiceDesksInput{})
		require.NoError(t, err)
		require.Len(t, desks, 1)
		assert.Equal(t, desk.ID, desks[0].ID)
		assert.Equal(t, "HELP", desks[0].ProjectKey)

		one, _, err := e.jc.ServiceDesk.Get(ctx, desk.ID)
		require.NoError(t, err)
		assert.Equal(t, desks[0], one)

		types, err := e.jc.ListRequestTypes().Run(ctx, ServiceDeskInput{ServiceDeskID: desk.ID})
		require.NoError(t, err)
		require.Len(t, types, 2)
		assert.Equal(t, "Bug report", types[1].Name)
		rt, _, err := e.jc.ServiceDesk.RequestType(ctx, desk.ID, types[1].ID)
		require.NoError(t, err)
		assert.Equal(t, types[1], rt)

		fields, err := e.jc.GetRequestTypeFields().Run(ctx, RequestTypeInput{ServiceDeskID: desk.ID, RequestTypeID: types[1].ID})
		require.NoError(t, err)
		require.Len(t, fields.Fields, 3)
		assert.Equal(t, "summary", fields.Fields[0].FieldID)
		assert.True(t, fields.Fields[0].Required)
		assert.True(t, fields.CanRaiseOnBehalfOf, "the administrator is an agent")

		_, err = e.jc.ListRequestTypes().Run(ctx, ServiceDeskInput{ServiceDeskID: "HELP"})
		var inv *action.ValidationError
		require.ErrorAs(t, err, &inv, "a project key is not a desk id")

		_, err = e.jc.ListRequestTypes().Run(ctx, ServiceDeskInput{ServiceDeskID: "999"})
		require.ErrorIs(t, err, ErrNotFound)

		// The customer list is experimental: the client opts in.
		require.NoError(t, func() error { _, err := e.jc.ServiceDesk.AddCustomers(ctx, desk.ID, e.id(e.demo.Alice)); return err }())
		customers, _, err := e.jc.ServiceDesk.Customers(ctx, desk.ID, PageOptions{})
		require.NoError(t, err)
		require.Len(t, customers, 2)
		assert.Equal(t, e.id(e.demo.Bob), customers[0].ID())
	})
}

func TestServiceDeskExperimentalEndpointsNeedTheOptIn(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	desk := deskEnv(t, e)
	req, err := e.jc.NewRequest(ctx, "GET", "/rest/servicedeskapi/servicedesk/"+desk.ID+"/customer", nil, nil)
	require.NoError(t, err)
	_, err = e.jc.Do(req, nil)
	var je *Error
	require.ErrorAs(t, err, &je)
	assert.Equal(t, http.StatusPreconditionFailed, je.StatusCode)
	assert.Contains(t, err.Error(), "X-ExperimentalApi")
}

func TestCustomerRequestLifecycle(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		desk := deskEnv(t, e)
		bug := desk.RequestTypes[1].ID
		bob := e.id(e.demo.Bob)

		r, err := e.jc.CreateCustomerRequest().Run(ctx, CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: bug,
			Summary: "Export crashes", Description: "Click export, see the error", Fields: map[string]any{"priority": map[string]any{"name": "High"}}, OnBehalfOf: bob})
		require.NoError(t, err)
		assert.Equal(t, bob, r.Reporter.ID(), "raised on behalf of the customer")
		assert.Equal(t, "Export crashes", r.Summary())
		assert.Equal(t, desk.ID, r.ServiceDeskID)
		assert.Equal(t, "NEW", r.CurrentStatus.StatusCategory)
		is, ok := e.srv.Issue(r.IssueKey)
		require.True(t, ok)
		assert.Equal(t, "Bug", is.IssueType)
		assert.Equal(t, "High", is.Priority)
		assert.Contains(t, mustJSON(t, is.Properties[EffectProperty]), `"key":"rk-`, "outside a recipe the request still records a fresh effect key")

		// Bad input never reaches Jira; Jira's refusals are typed.
		_, err = e.jc.CreateCustomerRequest().Run(ctx, CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: bug})
		var inv *action.ValidationError
		require.ErrorAs(t, err, &inv)
		assert.Equal(t, "summary", inv.Field)
		_, err = e.jc.CreateCustomerRequest().Run(ctx, CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: bug, Summary: "x", Fields: map[string]any{"labels": []string{"a"}}})
		require.ErrorIs(t, err, ErrValidation)
		assert.Contains(t, err.Error(), "labels")

		pub, err := e.jc.AddRequestComment().Run(ctx, AddRequestCommentInput{IssueKey: r.IssueKey, Body: "We are on it."})
		require.NoError(t, err)
		assert.True(t, pub.Public)
		internal, err := e.jc.AddRequestComment().Run(ctx, AddRequestCommentInput{IssueKey: r.IssueKey, Body: "Looks like the CSV writer.", Internal: true})
		require.NoError(t, err)
		assert.False(t, internal.Public)
		public, ok := e.srv.CommentIsPublic(r.IssueKey, internal.ID)
		require.True(t, ok)
		assert.False(t, public, "the internal comment stays internal in Jira")

		// The servicedeskapi's own comment resource marks internal
		// comments with "public": false.
		viaSD, _, err := e.jc.ServiceDesk.AddComment(ctx, r.IssueKey, "Agents only, via servicedeskapi.", false)
		require.NoError(t, err)
		assert.False(t, viaSD.Public)
		public, ok = e.srv.CommentIsPublic(r.IssueKey, viaSD.ID)
		require.True(t, ok)
		assert.False(t, public)

		all, err := e.jc.ListRequestComments().Run(ctx, ListRequestCommentsInput{IssueKey: r.IssueKey})
		require.NoError(t, err)
		require.Len(t, all, 3)
		assert.Equal(t, []bool{true, false, false}, []bool{all[0].Public, all[1].Public, all[2].Public})
		// The customer sees only the public one.
		asBob := e.client(t, e.demo.Bob)
		seen, err := asBob.ListRequestComments().Run(ctx, ListRequestCommentsInput{IssueKey: r.IssueKey})
		require.NoError(t, err)
		require.Len(t, seen, 1)
		assert.Equal(t, "We are on it.", seen[0].Body)

		slas, err := e.jc.GetRequestSLAs().Run(ctx, RequestKeyInput{IssueKey: r.IssueKey})
		require.NoError(t, err)
		require.Len(t, slas, 2)
		assert.Equal(t, "Time to first response", slas[0].Name)
		require.Len(t, slas[0].CompletedCycles, 1, "the agent's public comment met the first response goal")
		assert.Nil(t, slas[0].OngoingCycle)
		require.NotNil(t, slas[1].OngoingCycle, "resolution still runs")
		assert.Equal(t, (24 * time.Hour).Milliseconds(), slas[1].OngoingCycle.GoalDuration.Millis)

		res, err := e.jc.TransitionRequest().Run(ctx, TransitionRequestInput{IssueKey: r.IssueKey, Transition: "done", Comment: "Fixed in 1.2."})
		require.NoError(t, err)
		assert.Equal(t, "Done", res.Status.Status)
		assert.Equal(t, "DONE", res.Status.StatusCategory)
		st, err := e.jc.GetRequestStatus().Run(ctx, RequestKeyInput{IssueKey: r.IssueKey})
		require.NoError(t, err)
		assert.Equal(t, "Done", st.Current.Status)
		require.Len(t, st.History, 2)
		assert.Equal(t, "To Do", st.History[1].Status)
		_, err = e.jc.TransitionRequest().Run(ctx, TransitionRequestInput{IssueKey: r.IssueKey, Transition: "Done"})
		require.Error(t, err, "a request already done has no Done transition")
		assert.False(t, action.IsRetryable(err))
		comments := e.srv.Comments(r.IssueKey)
		assert.Equal(t, "Fixed in 1.2.", comments[len(comments)-1].Body)

		got, err := asBob.GetCustomerRequest().Run(ctx, RequestKeyInput{IssueKey: r.IssueKey})
		require.NoError(t, err)
		assert.Equal(t, r.IssueKey, got.IssueKey)
		_, err = asBob.GetRequestSLAs().Run(ctx, RequestKeyInput{IssueKey: r.IssueKey})
		require.ErrorIs(t, err, ErrForbidden, "SLAs are for agents")
	})
}

// TestServiceDeskWritesLandOnce: a create or comment whose answer is lost
// is found by its effect key instead of being sent again, and a retried
// step run finds the earlier attempt's change.
func TestServiceDeskWritesLandOnce(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		desk := deskEnv(t, e)
		in := CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: desk.RequestTypes[0].ID, Summary: "VPN is down"}
		run := action.WithEffect(ctx, action.Effect{Key: "rk-create-1", Attempt: 1, Since: time.Now()})
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/servicedeskapi/request", LoseResponse: jiratest.FaultRate{Next: 1}})
		r, err := e.jc.CreateCustomerRequest().Run(run, in)
		e.srv.SetFaults(jiratest.Faults{})
		require.NoError(t, err)
		require.Len(t, e.srv.CustomerRequests(desk.ID), 1, "the lost answer did not raise a second request")
		assert.Equal(t, "VPN is down", r.Summary())

		retry := action.WithEffect(ctx, action.Effect{Key: "rk-create-1", Attempt: 2, MayExist: true, Since: time.Now().Add(-time.Minute)})
		again, err := e.jc.CreateCustomerRequest().Run(retry, in)
		require.NoError(t, err)
		assert.Equal(t, r.IssueKey, again.IssueKey)
		other := action.WithEffect(ctx, action.Effect{Key: "rk-create-2", Attempt: 2, MayExist: true, Since: time.Now().Add(-time.Minute)})
		second, err := e.jc.CreateCustomerRequest().Run(other, in)
		require.NoError(t, err)
		assert.NotEqual(t, r.IssueKey, second.IssueKey, "another step run's request is not mistaken for this one's")
		require.Len(t, e.srv.CustomerRequests(desk.ID), 2)

		cin := AddRequestCommentInput{IssueKey: r.IssueKey, Body: "Internal note", Internal: true}
		crun := action.WithEffect(ctx, action.Effect{Key: "rk-comment-1", Attempt: 1, Since: time.Now()})
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue/" + r.IssueKey + "/comment", GatewayTimeout: jiratest.FaultRate{Next: 1}})
		cm, err := e.jc.AddRequestComment().Run(crun, cin)
		e.srv.SetFaults(jiratest.Faults{})
		require.NoError(t, err)
		_, err = e.jc.AddRequestComment().Run(action.WithEffect(ctx, action.Effect{Key: "rk-comment-1", Attempt: 2, MayExist: true, Since: time.Now().Add(-time.Minute)}), cin)
		require.NoError(t, err)
		require.Len(t, e.srv.Comments(r.IssueKey), 1, "one comment however the attempts went")
		public, _ := e.srv.CommentIsPublic(r.IssueKey, cm.ID)
		assert.False(t, public)
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestServiceDeskShapes decodes the documented shapes in
// testdata/servicedesk with the connector's types, and checks that the
// simulator's answers carry every field they have.
func TestServiceDeskShapes(t *testing.T) {
	read := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join("testdata", "servicedesk", name))
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), name)
		return m
	}
	decode := func(name string, v any) {
		b, err := os.ReadFile(filepath.Join("testdata", "servicedesk", name))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, v), name)
	}
	var desks sdPage[ServiceDesk]
	decode("servicedesks.json", &desks)
	assert.Equal(t, "ITH", desks.Values[0].ProjectKey)
	assert.True(t, desks.IsLastPage)
	var types sdPage[RequestType]
	decode("requesttypes.json", &types)
	assert.Equal(t, "12345", types.Values[0].IssueTypeID)
	var fields RequestTypeFields
	decode("requesttype_fields.json", &fields)
	assert.Equal(t, "Web", fields.Fields[1].ValidValues[0].Value)
	assert.Equal(t, int64(10001), fields.Fields[1].JiraSchema.CustomID)
	var req CustomerRequest
	decode("request.json", &req)
	assert.Equal(t, "Request JSD help via REST", req.Summary())
	assert.Equal(t, time.UnixMilli(1444287900000).UTC(), req.CreatedDate.Time())
	assert.Equal(t, "Fred F. User", req.Reporter.DisplayName)
	var cm RequestComment
	decode("comment.json", &cm)
	assert.True(t, cm.Public)
	var statuses sdPage[RequestStatus]
	decode("statuses.json", &statuses)
	assert.Equal(t, "INDETERMINATE", statuses.Values[0].StatusCategory)
	var slas sdPage[SLA]
	decode("slas.json", &slas)
	assert.Equal(t, int64(14400000), slas.Values[0].OngoingCycle.GoalDuration.Millis)
	require.NotNil(t, slas.Values[0].CompletedCycles[0].StopTime)

	bothModes(t, func(t *testing.T, e *env) {
		desk := deskEnv(t, e)
		r, err := e.jc.CreateCustomerRequest().Run(ctx, CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: desk.RequestTypes[1].ID, Summary: "Shape", Description: "Body"})
		require.NoError(t, err)
		get := func(path string) map[string]any {
			var m map[string]any
			_, err := e.jc.ServiceDesk.call(ctx, "GET", path, nil, nil, &m)
			require.NoError(t, err, path)
			return m
		}
		users := map[string]bool{"reporter": true, "author": true} // accountId on Cloud, name and key on Data Center
		cases := []struct {
			fixture, path string
		}{
			{"servicedesks.json", "/rest/servicedeskapi/servicedesk"},
			{"requesttypes.json", "/rest/servicedeskapi/servicedesk/" + desk.ID + "/requesttype"},
			{"request.json", "/rest/servicedeskapi/request/" + r.IssueKey},
			{"statuses.json", "/rest/servicedeskapi/request/" + r.IssueKey + "/status"},
			{"slas.json", "/rest/servicedeskapi/request/" + r.IssueKey + "/sla"},
		}
		for _, c := range cases {
			missing := sdMissingKeys(read(c.fixture), get(c.path), "", users)
			assert.Empty(t, missing, "%s: the simulator's %s lacks fields the documentation shows", c.fixture, c.path)
		}
		_, err = e.jc.AddRequestComment().Run(ctx, AddRequestCommentInput{IssueKey: r.IssueKey, Body: "Answer"})
		require.NoError(t, err)
		fl := get("/rest/servicedeskapi/servicedesk/" + desk.ID + "/requesttype/" + desk.RequestTypes[1].ID + "/field")
		assert.Empty(t, sdMissingKeys(read("requesttype_fields.json")["requestTypeFields"].([]any)[0].(map[string]any), fl["requestTypeFields"].([]any)[0].(map[string]any), "", users))
		comments := get("/rest/servicedeskapi/request/" + r.IssueKey + "/comment")
		assert.Empty(t, sdMissingKeys(read("comment.json"), comments["values"].([]any)[0].(map[string]any), "", users))
	})
}

// sdMissingKeys lists the keys of doc (recursively, arrays by their first
// element) that got lacks. Keys under the user objects named in shallow
// are compared by name only where both modes share them.
func sdMissingKeys(doc, got map[string]any, at string, shallow map[string]bool) []string {
	var out []string
	for k, dv := range doc {
		if k == "_expands" && at != "" {
			continue
		}
		gv, ok := got[k]
		if !ok {
			if shallow[lastSeg(at)] && (k == "accountId" || k == "_links") {
				continue
			}
			out = append(out, at+"."+k)
			continue
		}
		if shallow[k] {
			sub, _ := dv.(map[string]any)
			gsub, _ := gv.(map[string]any)
			for _, common := range []string{"displayName", "active", "timeZone", "emailAddress"} {
				if _, in := sub[common]; in {
					if _, has := gsub[common]; !has {
						out = append(out, at+"."+k+"."+common)
					}
				}
			}
			continue
		}
		switch d := dv.(type) {
		case map[string]any:
			if g, ok := gv.(map[string]any); ok {
				out = append(out, sdMissingKeys(d, g, at+"."+k, shallow)...)
			}
		case []any:
			g, _ := gv.([]any)
			if len(d) > 0 && len(g) > 0 {
				dm, ok1 := d[0].(map[string]any)
				gm, ok2 := g[0].(map[string]any)
				if ok1 && ok2 {
					out = append(out, sdMissingKeys(dm, gm, at+"."+k+"[0]", shallow)...)
				}
			}
		}
	}
	return out
}

func lastSeg(at string) string {
	for i := len(at) - 1; i >= 0; i-- {
		if at[i] == '.' {
			return at[i+1:]
		}
	}
	return at
}
