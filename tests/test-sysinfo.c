/* Kernel command-line values (the last occurrence, none from init's
 * arguments), when libcpuid's codename can stand, and the CPU as
 * /proc/cpuinfo and sysfs describe it, on x86 and arm64 fixture trees
 * (tests/fixtures/cpuinfo, written by generate.py there) and this machine. */
#include "config.h"

#include <errno.h>

#include "harness/result.h"
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

/* The identity of fixture tree name, with its topology in *t (empty
 * when the tree has none). */
static int identify(const char *name, struct ipcb_topo *t, struct ipcb_cpu_ident *ci)
{
	char root[4096];
	const char *top = getenv("top_srcdir");

	snprintf(root, sizeof root, "%s/tests/fixtures/cpuinfo/%s", top ? top : ".", name);
	ipcb_topo_free(t);
	(void)ipcb_topo_read(root, t);
	return ipcb_cpuinfo_identify(root, t, ci);
}

static void caches(const char *name, const struct ipcb_cpu_ident *c, int l1d, int l1i, int l2,
		   int l3, int line)
{
	ok(c->l1d_kib == l1d && c->l1i_kib == l1i && c->l2_kib == l2 && c->l3_kib == l3 &&
		   c->line_bytes == line,
	   "%s: caches %d/%d/%d/%d KiB, line %d (got %d/%d/%d/%d, %d)", name, l1d, l1i, l2, l3,
	   line, c->l1d_kib, c->l1i_kib, c->l2_kib, c->l3_kib, c->line_bytes);
}

static void x86(struct ipcb_topo *t)
{
	struct ipcb_cpu_ident c;

	ok(identify("x86-epyc", t, &c) == 0 && c.ok, "x86-epyc: identified");
	is_str(c.source, IPCB_CPU_FROM_PROC, "x86-epyc: the source is /proc/cpuinfo");
	is_str(c.vendor, "AuthenticAMD", "x86-epyc: vendor_id");
	is_str(c.brand, "AMD EPYC", "x86-epyc: the brand is the model name");
	is_str(c.kernel_model, "AMD EPYC", "x86-epyc: ... which is the kernel's model name");
	ok(c.family == 25 && c.model == 1 && c.stepping == 1,
	   "x86-epyc: family 25, model 1 (not 'model name'), stepping 1 (got %d, %d, %d)", c.family,
	   c.model, c.stepping);
	ok(c.cores == 2 && c.logical_cpus == 2, "x86-epyc: cpu cores 2, siblings 2");
	ok(c.hypervisor_known && c.hypervisor, "x86-epyc: the hypervisor flag");
	caches("x86-epyc", &c, 32, 32, 512, 32768, 64);
	ok(c.caches_cpu == 0, "x86-epyc: caches of cpu0");
	ok(c.implementer == -1 && c.part == -1 && c.midr[0] == '\0', "x86-epyc: no MIDR");
	ok(c.codename[0] == '\0' && c.library[0] == '\0', "x86-epyc: no codename, no library");
}

