# targets/lx106/lx106.mk: the emulated ESP8266. The host XS runtime's program
# (targets/xs/main.c, unchanged) built for the ESP8266's lx106 CPU with Debian's
# gcc-xtensa-lx106 and picolibc, over a small POSIX layer of our own (targets/lx106/*.c:
# console, files and clock over QEMU semihosting, sockets over a FIFO pair to the bridge,
# src/node/bridge). Runs under `qemu-system-xtensa -M sim -cpu lx106 -semihosting`.
# Included by the root Makefile after targets/xs/xs.mk (it reuses the XS sources fetched there).
#
# Debian packages: gcc-xtensa-lx106 picolibc-xtensa-lx106-elf gcc-12-source qemu-system-misc.

LX_BUILD := build/lx106
LX_CC := xtensa-lx106-elf-gcc
LX_AR := xtensa-lx106-elf-ar
LX_SIZE := xtensa-lx106-elf-size
LX_SPECS := /usr/lib/xtensa-lx106-elf/picolibc.specs
LX_ELF := $(LX_BUILD)/xsmqtt-lx106.elf
LX_OBJ := $(LX_BUILD)/obj

# Debian's lx106 libgcc lacks the lib1funcs objects (integer division, soft float...):
# assemble them from gcc-12-source, one object per function listed in t-xtensa.
LX_GCC_TAR := $(firstword $(wildcard /usr/src/gcc-12/gcc-*.tar.xz) /usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz)
LX_GCC_STAMP := $(LX_BUILD)/gcc/.unpacked
LX_GCC_DIR := $(LX_BUILD)/gcc
LX_LIB1FUNCS := _mulsi3 _divsi3 _modsi3 _udivsi3 _umodsi3 _umulsidi3 _clz _clzsi2 _ctzsi2 _ffssi2 \
	_ashldi3 _ashrdi3 _lshrdi3 _bswapsi2 _bswapdi2 _negsf2 _addsubsf3 _mulsf3 _divsf3 _cmpsf2 \
	_fixsfsi _fixsfdi _fixunssfsi _fixunssfdi _floatsisf _floatunsisf _sqrtf _recipsf2 _rsqrtsf2 \
	_floatdisf _floatundisf _negdf2 _addsubdf3 _muldf3 _divdf3 _cmpdf2 _fixdfsi _fixdfdi \
	_fixunsdfsi _fixunsdfdi _floatsidf _floatunsidf _floatdidf _floatundidf _truncdfsf2 \
	_extendsfdf2 _sqrt _recipdf2 _rsqrtdf2
LX_LIBGCC_OBJS := $(patsubst %,$(LX_BUILD)/libgcc/%.o,$(LX_LIB1FUNCS)) $(LX_BUILD)/libgcc/di.o
LX_LIBGCC := $(LX_BUILD)/libgccextra.a
# the core's configuration (no DIV32, no MUL32_HIGH...) as the cross compiler was built with it
LX_XTENSA_CONFIG := $(dir $(shell $(LX_CC) -print-file-name=plugin/include/xtensa-config.h 2>/dev/null))

LX_ARCH_FLAGS := -mlongcalls -mtext-section-literals
LX_CFLAGS := -Os $(LX_ARCH_FLAGS) -ffunction-sections -fdata-sections -specs=$(LX_SPECS) \
	-DINCLUDE_XSPLATFORM -DXSPLATFORM=\"lx106_platform.h\" \
	-DmxParse=1 -DmxRun=1 -DmxSloppy=1 -DmxBoundsCheck=1 -DmxInstrument=1 -DmxNoConsole=1 \
	-DmxRegExpUnicodePropertyEscapes=1 -DmxMinusZero=1 \
	-Itargets/lx106 -Itargets/lx106/posix -I$(XS_ROOT)/includes -I$(XS_ROOT)/platforms \
	-I$(XS_ROOT)/sources -I$(XS_BUILD)/gen
