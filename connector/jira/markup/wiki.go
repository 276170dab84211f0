package markup

import (
	"regexp"
	"strings"
)

// WikiToMarkdown converts Jira wiki markup (the text of descriptions and
// comments in REST API v2) to Markdown.
func WikiToMarkdown(wiki string) string {
	return renderMarkdown(parseWiki(wiki))
}

// WikiToText converts Jira wiki markup to plain text: the words a reader
// sees, with list bullets, table cells separated by " | ", a link as
// "text (URL)" and a mention as "@name".
func WikiToText(wiki string) string {
	return renderText(parseWiki(wiki))
}

var (
	wikiHeading = regexp.MustCompile(`^\s*h([1-6])\.\s*(.*)$`)
	wikiQuote   = regexp.MustCompile(`^\s*bq\.\s*(.*)$`)
	wikiList    = regexp.MustCompile(`^\s*([*#-][*#]*)\s+(.*)$`)
	wikiRule    = regexp.MustCompile(`^\s*-{4,}\s*$`)
	wikiMacro   = regexp.MustCompile(`^\{(code|noformat|quote|panel)(:[^}]*)?\}`)
)

// parseWiki reads wiki markup into blocks.
func parseWiki(src string) []*node {
	return wikiBlocks(splitLines(src))
}

func wikiBlocks(lines []string) []*node {
	b := blocks{inline: wikiInline}
	for i := 0; i < len(lines); {
		line := lines[i]
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			b.flush()
			i++
		case wikiMacro.MatchString(t):
			m := wikiMacro.FindStringSubmatch(t)
			name, params := m[1], strings.TrimPrefix(m[2], ":")
			body, next, trailing := macroBody(lines, i, len(m[0]), "{"+name+"}")
			i = next
			switch name {
			case "code", "noformat":
				lang := ""
				if name == "code" {
					lang = codeLanguage(params)
				}
				b.emit(&node{kind: kCode, lang: lang, text: strings.Trim(body, "\n")})
			case "quote":
				b.emit(&node{kind: kQuote, children: wikiBlocks(splitLines(strings.Trim(body, "\n")))})
			default: // panel: its content, without the frame
				b.emit(wikiBlocks(splitLines(strings.Trim(body, "\n")))...)
			}
			if strings.TrimSpace(trailing) != "" {
				b.para = append(b.para, strings.TrimSpace(trailing))
			}
		case wikiHeading.MatchString(line):
			m := wikiHeading.FindStringSubmatch(line)
			b.emit(&node{kind: kHeading, level: int(m[1][0] - '0'), children: wikiInline(m[2])})
			i++
		case wikiQuote.MatchString(line):
			m := wikiQuote.FindStringSubmatch(line)
			b.emit(&node{kind: kQuote, children: []*node{para(wikiInline(m[1]))}})
			i++
		case wikiRule.MatchString(line):
			b.emit(&node{kind: kRule})
			i++
		case isWikiListLine(line):
			var lst []*node
			lst, i = wikiListBlock(lines, i)
			b.emit(lst...)
		case strings.HasPrefix(t, "|"):
			table := &node{kind: kTable}
			for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|") {
				table.children = append(table.children, wikiRow(strings.TrimSpace(lines[i])))
				i++
			}
			b.emit(table)
		default:
			b.para = append(b.para, line)
			i++
		}
	}
	return b.nodes()
}

func isWikiListLine(line string) bool {
	m := wikiList.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	// "-" starts a list only on its own; "--" and "-*" are text.
	return m[1][0] != '-' || len(m[1]) == 1
}

// macroBody returns the text between the macro start at lines[i][start:]
// and its closing tag, the index of the line after it, and any text after
// the closing tag on its line.
func macroBody(lines []string, i, start int, closing string) (body string, next int, trailing string) {
	first := strings.TrimSpace(lines[i])[start:]
	if end := strings.Index(first, closing); end >= 0 {
		return first[:end], i + 1, first[end+len(closing):]
	}
	var sb strings.Builder
	sb.WriteString(first)
	for j := i + 1; j < len(lines); j++ {
		if end := strings.Index(lines[j], closing); end >= 0 {
			sb.WriteString("\n" + lines[j][:end])
			return sb.String(), j + 1, lines[j][end+len(closing):]
		}
		sb.WriteString("\n" + lines[j])
	}
	return sb.String(), len(lines), "" // unclosed: the rest is the body
}

