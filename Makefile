# yubin: one portable Makefile. `make`, `make check`, `make bench`,
# `make demo`, `make install PREFIX=... DESTDIR=... CONFDIR=...`, `make lint`.

PREFIX ?= /usr/local
CONFDIR ?= /etc/yubin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BUILD ?= build

CC ?= cc
CFLAGS ?= -O2 -g
PKGS = opendkim libpsl libbsd-overlay libcares libtls libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The servers start once per connection, so they are linked statically
# by default: no dynamic loader at every start (half the start-up CPU)
# and no shared libc pages in each process. `make STATIC=` links
# dynamically; the sanitizer build always does.
STATIC ?= -static
LIBS_USED = libpsl libbsd-overlay libcares libtls libcrypto
# libopendkim is linked in statically in every build, so the programs
# that sign and verify can hand it the keys they decoded before
# (lib/dkimsign.c, lib/dkimverify.c): their link wraps its key reads
# (KEY_WRAP).
OPENDKIM_LIBS = $(if $(STATIC),-lopendkim,-Wl,-Bstatic -lopendkim \
	-Wl,-Bdynamic) -ldb
PKG_LIBS := -lspf2 -lopendmarc $(OPENDKIM_LIBS) $(shell pkg-config $(if $(STATIC),--static) --libs \
	$(LIBS_USED) 2>/dev/null) $(if $(STATIC),-lidn2 -lunistring) \
	-lcdb -lcrypt -lresolv
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
# -fno-merge-constants (gcc's; clang has none): our string literals stay
# in our own .rodata, not merged into the linker's pool with libcrypto's
# and libdb's; there they were spread over half a megabyte, and every
# 64 KiB of it a session touched was a page fault at every connection.
# -ffunction-sections -fdata-sections: each function and object in a
# section of its own, so that the static servers' link (lld) can put
# together what a session uses, in the order of layout/servers.order:
# about 13 page faults fewer per connection (make layout writes it).
LAYOUT_CFLAGS = $(if $(findstring clang,$(CC)),,-fno-merge-constants \
	-ffunction-sections -fdata-sections)
LLD := $(shell command -v ld.lld 2>/dev/null)
LAYOUT_ORDER = layout/servers.order
LAYOUT_LLD = -fuse-ld=lld -Wl,--symbol-ordering-file=$(LAYOUT_ORDER) \
	-Wl,--no-warn-symbol-ordering
