// Package onnx exports MobileNet V1 weights as an ONNX model, so that other
// runtimes (ONNX Runtime, OpenCV DNN) can run exactly the weights livecam
// runs, for comparison.
package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/livecam/livecam/net/mobilenet"
)

// Write writes the network as an ONNX model (opset 10, IR version 5,
// the newest OpenCV 4.6's DNN module reads): NCHW input "input" of shape
// [1,3,Size,Size] in [-1, 1], output "logits" of shape [1,Classes]. Each
// convolution carries its folded BatchNorm as a bias and is followed by
// Clip(0, 6). It lets other runtimes run exactly the weights livecam runs,
// for comparison.
func Write(out io.Writer, w *mobilenet.Weights) error {
	if err := w.Check(); err != nil {
		return err
	}
	var g pb
	g.str(2, w.Config.Name())
	x := "input"
	node := func(op, name string, inputs []string, output string, attrs ...[]byte) {
		var n pb
		for _, in := range inputs {
			n.str(1, in)
		}
		n.str(2, output)
		n.str(3, name)
		n.str(4, op)
		for _, a := range attrs {
			n.bytes(5, a)
		}
		g.bytes(1, n.b)
	}
	tensor := func(name string, dims []int, vals []float32) {
		var t pb
		for _, d := range dims {
			t.varint(1, uint64(d))
		}
		t.varint(2, 1) // FLOAT
		t.str(8, name)
		raw := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		t.bytes(9, raw)
		g.bytes(5, t.b)
	}
	for _, l := range w.Config.Layers() {
		switch l.Kind {
		case mobilenet.Conv, mobilenet.Depthwise, mobilenet.Pointwise:
			kernelName := l.Name + "/kernel"
			if l.Kind == mobilenet.Depthwise {
				kernelName = l.Name + "/depthwise_kernel"
			}
			bn := l.Name + "_bn/"
			fw, fb, err := mobilenet.FoldBatchNorm(w.Tensors[kernelName], w.Tensors[bn+"gamma"], w.Tensors[bn+"beta"],
				w.Tensors[bn+"moving_mean"], w.Tensors[bn+"moving_variance"], w.BatchNormEpsilon(l.Name+"_bn"))
			if err != nil {
				return fmt.Errorf("%s: %v", l.Name, err)
			}
			k, inC, group := l.Kernel, l.InC, 1
			if l.Kind == mobilenet.Depthwise {
				inC, group = 1, l.InC
			}
			// Keras [kh][kw][in][out] (depthwise: [kh][kw][c][1]) to
			// ONNX [out][in][kh][kw].
			oihw := make([]float32, len(fw))
			for ky := range k {
				for kx := range k {
					for ci := range inC {
						for co := range l.OutC {
							src := ((ky*k+kx)*inC+ci)*l.OutC + co
							if l.Kind == mobilenet.Depthwise {
								src = (ky*k+kx)*l.OutC + co
							}
							oihw[((co*inC+ci)*k+ky)*k+kx] = fw[src]
						}
					}
				}
			}
			tensor(l.Name+"/W", []int{l.OutC, inC, k, k}, oihw)
			tensor(l.Name+"/B", []int{l.OutC}, fb)
			node("Conv", l.Name, []string{x, l.Name + "/W", l.Name + "/B"}, l.Name+"/conv",
				attrInts("kernel_shape", k, k), attrInts("strides", l.Stride, l.Stride),
				attrInts("pads", l.PadTop, l.PadLeft, l.PadBottom, l.PadRight), attrInt("group", group))
			node("Clip", l.Name+"_relu", []string{l.Name + "/conv"}, l.Name+"_relu", attrFloat("min", 0), attrFloat("max", 6))
			x = l.Name + "_relu"
		case mobilenet.Pool:
			node("GlobalAveragePool", l.Name, []string{x}, l.Name, nil)
			x = l.Name
		case mobilenet.Classifier:
			kw := w.Tensors[l.Name+"/kernel"] // [1,1,in,out]
			oi := make([]float32, len(kw))
			for ci := range l.InC {
				for co := range l.OutC {
					oi[co*l.InC+ci] = kw[ci*l.OutC+co]
				}
			}
			tensor(l.Name+"/W", []int{l.OutC, l.InC, 1, 1}, oi)
			tensor(l.Name+"/B", []int{l.OutC}, w.Tensors[l.Name+"/bias"])
			node("Conv", l.Name, []string{x, l.Name + "/W", l.Name + "/B"}, l.Name, attrInts("kernel_shape", 1, 1))
			node("Flatten", "flatten", []string{l.Name}, "logits", attrInt("axis", 1))
		}
	}
	g.bytes(11, valueInfo("input", 1, 3, w.Config.Size, w.Config.Size))
	g.bytes(12, valueInfo("logits", 1, w.Config.Classes))

	var m pb
	m.varint(1, 5) // IR version 5 (ONNX 1.5), for opset 10
	m.str(2, "livecam")
	var opset pb
	opset.str(1, "")
	opset.varint(2, 10)
	m.bytes(8, opset.b)
	m.bytes(7, g.b)
	_, err := out.Write(m.b)
	return err
}

// pb builds protocol buffer messages: just the wire types ONNX needs.
type pb struct{ b []byte }

func (p *pb) tag(field, wire int) { p.b = binary.AppendUvarint(p.b, uint64(field<<3|wire)) }

func (p *pb) varint(field int, v uint64) {
	p.tag(field, 0)
	p.b = binary.AppendUvarint(p.b, v)
}

func (p *pb) bytes(field int, v []byte) {
	if v == nil {
		return
	}
	p.tag(field, 2)
	p.b = binary.AppendUvarint(p.b, uint64(len(v)))
	p.b = append(p.b, v...)
}

func (p *pb) str(field int, s string) { p.bytes(field, []byte(s)) }

func (p *pb) fixed32(field int, v uint32) {
	p.tag(field, 5)
	p.b = binary.LittleEndian.AppendUint32(p.b, v)
}

// ONNX AttributeProto types.
const (
	attrTypeFloat = 1
	attrTypeInt   = 2
	attrTypeInts  = 7
)

func attrInts(name string, vals ...int) []byte {
	var a pb
	a.str(1, name)
	a.varint(20, attrTypeInts)
	for _, v := range vals {
		a.varint(8, uint64(int64(v)))
	}
	return a.b
}

func attrInt(name string, v int) []byte {
	var a pb
	a.str(1, name)
	a.varint(20, attrTypeInt)
	a.varint(3, uint64(int64(v)))
	return a.b
}

func attrFloat(name string, v float32) []byte {
	var a pb
	a.str(1, name)
	a.varint(20, attrTypeFloat)
	a.fixed32(2, math.Float32bits(v))
	return a.b
}

// valueInfo describes a float tensor of fixed shape.
func valueInfo(name string, dims ...int) []byte {
	var shape pb
	for _, d := range dims {
		var dim pb
		dim.varint(1, uint64(d))
		shape.bytes(1, dim.b)
	}
	var tt pb
	tt.varint(1, 1) // FLOAT
	tt.bytes(2, shape.b)
	var typ pb
	typ.bytes(1, tt.b)
	var vi pb
	vi.str(1, name)
	vi.bytes(2, typ.b)
	return vi.b
}