// codeLanguage reads the language from {code} parameters: {code:java},
// {code:language=go|title=x} or {code:title=x|borderStyle=solid}.
func codeLanguage(params string) string {
	for _, p := range strings.Split(params, "|") {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case !ok && strings.TrimSpace(k) != "":
			return strings.TrimSpace(k)
		case ok && strings.TrimSpace(k) == "language":
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func wikiListBlock(lines []string, i int) ([]*node, int) {
	type frame struct {
		list *node
		item *node
	}
	var tops []*node
	var stack []frame
	for i < len(lines) && isWikiListLine(lines[i]) {
		m := wikiList.FindStringSubmatch(lines[i])
		markers := strings.ReplaceAll(m[1], "-", "*")
		depth := len(markers)
		if len(stack) > depth {
			stack = stack[:depth]
		}
		for len(stack) < depth {
			var parent *node
			if len(stack) > 0 {
				up := &stack[len(stack)-1]
				if up.item == nil {
					up.item = &node{kind: kItem}
					up.list.children = append(up.list.children, up.item)
				}
				parent = up.item
			}
			stack = append(stack, frame{list: openList(&tops, parent, markers[len(stack)] == '#')})
		}
		f := &stack[depth-1]
		if ordered := markers[depth-1] == '#'; f.list.ordered != ordered {
			var parent *node
			if depth > 1 {
				parent = stack[depth-2].item
			}
			*f = frame{list: openList(&tops, parent, ordered)}
		}
		f.item = addItem(f.list, wikiInline(m[2]))
		i++
	}
	return tops, i
}

// wikiRow splits a table row into cells. || starts a header cell; a pipe
// inside a link or a {{monospace}} run, or escaped, is not a separator.
func wikiRow(line string) *node {
	row := &node{kind: kRow}
	var cell strings.Builder
	header := false
	started := false
	add := func() {
		if started {
			row.children = append(row.children, &node{kind: kCell, header: header, children: wikiInline(strings.TrimSpace(cell.String()))})
		}
		cell.Reset()
	}
	depth, mono := 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			cell.WriteString(line[i : i+2])
			i++
		case strings.HasPrefix(line[i:], "{{"):
			mono = true
			cell.WriteString("{{")
			i++
		case strings.HasPrefix(line[i:], "}}"):
			mono = false
			cell.WriteString("}}")
			i++
		case c == '[':
			depth++
			cell.WriteByte(c)
		case c == ']':
			depth = max(depth-1, 0)
			cell.WriteByte(c)
		case c == '|' && depth == 0 && !mono:
			add()
			started = true
			header = strings.HasPrefix(line[i:], "||")
			if header {
				i++
			}
		default:
			cell.WriteByte(c)
		}
	}
	if strings.TrimSpace(cell.String()) != "" {
		add()
	}
	return row
}

// backslashRef is a literal backslash as a character reference.
const backslashRef = "&#92;"

// wikiEffects are the wiki inline markers and what they mean.
var wikiEffects = map[byte]kind{'*': kStrong, '_': kEm, '-': kStrike, '+': kSpan, '^': kSpan, '~': kSpan}

// wikiInline reads wiki inline text.
func wikiInline(s string) []*node {
	var b inlines
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&' && strings.HasPrefix(s[i:], backslashRef):
			b.buf.WriteByte('\\')
			i += len(backslashRef)
		case c == '\\' && strings.HasPrefix(s[i:], `\\`):
			b.emit(&node{kind: kBreak})
			i += 2
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.buf.WriteByte(s[i+1])
			i += 2
		case c == '\n':
			b.emit(&node{kind: kBreak})
			i++
		case strings.HasPrefix(s[i:], "{{"):
			end := strings.Index(s[i+2:], "}}")
			if end < 0 {
				b.buf.WriteString("{{")
				i += 2
				continue
			}
			b.emit(&node{kind: kCodeRun, text: plainText(wikiInline(s[i+2 : i+2+end]))})
			i += 2 + end + 2
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.buf.WriteByte(c)
				i++
				continue
			}
			name, _, _ := strings.Cut(s[i+1:i+end], ":")
			closing := "{" + name + "}"
			switch name {
			case "color":
				if stop := strings.Index(s[i+end+1:], closing); stop >= 0 {
					b.emit(&node{kind: kSpan, children: wikiInline(s[i+end+1 : i+end+1+stop])})
					i += end + 1 + stop + len(closing)
					continue
				}
				i += end + 1
			case "anchor":
				i += end + 1 // an anchor has no text
			default:
				b.buf.WriteByte(c)
				i++
			}
		case c == '[':
			end := closingBracket(s, i)
			if end < 0 {
				b.buf.WriteByte(c)
				i++
				continue
			}
			b.emit(wikiLink(s[i+1 : end]))
			i = end + 1
		case c == '!' && i+1 < len(s) && !isSpace(s[i+1]):
			end := strings.IndexByte(s[i+1:], '!')
			if end <= 0 || strings.ContainsAny(s[i+1:i+1+end], " \n") {
				b.buf.WriteByte(c)
				i++
				continue
			}
			target, opts, _ := strings.Cut(s[i+1:i+1+end], "|")
			img := &node{kind: kImage, url: target}
			for _, o := range strings.Split(opts, ",") {
				if k, v, ok := strings.Cut(strings.TrimSpace(o), "="); ok && k == "alt" {
					img.text = strings.Trim(v, `"`)
				}
			}
			b.emit(img)
			i += end + 2
		case c == 'h' && bareURLAt(s, i) > 0:
			n := bareURLAt(s, i)
			b.emit(&node{kind: kURL, text: s[i : i+n]})
			i += n
		case c == '?' && strings.HasPrefix(s[i:], "??") && i+2 < len(s) && !isSpace(s[i+2]):
			end := strings.Index(s[i+2:], "??")
			if end <= 0 || strings.Contains(s[i+2:i+2+end], "\n") {
				b.buf.WriteString("??")
				i += 2
				continue
			}
			b.emit(&node{kind: kSpan, children: wikiInline(s[i+2 : i+2+end])})
			i += 2 + end + 2
		case wikiEffects[c] != 0 || c == '*':
			end := wikiCloser(s, i)
			if end < 0 {
				b.buf.WriteByte(c)
				i++
				continue
			}
			b.emit(&node{kind: wikiEffects[c], children: wikiInline(s[i+1 : end])})
			i = end + 1
		default:
			b.buf.WriteByte(c)
			i++
		}
	}
	return b.nodes()
}

