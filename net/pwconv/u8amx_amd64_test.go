//go:build amd64 && !purego

package pwconv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/livecam/livecam/net/quant"
	"golang.org/x/sys/cpu"
)

// amxCall is one block call of the AMX kernel, its pointers as offsets
// into the layer's arrays, and the scratch values it read, so that it can
// be replayed elsewhere (TestAMXBlocksInBochs).
type amxCall struct {
	run                        bool // a run of whole panels (pairs, panelBytes), else a block
	pairs, panelBytes          int
	mt, nt                     int
	a, b, c, bias              int // offsets in src, packed, dst (bytes) and pbias (int32s)
	rowc                       []int32
	steps, lda, ldc            int
	mask                       uint16
	cfg                        [64]byte
	bstride, kstep, rows, accs int
}

// tileShape is one tile's configuration as LDTILECFG reads it.
type tileShape struct{ rows, colsb int }

func tileShapes(cfg *[64]byte) (palette int, t [8]tileShape) {
	for i := range 8 {
		t[i] = tileShape{int(cfg[48+i]), int(cfg[16+2*i]) | int(cfg[17+2*i])<<8}
	}
	return int(cfg[0]), t
}

// checkTileConfig fails t where LDTILECFG would fault on cfg (Intel SDM,
// LDTILECFG, palette 1): reserved bytes not zero, a start row, a tile with
// rows but no bytes or bytes but no rows, more than 16 rows or 64 bytes,
// or bytes not a multiple of 4.
func checkTileConfig(t *testing.T, cfg *[64]byte) {
	t.Helper()
	if cfg[0] != 1 {
		t.Fatalf("tile configuration: palette %d, want 1", cfg[0])
	}
	for i, b := range cfg {
		if b != 0 && (i >= 1 && i < 16 || i >= 32 && i < 48 || i >= 56) {
			t.Fatalf("tile configuration: reserved byte %d is %#x", i, b)
		}
	}
	_, ts := tileShapes(cfg)
	for i, s := range ts {
		if (s.rows == 0) != (s.colsb == 0) || s.rows > 16 || s.colsb > 64 || s.colsb%4 != 0 {
			t.Fatalf("tile configuration: tile %d of %d rows × %d bytes", i, s.rows, s.colsb)
		}
	}
}

// within reports whether the n bytes at p lie in buf.
func within(p unsafe.Pointer, n int, buf unsafe.Pointer, size int) bool {
	off := uintptr(p) - uintptr(buf)
	return uintptr(p) >= uintptr(buf) && off+uintptr(n) <= uintptr(size)
}

// simdRequant is the requantization of the AVX-512 kernels, from
// quant.SIMD's fields as they compute it: the left shift, the rounding
// doubling high multiply ((x·mult + 2^30) >> 31), the rounding right
// shift as sign(x)·((|x| + nudge) >> right) on unsigned values, the zero
// point and the clamp.
func simdRequant(s *quant.SIMD, acc int32) uint8 {
	x := int32(uint32(acc) << uint(s.Left))
	x = int32((int64(x)*int64(int32(s.Mult)) + s.Round) >> 31)
	neg := x < 0
	u := uint32(x)
	if neg {
		u = -u
	}
	u = (u + uint32(s.Nudge)) >> uint(s.Right)
	v := int32(u)
	if neg {
		v = -v
	}
	v += s.ZeroPoint
	return uint8(min(max(v, s.Min), s.Max))
}

