package ssd

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strings"
	"testing"
)

// entry is one value of a FlexBuffers map the tests build.
type entry struct {
	key      string
	typ      int     // fbInt, fbUint, fbFloat, fbBool, fbNull, or another type
	i        int64   // ints, uints and bools
	f        float64 // floats
	indirect bool    // stored out of line (fbIndirect*)
}

// buildMap writes a FlexBuffers map the way flexbuffers.h lays it out,
// with every slot of byte width w (1, 2, 4 or 8): keys, indirect values,
// the keys vector, the map (keys-vector offset, keys width, length,
// values, types) and the root. Keys are sorted as the writer sorts them.
func buildMap(w int, es []entry) []byte {
	es = slices.Clone(es)
	slices.SortStableFunc(es, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	var buf []byte
	put := func(v uint64, width int) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		buf = append(buf, b[:width]...)
	}
	align := func(width int) {
		for len(buf)%width != 0 {
			buf = append(buf, 0)
		}
	}
	log2 := func(width int) byte { return byte(bits.TrailingZeros(uint(width))) }
	scalar := func(e entry, width int) uint64 {
		if e.typ == fbFloat {
			if width == 4 {
				return uint64(math.Float32bits(float32(e.f)))
			}
			return math.Float64bits(e.f)
		}
		return uint64(e.i)
	}
	keyPos := make([]int, len(es))
	for i, e := range es {
		keyPos[i] = len(buf)
		buf = append(append(buf, e.key...), 0)
	}
	indPos := make([]int, len(es))
	indWidth := make([]int, len(es))
	for i, e := range es {
		if e.indirect {
			iw := 8
			if e.typ == fbFloat && float64(float32(e.f)) == e.f {
				iw = 4
			}
			align(iw)
			indPos[i], indWidth[i] = len(buf), iw
			put(scalar(e, iw), iw)
		}
	}
	align(w)
	put(uint64(len(es)), w) // keys vector length
	keys := len(buf)
	for i := range es {
		put(uint64(len(buf)-keyPos[i]), w)
	}
	put(uint64(len(buf)-keys), w) // map: offset to the keys vector
	put(uint64(w), w)             // keys byte width
	put(uint64(len(es)), w)       // length
	data := len(buf)
	var types []byte
	for i, e := range es {
		switch {
		case e.indirect:
			put(uint64(len(buf)-indPos[i]), w)
			types = append(types, byte(e.typ+fbIndirectInt-fbInt)<<2|log2(indWidth[i]))
		default:
			put(scalar(e, w), w)
			types = append(types, byte(e.typ)<<2|log2(w))
		}
	}
	buf = append(buf, types...)
	align(w)
	root := len(buf)
	put(uint64(root-data), w)
	return append(buf, fbMap<<2|log2(w), byte(w))
}

// modelEntries are the detector's options (postprocess.tsv), with the
// key TFLite ignores.
func modelEntries() []entry {
	return []entry{
		{key: "_output_quantized", typ: fbBool, i: 1},
		{key: "h_scale", typ: fbFloat, f: 5},
		{key: "max_classes_per_detection", typ: fbInt, i: 1},
		{key: "max_detections", typ: fbInt, i: 10},
		{key: "nms_iou_threshold", typ: fbFloat, f: float64(float32(0.6))},
		{key: "nms_score_threshold", typ: fbFloat, f: float64(float32(1e-8))},
		{key: "num_classes", typ: fbInt, i: 90},
		{key: "w_scale", typ: fbFloat, f: 5},
		{key: "x_scale", typ: fbFloat, f: 10},
		{key: "y_scale", typ: fbFloat, f: 10},
	}
}

var modelOptions = Options{
	MaxDetections: 10, MaxClassesPerDetection: 1, NumClasses: 90, DetectionsPerClass: 100,
	ScoreThreshold: 1e-8, IoUThreshold: 0.6, YScale: 10, XScale: 10, HScale: 5, WScale: 5,
}

// TestParseOptionsLayouts reads the options written with every slot
// width and with the values stored inline and out of line.
func TestParseOptionsLayouts(t *testing.T) {
	for _, w := range []int{1, 2, 4, 8} {
		for _, indirect := range []bool{false, true} {
			es := modelEntries()
			for i := range es {
				// A float needs 4 bytes: in narrower maps it is out of line.
				es[i].indirect = indirect && es[i].typ != fbBool || es[i].typ == fbFloat && w < 4
			}
			if w == 1 {
				es[6].indirect = true // 90 fits a byte, but try it out of line
			}
			o, err := ParseOptions(buildMap(w, es))
			if err != nil {
				t.Errorf("width %d, indirect %v: %v", w, indirect, err)
				continue
			}
			if o != modelOptions {
				t.Errorf("width %d, indirect %v: %+v, want %+v", w, indirect, o, modelOptions)
			}
		}
	}
}

