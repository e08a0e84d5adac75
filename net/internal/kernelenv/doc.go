// Package kernelenv holds the one rule by which livecam picks its kernels,
// for every precision and architecture: the environment ($LIVECAM_KERNELS)
// and the CPU (golang.org/x/sys/cpu) give one named kernel path, and the
// float32 and uint8 kernels of net/pwconv and net/dwconv are looked up
// from that path.
//
// A path is a set of CPU features. Unset, $LIVECAM_KERNELS means the
// fastest path this CPU runs; set, it names one, case-insensitively (the
// names `livecam version` prints), and means the same for both
// precisions. A value that names no path this CPU runs is an error,
// naming the value and the valid names, for every model (Current).
// A CPU runs every path whose features it has, not a ladder of them: an
// AVX-512 core without VNNI (Skylake-X) runs avx512 but not avxvnni, an
// AVX-VNNI core without AVX-512 (N100, 12th-14th generation Core) runs
// avxvnni but not avx512. The amx path also needs Linux to let the
// process use the tiles' 8 KiB of state: on a CPU whose CPUID lists
// AMX-TILE and AMX-INT8 it is asked once, the first time the paths are
// listed or amx is named (arch_prctl(ARCH_REQ_XCOMP_PERM,
// XFEATURE_XTILEDATA); a process that names another path never asks),
// and trusted only if ARCH_GET_XCOMP_PERM and XCR0 then show the state.
// A kernel that says no (before Linux 5.16, a hypervisor that hides the
// state) leaves the path out, and naming it is an error that says why.
// Each path names the kernel of each precision
// it runs, its own or that of a path whose features it has:
//
//	amd64         float32   uint8 1x1     uint8 3x3 depthwise   the CPU needs
//	amx           avx512    amx           avx512                AMX-TILE and AMX-INT8 granted by Linux 5.16+, AVX-512 F, BW, VL and VNNI, BMI2
//	avx512-vnni   avx512    avx512-vnni   avx512                AVX-512 F, BW, VL and VNNI, BMI2
//	avx512        avx512    avx2          avx512                AVX-512 F, BW and VL, and AVX2, FMA
//	avxvnni       avx2      avxvnni       avx2                  AVX2, FMA and AVX-VNNI
//	avx2          avx2      avx2          avx2                  AVX2 and FMA
//	generic       generic   generic       generic               nothing (portable Go)
//
//	arm64         float32   uint8 1x1     uint8 3x3 depthwise   the CPU needs
//	neon-dotprod  neon      neon-dotprod  neon                  the dot-product extension (UDOT)
//	neon          neon      neon          neon                  ARMv8.0 ASIMD (every arm64 core)
//	generic       generic   generic       generic               nothing (portable Go)
//
// Other architectures, and builds with the purego tag, have only the
// generic path. A test checks that this table is the one the code holds.
//
// The kernel packages list their kernels and Pick the one a path names;
// the models resolve the path once (Current) when they are built and
// report it. Tests that compare paths in one process build on each of
// Paths() under Force.
package kernelenv
