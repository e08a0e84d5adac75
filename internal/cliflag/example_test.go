package cliflag_test

import (
	"fmt"
	"os"

	"github.com/livecam/livecam/internal/cliflag"
)

// A command's flags, given after its arguments, checked for range.
func Example() {
	s := cliflag.New("livecam detect", "IMAGE...", os.Stdout)
	score := s.Float64("min-score", 0.5, "leave out objects scoring below `P` (0-1)")
	var allow []string
	s.Multi("allow", "report only this `LABEL` (repeatable)", func(v string) error { allow = append(allow, v); return nil })
	s.Group("filters", "min-score", "allow")
	if err := s.Parse([]string{"pets.jpg", "-min-score", "0.7", "-allow", "dog", "-allow", "cat"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Args(), *score, allow, cliflag.FloatIn("min-score", *score, 0, 1))
	fmt.Println(s.Parse([]string{"-min-score", "1", "-min-score", "2"}))
	s.WriteUsage(os.Stdout)
	// Output:
	// [pets.jpg] 0.7 [dog cat] <nil>
	// usage: invalid value "1" for flag -min-score: given twice (-min-score takes one value) (see livecam detect -h)
	// usage: livecam detect [flags] IMAGE...
	//
	// filters:
	//   -min-score P
	//         leave out objects scoring below P (0-1) (default 0.5)
	//   -allow LABEL
	//         report only this LABEL (repeatable)
}

// A flag's help as the usage wraps it: lines of at most a width, split at
// spaces.
func ExampleWrap() {
	for _, line := range cliflag.Wrap("write one JSON line per frame to FILE (- for standard output)", 30) {
		fmt.Println("|" + line)
	}
	// Output:
	// |write one JSON line per frame
	// |to FILE (- for standard
	// |output)
}
