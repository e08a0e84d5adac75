// Package ssd is the last operator of an SSD object detector,
// TensorFlow Lite's custom TFLite_Detection_PostProcess with fast NMS:
// from the uint8 box encodings and class scores of every anchor, the
// detections (boxes, classes, scores, count) bit for bit as TFLite
// computes them.
//
// ParseOptions reads the operator's options (its custom_options, a
// FlexBuffers map; the official Go FlatBuffers runtime has no FlexBuffers
// reader, so a small bounded one is here). New prepares the operator from
// the options, the constant anchors and the inputs' quantization; Run
// decodes, picks each anchor's class, sorts and suppresses without
// allocating, with scratch space from NewWork.
//
// The arithmetic is the one ../shared/golden-detect/README.md (rule 10)
// spells out, and every trap it names is followed: box decoding in
// float64 rounded once to float32 per value, no fused multiply-add, the
// first maximum among the classes, a stable sort by score, greedy
// class-agnostic NMS with a strict IoU > threshold where a suppressed box
// suppresses nothing, and no clipping. Regular (per-class) NMS and more
// than one class per detection are refused.
package ssd
