package kernelenv

// Vendors as CPUID leaf 0 names them.
const (
	// Intel is the vendor string of Intel's x86 cores.
	Intel = "GenuineIntel"
	// AMD is the vendor string of AMD's x86 cores.
	AMD = "AuthenticAMD"
)

// Vendor returns the maker of this CPU as CPUID leaf 0 names it (Intel,
// AMD, or another 12-byte string such as "HygonGenuine"), or "" where it
// is not known (not amd64, or the purego build). Kernel packages read it
// to choose the tile shape of a kernel within its path; it never changes
// which path runs.
func Vendor() string { return vendor }