static void arm64(struct ipcb_topo *t)
{
	struct ipcb_cpu_ident c;

	ok(identify("arm64-altra", t, &c) == 0 && c.ok, "arm64-altra: identified");
	is_str(c.vendor, "ARM", "arm64-altra: implementer 0x41 is ARM");
	is_str(c.brand, "Neoverse-N1", "arm64-altra: part 0xd0c is Neoverse-N1");
	ok(c.implementer == 0x41 && c.variant == 3 && c.part == 0xd0c && c.revision == 1,
	   "arm64-altra: implementer, variant, part, revision from cpuinfo (got %#x %#x %#x %d)",
	   c.implementer, c.variant, c.part, c.revision);
	is_str(c.midr, "0x00000000413fd0c1", "arm64-altra: MIDR_EL1 from sysfs");
	ok(c.family == -1 && c.model == -1 && c.stepping == -1 && c.cores == -1 &&
		   c.logical_cpus == -1,
	   "arm64-altra: no family, model, stepping or per-package counts");
	ok(!c.hypervisor_known, "arm64-altra: no hypervisor flag to read");
	is_str(c.kernel_model, "", "arm64-altra: no model name");
	caches("arm64-altra", &c, 64, 64, 1024, 32768, 64);

	ok(identify("arm64-unknown", t, &c) == 0 && c.ok, "arm64-unknown: identified");
	is_str(c.vendor, "0x70", "arm64-unknown: an unnamed implementer shows its code");
	is_str(c.brand, "", "arm64-unknown: an unnamed part has no brand");
	ok(c.part == 0x662 && c.revision == 2 && c.midr[0] == '\0',
	   "arm64-unknown: part 0x662, revision 2, no MIDR_EL1");
	caches("arm64-unknown", &c, -1, -1, -1, -1, -1);
	ok(c.caches_cpu == -1, "arm64-unknown: no sysfs caches");

	ok(identify("arm64-midr", t, &c) == 0 && c.ok, "arm64-midr: identified from MIDR_EL1");
	ok(c.implementer == 0x61 && c.variant == 1 && c.part == 0x023 && c.revision == 0,
	   "arm64-midr: fields decoded (got %#x %#x %#x %d)", c.implementer, c.variant, c.part,
	   c.revision);
	is_str(c.vendor, "Apple", "arm64-midr: implementer 0x61 is Apple");

	ok(identify("missing", t, &c) == -ENOENT && !c.ok &&
		   strstr(c.error, "/proc/cpuinfo") != NULL,
	   "no cpuinfo: not identified, saying why (%s)", c.error);
}

static void cpuinfo_lines(void)
{
	const char block[] = "model name\t: A B  \nmodel\t\t: 7\nCPU architecture: 8\n"
			     "flags\t\t: fpu nohypervisor hypervisor_x\nempty\t:\n";
	char v[32];

	ok(ipcb_cpuinfo_get(block, "model", v, sizeof v) && strcmp(v, "7") == 0,
	   "'model' is not 'model name' (got '%s')", v);
	ok(ipcb_cpuinfo_get(block, "model name", v, sizeof v) && strcmp(v, "A B") == 0,
	   "trailing blanks dropped (got '%s')", v);
	ok(ipcb_cpuinfo_get(block, "CPU architecture", v, sizeof v) && strcmp(v, "8") == 0,
	   "a key with no blank before its colon");
	ok(ipcb_cpuinfo_get(block, "empty", v, sizeof v) && v[0] == '\0', "an empty value");
	ok(!ipcb_cpuinfo_get(block, "stepping", v, sizeof v) && v[0] == '\0', "an absent key");
}

static void flags(void)
{
	char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof path, "%s/tests/fixtures/cpuinfo/x86-epyc/proc/cpuinfo",
		 top ? top : ".");
	ok(ipcb_cpuinfo_flag(path, "hypervisor") && ipcb_cpuinfo_flag(path, "fsrm") &&
		   ipcb_cpuinfo_flag(path, "fpu"),
	   "x86 flags found, first, middle and last");
	ok(!ipcb_cpuinfo_flag(path, "hyper") && !ipcb_cpuinfo_flag(path, "avx512f"),
	   "... only whole and present ones");
	snprintf(path, sizeof path, "%s/tests/fixtures/cpuinfo/arm64-altra/proc/cpuinfo",
		 top ? top : ".");
	ok(!ipcb_cpuinfo_flag(path, "hypervisor") && !ipcb_cpuinfo_flag(path, "asimd"),
	   "arm64 has no flags line (its Features are not x86 flags)");
}

