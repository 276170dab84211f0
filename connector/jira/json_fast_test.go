package jira

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/internal/testshared"
)

// Users as Cloud and Data Center send them, with the avatar URLs escaped
// the way Go's encoder (and so the simulator) writes them.
const (
	cloudUserJSON = `{"accountId":"5b10ac8d82e05b22cc7d4ef5","accountType":"atlassian","active":true,` +
		`"avatarUrls":{"16x16":"https://x/secure/useravatar?ownerId=5b10\u0026size=16","48x48":"https://x/secure/useravatar?ownerId=5b10\u0026size=48"},` +
		`"displayName":"Integration Bot","self":"https://x/rest/api/2/user?accountId=5b10ac8d82e05b22cc7d4ef5","timeZone":"America/New_York"}`
	dcUserJSON = `{"self":"https://jira.example.com/rest/api/2/user?username=fred","name":"fred","key":"JIRAUSER10000",` +
		`"emailAddress":"fred@example.com","avatarUrls":{"48x48":"https://jira.example.com/secure/useravatar?size=large&ownerId=fred"},` +
		`"displayName":"Fred F. User","active":true,"timeZone":"Australia/Sydney","locale":"en_AU"}`
)

// commentCases are comments in Jira's shapes and in the shapes that must
// take encoding/json's path or fail.
var commentCases = []string{
	`{"author":` + cloudUserJSON + `,"body":"Thanks! DEMO-1 \"Printer\" is queued.","created":"2026-12-04T17:50:19.647-0500","id":"10000","jsdPublic":true,` +
		`"self":"https://x/rest/api/2/issue/10005/comment/10000","updateAuthor":` + cloudUserJSON + `,"updated":"2026-12-04T17:50:19.647-0500"}`,
	`{"self":"https://jira.example.com/rest/api/2/issue/10010/comment/10000","id":"10000","author":` + dcUserJSON + `,"body":"Lorem ipsum\r\n\tdolor",` +
		`"updateAuthor":` + dcUserJSON + `,"created":"2013-05-21T10:15:17.150+1000","updated":"2013-05-21T10:15:17.150+1000","visibility":{"type":"role","value":"Administrators"}}`,
	`{"id":"1","body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"in ADF"}]}]},"renderedBody":"<p>in ADF</p>"}`,
	`{"id":"2","body":null,"properties":[{"key":"recipekit.effect","value":{"key":"abc","n":[1,2.5,null]}}],"unknown":{"deep":[{"x":"\u00e9\ud83d\ude00"}]}}`,
	`{"id":"3","author":{"displayName":"\ud83d\ude00 smiles","name":"caf\u00e9 \\ \/ \b\f\n\r\t"},"updateAuthor":null,"body":"tab\there"}`,
	`{"id":"4","author":{"avatarUrls":null},"updateAuthor":{"avatarUrls":{}},"visibility":null,"created":null,"updated":"2024-02-01"}`,
	"{\"id\":\"5\",\"body\":\"bad \xff utf-8\",\"author\":{\"displayName\":\"bad \xfe\"}}",
	`{"id":"6","author":{"active":true,"name":"first"},"author":{"name":"second"},"body":"one","body":"two"}`,
	` { "id" : "7" , "body" : "spaced" , "author" : { "name" : "s" } } `,
	`null`,
	`{}`,
	// Shapes encoding/json reads its own way or refuses.
	`{"Body":"case differs","ID":"8"}`,
	`{"author":{"DisplayName":"case differs"}}`,
	`{"author":{"avatarUrls":{"16x16":null}}}`,
	`{"id":10000}`,
	`{"jsdPublic":"yes"}`,
	`{"created":1700000000000}`,
	`{"created":"soon"}`,
	`{"author":{"active":1}}`,
	`{"author":"nobody"}`,
	`{"body":"\ud800 lone surrogate"}`,
	`[]`,
	`"comment"`,
}

// brokenJSON are objects that are not valid JSON although their members
// can be delimited; decoding them must fail, whatever the member holds.
var brokenJSON = []string{
	`{"summary":tru,"body":tru}`,
	`{"votes":01}`,
	`{"customfield_1":-Inf}`,
	`{"customfield_1":0x10}`,
	`{"customfield_1":1.}`,
	`{"zzz":+1}`,
	`{"creator":{"active":True},"author":{"active":True}}`,
	`{"labels":["a",],"author":{"avatarUrls":{"a":"b",}}}`,
	`{"description":{"a":1,},"body":{"a":1,}}`,
	`{"summary":"a" "b"}`,
	"{\"summary\":\"ctl \x01\",\"body\":\"ctl \x01\"}",
	`{"issuetype":{"name":"x"]},"author":{"name":"x"]}}`,
	`{"status":{"statusCategory":{"id":1e}},"author":{"x":1e}}`,
	`{"summary":"a"} trailing`,
	`{"created":"2024-01-02T03:04:05.000+0000" "x"}`,
	`{"x":"\q"}`,
}

