# order-email: every target installs what it needs from the pinned constraints.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STACK  ?= dev
ORDERS ?= 300
SEED   ?=

.PHONY: venv test lint typecheck unit smoke local bench fuzz lock clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

lint: venv
	$(VENV)/bin/ruff check .

# The consumer example is another project (its own `__main__` and top-level `components`): checked on its own.
typecheck: venv
	$(VENV)/bin/mypy order_email __main__.py
	$(VENV)/bin/mypy examples/consumer

unit: venv
	$(VENV)/bin/pytest

test: lint typecheck smoke unit

# `make local` itself, small, so CI proves the newcomer's first command works on a clean machine.
smoke: venv
	$(MAKE) local ORDERS=20 SEED=1

local: venv
	$(VENV)/bin/order-email local --stack $(STACK) --orders $(ORDERS) $(if $(SEED),--seed $(SEED))

bench: venv
	$(PY) benchmarks/run_all.py

fuzz: venv
	ORDER_EMAIL_FUZZ=long $(VENV)/bin/pytest -m fuzz

lock: venv
	$(PY) -m pip freeze --exclude-editable --disable-pip-version-check | sed '/^order.email/d' > constraints.body
	( echo "# Exact versions for every install (make venv uses: pip install -c constraints.txt -e '.[dev]')."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; cat constraints.body ) > constraints.txt
	rm constraints.body

clean:
	rm -rf $(VENV) .cache build *.egg-info .mypy_cache .ruff_cache
