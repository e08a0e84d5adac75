package mobilenet

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable prints the layer table of the paper's Table 1 for c, with
// the mult-adds and parameters of each layer, the totals, and the share
// of each kind of layer (the paper's Table 2). It returns the first
// write error.
func (c Config) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "MobileNet V1, alpha %s, input %dx%dx3, %d classes (%s)\n\n", AlphaString(c.Alpha), c.Size, c.Size, c.Classes, c.Name())
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Type / Stride\tFilter Shape\tInput Size\tMult-Adds\tParams\t")
	var madds, params [5]int64
	var totalM, totalP int64
	for _, l := range c.Layers() {
		m, p := l.MultAdds(), l.Params()
		madds[l.Kind] += m
		params[l.Kind] += p
		totalM += m
		totalP += p
		fmt.Fprintf(tw, "%s / s%d\t%s\t%dx%dx%d\t%s\t%s\t\n", l.Kind, l.Stride, l.filterShape(), l.InH, l.InW, l.InC, human(m), human(p))
	}
	fmt.Fprintf(tw, "Softmax / s1\tClassifier\t1x1x%d\t\t\t\n", c.Classes)
	fmt.Fprintf(tw, "Total\t\t\t%s\t%s\t\n", human(totalM), human(totalP))
	tw.Flush()
	fmt.Fprintf(ew, "\nTotal: %.1fM mult-adds, %.2fM parameters (%d; plus %d classifier biases; BatchNorm folded away)\n\n",
		float64(totalM)/1e6, float64(totalP)/1e6, totalP, c.Classes)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Type\tMult-Adds\tParameters\t")
	for _, k := range []LayerKind{Pointwise, Depthwise, Conv, Classifier} {
		name := map[LayerKind]string{Pointwise: "Conv 1x1", Depthwise: "Conv DW 3x3", Conv: "Conv 3x3 (first)", Classifier: "Fully connected"}[k]
		fmt.Fprintf(tw, "%s\t%.2f%%\t%.2f%%\t\n", name, 100*float64(madds[k])/float64(totalM), 100*float64(params[k])/float64(totalP))
	}
	tw.Flush()
	return ew.err
}

// filterShape is the layer's filter as Table 1 writes it.
func (l Layer) filterShape() string {
	switch l.Kind {
	case Conv:
		return fmt.Sprintf("%dx%dx%dx%d", l.Kernel, l.Kernel, l.InC, l.OutC)
	case Depthwise:
		return fmt.Sprintf("%dx%dx%d dw", l.Kernel, l.Kernel, l.InC)
	case Pointwise:
		return fmt.Sprintf("1x1x%dx%d", l.InC, l.OutC)
	case Pool:
		return fmt.Sprintf("Pool %dx%d", l.InH, l.InW)
	case Classifier:
		return fmt.Sprintf("%dx%d", l.InC, l.OutC)
	}
	return ""
}

// human formats a count with a metric suffix (12.3M, 4.5K), "-" for 0.
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

// errWriter keeps the first write error, and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
