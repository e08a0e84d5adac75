package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/livecam/livecam/net/mobilenet"
)

func runSummary(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("summary", "", stdout, stderr)
	alpha := fs.Float64("alpha", 1.0, "width multiplier")
	size := fs.Int("size", 224, "input size (a multiple of 32)")
	classes := fs.Int("classes", 1000, "classifier outputs")
	if err := fs.parse(args); err != nil {
		return err
	}
	cfg := mobilenet.Config{Alpha: *alpha, Size: *size, Classes: *classes}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	writeSummary(stdout, cfg)
	return nil
}

// writeSummary prints the layer table of the paper's Table 1 for cfg, with
// mult-adds and parameters per layer, totals, and the share of each kind.
func writeSummary(w io.Writer, cfg mobilenet.Config) {
	fmt.Fprintf(w, "MobileNet V1, alpha %s, input %dx%dx3, %d classes (%s)\n\n", mobilenet.AlphaString(cfg.Alpha), cfg.Size, cfg.Size, cfg.Classes, cfg.Name())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Type / Stride\tFilter Shape\tInput Size\tMult-Adds\tParams\t")
	var madds, params [5]int64
	var totalM, totalP int64
	for _, l := range cfg.Layers() {
		var filter string
		switch l.Kind {
		case mobilenet.Conv:
			filter = fmt.Sprintf("%dx%dx%dx%d", l.Kernel, l.Kernel, l.InC, l.OutC)
		case mobilenet.Depthwise:
			filter = fmt.Sprintf("%dx%dx%d dw", l.Kernel, l.Kernel, l.InC)
		case mobilenet.Pointwise:
			filter = fmt.Sprintf("1x1x%dx%d", l.InC, l.OutC)
		case mobilenet.Pool:
			filter = fmt.Sprintf("Pool %dx%d", l.InH, l.InW)
		case mobilenet.Classifier:
			filter = fmt.Sprintf("%dx%d", l.InC, l.OutC)
		}
		m, p := l.MultAdds(), l.Params()
		madds[l.Kind] += m
		params[l.Kind] += p
		totalM += m
		totalP += p
		fmt.Fprintf(tw, "%s / s%d\t%s\t%dx%dx%d\t%s\t%s\t\n", l.Kind, l.Stride, filter, l.InH, l.InW, l.InC, human(m), human(p))
	}
	fmt.Fprintf(tw, "Softmax / s1\tClassifier\t1x1x%d\t\t\t\n", cfg.Classes)
	fmt.Fprintf(tw, "Total\t\t\t%s\t%s\t\n", human(totalM), human(totalP))
	tw.Flush()
	fmt.Fprintf(w, "\nTotal: %.1fM mult-adds, %.2fM parameters (%d; plus %d classifier biases; BatchNorm folded away)\n\n",
		float64(totalM)/1e6, float64(totalP)/1e6, totalP, cfg.Classes)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Type\tMult-Adds\tParameters\t")
	for _, k := range []mobilenet.LayerKind{mobilenet.Pointwise, mobilenet.Depthwise, mobilenet.Conv, mobilenet.Classifier} {
		name := map[mobilenet.LayerKind]string{mobilenet.Pointwise: "Conv 1x1", mobilenet.Depthwise: "Conv DW 3x3", mobilenet.Conv: "Conv 3x3 (first)", mobilenet.Classifier: "Fully connected"}[k]
		fmt.Fprintf(tw, "%s\t%.2f%%\t%.2f%%\t\n", name, 100*float64(madds[k])/float64(totalM), 100*float64(params[k])/float64(totalP))
	}
	tw.Flush()
}

// human formats a count with a metric suffix (12.3M, 4.5K).
func human(n int64) string {
	switch {
	case n == 0:
		return "-"
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
