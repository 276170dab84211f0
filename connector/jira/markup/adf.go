package markup

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ADFToMarkdown converts an Atlassian Document Format document (the JSON
// object Jira Cloud sends for rich text: {"type":"doc","content":[...]}) to
// Markdown. Nodes Markdown cannot show (panels, expands, layouts) keep
// their content; media shows as an image reference to its id or URL;
// mentions are written [~accountid:...].
func ADFToMarkdown(doc []byte) (string, error) {
	blocks, err := parseADF(doc)
	if err != nil {
		return "", err
	}
	return renderMarkdown(blocks), nil
}

// ADFToWiki converts an Atlassian Document Format document to wiki
// markup, for copying rich text from a Cloud v3 payload into a v2 write.
func ADFToWiki(doc []byte) (string, error) {
	blocks, err := parseADF(doc)
	if err != nil {
		return "", err
	}
	return renderWiki(blocks), nil
}

// adfNode is one node of an ADF document.
type adfNode struct {
	Type    string         `json:"type"`
	Text    string         `json:"text"`
	Attrs   map[string]any `json:"attrs"`
	Marks   []adfMark      `json:"marks"`
	Content []adfNode      `json:"content"`
}

type adfMark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs"`
}

func parseADF(doc []byte) ([]*node, error) {
	var root adfNode
	if err := json.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("markup: the rich text is not an Atlassian Document Format object: %w", err)
	}
	if root.Type != "doc" {
		return adfBlocks([]adfNode{root}), nil
	}
	return adfBlocks(root.Content), nil
}

func adfBlocks(nodes []adfNode) []*node {
	var out []*node
	var loose []adfNode // inline nodes at block level are gathered into a paragraph
	flush := func() {
		if len(loose) > 0 {
			out = append(out, para(adfInlines(loose)))
			loose = nil
		}
	}
	for _, n := range nodes {
		switch n.Type {
		case "paragraph":
			flush()
			out = append(out, para(adfInlines(n.Content)))
		case "heading":
			flush()
			level := int(attrNumber(n.Attrs, "level"))
			level = min(max(level, 1), 6)
			out = append(out, &node{kind: kHeading, level: level, children: adfInlines(n.Content)})
		case "codeBlock":
			flush()
			var sb strings.Builder
			for _, c := range n.Content {
				sb.WriteString(c.Text)
			}
			lang, _ := n.Attrs["language"].(string)
			out = append(out, &node{kind: kCode, lang: lang, text: sb.String()})
		case "blockquote":
			flush()
			out = append(out, &node{kind: kQuote, children: adfBlocks(n.Content)})
		case "bulletList", "orderedList":
			flush()
			lst := &node{kind: kList, ordered: n.Type == "orderedList"}
			for _, item := range n.Content {
				lst.children = append(lst.children, &node{kind: kItem, children: adfBlocks(item.Content)})
			}
			out = append(out, lst)
		case "rule":
			flush()
			out = append(out, &node{kind: kRule})
		case "table":
			flush()
			table := &node{kind: kTable}
			for _, r := range n.Content {
				row := &node{kind: kRow}
				for _, c := range r.Content {
					var inl []*node
					for k, b := range adfBlocks(c.Content) {
						if k > 0 {
							inl = append(inl, &node{kind: kBreak})
						}
						inl = append(inl, blockInlines(b)...)
					}
					row.children = append(row.children, &node{kind: kCell, header: c.Type == "tableHeader", children: inl})
				}
				table.children = append(table.children, row)
			}
			out = append(out, table)
		case "mediaSingle", "mediaGroup":
			flush()
			var inl []*node
			for _, m := range n.Content {
				inl = append(inl, adfInline(m)...)
			}
			if len(inl) > 0 {
				out = append(out, para(inl))
			}
		case "panel", "expand", "nestedExpand", "layoutSection", "layoutColumn", "bodiedExtension", "listItem", "tableCell", "tableHeader":
			flush()
			if title, _ := n.Attrs["title"].(string); title != "" {
				out = append(out, para([]*node{{kind: kStrong, children: []*node{{kind: kText, text: title}}}}))
			}
			out = append(out, adfBlocks(n.Content)...)
		default:
			loose = append(loose, n)
		}
	}
	flush()
	return out
}

