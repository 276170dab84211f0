package markup

import (
	"regexp"
	"strconv"
	"strings"
)

// MarkdownToWiki converts Markdown (CommonMark with GitHub's tables and
// strikethrough) to Jira wiki markup, for descriptions and comments sent
// through REST API v2. A single newline inside a paragraph is kept as a
// line break, as in GitHub comments.
func MarkdownToWiki(md string) string {
	return renderWiki(parseMarkdown(md))
}

var (
	mdFence     = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})\\s*([^`\\s]*)")
	mdHeading   = regexp.MustCompile(`^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$`)
	mdRule      = regexp.MustCompile(`^ {0,3}((\*\s*){3,}|(-\s*){3,}|(_\s*){3,})$`)
	mdListItem  = regexp.MustCompile(`^(\s*)([-*+]|\d{1,9}[.)])(\s+(.*))?$`)
	mdTableSep  = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
	mdQuoteLine = regexp.MustCompile(`^ {0,3}>`)
)

// parseMarkdown reads Markdown into blocks.
func parseMarkdown(src string) []*node {
	return mdBlocks(splitLines(src))
}

func mdBlocks(lines []string) []*node {
	b := blocks{inline: mdInline}
	for i := 0; i < len(lines); {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			b.flush()
			i++
			continue
		}
		if m := mdFence.FindStringSubmatch(line); m != nil {
			fence := m[1]
			var body []string
			i++
			for i < len(lines) {
				t := strings.TrimSpace(lines[i])
				if strings.HasPrefix(t, fence[:3]) && strings.Trim(t, fence[:1]) == "" && len(t) >= len(fence) {
					i++
					break
				}
				body = append(body, lines[i])
				i++
			}
			b.emit(&node{kind: kCode, lang: m[2], text: strings.Join(body, "\n")})
			continue
		}
		if m := mdHeading.FindStringSubmatch(line); m != nil {
			b.emit(&node{kind: kHeading, level: len(m[1]), children: mdInline(m[2])})
			i++
			continue
		}
		if mdRule.MatchString(line) {
			b.emit(&node{kind: kRule})
			i++
			continue
		}
		if mdQuoteLine.MatchString(line) {
			var inner []string
			for i < len(lines) && mdQuoteLine.MatchString(lines[i]) {
				l := strings.TrimLeft(lines[i], " ")[1:]
				inner = append(inner, strings.TrimPrefix(l, " "))
				i++
			}
			b.emit(&node{kind: kQuote, children: mdBlocks(inner)})
			continue
		}
		if m := mdListItem.FindStringSubmatch(line); m != nil && (len(b.para) == 0 || m[4] != "") {
			var lst []*node
			lst, i = mdList(lines, i)
			b.emit(lst...)
			continue
		}
		if strings.Contains(line, "|") && i+1 < len(lines) && mdTableSep.MatchString(lines[i+1]) && strings.Contains(lines[i+1], "-") {
			table := &node{kind: kTable}
			table.children = append(table.children, mdRow(line, true))
			i += 2
			for i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != "" {
				table.children = append(table.children, mdRow(lines[i], false))
				i++
			}
			b.emit(table)
			continue
		}
		b.para = append(b.para, strings.TrimLeft(line, " \t"))
		i++
	}
	return b.nodes()
}

// mdList reads the list starting at lines[i], with its nested lists and
// continuation lines, and returns the top-level lists and the next line.
func mdList(lines []string, i int) ([]*node, int) {
	type frame struct {
		indent int
		list   *node
		item   *node
	}
	var tops []*node
	var stack []frame
	for i < len(lines) {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			// A blank line continues the list only if more of it follows.
			j := i + 1
			for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
				j++
			}
			if j < len(lines) && (mdListItem.MatchString(lines[j]) || indentOf(lines[j]) > 0) && !mdFence.MatchString(lines[j]) {
				i = j
				continue
			}
			break
		}
		m := mdListItem.FindStringSubmatch(line)
		if m == nil || mdRule.MatchString(line) {
			if indentOf(line) == 0 || len(stack) == 0 {
				break
			}
			// A continuation line of the current item.
			item := stack[len(stack)-1].item
			last := item.children[len(item.children)-1]
			if last.kind == kPara {
				last.children = mergeText(append(last.children, &node{kind: kBreak}))
				last.children = mergeText(append(last.children, mdInline(strings.TrimSpace(line))...))
			} else {
				item.children = append(item.children, para(mdInline(strings.TrimSpace(line))))
			}
			i++
			continue
		}
		indent := indentOf(m[1])
		ordered := m[2][0] >= '0' && m[2][0] <= '9'
		for len(stack) > 0 && indent < stack[len(stack)-1].indent {
			stack = stack[:len(stack)-1]
		}
		top := len(stack) - 1
		switch {
		case top < 0:
			stack = append(stack, frame{indent: indent, list: openList(&tops, nil, ordered)})
		case indent > stack[top].indent && stack[top].item != nil:
			stack = append(stack, frame{indent: indent, list: openList(&tops, stack[top].item, ordered)})
		case stack[top].list.ordered != ordered:
			// The same level changing type starts a new list.
			var parent *node
			if top > 0 {
				parent = stack[top-1].item
			}
			stack[top] = frame{indent: indent, list: openList(&tops, parent, ordered)}
		}
		f := &stack[len(stack)-1]
		f.item = addItem(f.list, mdInline(m[4]))
		i++
	}
	return tops, i
}

func indentOf(s string) int {
	n := 0
	for _, c := range s {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

// mdRow splits a table row into cells; \| is a literal pipe.
func mdRow(line string, header bool) *node {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	row := &node{kind: kRow}
	var cell strings.Builder
	add := func() {
		row.children = append(row.children, &node{kind: kCell, header: header, children: mdInline(strings.TrimSpace(cell.String()))})
		cell.Reset()
	}
	inCode := false
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cell.WriteString(`\|`)
			i++
		case line[i] == '`':
			inCode = !inCode
			cell.WriteByte('`')
		case line[i] == '|' && !inCode:
			add()
		default:
			cell.WriteByte(line[i])
		}
	}
	add()
	return row
}

