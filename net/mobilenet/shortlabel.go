package mobilenet

import "strings"

// ShortLabel returns a label's display name: the first of its
// comma-separated names ("hotdog, hot dog, red hot" is "hotdog"), or the
// whole label when it has one name ("golden retriever", a detector's
// "dining table"). Nothing else is changed: no space is trimmed, so that
// the name is a prefix of the label. The overlay, the timeline, the
// events' messages (package wire) and class names given by label
// (classify.ParseClass) all use it.
func ShortLabel(label string) string {
	name, _, _ := strings.Cut(label, ",")
	return name
}
