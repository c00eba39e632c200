/* CPU topology from sysfs, placement classes and pair picking. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/pin.h"
#include "harness/sysfs.h"
#include "harness/topo.h"

static const char *const class_names[IPCB_CLASS_N] = {
	"same-cpu", "smt", "same-l2", "same-l3", "same-node", "cross-l3", "cross-numa",
};

const char *ipcb_class_name(enum ipcb_class c)
{
	return (unsigned)c < IPCB_CLASS_N ? class_names[c] : "unknown";
}

int ipcb_class_parse(const char *s)
{
	for (int i = 0; i < IPCB_CLASS_N; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

void ipcb_class_list(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < IPCB_CLASS_N; i++) {
		int n;

		if (!(mask & (1u << i)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", class_names[i]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static int read_under(const char *root, const char *rel, char *buf, size_t len)
{
	char path[1024];

	ipcb_sysfs_join(path, sizeof path, root, rel);
	return ipcb_sysfs_read_str(path, buf, len);
}

static int read_int(const char *root, const char *rel, int fallback)
{
	char buf[64];

	if (read_under(root, rel, buf, sizeof buf) != 0 || buf[0] == '\0')
		return fallback;
	return atoi(buf);
}

static int read_list(const char *root, const char *rel, cpu_set_t *set)
{
	char buf[4096];

	CPU_ZERO(set);
	if (read_under(root, rel, buf, sizeof buf) != 0)
		return -1;
	return ipcb_cpulist_parse(buf, set);
}

/* "48K" -> 48 */
static int size_kib(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s)
		return -1;
	if (*end == 'M')
		v *= 1024;
	return (int)v;
}

/* "sys/devices/system/cpu/cpuN/cache/indexI/file" */
static void cache_rel(char *rel, size_t len, int n, int idx, const char *file)
{
	snprintf(rel, len, "sys/devices/system/cpu/cpu%d/cache/index%d/%s", n, idx, file);
}

static void read_caches(const char *root, int n, struct ipcb_cpu_topo *c)
{
	for (int idx = 0; idx < 8; idx++) {
		char rel[160], type[32], size[32];
		int level;
		cpu_set_t shared;

		cache_rel(rel, sizeof rel, n, idx, "level");
		level = read_int(root, rel, -1);
		if (level < 0)
			break;
		cache_rel(rel, sizeof rel, n, idx, "type");
		if (read_under(root, rel, type, sizeof type) != 0)
			continue;
		cache_rel(rel, sizeof rel, n, idx, "size");
		if (read_under(root, rel, size, sizeof size) != 0)
			size[0] = '\0';
		if (c->line_bytes < 0) {
			cache_rel(rel, sizeof rel, n, idx, "coherency_line_size");
			c->line_bytes = read_int(root, rel, -1);
		}
		if (level == 1 && strcmp(type, "Instruction") == 0)
			c->l1i_kib = size_kib(size);
		else if (level == 1)
			c->l1d_kib = size_kib(size);
		if (level == 1 || strcmp(type, "Instruction") == 0)
			continue;
		cache_rel(rel, sizeof rel, n, idx, "shared_cpu_list");
		if (read_list(root, rel, &shared) != 0)
			continue;
		if (level == 2) {
			c->l2 = shared;
			c->l2_known = true;
			c->l2_kib = size_kib(size);
		} else if (level == 3) {
			c->l3 = shared;
			c->l3_known = true;
			c->l3_kib = size_kib(size);
		}
	}
}

/* The NUMA node: the "nodeN" entry of the CPU's directory. */
static int read_node(const char *root, int n)
{
	char path[1024], rel[64];
	DIR *d;
	struct dirent *e;
	int node = -1;

	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d", n);
	ipcb_sysfs_join(path, sizeof path, root, rel);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9')
			node = atoi(e->d_name + 4);
	closedir(d);
	return node;
}