// mdInline reads Markdown inline text.
func mdInline(s string) []*node {
	var b inlines
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			b.emit(&node{kind: kBreak})
			i += 2
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.buf.WriteByte(s[i+1])
			i += 2
		case c == ' ' && strings.HasPrefix(s[i:], "  \n"):
			// Two trailing spaces: a hard break, the same as a newline here.
			i += 2
		case c == '\n':
			b.emit(&node{kind: kBreak})
			i++
		case c == '`':
			n := runLen(s, i, '`')
			end := findRun(s, i+n, '`', n)
			if end < 0 {
				b.buf.WriteString(s[i : i+n])
				i += n
				continue
			}
			code := strings.ReplaceAll(s[i+n:end], "\n", " ")
			if len(code) > 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.Trim(code, " ") != "" {
				code = code[1 : len(code)-1]
			}
			b.emit(&node{kind: kCodeRun, text: code})
			i = end + n
		case c == '!' && strings.HasPrefix(s[i:], "!["):
			if label, url, n := mdLink(s[i+1:]); n > 0 {
				b.emit(&node{kind: kImage, url: url, text: plainText(mdInline(label))})
				i += 1 + n
				continue
			}
			b.buf.WriteByte(c)
			i++
		case c == '[' && strings.HasPrefix(s[i:], "[~"):
			if end := strings.IndexByte(s[i:], ']'); end > 2 && !strings.ContainsAny(s[i+1:i+end], " \n[") {
				b.emit(&node{kind: kMention, text: s[i+2 : i+end]})
				i += end + 1
				continue
			}
			b.buf.WriteByte(c)
			i++
		case c == '[':
			if label, url, n := mdLink(s[i:]); n > 0 {
				l := &node{kind: kLink, url: url, children: mdInline(label)}
				if plainText(l.children) == url {
					l.children = nil
				}
				b.emit(l)
				i += n
				continue
			}
			b.buf.WriteByte(c)
			i++
		case c == '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				inner := s[i+1 : i+end]
				if bareURLAt(inner, 0) == len(inner) {
					b.emit(&node{kind: kLink, url: inner})
					i += end + 1
					continue
				}
			}
			b.buf.WriteByte(c)
			i++
		case c == 'h' && bareURLAt(s, i) > 0:
			n := bareURLAt(s, i)
			b.emit(&node{kind: kURL, text: s[i : i+n]})
			i += n
		case c == '*' || c == '_' || c == '~':
			n := runLen(s, i, c)
			if c == '~' && n != 2 {
				b.buf.WriteString(s[i : i+n])
				i += n
				continue
			}
			if n > 3 || !canOpen(s, i, n, c) {
				b.buf.WriteString(s[i : i+n])
				i += n
				continue
			}
			end := findCloser(s, i+n, c, n)
			if end < 0 {
				b.buf.WriteString(s[i : i+n])
				i += n
				continue
			}
			inner := mdInline(s[i+n : end])
			var nd *node
			switch {
			case c == '~':
				nd = &node{kind: kStrike, children: inner}
			case n == 1:
				nd = &node{kind: kEm, children: inner}
			case n == 2:
				nd = &node{kind: kStrong, children: inner}
			default:
				nd = &node{kind: kStrong, children: []*node{{kind: kEm, children: inner}}}
			}
			b.emit(nd)
			i = end + n
		default:
			b.buf.WriteByte(c)
			i++
		}
	}
	return b.nodes()
}

