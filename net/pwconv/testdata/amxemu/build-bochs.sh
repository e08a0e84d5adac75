#!/bin/sh
# build-bochs.sh SRC: builds the Bochs of TestAMXBlocksInBochs from a
# checkout of https://github.com/bochs-emu/Bochs (its bochs/ folder, SRC),
# in place: x86-64 with AVX, AVX-512 and AMX, no GUI, no plugins. Then
#
#	LIVECAM_BOCHS=SRC make amx-emu
#
# Bochs' AMX-INT8 dot products (cpu/avx/amx.cc, DPBDSS/DPBDSU/DPBDUS)
# widen the bytes they call signed without sign extension, so that its
# TDPBUSD multiplies 0xfe as 254, not -2, unlike the SDM and the
# hardware. The sed below makes them sign-extend; the test's first image
# fails without it (tested with commit 783b58fd6d9b, August 2026).
set -eu
cd "$1"
sed -i 's/Bit32s(\([xy]\)byte\[\([0-3]\)\])/Bit32s(Bit8s(\1byte[\2]))/g' cpu/avx/amx.cc
grep -q 'Bit32s(Bit8s(xbyte\[0\]))' cpu/avx/amx.cc
./configure --enable-x86-64 --enable-avx --enable-evex --enable-amx \
	--enable-all-optimizations --with-nogui --without-x11 --without-sdl2 \
	--without-term --disable-plugins --disable-docbook >/dev/null
make -j"$(nproc)" >/dev/null
./bochs --help cpu 2>&1 | grep -q sapphire_rapids
echo "built $1/bochs"