// amxModel returns a Go model of the AMX kernel for layer w applied to
// src and dst: what gemmU8AMXRun<mt> and gemmU8AMX<mt>x<nt> compute, from
// the tile configuration as the hardware reads it. It fails t where the
// hardware would refuse the call (a TDPBUSD on tiles of mismatched or
// missing shapes) and where a load or store would leave src, w's panels,
// dst or the scratch, and appends each call to *calls when calls is not
// nil.
func amxModel(t *testing.T, w *U8Weights, src, dst []uint8, calls *[]amxCall) (amxRunFunc, amxTileFunc) {
	block := amxBlockModel(t, w, src, dst)
	srcP, packP, dstP := unsafe.Pointer(&src[0]), unsafe.Pointer(&w.packed[0]), unsafe.Pointer(&dst[0])
	record := func(c amxCall, a *uint8, b *int8, cp *uint8, bias, rowc *int32, cfg *[64]byte) {
		if calls == nil {
			return
		}
		c.a = int(uintptr(unsafe.Pointer(a)) - uintptr(srcP))
		c.b = int(uintptr(unsafe.Pointer(b)) - uintptr(packP))
		c.c = int(uintptr(unsafe.Pointer(cp)) - uintptr(dstP))
		c.bias = int(uintptr(unsafe.Pointer(bias))-uintptr(unsafe.Pointer(&w.pbias[0]))) / 4
		c.rowc = append([]int32(nil), unsafe.Slice(rowc, c.rows)...)
		c.cfg = *cfg
		*calls = append(*calls, c)
	}
	run := func(mt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc, pairs int, cfg *[64]byte, panelBytes, kstep int, acc *int32, rows int) {
		t.Helper()
		if pairs < 1 || pairs%2 != 0 {
			t.Fatalf("a run of %d pairs, not whole panels", pairs)
		}
		for q := range pairs {
			pn, half := q/2, q%2
			block(mt, 2, a, (*int8)(unsafe.Add(unsafe.Pointer(b), pn*panelBytes+128*half)), (*uint8)(unsafe.Add(unsafe.Pointer(c), 64*pn+32*half)),
				(*int32)(unsafe.Add(unsafe.Pointer(bias), 4*(64*pn+32*half))), rowc, rq, steps, lda, ldc, 0xffff, cfg, 256, kstep, acc, rows)
		}
		record(amxCall{run: true, pairs: pairs, panelBytes: panelBytes, mt: mt, nt: 2, steps: steps, lda: lda, ldc: ldc, kstep: kstep, rows: rows}, a, b, c, bias, rowc, cfg)
	}
	tile := func(mt, nt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int) {
		t.Helper()
		block(mt, nt, a, b, c, bias, rowc, rq, steps, lda, ldc, mask, cfg, bstride, kstep, acc, rows)
		record(amxCall{mt: mt, nt: nt, steps: steps, lda: lda, ldc: ldc, mask: mask, bstride: bstride, kstep: kstep, rows: rows}, a, b, c, bias, rowc, cfg)
	}
	return run, tile
}

