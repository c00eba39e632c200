# Shared by scripts/quickstart, scripts/test and .ci/run: install the Debian
# packages ipcbench needs when they are missing (apt-get; sudo when not
# root). Sourced, not run.

IPCB_BUILD_DEPS="gcc make autoconf automake pkg-config libcpuid-dev libjansson-dev"
# ONC RPC for the rpc mechanism: libtirpc and rpcgen (configure leaves rpc
# out without them).
IPCB_BUILD_DEPS="$IPCB_BUILD_DEPS libtirpc-dev rpcsvc-proto"
# What make check uses (Google Benchmark's compare.py, in libbenchmark-tools,
# needs python3-scipy, which python3-matplotlib brings anyway).
IPCB_TEST_DEPS="python3 python3-jsonschema python3-matplotlib libbenchmark-tools python3-scipy"
# The lint of the manual page in make check (tests/man.sh; groff comes with
# man-db).
IPCB_TEST_DEPS="$IPCB_TEST_DEPS mandoc"
# What only CI adds (.ci/run): a JDK and HdrHistogram's jar for the Java
# conformance test of the hgrm export (tests/hgrm-java.sh), valgrind for
# scripts/memcheck, clang and its runtimes for scripts/fuzz, clang-format
# (Debian 12's is version 14, the one the tree is laid out by) for
# tests/format.sh.
IPCB_CI_DEPS="default-jdk-headless libhdrhistogram-java valgrind clang libclang-rt-dev clang-format"

# ipcb_install_missing PKG...: install the packages that dpkg does not list
# as installed. Returns non-zero when something is missing and cannot be
# installed.
ipcb_install_missing() {
	missing=""
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "ipcbench: not a Debian-like system; make sure these are installed: $*" >&2
		return 0
	fi
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed' ||
			missing="$missing $pkg"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "ipcbench: missing packages:$missing (install them as root: apt-get install$missing)" >&2
		return 1
	fi
	echo "ipcbench: installing$missing" >&2
	$sudo apt-get update -qq >/dev/null &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

# libcpuid is packaged for x86 only; elsewhere configure builds without it.
case $(dpkg --print-architecture 2>/dev/null) in
amd64 | i386 | "") ;;
*) IPCB_BUILD_DEPS=$(echo "$IPCB_BUILD_DEPS" | sed 's/ libcpuid-dev//') ;;
esac

# ipcb_build: configure (in place) when needed and build with all CPUs.
ipcb_build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		autoreconf -fi || return 1
	fi
	if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
		./configure -q || return 1
	fi
	make -j"$(nproc)" >/dev/null || make
}
