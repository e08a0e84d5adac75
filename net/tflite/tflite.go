package tflite

import (
	"errors"
	"fmt"
	"runtime"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/livecam/livecam/net/internal/safefile"
	fb "github.com/livecam/livecam/net/tflite/internal/tflitefb"
)

// MaxFile is the largest TFLite file Read accepts (MobileNet V1 1.0 in
// float32 is 17 MB).
const MaxFile = 256 << 20

// Error is the error the reader returns: the file, the operator or tensor
// when there is one, and what is wrong.
type Error struct {
	File  string
	Where string // "operator 3 (CONV_2D)", "tensor 7 \"name\"", or ""
	Err   error
}

// Error returns "file: where: problem".
func (e *Error) Error() string {
	if e.Where != "" {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Where, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// ErrMalformed reports a file that is not a well-formed TFLite FlatBuffer.
var ErrMalformed = errors.New("not a well-formed TFLite file")

// ErrUnsupported reports a well-formed file livecam cannot run.
var ErrUnsupported = errors.New("unsupported")

// Type is a tensor's element type (TFLite's TensorType).
type Type int8

// The element types livecam reads.
const (
	Float32 Type = Type(fb.TensorTypeFLOAT32)
	Int32   Type = Type(fb.TensorTypeINT32)
	Uint8   Type = Type(fb.TensorTypeUINT8)
	Int8    Type = Type(fb.TensorTypeINT8)
)

// String returns TFLite's name of the type.
func (t Type) String() string {
	if n, ok := fb.EnumNamesTensorType[fb.TensorType(t)]; ok {
		return n
	}
	return fmt.Sprintf("TYPE_%d", int(t))
}

// size returns the bytes of one element, 0 when unknown.
func (t Type) size() int {
	switch t {
	case Float32, Int32:
		return 4
	case Uint8, Int8:
		return 1
	}
	return 0
}

// Quantization is a tensor's affine quantization: one scale and zero point
// per tensor, or one per channel along Dimension.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	Dimension int
}

// Tensor is one tensor of the graph; Data holds a constant tensor's bytes
// (little-endian), nil for an activation.
type Tensor struct {
	Name  string
	Shape []int
	Type  Type
	Data  []byte
	Quant *Quantization
}

// Padding is a convolution's or pool's padding.
type Padding int8

// TFLite's paddings.
const (
	Same  Padding = Padding(fb.PaddingSAME)
	Valid Padding = Padding(fb.PaddingVALID)
)

// Activation is a fused activation (TFLite's ActivationFunctionType).
type Activation int8

// The fused activations.
const (
	NoActivation Activation = Activation(fb.ActivationFunctionTypeNONE)
	ReLU         Activation = Activation(fb.ActivationFunctionTypeRELU)
	ReLUN1To1    Activation = Activation(fb.ActivationFunctionTypeRELU_N1_TO_1)
	ReLU6        Activation = Activation(fb.ActivationFunctionTypeRELU6)
)

// String returns TFLite's name of the activation.
func (a Activation) String() string {
	if n, ok := fb.EnumNamesActivationFunctionType[fb.ActivationFunctionType(a)]; ok {
		return n
	}
	return fmt.Sprintf("ACTIVATION_%d", int(a))
}

// Operator is one operator of the graph with the options livecam reads.
type Operator struct {
	// Code is TFLite's builtin operator number; Name its name
	// ("CONV_2D"), or "CUSTOM:name" for a custom operator.
	Code int
	Name string
	// CustomCode is a custom operator's name ("TFLite_Detection_PostProcess"),
	// Custom its custom_options bytes (a FlexBuffers map for that one),
	// a sub-slice of the file's data.
	CustomCode string
	Custom     []byte
	// Inputs and Outputs index File.Tensors; −1 marks an absent input.
	Inputs, Outputs []int
	// Conv2D, DepthwiseConv2D and Pool2D options.
	Padding          Padding
	StrideW, StrideH int
	DilationW        int
	DilationH        int
	DepthMultiplier  int
	FilterW, FilterH int
	// Activation is the fused activation of CONV_2D, DEPTHWISE_CONV_2D,
	// AVERAGE_POOL_2D, ADD and CONCATENATION.
	Activation Activation
	// Axis is CONCATENATION's axis (negative counts from the end).
	Axis int
	// Softmax's beta.
	Beta float32
	// Reshape's new shape.
	NewShape []int
	// SqueezeDims are SQUEEZE's dimensions (none: every dimension of size 1).
	SqueezeDims []int
}

// File is a TFLite model's first subgraph as read from its file.
type File struct {
	Name        string // the file, for errors
	Version     uint32 // the schema version (3)
	Description string
	Tensors     []Tensor
	Operators   []Operator
	Inputs      []int
	Outputs     []int
}

// ReadFile reads a TFLite file from disk (a regular file of at most
// MaxFile bytes).
func ReadFile(path string) (*File, error) {
	data, err := safefile.ReadBounded(path, MaxFile)
	if err != nil {
		if errors.Is(err, safefile.ErrTooLarge) {
			return nil, &Error{File: path, Err: fmt.Errorf("larger than %d MiB: not a MobileNet", MaxFile>>20)}
		}
		return nil, err
	}
	return Read(path, data)
}

// Read parses a TFLite file held in data; name names it in errors. The
// File refers to data (constant tensors are sub-slices of it).
func Read(name string, data []byte) (f *File, err error) {
	if len(data) < 8 || string(data[4:8]) != "TFL3" {
		return nil, &Error{File: name, Err: fmt.Errorf("%w (no TFL3 identifier)", ErrMalformed)}
	}
	if len(data) > MaxFile {
		return nil, &Error{File: name, Err: fmt.Errorf("larger than %d MiB: not a MobileNet", MaxFile>>20)}
	}
	// The generated accessors index the byte slice directly: an offset
	// pointing outside it panics with a bounds error, which is turned
	// into ErrMalformed here. Lengths are checked before any allocation.
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(runtime.Error); !ok {
				panic(r)
			}
			f, err = nil, &Error{File: name, Err: fmt.Errorf("%w (an offset points outside the file)", ErrMalformed)}
		}
	}()
	r := reader{name: name, data: data}
	return r.read()
}

