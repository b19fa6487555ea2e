# xsmqtt: `make sim` runs the host simulator, `make test` runs every host test.
# Each target installs what it needs: node_modules is (re)installed when missing or older
# than package-lock.json (dependency changes always change the lock file).

NODE_STAMP := node_modules/.install-stamp
TSC := node_modules/.bin/tsc

.PHONY: all build test check-subset check-core sim clean

all: build

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The console's page (src/console/web, src/browser) is type-checked with the DOM's types and
# bundled with esbuild into dist/src/console/web/console.js.
build: $(NODE_STAMP)
	$(TSC) -p tsconfig.json
	$(TSC) -p tsconfig.web.json
	node dist/src/console/page.js

# The core must type-check with no Node globals in scope, as on a device.
check-core: $(NODE_STAMP)
	$(TSC) -p tsconfig.core.json

check-subset: build
	node dist/host-tests/subset/cli.js src/core

test: deb-prereqs build check-core check-subset xs-prereqs lx106-prereqs lin-apps
	node_modules/.bin/ava

# The host simulator: embedded broker + 100 devices for 20 s; `make sim ARGS="--devices 1000"`.
sim: build
	node dist/src/node/cli.js sim $(ARGS)

clean:
	rm -rf dist

# Debian packages for the tests (installed as root, else the command is printed).
include targets/deb.mk

# The host XS runtime and the Moddable targets.
include targets/xs/xs.mk

# The Moddable SDK's tools (mcconfig) and the lin builds of the device apps.
include targets/moddable/sdk.mk
include targets/lin/lin.mk

# The emulated ESP8266: XS and the runtime on the lx106 CPU under QEMU.
include targets/lx106/lx106.mk

# The interoperability matrix: every broker and client it can start, on loopback;
# prints the table and writes host-tests/interop-matrix/MATRIX.md.
.PHONY: interop
interop: build mosca
	node dist/host-tests/interop-matrix/run.js

# mosca (aedes's predecessor) for the matrix, installed apart from the project's dependencies.
MOSCA_STAMP := build/mosca/node_modules/.install-stamp
.PHONY: mosca
mosca: $(MOSCA_STAMP)
$(MOSCA_STAMP): host-tests/peers/mosca/package.json host-tests/peers/mosca/package-lock.json
	@mkdir -p build/mosca
	cp host-tests/peers/mosca/package.json host-tests/peers/mosca/package-lock.json build/mosca/
	cd build/mosca && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The integration suite: TARGET=node runs it on the host against the companion broker
# (suite profile, in-process); TARGET=xs runs it inside the host XS runtime against the same
# broker; esp32, esp8266 say what they need when it is missing.
TARGET ?= node
.PHONY: device-test
device-test: build
	@case "$(TARGET)" in \
	node) node dist/src/node/sim/device-test.js $(ARGS) && node dist/src/node/sim/device-test.js --mqtt 4 $(ARGS) ;; \
	lx106) $(MAKE) --no-print-directory lx106 >/dev/null && node dist/src/node/bridge/device-test.js --profile esp8266 $(ARGS) && node dist/src/node/bridge/device-test.js --profile esp8266 --mqtt 4 $(ARGS) ;; \
	xs) $(MAKE) --no-print-directory xs-runtime check-moddable && node dist/src/node/sim/device-test.js --xs $(ARGS) && node dist/src/node/sim/device-test.js --xs --mqtt 4 $(ARGS) ;; \
	esp32|esp8266) \
	  missing=; nl=$$(printf '\n  - '); \
	  if [ -z "$$MODDABLE" ]; then missing="$$missing$${nl}MODDABLE is not set: clone https://github.com/Moddable-OpenSource/moddable, build its tools (documentation/Moddable SDK - Getting Started.md) and export MODDABLE=<that checkout>"; \
	  elif [ ! -f "$$MODDABLE/examples/manifest_net.json" ]; then missing="$$missing$${nl}MODDABLE=$$MODDABLE is not a Moddable SDK checkout (no examples/manifest_net.json)"; fi; \
	  if ! command -v mcconfig >/dev/null 2>&1; then missing="$$missing$${nl}mcconfig is not on PATH: add \$$MODDABLE/build/bin/lin/release (mac/release on macOS)"; fi; \
	  if [ "$(TARGET)" = esp32 ] && [ -z "$$IDF_PATH" ]; then missing="$$missing$${nl}IDF_PATH is not set: the ESP-IDF that Moddable's esp32 platform builds with (\$$MODDABLE/documentation/devices/esp32.md)"; fi; \
	  if [ ! -f targets/$(TARGET)/suite/manifest.json ]; then missing="$$missing$${nl}targets/$(TARGET)/suite/manifest.json: the device's suite application"; fi; \
	  if [ -z "$(SSID)" ]; then missing="$$missing$${nl}SSID=... PASSWORD=...: the Wi-Fi the device joins"; fi; \
	  if [ -z "$(BROKER)" ]; then missing="$$missing$${nl}BROKER=<this machine's address on the device's network>: the device connects there on port $(or $(PORT),1883) (PORT=), where this target starts the suite broker"; fi; \
	  if [ -n "$$missing" ]; then printf 'make device-test TARGET=%s cannot build and flash the suite; missing:%s\n(then: make device-test TARGET=%s SSID=... PASSWORD=... BROKER=... [PORT=<port>] [DEVICE=<id>], the device on USB)\n' "$(TARGET)" "$$missing" "$(TARGET)" >&2; exit 1; fi; \
	  node dist/src/node/sim/device-test.js --collect --device $(or $(DEVICE),$(TARGET)) --listen 0.0.0.0:$(or $(PORT),1883) & collector=$$!; \
	  (cd targets/$(TARGET)/suite && mcconfig -m -p $(if $(filter esp8266,$(TARGET)),esp,esp32) ssid="$(SSID)" password="$(PASSWORD)" broker="$(BROKER)" port="$(or $(PORT),1883)" device="$(or $(DEVICE),$(TARGET))") || { kill $$collector; exit 1; }; \
	  wait $$collector ;; \
	*) echo "make device-test: TARGET must be node, xs, lx106, esp32 or esp8266" >&2; exit 2 ;; \
	esac