// TestParseOptionsValues: the optional keys, numbers of the other kind,
// and what must be refused.
func TestParseOptionsValues(t *testing.T) {
	with := func(change func([]entry) []entry) []byte { return buildMap(4, change(modelEntries())) }
	set := func(key string, e entry) func([]entry) []entry {
		return func(es []entry) []entry {
			e.key = key
			for i := range es {
				if es[i].key == key {
					es[i] = e
					return es
				}
			}
			return append(es, e)
		}
	}
	drop := func(key string) func([]entry) []entry {
		return func(es []entry) []entry {
			return slices.DeleteFunc(es, func(e entry) bool { return e.key == key })
		}
	}
	good := []struct {
		name string
		buf  []byte
		want func(*Options)
	}{
		{"regular NMS", with(set("use_regular_nms", entry{typ: fbBool, i: 1})), func(o *Options) { o.UseRegularNMS = true }},
		{"regular NMS as an int", with(set("use_regular_nms", entry{typ: fbInt, i: 1})), func(o *Options) { o.UseRegularNMS = true }},
		{"fast NMS said", with(set("use_regular_nms", entry{typ: fbBool, i: 0})), func(o *Options) {}},
		{"detections per class", with(set("detections_per_class", entry{typ: fbInt, i: 7})), func(o *Options) { o.DetectionsPerClass = 7 }},
		{"null detections per class", with(set("detections_per_class", entry{typ: fbNull})), func(o *Options) {}},
		{"integer scale", with(set("y_scale", entry{typ: fbInt, i: 10})), func(o *Options) {}},
		{"uint count", with(set("num_classes", entry{typ: fbUint, i: 90})), func(o *Options) {}},
		{"double threshold", with(set("nms_iou_threshold", entry{typ: fbFloat, f: 0.6, indirect: true})), func(o *Options) {}},
		{"negative int", with(set("max_detections", entry{typ: fbInt, i: -3})), func(o *Options) { o.MaxDetections = -3 }},
		{"unknown keys", with(set("zzz", entry{typ: 5})), func(o *Options) {}},
	}
	for _, c := range good {
		want := modelOptions
		c.want(&want)
		o, err := ParseOptions(c.buf)
		if err != nil || o != want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, o, err, want)
		}
	}
	bad := []struct {
		name, err string
		buf       []byte
	}{
		{"missing num_classes", `key "num_classes" is missing`, with(drop("num_classes"))},
		{"missing y_scale", `key "y_scale" is missing`, with(drop("y_scale"))},
		{"null num_classes", `key "num_classes" is missing`, with(set("num_classes", entry{typ: fbNull}))},
		{"string count", `key "max_detections": type string, want an integer`, with(set("max_detections", entry{typ: 5}))},
		{"float count", `key "max_detections": type float, want an integer`, with(set("max_detections", entry{typ: fbFloat, f: 10}))},
		{"map threshold", `key "nms_iou_threshold": type map, want a number`, with(set("nms_iou_threshold", entry{typ: fbMap}))},
		{"float bool", `key "use_regular_nms": type float, want a bool`, with(set("use_regular_nms", entry{typ: fbFloat, f: 1}))},
		{"huge count", "out of the int32 range", buildMap(8, set("num_classes", entry{typ: fbInt, i: 1 << 40})(modelEntries()))},
		{"duplicate key", `key "num_classes": appears twice`, with(func(es []entry) []entry { return append(es, entry{key: "num_classes", typ: fbInt, i: 90}) })},
		{"empty", "malformed FlexBuffers", nil},
		{"root not a map", "the root is of type int, want a map", []byte{5, fbInt << 2, 1}},
		{"root width 3", "root byte width 3", []byte{0, 0, 0, fbMap << 2, 3}},
		{"truncated", "malformed FlexBuffers", with(drop(""))[40:]},
		// One entry whose key is the keys vector's own slot, 9 bytes from
		// the end: comparing it with a name must stop at the buffer's end.
		{"key at the end", `key "max_detections" is missing`, []byte{1, 0, 1, 1, 1, 5, fbInt << 2, 2, fbMap << 2, 1}},
		// The same map claiming 3 entries: 3 values and 3 types do not fit.
		{"map too long", "a map of 3 entries does not fit", []byte{3, 0, 1, 1, 3, 5, fbInt << 2, 2, fbMap << 2, 1}},
	}
	for _, c := range bad {
		o, err := ParseOptions(c.buf)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %+v, %v; want an error with %q", c.name, o, err, c.err)
		}
	}
}

// TestParseOptionsDamaged cuts and flips the real options: an error or a
// result, never a panic (FuzzParseOptions goes further).
func TestParseOptionsDamaged(t *testing.T) {
	buf := buildMap(1, modelEntries())
	for i := range buf {
		_, _ = ParseOptions(buf[:i])
		_, _ = ParseOptions(buf[i:])
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := slices.Clone(buf)
			b[i] ^= x
			_, _ = ParseOptions(b)
		}
	}
}
