// Package filekind names what a file is, for messages that refuse one
// ("a FIFO, not a regular file").
package filekind

import "io/fs"

// Of names the kind of file m describes: "a regular file", "a folder",
// "a symbolic link", "a FIFO", "a character device", "a block device",
// "a socket", or "a special file".
func Of(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
