# targets/moddable/sdk.mk: the Moddable SDK and its command-line tools (mcconfig, xsc, xsl, ...).
# Included by the root Makefile. The SDK is $MODDABLE when a user has set it; otherwise the
# pinned 8.2.3 tarball beside the checkout (../shared/moddable/) is unpacked into build/; with
# neither, `make moddable-sdk` says in one line how to get it. The tools are built once and
# rebuilt when the SDK changes (its tarball, or its tools' sources under $MODDABLE).

SDK_TARBALL ?= $(abspath ../shared/moddable/moddable-sdk-8.2.3.tar.xz)
SDK_BUILD := $(abspath build/moddable-sdk)

ifneq ($(strip $(MODDABLE)),)
SDK_ROOT := $(MODDABLE)
SDK_SOURCE := $(SDK_ROOT)/tools/mcconfig.js
else ifneq ($(wildcard $(SDK_TARBALL)),)
SDK_ROOT := $(SDK_BUILD)/moddable
SDK_SOURCE := $(SDK_BUILD)/.unpacked
else
SDK_ROOT :=
endif

SDK_BIN := $(SDK_ROOT)/build/bin/lin/release
SDK_TOOLS := $(SDK_BIN)/.tools-stamp
# What every mcconfig run needs in its environment: the SDK, its tools and tsc 6.0 on PATH.
SDK_ENV = MODDABLE=$(SDK_ROOT) PATH="$(SDK_BIN):$(abspath node_modules/.bin):$$PATH"

.PHONY: moddable-sdk
ifeq ($(SDK_ROOT),)
moddable-sdk:
	@echo "make $@: no Moddable SDK: git clone --depth 1 -b 8.2.3 https://github.com/Moddable-OpenSource/moddable and export MODDABLE=<that checkout>" >&2; exit 1
else
moddable-sdk: $(SDK_TOOLS)
endif

$(SDK_BUILD)/.unpacked: $(SDK_TARBALL)
	rm -rf $(SDK_BUILD) && mkdir -p $(SDK_BUILD)
	tar -xJf $< -C $(SDK_BUILD)
	@touch $@

# xsc, xsid, xsl, then the JavaScript tools (mcconfig, mcrez, ...); not xsbug or mcsim (GTK).
$(SDK_TOOLS): $(SDK_SOURCE)
	@command -v pkg-config >/dev/null && pkg-config --exists glib-2.0 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y -qq --no-install-recommends libglib2.0-dev pkg-config >/dev/null; \
	  else echo "make moddable-sdk: the SDK's tools need GLib: sudo apt-get install libglib2.0-dev pkg-config" >&2; exit 1; fi; }
	cd $(SDK_ROOT)/build/makefiles/lin && export MODDABLE=$(SDK_ROOT) XS_DIR=$(SDK_ROOT)/xs BUILD_DIR=$(SDK_ROOT)/build && \
	  $(MAKE) --no-print-directory -j$(XS_JOBS) GOAL=release -f $(SDK_ROOT)/xs/makefiles/lin/xsc.mk >/dev/null && \
	  $(MAKE) --no-print-directory -j$(XS_JOBS) GOAL=release -f $(SDK_ROOT)/xs/makefiles/lin/xsid.mk >/dev/null && \
	  $(MAKE) --no-print-directory -j$(XS_JOBS) GOAL=release -f $(SDK_ROOT)/xs/makefiles/lin/xsl.mk >/dev/null && \
	  $(MAKE) --no-print-directory GOAL=release -f tools.mk >/dev/null
	@touch $@
