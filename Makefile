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

.PHONY: lab test test-latest build check bench lint clean

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

# test-latest: the newest releases the registry serves, in a venv of their own, before a term. PIP_CONFIG_FILE=/dev/null
# keeps a site-wide pip cap (the course machines pin torch to what lies on their disk) from holding them back; override
# LATEST_PIP_ENV= to keep your pip configuration. LATEST_PACKAGES= pins a set instead (Colab's, say) and LATEST_PYTHON
# picks the interpreter. The browser test needs the newest JupyterLab's widgets, so it runs only with ipywidgets 8.
LATEST          ?= .venv-latest
LATEST_PYTHON   ?= $(PYTHON)
LATEST_PACKAGES ?= torch torchvision ipywidgets jupyterlab nbval
LATEST_PIP_ENV  ?= PIP_CONFIG_FILE=/dev/null
LATEST_NOTEBOOKS ?= solutions/01_autoencoder.ipynb solutions/09_frontier.ipynb

test-latest:  ## the unit tests and nbval on two notebooks, with the newest torch, torchvision, ipywidgets, jupyterlab, nbval
	rm -rf $(LATEST)
	$(LATEST_PYTHON) -m venv $(LATEST)
	$(LATEST_PIP_ENV) $(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST_PIP_ENV) $(LATEST)/bin/python -m pip install --quiet --upgrade $(LATEST_PACKAGES)
	$(LATEST_PIP_ENV) $(LATEST)/bin/python -m pip install --quiet -e ".[dev]"
	$(LATEST)/bin/python -c "from gancourse import versions; versions.report()"
	$(LATEST)/bin/python -m pytest -p no:cacheprovider --ignore=tests/test_student_notebooks.py \
		$$($(LATEST)/bin/python -c "import ipywidgets; print('' if ipywidgets.__version__ >= '8' else '--ignore=tests/test_browser.py')") \
		tests $(LATEST_NOTEBOOKS) $(ARGS)

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
