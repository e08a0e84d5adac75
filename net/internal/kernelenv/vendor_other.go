//go:build !amd64 || purego

package kernelenv

// vendor is unknown: no CPUID in this build.
const vendor = ""
