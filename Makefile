# aduana: `make run` and `make test` set up everything they need on Debian 12.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CONFIG ?= config/aduana.yaml
PYTEST_ARGS ?=
LINT_DIRS := milter tests $(wildcard bench)

# Debian packages aduana and its test suite need.
APT_PACKAGES := postfix libmilter-dev libmagic1 redis-server slapd ldap-utils openssl prometheus \
	postgresql libpq5 \
	python3-venv python3-dev gcc make

.PHONY: run test bench setup system venv lint typecheck pytest clean

run: setup
	$(VENV)/bin/aduana run --config $(CONFIG)

test: setup lint typecheck pytest

setup: system venv

# Installs only what is missing, so a ready machine is not touched.
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		echo "slapd slapd/no_configuration boolean true" | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

lint:
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Throughput, latency, CPU and memory against Postfix alone and a no-op milter (~12 min).
bench: setup
	$(VENV)/bin/python -m bench.run --json bench.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
