# cccd — the two commands of the README are 'make demo' and 'make test'.
GO      ?= go
BIN     := bin/cccd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build deps demo serve test vet bench fuzz clean

all: build

deps:
	./scripts/install-deps.sh

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/cccd

# The main job on the built-in example: installs what is missing, builds
# cccd, then runs scripts/demo.sh.
demo: deps build
	./scripts/demo.sh

# The counter's web page on the demo's cards (made by 'make demo' when
# missing): open http://127.0.0.1:8080/ and put a demo card on the reader
# from the page.
serve: deps build
	@test -d demo/cards || ./scripts/demo.sh
	$(BIN) serve --demo demo

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# Every test, end-to-end ones through the real pcscd + vpcd included.
test: deps vet
	$(GO) test -count=1 -timeout 9m ./...

# Benchmarks of the hot paths (figures go in the issue notes, not in tests).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# A short run of every fuzz target (each parser must never panic).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin demo
