//go:build race

package cameras

// The race detector makes the lexer and the parser several times slower.
func init() { slowdown = 5 }