func TestCommentDecodeMatchesStandard(t *testing.T) {
	for i, in := range commentCases {
		checkCommentAgainstStandard(t, i, []byte(in))
	}
	t.Run("samples", func(t *testing.T) {
		for i, in := range sampleComments(t) {
			checkCommentAgainstStandard(t, i, []byte(in))
		}
	})
}

// checkCommentAgainstStandard checks that Comment.UnmarshalJSON, called by
// encoding/json and directly, gives what the standard decoding gives.
func checkCommentAgainstStandard(t *testing.T, i int, in []byte) {
	t.Helper()
	var want Comment
	wantErr := want.decodeStd(in)
	var got Comment
	gotErr := json.Unmarshal(in, &got)
	if (wantErr == nil) != (gotErr == nil) || wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("case %d %.80q:\n got  %+v, %v\n want %+v, %v", i, in, got, gotErr, want, wantErr)
	}
	var direct Comment
	if err := direct.UnmarshalJSON(in); (err == nil) != (wantErr == nil) || err == nil && !reflect.DeepEqual(direct, want) {
		t.Errorf("case %d %.80q: direct call gave %+v, %v", i, in, direct, err)
	}
}

func TestJiraShapesTakeTheFastPath(t *testing.T) {
	// The shapes the simulator and Jira send must not fall back to
	// encoding/json, or every job pays for reflection again.
	for i, in := range commentCases[:9] {
		var c Comment
		if !c.decodeFast([]byte(in)) {
			t.Errorf("comment case %d fell back: %.80q", i, in)
		}
	}
	fields := []string{
		`{"summary":"Printer 1 on fire","assignee":null,"components":[],"created":"2026-12-04T16:50:19.646-0500","creator":` + cloudUserJSON + `,` +
			`"customfield_10000":null,"description":null,"duedate":null,"environment":null,"fixVersions":[],"issuelinks":[],` +
			`"issuetype":{"avatarId":10300,"description":"A small, distinct piece of work.","hierarchyLevel":0,"iconUrl":"https://x/task.svg","id":"10001","name":"Task","self":"https://x/rest/api/2/issuetype/10001","subtask":false},` +
			`"labels":[],"priority":{"iconUrl":"https://x/medium.svg","id":"3","name":"Medium","self":"https://x/rest/api/2/priority/3"},` +
			`"project":{"avatarUrls":{"16x16":"https://x/a?s=16"},"id":"10001","key":"BENCH","name":"BENCH","projectTypeKey":"software","self":"https://x/rest/api/2/project/10001","simplified":false},` +
			`"reporter":` + cloudUserJSON + `,"resolution":null,"resolutiondate":null,"security":null,` +
			`"status":{"description":"","iconUrl":"https://x/generic.png","id":"10000","name":"To Do","self":"https://x/rest/api/2/status/10000","statusCategory":{"colorName":"blue-gray","id":2,"key":"new","name":"To Do","self":"https://x/rest/api/2/statuscategory/2"}},` +
			`"statuscategorychangedate":"2026-12-04T16:50:19.646-0500","subtasks":[],"updated":"2026-12-04T16:50:19.646-0500","versions":[],` +
			`"votes":{"hasVoted":false,"self":"https://x/rest/api/2/issue/BENCH-1/votes","votes":0},"watches":{"isWatching":true,"self":"https://x/watchers","watchCount":1}}`,
		`{"summary":"DC issue","assignee":` + dcUserJSON + `,"reporter":` + dcUserJSON + `,"resolution":{"self":"https://jira.example.com/rest/api/2/resolution/1","id":"1","description":"Fixed.","name":"Fixed"},` +
			`"resolutiondate":"2018-04-20T09:24:52.300+0300","labels":["ops","night"],"customfield_10100":{"value":"S1","id":"10200"},"customfield_10101":4.5,"timeestimate":null}`,
		issueFieldsOf(t, issueJSON),
	}
	for i, in := range fields {
		var f issueFieldsJSON
		if !f.decodeFast([]byte(in)) {
			t.Errorf("fields case %d fell back: %.80q", i, in)
		}
		checkFieldsAgainstReference(t, i, []byte(in))
	}
}

