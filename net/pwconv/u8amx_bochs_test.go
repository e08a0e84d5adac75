//go:build amd64 && !purego && amxemu

package pwconv

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// TestAMXBlocksInBochs runs the AMX kernel's assembly, the bytes the Go
// toolchain makes of it, on an emulated Sapphire Rapids core, for machines
// without AMX (every one this project has been built on so far). For
// each layer of amxShapes small enough for a boot image, the Go model
// (amxModel) records the block calls applyAMXWith makes and the output
// they give (TFLite's bytes, TestAMXBlocksModel); a disk image is built
// that boots into 64-bit mode with the tile state enabled, makes the same
// calls to the six gemmU8AMX functions copied out of this binary, and
// compares the output bytes with the model's. See testdata/amxemu/README.md
// for the emulator: Bochs built with AMX, with its signed-byte fix.
//
//	LIVECAM_BOCHS=/path/to/bochs-build go test -tags amxemu -run AMXBlocksInBochs -v ./net/pwconv
func TestAMXBlocksInBochs(t *testing.T) {
	dir := os.Getenv("LIVECAM_BOCHS")
	if dir == "" {
		t.Fatal("set LIVECAM_BOCHS to a Bochs build directory (testdata/amxemu/README.md)")
	}
	if !cpu.X86.HasAVX512F || !cpu.X86.HasAVX512BW {
		t.Fatal("the model's row sums need AVX-512 on this machine")
	}
	kernels := amxKernelBytes(t)
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := append([][3]int{{768, 64, 20}, {192, 1001, 3}}, amxShapes...)
	for _, sh := range shapes {
		k, n, rows := sh[0], sh[1], sh[2]
		if k*((n+63)/64)*64+2*rows*n+rows*k > 400<<10 || amxKStep(k) < amxMinStep {
			continue // too big for one boot image, or not an AMX layer
		}
		t.Run(fmt.Sprintf("k%d_n%d_rows%d", k, n, rows), func(t *testing.T) {
			w, wz, bias, xz, rq := randomU8Layer(rng, k, n)
			p, err := packU8(u8AMX, w, wz, bias, xz, k, n, rq)
			if err != nil {
				t.Fatal(err)
			}
			src := randomU8Input(rng, rows, k, false)
			dst := make([]uint8, rows*n)
			for i := range dst {
				dst[i] = 0xa5 // the emulated run starts from the same bytes
			}
			var calls []amxCall
			run, tile := amxModel(t, p, src, dst, &calls)
			p.applyAMXWith(run, tile, dst, src, rows, 0, (n+63)/64)
			out := runBochs(t, dir, p, src, dst, rows, n, calls, kernels)
			want := fmt.Sprintf("AMX PASS %d calls", len(calls))
			if !strings.Contains(out, want) {
				t.Fatalf("emulator output, want %q:\n%s", want, out)
			}
			blocks := 0
			for _, c := range calls {
				blocks += max(c.pairs, 1)
			}
			t.Logf("%d calls, %d blocks of 32 rows × 32 columns or fewer, the same %d output bytes", len(calls), blocks, len(dst))
		})
	}
}

// amxKernelBytes returns the machine code of gemmU8AMX1x1, 1x2, 2x1, 2x2,
// Run1 and Run2, from this package's test binary built again with its symbols (go
// test strips its own). The functions call nothing and address only their
// arguments (ABI0: on the stack), so they run anywhere.
func amxKernelBytes(t *testing.T) map[string][]byte {
	exe := filepath.Join(t.TempDir(), "pwconv.test")
	if out, err := exec.Command("go", "test", "-c", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c: %v\n%s", err, out)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, s := range syms {
		name, ok := strings.CutPrefix(s.Name, "github.com/livecam/livecam/net/pwconv.gemmU8AMX")
		if !ok || !strings.HasSuffix(name, ".abi0") {
			continue
		}
		off := s.Value - text.Addr
		out[strings.TrimSuffix(name, ".abi0")] = data[off : off+s.Size]
	}
	if len(out) != 6 {
		t.Fatalf("found AMX kernels %v in %s, want 1x1 1x2 2x1 2x2 Run1 Run2", out, exe)
	}
	return out
}

