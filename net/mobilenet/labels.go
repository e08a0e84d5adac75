package mobilenet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/livecam/livecam/net/internal/safefile"
)

// Labels names the classes of a model: a human-readable label and, when
// known, the WordNet id of each class index.
type Labels struct {
	Names []string
	// WNIDs holds WordNet ids ("n02123045") parallel to Names, or is nil.
	WNIDs []string
}

// Len returns the number of classes named.
func (l *Labels) Len() int {
	if l == nil {
		return 0
	}
	return len(l.Names)
}

// Name returns the label of class i, or "class i" when l has none.
func (l *Labels) Name(i int) string {
	if l != nil && i >= 0 && i < len(l.Names) {
		return l.Names[i]
	}
	return "class " + strconv.Itoa(i)
}

// WNID returns the WordNet id of class i, or "" when unknown.
func (l *Labels) WNID(i int) string {
	if l != nil && i >= 0 && i < len(l.WNIDs) {
		return l.WNIDs[i]
	}
	return ""
}

// LoadLabels reads class labels from a file in one of three forms, chosen by
// its content: a TF.js metadata.json ({"labels": [...]}), a tab-separated
// table with the header "index, wnid, label" (imagenet_classes.tsv), or
// plain text with one label per line.
//
// The file must be a regular file of at most 16 MiB.
func LoadLabels(path string) (*Labels, error) {
	data, err := safefile.ReadBounded(path, MaxLabelsFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathCause(err))
	}
	l, err := ParseLabels(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// ParseLabels reads labels in any of the forms LoadLabels accepts from
// the content of a file.
func ParseLabels(data []byte) (*Labels, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var meta struct {
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal(trimmed, &meta); err != nil {
			return nil, fmt.Errorf("malformed labels JSON: %v", err)
		}
		if len(meta.Labels) == 0 {
			return nil, fmt.Errorf(`no "labels" array`)
		}
		return &Labels{Names: meta.Labels}, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var l Labels
	tsv := false
	for n := 0; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 0 && strings.HasPrefix(line, "index\twnid\tlabel") {
			tsv = true
			continue
		}
		if !tsv {
			l.Names = append(l.Names, line)
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 tab-separated fields", n+1)
		}
		if idx, err := strconv.Atoi(f[0]); err != nil || idx != len(l.Names) {
			return nil, fmt.Errorf("line %d: index %q, want %d", n+1, f[0], len(l.Names))
		}
		l.WNIDs = append(l.WNIDs, f[1])
		l.Names = append(l.Names, f[2])
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(l.Names) == 0 {
		return nil, fmt.Errorf("no labels")
	}
	return &l, nil
}

// MaxLabelsFile bounds a labels file: ImageNet's 1000 labels take 30 KiB.
const MaxLabelsFile = 16 << 20

// pathCause strips the path from an *os.PathError whose message names the
// file already.
func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
