package recipe

import (
	"strings"
	"unicode/utf8"

	"github.com/recipekit/recipekit/trigger"
)

// maxLabel caps a job's label: it is for reading in a list, not storage.
const maxLabel = 200

// eventLabel returns the label of an event's data (trigger.Labeler), cut
// to maxLabel bytes on a rune boundary and on one line.
func eventLabel(data any) (label string) {
	l, ok := data.(trigger.Labeler)
	if !ok {
		return ""
	}
	defer func() {
		if recover() != nil {
			label = "" // a nil pointer's method: the event simply has no label
		}
	}()
	s := strings.Join(strings.Fields(l.EventLabel()), " ")
	if len(s) <= maxLabel {
		return s
	}
	cut := maxLabel
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