// canOpen reports whether the delimiter run s[i:i+n] of c can open
// emphasis: followed by non-space and not inside a word. (CommonMark lets *
// open inside a word; Jira cannot show that, and "a*b*c" is more often
// meant literally, so neither does this.)
func canOpen(s string, i, n int, c byte) bool {
	if i+n >= len(s) || isSpace(s[i+n]) {
		return false
	}
	return c == '~' || i == 0 || !isAlnum(s[i-1])
}

// findCloser finds a run of exactly n c's after from that can close
// emphasis: preceded by non-space and, for _, not followed by a word.
func findCloser(s string, from int, c byte, n int) int {
	for j := from; j < len(s); {
		if s[j] == '\\' {
			j += 2
			continue
		}
		if s[j] == '`' {
			m := runLen(s, j, '`')
			if end := findRun(s, j+m, '`', m); end >= 0 {
				j = end + m
				continue
			}
		}
		if s[j] != c {
			j++
			continue
		}
		m := runLen(s, j, c)
		if m == n && j > from && !isSpace(s[j-1]) && (c == '~' || j+m >= len(s) || !isAlnum(s[j+m])) {
			return j
		}
		j += m
	}
	return -1
}

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// findRun finds the next run of exactly n c's at or after from.
func findRun(s string, from int, c byte, n int) int {
	for j := from; j < len(s); {
		if s[j] != c {
			j++
			continue
		}
		m := runLen(s, j, c)
		if m == n {
			return j
		}
		j += m
	}
	return -1
}

// mdLink reads [label](url "title") at the start of s and returns the
// label, the URL and the length read, or n == 0.
func mdLink(s string) (label, url string, n int) {
	if len(s) == 0 || s[0] != '[' {
		return "", "", 0
	}
	depth := 0
	close := -1
	for j := 0; j < len(s) && close < 0; j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				close = j
			}
		}
	}
	if close < 0 || close+1 >= len(s) || s[close+1] != '(' {
		return "", "", 0
	}
	end := strings.IndexByte(s[close+2:], ')')
	if end < 0 {
		return "", "", 0
	}
	dest := strings.TrimSpace(s[close+2 : close+2+end])
	if sp := strings.IndexAny(dest, " \t"); sp >= 0 {
		dest = dest[:sp] // drop a title
	}
	dest = strings.TrimSuffix(strings.TrimPrefix(dest, "<"), ">")
	if dest == "" {
		return "", "", 0
	}
	return s[1:close], dest, close + 2 + end + 1
}

// renderMarkdown writes blocks as Markdown.
func renderMarkdown(blocks []*node) string {
	return joinBlocks(blocks, mdBlock)
}

func mdBlock(b *node) string {
	switch b.kind {
	case kPara:
		return mdLineStarts(mdInlineOut(b.children, false))
	case kHeading:
		return strings.Repeat("#", b.level) + " " + strings.ReplaceAll(mdInlineOut(b.children, false), "\n", " ")
	case kCode:
		fence := "```"
		for strings.Contains(b.text, fence) {
			fence += "`"
		}
		return fence + b.lang + "\n" + b.text + "\n" + fence
	case kQuote:
		inner := renderMarkdown(b.children)
		lines := strings.Split(inner, "\n")
		for i, l := range lines {
			if l == "" {
				lines[i] = ">"
			} else {
				lines[i] = "> " + l
			}
		}
		return strings.Join(lines, "\n")
	case kList:
		return mdListOut(b)
	case kTable:
		return mdTableOut(b)
	case kRule:
		return "---"
	}
	return ""
}

