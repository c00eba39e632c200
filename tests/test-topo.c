/* The topology reader and placement classes against fixture sysfs trees
 * (tests/fixtures/topology, written by generate.py there) and this
 * machine. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "harness/topo.h"
#include "tests/tap.h"

static struct ipcb_topo t;
static cpu_set_t all;

static void load(const char *name)
{
	char root[4096];
	const char *top = getenv("top_srcdir");

	snprintf(root, sizeof root, "%s/tests/fixtures/topology/%s", top ? top : ".", name);
	ipcb_topo_free(&t);
	ok(ipcb_topo_read(root, &t) == 0, "%s: topology read", name);
}

static void classes(const char *name, const char *want)
{
	char got[256];

	ipcb_class_list(ipcb_topo_classes(&t, &all), got, sizeof got);
	is_str(got, want, "%s: classes offered", name);
}

static void pick(const char *name, const char *cls, int a, int b)
{
	int pair[2];
	int rc = ipcb_topo_pick(&t, &all, (enum ipcb_class)ipcb_class_parse(cls), pair);

	if (a < 0)
		ok(rc == -ENOENT, "%s: no %s pair", name, cls);
	else
		ok(rc == 0 && pair[0] == a && pair[1] == b, "%s: %s picks %d,%d (got %d,%d)", name,
		   cls, a, b, pair[0], pair[1]);
}

static void autopick(const char *name, const char *cls, int a, int b)
{
	int pair[2] = { -1, -1 };
	enum ipcb_class c = IPCB_CLASS_SAME_CPU;
	/* Before ok(): its arguments are evaluated in no set order. */
	int rc = ipcb_topo_auto(&t, &all, pair, &c);

	ok(rc == 0 && strcmp(ipcb_class_name(c), cls) == 0 && pair[0] == a && pair[1] == b,
	   "%s: auto is %s %d,%d (got %s %d,%d)", name, cls, a, b, ipcb_class_name(c), pair[0],
	   pair[1]);
}

/* Packages, cores and logical CPUs per package, threads per core. */
static void counts(const char *name, int packages, int cores, int logical, int threads)
{
	struct ipcb_topo_counts k;

	ipcb_topo_count(&t, &k);
	ok(k.packages == packages && k.cores_per_package == cores &&
		   k.logical_per_package == logical && k.threads_per_core == threads,
	   "%s: %d package(s), %d cores and %d CPUs per package, %d thread(s) per core (got %d, "
	   "%d, %d, %d)",
	   name, packages, cores, logical, threads, k.packages, k.cores_per_package,
	   k.logical_per_package, k.threads_per_core);
}

