// Package cameras reads the list of cameras one livecam process watches:
// a YAML file (livecam -config cameras.yaml) or NAME=SOURCE arguments.
//
// The file is decoded strictly: a key livecam does not know (a misspelt
// one) or given twice is an error naming its line, and so is a value out
// of range or of the wrong kind (named by its key: "topk: want a whole
// number, not "1.5"", which the YAML decoder alone would cut to 1), a
// camera without a source, or two cameras with one name. Of several
// mistakes the first in the file is named. The whole file is checked
// before anything runs.
//
//	workers: 2                   # inference workers shared by every camera
//	serve: 127.0.0.1:8080        # the viewer: a grid of every camera
//	mqtt:
//	  broker: mqtt://127.0.0.1:1883
//	cameras:
//	  - name: door
//	    source: rtsp://door.lan/stream
//	    fps: 2                   # at most 2 forward passes a second
//	    events: door-events.jsonl
//	  - name: yard
//	    source: 0
//	    topk: 1
//	    allow: [dog, cat]
//
// Settings given on the command line apply to every camera; a camera's
// own settings in the file take precedence over them.
//
// A cameras file is bounded before it is decoded, so a hostile one is
// refused within a fraction of a second instead of taking the process's
// memory: it must be a regular file (never a FIFO or a device, which are
// not even opened for long) of at most MaxSize bytes, collections may
// nest at most MaxDepth deep, a mapping may have at most MaxKeys keys (a
// second YAML document is refused), and the values of the file, with its
// aliases expanded, may number at most MaxNodes (a "billion laughs" of
// nested aliases is refused naming the line of the alias that crosses the
// bound). Anchors and aliases are otherwise allowed (one allow list shared
// by several cameras: allow: &pets [dog, cat], then allow: *pets), but an
// alias must follow its anchor and an anchor's name may be given once.
package cameras

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/scanner"
	"github.com/goccy/go-yaml/token"
	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/filekind"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/track"
)

// Bounds of a cameras file: far above any real one (a camera takes a few
// hundred bytes, a dozen values and a depth of 4), far below what would
// keep the decoder busy for more than a second.
const (
	// MaxSize is the largest cameras file, in bytes (1 MiB).
	MaxSize = 1 << 20
	// MaxDepth is how deep mappings and sequences may nest.
	MaxDepth = 32
	// MaxKeys is how many keys one mapping may have.
	MaxKeys = 256
	// MaxNodes is how many YAML values (keys, values, collections) the
	// file may hold once its aliases are expanded.
	MaxNodes = 500_000
)

// Config is a cameras file.
type Config struct {
	// Model is the model's name or folder (as -model).
	Model string `yaml:"model"`
	// Workers is the number of inference workers all cameras share (as
	// -workers).
	Workers *int `yaml:"workers"`
	// Serve is the viewer's address (as -serve).
	Serve string `yaml:"serve"`
	// OutDir receives the cameras' outputs (as -out-dir). A video file
	// camera writes NAME.mp4, NAME.jsonl and NAME.events.jsonl there,
	// unless it names its own. A live camera (an index, a stream URL, a
	// GStreamer pipeline) records into NAME/DATE/: time-named segments
	// (HH-MM-SS.mp4; none when it names its own out:), each with its
	// HH-MM-SS.results.jsonl and HH-MM-SS.events.jsonl beside it, rotated
	// by -segment and deleted by -keep and -keep-size; with -clips, its
	// event clips go to NAME/clips/DATE/.
	OutDir string `yaml:"out_dir"`
	// MQTT publishes every camera's labels and events (as -mqtt...).
	MQTT *MQTT `yaml:"mqtt"`
	// NATS stores them in NATS JetStream (as -nats, -nats-results).
	NATS *NATS `yaml:"nats"`
	// Cameras are the cameras, in the order the viewer shows them.
	Cameras []Camera `yaml:"cameras"`

	file *ast.File // the parsed file, for Line
}

