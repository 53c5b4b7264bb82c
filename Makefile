# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv, installs torch (CPU build pinned on machines without a GPU),
# the package, and Debian's Fashion-MNIST where apt exists.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# CPU machines get the pinned CPU build; GPU machines keep the torch they install (range in pyproject).
TORCH_SPEC ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo "torch>=2.3" || echo "torch==2.13.0")
FMNIST_DIR := /usr/share/datasets/fashion-mnist
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup data browser clean

demo: setup data
	$(BIN)/trainlab demo

test: setup data browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,mp4,ray,tensorboard,lightning,notebook]"
	touch $@

# Fashion-MNIST from Debian (IDX gzip files); silently skipped where apt is absent.
data:
	@if [ ! -d $(FMNIST_DIR) ] && command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dataset-fashion-mnist; \
	fi

# Headless Chromium for tests/browser (they skip where it cannot be installed).
browser:
	@if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
