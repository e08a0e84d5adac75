package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestVersionKernels: livecam version prints the kernel path and the
// float32 and uint8 kernels it means, and the path is one
// LIVECAM_KERNELS accepts; a value naming no path is an error, printed.
func TestVersionKernels(t *testing.T) {
	t.Setenv("LIVECAM_KERNELS", "Generic")
	var stdout, stderr bytes.Buffer
	if err := runVersion(nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if want := "kernels  generic (float32 generic, uint8 generic+generic)\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("LIVECAM_KERNELS=Generic: version prints\n%s\nwant the line %q", stdout.String(), want)
	}

	t.Setenv("LIVECAM_KERNELS", "")
	stdout.Reset()
	if err := runVersion(nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	_, line, _ := strings.Cut(stdout.String(), "kernels  ")
	path, _, _ := strings.Cut(line, " ")
	t.Setenv("LIVECAM_KERNELS", path) // the name printed is accepted
	stdout.Reset()
	if err := runVersion(nil, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "kernels  "+line) {
		t.Errorf("LIVECAM_KERNELS=%s (as printed): %v\n%s", path, err, stdout.String())
	}

	t.Setenv("LIVECAM_KERNELS", "nosuch")
	stdout.Reset()
	err := runVersion(nil, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "kernels  LIVECAM_KERNELS=nosuch: ") || !strings.Contains(err.Error(), "generic") {
		t.Errorf("LIVECAM_KERNELS=nosuch: %v\n%s", err, stdout.String())
	}
}
