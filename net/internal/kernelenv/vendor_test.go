package kernelenv

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestVendor: on amd64 (assembly builds) the vendor is CPUID's 12 bytes,
// printable; elsewhere it is empty.
func TestVendor(t *testing.T) {
	v := Vendor()
	t.Logf("vendor %q", v)
	if runtime.GOARCH != "amd64" || len(Paths()) == 1 {
		return
	}
	if len(v) != 12 {
		t.Fatalf("vendor %q: want 12 bytes", v)
	}
	for _, c := range []byte(v) {
		if c < ' ' || c > '~' {
			t.Fatalf("vendor %q: not printable", v)
		}
	}
	if cpuinfo, err := os.ReadFile("/proc/cpuinfo"); err == nil && !strings.Contains(string(cpuinfo), "vendor_id\t: "+v) {
		t.Errorf("vendor %q is not /proc/cpuinfo's", v)
	}
}
