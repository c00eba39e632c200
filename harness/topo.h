/* CPU topology from /sys/devices/system/cpu (under a root directory, so
 * that fixture trees can stand in for it), the placement class of a CPU
 * pair, and picking a pair of a class. */
#ifndef IPCB_TOPO_H
#define IPCB_TOPO_H

#include <sched.h>
#include <stdbool.h>

/* How two CPUs relate, from closest to farthest. same-node: distinct cores
 * of one NUMA node whose cache sharing the kernel does not say (common in
 * virtual machines): neither same-l3 nor cross-l3 can be claimed. */
enum ipcb_class {
	IPCB_CLASS_SAME_CPU = 0,
	IPCB_CLASS_SMT,
	IPCB_CLASS_SAME_L2,
	IPCB_CLASS_SAME_L3,
	IPCB_CLASS_SAME_NODE,
	IPCB_CLASS_CROSS_L3,
	IPCB_CLASS_CROSS_NUMA,
	IPCB_CLASS_N
};

const char *ipcb_class_name(enum ipcb_class c);

/* The class named s, or -1. */
int ipcb_class_parse(const char *s);

struct ipcb_cpu_topo {
	bool present, online;
	int package, die, core, cluster; /* -1 when unknown */
	int node;                        /* NUMA node, -1 when unknown */
	int capacity;                    /* cpu_capacity (1024 = the fastest), -1 when unknown */
	char type[16];                   /* "performance", "efficiency" or "": from
					  * cpu_core/cpu_atom, or the largest cpu_capacity */
	cpu_set_t smt;                   /* thread siblings, itself included */
	cpu_set_t l2, l3;                /* CPUs sharing its L2 / L3 */
	bool l2_known, l3_known;
	int l2_kib, l3_kib;   /* sizes, -1 when unknown */
	int l1d_kib, l1i_kib; /* sizes, -1 when unknown */
	int line_bytes;       /* coherency_line_size, -1 when unknown */
};

struct ipcb_topo {
	int n; /* entries in cpu[]: highest present CPU + 1 */
	struct ipcb_cpu_topo *cpu;
	cpu_set_t present, online;
};

/* Read the topology under root ("/" for this machine). 0, or -errno
 * (-ENOENT when there is no cpu directory at all). Free with
 * ipcb_topo_free. */
int ipcb_topo_read(const char *root, struct ipcb_topo *t);
void ipcb_topo_free(struct ipcb_topo *t);

/* How many packages, cores and logical CPUs the online CPUs form (cores:
 * distinct SMT sibling groups), as lscpu counts them. */
struct ipcb_topo_counts {
	int packages, cores, logical;
	int cores_per_package, logical_per_package; /* the largest package's */
	int threads_per_core;
};

void ipcb_topo_count(const struct ipcb_topo *t, struct ipcb_topo_counts *k);

/* The class of the pair (a, b). */
enum ipcb_class ipcb_topo_pair_class(const struct ipcb_topo *t, int a, int b);

/* Bit c set when some pair of usable CPUs has class c. */
unsigned ipcb_topo_classes(const struct ipcb_topo *t, const cpu_set_t *usable);

/* A pair of usable CPUs of class c: performance cores first (on hybrid
 * CPUs), then the lowest numbers. 0, or -ENOENT. */
int ipcb_topo_pick(const struct ipcb_topo *t, const cpu_set_t *usable, enum ipcb_class c,
		   int pair[2]);

/* The default placement: the closest class of two distinct cores
 * (same-l2, same-l3, same-node, cross-l3, cross-numa), then smt, then
 * same-cpu; on hybrid CPUs among performance cores first. 0, or -ENOENT
 * when no CPU is usable. */
int ipcb_topo_auto(const struct ipcb_topo *t, const cpu_set_t *usable, int pair[2],
		   enum ipcb_class *c);

/* "same-cpu, smt, same-l3" for a class mask. */
void ipcb_class_list(unsigned mask, char *buf, size_t len);

#endif
