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
interop: build
	node dist/host-tests/interop-matrix/run.js
