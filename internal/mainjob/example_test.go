package mainjob_test

import (
	"fmt"

	"github.com/livecam/livecam/internal/mainjob"
)

// Settings are checked one flag at a time, and the messages name the
// flags.
func ExampleSettings_Validate() {
	s := mainjob.Defaults()
	fmt.Println(s.Validate())
	s.Results, s.Events = "-", "-"
	fmt.Println(s.Validate())
	s.TopK = 11
	fmt.Println(s.Validate())
	// Output:
	// <nil>
	// -results and -events cannot both be standard output
	// -topk 11: want a whole number from 1 to 10
}
