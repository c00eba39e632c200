/* The CPU as the kernel describes it: /proc/cpuinfo, sysfs caches and MIDR_EL1. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cpuinfo.h"
#include "harness/sysfs.h"

/* Room for x86's "flags" line, which runs to some 2,000 characters. */
#define VALUE_MAX 8192

void ipcb_cpu_ident_clear(struct ipcb_cpu_ident *ci, const char *source)
{
	memset(ci, 0, sizeof *ci);
	snprintf(ci->source, sizeof ci->source, "%s", source);
	ci->family = ci->model = ci->stepping = -1;
	ci->cores = ci->logical_cpus = -1;
	ci->l1d_kib = ci->l1i_kib = ci->l2_kib = ci->l3_kib = ci->line_bytes = -1;
	ci->caches_cpu = -1;
	ci->implementer = ci->variant = ci->part = ci->revision = -1;
}

int ipcb_cpuinfo_block(const char *path, char *block, size_t len)
{
	char line[VALUE_MAX];
	size_t used = 0;
	FILE *f = fopen(path, "r");

	block[0] = '\0';
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strlen(line);

		if (line[0] == '\n') {
			if (used > 0)
				break;
			continue;
		}
		if (used + n >= len)
			break;
		memcpy(block + used, line, n + 1);
		used += n;
	}
	fclose(f);
	return used > 0 ? 0 : -ENODATA;
}

bool ipcb_cpuinfo_get(const char *block, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	out[0] = '\0';
	for (const char *p = block; *p != '\0';) {
		size_t w = strcspn(p, "\n");
		const char *colon = memchr(p, ':', w), *k = p + klen;

		if (colon != NULL && strncmp(p, key, klen) == 0 && k + strspn(k, " \t") == colon) {
			const char *v = colon + 1 + strspn(colon + 1, " \t"), *e = p + w;

			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			snprintf(out, len, "%.*s", (int)(e - v), v);
			return true;
		}
		p += w + (p[w] == '\n');
	}
	return false;
}