static void read_cpu(const char *root, int n, struct ipcb_cpu_topo *c, const cpu_set_t *online)
{
	char rel[160];

	c->present = true;
	c->online = CPU_ISSET(n, online);
#define TOPO(field, file)                                                            \
	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/topology/" file, n); \
	c->field = read_int(root, rel, -1)
	TOPO(package, "physical_package_id");
	TOPO(die, "die_id");
	TOPO(core, "core_id");
	TOPO(cluster, "cluster_id");
#undef TOPO
	/* 65535 and -1 are what the kernel reports for "no cluster". */
	if (c->cluster == 65535)
		c->cluster = -1;
	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", n);
	if (read_list(root, rel, &c->smt) != 0 || !CPU_ISSET(n, &c->smt)) {
		CPU_ZERO(&c->smt);
		CPU_SET(n, &c->smt);
	}
	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpu_capacity", n);
	c->capacity = read_int(root, rel, -1);
	c->node = read_node(root, n);
	c->l2_kib = c->l3_kib = c->l1d_kib = c->l1i_kib = c->line_bytes = -1;
	read_caches(root, n, c);
}

/* Hybrid Intel CPUs list their core types under /sys/devices. */
static void read_core_types(const char *root, struct ipcb_topo *t)
{
	static const struct {
		const char *rel, *type;
	} kinds[] = {
		{ "sys/devices/cpu_core/cpus", "performance" },
		{ "sys/devices/cpu_atom/cpus", "efficiency" },
	};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		cpu_set_t set;

		if (read_list(root, kinds[k].rel, &set) != 0)
			continue;
		for (int i = 0; i < t->n; i++)
			if (CPU_ISSET(i, &set))
				snprintf(t->cpu[i].type, sizeof t->cpu[i].type, "%s",
					 kinds[k].type);
	}
}

/* Hybrid ARM CPUs say it through cpu_capacity: where no core types were
 * listed and capacities differ, the largest are performance cores. */
static void core_types_from_capacity(struct ipcb_topo *t)
{
	int lo = -1, hi = -1;

	for (int i = 0; i < t->n; i++) {
		const struct ipcb_cpu_topo *c = &t->cpu[i];

		if (c->type[0] != '\0')
			return;
		if (!c->present || c->capacity < 0)
			continue;
		if (lo < 0 || c->capacity < lo)
			lo = c->capacity;
		if (c->capacity > hi)
			hi = c->capacity;
	}
	if (lo == hi)
		return;
	for (int i = 0; i < t->n; i++)
		if (t->cpu[i].present && t->cpu[i].capacity >= 0)
			snprintf(t->cpu[i].type, sizeof t->cpu[i].type, "%s",
				 t->cpu[i].capacity == hi ? "performance" : "efficiency");
}

int ipcb_topo_read(const char *root, struct ipcb_topo *t)
{
	memset(t, 0, sizeof *t);
	if (read_list(root, "sys/devices/system/cpu/present", &t->present) != 0 &&
	    read_list(root, "sys/devices/system/cpu/possible", &t->present) != 0)
		return -ENOENT;
	if (read_list(root, "sys/devices/system/cpu/online", &t->online) != 0)
		t->online = t->present;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &t->present))
			t->n = i + 1;
	if (t->n == 0)
		return -ENOENT;
	t->cpu = calloc((size_t)t->n, sizeof *t->cpu);
	if (t->cpu == NULL)
		return -ENOMEM;
	for (int i = 0; i < t->n; i++)
		if (CPU_ISSET(i, &t->present))
			read_cpu(root, i, &t->cpu[i], &t->online);
	read_core_types(root, t);
	core_types_from_capacity(t);
	return 0;
}

void ipcb_topo_count(const struct ipcb_topo *t, struct ipcb_topo_counts *k)
{
	memset(k, 0, sizeof *k);
	for (int i = 0; i < t->n; i++) {
		const struct ipcb_cpu_topo *c = &t->cpu[i];
		int pkg_cpus = 0, pkg_cores = 0, first_in_pkg = 1;

		if (!c->online || c->package < 0)
			continue;
		/* Count each package once, at its lowest CPU; a core once, at
		 * its lowest sibling. */
		for (int j = 0; j < i; j++)
			if (t->cpu[j].online && t->cpu[j].package == c->package)
				first_in_pkg = 0;
		if (!first_in_pkg)
			continue;
		k->packages++;
		for (int j = i; j < t->n; j++) {
			const struct ipcb_cpu_topo *d = &t->cpu[j];
			int first_of_core = 1;

			if (!d->online || d->package != c->package)
				continue;
			pkg_cpus++;
			for (int s = 0; s < j; s++)
				if (CPU_ISSET(s, &d->smt) && t->cpu[s].online)
					first_of_core = 0;
			pkg_cores += first_of_core;
		}
		if (pkg_cores > k->cores_per_package)
			k->cores_per_package = pkg_cores;
		if (pkg_cpus > k->logical_per_package)
			k->logical_per_package = pkg_cpus;
		k->cores += pkg_cores;
		k->logical += pkg_cpus;
	}
	if (k->cores > 0)
		k->threads_per_core = (k->logical + k->cores - 1) / k->cores;
}

