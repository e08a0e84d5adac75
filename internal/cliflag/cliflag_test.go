package cliflag

import (
	"errors"
	"flag"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestFlagsAfterArguments: flags may follow positional arguments, which
// keep their order; "--" ends the flags, and is not an argument itself.
func TestFlagsAfterArguments(t *testing.T) {
	s := New("tool", "FILE...", io.Discard)
	n := s.Int("n", 1, "count")
	v := s.Bool("v", false, "verbose")
	if err := s.Parse([]string{"a.jpg", "-n", "3", "b.jpg", "-v", "--", "-c.jpg", "-n"}); err != nil {
		t.Fatal(err)
	}
	if *n != 3 || !*v {
		t.Errorf("-n %d -v %v, want 3 and true", *n, *v)
	}
	if want := []string{"a.jpg", "b.jpg", "-c.jpg", "-n"}; !slices.Equal(s.Args(), want) {
		t.Errorf("Args %q, want %q", s.Args(), want)
	}
}

// TestRepeatedFlag: a single-value flag given twice is a usage error
// naming it, even a boolean one; a Multi flag sees every value in order.
func TestRepeatedFlag(t *testing.T) {
	s := New("tool", "", io.Discard)
	s.String("model", "", "model")
	s.Bool("v", false, "verbose")
	var zones []string
	s.Multi("zone", "zone", func(v string) error { zones = append(zones, v); return nil })
	if err := s.Parse([]string{"-zone", "a", "x", "-zone", "b"}); err != nil || !slices.Equal(zones, []string{"a", "b"}) {
		t.Errorf("-zone twice: %v, zones %q", err, zones)
	}
	for _, args := range [][]string{{"-model", "a", "-model", "b"}, {"-v", "x", "-v"}} {
		s := New("tool", "", io.Discard)
		s.String("model", "", "model")
		s.Bool("v", false, "verbose")
		err := s.Parse(args)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "given twice (-"+strings.TrimPrefix(args[0], "-")+" takes one value)") ||
			!strings.Contains(err.Error(), "(see tool -h)") {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// TestUsage: -h prints the usage line and the groups in their order, the
// flags in no group under "other", string defaults quoted, and returns
// flag.ErrHelp; an unknown flag is a usage error.
func TestUsage(t *testing.T) {
	var out strings.Builder
	s := New("tool sub", "IMAGE...", &out)
	s.String("b", "x", "the `B` flag")
	s.Int("a", 2, "the a flag, `N` of them")
	s.Bool("c", false, "the c flag")
	s.Group("second", "b")
	s.Group("first", "c")
	if err := s.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	want := "usage: tool sub [flags] IMAGE...\n\nsecond:\n  -b B\n        the B flag (default \"x\")\n\nfirst:\n  -c\n        the c flag\n\nother:\n  -a N\n        the a flag, N of them (default 2)\n"
	if out.String() != want {
		t.Errorf("usage:\n%s\nwant:\n%s", out.String(), want)
	}
	if err := New("tool", "", io.Discard).Parse([]string{"-nope"}); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "-nope") {
		t.Errorf("unknown flag: %v", err)
	}
}

// TestRanges: each check accepts its bounds, refuses beyond them with a
// message naming the flag, and FloatIn refuses NaN; FirstError keeps the
// first.
func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{IntIn("n", 1, 1, 3), ""}, {IntIn("n", 3, 1, 3), ""},
		{IntIn("n", 4, 1, 3), "-n 4: want a whole number from 1 to 3"},
		{IntIn("n", 0, 1, 3), "-n 0: want a whole number from 1 to 3"},
		{FloatIn("p", 0, 0, 1), ""}, {FloatIn("p", 1, 0, 1), ""},
		{FloatIn("p", 1.5, 0, 1), "-p 1.5: want a number from 0 to 1"},
		{FloatIn("p", math.NaN(), 0, 1), "-p NaN: want a number from 0 to 1"},
		{FloatIn("p", math.Inf(1), 0, math.MaxFloat64), "-p +Inf: want a number from 0 to 1.7976931348623157e+308"},
		{DurationIn("d", time.Hour, 0, time.Hour), ""},
		{DurationIn("d", -time.Second, 0, time.Hour), "-d -1s: want a duration from 0s to 1h0m0s"},
		{FirstError(nil, errors.New("one"), errors.New("two")), "one"},
		{FirstError(), ""},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestUsageWraps: a long help is wrapped into lines of at most Width
// columns, indented, with no word lost; a flag with no `NAME` in its help
// shows the kind of value it takes, also once Parse has wrapped it (never
// flag's "value").
func TestUsageWraps(t *testing.T) {
	var out strings.Builder
	s := New("tool", "", &out)
	long := strings.Repeat("a long help of words, with pixels² ", 12)
	s.String("long", "", long+"into `DIR`")
	s.Int("n", 1, "how many")
	s.Duration("wait", 0, "how long")
	if err := s.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var words []string
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > Width || strings.Contains(l, "\t") {
			t.Errorf("line of %d columns (at most %d, no tabs): %q", n, Width, l)
		}
		if strings.HasPrefix(l, Indent) {
			words = append(words, strings.Fields(l)...)
		}
	}
	if got, want := strings.Join(words, " "), strings.Join(strings.Fields(long+"into DIR how many (default 1) how long"), " "); got != want {
		t.Errorf("wrapped help:\n%s\nwant the words:\n%s", got, want)
	}
	for _, want := range []string{"  -long DIR\n", "  -n int\n", "  -wait duration\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
	if lines := Wrap("one\ntwo three", 3); strings.Join(lines, "|") != "one|two|three" {
		t.Errorf("Wrap: %q", lines)
	}
}
