package markup

import (
	"testing"
)

// cases pairs Markdown with the wiki markup it means. Each case is checked
// in both directions and as a round trip from each side.
var cases = []struct {
	name string
	md   string
	wiki string
}{
	{"paragraph", "Hello, world.", "Hello, world."},
	{"line break kept", "first line\nsecond line", "first line\nsecond line"},
	{"paragraphs", "one\n\ntwo", "one\n\ntwo"},
	{"headings", "# Title\n\n### Steps to reproduce", "h1. Title\n\nh3. Steps to reproduce"},
	{"strong", "a **bold** word", "a *bold* word"},
	{"emphasis", "an *italic* word", "an _italic_ word"},
	{"strike", "~~gone~~ now", "-gone- now"},
	{"nested emphasis", "**bold and *italic* inside**", "*bold and _italic_ inside*"},
	{"inline code", "run `go test ./...` first", "run {{go test ./...}} first"},
	{"code block with language", "```go\nfunc main() {\n\tfmt.Println(\"*hi*\")\n}\n```", "{code:go}\nfunc main() {\n\tfmt.Println(\"*hi*\")\n}\n{code}"},
	{"code block without language", "```\nplain\n```", "{code}\nplain\n{code}"},
	{"link", "see [the docs](https://example.com/docs) now", "see [the docs|https://example.com/docs] now"},
	{"autolink", "<https://example.com/a>", "[https://example.com/a]"},
	{"bare url stays as is", "at https://example.com/a_b-c*d ok", "at https://example.com/a_b-c*d ok"},
	{"image", "![](https://example.com/i.png)", "!https://example.com/i.png!"},
	{"mention cloud", "thanks [~accountid:5b10ac8d82e05b22cc7d4ef5]", "thanks [~accountid:5b10ac8d82e05b22cc7d4ef5]"},
	{"mention data center", "ping [~jsmith]", "ping [~jsmith]"},
	{"bullet list", "- one\n- two\n- three", "* one\n* two\n* three"},
	{"ordered list", "1. one\n2. two", "# one\n# two"},
	{"nested list", "- one\n  - one.a\n  - one.b\n- two", "* one\n** one.a\n** one.b\n* two"},
	{"mixed nested list", "1. step\n   - detail\n2. next", "# step\n#* detail\n# next"},
	{"list item with formatting", "- **done** with `x`", "* *done* with {{x}}"},
	{"quote", "> quoted text", "bq. quoted text"},
	{"multi-line quote", "> first\n>\n> second", "{quote}\nfirst\n\nsecond\n{quote}"},
	{"table", "| Key | Summary |\n| --- | --- |\n| DEMO-1 | Broken *login* |\n| DEMO-2 | a \\| b |", "||Key||Summary||\n|DEMO-1|Broken _login_|\n|DEMO-2|a \\| b|"},
	{"rule", "above\n\n---\n\nbelow", "above\n\n----\n\nbelow"},
	{"literal asterisks", `2 \* 3 \* 4 = 24`, `2 * 3 * 4 = 24`},
	{"literal braces and brackets", `use \[x\] and {y}`, `use \[x\] and \{y\}`},
	{"literal markup at line start", `\- not a list` + "\n" + `\# not a heading`, `\- not a list` + "\n" + `\# not a heading`},
	{"hyphenated words untouched", "a well-known drop-in", "a well-known drop-in"},
	{"snake_case untouched", "set max_retry_count", "set max_retry_count"},
	{"exclamation", "Thanks! It works!", "Thanks! It works!"},
	{"heading with link", "## See [x](https://e.com)", "h2. See [x|https://e.com]"},
}

func TestMarkdownToWiki(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MarkdownToWiki(c.md); got != c.wiki {
				t.Errorf("MarkdownToWiki(%q)\n got %q\nwant %q", c.md, got, c.wiki)
			}
		})
	}
}

func TestWikiToMarkdown(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := WikiToMarkdown(c.wiki); got != c.md {
				t.Errorf("WikiToMarkdown(%q)\n got %q\nwant %q", c.wiki, got, c.md)
			}
		})
	}
}

func TestRoundTrips(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := WikiToMarkdown(MarkdownToWiki(c.md)); got != c.md {
				t.Errorf("Markdown -> wiki -> Markdown\n got %q\nwant %q", got, c.md)
			}
			if got := MarkdownToWiki(WikiToMarkdown(c.wiki)); got != c.wiki {
				t.Errorf("wiki -> Markdown -> wiki\n got %q\nwant %q", got, c.wiki)
			}
		})
	}
}

// TestMarkdownInput covers Markdown spellings that have one wiki form, so
// they are checked in one direction.
func TestMarkdownInput(t *testing.T) {
	for _, c := range []struct{ md, wiki string }{
		{"__bold__ and _it_", "*bold* and _it_"},
		{"* star\n+ plus", "* star\n* plus"},
		{"1) one\n2) two", "# one\n# two"},
		{"Title\n\n***", "Title\n\n----"},
		{"hard  \nbreak", "hard\nbreak"},
		{"back\\\nslash", "back\nslash"},
		{"***both***", "*_both_*"},
		{"[https://e.com](https://e.com)", "[https://e.com]"},
		{"~~~python\nx = 1\n~~~", "{code:python}\nx = 1\n{code}"},
		{"- a\n\n- b", "* a\n* b"},
		{"- item\n  continued", "* item\\\\continued"},
		{"unclosed *star and `tick", "unclosed \\*star and `tick"},
		{"a*b*c", "a*b*c"},
		{"C:\\path\\to", "C:\\path\\to"},
		{"ends with \\\\", "ends with &#92;"},
		{"escaped \\\\*star", "escaped &#92;\\*star"},
		{"", ""},
	} {
		if got := MarkdownToWiki(c.md); got != c.wiki {
			t.Errorf("MarkdownToWiki(%q)\n got %q\nwant %q", c.md, got, c.wiki)
		}
	}
}

