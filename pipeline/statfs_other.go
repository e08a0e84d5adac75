//go:build !unix

package pipeline

import "errors"

func freeBytes(string) (int64, error) { return 0, errors.New("not supported") }
