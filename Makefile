# The two commands of the README's quick start, and the steps under them.
#   make run    install what is missing, build, start amiwiz
#   make test   the same set-up, then every test suite; last line "N passed, N failed"
BUILD ?= build
ARGS ?=

.PHONY: all deps build run test clean

all: build

deps:
	@./packaging/install-deps.sh

$(BUILD)/build.ninja:
	@meson setup $(BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

run: build
	@./$(BUILD)/tui/amiwiz $(ARGS)

test: build
	@./tests/run-suites.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
