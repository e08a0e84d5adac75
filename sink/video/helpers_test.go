package video

import (
	"image"
	"image/color"
)

var colorWhite = color.RGBA{255, 255, 255, 255}

func imagePt(x, y int) image.Point { return image.Pt(x, y) }
