package detect

import (
	"image"
	"math"
	"strconv"
)

// Object is one detected object.
type Object struct {
	// Class is the model's 0-based output class (COCO category id =
	// Class+1 for the COCO detector); Label its name.
	Class int
	Label string
	// Score is the model's score in [0, 1] (a uint8 score / 256).
	Score float32
	// Norm is the model's box exactly as it computed it: ymin, xmin, ymax,
	// xmax as fractions of the input, not clipped (a box may reach past
	// the image's edge).
	Norm [4]float32
	// Box is Norm in the pixels of the image given, rounded to the
	// nearest pixel and clipped to the image.
	Box image.Rectangle
	// ID is the object's track id, 0 when it is not tracked.
	ID int
}

// PixelBox maps a normalized box (ymin, xmin, ymax, xmax) onto a w×h
// image: each edge scaled and rounded to the nearest pixel, then clipped
// to the image. A box wholly outside the image is empty.
func PixelBox(norm [4]float32, w, h int) image.Rectangle {
	edge := func(v float32, size int) int {
		p := math.Round(float64(v) * float64(size))
		switch {
		case p != p || p < 0: // NaN too
			return 0
		case p > float64(size):
			return size
		}
		return int(p)
	}
	x0, y0 := edge(norm[1], w), edge(norm[0], h)
	x1, y1 := max(edge(norm[3], w), x0), max(edge(norm[2], h), y0)
	return image.Rectangle{Min: image.Pt(x0, y0), Max: image.Pt(x1, y1)}
}

// Float32 is a float32 that marshals to JSON as the shortest decimal that
// reads back to the same float32 (encoding/json would print the float64
// widening, 0.83203125 stays, but 0.1f becomes 0.10000000149011612).
type Float32 float32

// MarshalJSON writes the shortest decimal; NaN and infinities, which JSON
// lacks, become null.
func (f Float32) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 32), nil
}

// JSON is an Object as livecam prints it: `{"class":C,"label":L,"score":S,
// "norm":[ymin,xmin,ymax,xmax],"box":[x,y,w,h]}`, plus "id" when tracked.
type JSON struct {
	ID    int        `json:"id,omitempty"`
	Class int        `json:"class"`
	Label string     `json:"label"`
	Score Float32    `json:"score"`
	Norm  [4]Float32 `json:"norm"`
	Box   [4]int     `json:"box"`
}

// ToJSON returns o in its JSON form.
func (o Object) ToJSON() JSON {
	return JSON{ID: o.ID, Class: o.Class, Label: o.Label, Score: Float32(o.Score),
		Norm: [4]Float32{Float32(o.Norm[0]), Float32(o.Norm[1]), Float32(o.Norm[2]), Float32(o.Norm[3])},
		Box:  [4]int{o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy()}}
}
