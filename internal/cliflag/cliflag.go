// Package cliflag is the command line convention of livecam's commands,
// over the standard flag package: flags may come after positional
// arguments (until "--"), a single-value flag given twice is an error,
// a misuse is an error wrapping ErrUsage rather than a page of usage
// text, and -h prints a usage made from the flags themselves, optionally
// in titled groups, each flag with its placeholder (`FILE`, `N`) and its
// help wrapped to Width columns. Renamed tells an error about a flag in
// the words of where its value came from (a line of a file).
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrUsage marks an error that is the caller's misuse of the command
// line (a command exits with status 2 for it).
var ErrUsage = errors.New("usage")

// Set is a flag.FlagSet that follows the convention: define flags with
// its FlagSet's methods and Multi, list them under headings with Group,
// then Parse.
type Set struct {
	*flag.FlagSet
	command    string    // "livecam classify"
	positional string    // what follows the flags in the usage line
	out        io.Writer // where -h prints the usage
	groups     []group
	repeatable map[string]bool
}

// group is a heading of the usage text and the flags under it.
type group struct {
	title string
	names []string
}

// New returns the flag set of command ("livecam classify"); positional
// describes its arguments for the usage line ("IMAGE...", "" for none).
// -h prints the usage to stdout.
func New(command, positional string, stdout io.Writer) *Set {
	s := &Set{FlagSet: flag.NewFlagSet(command, flag.ContinueOnError), command: command,
		positional: positional, out: stdout, repeatable: map[string]bool{}}
	s.SetOutput(io.Discard)
	s.Usage = func() {}
	return s
}

// Multi defines a flag that may be given several times; fn sees each
// value, in order.
func (s *Set) Multi(name, usage string, fn func(string) error) {
	s.Func(name, usage, fn)
	s.repeatable[name] = true
}

// Group files flags under a heading in the usage text. Groups are shown
// in the order they were made; flags in no group come last, under
// "other".
func (s *Set) Group(title string, names ...string) {
	s.groups = append(s.groups, group{title, names})
}

// once wraps a flag's value so that a second Set is an error.
type once struct {
	flag.Value
	name string
	set  bool
}

// Set sets the value the first time, and refuses any later time.
func (o *once) Set(v string) error {
	if o.set {
		return fmt.Errorf("given twice (-%s takes one value)", o.name)
	}
	o.set = true
	return o.Value.Set(v)
}

// IsBoolFlag keeps "-v" meaning "-v=true" for wrapped boolean flags.
func (o *once) IsBoolFlag() bool {
	b, ok := o.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// Parse parses args: flags anywhere, positional arguments kept in order
// (Args), "--" ending the flags. A parse failure is an error wrapping
// ErrUsage that points to -h; -h returns flag.ErrHelp after printing the
// usage.
func (s *Set) Parse(args []string) error {
	s.VisitAll(func(f *flag.Flag) {
		if _, wrapped := f.Value.(*once); !wrapped && !s.repeatable[f.Name] {
			f.Value = &once{Value: f.Value, name: f.Name}
		}
	})
	var positional []string
	for {
		if err := s.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				s.WriteUsage(s.out)
				return err
			}
			return fmt.Errorf("%w: %v (see %s -h)", ErrUsage, err, s.command)
		}
		rest := s.FlagSet.Args()
		if len(rest) == 0 {
			break
		}
		// FlagSet.Parse stops at the first positional argument, and
		// drops a "--" it stopped at: tell the two apart.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parse of "--" followed by the arguments sets Args without touching
	// any flag.
	return s.FlagSet.Parse(append([]string{"--"}, positional...))
}

// WriteUsage prints the usage line and the flags, grouped when groups
// were given (flags in no group last, under "other").
func (s *Set) WriteUsage(w io.Writer) {
	line := "usage: " + s.command + " [flags]"
	if s.positional != "" {
		line += " " + s.positional
	}
	fmt.Fprintln(w, line)
	if len(s.groups) == 0 {
		fmt.Fprintln(w, "\nflags:")
		s.VisitAll(func(f *flag.Flag) { writeFlag(w, f) })
		return
	}
	listed := map[string]bool{}
	for _, g := range s.groups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, name := range g.names {
			if f := s.Lookup(name); f != nil {
				writeFlag(w, f)
				listed[name] = true
			}
		}
	}
	header := false
	s.VisitAll(func(f *flag.Flag) {
		if listed[f.Name] {
			return
		}
		if !header {
			fmt.Fprintln(w, "\nother:")
			header = true
		}
		writeFlag(w, f)
	})
}

// Width is the most columns a line of the usage takes: a flag's help
// is wrapped to it, its lines indented by Indent.
const Width = 100

// Indent is what begins each line of a flag's help in the usage.
const Indent = "        "

// writeFlag prints one flag as flag.PrintDefaults does, its help wrapped
// to Width columns. The placeholder is the help's first `QUOTED` word, or
// else the kind of value the flag takes (int, float, string, duration;
// "value" for a flag.Func): a command names its flags' placeholders.
func writeFlag(w io.Writer, f *flag.Flag) {
	shown := *f
	if o, ok := f.Value.(*once); ok {
		shown.Value = o.Value // the kind of value it wraps, not "value"
	}
	name, usage := flag.UnquoteUsage(&shown)
	line := "  -" + f.Name
	if name != "" {
		line += " " + name
	}
	if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" && d != "[]" {
		usage += fmt.Sprintf(" (default %s)", quoteDefault(f, d))
	}
	fmt.Fprintln(w, line)
	for _, l := range Wrap(usage, Width-len(Indent)) {
		fmt.Fprintln(w, Indent+l)
	}
}

// Wrap splits text into lines of at most width columns (runes), at
// spaces and at its own line breaks; a word longer than width is a line
// of its own.
func Wrap(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// quoteDefault is a default value as the usage shows it: quoted for a
// string flag.
func quoteDefault(f *flag.Flag, d string) string {
	v := f.Value
	if o, ok := v.(*once); ok {
		v = o.Value
	}
	if g, ok := v.(flag.Getter); ok {
		if _, isString := g.Get().(string); isString {
			return fmt.Sprintf("%q", d)
		}
	}
	return d
}