func mdListOut(l *node) string {
	var lines []string
	for k, item := range l.children {
		marker := "- "
		if l.ordered {
			marker = strconv.Itoa(k+1) + ". "
		}
		pad := strings.Repeat(" ", len(marker))
		for j, b := range item.children {
			var s string
			if b.kind == kPara {
				s = mdInlineOut(b.children, false)
			} else {
				s = mdBlock(b)
			}
			for n, line := range strings.Split(s, "\n") {
				switch {
				case j == 0 && n == 0:
					lines = append(lines, marker+line)
				case line == "":
					lines = append(lines, "")
				default:
					lines = append(lines, pad+line)
				}
			}
		}
		if len(item.children) == 0 {
			lines = append(lines, strings.TrimRight(marker, " "))
		}
	}
	return strings.Join(lines, "\n")
}

func mdTableOut(t *node) string {
	var lines []string
	for r, row := range t.children {
		cells := make([]string, len(row.children))
		for c, cell := range row.children {
			cells[c] = strings.ReplaceAll(mdInlineOut(cell.children, true), "\n", " ")
		}
		lines = append(lines, "| "+strings.Join(cells, " | ")+" |")
		if r == 0 {
			seps := make([]string, len(cells))
			for c := range seps {
				seps[c] = "---"
			}
			lines = append(lines, "| "+strings.Join(seps, " | ")+" |")
		}
	}
	return strings.Join(lines, "\n")
}

var mdLineStart = regexp.MustCompile(`(?m)^(#{1,6}(\s|$)|>|[-+*](\s|$)|(\d{1,9})([.)])(\s|$))`)

// mdLineStarts escapes what would start a block at the beginning of a
// paragraph line: a heading, a quote, a list item.
func mdLineStarts(s string) string {
	return mdLineStart.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] >= '0' && m[0] <= '9' {
			k := strings.IndexAny(m, ".)")
			return m[:k] + `\` + m[k:]
		}
		return `\` + m
	})
}

// mdInlineOut writes inline nodes as Markdown; inTable escapes pipes.
func mdInlineOut(inl []*node, inTable bool) string {
	return writeInline(markdownDialect{}, inl, inTable)
}

// markdownDialect is how Markdown writes inline nodes.
type markdownDialect struct{}

func (markdownDialect) escape(text string, inTable bool) string { return mdEscape(text, inTable) }

func (markdownDialect) delimiters() (strong, em, strike string) { return "**", "*", "~~" }

func (markdownDialect) writeOwn(sb *strings.Builder, n *node, inTable bool) {
	switch n.kind {
	case kCodeRun:
		fence := "`"
		for strings.Contains(n.text, fence) {
			fence += "`"
		}
		body := n.text
		if strings.HasPrefix(body, "`") || strings.HasSuffix(body, "`") {
			body = " " + body + " "
		}
		if inTable {
			body = strings.ReplaceAll(body, "|", `\|`)
		}
		sb.WriteString(fence + body + fence)
	case kLink:
		if len(n.children) == 0 {
			sb.WriteString("<" + n.url + ">")
		} else {
			sb.WriteString("[" + mdInlineOut(n.children, inTable) + "](" + mdURL(n.url) + ")")
		}
	case kImage:
		sb.WriteString("![" + mdEscape(n.text, inTable) + "](" + mdURL(n.url) + ")")
	case kMention:
		sb.WriteString("[~" + n.text + "]")
	}
}

func mdURL(u string) string {
	if strings.ContainsAny(u, " ()") {
		return "<" + u + ">"
	}
	return u
}

// mdWrap puts a delimiter pair around s, keeping any spaces at either end
// outside (Markdown refuses "** bold**").
func mdWrap(delim, s string) string {
	core := strings.TrimSpace(s)
	if core == "" {
		return s
	}
	lead := s[:strings.Index(s, core)]
	trail := s[len(lead)+len(core):]
	return lead + delim + core + delim + trail
}

// mdEscape escapes the characters of plain text that Markdown would read
// as markup.
func mdEscape(s string, inTable bool) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']':
			sb.WriteByte('\\')
		case '_':
			if i == 0 || !isAlnum(s[i-1]) || i+1 == len(s) || !isAlnum(s[i+1]) {
				sb.WriteByte('\\')
			}
		case '~':
			if i+1 < len(s) && s[i+1] == '~' || i > 0 && s[i-1] == '~' {
				sb.WriteByte('\\')
			}
		case '<':
			if i+1 < len(s) && (isAlnum(s[i+1]) || s[i+1] == '/' || s[i+1] == '!') {
				sb.WriteByte('\\')
			}
		case '|':
			if inTable {
				sb.WriteByte('\\')
			}
		case '!':
			if i+1 < len(s) && s[i+1] == '[' {
				sb.WriteByte('\\')
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
