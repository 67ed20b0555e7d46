# Dockerfile — cowlab's grading image: Debian 12, the packages grading needs, the kit built in
# /kit, `cowlab` as the entry point (handbook/instructors.md, "A grading image").
#   docker build -t cowlab-grader .            (or podman build; from the kit's top folder)
#   docker run --rm --cap-add SYS_PTRACE -v "$PWD/alice:/sub:ro" -v "$PWD/out:/out" \
#     cowlab-grader grade --submission /sub --lab 01 --out /out
# The context is filtered by .dockerignore: no solutions/, no tests/ (the planted bugs are
# patches of the solutions), no labs/NN-slug/*.c (the stubs/ stand in for them when grading):
# student code runs in this image and may read what it holds.
# Run as root (the default) for the grader's fresh uid per submission, with CAP_SYS_PTRACE
# (not in Docker's default set): the grader reads the /proc files and memory of a subject
# running as another uid. `--user cowlab` runs it without root (weaker: see the handbook).
# The grader needs /proc readable (no hidepid) with pagemap, /dev/shm writable, /tmp
# allowing exec; bubblewrap's private view needs user namespaces, which many runtimes
# refuse: the grader then says `isolation: none (why)` and grades without it.
# make image-test runs these steps for real in a debootstrapped Debian 12 root (it knows
# only the instructions used here and refuses any other: tests/image/dockerfile.py).
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
WORKDIR /kit
# The kit's one package list (--grade: build-essential, pkg-config, libcunit1-dev,
# bubblewrap, valgrind, python3), in a layer of its own so that a change to the kit rebuilds only below.
COPY scripts/deps.sh /kit/scripts/deps.sh
RUN bash scripts/deps.sh --grade && rm -rf /var/lib/apt/lists/*
COPY . /kit
# The cowlab command, every lab's observer and subject-kit.o. The build records /kit: the
# kit must stay where it was built.
RUN make -s -j"$(nproc)" all
# A user for running the grader without root (docker run --user cowlab).
RUN useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cowlab
ENTRYPOINT ["/kit/build/bin/cowlab"]
CMD ["help"]