// amxBlockModel returns the model of one block (amxModel).
func amxBlockModel(t *testing.T, w *U8Weights, src, dst []uint8) amxTileFunc {
	return func(mt, nt int, a *uint8, b *int8, c *uint8, bias, rowc *int32, rq *quant.SIMD, steps, lda, ldc int, mask uint16, cfg *[64]byte, bstride, kstep int, acc *int32, rows int) {
		t.Helper()
		checkTileConfig(t, cfg)
		_, ts := tileShapes(cfg)
		srcP, packP, dstP := unsafe.Pointer(&src[0]), unsafe.Pointer(&w.packed[0]), unsafe.Pointer(&dst[0])
		s := (*amxScratch)(unsafe.Pointer(uintptr(unsafe.Pointer(acc)) - unsafe.Offsetof(amxScratch{}.acc)))
		if unsafe.Pointer(rowc) != unsafe.Pointer(&s.rowc[0]) || unsafe.Pointer(cfg) != unsafe.Pointer(&s.cfg) {
			t.Fatal("acc, rowc and cfg are not one scratch's")
		}
		var cacc [2][2][16][16]int32
		for r := range mt {
			for z := range nt {
				tc, ta, tb := ts[2*r+z], ts[4+r], ts[6+z]
				switch {
				case tc.rows == 0 || tc.rows > 16 || tc.rows != ta.rows:
					t.Fatalf("TDPBUSD C%d A%d: rows %d and %d", 2*r+z, 4+r, tc.rows, ta.rows)
				case tc.colsb != 64 || tb.colsb != 64:
					t.Fatalf("TDPBUSD C%d B%d: %d and %d bytes a row, want 64", 2*r+z, 6+z, tc.colsb, tb.colsb)
				case ta.colsb != 4*tb.rows || tb.rows > 16 || tb.rows == 0:
					t.Fatalf("TDPBUSD A%d B%d: A has %d bytes a row, B %d rows", 4+r, 6+z, ta.colsb, tb.rows)
				case ta.colsb != kstep:
					t.Fatalf("A tile of %d bytes a row, kstep %d", ta.colsb, kstep)
				case r == 1 && ts[0].rows != 16:
					t.Fatalf("row tile 1 after a row tile 0 of %d rows", ts[0].rows)
				}
				for st := range steps {
					ar := unsafe.Add(unsafe.Pointer(a), 16*r*lda+st*kstep)
					br := unsafe.Add(unsafe.Pointer(b), 64*z+st*(kstep/4)*bstride)
					for i := range ta.rows {
						if !within(unsafe.Add(ar, i*lda), ta.colsb, srcP, len(src)) {
							t.Fatalf("A tile %d row %d outside the input", 4+r, i)
						}
					}
					for g := range tb.rows {
						if !within(unsafe.Add(br, g*bstride), 64, packP, len(w.packed)) {
							t.Fatalf("B tile %d row %d outside the panels", 6+z, g)
						}
					}
					for i := range tc.rows {
						x := unsafe.Slice((*uint8)(unsafe.Add(ar, i*lda)), ta.colsb)
						for j := range 16 {
							sum := int32(0)
							for g := range tb.rows {
								wv := unsafe.Slice((*int8)(unsafe.Add(br, g*bstride+4*j)), 4)
								for q := range 4 {
									sum += int32(x[4*g+q]) * int32(wv[q])
								}
							}
							cacc[r][z][i][j] += sum
						}
					}
				}
			}
		}
		// TILESTORED, then the requantization reads acc row by row.
		for r := range mt {
			for z := range nt {
				for i := range ts[2*r+z].rows {
					copy(s.acc[(1024*r+2048*z+64*i)/4:][:16], cacc[r][z][i][:])
				}
			}
		}
		if rows > ts[0].rows+ts[2].rows*min(mt-1, 1) || rows < 1 {
			t.Fatalf("requantizing %d rows of tiles of %d and %d", rows, ts[0].rows, ts[2].rows)
		}
		rowcs := unsafe.Slice(rowc, rows)
		for i := range rows {
			for z := range nt {
				bz := unsafe.Slice((*int32)(unsafe.Add(unsafe.Pointer(bias), 64*z)), 16)
				if !within(unsafe.Pointer(&bz[0]), 64, unsafe.Pointer(&w.pbias[0]), 4*len(w.pbias)) {
					t.Fatal("bias outside the panels' bias")
				}
				m := uint16(0xffff)
				if z == nt-1 {
					m = mask
				}
				for j := range 16 {
					if m&(1<<j) == 0 {
						continue
					}
					out := (*uint8)(unsafe.Add(unsafe.Pointer(c), i*ldc+16*z+j))
					if !within(unsafe.Pointer(out), 1, dstP, len(dst)) {
						t.Fatalf("store of row %d, column %d outside the output", i, 16*z+j)
					}
					*out = simdRequant(rq, s.acc[(64*i+2048*z)/4+j]+rowcs[i]+bz[j])
				}
			}
		}
	}
}

// amxShapes are the layers the AMX tests run: MobileNet's (the first
// convolution's 28-byte patches, k of 24-768, a last panel of 1-4
// groups, some columns masked) and awkward ones (k with no step of 64,
// rows of 1, 15-17, 31-33).
var amxShapes = [][3]int{{28, 24, 50}, {24, 48, 33}, {96, 96, 36}, {384, 384, 12}, {768, 1001, 1},
	{8, 8, 7}, {4, 1, 1}, {12, 100, 17}, {64, 17, 16}, {60, 200, 31}, {256, 136, 32}, {1024, 40, 15}, {52, 80, 64},
	{68, 64, 9}, {148, 32, 5}, {2048, 64, 5}}

