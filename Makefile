# SPDX-License-Identifier: GPL-2.0
#
# cpu-handoff: park x86 CPUs safely across hibernation restore and kexec.
#
#   make run        the main job: build the series and the unpatched base
#                   (7.3; 6.12 with BASE=6.12), boot in QEMU,
#                   hibernate+resume with nosmt, kexec, and print what the
#                   CPUs did, side by side
#   make test       all tests: make check, make vmtest and make lint on
#                   7.3, then the 6.12 backport's core subset (make
#                   check-backport)
#   make check      the test bed's core scenarios (testbed/runner/, and
#                   self-tests of the runner) on distro-shaped kernels (Debian's own settings
#                   of the options that bear on a handoff, config.distro),
#                   under SeaBIOS and, for the uefi-* ones, OVMF;
#                   CHECK_KERNELS=tiny: on the tinyconfig test kernels
#   make check-backport  the patched 6.12 kernel, every mechanism once
#   make vmtest     the series' own small runner (selftests' vmtest.sh):
#                   kselftest, hibernation with nosmt, restore
#   make check-kexec-jump  kexec jumps, REPS=8 times each (flaky in 6.12)
#   make deps       install Debian packages (as root)
#   make tree       assemble build/linux (series) and build/linux-base (base)
#   make kernel     build the patched kernel; make baseline: the unpatched one;
#                   make debug-kernel: the patched one with lockdep & co.
#   make guest      build the initramfs and the static guest helpers
#   make measure    baseline numbers at 4 and 16 vCPUs -> build/measure/
#   make bench      handoff cost vs CPUs, the base and the series (INIT and
#                   trampoline) in one run: restore and kexec at
#                   CPU_LIST="2 4 8 16 32 64" vCPUs, REPS=3 -> build/bench/
#                   (CSV, markdown, gnuplot SVG)
#   make soak       100 hibernate cycles (8 vCPUs, nosmt) and a 50-kexec
#                   chain, with INIT and with the trampoline (not in test)
#   make faults     NMIs and machine checks into parked CPUs, RUNS=20 per
#                   case, the base vs the series: survived / how it died
#   make loop       scenarios again and again (LOOP="NAME ...", RUNS=25):
#                   "F failed of N" each, with every failure's reason
#   make check-bochs  NMIs into parked CPUs under Bochs, which blocks NMI
#                   in wait-for-SIPI as the SDM says (about an hour; not in
#                   test; installs bochs, builds two more kernels)
#   make series     the mailing-list series, each with its cover letter:
#                   build/series/init/ and, RFC on top, rfc-trampoline/;
#                   signed off as you (git config); DRAFT=1 for a draft
#   make lint       git am, every prefix builds, checkpatch, sparse, W=1,
#                   kernel-doc, htmldocs
#   make lint-configs  build the series with the option off, INIT only,
#                   without hibernation, without kexec (W=1, UT=1)
#   make clean      drop build outputs, keep the unpacked base
#
# Everything is built under build/.  Variables: CPUS=4 CYCLES=2 ACCEL=auto,
# CHECK_KERNELS=distro|tiny (what make check boots), BASE=7.3 (the
# default, the file BASE: mainline) or BASE=6.12 (the LTS backport, in
# build/base-6.12/).

SHELL := /bin/bash
REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# BASE=NAME builds for bases/NAME instead of the default base (the file
# BASE), in build/base-NAME/; the default base builds in build/.
DEFAULT_BASE := $(shell sed -n 's/^DEFAULT_BASE[[:space:]]*=[[:space:]]*//p' $(REPO)/BASE)
BASE ?= $(DEFAULT_BASE)
ifeq ($(wildcard $(REPO)/bases/$(BASE)),)
$(error BASE=$(BASE) is not a base; bases/ has: $(notdir $(wildcard $(REPO)/bases/[0-9]*[0-9])))
endif
BUILD := $(REPO)/build$(if $(filter-out $(DEFAULT_BASE),$(BASE)),/base-$(BASE))
T := $(REPO)/testbed/runner
CPUS ?= 4
CYCLES ?= 2
ACCEL ?= auto
export BUILD BASE

PATCHED := $(BUILD)/out/patched/arch/x86/boot/bzImage
BASELINE := $(BUILD)/out/base/arch/x86/boot/bzImage
INITRD := $(BUILD)/guest/initramfs.cpio
RUN := $(T)/run.sh --accel $(ACCEL) --accel-cache $(BUILD)/.accel --initrd $(INITRD)
# The patched and unpatched kernels make check boots: distro-shaped
# (config.distro, as Debian sets those options) where bases/BASE pins a
# distro configuration, else the tinyconfig test kernels.
CHECK_KERNELS ?= $(if $(shell grep -s '^DISTRO_PACKAGE' $(REPO)/bases/$(BASE)),distro,tiny)
ifeq ($(filter tiny distro,$(CHECK_KERNELS)),)
$(error CHECK_KERNELS=$(CHECK_KERNELS): use tiny or distro)
endif
CHECK_BUILDS := $(if $(filter distro,$(CHECK_KERNELS)),distro-kernels,kernels) debug-kernel
CHECK := KERNELS=$(CHECK_KERNELS) $(REPO)/mk/check.sh

.PHONY: all test vmtest deps lint-deps tree kernel baseline kernels distro-kernel debug-kernel guest run check check-backport check-full lint-full lint-configs check-kexec-jump measure bench soak faults loop series lint clean distclean help bochs-deps bochs-kernels check-bochs distro-kernels

all: kernels guest

help:
	@sed -n '3,/^$$/p' $(REPO)/Makefile | sed 's/^# \{0,1\}//'

deps:
	@$(REPO)/mk/deps.sh

