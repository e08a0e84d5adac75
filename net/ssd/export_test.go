package ssd

// DequantizedAnchors returns the anchors as Run uses them (numAnchors × 4:
// ycenter, xcenter, h, w), for the golden test.
func (p *PostProcess) DequantizedAnchors() []float32 { return p.anchors }

// BuiltOptions returns the detector's options as a FlexBuffers map built
// with slots of width w, for the fuzz seeds.
func BuiltOptions(w int) []byte { return buildMap(w, modelEntries()) }
