package markup

import (
	"strconv"
	"strings"
)

// renderText writes blocks as plain text.
func renderText(blocks []*node) string {
	return joinBlocks(blocks, func(b *node) string { return textBlock(b, "") })
}

func textBlock(b *node, indent string) string {
	switch b.kind {
	case kPara, kHeading:
		return plainText(b.children)
	case kCode:
		return b.text
	case kQuote:
		return renderText(b.children)
	case kList:
		var lines []string
		for k, item := range b.children {
			bullet := "- "
			if b.ordered {
				bullet = strconv.Itoa(k+1) + ". "
			}
			first := true
			for _, c := range item.children {
				if c.kind == kList {
					lines = append(lines, textBlock(c, indent+"  "))
					continue
				}
				s := textBlock(c, indent)
				if first {
					s = indent + bullet + s
					first = false
				} else {
					s = indent + strings.Repeat(" ", len(bullet)) + s
				}
				lines = append(lines, s)
			}
		}
		return strings.Join(lines, "\n")
	case kTable:
		var rows []string
		for _, row := range b.children {
			cells := make([]string, len(row.children))
			for i, c := range row.children {
				cells[i] = strings.ReplaceAll(plainText(c.children), "\n", " ")
			}
			rows = append(rows, strings.Join(cells, " | "))
		}
		return strings.Join(rows, "\n")
	}
	return ""
}
