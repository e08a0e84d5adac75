package ssd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file is a small FlexBuffers reader: just what an operator's
// custom_options map needs (a map at the root whose values are ints,
// floats and bools), read the way flexbuffers.h reads them. There is no
// FlexBuffers reader in the official Go FlatBuffers runtime.
//
// Layout (flexbuffers.h): the buffer ends with the root's packed type and
// the root's byte width; a packed type is type<<2 | log2(byte width). A
// map is a vector of values of byte width W at offset D, preceded by its
// length (at D−W), the byte width of its keys vector (D−2W) and the
// relative offset of the keys vector (D−3W); the values' packed types
// follow the values. Offsets point backwards: target = slot − value.
//
// Every read is bounds-checked, so hostile bytes give an error, never a
// panic, and the work is linear in the number of map entries.

// FlexBuffers types (flexbuffers.h's Type).
const (
	fbNull          = 0
	fbInt           = 1
	fbUint          = 2
	fbFloat         = 3
	fbKey           = 4
	fbIndirectInt   = 6
	fbIndirectUint  = 7
	fbIndirectFloat = 8
	fbMap           = 9
	fbBool          = 26
)

var errFlex = errors.New("malformed FlexBuffers")

// flexRef is a value: its slot (data at pos, parentWidth bytes) and its
// packed type.
type flexRef struct {
	buf         []byte
	pos         int
	parentWidth int
	width       int // 1 << (packed & 3): the byte width of what an offset points to
	typ         int
}

func newFlexRef(buf []byte, pos, parentWidth int, packed byte) flexRef {
	return flexRef{buf: buf, pos: pos, parentWidth: parentWidth, width: 1 << (packed & 3), typ: int(packed >> 2)}
}

// readUint reads a little-endian unsigned integer of width bytes at pos.
func readUint(buf []byte, pos, width int) (uint64, error) {
	if pos < 0 || width <= 0 || pos > len(buf)-width {
		return 0, fmt.Errorf("%w: %d bytes at offset %d of %d", errFlex, width, pos, len(buf))
	}
	switch width {
	case 1:
		return uint64(buf[pos]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(buf[pos:])), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(buf[pos:])), nil
	case 8:
		return binary.LittleEndian.Uint64(buf[pos:]), nil
	}
	return 0, fmt.Errorf("%w: byte width %d", errFlex, width)
}

// readInt reads a little-endian signed integer of width bytes at pos.
func readInt(buf []byte, pos, width int) (int64, error) {
	u, err := readUint(buf, pos, width)
	if err != nil {
		return 0, err
	}
	shift := 64 - 8*uint(width)
	return int64(u<<shift) >> shift, nil
}

// readFloat reads a float of width 4 or 8 at pos (the writer never uses
// narrower floats; flexbuffers.h would read those as integers).
func readFloat(buf []byte, pos, width int) (float64, error) {
	u, err := readUint(buf, pos, width)
	if err != nil {
		return 0, err
	}
	switch width {
	case 4:
		return float64(math.Float32frombits(uint32(u))), nil
	case 8:
		return math.Float64frombits(u), nil
	}
	return 0, fmt.Errorf("%w: a float of %d bytes", errFlex, width)
}

// indirect follows the offset in the value's slot.
func (r flexRef) indirect() (int, error) {
	off, err := readUint(r.buf, r.pos, r.parentWidth)
	if err != nil {
		return 0, err
	}
	if off > uint64(r.pos) {
		return 0, fmt.Errorf("%w: offset %d before the start of the buffer", errFlex, off)
	}
	return r.pos - int(off), nil
}

// flexRoot returns the root value of a FlexBuffer.
func flexRoot(buf []byte) (flexRef, error) {
	if len(buf) < 3 {
		return flexRef{}, fmt.Errorf("%w: %d bytes", errFlex, len(buf))
	}
	w := int(buf[len(buf)-1])
	if w != 1 && w != 2 && w != 4 && w != 8 {
		return flexRef{}, fmt.Errorf("%w: root byte width %d", errFlex, w)
	}
	pos := len(buf) - 2 - w
	if pos < 0 {
		return flexRef{}, fmt.Errorf("%w: root byte width %d in %d bytes", errFlex, w, len(buf))
	}
	return newFlexRef(buf, pos, w, buf[len(buf)-2]), nil
}

// typeName names a FlexBuffers type for errors.
func typeName(t int) string {
	switch t {
	case fbNull:
		return "null"
	case fbInt, fbIndirectInt:
		return "int"
	case fbUint, fbIndirectUint:
		return "uint"
	case fbFloat, fbIndirectFloat:
		return "float"
	case fbKey:
		return "key"
	case 5:
		return "string"
	case fbMap:
		return "map"
	case fbBool:
		return "bool"
	case 25:
		return "blob"
	}
	if t >= 10 && t <= 36 {
		return "vector"
	}
	return fmt.Sprintf("type %d", t)
}