// Line returns the line of the file where the value at a YAML path is
// ("$.out_dir", "$.cameras[1].results", "$.mqtt.ca"), or 0 when it is
// not in the file: for the errors of the settings checked after Load
// (an out_dir that is not a folder), which must name the file and the
// line, not the flag the user never gave.
func (c *Config) Line(path string) int {
	if c.file == nil {
		return 0
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return 0
	}
	node, err := p.FilterFile(c.file)
	if err != nil || node == nil || node.GetToken() == nil {
		return 0
	}
	return node.GetToken().Position.Line
}

// MQTT is the broker connection of a cameras file.
type MQTT struct {
	Broker       string `yaml:"broker"`        // mqtt://HOST:PORT or mqtts://
	Prefix       string `yaml:"prefix"`        // topics' first part (livecam)
	User         string `yaml:"user"`          // user name
	PasswordFile string `yaml:"password_file"` // the password, never in the file itself
	Discovery    string `yaml:"discovery"`     // Home Assistant discovery prefix
	Results      bool   `yaml:"results"`       // also every frame's result
	CA           string `yaml:"ca"`            // CA file (PEM) for mqtts://
	Cert         string `yaml:"cert"`          // client certificate (PEM)
	Key          string `yaml:"key"`           // its key (PEM)
}

// NATS is the JetStream connection of a cameras file.
type NATS struct {
	URL     string `yaml:"url"`     // nats://HOST:4222
	Results bool   `yaml:"results"` // also every frame's result
}

// Camera is one camera: its name, its source, and the settings it has
// of its own (nil: the command line's).
type Camera struct {
	// Name names the camera in the viewer's routes, topics, metrics and
	// file names: letters, digits, '.', '_' and '-'.
	Name string `yaml:"name"`
	// Source is what -source takes: a camera index, a file, a stream URL
	// or a GStreamer pipeline.
	Source string `yaml:"source"`

	Realtime *bool    `yaml:"realtime"`  // play a file at its own rate, live
	Loop     *bool    `yaml:"loop"`      // play a file again at its end
	FPS      *float64 `yaml:"fps"`       // at most this many forward passes a second (0: no cap)
	Every    *int     `yaml:"every"`     // classify every K-th frame
	Out      string   `yaml:"out"`       // annotated video file
	Results  string   `yaml:"results"`   // JSON lines, one per frame
	Events   string   `yaml:"events"`    // JSON lines, one per event
	TopK     *int     `yaml:"topk"`      // classes per frame
	MinScore *float64 `yaml:"min_score"` // leave out classes below this score
	Allow    []string `yaml:"allow"`     // report only these classes
	Deny     []string `yaml:"deny"`      // never report these classes
	Smooth   *float64 `yaml:"smooth"`    // moving average weight of the newest frame
	// Zones are the camera's named zones for a detector, each as -zone
	// takes it: "NAME=x1,y1,x2,y2,x3,y3,..." in pixels of the camera's
	// frames, or fractions of them when every value is within [0, 1].
	Zones []string `yaml:"zones"`
}

