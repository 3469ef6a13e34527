# Daftar: developer tasks. Needs only python3 (with venv) on a fresh machine.
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.stamp

.PHONY: venv run check fmt test bench load installer clean distclean

venv: $(STAMP)

# (Re)install the project and its dev tools whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -U pip
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

run: $(STAMP)
	$(PY) -m app

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Fix what ruff can (imports, simple rewrites) and format the code.
fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(STAMP) check
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench

# The server under a national load on PostgreSQL (bench/load.py): needs a PostgreSQL URL
# in DAFTAR_LOAD_DATABASE_URL (or DAFTAR_TEST_POSTGRES_URL); LOAD_ARGS="--desks 50 ...".
load: $(STAMP)
	$(PY) -m bench.load $(LOAD_ARGS)

# dist/Daftar-<version>-setup.exe for Windows (needs nsis, gcc-mingw-w64-x86-64-win32 and,
# to sign, osslsigncode: see installers/README.md).
installer: $(STAMP)
	$(PY) -m installers.build

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis screenshots
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