// wikiCloser finds the end of the effect opened by s[i], using Jira's
// rules: the opener is not inside a word and is followed by non-space, the
// closer follows non-space and is not followed by a word, both on one line.
func wikiCloser(s string, i int) int {
	c := s[i]
	if i > 0 && (isAlnum(s[i-1]) || s[i-1] == c) || i+1 >= len(s) || isSpace(s[i+1]) || s[i+1] == c {
		return -1
	}
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\n':
			return -1
		case s[j] == '\\':
			j++
		case s[j] == c && !isSpace(s[j-1]) && (j+1 == len(s) || !isAlnum(s[j+1]) && s[j+1] != c):
			return j
		}
	}
	return -1
}

// closingBracket finds the ] that closes the [ at s[i], on the same line.
func closingBracket(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\n', '[':
			return -1
		case ']':
			if j == i+1 {
				return -1
			}
			return j
		}
	}
	return -1
}

// wikiLink reads the inside of [...]: a mention, an attachment or anchor
// reference, [url], [text|url] or [text|url|tooltip].
func wikiLink(inner string) *node {
	switch {
	case strings.HasPrefix(inner, "~"):
		return &node{kind: kMention, text: inner[1:]}
	case strings.HasPrefix(inner, "^"), strings.HasPrefix(inner, "#"):
		return &node{kind: kText, text: inner[1:]}
	}
	parts := strings.Split(inner, "|")
	if len(parts) == 1 {
		return &node{kind: kLink, url: strings.TrimSpace(inner)}
	}
	url := strings.TrimSpace(parts[1])
	if strings.HasPrefix(url, "~") {
		return &node{kind: kMention, text: url[1:]}
	}
	l := &node{kind: kLink, url: url, children: wikiInline(parts[0])}
	if plainText(l.children) == url {
		l.children = nil
	}
	return l
}

// renderWiki writes blocks as wiki markup.
func renderWiki(blocks []*node) string {
	return joinBlocks(blocks, wikiBlock)
}

func wikiBlock(b *node) string {
	switch b.kind {
	case kPara:
		return wikiLineStarts(wikiInlineOut(b.children, false))
	case kHeading:
		return "h" + string(rune('0'+b.level)) + ". " + strings.ReplaceAll(wikiInlineOut(b.children, false), "\n", " ")
	case kCode:
		if b.lang != "" {
			return "{code:" + b.lang + "}\n" + b.text + "\n{code}"
		}
		if strings.Contains(b.text, "{code}") {
			return "{noformat}\n" + b.text + "\n{noformat}"
		}
		return "{code}\n" + b.text + "\n{code}"
	case kQuote:
		if len(b.children) == 1 && b.children[0].kind == kPara {
			if s := wikiBlock(b.children[0]); !strings.Contains(s, "\n") {
				return "bq. " + s
			}
		}
		return "{quote}\n" + renderWiki(b.children) + "\n{quote}"
	case kList:
		return strings.Join(wikiListOut(b, ""), "\n")
	case kTable:
		var rows []string
		for _, row := range b.children {
			var sb strings.Builder
			for _, cell := range row.children {
				sep := "|"
				if cell.header {
					sep = "||"
				}
				content := strings.ReplaceAll(wikiInlineOut(cell.children, true), "\n", " ")
				if content == "" {
					content = " "
				}
				sb.WriteString(sep + content)
			}
			if n := len(row.children); n > 0 && row.children[n-1].header {
				sb.WriteString("||")
			} else {
				sb.WriteString("|")
			}
			rows = append(rows, sb.String())
		}
		return strings.Join(rows, "\n")
	case kRule:
		return "----"
	}
	return ""
}