// validName is what a camera may be called (the viewer's rule).
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Load reads and checks a cameras file. Anything but a regular file (a
// FIFO, a device such as /dev/zero, a folder) is refused without being
// read, and so is a file larger than MaxSize.
func Load(path string) (*Config, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; it changes
	// nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s, not a regular file: a cameras file is a YAML file", path, filekind.Of(st.Mode()))
	}
	if st.Size() > MaxSize {
		return nil, tooLarge(path, st.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, data)
}

func tooLarge(name string, size int64) error {
	return fmt.Errorf("%s: %d bytes or more: a cameras file may be at most %d bytes (1 MiB)", name, size, MaxSize)
}

// Parse decodes and checks a cameras file's contents; name names it in
// errors. The bounds (MaxSize, MaxDepth, MaxKeys, MaxNodes) are checked
// before anything is decoded. Errors are one line, "NAME: line N: ..." or
// "NAME: [LINE:COLUMN] ...", naming the key or value at fault.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(name, int64(len(data)))
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fmt.Errorf("%s: line %d: a NUL byte: a cameras file is text", name, 1+bytes.Count(data[:i], []byte("\n")))
	}
	tokens, err := tokenize(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, false))
	}
	if len(file.Docs) > 1 {
		return nil, fmt.Errorf("%s: %sa second YAML document: a cameras file has one", name, lineOf(file.Docs[1]))
	}
	var c Config
	if len(file.Docs) == 1 && file.Docs[0].Body != nil {
		b := bounder{anchors: map[string]extent{}, values: map[string]ast.Node{}}
		if _, err := b.walk(file.Docs[0].Body, 1); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if err := checkKeys(file.Docs[0].Body, reflect.TypeOf(c), "the file", b.values); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if err := yaml.NodeToValue(file.Docs[0].Body, &c, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, false))
		}
	}
	// where returns "LINE: " for a YAML path, or "" when it is absent.
	c.file = file
	where := func(path string) string {
		if n := c.Line(path); n > 0 {
			return fmt.Sprintf("line %d: ", n)
		}
		return ""
	}
	fail := func(path, format string, args ...any) error {
		return fmt.Errorf("%s: %s%s", name, where(path), fmt.Sprintf(format, args...))
	}
	if len(c.Cameras) == 0 {
		return nil, fmt.Errorf("%s: no cameras (want a list under cameras:, each with a name and a source)", name)
	}
	if c.Workers != nil && (*c.Workers < 0 || *c.Workers > 64) {
		return nil, fail("$.workers", "workers %d: want 0 to 64", *c.Workers)
	}
	if c.Serve != "" {
		if err := checkAddr(c.Serve); err != nil {
			return nil, fail("$.serve", "serve: %q: %v", short(c.Serve), err)
		}
	}
	seen := map[string]int{}
	for i, cam := range c.Cameras {
		at := func(key string) string { return fmt.Sprintf("$.cameras[%d].%s", i, key) }
		switch {
		case cam.Name == "":
			return nil, fail(fmt.Sprintf("$.cameras[%d]", i), "camera %d has no name", i+1)
		case !validName.MatchString(cam.Name):
			return nil, fail(at("name"), "camera name %q: want letters, digits, '.', '_' or '-' (at most 64)", short(cam.Name))
		case cam.Source == "":
			return nil, fail(at("name"), "camera %s has no source", cam.Name)
		}
		// door.1 and door_1 would share their topics and subjects.
		if j, dup := seen[topicname.Safe(cam.Name)]; dup {
			if c.Cameras[j].Name == cam.Name {
				return nil, fail(at("name"), "two cameras named %s (the other is camera %d)", cam.Name, j+1)
			}
			return nil, fail(at("name"), "cameras %s and %s (camera %d) would share their MQTT topics and NATS subjects (%s): rename one",
				cam.Name, c.Cameras[j].Name, j+1, topicname.Safe(cam.Name))
		}
		seen[topicname.Safe(cam.Name)] = i
		checks := []struct {
			key    string
			bad    bool
			detail string
		}{
			{"fps", cam.FPS != nil && (*cam.FPS < 0 || *cam.FPS > 1000), "want 0 (no cap) to 1000"},
			{"every", cam.Every != nil && (*cam.Every < 1 || *cam.Every > 1_000_000), "want 1 or more"},
			{"topk", cam.TopK != nil && (*cam.TopK < 1 || *cam.TopK > 10), "want 1 to 10"},
			{"min_score", cam.MinScore != nil && (*cam.MinScore < 0 || *cam.MinScore > 1), "want 0 to 1"},
			{"smooth", cam.Smooth != nil && (*cam.Smooth < 0 || *cam.Smooth > 1), "want 0 (off) to 1"},
		}
		for _, ch := range checks {
			if ch.bad {
				return nil, fail(at(ch.key), "camera %s: %s out of range: %s", cam.Name, ch.key, ch.detail)
			}
		}
		names := map[string]bool{}
		for k, spec := range cam.Zones {
			z, err := track.ParseZone(spec)
			if err != nil {
				return nil, fail(fmt.Sprintf("$.cameras[%d].zones[%d]", i, k), "camera %s: %v", cam.Name, strings.TrimPrefix(err.Error(), "track: "))
			}
			if names[z.Name] {
				return nil, fail(fmt.Sprintf("$.cameras[%d].zones[%d]", i, k), "camera %s: two zones named %s", cam.Name, z.Name)
			}
			names[z.Name] = true
		}
	}
	if m := c.MQTT; m != nil && m.Broker == "" {
		return nil, fail("$.mqtt", "mqtt: no broker")
	}
	if n := c.NATS; n != nil && n.URL == "" {
		return nil, fail("$.nats", "nats: no url")
	}
	return &c, nil
}

