# Debian packages the tests need. When make runs as root on a machine with apt-get it installs
# the missing ones; otherwise it stops with the one command that would. chromium (and a font
# for its screenshots) drives the bench console's page; tshark reads its pcapng exports.
DEB_TEST_PACKAGES := mosquitto mosquitto-clients openssl build-essential libglib2.0-dev pkg-config \
	gcc-xtensa-lx106 picolibc-xtensa-lx106-elf gcc-12-source qemu-system-misc \
	chromium fonts-dejavu-core tshark python3-paho-mqtt

.PHONY: deb-prereqs
deb-prereqs:
	@command -v dpkg-query >/dev/null || exit 0; \
	missing=; for p in $(DEB_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing Debian packages:$$missing" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "make $(MAKECMDGOALS): missing Debian packages; run: sudo apt-get install$$missing" >&2; exit 1; \
	fi
