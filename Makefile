# Two commands do all the set-up: `make lab` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Exact pins live here only (the package asks for torch>=2.2). This pair is the one pip finds
# on the course machines' disk for Python 3.11 on x86_64; override on another machine, e.g.
# `make test TORCH="torch==2.9.1 torchvision==0.24.1"` on aarch64.
TORCH  ?= torch==2.14.1 torchvision==0.29.1
STAMP  := $(VENV)/.installed
ARGS   ?=
# Jupyter refuses to start as root unless told; containers and the course machines run as root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test build check bench lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev]"
	# Colab's ipywidgets, beside the venv's 8, for the test that drives the explorers through its API.
	$(PY) -m pip install --quiet --no-deps --upgrade --target $(VENV)/ipywidgets-7.7.1 "ipywidgets==7.7.1" ipython_genutils
	$(PY) -m ipykernel install --user --name gancourse --display-name "Python (gancourse)" >/dev/null
	touch $@

lab: $(STAMP)  ## set up, then open JupyterLab on the student notebooks (ARGS=--no-browser for headless)
	cd notebooks && ../$(VENV)/bin/jupyter lab $(AS_ROOT) $(ARGS)

test: $(STAMP)  ## set up, then the whole suite: unit tests, nbval on solutions/, drift and exercise checks
	$(PY) -m pytest $(ARGS)

build: $(STAMP)  ## regenerate notebooks/ (and the README table) from solutions/
	$(VENV)/bin/gancourse build

check: $(STAMP)  ## nbval on solutions/ in quick mode
	$(VENV)/bin/gancourse check

bench: $(STAMP)  ## print speed ratios against the alternatives
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check gancourse tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
