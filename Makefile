# aduana: `make run` and `make test` set up everything they need on Debian 12.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
CONFIG ?= config/aduana.yaml
PYTEST_ARGS ?=
LINT_DIRS := milter tests $(wildcard bench)

# Debian packages aduana and its test suite need.
APT_PACKAGES := postfix libmilter-dev libmagic1 redis-server slapd ldap-utils openssl prometheus \
	postgresql libpq5 clamav-daemon clamav-testfiles \
	python3-venv python3-dev gcc make miltertest liblockfile1 \
	libarchive13 libarchive-dev libarchive-tools genisoimage gcab cpio

# Sendmail for the e2e lab (tests/e2e/sendmail): installing sendmail-bin would replace
# Postfix, so its packages are unpacked under var/ instead (liblockfile1 above is the
# one library it needs that Postfix does not).
SENDMAIL_DEBS := sendmail-bin sendmail-cf m4
SENDMAIL_LAB := var/sendmail-lab

.PHONY: run test bench setup system venv sendmail-lab lint typecheck pytest clean

run: setup
	$(VENV)/bin/aduana run --config $(CONFIG)

test: setup lint typecheck pytest

setup: system venv sendmail-lab

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

sendmail-lab: $(SENDMAIL_LAB)/root/.unpacked

$(SENDMAIL_LAB)/root/.unpacked: | system
	rm -rf $(SENDMAIL_LAB) && mkdir -p $(SENDMAIL_LAB)/debs
	cd $(SENDMAIL_LAB)/debs && { apt-get download $(SENDMAIL_DEBS) || \
		{ apt-get update -qq && apt-get download $(SENDMAIL_DEBS); }; }
	for deb in $(SENDMAIL_LAB)/debs/*.deb; do dpkg -x $$deb $(SENDMAIL_LAB)/root; done
	touch $@

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

# Throughput, latency, CPU and memory against Postfix alone, a no-op milter and
# rspamd (~15 min). rspamd is the bench's own package, not needed by `make test`.
BENCH_APT_PACKAGES := rspamd valgrind

bench: setup
	@dpkg-query -W -f='$${Status}\n' $(BENCH_APT_PACKAGES) 2>/dev/null | grep -q '^install ok installed$$' || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BENCH_APT_PACKAGES)
	$(VENV)/bin/python -m bench.run --json bench.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
