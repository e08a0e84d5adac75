package models

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/net/mobilenet"
)

// ReadLabels reads the labels file of the variant v (its Labels file, or
// one in the same form) and returns its labels indexed by the model's
// output class. A classifier's file has one label per class, line i for
// class i (the quantized classifiers' line 0 is "background", their
// class 0). The detector's is a labelmap: line 0 "???" is the background,
// which the model does not output, and line c+1 names output class c (see
// ReadLabelMap). The error names the file and says what is wrong.
func (v Variant) ReadLabels(path string) (*mobilenet.Labels, error) {
	if v.Task == Detect {
		l, err := ReadLabelMap(path)
		if err != nil {
			return nil, err
		}
		if l.Len() != v.Config.Classes {
			return nil, fmt.Errorf("%s: %d classes after the background line; %s outputs %d", path, l.Len(), v.Name, v.Config.Classes)
		}
		return l, nil
	}
	l, err := mobilenet.LoadLabels(path)
	if err != nil {
		return nil, err
	}
	trimEmpty(l)
	if l.Len() != v.Config.Classes {
		return nil, fmt.Errorf("%s: %d labels; %s has %d classes", path, l.Len(), v.Name, v.Config.Classes)
	}
	return l, nil
}

// LabelMapBackground is the first line of a TFLite detector's labelmap:
// the background class, which the model never outputs.
const LabelMapBackground = "???"

// ReadLabelMap reads a TFLite object detector's labelmap (one label per
// line, as TensorFlow's object detection models publish it, e.g.
// DetectLabels): line 0 must be the background "???"; the labels
// returned start at line 1, so that Names[c] labels the model's output
// class c. Empty lines at the end are ignored. The error names the file.
func ReadLabelMap(path string) (*mobilenet.Labels, error) {
	l, err := mobilenet.LoadLabels(path)
	if err != nil {
		return nil, err
	}
	trimEmpty(l)
	if l.Len() == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	if l.Names[0] != LabelMapBackground || l.WNIDs != nil {
		return nil, fmt.Errorf("%s: not a detector's labelmap: line 1 is %q, want the background %q", path, l.Names[0], LabelMapBackground)
	}
	if l.Len() == 1 {
		return nil, fmt.Errorf("%s: only the background line, no classes", path)
	}
	return &mobilenet.Labels{Names: l.Names[1:]}, nil
}

// trimEmpty drops empty labels at the end of l (a file ending in blank
// lines).
func trimEmpty(l *mobilenet.Labels) {
	for len(l.Names) > 0 && l.Names[len(l.Names)-1] == "" {
		l.Names = l.Names[:len(l.Names)-1]
	}
	if len(l.WNIDs) > len(l.Names) {
		l.WNIDs = l.WNIDs[:len(l.Names)]
	}
}

// LabelsPath returns the path of v's labels file beside the model file
// model (as Resolve returns it), or "" when v has none or it is not
// there.
func (v Variant) LabelsPath(model string) string {
	if v.Labels == "" {
		return ""
	}
	p := filepath.Join(filepath.Dir(model), v.Labels)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return p
}