void ipcb_topo_free(struct ipcb_topo *t)
{
	free(t->cpu);
	t->cpu = NULL;
	t->n = 0;
}

enum ipcb_class ipcb_topo_pair_class(const struct ipcb_topo *t, int a, int b)
{
	const struct ipcb_cpu_topo *x, *y;

	if (a == b)
		return IPCB_CLASS_SAME_CPU;
	if (a < 0 || b < 0 || a >= t->n || b >= t->n)
		return IPCB_CLASS_SAME_NODE;
	x = &t->cpu[a];
	y = &t->cpu[b];
	if (CPU_ISSET(b, &x->smt))
		return IPCB_CLASS_SMT;
	if (x->node >= 0 && y->node >= 0 && x->node != y->node)
		return IPCB_CLASS_CROSS_NUMA;
	if (x->l2_known && y->l2_known && CPU_ISSET(b, &x->l2))
		return IPCB_CLASS_SAME_L2;
	if (x->l3_known && y->l3_known)
		return CPU_ISSET(b, &x->l3) ? IPCB_CLASS_SAME_L3 : IPCB_CLASS_CROSS_L3;
	return IPCB_CLASS_SAME_NODE;
}

static bool usable_cpu(const struct ipcb_topo *t, const cpu_set_t *usable, int c)
{
	return c < t->n && t->cpu[c].present && t->cpu[c].online && CPU_ISSET(c, usable);
}

/* Rank of a CPU for picking: efficiency cores of a hybrid CPU last. */
static int rank(const struct ipcb_topo *t, int c)
{
	if (strcmp(t->cpu[c].type, "efficiency") == 0)
		return 1;
	return 0;
}

int ipcb_topo_pick(const struct ipcb_topo *t, const cpu_set_t *usable, enum ipcb_class cls,
		   int pair[2])
{
	int best_rank = 3;

	pair[0] = pair[1] = -1;
	for (int a = 0; a < t->n; a++) {
		if (!usable_cpu(t, usable, a))
			continue;
		for (int b = cls == IPCB_CLASS_SAME_CPU ? a : a + 1; b < t->n; b++) {
			int r;

			if (!usable_cpu(t, usable, b) || ipcb_topo_pair_class(t, a, b) != cls)
				continue;
			r = rank(t, a) + rank(t, b);
			if (r < best_rank) {
				best_rank = r;
				pair[0] = a;
				pair[1] = b;
			}
		}
	}
	return pair[0] < 0 ? -ENOENT : 0;
}

unsigned ipcb_topo_classes(const struct ipcb_topo *t, const cpu_set_t *usable)
{
	unsigned mask = 0;

	for (int a = 0; a < t->n; a++) {
		if (!usable_cpu(t, usable, a))
			continue;
		for (int b = a; b < t->n; b++)
			if (usable_cpu(t, usable, b))
				mask |= 1u << ipcb_topo_pair_class(t, a, b);
	}
	return mask;
}

int ipcb_topo_auto(const struct ipcb_topo *t, const cpu_set_t *usable, int pair[2],
		   enum ipcb_class *c)
{
	static const enum ipcb_class order[] = {
		IPCB_CLASS_SAME_L2,  IPCB_CLASS_SAME_L3,    IPCB_CLASS_SAME_NODE,
		IPCB_CLASS_CROSS_L3, IPCB_CLASS_CROSS_NUMA, IPCB_CLASS_SMT,
		IPCB_CLASS_SAME_CPU,
	};

	cpu_set_t fast = *usable;

	/* On hybrid CPUs, a pair of performance cores if there is one. */
	for (int i = 0; i < t->n; i++)
		if (rank(t, i) > 0)
			CPU_CLR(i, &fast);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
			if (ipcb_topo_pick(t, pass ? usable : &fast, order[i], pair) == 0) {
				*c = order[i];
				return 0;
			}
		}
	}
	return -ENOENT;
}
