# cowlab — every entry point. The targets are thin calls into build/bin/cowlab.
#   make demo [LAB=NN]   run a lab's experiments with the reference solutions, table + plots
#   make test            the kit's own tests (ends with "N passed, N failed")
#                        (both install what is missing first, as make deps does)
#   make doctor          what this machine's kernel does, and what it changes in the labs
#   make check [LAB=NN] [TEST=NAME [GDB=1]]  a student's fast feedback on labs/NN-* (no LAB:
#                        the lab whose files changed last); SANITIZE=1: its tests that
#                        measure no memory, the code built with ASan+UBSan (not graded)
#   make handout OUT=DIR the students' tree: no solutions/, no planted bugs, no instructors' page
#   make grade [SUBMISSION=DIR | SUBMISSIONS=DIR [JOBS=2] [ROSTER=F.csv] [ONLY=ID]] [LAB=NN] [OUT=DIR]
#   make gradescope LAB=NN  build/gradescope/NN-slug/autograder.zip: that lab's Gradescope autograder
#   make image-test [LAB=NN]  the grading image's Dockerfile run for real in a debootstrapped
#                        Debian 12 root, then grading inside it (root; minutes: not in make test)
#   make plots LAB=NN    plot the student's own measurements
#   make reset LAB=NN    put lab NN's stubs back (your files kept in labs/NN-*/backup/)
#   make status          every lab: tests passed, points, what to do next (from the last checks)
#   make hint LAB=NN TEST=NAME [STEP=N]  that test's next hint step
#   make watch [LAB=NN]  re-check on every save of the lab's files (keys n, a, r, q)
#   make calibrate [LAB=05]  lab 02's (or 05's) simulation against real CPython
#   make kernels [RUNS=3]  reference solutions on this kernel and Debian's kernels under qemu
#   make deps [KERNELS=1]  install what is missing (Debian packages; root); KERNELS=1: for kernels too
#   make mutants [LAB=NN] [JOBS=4]  how many small bugs in solutions/ the graded tests catch
#   make memcheck [LAB=NN]  valgrind: the kit and the solutions, or (LAB) the hygiene test on
#                        labs/NN-* with valgrind's whole report of your code
#   make bench | sanitize | format | clean
# `make help` says the same.

CC      ?= cc
LAB     ?= 01
BUILD   ?= build
OUT     ?= $(BUILD)/grade
SUBMISSION ?= labs

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wundef -Wvla
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -Iinclude
CFLAGS  ?=
ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS)
CUNIT_LIBS := $(shell pkg-config --libs cunit 2>/dev/null || echo -lcunit)

LIB_SRC := harness/measure.c harness/pagemap.c harness/model.c harness/team.c \
           harness/results.c harness/check.c harness/record.c harness/labs.c \
           harness/sandbox.c harness/leftover.c harness/isolate.c harness/escape.c harness/link.c \
           harness/probe.c harness/facts.c harness/json.c harness/csv.c harness/roster.c \
           harness/memcheck.c harness/memcheck-symbols.c harness/snapshot.c
CLI_SRC := harness/cli.c harness/batch.c harness/grade.c harness/report.c harness/stubs.c \
           harness/verdicts.c harness/prairielearn.c harness/autolab.c harness/summary.c \
           harness/grades.c harness/checked.c harness/status.c harness/hint.c harness/watch.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/lib/libcowlab.a
