//go:build !unix

package video

import "errors"

func freeBytes(string) (int64, error) { return 0, errors.New("not supported") }