/* Whether the space-separated list of a block's key names word. */
static bool lists(const char *block, const char *key, const char *word)
{
	char value[VALUE_MAX];
	size_t n = strlen(word);

	if (!ipcb_cpuinfo_get(block, key, value, sizeof value))
		return false;
	for (const char *p = value; (p = strstr(p, word)) != NULL; p += n)
		if ((p == value || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

bool ipcb_cpuinfo_flag(const char *path, const char *flag)
{
	char block[IPCB_CPUINFO_BLOCK_MAX];

	return ipcb_cpuinfo_block(path, block, sizeof block) == 0 && lists(block, "flags", flag);
}

/* A number in decimal or 0x hexadecimal, as /proc/cpuinfo shows it; -1
 * when key is absent or not a number. */
static int get_int(const char *block, const char *key)
{
	char value[64], *end;
	long v;

	if (!ipcb_cpuinfo_get(block, key, value, sizeof value) || value[0] == '\0')
		return -1;
	v = strtol(value, &end, 0);
	return *end == '\0' && v >= 0 && v <= 0xFFFFFF ? (int)v : -1;
}

/* The lowest online CPU of t, or -1. */
static int first_online(const struct ipcb_topo *t)
{
	for (int i = 0; i < t->n; i++)
		if (t->cpu[i].online)
			return i;
	return -1;
}

/* Caches and line size as sysfs gives them for one CPU. */
static void caches_of(const struct ipcb_topo *t, int cpu, struct ipcb_cpu_ident *ci)
{
	const struct ipcb_cpu_topo *c;

	if (cpu < 0)
		return;
	c = &t->cpu[cpu];
	ci->l1d_kib = c->l1d_kib;
	ci->l1i_kib = c->l1i_kib;
	ci->l2_kib = c->l2_kib;
	ci->l3_kib = c->l3_kib;
	ci->line_bytes = c->line_bytes;
	if (c->l1d_kib > 0 || c->l1i_kib > 0 || c->l2_kib > 0 || c->l3_kib > 0)
		ci->caches_cpu = cpu;
}

static void from_x86(const char *block, struct ipcb_cpu_ident *ci)
{
	ci->ok = true;
	/* The kernel shows the extended family and model, as libcpuid's
	 * ext_family and ext_model. */
	ci->family = get_int(block, "cpu family");
	ci->model = get_int(block, "model");
	ci->stepping = get_int(block, "stepping");
	ci->cores = get_int(block, "cpu cores");
	ci->logical_cpus = get_int(block, "siblings");
	snprintf(ci->brand, sizeof ci->brand, "%s", ci->kernel_model);
	ci->hypervisor = lists(block, "flags", "hypervisor");
	ci->hypervisor_known = true;
}

/* Implementer codes of MIDR_EL1, as the kernel's arm64 cputype.h names them. */
static const struct {
	int code;
	const char *name;
} implementers[] = {
	{ 0x41, "ARM" },       { 0x42, "Broadcom" },  { 0x43, "Cavium" }, { 0x46, "Fujitsu" },
	{ 0x48, "HiSilicon" }, { 0x4E, "NVIDIA" },    { 0x50, "APM" },    { 0x51, "Qualcomm" },
	{ 0x61, "Apple" },     { 0x6D, "Microsoft" }, { 0xC0, "Ampere" },
};

/* Part numbers of common cores, by implementer (cputype.h again). */
static const struct {
	int implementer, part;
	const char *name;
} parts[] = {
	{ 0x41, 0xD03, "Cortex-A53" },  { 0x41, 0xD05, "Cortex-A55" },
	{ 0x41, 0xD07, "Cortex-A57" },  { 0x41, 0xD08, "Cortex-A72" },
	{ 0x41, 0xD09, "Cortex-A73" },  { 0x41, 0xD0A, "Cortex-A75" },
	{ 0x41, 0xD0B, "Cortex-A76" },  { 0x41, 0xD0C, "Neoverse-N1" },
	{ 0x41, 0xD0D, "Cortex-A77" },  { 0x41, 0xD40, "Neoverse-V1" },
	{ 0x41, 0xD41, "Cortex-A78" },  { 0x41, 0xD44, "Cortex-X1" },
	{ 0x41, 0xD46, "Cortex-A510" }, { 0x41, 0xD47, "Cortex-A710" },
	{ 0x41, 0xD48, "Cortex-X2" },   { 0x41, 0xD49, "Neoverse-N2" },
	{ 0x41, 0xD4F, "Neoverse-V2" }, { 0xC0, 0xAC3, "AmpereOne" },
};

static void name_arm(struct ipcb_cpu_ident *ci)
{
	snprintf(ci->vendor, sizeof ci->vendor, "0x%02x", ci->implementer);
	for (size_t i = 0; i < sizeof implementers / sizeof implementers[0]; i++)
		if (implementers[i].code == ci->implementer)
			snprintf(ci->vendor, sizeof ci->vendor, "%s", implementers[i].name);
	/* The kernel's model name where it gives one (32-bit ARM does). */
	snprintf(ci->brand, sizeof ci->brand, "%s", ci->kernel_model);
	for (size_t i = 0; ci->brand[0] == '\0' && i < sizeof parts / sizeof parts[0]; i++)
		if (parts[i].implementer == ci->implementer && parts[i].part == ci->part)
			snprintf(ci->brand, sizeof ci->brand, "%s", parts[i].name);
}

/* MIDR_EL1 of cpu, which arm64 kernels show in sysfs. 0 or -errno. */
static int read_midr(const char *root, int cpu, unsigned long long *midr)
{
	char rel[96], path[1024], text[64], *end;

	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/regs/identification/midr_el1",
		 cpu < 0 ? 0 : cpu);
	ipcb_sysfs_join(path, sizeof path, root, rel);
	if (ipcb_sysfs_read_str(path, text, sizeof text) != 0)
		return -ENOENT;
	*midr = strtoull(text, &end, 16);
	return end != text && *end == '\0' ? 0 : -EINVAL;
}

static void from_arm(const char *root, int cpu, const char *block, struct ipcb_cpu_ident *ci)
{
	unsigned long long midr;

	ci->implementer = get_int(block, "CPU implementer");
	ci->variant = get_int(block, "CPU variant");
	ci->part = get_int(block, "CPU part");
	ci->revision = get_int(block, "CPU revision");
	if (read_midr(root, cpu, &midr) == 0) {
		snprintf(ci->midr, sizeof ci->midr, "0x%016llx", midr);
		/* Fields: implementer 31:24, variant 23:20, part 15:4, revision 3:0. */
		if (ci->implementer < 0) {
			ci->implementer = (int)((midr >> 24) & 0xFF);
			ci->variant = (int)((midr >> 20) & 0xF);
			ci->part = (int)((midr >> 4) & 0xFFF);
			ci->revision = (int)(midr & 0xF);
		}
	}
	if (ci->implementer < 0)
		return;
	ci->ok = true;
	name_arm(ci);
}

int ipcb_cpuinfo_identify(const char *root, const struct ipcb_topo *t, struct ipcb_cpu_ident *ci)
{
	char path[1024], block[IPCB_CPUINFO_BLOCK_MAX];
	int cpu = first_online(t), rc;

	ipcb_cpu_ident_clear(ci, IPCB_CPU_FROM_PROC);
	caches_of(t, cpu, ci);
	ipcb_sysfs_join(path, sizeof path, root, "proc/cpuinfo");
	rc = ipcb_cpuinfo_block(path, block, sizeof block);
	if (rc != 0 && rc != -ENODATA) {
		snprintf(ci->error, sizeof ci->error, "/proc/cpuinfo: %s", strerror(-rc));
		return rc;
	}
	ipcb_cpuinfo_get(block, "model name", ci->kernel_model, sizeof ci->kernel_model);
	if (ipcb_cpuinfo_get(block, "vendor_id", ci->vendor, sizeof ci->vendor))
		from_x86(block, ci);
	else
		from_arm(root, cpu, block, ci);
	if (ci->ok)
		return 0;
	snprintf(ci->error, sizeof ci->error,
		 "/proc/cpuinfo has neither vendor_id (x86) nor CPU implementer (arm64), "
		 "and sysfs no MIDR_EL1");
	return -ENODATA;
}