func wikiListOut(l *node, prefix string) []string {
	marker := "*"
	if l.ordered {
		marker = "#"
	}
	prefix += marker
	var lines []string
	for _, item := range l.children {
		line := prefix
		wrote := false
		for _, b := range item.children {
			switch b.kind {
			case kList:
				if !wrote {
					lines = append(lines, line+" ")
					wrote = true
				}
				lines = append(lines, wikiListOut(b, prefix)...)
			case kPara:
				text := wikiInlineOut(b.children, false)
				if !wrote {
					line += " " + text
					lines = append(lines, line)
					wrote = true
				} else {
					lines[len(lines)-1] += `\\` + text
				}
			default:
				// A block a wiki list item cannot hold follows the item.
				if !wrote {
					lines = append(lines, line+" ")
					wrote = true
				}
				lines = append(lines, wikiBlock(b))
			}
		}
		if !wrote {
			lines = append(lines, line+" ")
		}
	}
	for i, l := range lines {
		// A line break inside an item stays inside it.
		lines[i] = strings.ReplaceAll(l, "\n", `\\`)
	}
	return lines
}

var wikiLineStart = regexp.MustCompile(`(?m)^([*#-]+\s|h[1-6]\.|bq\.|----)`)

// wikiLineStarts escapes what would start a block at the beginning of a
// paragraph line: a list item, a heading, a quote or a rule.
func wikiLineStarts(s string) string {
	return wikiLineStart.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] == 'h' || m[0] == 'b' {
			return m[:len(m)-1] + `\.`
		}
		return `\` + m
	})
}

// wikiInlineOut writes inline nodes as wiki markup; inTable escapes pipes.
func wikiInlineOut(inl []*node, inTable bool) string {
	return writeInline(wikiDialect{}, inl, inTable)
}

// wikiDialect is how wiki markup writes inline nodes.
type wikiDialect struct{}

func (wikiDialect) escape(text string, _ bool) string { return wikiEscape(text) }

func (wikiDialect) delimiters() (strong, em, strike string) { return "*", "_", "-" }

func (wikiDialect) writeOwn(sb *strings.Builder, n *node, inTable bool) {
	switch n.kind {
	case kCodeRun:
		sb.WriteString("{{" + wikiEscape(n.text) + "}}")
	case kLink:
		if len(n.children) == 0 {
			sb.WriteString("[" + n.url + "]")
		} else {
			sb.WriteString("[" + wikiInlineOut(n.children, inTable) + "|" + n.url + "]")
		}
	case kImage:
		if alt := strings.Map(func(r rune) rune {
			if strings.ContainsRune("!|,=\"", r) {
				return -1
			}
			return r
		}, n.text); alt != "" && !strings.ContainsAny(n.text, " ") {
			sb.WriteString("!" + n.url + "|alt=" + alt + "!")
		} else {
			sb.WriteString("!" + n.url + "!")
		}
	case kMention:
		sb.WriteString("[~" + n.text + "]")
	}
}

// wikiEscape escapes the characters of plain text that wiki markup would
// read as markup, following the rules wikiInline applies, so text shows in
// Jira as written.
func wikiEscape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			// A backslash before punctuation would escape it, and two make
			// a line break: write those as a character reference.
			if i+1 == len(s) || isASCIIPunct(s[i+1]) {
				sb.WriteString(backslashRef)
				continue
			}
		case '{', '}', '[', ']', '|':
			sb.WriteByte('\\')
		case '!':
			if i+1 < len(s) && !isSpace(s[i+1]) {
				sb.WriteByte('\\')
			}
		case '?':
			if i+1 < len(s) && s[i+1] == '?' {
				sb.WriteByte('\\')
			}
		default:
			if _, effect := wikiEffects[c]; effect {
				opens := (i == 0 || !isAlnum(s[i-1])) && i+1 < len(s) && !isSpace(s[i+1])
				closes := i > 0 && !isSpace(s[i-1]) && (i+1 == len(s) || !isAlnum(s[i+1]))
				if opens || closes {
					sb.WriteByte('\\')
				}
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