// TestWikiInput covers wiki constructs Markdown has no form for: their
// text is kept, their styling dropped.
func TestWikiInput(t *testing.T) {
	for _, c := range []struct{ wiki, md string }{
		{"+underlined+ and ^sup^ and ??cite??", "underlined and sup and cite"},
		{"{color:red}alert{color} now", "alert now"},
		{"{code:title=Main.java|borderStyle=solid}\nclass A {}\n{code}", "```\nclass A {}\n```"},
		{"{code:language=sql|title=q}\nselect 1\n{code}", "```sql\nselect 1\n```"},
		{"{noformat}\n*not bold*\n{noformat}", "```\n*not bold*\n```"},
		{"{panel:title=Note}\ninside *panel*\n{panel}", "inside **panel**"},
		{"line one\\\\line two", "line one\nline two"},
		{"- dash item\n- another", "- dash item\n- another"},
		{"[Doc|https://e.com/x|tooltip]", "[Doc](https://e.com/x)"},
		{"[^report.pdf] attached", "report.pdf attached"},
		{"!screenshot.png|thumbnail!", "![](screenshot.png)"},
		{"{quote}said{quote}", "> said"},
		{"*unclosed bold", "\\*unclosed bold"},
		{"C:&#92;path", "C:\\\\path"},
		{"2*3*4", "2\\*3\\*4"},
	} {
		if got := WikiToMarkdown(c.wiki); got != c.md {
			t.Errorf("WikiToMarkdown(%q)\n got %q\nwant %q", c.wiki, got, c.md)
		}
	}
}

func TestWikiToText(t *testing.T) {
	for _, c := range []struct{ wiki, text string }{
		{"h1. Title\n\nSome *bold* and _em_ text.", "Title\n\nSome bold and em text."},
		{"* one\n** nested\n* two", "- one\n  - nested\n- two"},
		{"# first\n# second", "1. first\n2. second"},
		{"see [docs|https://e.com] or [https://x.org]", "see docs (https://e.com) or https://x.org"},
		{"hi [~accountid:abc123] and [~jsmith]", "hi @abc123 and @jsmith"},
		{"||a||b||\n|1|2|", "a | b\n1 | 2"},
		{"{code}\nx := 1\n{code}", "x := 1"},
		{"run {{make}} now", "run make now"},
		{"bq. wise words", "wise words"},
	} {
		if got := WikiToText(c.wiki); got != c.text {
			t.Errorf("WikiToText(%q)\n got %q\nwant %q", c.wiki, got, c.text)
		}
	}
}

func TestADFToMarkdown(t *testing.T) {
	doc := `{"type":"doc","version":1,"content":[
	 {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Summary"}]},
	 {"type":"paragraph","content":[
	   {"type":"text","text":"Hello "},
	   {"type":"text","text":"bold","marks":[{"type":"strong"}]},
	   {"type":"text","text":" and "},
	   {"type":"text","text":"code","marks":[{"type":"code"}]},
	   {"type":"text","text":", "},
	   {"type":"text","text":"a link","marks":[{"type":"link","attrs":{"href":"https://e.com"}}]},
	   {"type":"hardBreak"},
	   {"type":"mention","attrs":{"id":"5b10ac8d82e05b22cc7d4ef5","text":"@Mia"}},
	   {"type":"text","text":" "},
	   {"type":"emoji","attrs":{"shortName":":smile:","text":"😄"}}
	 ]},
	 {"type":"bulletList","content":[
	   {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"one"}]},
	     {"type":"orderedList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"inner"}]}]}]}]},
	   {"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"two","marks":[{"type":"em"}]}]}]}
	 ]},
	 {"type":"codeBlock","attrs":{"language":"go"},"content":[{"type":"text","text":"x := 1"}]},
	 {"type":"blockquote","content":[{"type":"paragraph","content":[{"type":"text","text":"quoted"}]}]},
	 {"type":"panel","attrs":{"panelType":"info"},"content":[{"type":"paragraph","content":[{"type":"text","text":"in a panel"}]}]},
	 {"type":"rule"},
	 {"type":"table","content":[
	   {"type":"tableRow","content":[{"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"K"}]}]},{"type":"tableHeader","content":[{"type":"paragraph","content":[{"type":"text","text":"V"}]}]}]},
	   {"type":"tableRow","content":[{"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"text","text":"a|b"}]}]},{"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"text","text":"2"}]}]}]}
	 ]},
	 {"type":"mediaSingle","content":[{"type":"media","attrs":{"id":"abc-123","type":"file","alt":"shot.png"}}]}
	]}`
	want := "## Summary\n\n" +
		"Hello **bold** and `code`, [a link](https://e.com)\n[~accountid:5b10ac8d82e05b22cc7d4ef5] 😄\n\n" +
		"- one\n  1. inner\n- *two*\n\n" +
		"```go\nx := 1\n```\n\n" +
		"> quoted\n\n" +
		"in a panel\n\n" +
		"---\n\n" +
		"| K | V |\n| --- | --- |\n| a\\|b | 2 |\n\n" +
		"![shot.png](abc-123)"
	got, err := ADFToMarkdown([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ADFToMarkdown\n got %q\nwant %q", got, want)
	}
	wiki, err := ADFToWiki([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if back := WikiToMarkdown(wiki); back != want {
		t.Errorf("ADF -> wiki -> Markdown differs from ADF -> Markdown\n wiki %q\n got %q\nwant %q", wiki, back, want)
	}
	if _, err := ADFToMarkdown([]byte(`"not an object`)); err == nil {
		t.Error("ADFToMarkdown accepted text that is not JSON")
	}
}