/* The string at key of o, or "" when there is none. */
static const char *str_at(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* system.cpu of a results file with the arm64 fixture's identity in
 * place of this machine's. */
static void arm64_json(struct ipcb_sysinfo *si, struct ipcb_topo *t)
{
	json_t *sys, *cpu, *midr;
	char *text;

	ok(identify("arm64-altra", t, &si->cpu) == 0, "arm64-altra: identified for the JSON");
	sys = ipcb_result_system(si);
	cpu = json_object_get(sys, "cpu");
	midr = json_object_get(cpu, "arm_midr");
	ok(json_is_true(json_object_get(cpu, "identified")) &&
		   strcmp(str_at(cpu, "source"), "/proc/cpuinfo") == 0,
	   "arm64 JSON: identified, source /proc/cpuinfo");
	ok(json_is_null(json_object_get(cpu, "library")) &&
		   json_is_null(json_object_get(cpu, "codename")) &&
		   json_is_null(json_object_get(cpu, "family")) &&
		   json_is_null(json_object_get(cpu, "stepping")) &&
		   json_is_null(json_object_get(cpu, "cores_per_package")) &&
		   json_is_null(json_object_get(cpu, "hypervisor")),
	   "arm64 JSON: library, codename, family, stepping, counts and hypervisor null");
	ok(strcmp(str_at(midr, "implementer"), "0x41") == 0 &&
		   strcmp(str_at(midr, "variant"), "0x3") == 0 &&
		   strcmp(str_at(midr, "part"), "0xd0c") == 0 &&
		   json_integer_value(json_object_get(midr, "revision")) == 1 &&
		   strcmp(str_at(midr, "midr_el1"), "0x00000000413fd0c1") == 0,
	   "arm64 JSON: arm_midr as /proc/cpuinfo shows it, with MIDR_EL1");
	ok(strcmp(str_at(cpu, "vendor"), "ARM") == 0 &&
		   strcmp(str_at(cpu, "brand"), "Neoverse-N1") == 0 &&
		   json_integer_value(json_object_get(json_object_get(cpu, "caches"), "l2_kib")) ==
			   1024,
	   "arm64 JSON: vendor, brand and caches");
	text = json_dumps(cpu, JSON_COMPACT);
	printf("# %s\n", text ? text : "(no JSON)");
	free(text);
	json_decref(sys);
}

/* This machine, as this build describes it: with libcpuid, libcpuid's
 * identity or /proc/cpuinfo's with libcpuid's error; without, always
 * /proc/cpuinfo's. Then its description with the arm64 fixture's CPU. */
static void this_machine(struct ipcb_topo *t)
{
	struct ipcb_clock clk = { .kind = IPCB_CLOCK_MONOTONIC };
	struct ipcb_sysinfo si;
	const struct ipcb_cpu_ident *c = &si.cpu;

	ipcb_sysinfo_collect(&si, &clk, -1);
#ifdef HAVE_LIBCPUID
	ok(strcmp(c->source, IPCB_CPU_FROM_LIBCPUID) == 0
		   ? c->library_error[0] == '\0'
		   : strcmp(c->source, IPCB_CPU_FROM_PROC) == 0 && c->library_error[0] != '\0',
	   "with libcpuid: its identity, or /proc/cpuinfo's saying why (source %s)", c->source);
	ok(strncmp(c->library, "libcpuid ", 9) == 0, "the library is named (%s)", c->library);
#else
	is_str(c->source, IPCB_CPU_FROM_PROC, "without libcpuid: /proc/cpuinfo");
	ok(c->library[0] == '\0' && c->library_error[0] == '\0', "... and no library");
#endif
	arm64_json(&si, t);
	ipcb_sysinfo_free(&si);
}

int main(void)
{
	struct ipcb_topo t = { 0 };

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
	ok(!ipcb_codename_trusted("garbage", "AuthenticAMD", 0x17),
	   "an unreadable version: no codename");

	cpuinfo_lines();
	flags();
	x86(&t);
	arm64(&t);
	this_machine(&t);
	ipcb_topo_free(&t);
	return tap_done();
}
