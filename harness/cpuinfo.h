/* The CPU's identity, and the kernel's description of it (/proc/cpuinfo
 * and sysfs), which stands in where libcpuid is absent or fails. */
#ifndef IPCB_CPUINFO_H
#define IPCB_CPUINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/topo.h"

/* Where an identity came from: struct ipcb_cpu_ident's source. */
#define IPCB_CPU_FROM_LIBCPUID "libcpuid"
#define IPCB_CPU_FROM_PROC "/proc/cpuinfo"

struct ipcb_cpu_ident {
	bool ok;                     /* the source identified the CPU */
	char source[16];             /* IPCB_CPU_FROM_LIBCPUID or IPCB_CPU_FROM_PROC */
	char error[128];             /* why not, when !ok */
	char library[32];            /* "libcpuid 0.6.2"; "" when built without it */
	char library_error[192];     /* why libcpuid failed when /proc/cpuinfo stood in, or "" */
	char vendor[32];             /* CPUID's vendor string, or an arm64 implementer's name
				      * ("ARM", "Ampere"), else its code ("0x70") */
	char brand[96];              /* CPUID's brand string, or the kernel's model name, or
				      * an arm64 part's name ("Neoverse-N1"); "" when unknown */
	char codename[64];           /* libcpuid's guess; "" when it does not know the family */
	char codename_libcpuid[64];  /* libcpuid's guess as it came */
	int family, model, stepping; /* extended family/model, as the kernel shows;
				      * -1 when unknown (arm64) */
	int cores, logical_cpus;     /* per package, as CPUID reports them (a
				      * hypervisor's CPUID may not match the guest);
				      * -1 when unknown */
	int l1d_kib, l1i_kib, l2_kib, l3_kib, line_bytes; /* -1 = unknown */
	int caches_cpu;        /* the CPU whose sysfs caches stood in, or -1 (CPUID's) */
	bool hypervisor;       /* CPUID's hypervisor bit (x86 "flags": hypervisor) */
	bool hypervisor_known; /* false where the source has no such bit (arm64) */
	/* arm64: the MIDR_EL1 fields, -1 when not given */
	int implementer, variant, part, revision;
	char midr[24];         /* MIDR_EL1 from sysfs, "0x00000000413fd0c1", or "" */
	char kernel_model[96]; /* "model name" in /proc/cpuinfo, as lscpu shows it */
};

/* Reset ci to "nothing known": numbers -1, strings "", source as given. */
void ipcb_cpu_ident_clear(struct ipcb_cpu_ident *ci, const char *source);

/* Room for the first processor's block of /proc/cpuinfo. */
#define IPCB_CPUINFO_BLOCK_MAX 16384

/* Read the first processor's block of the /proc/cpuinfo-like file at path
 * (its lines up to the first blank line) into block. 0 or -errno (-ENODATA
 * when the file is empty). */
int ipcb_cpuinfo_block(const char *path, char *block, size_t len);

/* The value of key in a block: the first line whose text before the colon
 * is key (blanks around it ignored), into out. Whether key was there (out
 * is "" when not). */
bool ipcb_cpuinfo_get(const char *block, const char *key, char *out, size_t len);

/* Whether the "flags" line (x86) of the cpuinfo file at path lists flag;
 * false when it cannot be read. */
bool ipcb_cpuinfo_flag(const char *path, const char *flag);

/* Describe the CPU from root's proc/cpuinfo ("/" for this machine):
 * x86's vendor_id, model name, cpu family, model, stepping, cpu cores,
 * siblings and hypervisor flag, or arm64's CPU implementer, variant, part
 * and revision (from sysfs' MIDR_EL1 when cpuinfo lacks them); the caches
 * and line size of the lowest online CPU of t (read from the same root).
 * Fills every field of ci but library and library_error. 0 when the CPU
 * was identified, else -errno with the reason in ci->error. */
int ipcb_cpuinfo_identify(const char *root, const struct ipcb_topo *t, struct ipcb_cpu_ident *ci);

#endif
