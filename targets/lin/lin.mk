# targets/lin/lin.mk: Moddable's lin platform in the tests. The headless host runs a lin app's
# mc.so (no display, no GTK); `make lin-apps` builds the apps of host-tests/moddable/apps.ts
# with the real mcconfig (each only when its inputs changed). Included by the root Makefile.

LIN_HOST := build/lin/xsmqtt-lin-host

.PHONY: lin-host lin-apps lin-apps-all
lin-host: $(LIN_HOST)

$(LIN_HOST): targets/lin/host.c $(SDK_TOOLS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wno-unused-parameter -DmxLinux=1 -I$(SDK_ROOT)/build/simulators/modules $$(pkg-config --cflags glib-2.0) \
	  $< $$(pkg-config --libs glib-2.0) -ldl -o $@

lin-apps: build moddable-sdk lin-host
	$(SDK_ENV) node dist/host-tests/moddable/build-apps.js

# With the benchmarks' apps (npm run footprint:moddable).
lin-apps-all: build moddable-sdk lin-host
	$(SDK_ENV) node dist/host-tests/moddable/build-apps.js --all
