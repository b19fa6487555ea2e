# targets/xs/xs.mk: the host XS runtime (build/xs/xsmqtt-xs), XS 13.3 linked with the
# project's own host program. Included by the root Makefile.
# XS's C sources come from the npm tarball of @agoric/xsnap, pinned by version and checked
# against the sha512 below (npm pack fetches the tarball only, none of its dependencies).

XS_PKG_VERSION := 0.15.0
XS_PKG_SHA512 := 6419b80d9c5bb5f69cc4c1d555d263662d18f333b137beefa6ed56c08e5159f3e4691874687933fdd55d4c62976a50cdcd67f3d7cde59632b1971977fe1d27f8
XS_BUILD := build/xs
XS_TGZ := $(XS_BUILD)/agoric-xsnap-$(XS_PKG_VERSION).tgz
XS_SRC_STAMP := $(XS_BUILD)/src/.unpacked-$(XS_PKG_VERSION)
XS_ROOT := $(XS_BUILD)/src/package/moddable/xs
XS_OBJ := $(XS_BUILD)/obj
XS_BIN := $(XS_BUILD)/xsmqtt-xs
XS_SHA512SUM := $(shell command -v sha512sum >/dev/null 2>&1 && echo sha512sum || echo 'shasum -a 512')

XS_SOURCES := xsAll xsAPI xsArguments xsArray xsAtomics xsBigInt xsBoolean xsCode xsCommon \
	xsDataView xsDate xsDebug xsDefaults xsError xsFunction xsGenerator xsGlobal xsJSON \
	xsLexical xsLockdown xsMapSet xsMarshall xsMath xsMemory xsModule xsNumber xsObject \
	xsPlatforms xsProfile xsPromise xsProperty xsProxy xsRegExp xsRun xsScope xsScript \
	xsSourceMap xsString xsSymbol xsSyntaxical xsTree xsType xsdtoa xsre
XS_OBJECTS := $(patsubst %,$(XS_OBJ)/%.o,$(XS_SOURCES))
XS_HOST_SOURCES := targets/xs/main.c
XS_HOST_MODULES := targets/xs/modules/timer.js targets/xs/modules/time.js targets/xs/modules/tcp.js targets/xs/modules/config.js targets/xs/modules/flash.js
XS_GEN := $(XS_BUILD)/gen/xs_modules.h

XS_CFLAGS := -O2 -fno-common \
	-DINCLUDE_XSPLATFORM -DXSPLATFORM=\"xsmqtt_platform.h\" \
	-DmxParse=1 -DmxRun=1 -DmxSloppy=1 -DmxBoundsCheck=1 -DmxDebug=1 -DmxInstrument=1 -DmxNoConsole=1 \
	-DmxRegExpUnicodePropertyEscapes=1 -DmxMinusZero=1 \
	-Itargets/xs -I$(XS_ROOT)/includes -I$(XS_ROOT)/platforms -I$(XS_ROOT)/sources -I$(XS_BUILD)/gen
XS_LIBS := -lm -lpthread

XS_JOBS := $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)

# XS's 45 sources compile in parallel even when make runs serially (about a minute of CPU).
.PHONY: xs-runtime
xs-runtime: $(NODE_STAMP)
	@$(MAKE) --no-print-directory -j$(XS_JOBS) -f targets/xs/xs.mk $(XS_BIN)

$(XS_TGZ):
	@mkdir -p $(XS_BUILD)/dl
	cd $(XS_BUILD)/dl && npm pack @agoric/xsnap@$(XS_PKG_VERSION) --silent >/dev/null
	echo "$(XS_PKG_SHA512)  $(XS_BUILD)/dl/agoric-xsnap-$(XS_PKG_VERSION).tgz" | $(XS_SHA512SUM) -c -
	mv $(XS_BUILD)/dl/agoric-xsnap-$(XS_PKG_VERSION).tgz $@

$(XS_SRC_STAMP): $(XS_TGZ)
	rm -rf $(XS_BUILD)/src && mkdir -p $(XS_BUILD)/src
	tar -xzf $< -C $(XS_BUILD)/src package/moddable/xs
	@touch $@

$(XS_OBJ)/%.o: $(XS_SRC_STAMP) targets/xs/xsmqtt_platform.h targets/xs/xsmqtt_machine.h targets/xs/xs.mk
	@mkdir -p $(XS_OBJ)
	$(CC) $(XS_CFLAGS) -w -c $(XS_ROOT)/sources/$*.c -o $@

# The header generator is TypeScript, compiled with the rest (make build).
XS_EMBED := dist/targets/xs/embed.js
TSC ?= node_modules/.bin/tsc
$(XS_EMBED): targets/xs/embed.ts
	$(TSC) -p tsconfig.json

# Its source, not its output, dates the header: make build rewrites dist on every run.
$(XS_GEN): $(XS_HOST_MODULES) targets/xs/embed.ts | $(XS_EMBED)
	@mkdir -p $(dir $@)
	node $(XS_EMBED) $@ $(XS_HOST_MODULES)

$(XS_BIN): $(XS_OBJECTS) $(XS_HOST_SOURCES) $(XS_GEN) targets/xs/xsmqtt_platform.h targets/xs/xsmqtt_machine.h
	$(CC) $(XS_CFLAGS) -Wall -Wno-unused-parameter $(XS_HOST_SOURCES) $(XS_OBJECTS) $(XS_LIBS) -o $@

# What `make test` needs from this fragment before the ava tests run.
.PHONY: xs-prereqs
xs-prereqs: xs-runtime

# The Moddable targets: the adapter, the device apps and the core type-checked against
# @moddable/typings (no Node types), emitted to build/moddable for the XS tests.
.PHONY: check-moddable esp32 esp8266 moddable-sim
xs-prereqs: check-moddable
check-moddable: $(NODE_STAMP)
	$(TSC) -p tsconfig.moddable.json
	$(TSC) -p tsconfig.mcconfig.json

# Device builds: Moddable's mcconfig, when $MODDABLE points at an SDK.
MC_CONFIG = $(if $(SSID),ssid="$(SSID)") $(if $(PASSWORD),password="$(PASSWORD)") $(if $(BROKER),broker=$(BROKER))
define mc_required
	@if [ -z "$(MODDABLE)" ] || ! command -v mcconfig >/dev/null 2>&1; then \
		echo "make $@: needs the Moddable SDK: clone https://github.com/Moddable-OpenSource/moddable, build its tools" >&2; \
		echo "  (documentation/Moddable SDK - Getting Started.md), export MODDABLE=<the checkout> and put" >&2; \
		echo "  \$$MODDABLE/build/bin/<platform>/release on PATH; $(1); tsc on PATH must be TypeScript 6.0." >&2; \
		exit 1; \
	fi
endef

esp32:
	$(call mc_required,for ESP32 also ESP-IDF as that guide describes)
	cd targets/esp32 && mcconfig -d -m -p esp32 $(MC_CONFIG)

esp8266:
	$(call mc_required,for ESP8266 also the esp8266 toolchain and SDK as that guide describes)
	cd targets/esp8266 && mcconfig -d -m -p esp $(MC_CONFIG)

moddable-sim:
	$(call mc_required,the desktop simulator needs nothing more)
	cd targets/esp32 && mcconfig -d -m -p $(if $(filter Darwin,$(shell uname -s)),mac,lin) $(MC_CONFIG)
