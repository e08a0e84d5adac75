package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagSet is a standard FlagSet with the command line conventions livecam
// follows: flags may come after positional arguments (until "--"), a
// single-value flag given twice is an error, and the usage text is made
// from the flags themselves, optionally in groups.
type flagSet struct {
	*flag.FlagSet
	full       string    // "livecam classify"
	positional string    // what follows the flags in the usage line
	out        io.Writer // where -h prints the usage
	groups     []flagGroup
	repeatable map[string]bool
}

type flagGroup struct {
	title string
	names []string
}

// newFlags returns the flag set of command name ("" for the main job);
// positional describes its arguments for the usage line ("IMAGE...").
// -h prints the usage to stdout; a misuse is reported as an error (with
// a pointer to -h) rather than followed by the whole usage text.
func newFlags(name, positional string, stdout, stderr io.Writer) *flagSet {
	full := strings.TrimSpace("livecam " + name)
	fs := &flagSet{FlagSet: flag.NewFlagSet(full, flag.ContinueOnError), full: full, positional: positional, out: stdout, repeatable: map[string]bool{}}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// multi defines a flag that may be given several times; fn sees each.
func (fs *flagSet) multi(name, usage string, fn func(string) error) {
	fs.Func(name, usage, fn)
	fs.repeatable[name] = true
}

// group files flags under a heading in the usage text.
func (fs *flagSet) group(title string, names ...string) {
	fs.groups = append(fs.groups, flagGroup{title, names})
}

// once wraps a flag's value so that a second Set is an error.
type once struct {
	flag.Value
	name string
	set  bool
}

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

// parse parses args: flags anywhere, positional arguments kept in order
// (fs.Args), "--" ending the flags. A parse failure is a usage error; -h
// returns flag.ErrHelp after printing the usage.
func (fs *flagSet) parse(args []string) error {
	fs.VisitAll(func(f *flag.Flag) {
		if _, wrapped := f.Value.(*once); !wrapped && !fs.repeatable[f.Name] {
			f.Value = &once{Value: f.Value, name: f.Name}
		}
	})
	var positional []string
	for {
		if err := fs.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.writeUsage(fs.out)
				return err
			}
			return fmt.Errorf("%w: %v (see %s -h)", errUsage, err, fs.full)
		}
		rest := fs.FlagSet.Args()
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
	fs.FlagSet = reparsed(fs.FlagSet, positional)
	return nil
}

// reparsed leaves fs with exactly positional as its Args.
func reparsed(fs *flag.FlagSet, positional []string) *flag.FlagSet {
	// Parse of "--" followed by the arguments sets Args without touching
	// any flag.
	fs.Parse(append([]string{"--"}, positional...))
	return fs
}

// writeUsage prints the usage line and the flags, grouped when groups
// were given (flags in no group last, under "other").
func (fs *flagSet) writeUsage(w io.Writer) {
	line := "usage: " + fs.full + " [flags]"
	if fs.positional != "" {
		line += " " + fs.positional
	}
	fmt.Fprintln(w, line)
	if len(fs.groups) == 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.VisitAll(func(f *flag.Flag) { writeFlag(w, f) })
		return
	}
	listed := map[string]bool{}
	for _, g := range fs.groups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, name := range g.names {
			if f := fs.Lookup(name); f != nil {
				writeFlag(w, f)
				listed[name] = true
			}
		}
	}
	header := false
	fs.VisitAll(func(f *flag.Flag) {
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

// writeFlag prints one flag as flag.PrintDefaults does.
func writeFlag(w io.Writer, f *flag.Flag) {
	name, usage := flag.UnquoteUsage(f)
	line := "  -" + f.Name
	if name != "" {
		line += " " + name
	}
	if len(line) <= 4 {
		line += "\t"
	} else {
		line += "\n    \t"
	}
	line += strings.ReplaceAll(usage, "\n", "\n    \t")
	if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" && d != "[]" {
		line += fmt.Sprintf(" (default %s)", quoteDefault(f, d))
	}
	fmt.Fprintln(w, line)
}

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