// TestAMXBlocksModel runs the AMX kernel's loop over blocks (applyAMXWith)
// with the Go model of the blocks on every CPU with AVX-512 (the row sums
// are AVX-512), and requires TFLite's bytes: the packing, the tile
// configuration, the steps and the offsets the assembly is given are
// right, and nothing reads or writes outside its arrays. What the
// assembly itself computes is checked where AMX runs (TestU8KernelsAgree
// and the others pick the amx path there) and, without the hardware,
// under an emulator (TestAMXBlocksInBochs).
func TestAMXBlocksModel(t *testing.T) {
	if !amxModelRuns() {
		t.Skip("the AMX kernel's model needs AVX-512 with VNNI (its row sums, and the kernel of the layers it leaves), which every AMX CPU has")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range amxShapes {
		k, n, rows := sh[0], sh[1], sh[2]
		t.Run(fmt.Sprintf("k%d_n%d_rows%d", k, n, rows), func(t *testing.T) {
			for trial := range 3 {
				w, wz, bias, xz, rq := randomU8Layer(rng, k, n)
				p, err := packU8(u8AMX, w, wz, bias, xz, k, n, rq)
				if err != nil {
					t.Fatal(err)
				}
				src := randomU8Input(rng, rows, k, trial == 1)
				dst := make([]uint8, rows*n)
				for i := range dst {
					dst[i] = 0xa5
				}
				if amxKStep(k) < amxMinStep {
					// Left to the VNNI kernel, which runs here.
					if p.kern != u8AMXFallback {
						t.Fatalf("k=%d: kernel %s, want the fallback", k, p.kern.name)
					}
					p.Apply(dst, src, rows)
				} else {
					run, tile := amxModel(t, p, src, dst, nil)
					p.applyAMXWith(run, tile, dst, src, rows, 0, (n+63)/64)
				}
				for r := range rows {
					for j := range n {
						if want := rq.Apply(u8Acc(w, wz, bias, xz, src, k, r, j)); dst[r*n+j] != want {
							t.Fatalf("trial %d, row %d, column %d: %d, want %d", trial, r, j, dst[r*n+j], want)
						}
					}
				}
			}
		})
	}
}

// amxModelRuns reports whether this CPU runs what the AMX kernel's model
// leans on: AVX-512's row sums and, for the layers the AMX kernel leaves
// (amxMinStep), the VNNI kernel.
func amxModelRuns() bool {
	return cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI && cpu.X86.HasBMI2
}

// TestAMXColumnRanges: the AMX loop on every range of panels that
// ApplyCols passes it writes TFLite's bytes there and nothing elsewhere
// (a partial last panel in or out of the range, ranges from the middle).
func TestAMXColumnRanges(t *testing.T) {
	if !amxModelRuns() {
		t.Skip("the AMX kernel's model needs AVX-512 with VNNI, which every AMX CPU has")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{96, 300, 40}, {64, 256, 17}, {28, 130, 5}} {
		k, n, rows := sh[0], sh[1], sh[2]
		np := (n + 63) / 64
		w, wz, bias, xz, rq := randomU8Layer(rng, k, n)
		p, err := packU8(u8AMX, w, wz, bias, xz, k, n, rq)
		if err != nil {
			t.Fatal(err)
		}
		src := randomU8Input(rng, rows, k, false)
		for p0 := range np {
			for p1 := p0 + 1; p1 <= np; p1++ {
				dst := make([]uint8, rows*n)
				for i := range dst {
					dst[i] = 0xa5
				}
				run, tile := amxModel(t, p, src, dst, nil)
				p.applyAMXWith(run, tile, dst, src, rows, p0, p1)
				for r := range rows {
					for j := range n {
						want := uint8(0xa5)
						if j >= p0*64 && j < min(p1*64, n) {
							want = rq.Apply(u8Acc(w, wz, bias, xz, src, k, r, j))
						}
						if dst[r*n+j] != want {
							t.Fatalf("k=%d n=%d panels [%d, %d): row %d, column %d: %d, want %d", k, n, p0, p1, r, j, dst[r*n+j], want)
						}
					}
				}
			}
		}
	}
}

// TestAMXApplyColsOutOfRange: ApplyCols past N panics before the AMX
// kernel (here its model, which fails the test on any access outside the
// arrays) is called.
func TestAMXApplyColsOutOfRange(t *testing.T) {
	if !amxModelRuns() {
		t.Skip("the AMX kernel's model needs AVX-512 with VNNI, which every AMX CPU has")
	}
	UseAMXModel(t)
	const k, n, rows = 64, 64, 4
	w, bias := make([]uint8, k*n), make([]int32, n)
	rq := quant.Requant{Multiplier: 1 << 30, Shift: -8, Max: 255}
	p, err := packU8(u8AMX, w, 3, bias, 5, k, n, rq)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := make([]uint8, rows*k), make([]uint8, rows*2*n)
	defer func() {
		if v := recover(); !strings.Contains(fmt.Sprint(v), "ApplyCols: columns") {
			t.Errorf("ApplyCols(0, %d) of %d columns: %v, want ApplyCols' own panic", 2*n, n, v)
		}
	}()
	p.ApplyCols(dst, src, rows, 0, 2*n)
}

// TestAMXKStep: a step is the largest multiple of 4 up to 64 dividing k.
func TestAMXKStep(t *testing.T) {
	for k, want := range map[int]int{4: 4, 8: 8, 24: 24, 28: 28, 96: 48, 192: 64, 384: 64, 1000: 40, 1004: 4, 68: 4, 120: 60} {
		if got := amxKStep(k); got != want {
			t.Errorf("amxKStep(%d) = %d, want %d", k, got, want)
		}
	}
}

// TestAMXEncoding: every AMX instruction the generator wrote as bytes is
// the one its comment names, as GNU as encodes it (Go's assembler knows
// no AMX instruction, so nothing else would catch a wrong byte short of
// the hardware).
func TestAMXEncoding(t *testing.T) {
	as, err := exec.LookPath("as")
	if err != nil {
		need(t, "GNU as (binutils) to check the AMX encodings: %v", err)
	}
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		need(t, "objcopy (binutils): %v", err)
	}
	src, err := os.ReadFile("u8_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^\t((?:BYTE \$0x[0-9a-f]{2}(?:; )?)+) // ((?:LDTILECFG|TILELOADD|TILESTORED|TDPBUSD|TILEZERO|TILERELEASE)\b.*)$`)
	reg := strings.NewReplacer("AX", "rax", "BX", "rbx", "CX", "rcx", "DX", "rdx", "SI", "rsi", "DI", "rdi", "TMM", "tmm")
	index := regexp.MustCompile(`\[(r[a-z]{2})\+(r[a-z]{2})`)
	var want []byte
	var prog strings.Builder
	prog.WriteString(".intel_syntax noprefix\n")
	names := map[string]bool{}
	for _, l := range strings.Split(string(src), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			if strings.Contains(l, "TMM") {
				t.Errorf("AMX line not in the expected form: %q", l)
			}
			continue
		}
		for _, b := range strings.Split(m[1], "; ") {
			v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(b), "BYTE $0x"), 16, 8)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, byte(v))
		}
		ins := index.ReplaceAllString(reg.Replace(m[2]), "[$1+$2*1")
		prog.WriteString(strings.ToLower(ins[:strings.IndexAny(ins+" ", " ")]) + ins[strings.IndexAny(ins+" ", " "):] + "\n")
		names[strings.Fields(m[2])[0]] = true
	}
	if len(names) != 6 {
		t.Fatalf("found the AMX instructions %v, want the six the kernels use", names)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "amx.s"), []byte(prog.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "--64", "-o", filepath.Join(dir, "amx.o"), filepath.Join(dir, "amx.s")).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	if out, err := exec.Command(objcopy, "-O", "binary", "-j", ".text", filepath.Join(dir, "amx.o"), filepath.Join(dir, "amx.bin")).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "amx.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the generator's AMX bytes differ from GNU as's:\n%x\n%x\nprogram:\n%s", want, got, prog.String())
	}
}

// need skips a test that cannot run on this machine, and fails it under
// CI=true, where everything the suite needs is installed (shareddata.Need,
// which this package's tests cannot import).
func need(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("under CI this must run: "+format, args...)
	}
	t.Skipf(format, args...)
}
