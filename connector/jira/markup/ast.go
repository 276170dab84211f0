package markup

import "strings"

// kind says what a node is. Block kinds hold blocks or inlines as children;
// inline kinds hold inlines.
type kind int

const (
	// Blocks.
	kPara    kind = iota // children: inlines
	kHeading             // level; children: inlines
	kCode                // lang, text
	kQuote               // children: blocks
	kList                // ordered; children: kItem
	kItem                // children: blocks
	kTable               // children: kRow
	kRow                 // children: kCell
	kCell                // header; children: inlines
	kRule

	// Inlines.
	kText    // text
	kURL     // text: a bare URL, written as it is in every format
	kStrong  // children
	kEm      // children
	kStrike  // children
	kSpan    // children: styling no other format has (underline, colour, ...)
	kCodeRun // text
	kLink    // url; children: the link text (none: the URL is the text)
	kImage   // url, text (alternative text)
	kMention // text: accountid:... or a user name
	kBreak
)

// node is one element of the document tree every format parses into and
// renders from, so that each pair of formats shares one meaning of each
// construct.
type node struct {
	kind     kind
	text     string
	url      string
	lang     string
	level    int
	ordered  bool
	header   bool
	children []*node
}

func para(inl []*node) *node { return &node{kind: kPara, children: inl} }

// plainText is the text of inline nodes without any markup, for plain-text
// output and for comparisons.
func plainText(inl []*node) string {
	var sb strings.Builder
	writePlain(&sb, inl)
	return sb.String()
}

func writePlain(sb *strings.Builder, inl []*node) {
	for _, n := range inl {
		switch n.kind {
		case kText, kURL, kCodeRun:
			sb.WriteString(n.text)
		case kBreak:
			sb.WriteByte('\n')
		case kMention:
			sb.WriteString("@" + strings.TrimPrefix(n.text, "accountid:"))
		case kImage:
			if n.text != "" {
				sb.WriteString(n.text)
			} else {
				sb.WriteString(n.url)
			}
		case kLink:
			text := plainText(n.children)
			switch {
			case text == "" || text == n.url:
				sb.WriteString(n.url)
			default:
				sb.WriteString(text + " (" + n.url + ")")
			}
		default:
			writePlain(sb, n.children)
		}
	}
}

// inlines collects inline nodes as a parser finds them, gathering runs of
// plain text into text nodes.
type inlines struct {
	out []*node
	buf strings.Builder
}

// flush turns the pending plain text into a text node.
func (b *inlines) flush() {
	if b.buf.Len() > 0 {
		b.out = append(b.out, &node{kind: kText, text: b.buf.String()})
		b.buf.Reset()
	}
}

// emit adds n after the pending plain text.
func (b *inlines) emit(n *node) {
	b.flush()
	b.out = append(b.out, n)
}

// nodes returns what was collected.
func (b *inlines) nodes() []*node {
	b.flush()
	return mergeText(b.out)
}

// blocks collects the blocks of a document as a parser finds them; lines
// of running text wait in para until another block or the end closes the
// paragraph, which inline reads.
type blocks struct {
	out    []*node
	para   []string
	inline func(string) []*node
}

// flush turns the pending lines of text into a paragraph.
func (b *blocks) flush() {
	if len(b.para) > 0 {
		b.out = append(b.out, para(b.inline(strings.Join(b.para, "\n"))))
		b.para = nil
	}
}

// emit adds ns after the pending paragraph.
func (b *blocks) emit(ns ...*node) {
	b.flush()
	b.out = append(b.out, ns...)
}

// nodes returns what was collected.
func (b *blocks) nodes() []*node {
	b.flush()
	return b.out
}

// joinBlocks renders each block and separates the non-empty results by a
// blank line.
func joinBlocks(blocks []*node, render func(*node) string) string {
	var parts []string
	for _, b := range blocks {
		if s := render(b); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n\n")
}

// dialect is how one markup language writes inline nodes: plain text
// through escape, the three styles between their delimiters, and the
// rest (code, links, images, mentions) its own way.
type dialect interface {
	escape(text string, inTable bool) string
	delimiters() (strong, em, strike string)
	writeOwn(sb *strings.Builder, n *node, inTable bool)
}

// writeInline writes inline nodes in dialect d; inTable escapes pipes.
func writeInline(d dialect, inl []*node, inTable bool) string {
	strong, em, strike := d.delimiters()
	var sb strings.Builder
	for _, n := range inl {
		switch n.kind {
		case kText:
			sb.WriteString(d.escape(n.text, inTable))
		case kURL:
			sb.WriteString(n.text)
		case kBreak:
			sb.WriteByte('\n')
		case kStrong:
			sb.WriteString(mdWrap(strong, writeInline(d, n.children, inTable)))
		case kEm:
			sb.WriteString(mdWrap(em, writeInline(d, n.children, inTable)))
		case kStrike:
			sb.WriteString(mdWrap(strike, writeInline(d, n.children, inTable)))
		case kSpan:
			sb.WriteString(writeInline(d, n.children, inTable))
		default:
			d.writeOwn(&sb, n, inTable)
		}
	}
	return sb.String()
}

// openList starts a list inside parent's item, or among tops when parent
// is nil, and returns it.
func openList(tops *[]*node, parent *node, ordered bool) *node {
	lst := &node{kind: kList, ordered: ordered}
	if parent == nil {
		*tops = append(*tops, lst)
	} else {
		parent.children = append(parent.children, lst)
	}
	return lst
}

// addItem appends to list an item whose first paragraph is inl.
func addItem(list *node, inl []*node) *node {
	item := &node{kind: kItem, children: []*node{para(inl)}}
	list.children = append(list.children, item)
	return item
}

// mergeText joins adjacent text nodes, which parsers produce when a run
// of text is interrupted by something that turned out to be literal.
func mergeText(inl []*node) []*node {
	out := inl[:0]
	for _, n := range inl {
		if n.kind == kText && n.text == "" {
			continue
		}
		if n.kind == kText && len(out) > 0 && out[len(out)-1].kind == kText {
			out[len(out)-1] = &node{kind: kText, text: out[len(out)-1].text + n.text}
			continue
		}
		out = append(out, n)
	}
	return out
}

// splitLines splits s into lines, accepting \r\n and \r line ends.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// bareURLAt reports the length of a bare http(s) URL starting at s[i], or
// 0. Trailing sentence punctuation is left out, as readers expect.
func bareURLAt(s string, i int) int {
	if i > 0 && isAlnum(s[i-1]) {
		return 0
	}
	rest := s[i:]
	if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") {
		return 0
	}
	n := 0
	for n < len(rest) && !isSpace(rest[n]) && rest[n] != '<' && rest[n] != '|' && rest[n] != ']' {
		n++
	}
	for n > 0 && strings.IndexByte(".,;:!?)*_'\"", rest[n-1]) >= 0 {
		n--
	}
	if n <= len("https://") {
		return 0
	}
	return n
}