int main(void)
{
	tap_init();
	CPU_ZERO(&all);
	for (int i = 0; i < 64; i++)
		CPU_SET(i, &all);

	load("server");
	is_u64((uint64_t)t.n, 16, "server: 16 CPUs");
	ok(t.cpu[5].package == 1 && t.cpu[5].core == 1 && t.cpu[5].node == 1 &&
		   t.cpu[5].cluster == -1,
	   "server: cpu5 is package 1, core 1, node 1, no cluster");
	ok(CPU_COUNT(&t.cpu[3].smt) == 2 && CPU_ISSET(11, &t.cpu[3].smt),
	   "server: cpu3's sibling is 11");
	ok(t.cpu[3].l3_known && CPU_COUNT(&t.cpu[3].l3) == 8 && t.cpu[3].l3_kib == 32768,
	   "server: cpu3 shares a 32 MiB L3 with 8 CPUs");
	classes("server", "same-cpu, smt, same-l3, cross-numa");
	counts("server", 2, 4, 8, 2);
	pick("server", "same-cpu", 0, 0);
	pick("server", "smt", 0, 8);
	pick("server", "same-l3", 0, 1);
	pick("server", "cross-numa", 0, 4);
	pick("server", "same-l2", -1, -1);
	pick("server", "cross-l3", -1, -1);
	pick("server", "same-node", -1, -1);
	autopick("server", "same-l3", 0, 1);
	ok(ipcb_topo_pair_class(&t, 9, 10) == IPCB_CLASS_SAME_L3 &&
		   ipcb_topo_pair_class(&t, 8, 12) == IPCB_CLASS_CROSS_NUMA &&
		   ipcb_topo_pair_class(&t, 13, 5) == IPCB_CLASS_SMT,
	   "server: 9,10 same-l3; 8,12 cross-numa; 13,5 smt");

	load("laptop");
	ok(strcmp(t.cpu[0].type, "performance") == 0 && strcmp(t.cpu[5].type, "efficiency") == 0,
	   "laptop: core types from cpu_core and cpu_atom");
	classes("laptop", "same-cpu, smt, same-l2, same-l3");
	pick("laptop", "smt", 0, 1);
	pick("laptop", "same-l2", 4, 5);
	pick("laptop", "same-l3", 0, 2);
	autopick("laptop", "same-l3", 0, 2);
	{
		cpu_set_t e;
		int pair[2];
		enum ipcb_class c;

		CPU_ZERO(&e);
		for (int i = 4; i < 8; i++)
			CPU_SET(i, &e);
		ok(ipcb_topo_auto(&t, &e, pair, &c) == 0 && c == IPCB_CLASS_SAME_L2 &&
			   pair[0] == 4 && pair[1] == 5,
		   "laptop, efficiency cores only: auto is same-l2 4,5");
	}

	load("vm1");
	classes("vm1", "same-cpu");
	counts("vm1", 1, 1, 1, 1);
	pick("vm1", "smt", -1, -1);
	autopick("vm1", "same-cpu", 0, 0);

	load("cross-l3");
	classes("cross-l3", "same-cpu, smt, same-l3, cross-l3");
	pick("cross-l3", "smt", 0, 8);
	pick("cross-l3", "same-l3", 0, 1);
	pick("cross-l3", "cross-l3", 0, 4);
	pick("cross-l3", "same-l2", -1, -1);
	pick("cross-l3", "same-node", -1, -1);
	pick("cross-l3", "cross-numa", -1, -1);
	autopick("cross-l3", "same-l3", 0, 1);
	ok(ipcb_topo_pair_class(&t, 3, 12) == IPCB_CLASS_CROSS_L3 &&
		   ipcb_topo_pair_class(&t, 12, 13) == IPCB_CLASS_SAME_L3,
	   "cross-l3: 3,12 on two CCDs; 12,13 on one");
	counts("cross-l3", 1, 8, 16, 2);

	load("vm2");
	classes("vm2", "same-cpu, same-node");
	pick("vm2", "same-cpu", 0, 0);
	pick("vm2", "same-node", 0, 1);
	pick("vm2", "smt", -1, -1);
	pick("vm2", "same-l3", -1, -1);
	pick("vm2", "cross-l3", -1, -1);
	autopick("vm2", "same-node", 0, 1);
	ok(!t.cpu[0].l2_known && !t.cpu[1].l3_known && t.cpu[1].capacity == 1024 &&
		   t.cpu[1].type[0] == '\0',
	   "vm2: no cache information; equal capacities give no core type");
	counts("vm2", 1, 2, 2, 1);

	load("arm");
	ok(t.cpu[0].capacity == 446 && t.cpu[5].capacity == 1024, "arm: cpu_capacity read");
	ok(strcmp(t.cpu[0].type, "efficiency") == 0 && strcmp(t.cpu[4].type, "performance") == 0,
	   "arm: core types from cpu_capacity");
	classes("arm", "same-cpu, same-l2, same-l3");
	autopick("arm", "same-l3", 4, 5);

	load("offline");
	ok(!t.cpu[2].online && t.cpu[2].package == -1 && t.cpu[3].online,
	   "offline: cpu2 offline without topology, cpu3 online");
	classes("offline", "same-cpu, same-l3");
	pick("offline", "same-l3", 0, 1);
	{
		cpu_set_t two;
		int pair[2];
		enum ipcb_class c;

		CPU_ZERO(&two);
		CPU_SET(2, &two);
		CPU_SET(3, &two);
		ok(ipcb_topo_pick(&t, &two, IPCB_CLASS_SAME_L3, pair) == -ENOENT,
		   "offline: with cpus 2,3 usable, the offline cpu2 is never picked");
		ok(ipcb_topo_auto(&t, &two, pair, &c) == 0 && c == IPCB_CLASS_SAME_CPU &&
			   pair[0] == 3,
		   "offline: auto falls back to same-cpu on cpu3");
	}

	ipcb_topo_free(&t);
	ok(ipcb_topo_read("/nonexistent-ipcbench-root", &t) == -ENOENT,
	   "a root without a cpu directory: -ENOENT");
	ok(ipcb_topo_read("/", &t) == 0 && t.n >= 1 && (ipcb_topo_classes(&t, &all) & 1),
	   "this machine: read, and same-cpu is offered");
	ipcb_topo_free(&t);
	ok(ipcb_class_parse("cross-l3") == IPCB_CLASS_CROSS_L3 && ipcb_class_parse("auto") == -1,
	   "class names parse");
	return tap_done();
}
