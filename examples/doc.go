// Package examples holds livecam's example programs, each a command in
// its own folder that runs as is from a clone (go run ./examples/NAME)
// and uses only livecam's public packages:
//
//	classify-image  one picture, its 3 best classes (IMAGE mode)
//	robot           frames pushed from a camera driver's goroutine; the
//	                robot stops when the class it wants enters the view
//	watchlist       decoded JPEG frames with the camera's own clock, an
//	                allow-list, entered and left events
//
// Each opens its model with models.Open: the default model, or -model,
// from $LIVECAM_MODELS or the user's cache (-fetch downloads it there).
// examples_test.go builds and runs every one of them.
package examples