// sourceSpec matches NAME=SOURCE.
var sourceSpec = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})=(.+)$`)

// FromSources reads NAME=SOURCE arguments (-source door=rtsp://...). It
// returns ok false when none of them has a name (one ordinary source, or
// a batch of files), and an error when some have one and others not, or
// a name is given twice. A file whose own name contains '=' is a source
// without a name when it exists.
func FromSources(specs []string) (cams []Camera, ok bool, err error) {
	named := 0
	for _, s := range specs {
		m := sourceSpec.FindStringSubmatch(s)
		if m == nil || strings.Contains(m[1], "://") || exists(s) {
			continue
		}
		named++
		cams = append(cams, Camera{Name: m[1], Source: m[2]})
	}
	switch {
	case named == 0:
		return nil, false, nil
	case named < len(specs):
		return nil, false, errors.New("give every source a name (NAME=SOURCE) or none")
	}
	seen := map[string]string{}
	for _, c := range cams {
		key := topicname.Safe(c.Name)
		if other, dup := seen[key]; dup {
			if other == c.Name {
				return nil, false, fmt.Errorf("two cameras named %s", c.Name)
			}
			return nil, false, fmt.Errorf("cameras %s and %s would share their MQTT topics and NATS subjects (%s): rename one", other, c.Name, key)
		}
		seen[key] = c.Name
	}
	return cams, true, nil
}

// short returns s, or its first 40 characters and how long it is, for
// an error message: a key or a name in a hostile file may be a megabyte.
func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return fmt.Sprintf("%s... (%d bytes)", string(r[:40]), len(s))
	}
	return s
}

// lineOf returns "line N: " for a node, or "" when it has no position.
func lineOf(n ast.Node) string {
	if d, ok := n.(*ast.DocumentNode); ok { // its token is its body's
		switch {
		case d.Start != nil: // "---"
			return fmt.Sprintf("line %d: ", d.Start.Position.Line)
		case d.Body == nil: // an empty document, "...": no position
			return ""
		}
	}
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return fmt.Sprintf("line %d: ", n.GetToken().Position.Line)
}

// tokenize splits a file into its tokens (as lexer.Tokenize) and
// checks each as it comes, so that a file crossing a bound is refused as
// soon as the bound is crossed, before the rest of it is read and before
// the parser sees any of it: collections nested deeper than MaxDepth
// (block ones, "- - - a: 1" on one line or indented line after line, and
// flow ones, [...] and {...}, counted together), a block mapping of more
// than MaxKeys keys and a second YAML document. The parser's time and
// memory grow with the square of the depth and of a mapping's keys (a
// 128 kB line of "- " took it 6 GB); the error names the line.
func tokenize(data []byte) (token.Tokens, error) {
	var s scanner.Scanner
	s.Init(string(data))
	var tokens token.Tokens
	var c tokenCheck
	for {
		sub, err := s.Scan()
		if err == io.EOF {
			return tokens, nil
		}
		for _, tk := range sub {
			tokens.Add(tk)
			if err := c.next(tokens); err != nil {
				return nil, err
			}
		}
	}
}

// tokenCheck holds what tokenize knows of the tokens so far.
type tokenCheck struct {
	depth, docs int // flow collections open, documents begun
	// The block collections open, outermost first, each by its column
	// (a sequence's "-", a mapping's keys) and, for a mapping, how many
	// keys it has so far.
	open  []block
	line  int  // the line of the last token but comments
	ended bool // after "...": only comments, or a second document
}

// block is a block collection: a sequence or a mapping.
type block struct {
	column, keys int
	seq          bool
}

// closeTo ends the block collections to the right of a token at
// column; key: the token is a mapping's key, which also ends a sequence
// in its column (the previous key's value: "cameras:\n- a\nworkers: 2").
func (c *tokenCheck) closeTo(column int, key bool) {
	for len(c.open) > 0 {
		top := c.open[len(c.open)-1]
		if top.column < column || top.column == column && !(key && top.seq) {
			return
		}
		c.open = c.open[:len(c.open)-1]
	}
}

// push opens a block collection at tk.
func (c *tokenCheck) push(tk *token.Token, b block) error {
	c.open = append(c.open, b)
	return c.nested(tk)
}

// nested refuses a file once more than MaxDepth collections are open.
func (c *tokenCheck) nested(tk *token.Token) error {
	if len(c.open)+c.depth > MaxDepth {
		return fmt.Errorf("line %d: nested more than %d deep", tk.Position.Line, MaxDepth)
	}
	return nil
}

// next checks the last of tokens.
func (c *tokenCheck) next(tokens token.Tokens) error {
	i := len(tokens) - 1
	tk := tokens[i]
	if c.ended && tk.Type != token.DocumentEndType && tk.Type != token.CommentType && tk.Type != token.DocumentHeaderType {
		return fmt.Errorf("line %d: a second YAML document (after ...): a cameras file has one", tk.Position.Line)
	}
	if tk.Type == token.CommentType {
		return nil
	}
	first := tk.Position.Line > c.line // the first token of its line
	c.line = tk.Position.Line
	if c.depth > 0 { // inside a flow collection: no block ones
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			c.depth++
			return c.nested(tk)
		case token.SequenceEndType, token.MappingEndType:
			c.depth--
		}
		return nil
	}
	// A block of text ("key: |") is one token whose column is 0: it
	// ends nothing (else the collections around it would be forgotten
	// and nested again past MaxDepth).
	text := i > 0 && (tokens[i-1].Type == token.LiteralType || tokens[i-1].Type == token.FoldedType)
	if first && !text {
		c.closeTo(tk.Position.Column, false)
	}
	switch tk.Type {
	case token.SequenceEntryType:
		col := tk.Position.Column
		c.closeTo(col, false)
		if n := len(c.open); n == 0 || c.open[n-1].column < col || !c.open[n-1].seq {
			return c.push(tk, block{column: col, seq: true})
		}
	case token.MappingKeyType, token.MappingValueType:
		// "? key" and "key:" add a key at their column; a ":" that
		// begins its line is the value of the "? key" above it.
		col, count := tk.Position.Column, true
		if tk.Type == token.MappingValueType && !first {
			col = keyColumn(tokens, i)
		} else if tk.Type == token.MappingValueType {
			count = false
		}
		c.closeTo(col, true)
		if n := len(c.open); n == 0 || c.open[n-1].column < col {
			if err := c.push(tk, block{column: col}); err != nil {
				return err
			}
		}
		if top := &c.open[len(c.open)-1]; count {
			if top.keys++; top.keys > MaxKeys {
				return fmt.Errorf("line %d: more than %d keys in one mapping", tk.Position.Line, MaxKeys)
			}
		}
	case token.DocumentHeaderType:
		c.open = nil
		if c.docs++; c.docs > 1 {
			return fmt.Errorf("line %d: a second YAML document (---): a cameras file has one", tk.Position.Line)
		}
	case token.DocumentEndType:
		c.open = nil
		c.docs, c.ended = 1, true // "...": anything after it starts another document
	case token.SequenceStartType, token.MappingStartType:
		c.depth++
		return c.nested(tk)
	}
	return nil
}

// keyColumn returns the column where the key of the ":" at tokens[i]
// begins, with its anchor, tag or alias mark ("&a !!str key:").
func keyColumn(tokens token.Tokens, i int) int {
	j := i - 1
	if j < 0 {
		return tokens[i].Position.Column
	}
	same := func(k int) bool { return k >= 0 && tokens[k].Position.Line == tokens[j].Position.Line }
	for {
		switch {
		case same(j-1) && (tokens[j-1].Type == token.TagType || tokens[j-1].Type == token.AliasType):
			j--
		case same(j-2) && tokens[j-2].Type == token.AnchorType:
			j -= 2 // "&" and the anchor's name
		default:
			return tokens[j].Position.Column
		}
	}
}

// extent is the size of a node with its aliases expanded: how many
// values it holds and how deep it goes.
type extent struct{ nodes, depth int }

// bounder walks a document's tree, expanding aliases by the sizes of
// their anchors (computed once), and stops at the first bound crossed.
type bounder struct {
	anchors map[string]extent   // complete anchors by name
	values  map[string]ast.Node // and their values
	open    []string            // anchors being walked
	nodes   int                 // values so far, aliases expanded
}

// walk returns n's extent; depth is n's own depth (the document's body
// is 1).
func (b *bounder) walk(n ast.Node, depth int) (extent, error) {
	if n == nil {
		return extent{}, nil
	}
	if depth > MaxDepth {
		return extent{}, fmt.Errorf("%snested more than %d deep", lineOf(n), MaxDepth)
	}
	var children []ast.Node
	switch n := n.(type) {
	case *ast.AliasNode:
		name := n.Value.GetToken().Value
		for _, o := range b.open {
			if o == name {
				return extent{}, fmt.Errorf("%salias *%s is inside its own anchor", lineOf(n), short(name))
			}
		}
		e, ok := b.anchors[name]
		if !ok {
			return extent{}, fmt.Errorf("%salias *%s has no anchor &%s before it", lineOf(n), short(name), short(name))
		}
		return e, b.add(n, e, depth)
	case *ast.AnchorNode:
		name := n.Name.GetToken().Value
		if _, dup := b.anchors[name]; dup {
			return extent{}, fmt.Errorf("%sanchor &%s given twice: give each anchor its own name", lineOf(n), short(name))
		}
		b.open = append(b.open, name)
		e, err := b.walk(n.Value, depth)
		b.open = b.open[:len(b.open)-1]
		if err != nil {
			return extent{}, err
		}
		b.anchors[name], b.values[name] = e, n.Value
		return e, nil
	case *ast.TagNode:
		return b.walk(n.Value, depth)
	case *ast.MappingNode:
		for _, v := range n.Values {
			children = append(children, v)
		}
	case *ast.MappingValueNode:
		children = []ast.Node{n.Key, n.Value}
	case *ast.MappingKeyNode:
		children = []ast.Node{n.Value}
	case *ast.SequenceNode:
		children = n.Values
	case *ast.LiteralNode:
		children = []ast.Node{n.Value}
	}
	e := extent{nodes: 1, depth: 1}
	if err := b.add(n, extent{nodes: 1}, depth); err != nil {
		return extent{}, err
	}
	for _, c := range children {
		// A mapping's key: value pair is no level of its own.
		d := depth + 1
		if _, pair := n.(*ast.MappingNode); pair {
			d = depth
		}
		ce, err := b.walk(c, d)
		if err != nil {
			return extent{}, err
		}
		e.nodes += ce.nodes
		e.depth = max(e.depth, ce.depth+d-depth)
	}
	return e, nil
}

// add counts e's values at n, whose depth is depth, against the bounds.
func (b *bounder) add(n ast.Node, e extent, depth int) error {
	b.nodes += e.nodes
	switch {
	case b.nodes > MaxNodes:
		return fmt.Errorf("%smore than %d values (with aliases expanded): a cameras file is far smaller", lineOf(n), MaxNodes)
	case depth-1+e.depth > MaxDepth:
		return fmt.Errorf("%snested more than %d deep (with aliases expanded)", lineOf(n), MaxDepth)
	}
	return nil
}

// checkKeys checks, in the order of the file, the keys and values of
// every mapping decoded into a struct of type t: the first key that is
// unknown or given twice, or whose value is of the wrong kind, is the one
// named (the decoder would name any of them, or the Go field that holds
// it, and take a time that grows with the square of their number). what
// names n in messages (its key); anchors are the anchors' values, for
// aliases and merge keys (<<: *x).
func checkKeys(n ast.Node, t reflect.Type, what string, anchors map[string]ast.Node) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || n.GetToken() == nil {
		return nil
	}
	pos := n.GetToken().Position // where the value is written (an alias, not its anchor)
	n = unwrap(n, anchors)
	if _, null := n.(*ast.NullNode); null || n == nil {
		return nil // "key:" with nothing: the setting is not given
	}
	want := func(kind string) error {
		return fmt.Errorf("[%d:%d] %s: want %s, not %s", pos.Line, pos.Column, what, kind, kindOf(n))
	}
	switch t.Kind() {
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			return want("a list")
		}
		for _, v := range seq.Values {
			if err := checkKeys(v, t.Elem(), what+" item", anchors); err != nil {
				return err
			}
		}
	case reflect.Struct:
		m, ok := n.(*ast.MappingNode)
		if !ok {
			return want("a mapping of settings")
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				fields[strings.Split(f.Tag.Get("yaml"), ",")[0]] = f.Type
			}
		}
		seen := map[string]int{}
		for _, kv := range m.Values {
			if kv.Key.IsMergeKey() { // <<: *x or <<: [*x, *y]
				merged := []ast.Node{kv.Value}
				if seq, ok := unwrap(kv.Value, anchors).(*ast.SequenceNode); ok {
					merged = seq.Values
				}
				for _, v := range merged {
					if err := checkKeys(v, t, what, anchors); err != nil {
						return err
					}
				}
				continue
			}
			tk := kv.Key.GetToken()
			key := tk.Value
			ft, known := fields[key]
			if !known {
				return fmt.Errorf("[%d:%d] unknown field %q", tk.Position.Line, tk.Position.Column, short(key))
			}
			if line, twice := seen[key]; twice {
				return fmt.Errorf("[%d:%d] %q given twice (first on line %d)", tk.Position.Line, tk.Position.Column, short(key), line)
			}
			seen[key] = tk.Position.Line
			if err := checkKeys(kv.Value, ft, key, anchors); err != nil {
				return err
			}
		}
	case reflect.Int:
		if _, ok := n.(*ast.IntegerNode); !ok {
			return want("a whole number")
		}
	case reflect.Float64:
		switch n.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
		default:
			return want("a number")
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			return want("true or false")
		}
	case reflect.String:
		switch n.(type) {
		case *ast.MappingNode, *ast.SequenceNode:
			return want("a string")
		}
	}
	return nil
}

// unwrap returns the value an anchor, a tag or an alias stands for.
func unwrap(n ast.Node, anchors map[string]ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			n = anchors[v.Value.GetToken().Value]
		default:
			return n
		}
	}
}

// kindOf names a YAML value's kind for messages, with the value itself
// when it is a scalar.
func kindOf(n ast.Node) string {
	switch n := n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.BoolNode, *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode, *ast.StringNode:
		return strconv.Quote(short(n.GetToken().Value))
	}
	return "a " + n.Type().String()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// checkAddr checks a viewer's address: HOST:PORT (HOST may be empty: every
// interface), PORT a number up to 65535 or a service's name.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT, such as 127.0.0.1:8080")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q: want a number from 0 to 65535", short(port))
	}
	return nil
}

// ServeOrigin names where the viewer's address addr came from, for a
// message: "PATH: line N: serve" when the cameras file path sets serve:
// to addr, "" when it does not (the address is -serve's) or cannot be
// read.
func ServeOrigin(path, addr string) string {
	if path == "" {
		return ""
	}
	c, err := Load(path)
	if err != nil || c.Serve != addr {
		return ""
	}
	return fmt.Sprintf("%s: line %d: serve", path, c.Line("$.serve"))
}