LX_HEADERS := $(wildcard targets/lx106/*.h targets/lx106/posix/*.h targets/lx106/posix/*/*.h) targets/xs/xsmqtt_machine.h
LX_XS_OBJECTS := $(patsubst %,$(LX_OBJ)/xs/%.o,$(XS_SOURCES))
LX_PLATFORM_SOURCES := semihost.c posix.c link.c
LX_PLATFORM_OBJECTS := $(patsubst %.c,$(LX_OBJ)/%.o,$(LX_PLATFORM_SOURCES)) $(LX_OBJ)/start.o $(LX_OBJ)/main.o
LX_LDFLAGS := $(LX_ARCH_FLAGS) -nostartfiles -specs=$(LX_SPECS) -T targets/lx106/lx106.ld \
	-Wl,--gc-sections -Wl,-Map=$(LX_BUILD)/xsmqtt-lx106.map

.PHONY: lx106 lx106-prereqs
lx106: $(LX_ELF)

$(LX_GCC_TAR):
	@echo "lx106: $@ is missing: install Debian's gcc-12-source (and gcc-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-system-misc)" >&2; exit 1

$(LX_GCC_STAMP): $(LX_GCC_TAR)
	@command -v $(LX_CC) >/dev/null || { echo "lx106: install gcc-xtensa-lx106 picolibc-xtensa-lx106-elf gcc-12-source qemu-system-misc (Debian)" >&2; exit 1; }
	rm -rf $(LX_GCC_DIR) && mkdir -p $(LX_GCC_DIR)
	tar -xJf $< -C $(LX_GCC_DIR) --strip-components=1 --wildcards '*/libgcc/config/xtensa/*.S'
	@touch $@

$(LX_BUILD)/libgcc/%.o: $(LX_GCC_STAMP)
	@mkdir -p $(dir $@)
	$(LX_CC) $(LX_ARCH_FLAGS) -O2 -DL$* -I$(LX_XTENSA_CONFIG) -c $(LX_GCC_DIR)/libgcc/config/xtensa/lib1funcs.S -o $@

$(LX_BUILD)/libgcc/di.o: targets/lx106/di.c
	@mkdir -p $(dir $@)
	$(LX_CC) $(LX_ARCH_FLAGS) -O2 -c $< -o $@

$(LX_LIBGCC): $(LX_LIBGCC_OBJS)
	rm -f $@ && $(LX_AR) rcs $@ $^

$(LX_OBJ)/xs/%.o: $(XS_SRC_STAMP) $(LX_HEADERS) targets/lx106/lx106.mk
	@mkdir -p $(dir $@)
	@echo "lx106 cc $*.c"
	@$(LX_CC) $(LX_CFLAGS) -w -c $(XS_ROOT)/sources/$*.c -o $@

$(LX_OBJ)/%.o: targets/lx106/%.c $(LX_HEADERS) $(XS_SRC_STAMP)
	@mkdir -p $(dir $@)
	$(LX_CC) $(LX_CFLAGS) -Wall -Wno-unused-parameter -c $< -o $@

$(LX_OBJ)/start.o: targets/lx106/start.S
	@mkdir -p $(dir $@)
	$(LX_CC) $(LX_ARCH_FLAGS) -c $< -o $@

# The host runtime's own program, with its embedded host modules, compiled for lx106.
$(LX_OBJ)/main.o: $(XS_HOST_SOURCES) $(XS_GEN) $(LX_HEADERS) $(XS_SRC_STAMP)
	@mkdir -p $(dir $@)
	$(LX_CC) $(LX_CFLAGS) -Wall -Wno-unused-parameter -Wno-unused-function -c targets/xs/main.c -o $@

$(LX_ELF): $(LX_PLATFORM_OBJECTS) $(LX_XS_OBJECTS) $(LX_LIBGCC) targets/lx106/lx106.ld
	$(LX_CC) $(LX_LDFLAGS) $(LX_PLATFORM_OBJECTS) $(LX_XS_OBJECTS) -lm -lc $(LX_LIBGCC) -lgcc $(LX_LIBGCC) -o $@
	$(LX_SIZE) $@

# The device programs (targets/lx106/app) type-checked against Moddable's declarations.
.PHONY: lx106-check
lx106-check: $(NODE_STAMP)
	$(TSC) -p targets/lx106/tsconfig.json

# What `make test` needs from this fragment before the ava tests run (the firmware image;
# host-tests/lx106 reports clearly when the cross toolchain or QEMU is missing).
lx106-prereqs: $(LX_ELF) lx106-check
