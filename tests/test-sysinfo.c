/* Kernel command-line values (the last occurrence, none from init's
 * arguments) and when libcpuid's codename can stand. */
#include "config.h"

#include "harness/sysinfo.h"
#include "tests/tap.h"

/* This project's reference machine, shortened. */
static const char cmdline[] =
	"mitigations=auto,no_guest_host console=ttyS0 clocksource=kvm-clock pti=on "
	"tsc=reliable pvm_no_zero_page=1 tsc=unstable rdinit=/process_api -- --firecracker-init "
	"--addr 0.0.0.0:2024 pti=off nohz_full=1\n";

static void value(const char *key, const char *want)
{
	char got[64];

	ipcb_cmdline_value(cmdline, key, got, sizeof got);
	is_str(got, want, "%s= is '%s'", key, want);
}

int main(void)
{
	char got[16];

	tap_init();
	value("tsc", "unstable");
	value("pti", "on");
	value("nohz_full", "");
	value("clocksource", "kvm-clock");
	value("mitigations", "auto,no_guest_host");
	value("rdinit", "/process_api");
	value("source", "");
	value("console", "ttyS0");
	ipcb_cmdline_value("isolcpus=1 isolcpus=2-3", "isolcpus", got, sizeof got);
	is_str(got, "2-3", "a repeated key: the last value");
	ipcb_cmdline_value("", "tsc", got, sizeof got);
	is_str(got, "", "an empty command line");

	ok(!ipcb_codename_trusted("0.6.2", "AuthenticAMD", 0x1A),
	   "libcpuid 0.6.2 has no codename for AMD family 0x1A");
	ok(ipcb_codename_trusted("0.6.2", "AuthenticAMD", 0x19), "... but for 0x19");
	ok(ipcb_codename_trusted("0.6.2", "GenuineIntel", 6), "... and Intel family 6");
	ok(!ipcb_codename_trusted("0.6.2", "GenuineIntel", 19), "... not Intel family 19");
	ok(ipcb_codename_trusted("0.7.0", "AuthenticAMD", 0x1A), "a later release keeps its word");
	ok(!ipcb_codename_trusted("garbage", "AuthenticAMD", 0x17), "an unreadable version: no codename");
	return tap_done();
}