type reader struct {
	name string
	data []byte
}

func (r *reader) fail(where string, format string, args ...any) error {
	return &Error{File: r.name, Where: where, Err: fmt.Errorf(format, args...)}
}

// length checks a vector length read from the file: each element takes at
// least elem bytes, so a longer vector cannot fit.
func (r *reader) length(n, elem int, what string) error {
	if n < 0 || n*elem > len(r.data) {
		return fmt.Errorf("%w (%s: %d entries cannot fit in %d bytes)", ErrMalformed, what, n, len(r.data))
	}
	return nil
}

func (r *reader) read() (*File, error) {
	m := fb.GetRootAsModel(r.data, 0)
	f := &File{Name: r.name, Version: m.Version(), Description: string(m.Description())}
	if f.Version != 3 {
		return nil, r.fail("", "%w: schema version %d (want 3)", ErrUnsupported, f.Version)
	}
	if err := r.length(m.BuffersLength(), 4, "buffers"); err != nil {
		return nil, &Error{File: r.name, Err: err}
	}
	if err := r.length(m.OperatorCodesLength(), 4, "operator codes"); err != nil {
		return nil, &Error{File: r.name, Err: err}
	}
	if n := m.SubgraphsLength(); n != 1 {
		return nil, r.fail("", "%w: %d subgraphs (want 1)", ErrUnsupported, n)
	}
	var sg fb.SubGraph
	m.Subgraphs(&sg, 0)

	codes := make([]Operator, m.OperatorCodesLength())
	custom := make([]string, len(codes))
	var oc fb.OperatorCode
	for i := range codes {
		m.OperatorCodes(&oc, i)
		code := int(oc.DeprecatedBuiltinCode())
		code = max(code, int(oc.BuiltinCode())) // newer files use the int32 field
		codes[i].Code = code
		codes[i].Name = OperatorName(code)
		if code == opCustom {
			custom[i] = string(oc.CustomCode())
			codes[i].Name = "CUSTOM:" + custom[i]
		}
	}

	nt := sg.TensorsLength()
	if err := r.length(nt, 4, "tensors"); err != nil {
		return nil, &Error{File: r.name, Err: err}
	}
	f.Tensors = make([]Tensor, nt)
	var t fb.Tensor
	var q fb.QuantizationParameters
	var b fb.Buffer
	for i := range f.Tensors {
		sg.Tensors(&t, i)
		tt := &f.Tensors[i]
		tt.Name, tt.Type = string(t.Name()), Type(t.Type())
		where := fmt.Sprintf("tensor %d %q", i, tt.Name)
		if err := r.length(t.ShapeLength(), 4, "shape"); err != nil {
			return nil, &Error{File: r.name, Where: where, Err: err}
		}
		elems := 1
		for j := range t.ShapeLength() {
			d := int(t.Shape(j))
			if d < 0 || d > len(r.data)*8+1 {
				return nil, r.fail(where, "%w: dimension %d is %d", ErrMalformed, j, d)
			}
			tt.Shape = append(tt.Shape, d)
			elems *= max(d, 1)
			if elems > MaxFile {
				return nil, r.fail(where, "%w: shape %v is too large", ErrMalformed, tt.Shape)
			}
		}
		if bi := int(t.Buffer()); bi != 0 {
			if bi >= m.BuffersLength() {
				return nil, r.fail(where, "%w: buffer %d of %d", ErrMalformed, bi, m.BuffersLength())
			}
			m.Buffers(&b, bi)
			tt.Data = b.DataBytes()
			if len(tt.Data) > 0 && tt.Type.size() > 0 && len(tt.Data) != elems*tt.Type.size() {
				return nil, r.fail(where, "%w: %d bytes of data for shape %v of %s", ErrMalformed, len(tt.Data), tt.Shape, tt.Type)
			}
		}
		if t.Quantization(&q) != nil && q.ScaleLength() > 0 {
			if err := r.length(q.ScaleLength(), 4, "scales"); err != nil {
				return nil, &Error{File: r.name, Where: where, Err: err}
			}
			if q.ZeroPointLength() != q.ScaleLength() {
				return nil, r.fail(where, "%w: %d scales but %d zero points", ErrMalformed, q.ScaleLength(), q.ZeroPointLength())
			}
			qq := &Quantization{Dimension: int(q.QuantizedDimension())}
			for j := range q.ScaleLength() {
				qq.Scale = append(qq.Scale, q.Scale(j))
				qq.ZeroPoint = append(qq.ZeroPoint, q.ZeroPoint(j))
			}
			tt.Quant = qq
		}
	}
	tensorList := func(get func(int) int32, n int, where, what string) ([]int, error) {
		if err := r.length(n, 4, what); err != nil {
			return nil, &Error{File: r.name, Where: where, Err: err}
		}
		out := make([]int, n)
		for j := range out {
			v := int(get(j))
			if v < -1 || v >= nt {
				return nil, r.fail(where, "%w: %s refers to tensor %d of %d", ErrMalformed, what, v, nt)
			}
			out[j] = v
		}
		return out, nil
	}
	var err error
	if f.Inputs, err = tensorList(sg.Inputs, sg.InputsLength(), "subgraph", "inputs"); err != nil {
		return nil, err
	}
	if f.Outputs, err = tensorList(sg.Outputs, sg.OutputsLength(), "subgraph", "outputs"); err != nil {
		return nil, err
	}

	no := sg.OperatorsLength()
	if err := r.length(no, 4, "operators"); err != nil {
		return nil, &Error{File: r.name, Err: err}
	}
	f.Operators = make([]Operator, no)
	var op fb.Operator
	var tab flatbuffers.Table
	for i := range f.Operators {
		sg.Operators(&op, i)
		ci := int(op.OpcodeIndex())
		if ci >= len(codes) {
			return nil, r.fail(fmt.Sprintf("operator %d", i), "%w: operator code %d of %d", ErrMalformed, ci, len(codes))
		}
		o := &f.Operators[i]
		o.Code, o.Name, o.CustomCode = codes[ci].Code, codes[ci].Name, custom[ci]
		where := fmt.Sprintf("operator %d (%s)", i, o.Name)
		if o.Code == opCustom {
			o.Custom = op.CustomOptionsBytes()
		}
		if o.Inputs, err = tensorList(op.Inputs, op.InputsLength(), where, "inputs"); err != nil {
			return nil, err
		}
		if o.Outputs, err = tensorList(op.Outputs, op.OutputsLength(), where, "outputs"); err != nil {
			return nil, err
		}
		o.DilationW, o.DilationH, o.DepthMultiplier = 1, 1, 1
		if !op.BuiltinOptions(&tab) {
			continue
		}
		switch op.BuiltinOptionsType() {
		case fb.BuiltinOptionsConv2DOptions:
			var c fb.Conv2DOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Padding, o.StrideW, o.StrideH = Padding(c.Padding()), int(c.StrideW()), int(c.StrideH())
			o.DilationW, o.DilationH = int(c.DilationWFactor()), int(c.DilationHFactor())
			o.Activation = Activation(c.FusedActivationFunction())
		case fb.BuiltinOptionsDepthwiseConv2DOptions:
			var c fb.DepthwiseConv2DOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Padding, o.StrideW, o.StrideH = Padding(c.Padding()), int(c.StrideW()), int(c.StrideH())
			o.DilationW, o.DilationH = int(c.DilationWFactor()), int(c.DilationHFactor())
			o.DepthMultiplier = int(c.DepthMultiplier())
			o.Activation = Activation(c.FusedActivationFunction())
		case fb.BuiltinOptionsPool2DOptions:
			var c fb.Pool2DOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Padding, o.StrideW, o.StrideH = Padding(c.Padding()), int(c.StrideW()), int(c.StrideH())
			o.FilterW, o.FilterH = int(c.FilterWidth()), int(c.FilterHeight())
			o.Activation = Activation(c.FusedActivationFunction())
		case fb.BuiltinOptionsSoftmaxOptions:
			var c fb.SoftmaxOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Beta = c.Beta()
		case fb.BuiltinOptionsConcatenationOptions:
			var c fb.ConcatenationOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Axis = int(c.Axis())
			o.Activation = Activation(c.FusedActivationFunction())
		case fb.BuiltinOptionsAddOptions:
			var c fb.AddOptions
			c.Init(tab.Bytes, tab.Pos)
			o.Activation = Activation(c.FusedActivationFunction())
		case fb.BuiltinOptionsSqueezeOptions:
			var c fb.SqueezeOptions
			c.Init(tab.Bytes, tab.Pos)
			if err := r.length(c.SqueezeDimsLength(), 4, "squeeze dims"); err != nil {
				return nil, &Error{File: r.name, Where: where, Err: err}
			}
			for j := range c.SqueezeDimsLength() {
				o.SqueezeDims = append(o.SqueezeDims, int(c.SqueezeDims(j)))
			}
		case fb.BuiltinOptionsReshapeOptions:
			var c fb.ReshapeOptions
			c.Init(tab.Bytes, tab.Pos)
			if err := r.length(c.NewShapeLength(), 4, "new shape"); err != nil {
				return nil, &Error{File: r.name, Where: where, Err: err}
			}
			for j := range c.NewShapeLength() {
				o.NewShape = append(o.NewShape, int(c.NewShape(j)))
			}
		}
	}
	return f, nil
}

// TFLite's builtin operator numbers that livecam runs.
const (
	opAdd             = 0
	opAveragePool2D   = 1
	opConcatenation   = 2
	opConv2D          = 3
	opDepthwiseConv2D = 4
	opLogistic        = 14
	opReshape         = 22
	opSoftmax         = 25
	opCustom          = 32
	opSqueeze         = 43
)

// operatorNames names TFLite's builtin operators (schema.fbs's
// BuiltinOperator) that image classifiers commonly hold, for errors.
var operatorNames = map[int]string{
	0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
	6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 16: "LSTM", 17: "MAX_POOL_2D", 18: "MUL",
	19: "RELU", 21: "RELU6", 22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX", 28: "TANH",
	32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 43: "SQUEEZE",
	49: "SPLIT", 60: "PADV2", 83: "PACK", 97: "RESIZE_NEAREST_NEIGHBOR", 98: "LEAKY_RELU",
	114: "QUANTIZE", 117: "HARD_SWISH",
}

// OperatorName returns TFLite's name of a builtin operator number, or
// "operator code N" for one livecam does not know.
func OperatorName(code int) string {
	if n, ok := operatorNames[code]; ok {
		return n
	}
	return fmt.Sprintf("operator code %d", code)
}
