# livecam: build, demo and test. `make demo` and `make test` are the two
# commands of the README; both install what is missing first.

GO       ?= go
BIN      := bin/livecam
SHARED   := $(abspath ../shared)
# The shared models folder, when this checkout sits beside it.
ifneq ($(wildcard $(SHARED)/models/mobilenet_v1_0.75_224/model.json),)
export LIVECAM_MODELS ?= $(SHARED)/models
endif

# The frame of out/demo_boxes.mp4 the README opens with (the pets).
BOXES_FRAME ?= 200

.PHONY: all deps build demo readme-image test check test-arm64 vet-arm64 cross-arm64 vet fmt testdata fuzz bench amx-emu

all: build

# Debian's OpenCV 4.6 and ffmpeg (gocv v0.31.0 is the release for 4.6; livecam
# decodes files and encodes video with ffmpeg), Chromium for the viewer's
# browser test, pgrep (procps) for the tests that kill livecam's ffmpeg, and
# qemu-user-static to run the network's tests as arm64 code, Xvfb, a
# virtual display for the window's test, and a font with Chinese glyphs
# for the overlay's test of labels in scripts Go's own font lacks, and
# the mosquitto MQTT broker and nats-server (JetStream), which the MQTT and
# fleet tests start on a free port.
deps:
	@if ! pkg-config --exists opencv4 || ! command -v ffmpeg >/dev/null || ! command -v chromium >/dev/null || ! command -v pgrep >/dev/null || ! command -v qemu-aarch64-static >/dev/null || ! command -v Xvfb >/dev/null || ! command -v mosquitto >/dev/null || ! command -v nats-server >/dev/null || ! command -v npm >/dev/null || [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then \
		echo "installing libopencv-dev, ffmpeg, chromium, procps, qemu-user-static, xvfb, fonts-droid-fallback, mosquitto, nats-server and npm"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libopencv-dev ffmpeg chromium procps qemu-user-static xvfb fonts-droid-fallback mosquitto nats-server npm >/dev/null; \
	fi

# ONNX Runtime for the int8 peer's agreement tests (bench/): from npm,
# its CPU build only.
bench/node_modules/onnxruntime-node: bench/package.json bench/package-lock.json
	cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
	@touch $@

build: deps
	$(GO) build -o $(BIN) ./cmd/livecam

# The first run: label a short video made from eight everyday photos
# (testdata/images/demo, drawn into a video by internal/demo), writing the
# annotated video and one JSON line per frame under out/, then classify the
# photos themselves. Without the model (and without ../shared) it is
# downloaded first; where that fails, livecam says in one line what it
# tried and how to put the model in place.
demo: build
	@$(BIN) models path >/dev/null 2>&1 || $(BIN) models fetch mobilenet_v1_0.75_224
	@mkdir -p out
	$(GO) run ./internal/testdatagen -demo out/demo.mp4
	$(BIN) -source out/demo.mp4 -out out/demo_labelled.mp4 -results out/demo.jsonl -report out/demo.html -overwrite
	@echo "wrote out/demo_labelled.mp4 (the video with its labels), out/demo.jsonl (one result per frame) and out/demo.html (the report)"
	$(BIN) classify -topk 1 testdata/images/demo/*.jpg
	@$(BIN) models path coco_ssd_mobilenet_v1 >/dev/null 2>&1 || $(BIN) models fetch coco_ssd_mobilenet_v1
	$(BIN) -model coco_ssd_mobilenet_v1 -source out/demo.mp4 -out out/demo_boxes.mp4 -results out/demo_boxes.jsonl -events out/demo_boxes.events.jsonl -report out/demo_boxes.html -overwrite
	@echo "wrote out/demo_boxes.mp4 (the video with boxes and track ids), out/demo_boxes.jsonl, out/demo_boxes.events.jsonl (an enter and a leave per object) and out/demo_boxes.html"
	$(BIN) detect testdata/images/demo/*.jpg

# The README's pictures: one frame of the labelled demo video, and the top
# of the demo's report page as headless Chromium draws it.
readme-image: demo
	ffmpeg -v error -y -i out/demo_labelled.mp4 -vf "select=eq(n\,95)" -frames:v 1 -q:v 5 testdata/images/demo_labelled.jpg
	ffmpeg -v error -y -i out/demo_boxes.mp4 -vf "select=eq(n\,$(BOXES_FRAME))" -frames:v 1 -q:v 5 testdata/images/demo_boxes.jpg
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=$$(mktemp -d) --window-size=1000,1250 --screenshot=out/demo_report.png file://$(CURDIR)/out/demo.html 2>/dev/null
	ffmpeg -v error -y -i out/demo_report.png -vf scale=800:-2 -q:v 4 testdata/images/demo_report.jpg

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# The packages whose goroutines share state: make test runs their tests
# under the race detector; make check runs the race detector everywhere.
RACE_PKGS := ./pipeline/... ./supervisor/... ./internal/batch/... ./internal/backoff/... ./source/... ./sink/... ./fleet/... ./viewer/... ./cameras/... ./prom/... ./events/... ./track/... ./internal/relay/... ./internal/runctl/... ./net/internal/workpool/...

# What a contributor runs before each commit (about 8 minutes on 2
# cores): formatting and vet, every package's tests in their quick form
# (-short: the default kernels only, the 500-image ImageNet checks
# included, the long end-to-end runs left to make check), the race
# detector on the concurrent packages, gocv's Mat profiler on the
# pipeline.
test: deps vet
	$(GO) test -count=1 -short ./...
	$(GO) test -count=1 -race -short $(RACE_PKGS)
	$(GO) test -count=1 -tags matprofile -run NoMatLeaks ./pipeline/ ./source/push/ ./source/videofile/ ./sink/video/

# The sweeps of hundreds of images: the full run makes them on the
# default path; on the pure Go path and under qemu the golden sets stand
# for them (the full run checks those on every path).
SWEEPS := TestPredictions500|TestImageNetAgreement|TestGraphDetectOtherImages

# Everything, what CI runs (.ci/run): vet, every test in full (every
# kernel path, the long end-to-end runs), the pure Go kernels, the race
# detector on every package but the benchmarks, the Mat profiler, the
# network's tests as arm64 code under qemu, and the whole command
# cross-built for arm64 and run under qemu.
check: deps vet bench/node_modules/onnxruntime-node
	$(GO) test -count=1 ./...
	LIVECAM_KERNELS=generic $(GO) test -count=1 -short -skip '$(SWEEPS)' ./net/...
	$(GO) test -count=1 -timeout 30m -race -short $$($(GO) list ./... | grep -v /bench)
	$(GO) test -count=1 -tags matprofile -run NoMatLeaks ./pipeline/ ./source/push/ ./source/videofile/ ./sink/video/
	$(MAKE) --no-print-directory test-arm64
	$(MAKE) --no-print-directory cross-arm64

# The whole command, cgo and gocv included, cross-built for linux/arm64
# against Debian's arm64 OpenCV unpacked into a sysroot, and run under
# qemu: livecam version, classify on the demo photos (each must get its
# label), and a short video to H.264 and results. About 2.5 minutes on a
# fresh machine (the sysroot is kept in bin/arm64-cross), 40 s after.
cross-arm64: deps
	.ci/cross-arm64 bin/arm64-cross

# Every package without cgo (none of gocv beneath it) vetted and built as
# arm64 code: what an arm64 board compiles without a C cross-compiler.
ARM64_PURE = $(shell $(GO) list -f '{{if not .CgoFiles}}{{.ImportPath}} {{join .Deps " "}}{{end}}' ./... | awk 'NF && !/gocv\.io|livecam\/internal\/cvlog/ {print $$1}')
# go vet checks a package with its tests, so it takes those whose tests
# need no cgo either (classify's and detect's compare with OpenCV).
ARM64_VET = $(shell for p in $(ARM64_PURE); do $(GO) list -test -deps $$p | grep -q 'gocv\.io' || echo $$p; done)
vet-arm64:
	@echo "arm64: go vet and go build of the cgo-free packages"
	CGO_ENABLED=0 GOARCH=arm64 $(GO) vet $(ARM64_VET)
	CGO_ENABLED=0 GOARCH=arm64 $(GO) build $(ARM64_PURE)

# The neural-network tree and the cgo-free packages around it as arm64
# code under qemu: each test binary cross-compiled and run once in its
# package folder. The tests that compare kernel paths run every path the
# emulated CPU has (NEON with and without the dot product, pure Go) in
# that one run; the three 500-image and 39-image sweeps are left to the
# amd64 runs (under qemu they took 8 minutes of the net/tflite package's
# 15, checking arithmetic the golden sets already cover on every path).
# Timings under qemu mean nothing.
ARM64_PKGS := net/internal/kernelenv net/internal/workpool net/quant net/ssd net/dwconv net/pwconv net/tfjs net/mobilenet net/tflite models internal/imgprep internal/bgr events track timeline report sink/jsonl/endline
test-arm64: deps vet-arm64
	@mkdir -p bin/arm64
	@set -e; for p in $(ARM64_PKGS); do \
		bin=$(CURDIR)/bin/arm64/$$(echo $$p | tr / _).test; \
		GOARCH=arm64 $(GO) test -c -o $$bin ./$$p; \
		echo "arm64 (qemu): $$p"; (cd $$p && qemu-aarch64-static $$bin -test.count=1 -test.skip '$(SWEEPS)'); \
	done

# Regenerate testdata/ (images and videos drawn by the project itself).
testdata: deps
	$(GO) run ./internal/testdatagen -out testdata

fuzz: deps
	$(GO) test ./net/tfjs -run '^$$' -fuzz FuzzLoad -fuzztime 3m -fuzzminimizetime 50x -parallel 1
	$(GO) test ./net/tflite -run '^$$' -fuzz FuzzRead -fuzztime 3m -parallel 1

# Benchmarks: see BENCHMARKS.md for what each measures.
bench: build
	cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
	$(GO) test ./net/mobilenet -run '^$$' -bench Forward -benchmem -count 5
	$(GO) test ./bench -run '^$$' -bench Peers -benchtime 20x
	$(GO) test ./bench -run '^$$' -bench Throughput -benchtime 5x
	$(GO) test ./bench -run '^$$' -bench '^BenchmarkQuant$$' -benchtime 15x
	$(BIN) bench -threads 1
	$(BIN) bench -threads 2

# The AMX kernel's assembly on an emulated Sapphire Rapids core, for
# machines without AMX: LIVECAM_BOCHS names a Bochs build directory made by
# net/pwconv/testdata/amxemu/build-bochs.sh (see the README there).
amx-emu:
	@test -n "$(LIVECAM_BOCHS)" || { echo "set LIVECAM_BOCHS (net/pwconv/testdata/amxemu/README.md)"; exit 2; }
	$(GO) test -tags amxemu -count 1 -run 'AMXBlocksInBochs|AMXBlocksModel|AMXEncoding' -v ./net/pwconv