LAYOUT_LDFLAGS = $(if $(STATIC),$(if $(LLD),$(LAYOUT_LLD)))
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	$(LAYOUT_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -Ilib $(PKG_CFLAGS) \
	-DCONFDIR='"$(CONFDIR)"'
ALL_LDFLAGS = $(STATIC) -Wl,--as-needed $(LDFLAGS) $(EXTRA_LDFLAGS)

PROGS = cdbmake-users finger-in pop3-in smtp-in queue-inject remote-send \
	yubin-check yubin-checkpassword
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_HDR = $(wildcard lib/*.h)
LIBYUBIN = $(BUILD)/libyubin.a
BINS = $(PROGS:%=$(BUILD)/bin/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MAN5 = $(wildcard man/*.5)
MAN8 = $(wildcard man/*.8)
PY = /usr/bin/python3

.PHONY: all deps check check-run units bench bench-run demo demo-run \
	install install-sendmail lint clean fuzz fuzzers fuzz-bins mutants \
	layout

all: $(BINS)

# The configuration directory is compiled in (the programs' default -C):
# a build made for another CONFDIR is rebuilt, so `make install
# CONFDIR=...` never installs programs that look elsewhere.
PATHS_STAMP = $(BUILD)/paths.stamp
PATHS_NOW = CONFDIR=$(CONFDIR)
PATHS_OLD := $(shell cat $(PATHS_STAMP) 2>/dev/null)
ifneq ($(PATHS_OLD),$(PATHS_NOW))
$(shell mkdir -p $(BUILD) && echo '$(PATHS_NOW)' > $(PATHS_STAMP))
endif

$(BUILD)/lib/%.o: lib/%.c $(LIB_HDR) $(PATHS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBYUBIN): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# Command-line tools use NSS (getpwuid, getservbyname), so they stay
# dynamic; only the per-connection servers are static.
$(BUILD)/bin/queue-inject $(BUILD)/bin/cdbmake-users $(BUILD)/bin/remote-send \
	$(BUILD)/bin/yubin-check: STATIC =

SIGNERS = $(BUILD)/bin/smtp-in $(BUILD)/bin/queue-inject \
	$(BUILD)/bench/dkimsign $(BUILD)/tests/test_dkimsign \
	$(BUILD)/tests/test_cpuprobe
$(SIGNERS): KEY_WRAP = -Wl,--wrap=PEM_read_bio_PrivateKey
$(BUILD)/bin/smtp-in: KEY_WRAP += -Wl,--wrap=d2i_PUBKEY_bio

# The static programs skip libcrypto's CPU probe at start and make it
# when crypto is first used (lib/cpuprobe.c).
CPU_WRAP_STATIC = -Wl,--wrap=OPENSSL_cpuid_setup $(BUILD)/lib/cpuprobe.o
CPU_WRAP = $(if $(STATIC),$(CPU_WRAP_STATIC))

$(BUILD)/bin/%: bin-src/%.c $(LIBYUBIN) $(LIB_HDR) $(PATHS_STAMP) \
		$(LAYOUT_ORDER)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(LAYOUT_LDFLAGS) \
		$(KEY_WRAP) $(CPU_WRAP) $(LIBYUBIN) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBYUBIN) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(KEY_WRAP) $(LIBYUBIN) $(PKG_LIBS) \
		-lcmocka

# lib/cpuprobe's test links libcrypto, libssl and libtls statically, as
# the servers have them, in every build (the wrap needs them static).
TLS_STATIC = -Wl,-Bstatic -ltls -lssl -lcrypto -Wl,-Bdynamic -ldl -pthread
$(BUILD)/tests/test_cpuprobe: tests/unit/test_cpuprobe.c $(LIBYUBIN) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(KEY_WRAP) \
		$(CPU_WRAP_STATIC) $(LIBYUBIN) \
		$(filter-out -ltls -lssl -lcrypto,$(PKG_LIBS)) $(TLS_STATIC) -lcmocka

units: $(UNITS)

# libFuzzer harnesses (clang), against lib/ built with the same sanitizers.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BUILD = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 300

fuzz-bins: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIBYUBIN) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< -o $@ \
		$(ALL_LDFLAGS) -fsanitize=fuzzer $(LIBYUBIN) $(PKG_LIBS)

fuzzers:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang STATIC= \
		EXTRA_CFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		EXTRA_LDFLAGS="$(FUZZ_SAN)" fuzz-bins

# `make fuzz FUZZ_SECONDS=N`: each harness for N seconds (make check
# runs each for a few seconds).
fuzz: deps
	@$(MAKE) --no-print-directory fuzzers
	@sh tests/fuzz.sh $(FUZZ_BUILD)/fuzz $(FUZZ_SECONDS)

$(BUILD)/bench/%: tests/bench/%.c $(LIBYUBIN) $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(KEY_WRAP) $(LIBYUBIN) $(PKG_LIBS)

deps:
	@sh .ci/install-deps

# The tests run against the sanitizer build: unit tests directly, the
# end-to-end tests through xinetd (ASan reports go to files the harness
# checks, never to the client's socket).
check: deps
	@$(MAKE) --no-print-directory lint all
	@$(MAKE) --no-print-directory BUILD=build/asan STATIC= \
		EXTRA_CFLAGS="$(SAN)" EXTRA_LDFLAGS="$(SAN)" all units
	@$(MAKE) --no-print-directory fuzzers
	@$(MAKE) --no-print-directory check-run

check-run:
	@sh tests/check.sh build/asan

# Each behaviour the tests claim to check, broken on purpose in a scratch
# copy: the tests that name it must fail (tests/mutants.py; about 15 min).
mutants: deps
	@/usr/bin/python3 tests/mutants.py $(MUTANTS)

# layout/servers.order from one smtp-in session under valgrind.
layout: deps
	@sh .ci/install-deps layout
	@$(MAKE) --no-print-directory all
	@$(PY) layout/mkorder.py $(BUILD)

bench: deps
	@sh .ci/install-deps bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench/lookup \
		$(BUILD)/bench/dkimsign $(BUILD)/bench/floor
	@$(MAKE) --no-print-directory bench-run

# Inside a network namespace of its own: only loopback, nothing leaks.
bench-run:
	@if [ "$$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then \
		unshare --net --mount sh -c "ip link set lo up && \
		    YUBIN_BENCH_NS=1 $(PY) tests/bench.py $(BUILD)"; \
	else \
		$(PY) tests/bench.py $(BUILD); \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory demo-run

demo-run:
	@$(PY) tests/demo.py $(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(CONFDIR)
	install -m 755 $(BINS) $(DESTDIR)$(SBINDIR)
	sed -e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
		bin-src/yubin-setup.sh > $(DESTDIR)$(SBINDIR)/yubin-setup
	chmod 755 $(DESTDIR)$(SBINDIR)/yubin-setup
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	@for f in yubin.conf users domains relay; do \
		if [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then \
			echo "keeping existing $(DESTDIR)$(CONFDIR)/$$f"; \
		else \
			mode=644; [ $$f = users ] && mode=640; \
			sed -e 's|/etc/yubin|$(CONFDIR)|g' conf/$$f \
			    > $(DESTDIR)$(CONFDIR)/$$f && \
			chmod $$mode $(DESTDIR)$(CONFDIR)/$$f; \
		fi; \
	done
	install -d $(DESTDIR)$(CONFDIR)/examples/xinetd.d \
		$(DESTDIR)$(CONFDIR)/examples/systemd
	@# the examples name where this install puts things
	for f in inetd.conf xinetd.d/yubin $$(cd conf && echo systemd/*); do \
		sed -e 's|/usr/local/sbin|$(SBINDIR)|g' \
		    -e 's|/etc/yubin|$(CONFDIR)|g' conf/$$f \
		    > $(DESTDIR)$(CONFDIR)/examples/$$f.tmp && \
		chmod 644 $(DESTDIR)$(CONFDIR)/examples/$$f.tmp && \
		mv $(DESTDIR)$(CONFDIR)/examples/$$f.tmp \
		    $(DESTDIR)$(CONFDIR)/examples/$$f || exit 1; \
	done
	install -m 644 cdb/rules.mk $(DESTDIR)$(CONFDIR)/examples/
	sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/etc/yubin|$(CONFDIR)|g' \
		conf/dovecot/dovecot.conf > $(DESTDIR)$(CONFDIR)/examples/dovecot.conf
	@# the samples as shipped: yubin-setup tells them from an edited site
	install -m 644 conf/domains conf/relay $(DESTDIR)$(CONFDIR)/examples/
	install -m 640 conf/users $(DESTDIR)$(CONFDIR)/examples/

# sendmail(8) for cron, CGI form-mail scripts and mail(1): the same
# program under the name they call.
install-sendmail: install
	ln -sf queue-inject $(DESTDIR)$(SBINDIR)/sendmail
	ln -sf remote-send $(DESTDIR)$(SBINDIR)/mailq

lint:
	mandoc -Tlint -W warning $(MAN5) $(MAN8)
	clang-format --dry-run --Werror bin-src/*.c lib/*.c lib/*.h \
		tests/unit/*.c tests/fuzz/*.c tests/fuzz/*.h
	shellcheck -s sh bin-src/*.sh

clean:
	rm -rf build
