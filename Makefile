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

build: $(NODE_STAMP)
	$(TSC) -p tsconfig.json

# The core must type-check with no Node globals in scope, as on a device.
check-core: $(NODE_STAMP)
	$(TSC) -p tsconfig.core.json

check-subset: build
	node dist/host-tests/subset/cli.js src/core

test: build check-core check-subset xs-prereqs lx106-prereqs
	node_modules/.bin/ava

# The host simulator (issue 8): embedded broker + 100 devices for 20 s; `make sim ARGS="--devices 1000"`.
sim: build
	node dist/src/node/cli.js sim $(ARGS)

clean:
	rm -rf dist

# The host XS runtime and the Moddable targets (issue 7).
include targets/xs/xs.mk

# The emulated ESP8266: XS and the runtime on the lx106 CPU under QEMU (issue 9).
include targets/lx106/lx106.mk

# The interoperability matrix (issue 10): every broker and client it can start, on loopback;
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

# The integration suite (issue 8): TARGET=node runs it on the host against the companion broker
# (suite profile, in-process); TARGET=xs runs it inside the host XS runtime against the same
# broker; esp32, esp8266 say what they need when it is missing.
TARGET ?= node
.PHONY: device-test
device-test: build
	@case "$(TARGET)" in \
	node) node dist/src/node/sim/device-test.js $(ARGS) && node dist/src/node/sim/device-test.js --mqtt 4 $(ARGS) ;; \
	lx106) $(MAKE) --no-print-directory lx106 >/dev/null && node dist/src/node/bridge/device-test.js $(ARGS) && node dist/src/node/bridge/device-test.js --mqtt 4 $(ARGS) ;; \
	xs) $(MAKE) --no-print-directory xs-runtime check-moddable && node dist/src/node/sim/device-test.js --xs $(ARGS) && node dist/src/node/sim/device-test.js --xs --mqtt 4 $(ARGS) ;; \
	esp32|esp8266) \
	  if [ -z "$$MODDABLE" ] || ! command -v mcconfig >/dev/null 2>&1; then \
	    echo "make device-test TARGET=$(TARGET): the Moddable SDK is missing: set MODDABLE to its checkout and put its build/bin/<platform>/release on PATH (mcconfig), then run again with SSID=... PASSWORD=... BROKER=<this machine's address on the device's network>." >&2; exit 1; fi; \
	  if [ ! -f targets/$(TARGET)/suite/manifest.json ]; then \
	    echo "make device-test TARGET=$(TARGET): targets/$(TARGET)/suite/manifest.json is missing: the device application that runs src/core/suite (SuiteRunner with a Moddable SuiteHost, as targets/lx106/app/suite-main.ts does on the emulator) is not written yet." >&2; exit 1; fi; \
	  if [ -z "$(SSID)" ] || [ -z "$(BROKER)" ]; then \
	    echo "make device-test TARGET=$(TARGET): give the Wi-Fi and the broker: SSID=... PASSWORD=... BROKER=<this machine's address on the device's network> [DEVICE=<id>]." >&2; exit 1; fi; \
	  node dist/src/node/sim/device-test.js --collect --device $(or $(DEVICE),$(TARGET)) --listen 0.0.0.0:1883 & collector=$$!; \
	  (cd targets/$(TARGET)/suite && mcconfig -m -p $(if $(filter esp8266,$(TARGET)),esp,esp32) ssid="$(SSID)" password="$(PASSWORD)" broker="$(BROKER)" device="$(or $(DEVICE),$(TARGET))") || { kill $$collector; exit 1; }; \
	  wait $$collector ;; \
	*) echo "make device-test: TARGET must be node, xs, lx106, esp32 or esp8266" >&2; exit 2 ;; \
	esac