// runBochs builds the disk image of one layer's calls, boots it and
// returns what the payload printed.
func runBochs(t *testing.T, bochs string, p *U8Weights, src, dst []uint8, rows, n int, calls []amxCall, kernels map[string][]byte) string {
	work := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(work, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	le := func(v any) []byte {
		b, err := binary.Append(nil, binary.LittleEndian, v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, code := range kernels {
		write("k"+name+".bin", code)
	}
	write("src.bin", src)
	write("packed.bin", unsafe.Slice((*byte)(unsafe.Pointer(&p.packed[0])), len(p.packed)))
	write("pbias.bin", le(p.pbias))
	write("rq.bin", le(p.vrq))
	// dst between two 64-byte canaries, which must stay as they are.
	canary := bytes.Repeat([]byte{0x5a}, 64)
	write("want.bin", slices.Concat(canary, dst, canary))
	write("dst.bin", slices.Concat(canary, bytes.Repeat([]byte{0xa5}, len(dst)), canary))

	var s strings.Builder
	pf := func(format string, args ...any) { fmt.Fprintf(&s, format+"\n", args...) }
	pf("\t.code64\n\t.globl _start\n_start:")
	for i, c := range calls {
		arg := func(off int, expr string) {
			pf("\tlea %s(%%rip), %%rax\n\tmov %%rax, %d(%%rsp)", expr, off)
		}
		imm := func(off, v int) { pf("\tmovabs $%d, %%rax\n\tmov %%rax, %d(%%rsp)", v, off) }
		pf("\tsub $128, %%rsp")
		arg(0, fmt.Sprintf("src+%d", c.a))
		arg(8, fmt.Sprintf("packed+%d", c.b))
		arg(16, fmt.Sprintf("dst+%d", c.c))
		arg(24, fmt.Sprintf("pbias+%d", 4*c.bias))
		arg(32, fmt.Sprintf("rowc%d", i))
		arg(40, "rq")
		imm(48, c.steps)
		imm(56, c.lda)
		imm(64, c.ldc)
		if c.run {
			imm(72, c.pairs)
			imm(88, c.panelBytes)
		} else {
			imm(72, int(c.mask))
			imm(88, c.bstride)
		}
		arg(80, fmt.Sprintf("cfg%d", i))
		imm(96, c.kstep)
		arg(104, "acc")
		imm(112, c.rows)
		if c.run {
			pf("\tcall kRun%d", c.mt)
		} else {
			pf("\tcall k%dx%d", c.mt, c.nt)
		}
		pf("\tadd $128, %%rsp")
	}
	pf("\tlea dst-64(%%rip), %%rsi\n\tlea want(%%rip), %%rdi\n\tmov $%d, %%rcx\n\trepe cmpsb\n\tjne fail", len(dst)+128)
	pf("\tlea pass(%%rip), %%rsi\n\tcall puts\n\tjmp shutdown")
	pf("fail:\n\tlea failmsg(%%rip), %%rsi\n\tcall puts\n\tmov $%d, %%rax\n\tsub %%rcx, %%rax\n\tdec %%rax\n\tcall puthex\n\tjmp shutdown", len(dst)+128)
	pf("\t.include \"lib.S\"")
	pf("pass:\t.asciz \"AMX PASS %d calls\\n\"", len(calls))
	pf("failmsg:\t.asciz \"AMX FAIL at byte (of 64 canary bytes, the output, 64 more) \"")
	for name := range kernels {
		pf("\t.p2align 4\nk%s:\t.incbin \"k%s.bin\"", name, name)
	}
	for _, name := range []string{"src", "packed", "pbias", "rq", "want"} {
		pf("\t.p2align 6\n%s:\t.incbin \"%s.bin\"", name, name)
	}
	pf("\t.p2align 6\n\t.incbin \"dst.bin\", 0, 64\ndst:\t.incbin \"dst.bin\", 64")
	for i, c := range calls {
		pf("\t.p2align 6\ncfg%d:\t.byte %s", i, joinInts(c.cfg[:]))
		pf("\t.p2align 2\nrowc%d:\t.long %s", i, joinInts(c.rowc))
	}
	pf("\t.p2align 6\nacc:\t.fill %d, 1, 0", len(amxScratch{}.acc)*4)
	write("payload.S", []byte(s.String()))

	lib, err := filepath.Abs("testdata/amxemu")
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("as", "--64", "-I", lib, "-o", "payload.o", "payload.S")
	run("ld", "-Ttext=0x10000", "--oformat", "binary", "-o", "payload.bin", "payload.o")
	payload, err := os.ReadFile(filepath.Join(work, "payload.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(payload) > 0x70000 {
		t.Fatalf("payload of %d bytes: more than the 448 KiB below the BIOS's data", len(payload))
	}
	sectors := (len(payload) + 511) / 512
	run("as", "--32", "--defsym", fmt.Sprintf("PAYLOAD_SECTORS=%d", sectors), "-o", "boot.o", filepath.Join(lib, "boot.S"))
	run("ld", "-m", "elf_i386", "-Ttext=0x7c00", "--oformat", "binary", "-o", "boot.bin", "boot.o")
	boot, err := os.ReadFile(filepath.Join(work, "boot.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(boot) != 512 {
		t.Fatalf("boot sector of %d bytes", len(boot))
	}
	const cyl, heads, spt = 20, 16, 63
	img := make([]byte, cyl*heads*spt*512)
	copy(img, boot)
	copy(img[512:], payload)
	write("disk.img", img)
	rc := fmt.Sprintf(`megs: 64
romimage: file=%[1]s/bios/BIOS-bochs-latest
vgaromimage: file=%[1]s/bios/VGABIOS-lgpl/VGABIOS-lgpl-latest.bin
cpu: model=sapphire_rapids, count=1
ata0-master: type=disk, path=%[2]s, mode=flat, cylinders=%[3]d, heads=%[4]d, spt=%[5]d
boot: disk
port_e9_hack: enabled=1
log: /dev/null
display_library: nogui
`, bochs, filepath.Join(work, "disk.img"), cyl, heads, spt)
	write("bochsrc", []byte(rc))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bochs, "bochs"), "-q", "-f", filepath.Join(work, "bochsrc"))
	cmd.Dir = work
	out, _ := cmd.CombinedOutput() // Bochs leaves through a fatal "shutdown requested"
	return string(out)
}

func joinInts[T byte | int32](v []T) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
