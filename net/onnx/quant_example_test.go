package onnx_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/net/onnx"
	"github.com/livecam/livecam/net/tflite"
)

// tfliteDir is where the example finds Google's quantized files: the
// shared models folder beside the repository.
var tfliteDir = filepath.Join("..", "..", "..", "shared", "models", "tflite")

// Google's uint8 MobileNet V1 written for ONNX Runtime: 28 QLinearConv
// with the file's scales, zero points and biases (int8 weights by
// default). bench's TestQuantONNXOperators runs every operator in ONNX
// Runtime against TFLite's outputs.
func ExampleWriteQuant() {
	f, err := tflite.ReadFile(filepath.Join(tfliteDir, "mobilenet_v1_0.75_192_quant.tflite"))
	if err != nil {
		log.Fatal(err)
	}
	var model bytes.Buffer
	if err := onnx.WriteQuant(&model, f, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println("QLinearConv:", bytes.Count(model.Bytes(), []byte("QLinearConv")))

	// What it cannot write is an error naming the file and the operator.
	f.Operators[27].Activation = tflite.ReLU
	err = onnx.WriteQuant(io.Discard, f, nil)
	fmt.Println(errors.Is(err, onnx.ErrQuantGraph))
	fmt.Println(strings.TrimPrefix(fmt.Sprint(err), tfliteDir+string(filepath.Separator)))
	// Output:
	// QLinearConv: 28
	// true
	// mobilenet_v1_0.75_192_quant.tflite: operator 27 (AVERAGE_POOL_2D): onnx: not a per-tensor uint8 MobileNet graph: fused RELU
}