// blockInlines flattens a block to inline nodes, for table cells.
func blockInlines(b *node) []*node {
	switch b.kind {
	case kPara, kHeading:
		return b.children
	case kCode:
		return []*node{{kind: kCodeRun, text: b.text}}
	}
	return []*node{{kind: kText, text: textBlock(b, "")}}
}

func adfInlines(nodes []adfNode) []*node {
	var out []*node
	for _, n := range nodes {
		out = append(out, adfInline(n)...)
	}
	return mergeText(out)
}

func adfInline(n adfNode) []*node {
	switch n.Type {
	case "text":
		return []*node{adfMarked(n.Text, n.Marks)}
	case "hardBreak":
		return []*node{{kind: kBreak}}
	case "mention":
		id, _ := n.Attrs["id"].(string)
		if id == "" {
			text, _ := n.Attrs["text"].(string)
			return []*node{{kind: kText, text: text}}
		}
		if !strings.Contains(id, ":") {
			id = "accountid:" + id
		}
		return []*node{{kind: kMention, text: id}}
	case "emoji":
		if text, _ := n.Attrs["text"].(string); text != "" {
			return []*node{{kind: kText, text: text}}
		}
		short, _ := n.Attrs["shortName"].(string)
		return []*node{{kind: kText, text: short}}
	case "inlineCard", "blockCard", "embedCard":
		url, _ := n.Attrs["url"].(string)
		if url == "" {
			return nil
		}
		return []*node{{kind: kLink, url: url}}
	case "status":
		text, _ := n.Attrs["text"].(string)
		return []*node{{kind: kText, text: "[" + text + "]"}}
	case "date":
		ts, _ := n.Attrs["timestamp"].(string)
		return []*node{{kind: kText, text: ts}}
	case "media", "mediaInline":
		url, _ := n.Attrs["url"].(string)
		if url == "" {
			id, _ := n.Attrs["id"].(string)
			url = id
		}
		alt, _ := n.Attrs["alt"].(string)
		if url == "" {
			return nil
		}
		return []*node{{kind: kImage, url: url, text: alt}}
	}
	// Unknown inline node: keep its text.
	if n.Text != "" {
		return []*node{{kind: kText, text: n.Text}}
	}
	return adfInlines(n.Content)
}

// adfMarked wraps text in the nodes its marks stand for, links outermost.
func adfMarked(text string, marks []adfMark) *node {
	var inner *node
	if hasMark(marks, "code") {
		inner = &node{kind: kCodeRun, text: text}
	} else {
		inner = &node{kind: kText, text: text}
	}
	var link string
	for _, m := range marks {
		switch m.Type {
		case "strong":
			inner = &node{kind: kStrong, children: []*node{inner}}
		case "em":
			inner = &node{kind: kEm, children: []*node{inner}}
		case "strike":
			inner = &node{kind: kStrike, children: []*node{inner}}
		case "underline", "subsup", "textColor", "backgroundColor":
			inner = &node{kind: kSpan, children: []*node{inner}}
		case "link":
			link, _ = m.Attrs["href"].(string)
		}
	}
	if link != "" {
		l := &node{kind: kLink, url: link, children: []*node{inner}}
		if text == link {
			l.children = nil
		}
		return l
	}
	return inner
}

func hasMark(marks []adfMark, typ string) bool {
	for _, m := range marks {
		if m.Type == typ {
			return true
		}
	}
	return false
}

func attrNumber(attrs map[string]any, key string) float64 {
	f, _ := attrs[key].(float64)
	return f
}