// TestFastPathReadsEveryTypedField fails when a field is added to
// IssueFields without a case in issueFieldsJSON.member, which would send
// every issue holding it down encoding/json's path.
func TestFastPathReadsEveryTypedField(t *testing.T) {
	for _, name := range issueFieldsCodec().names {
		var f issueFieldsJSON
		if !f.decodeFast([]byte(`{"` + name + `":null}`)) {
			t.Errorf("the fast path does not read %q", name)
		}
	}
}

func TestBrokenJSONIsRefused(t *testing.T) {
	for _, in := range brokenJSON {
		if json.Valid([]byte(in)) {
			t.Fatalf("%q is valid JSON: not a case for this test", in)
		}
		var f IssueFields
		if err := f.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("IssueFields accepted %q: %+v", in, f)
		}
		var c Comment
		if err := c.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("Comment accepted %q: %+v", in, c)
		}
		// A search page keeps each issue's JSON as its record: a broken
		// issue must fail the page, not reach a job.
		var res SearchResult
		var raw []json.RawMessage
		page := `{"issues":[{"id":"1","key":"A-1","fields":` + in + `}]}`
		if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept([]byte(page)); err == nil {
			t.Errorf("a search page with fields %q decoded", in)
		}
	}
}

func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`plain`, `caf\u00e9`, `\u0026\u003c\u003e`, `\"\\\/\b\f\n\r\t`, `\u0000`, `\uFFFD\uffff`, `é ✓ 😀`,
		`\ud83d\ude00`, `\ud800`, "\xff", `\x`, `\u12`, `\u12G4`, "ctl \x1f", `end\`, strings.Repeat(`long\n`, 100),
	} {
		var want string
		wantErr := json.Unmarshal([]byte(`"`+in+`"`), &want)
		got, ok := unquote([]byte(in))
		if ok && (wantErr != nil || got != want) {
			t.Errorf("unquote(%q) = %q, encoding/json %q, %v", in, got, want, wantErr)
		}
		var s string
		if fastString([]byte(`"`+in+`"`), &s) != (wantErr == nil) || s != want {
			t.Errorf("fastString(%q) = %q, encoding/json %q, %v", in, s, want, wantErr)
		}
	}
}

func TestScalarsMatchEncodingJSON(t *testing.T) {
	for _, in := range []string{`0`, `-0`, `7`, `-12`, `01`, `-`, `1.5`, `1.`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `-1.5e-3`, `+1`,
		`123456789012345678`, `1234567890123456789`, `0x10`, `Inf`, `1_000`, `12a`} {
		if got, want := validNumber([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("validNumber(%q) = %v, json.Valid %v", in, got, want)
		}
		var want, got int
		wantErr := json.Unmarshal([]byte(in), &want)
		if fastInt([]byte(in), &got) && (wantErr != nil || got != want) {
			t.Errorf("fastInt(%q) = %d, encoding/json %d, %v", in, got, want, wantErr)
		}
	}
	users := codecOf(reflect.TypeFor[User]())
	for _, k := range []string{"displayName", "DISPLAYNAME", "displayname", "displayNam", "displayNamf", "[ccountId", "accountid",
		"\u212aey", "\u017felf", "k\u00e9y", "d\u0131splayName", strings.Repeat("x", 100)} {
		want := false
		for _, n := range users.names {
			want = want || strings.EqualFold(k, n)
		}
		if got := users.matchesFolded([]byte(k)); got != want {
			t.Errorf("matchesFolded(%q) = %v, strings.EqualFold %v", k, got, want)
		}
	}
}

func FuzzCommentDecode(f *testing.F) {
	for _, c := range append(commentCases, brokenJSON...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			var c Comment
			if c.UnmarshalJSON(in) == nil {
				t.Fatalf("accepted invalid JSON %q", in)
			}
			return
		}
		checkCommentAgainstStandard(t, 0, in)
	})
}

// FuzzFieldsFastPath checks the fast path of issue fields against the
// standard decoding, and that it never accepts invalid JSON.
func FuzzFieldsFastPath(f *testing.F) {
	for _, c := range append(fieldsCases, brokenJSON...) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var fast issueFieldsJSON
		if !fast.decodeFast(in) {
			return
		}
		if !json.Valid(in) {
			t.Fatalf("accepted invalid JSON %q", in)
		}
		var want IssueFields
		if err := want.decodeStd(in); err != nil || !reflect.DeepEqual(IssueFields(fast), want) {
			t.Fatalf("%q:\n fast %+v\n std  %+v, %v", in, IssueFields(fast), want, err)
		}
	})
}

// issueFieldsOf returns the fields member of an issue.
func issueFieldsOf(t *testing.T, issue string) string {
	t.Helper()
	var is struct {
		Fields json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal([]byte(issue), &is); err != nil {
		t.Fatal(err)
	}
	return string(is.Fields)
}

// sampleComments returns the comments of the shared samples (webhook
// deliveries, REST examples; Cloud and Server), as their files hold them.
func sampleComments(t *testing.T) []string {
	dir := testshared.Path(t, "jira", "samples")
	var out []string
	var collect func(v json.RawMessage)
	collect = func(v json.RawMessage) {
		switch v[0] {
		case '{':
			var m map[string]json.RawMessage
			_ = json.Unmarshal(v, &m)
			if m["body"] != nil && m["id"] != nil && (m["author"] != nil || m["updateAuthor"] != nil) {
				out = append(out, string(v))
			}
			for _, e := range m {
				collect(e)
			}
		case '[':
			var a []json.RawMessage
			_ = json.Unmarshal(v, &a)
			for _, e := range a {
				collect(e)
			}
		}
	}
	for _, sub := range []string{"spec-examples-v2", "webhooks-jenkinsci-jira-trigger-plugin"} {
		files, err := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b = bytes.TrimSpace(b); json.Valid(b) {
				collect(b)
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %d comments in %s", len(out), dir)
	}
	return out
}

// A search answer is kept issue by issue as job records: one that is not a
// single JSON object (or null) must fail, as json.Unmarshal would.
func TestSearchPageRefusesWhatIsNotOneObject(t *testing.T) {
	for _, page := range []string{`{"issues":[]} x`, `{"issues":[]}}`, `{"total":1}{`, `{"issues":[{"id":"1"}]}[`, `nope`, `nullx`, `null null`, `{"issues":[],"warningMessages":[nope]}`, `{"x":nul,"issues":[]}`} {
		if json.Valid([]byte(page)) {
			t.Fatalf("%q is valid JSON: not a case for this test", page)
		}
		var res SearchResult
		var raw []json.RawMessage
		if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept([]byte(page)); err == nil {
			t.Errorf("the search answer %q decoded", page)
		}
	}
	for _, page := range []string{`null`, ` {"issues":[{"id":"1"}]} `} {
		var res SearchResult
		var raw []json.RawMessage
		if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept([]byte(page)); err != nil {
			t.Errorf("the search answer %q: %v", page, err)
		}
	}
}

// json.Unmarshal decodes an issue's member whose name differs only in case
// (or by a Unicode fold) into that member: a search page does the same.
func TestSearchPageMatchesIssueMembersAsEncodingJSON(t *testing.T) {
	page := `{"issues":[{"ID":"1","kEy":"A-1","Names":{"a":"b"},"FIELDS":{"summary":"s"},"ſelf":"u","expand":""}]}`
	var want SearchResult
	if err := json.Unmarshal([]byte(page), &want); err != nil {
		t.Fatal(err)
	}
	var res SearchResult
	var raw []json.RawMessage
	if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept([]byte(page)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Issues, want.Issues) {
		t.Errorf("search page issues\n %+v\nencoding/json\n %+v", res.Issues, want.Issues)
	}
	if want.Issues[0].Key != "A-1" || want.Issues[0].Fields.Summary != "s" || want.Issues[0].Self != "u" {
		t.Fatalf("not a case for this test: encoding/json read %+v", want.Issues[0])
	}
}

// json.Unmarshal reads the page's own members (isLast, nextPageToken,
// total, ...) under any case too: a search page does the same, so a proxy
// or an older Jira that capitalises them pages the same way.
func TestSearchPageMatchesItsOwnMembersAsEncodingJSON(t *testing.T) {
	page := `{"IsLast":true,"NEXTPAGETOKEN":"t2","StartAt":5,"maxresults":50,"Total":7,"NAMES":{"a":"b"},"Issues":[{"id":"1","key":"A-1"}],"Expand":"names"}`
	var want SearchResult
	if err := json.Unmarshal([]byte(page), &want); err != nil {
		t.Fatal(err)
	}
	if !want.IsLast || want.NextPageToken != "t2" || want.Total != 7 || len(want.Issues) != 1 {
		t.Fatalf("not a case for this test: encoding/json read %+v", want)
	}
	var res SearchResult
	var raw []json.RawMessage
	if err := (&rawSearchPage{res: &res, raw: &raw}).decodeKept([]byte(page)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("search page\n %+v\nencoding/json\n %+v", res, want)
	}
	if len(raw) != 1 || string(raw[0]) != `{"id":"1","key":"A-1"}` {
		t.Errorf("kept issues = %q, want the one issue as sent", raw)
	}
}