// asInt returns an integer value (direct or indirect, signed or unsigned).
func (r flexRef) asInt() (int64, error) {
	switch r.typ {
	case fbInt:
		return readInt(r.buf, r.pos, r.parentWidth)
	case fbUint:
		u, err := readUint(r.buf, r.pos, r.parentWidth)
		if err == nil && u > math.MaxInt64 {
			return 0, fmt.Errorf("%d is out of range", u)
		}
		return int64(u), err
	case fbIndirectInt, fbIndirectUint:
		p, err := r.indirect()
		if err != nil {
			return 0, err
		}
		d := flexRef{buf: r.buf, pos: p, parentWidth: r.width, typ: r.typ - fbIndirectInt + fbInt}
		return d.asInt()
	}
	return 0, fmt.Errorf("type %s, want an integer", typeName(r.typ))
}

// asFloat returns a float or an integer as a float32, as flexbuffers.h's
// AsFloat does (through double).
func (r flexRef) asFloat() (float32, error) {
	switch r.typ {
	case fbFloat:
		f, err := readFloat(r.buf, r.pos, r.parentWidth)
		return float32(f), err
	case fbIndirectFloat:
		p, err := r.indirect()
		if err != nil {
			return 0, err
		}
		f, err := readFloat(r.buf, p, r.width)
		return float32(f), err
	case fbInt, fbUint, fbIndirectInt, fbIndirectUint:
		i, err := r.asInt()
		return float32(float64(i)), err
	}
	return 0, fmt.Errorf("type %s, want a number", typeName(r.typ))
}

// asBool returns a bool, or an integer as a bool (non-zero is true).
func (r flexRef) asBool() (bool, error) {
	switch r.typ {
	case fbBool:
		u, err := readUint(r.buf, r.pos, r.parentWidth)
		return u != 0, err
	case fbInt, fbUint, fbIndirectInt, fbIndirectUint:
		i, err := r.asInt()
		return i != 0, err
	}
	return false, fmt.Errorf("type %s, want a bool", typeName(r.typ))
}

// flexMapEach calls fn with the key and value of every entry of the map r
// whose key is one of names (other keys are skipped without reading their
// values). A key is compared with at most len(name)+1 bytes, so the work
// is bounded by the number of entries times the longest name.
func flexMapEach(r flexRef, names []string, fn func(name string, v flexRef) error) error {
	if r.typ != fbMap {
		return fmt.Errorf("the root is of type %s, want a map", typeName(r.typ))
	}
	data, err := r.indirect()
	if err != nil {
		return err
	}
	w := r.width
	n64, err := readUint(r.buf, data-w, w)
	if err != nil {
		return err
	}
	// n values of w bytes, then n type bytes, all inside the buffer.
	if n64 > uint64(len(r.buf)) || data+int(n64)*(w+1) > len(r.buf) {
		return fmt.Errorf("%w: a map of %d entries does not fit", errFlex, n64)
	}
	n := int(n64)
	keysSlot := data - 3*w
	kw64, err := readUint(r.buf, data-2*w, w)
	if err != nil {
		return err
	}
	kw := int(kw64)
	if kw != 1 && kw != 2 && kw != 4 && kw != 8 {
		return fmt.Errorf("%w: keys byte width %d", errFlex, kw64)
	}
	keys, err := flexRef{buf: r.buf, pos: keysSlot, parentWidth: w}.indirect()
	if err != nil {
		return err
	}
	nk, err := readUint(r.buf, keys-kw, kw)
	if err != nil {
		return err
	}
	if nk != n64 || keys+n*kw > len(r.buf) {
		return fmt.Errorf("%w: %d keys for %d values", errFlex, nk, n64)
	}
	types := data + n*w
	for i := range n {
		key, err := flexRef{buf: r.buf, pos: keys + i*kw, parentWidth: kw}.indirect()
		if err != nil {
			return err
		}
		for _, name := range names {
			if !keyIs(r.buf, key, name) {
				continue
			}
			packed, err := readUint(r.buf, types+i, 1)
			if err != nil {
				return err
			}
			v := newFlexRef(r.buf, data+i*w, w, byte(packed))
			if err := fn(name, v); err != nil {
				return fmt.Errorf("key %q: %w", name, err)
			}
			break
		}
	}
	return nil
}

// keyIs reports whether the NUL-terminated key at pos is name.
func keyIs(buf []byte, pos int, name string) bool {
	if pos < 0 || pos+len(name) >= len(buf) {
		return false
	}
	return string(buf[pos:pos+len(name)]) == name && buf[pos+len(name)] == 0
}