# An observer's main() and the hygiene test (which runs the lab's own tests: cl_this_lab).
LABMAIN := $(BUILD)/obj/harness/labmain.o $(BUILD)/obj/harness/hygiene.o
# What a subject links besides the student's files and its lab's subject.c: the protocol loop
# and the barrier. No model, no measurement, no grading, no reference answer.
SUBJECT_OBJ := $(BUILD)/obj/harness/subject.o $(BUILD)/obj/harness/team.o
# Every lab's observer (build/labs/NN-slug/lab), and the kit's half of its subject.
OBSERVERS := $(patsubst labs/%/tests.def,$(BUILD)/labs/%/lab,$(wildcard labs/*/tests.def))
SUBJECT_KITS := $(OBSERVERS:%/lab=%/subject-kit.o)
COWLAB  := $(BUILD)/bin/cowlab

# What the CLI needs to compile a lab binary from a submission: baked in at build time.
CLI_DEFS := -DCL_KIT_DIR='"$(CURDIR)"' -DCL_CC='"$(CC)"' \
            -DCL_LAB_CFLAGS='"$(CFLAGS_BASE) $(CFLAGS)"' -DCL_LAB_LIBS='"$(CUNIT_LIBS)"' \
            -DCL_BUILD_DIR='"$(abspath $(BUILD))"'

.PHONY: all deps demo test check grade gradescope image-test plots reset status hint watch handout run bench memcheck sanitize format clean help calibrate \
        doctor kernels mutants print-cflags-base
all: $(COWLAB) $(LIB) $(LABMAIN) $(SUBJECT_OBJ) $(OBSERVERS) $(SUBJECT_KITS) valgrind-symbols

# The lean symbol tables the hygiene test's valgrind reads in the grader's sandbox
# (scripts/lean-debuginfo.sh; cowlab/memcheck.h): checked every time, rewritten only when this
# machine's libc changed.
.PHONY: valgrind-symbols
valgrind-symbols:
	@bash scripts/lean-debuginfo.sh $(BUILD)/valgrind-symbols

help:
	@awk 'NR > 1 && /says the same/ {exit} NR > 1 {sub(/^# ?/, ""); print}' Makefile

deps:
	@bash scripts/deps.sh $(if $(filter 1,$(KERNELS)),--kernels)

$(BUILD)/obj/%.o: %.c $(wildcard include/cowlab/*.h) | $(BUILD)/obj
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/harness/cli.o $(BUILD)/obj/harness/grade.o: ALL_CFLAGS += $(CLI_DEFS)
$(BUILD)/obj/harness/checked.o $(BUILD)/obj/harness/memcheck-symbols.o: \
    ALL_CFLAGS += -DCL_BUILD_DIR='"$(abspath $(BUILD))"'

$(BUILD)/obj:
	@mkdir -p $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(COWLAB): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@

# The labs' binaries, from a lab's folder LABS_DIR/NN-slug/ (handbook/instructors.md, "How
# the kit is built"): tests.def (the registry), subject/ (the kit's side of the subject: runs the
# student's functions on command), observer/ (the graded tests and experiments), common/ (what
# both sides compile: lab 01's command names, lab 02's world).
# `lab` is the observer: no student code (make all builds every lab's). `subject`, beside it,
# is the student's files (or SRC's: `make build/labs/01-fork-cow/subject SRC=solutions`) with
# subject-kit.o; the observer starts it. STUDENT=1: the subject without -Werror, as the grader
# compiles a submission (make kernels builds its variants so).
SRC ?= solutions
LABS_DIR ?= labs
LAB_DIR = $(LABS_DIR)/$*
LAB_INC = -I$(LAB_DIR) -I$(LAB_DIR)/common
.SECONDEXPANSION:
$(BUILD)/labs/%/lab: $(LIB) $(LABMAIN) $$(wildcard $$(LAB_DIR)/observer/* $$(LAB_DIR)/common/* $$(LAB_DIR)/*.h $$(LAB_DIR)/tests.def include/*.h)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LAB_INC) $(wildcard $(LAB_DIR)/observer/*.c $(LAB_DIR)/common/*.c) \
	  $(LABMAIN) $(LIB) $(CUNIT_LIBS) -o $@
# subject-kit.o: everything of a subject but the student's files, as one relocatable object
# (subject/ and common/, the protocol loop and the barrier), sealed: only main, the public
# header's names and C library interpositions stay visible to the student's files. The grader
# links a submission with a copy of it in a folder that holds nothing else of the kit.
SUBJECT_SRCS = $(wildcard $(LAB_DIR)/subject/*.c $(LAB_DIR)/common/*.c)
# The lab's public header (what student files may call): include/NN-slug.h, or for the kit's own
# test labs the header beside tests.def named after the slug without its number. Everything
# else subject-kit.o defines is made local (scripts/seal-subject-kit.sh).
PUBLIC_HEADER = $(firstword $(wildcard include/$*.h) $(LAB_DIR)/$(patsubst $(firstword $(subst -, ,$*))-%,%,$*).h)
$(BUILD)/labs/%/subject-kit.o: $(SUBJECT_OBJ) scripts/seal-subject-kit.sh $$(wildcard $$(LAB_DIR)/subject/* $$(LAB_DIR)/common/* $$(LAB_DIR)/*.h include/*.h)
	@mkdir -p $(dir $@)/kit
	@echo "  LD -r   $@"
	@for f in $(SUBJECT_SRCS); do \
	  $(CC) $(ALL_CFLAGS) $(LAB_INC) -c $$f -o $(dir $@)/kit/$$(basename $$f .c).o || exit 1; done
	@$(CC) -r -nostdlib $(foreach f,$(SUBJECT_SRCS),$(dir $@)/kit/$(basename $(notdir $(f))).o) \
	  $(SUBJECT_OBJ) -o $@.tmp
	@bash scripts/seal-subject-kit.sh $@.tmp $(PUBLIC_HEADER) $(CC) && mv $@.tmp $@
# A static link (the matrix's arm64 build, -DCL_STATIC_LINK) cannot interpose on the C
# library by defining its names: the kit names those functions __wrap_NAME, and the link wraps
# each NAME whose __wrap_ subject-kit.o defines.
KIT_NM = $(shell $(CC) -print-prog-name=nm)
KIT_WRAPS = $(if $(findstring -DCL_STATIC_LINK,$(CFLAGS)),$(foreach f,$(shell $(KIT_NM) \
  --defined-only $(1) | awk '$$2 == "T" && $$3 ~ /^__wrap_/ {sub(/^__wrap_/, "", $$3); print $$3}'),-Wl,--wrap=$(f)))
$(BUILD)/labs/%/subject: $(BUILD)/labs/%/subject-kit.o FORCE
	@mkdir -p $(dir $@)
	$(CC) $(if $(STUDENT),$(filter-out -Werror%,$(ALL_CFLAGS)),$(ALL_CFLAGS)) \
	  $(SRC)/$*/*.c $< $(call KIT_WRAPS,$<) -o $@
FORCE:

# The harness's own unit tests (tests/run.sh builds and runs them).
$(BUILD)/test/harness-unit: tests/harness/unit.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $< $(LIB) $(CUNIT_LIBS) -o $@

# One copy-on-write scenario on this kernel, printed as a model fixture (make kernels runs it in
# every cell; tests/harness/fixtures/kernels/ keeps what it printed there).
$(BUILD)/test/capture: tests/harness/capture.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@

$(BUILD)/bench/snapshot: tests/bench/snapshot.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@

# Lab 04's benchmarks link the reference solution; -mpopcnt where the CPU has popcnt (the
# program says which path ran).
$(BUILD)/bench/bits: tests/bench/bits.c $(wildcard solutions/04-bit-arrays/*.c) include/04-bit-arrays.h
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(if $(shell grep -qw popcnt /proc/cpuinfo 2>/dev/null && echo y),-mpopcnt) \
	  $< $(wildcard solutions/04-bit-arrays/*.c) -o $@

# Lab 03's benchmarks link the reference solutions of labs 03 and 04 (a bit array over a segment).
$(BUILD)/bench/shm: tests/bench/shm.c $(wildcard solutions/03-shm-arrays/*.c solutions/04-bit-arrays/*.c) \
  include/03-shm-arrays.h include/04-bit-arrays.h $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $< $(wildcard solutions/03-shm-arrays/*.c solutions/04-bit-arrays/*.c) \
	  $(LIB) -o $@

$(BUILD)/bench/immortal: tests/bench/immortal.c
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $< -o $@

LABARG = $(if $(LAB),$(LAB),01)

# The README's two commands install what they need first (quietly, when it is all there).
# In the kit both run the reference solutions. A student handout (make handout) has none:
# there make demo runs the student's own code and says so, make check is the second command,
# and make test says it needs the solutions.
NEEDS_SOLUTIONS = @test -d solutions || { echo "make $@: this copy has no solutions/ (a student handout):" \
  "make test checks the kit against its reference answers. Students: make check LAB=NN, make demo LAB=NN," \
  "make grade (README, Students)." >&2; exit 2; }
ifneq ($(wildcard solutions/.),)
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
	$(COWLAB) demo $(LABARG)
ifneq ($(filter 5 05 05-capstone capstone,$(LAB)),)
	@echo "== the question in real CPython, at this machine's scale, and at 16 GiB x 12 (1-2 min)"
	/usr/bin/python3 labs/05-capstone/observer/cpython.py --answer
endif
else
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
	@echo "== make demo: this copy has no reference solutions (a student handout): lab $(LABARG)'s" \
	  "experiments with YOUR code in labs/, over the model's expected values"
	@$(COWLAB) plot $(LABARG) --dir labs || { echo "== your code in labs/ does not run every" \
	  "experiment yet (see above): make check LAB=$(LABARG) says which function, with a hint" >&2; exit 1; }
endif

# The students' tree: no solutions, no planted bugs, no instructors' page (scripts/handout.sh).
handout:
	@test -n "$(HANDOUT_OUT)" || { echo "make handout OUT=DIR: where to write the students' tree" >&2; exit 2; }
	@bash scripts/handout.sh '$(subst ','\'',$(HANDOUT_OUT))'
HANDOUT_OUT = $(if $(filter command line,$(origin OUT)),$(OUT))

run: all
	$(COWLAB) run $(LABARG) --dir labs

# What this machine's kernel does (page size, zero page, THP, fault-around, ...).
doctor: all
	$(COWLAB) doctor

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
ifeq ($(SANITIZE),1)
	@bash scripts/sanitize-lab.sh '$(subst ','\'',$(LAB))' $(if $(TEST),'$(subst ','\'',$(TEST))')
else
	$(COWLAB) check $(if $(filter command line environment,$(origin LAB)),$(LAB),--last) $(if $(TEST),--test '$(subst ','\'',$(TEST))') $(if $(GDB),--gdb)
endif

grade: all
	$(COWLAB) grade $(if $(SUBMISSIONS),--submissions '$(subst ','\'',$(SUBMISSIONS))' $(if $(JOBS),--jobs '$(JOBS)') \
	  $(if $(ROSTER),--roster '$(subst ','\'',$(ROSTER))') $(if $(ONLY),--only '$(subst ','\'',$(ONLY))'),--submission '$(subst ','\'',$(SUBMISSION))') \
	  --out '$(subst ','\'',$(OUT))' $(if $(filter command line,$(origin LAB)),--lab '$(LAB)')

# One lab's Gradescope autograder (scripts/gradescope/pack.py; handbook/instructors.md): setup.sh,
# run_autograder and the kit's sources, no solutions/ and no tests/.
gradescope:
	@python3 scripts/gradescope/pack.py '$(subst ','\'',$(LABARG))'

# The Dockerfile's steps, run for real in a fresh Debian 12 root made with debootstrap (cached
# in build/image/), then grading inside it (tests/image/run.sh; handbook/instructors.md, "A grading
# image"). Not part of make test: about 1 min with the root cached, 2 min without. As root.
image-test:
	@bash tests/image/run.sh $(if $(filter command line,$(origin LAB)),'$(subst ','\'',$(LAB))')

plots: all
	$(COWLAB) plot $(LABARG) --dir labs

reset: $(COWLAB)
	$(COWLAB) reset $(if $(filter command line environment,$(origin LAB)),$(LAB))

# A student's loop (README, Students): every lab at a glance from the last checks; a test's
# hints one step at a time; re-check on every save (keys n, a, r, q).
status: $(COWLAB)
	@$(COWLAB) status

hint: $(COWLAB)
	@test -n "$(filter command line environment,$(origin LAB))" -a -n "$(TEST)" || { echo \
	  "make hint LAB=NN TEST=NAME: which lab and test? (make status names the one to look at)" >&2; exit 2; }
	@$(COWLAB) hint '$(subst ','\'',$(LAB))' '$(subst ','\'',$(TEST))' $(if $(STEP),--step '$(subst ','\'',$(STEP))')

watch:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
	@$(COWLAB) watch $(if $(filter command line environment,$(origin LAB)),$(LAB)) $(if $(TEST),--test '$(subst ','\'',$(TEST))')

# A simulation against real CPython (make test runs both, lab 05's quick set): lab 02's with
# the installed python3; LAB=05's with Debian's /usr/bin/python3, which make deps gives NumPy and
# bitarray (QUICK=1: 96 MiB and 4 workers instead of 192 MiB and 12, about 15 s instead of 2 min).
calibrate: all
ifeq ($(filter 5 05 05-capstone capstone,$(LAB)),)
	$(COWLAB) run 02 >/dev/null
	python3 labs/02-refcount/observer/calibrate.py
else
	@$(MAKE) --no-print-directory deps
	/usr/bin/python3 labs/05-capstone/observer/cpython.py $(if $(QUICK),--quick)
endif

test:
	$(NEEDS_SOLUTIONS)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) -s --no-print-directory all
	@bash tests/run.sh

# Each lab's reference solution on this machine's kernel and on Debian's kernels under qemu
# (tests/kernels/README.md; every guest under TCG, KVM=1 for KVM). Last line: "kernels: K kernels
# x L labs, D rows differ".
RUNS ?= 3
KVM ?= 0
kernels:
	@RUNS=$(RUNS) KVM=$(KVM) bash tests/kernels/matrix.sh

# The flags every kit file compiles with (tests/run.sh compiles the labs for arm64 with them).
print-cflags-base:
	@echo '$(CFLAGS_BASE)'

# Mutation testing of the graded tests (tests/mutants.py; not part of make test: minutes, not
# seconds). Last line: "mutants: N killed of M (P %)".
mutants: all
	@python3 tests/mutants.py $(if $(filter command line,$(origin LAB)),--lab '$(LAB)') \
	  $(if $(JOBS),--jobs '$(JOBS)')

bench: all
	@bash tests/bench.sh

# make memcheck: the kit and the reference solutions under valgrind. With LAB=NN: the hygiene
# test on the student's own labs/NN-*, with valgrind's whole report (scripts/memcheck-lab.sh).
memcheck: all
ifneq ($(filter command line environment,$(origin LAB)),)
	@bash scripts/memcheck-lab.sh '$(subst ','\'',$(LAB))'
else
	@bash tests/memcheck.sh
endif

sanitize:
	@bash tests/sanitize.sh

# After formatting solutions/, check that tests/bugs/*/*.patch still apply (make test does).
format:
	clang-format -i include/*.h include/cowlab/*.h harness/*.c solutions/*/*.c labs/*/*.c \
	  labs/*/*/*.c labs/*/*/*.h tests/harness/*.c tests/grader/*/*/*.c tests/grader/*/*/*/*.c \
	  tests/grader/submission/*/*.c \
	  tests/bench/*.c

clean:
	rm -rf $(BUILD)
