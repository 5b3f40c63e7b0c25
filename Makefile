# multiarch.kolla: the two commands of the README are `make demo` and `make test`.
# Everything else here is a step of those two.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

REPO        := $(CURDIR)
VENV        := $(REPO)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(REPO)/.cache/collections
export ANSIBLE_CONFIG := $(REPO)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= false
export PY_COLORS ?= 0
TIMINGS     := $(REPO)/.cache/timings.tsv
TIMED       := $(REPO)/scripts/timed $(TIMINGS)
LAB_INV     := inventories/lab/hosts.yml
SANITY_ROOT := $(REPO)/.cache/sanity
VERSION     := $(shell sed -n 's/^version: *//p' galaxy.yml)

.PHONY: help setup images kolla-images guest-images lab lab-down demo test lint sanity unit molecule build install-check timing-reset timing-report clean

help:
	@echo "make demo   - set up this machine, build and start the lab, run the main playbook on it"
	@echo "make test   - set up this machine, then every lint, unit test and Molecule scenario"
	@echo "make lab / make lab-down - start / remove the lab containers"

# The set-up runs once per `make` invocation (sub-makes inherit SETUP_DONE).
setup:
ifndef SETUP_DONE
	@$(REPO)/scripts/setup-host
endif
export SETUP_DONE := 1

images: setup
	@$(TIMED) "lab images" $(REPO)/scripts/build-lab-images

# The guest images the emulation tests boot (playbooks/guest_images.yml: diskimage-builder, foreign arches under
# qemu-user), cached by their inputs under /var/cache/multiarch-kolla/guest-images; make test builds them before the tests.
guest-images: setup
	@$(TIMED) "guest images" $(REPO)/scripts/build-guest-images

# kolla's own nova-libvirt image (kolla-build, Debian trixie), the base of the emulation-image test; cached in Docker's
# image store by its inputs (scripts/build-kolla-nova-libvirt).
kolla-images: setup
	@$(TIMED) "kolla nova-libvirt image" $(REPO)/scripts/build-kolla-nova-libvirt

lab: images
	ansible-playbook -i $(LAB_INV) playbooks/lab.yml

lab-down: setup
	ansible-playbook -i $(LAB_INV) playbooks/lab.yml -e lab_state=absent

# The lab's hosts are reached through Docker's exec API, which sometimes loses an answer under load:
# the lab's callback asks again (tests/lab/callback_plugins/lab_exec_retry.py), as the Molecule scenarios do; lab_preload
# loads that Docker connection once in the controller, not again in every worker (tests/lab/callback_plugins/lab_preload.py).
LAB_RETRY   := ANSIBLE_CALLBACK_PLUGINS=$(REPO)/tests/lab/callback_plugins ANSIBLE_CALLBACKS_ENABLED=lab_exec_retry,lab_preload

demo: lab
	$(LAB_RETRY) ansible-playbook -i $(LAB_INV) playbooks/site.yml -e multiarch_deploy_host=lab-deploy -e multiarch_report_dir=$(REPO)/.cache/demo

timing-reset:
	@mkdir -p $(REPO)/.cache && : > $(TIMINGS)

timing-report:
	@$(REPO)/scripts/timing-report $(TIMINGS)

test: setup timing-reset
	@rc=0; $(MAKE) --no-print-directory -k images kolla-images guest-images lint sanity unit molecule || rc=$$?; \
	  $(MAKE) --no-print-directory timing-report; exit $$rc

lint: setup
	@$(TIMED) "lint: yamllint" yamllint --strict .
	@$(TIMED) "lint: ruff" ruff check .
	@$(TIMED) "lint: ansible-lint" ansible-lint --offline
	@$(TIMED) "lint: changelog" antsibull-changelog lint

build: setup
	@mkdir -p $(REPO)/.cache/dist
	ansible-galaxy collection build --force --output-path $(REPO)/.cache/dist .

install-check: build
	@$(TIMED) "collection install" $(REPO)/scripts/install-check $(REPO)/.cache/dist/multiarch-kolla-$(VERSION).tar.gz

sanity: install-check
	@$(TIMED) "ansible-test sanity" $(REPO)/scripts/sanity $(REPO)/.cache/dist/multiarch-kolla-$(VERSION).tar.gz

unit: setup
	@$(TIMED) "unit tests" python -m pytest -n auto --dist loadscope --durations=15

molecule: images
	@$(TIMED) "molecule (all scenarios)" $(REPO)/scripts/molecule-all

clean:
	rm -rf $(REPO)/.cache/dist $(REPO)/.cache/sanity $(REPO)/tests/output
