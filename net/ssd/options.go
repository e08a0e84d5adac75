package ssd

import (
	"fmt"
	"math"
)

// Options are the operator's options (TFLite's custom_options, a
// FlexBuffers map); the FlexBuffers key of each field is in its comment.
type Options struct {
	MaxDetections          int // max_detections: rows of the outputs
	MaxClassesPerDetection int // max_classes_per_detection: only 1 is supported
	NumClasses             int // num_classes: classes without the background
	DetectionsPerClass     int // detections_per_class: regular NMS only; 100 when absent

	ScoreThreshold float32 // nms_score_threshold: a candidate's score is >= this
	IoUThreshold   float32 // nms_iou_threshold: a taken box suppresses an IoU > this
	YScale         float32 // y_scale: the box encoding's ty is divided by it
	XScale         float32 // x_scale: tx likewise
	HScale         float32 // h_scale: th likewise
	WScale         float32 // w_scale: tw likewise

	UseRegularNMS bool // use_regular_nms: false (fast NMS) when absent; true is not supported
}

// defaultDetectionsPerClass is TFLite's kNumDetectionsPerClass.
const defaultDetectionsPerClass = 100

// optionKeys are the keys ParseOptions reads; the others are ignored.
var optionKeys = []string{
	"max_detections", "max_classes_per_detection", "num_classes", "detections_per_class",
	"nms_score_threshold", "nms_iou_threshold", "y_scale", "x_scale", "h_scale", "w_scale",
	"use_regular_nms",
}

// ParseOptions decodes the operator's custom_options, a FlexBuffers map,
// as TFLite's detection_postprocess.cc reads it: integers for the counts,
// numbers (float or integer) for the thresholds and scales, a bool for
// use_regular_nms. detections_per_class and use_regular_nms may be absent
// (100 and false); every other key must be there. Unknown keys are
// ignored. The bytes are read with every offset bounds-checked: damaged
// or hostile options give an error, never a panic. ParseOptions checks
// types and ranges; New checks what the values mean.
func ParseOptions(custom []byte) (Options, error) {
	o := Options{DetectionsPerClass: defaultDetectionsPerClass}
	root, err := flexRoot(custom)
	if err != nil {
		return Options{}, fmt.Errorf("TFLite_Detection_PostProcess options: %w", err)
	}
	seen := make(map[string]bool, len(optionKeys))
	err = flexMapEach(root, optionKeys, func(name string, v flexRef) error {
		if seen[name] {
			return fmt.Errorf("appears twice")
		}
		seen[name] = true
		if v.typ == fbNull {
			delete(seen, name) // null reads as absent, as flexbuffers' IsNull
			return nil
		}
		switch name {
		case "max_detections", "max_classes_per_detection", "num_classes", "detections_per_class":
			i, err := v.asInt()
			if err != nil {
				return err
			}
			if i < math.MinInt32 || i > math.MaxInt32 {
				return fmt.Errorf("%d is out of the int32 range", i)
			}
			switch name {
			case "max_detections":
				o.MaxDetections = int(i)
			case "max_classes_per_detection":
				o.MaxClassesPerDetection = int(i)
			case "num_classes":
				o.NumClasses = int(i)
			case "detections_per_class":
				o.DetectionsPerClass = int(i)
			}
		case "use_regular_nms":
			b, err := v.asBool()
			if err != nil {
				return err
			}
			o.UseRegularNMS = b
		default:
			f, err := v.asFloat()
			if err != nil {
				return err
			}
			switch name {
			case "nms_score_threshold":
				o.ScoreThreshold = f
			case "nms_iou_threshold":
				o.IoUThreshold = f
			case "y_scale":
				o.YScale = f
			case "x_scale":
				o.XScale = f
			case "h_scale":
				o.HScale = f
			case "w_scale":
				o.WScale = f
			}
		}
		return nil
	})
	if err != nil {
		return Options{}, fmt.Errorf("TFLite_Detection_PostProcess options: %w", err)
	}
	for _, k := range optionKeys {
		if k == "detections_per_class" || k == "use_regular_nms" {
			continue
		}
		if !seen[k] {
			return Options{}, fmt.Errorf("TFLite_Detection_PostProcess options: key %q is missing", k)
		}
	}
	return o, nil
}