# Each step depends on the ones before it only through files under
# build/, so "make check" from a fresh clone runs all of them in order.
tree: deps
	@$(REPO)/mk/tree.sh

kernel: tree
	@$(REPO)/mk/kernel.sh patched

baseline: tree
	@$(REPO)/mk/kernel.sh base

# One kernel build at a time: the machine has two cores.
kernels: tree
	@$(REPO)/mk/kernel.sh patched
	@$(REPO)/mk/kernel.sh base

# The patched kernel with lockdep, PREEMPT, DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS, PROVE_RCU and DEBUG_LIST, for make check's debug subset.
debug-kernel: tree
	@$(REPO)/mk/kernel.sh debug

guest: tree
	@$(REPO)/mk/guest.sh

# The main job: the same hibernation and kexec on the series and on
# unpatched base, side by side.
run: kernels guest
	@CPUS=$(CPUS) CYCLES=$(CYCLES) $(REPO)/mk/run.sh $(RUN) --kernel patched=$(PATCHED) --kernel base=$(BASELINE)
	@echo; echo "What the CPUs did:"; $(REPO)/mk/report.sh $(BUILD)/run
	@echo; echo "Side by side (to user: restore kernel's image loaded -> image kernel's user space):"
	@$(REPO)/mk/runsummary.sh $(BUILD)/run

# The core scenarios: every mechanism, client and kernel pairing once.
check: $(CHECK_BUILDS) guest
	@SET=core $(CHECK)

# All scenarios: adds 8 and 16 vCPUs, long chains, more parameter values.
check-full: $(CHECK_BUILDS) guest
	@OUT=$(BUILD)/check-full SET=full $(CHECK)

# All tests, as CI runs them: the core scenarios and the series' lint on
# the default base, then the backport's subset.
test: check vmtest lint
	@$(MAKE) --no-print-directory check-backport BASE=6.12

# The series' own small QEMU runner (its kselftest directory's vmtest.sh,
# as a reviewer runs it from the kernel tree) on make check's patched
# kernel: the kselftest, a hibernation with nosmt, its restore.
vmtest: $(if $(filter distro,$(CHECK_KERNELS)),distro-kernels,kernels)
	@KERNELS=$(CHECK_KERNELS) $(REPO)/mk/vmtest.sh

# The 6.12 backport's share of make test: its patched kernel alone, every
# mechanism and client once.  Its full check: make check BASE=6.12.
check-backport: kernel guest
	@OUT=$(BUILD)/check-backport SET=backport $(REPO)/mk/check.sh

# Kexec jumps, repeated (REPS=8): 6.12's own kexec jump is flaky under TCG.
check-kexec-jump: $(CHECK_BUILDS) guest
	@OUT=$(BUILD)/check-kexec-jump $(CHECK) kexec-jump

# Under Bochs, which blocks NMI in wait-for-SIPI as the SDM says: INIT
# parking survives NMIs, 6.12's does not (about an hour; results/bochs.md).
bochs-deps:
	@$(REPO)/mk/deps.sh bochs

bochs-kernels: tree
	@$(REPO)/mk/kernel.sh bochs
	@$(REPO)/mk/kernel.sh bochs-base

check-bochs: bochs-deps bochs-kernels guest
	@$(REPO)/mk/check-bochs.sh

distro-kernel: tree
	@$(REPO)/mk/kernel.sh distro

distro-kernels: distro-kernel
	@$(REPO)/mk/kernel.sh distro-base

measure: kernels guest
	@$(REPO)/mk/measure.sh

bench: kernels guest
	@$(REPO)/mk/bench.sh

soak: kernel guest
	@$(REPO)/mk/soak.sh

faults: kernels guest
	@$(REPO)/mk/faults.sh

# Rare failures counted: LOOP="scenario ..." RUNS=25 (not in make test).
loop: $(if $(filter $(DEFAULT_BASE),$(BASE)),$(CHECK_BUILDS),kernel) guest
	@KERNELS=$(if $(filter $(DEFAULT_BASE),$(BASE)),$(CHECK_KERNELS),tiny) SET=$(if $(filter $(DEFAULT_BASE),$(BASE)),full,backport) $(REPO)/mk/loop.sh

lint-deps:
	@$(REPO)/mk/deps.sh lint

# Signed off as you (git config user.name/user.email, or AUTHOR_NAME=,
# AUTHOR_EMAIL=); DRAFT=1 for a draft when you have no identity here.
series: tree
	@DRAFT=$(DRAFT) $(REPO)/mk/series.sh

# lint writes the series itself: a draft if no real identity is set.  It
# builds the series with the configuration of make check's patched kernel.
LINT_BUILD := $(if $(filter distro,$(CHECK_KERNELS)),distro-kernel debug-kernel,kernel)
LINT_ENV := LINT_KERNEL=$(if $(filter distro,$(CHECK_KERNELS)),distro,patched)
lint: $(LINT_BUILD) lint-deps
	@DRAFT=$(DRAFT) LINT=quick $(LINT_ENV) $(REPO)/mk/lint.sh

# lint, building bzImage after every patch and the admin-guide's htmldocs.
lint-full: $(LINT_BUILD) lint-deps
	@DRAFT=$(DRAFT) LINT=full $(LINT_ENV) $(REPO)/mk/lint.sh

# The series in the configurations the test kernel is not.
lint-configs: kernel
	@$(REPO)/mk/configs.sh

clean:
	rm -rf $(BUILD)/configs $(BUILD)/out $(BUILD)/series $(BUILD)/series.git $(BUILD)/lint $(BUILD)/guest $(BUILD)/run $(BUILD)/check $(BUILD)/check-full $(BUILD)/measure $(BUILD)/bench $(BUILD)/soak $(BUILD)/faults $(BUILD)/check-bochs

distclean:
	rm -rf $(BUILD)
