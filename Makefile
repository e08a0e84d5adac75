# livecam: build, demo and test. `make demo` and `make test` are the two
# commands of the README; both install what is missing first.

GO       ?= go
BIN      := bin/livecam
SHARED   := $(abspath ../shared)
# The shared models folder, when this checkout sits beside it.
ifneq ($(wildcard $(SHARED)/models/mobilenet_v1_0.75_224/model.json),)
export LIVECAM_MODELS ?= $(SHARED)/models
endif

.PHONY: all deps build demo readme-image test test-race vet fmt testdata fuzz bench

all: build

# Debian's OpenCV 4.6 and ffmpeg (gocv v0.31.0 is the release for 4.6; livecam
# decodes files and encodes video with ffmpeg), Chromium for the viewer's
# browser test, and pgrep (procps) for the tests that kill livecam's ffmpeg.
deps:
	@if ! pkg-config --exists opencv4 || ! command -v ffmpeg >/dev/null || ! command -v chromium >/dev/null || ! command -v pgrep >/dev/null; then \
		echo "installing libopencv-dev, ffmpeg, chromium and procps"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libopencv-dev ffmpeg chromium procps >/dev/null; \
	fi

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
	$(BIN) -source out/demo.mp4 -out out/demo_labelled.mp4 -results out/demo.jsonl -overwrite
	@echo "wrote out/demo_labelled.mp4 (the video with its labels) and out/demo.jsonl (one result per frame)"
	$(BIN) classify -topk 1 testdata/images/demo/*.jpg

# The README's picture: one frame of the labelled demo video.
readme-image: demo
	ffmpeg -v error -y -i out/demo_labelled.mp4 -vf "select=eq(n\,95)" -frames:v 1 -q:v 5 testdata/images/demo_labelled.jpg

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# The whole suite: formatting, vet, every test (the pure Go kernels too),
# the race detector on every package but the benchmarks (-short there skips
# the long runs), and gocv's Mat profiler on the pipeline.
test: deps vet
	$(GO) test -count=1 ./...
	LIVECAM_KERNELS=generic $(GO) test -count=1 -short ./net/...
	$(GO) test -count=1 -race -short $$($(GO) list ./... | grep -v /bench)
	$(GO) test -count=1 -tags matprofile -run NoMatLeaks ./pipeline/

# Regenerate testdata/ (images and videos drawn by the project itself).
testdata: deps
	$(GO) run ./internal/testdatagen -out testdata

fuzz: deps
	$(GO) test ./net/tfjs -run '^$$' -fuzz FuzzLoad -fuzztime 3m -fuzzminimizetime 50x -parallel 1

# Benchmarks: see BENCHMARKS.md for what each measures.
bench: build
	cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
	$(GO) test ./net/mobilenet -run '^$$' -bench Forward -benchmem -count 5
	$(GO) test ./bench -run '^$$' -bench Peers -benchtime 20x
	$(GO) test ./bench -run '^$$' -bench Throughput -benchtime 5x
	$(BIN) bench -threads 1
	$(BIN) bench -threads 2
