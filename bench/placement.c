/* ipcbench run's CPU pairs: --cpus, --placement and --pairs against the
 * machine's topology, and the noise on the pairs chosen. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/run.h"
#include "bench/session.h"
#include "harness/noise.h"
#include "harness/pin.h"
#include "harness/topo.h"

/* Further pairs of the same class on CPUs no pair uses yet; with
 * --share-cpus, the pairs found are used again in turn. */
static int add_pairs(const struct ipcb_cli_run_opts *o, const struct ipcb_topo *t,
		     const cpu_set_t *allowed, struct ipcb_cli_placement *pl)
{
	enum ipcb_class cls = ipcb_topo_pair_class(t, pl->cpu[0], pl->cpu[1]);
	cpu_set_t free_cpus = *allowed;
	unsigned found = 1;

	pl->pair_cpus[0][0] = pl->cpu[0];
	pl->pair_cpus[0][1] = pl->cpu[1];
	CPU_CLR(pl->cpu[0], &free_cpus);
	CPU_CLR(pl->cpu[1], &free_cpus);
	while (found < o->pairs && ipcb_topo_pick(t, &free_cpus, cls, pl->pair_cpus[found]) == 0) {
		CPU_CLR(pl->pair_cpus[found][0], &free_cpus);
		CPU_CLR(pl->pair_cpus[found][1], &free_cpus);
		found++;
	}
	pl->pairs = (unsigned)o->pairs;
	pl->shared = found < o->pairs;
	if (pl->shared && !o->share_cpus)
		return ipcb_cli_usage_error("--pairs %llu: the allowed CPUs hold only %u distinct "
					    "%s pair%s (add --share-cpus to let pairs share CPUs)",
					    (unsigned long long)o->pairs, found,
					    ipcb_class_name(cls), found == 1 ? "" : "s");
	for (unsigned k = found; k < pl->pairs; k++) {
		pl->pair_cpus[k][0] = pl->pair_cpus[k % found][0];
		pl->pair_cpus[k][1] = pl->pair_cpus[k % found][1];
	}
	return 0;
}

/* The CPU pairs to run on: --cpus, one --placement class, every class
 * (all), or auto. A class this machine cannot offer is exit 77. */
/* One pair from --cpus, of whatever class they form. */
static size_t pick_cpus(const struct ipcb_cli_run_opts *o, const struct ipcb_topo *t,
			struct ipcb_cli_placement *pl)
{
	memset(pl, 0, sizeof *pl);
	pl->cpu[0] = o->cpu[0];
	pl->cpu[1] = o->cpu[1];
	pl->requested = "cpus";
	pl->class_name = ipcb_class_name(ipcb_topo_pair_class(t, o->cpu[0], o->cpu[1]));
	if (o->placement != NULL)
		ipcb_cli_msg("note: --cpus %d,%d overrides --placement %s "
			     "(CPUs %d,%d are a %s pair)",
			     o->cpu[0], o->cpu[1], o->placement, o->cpu[0], o->cpu[1],
			     pl->class_name);
	return 1;
}

/* One pair of each class the allowed CPUs offer (--placement all). */
static size_t pick_all(const struct ipcb_topo *t, const cpu_set_t *allowed,
		       struct ipcb_cli_placement *pl)
{
	unsigned offered = ipcb_topo_classes(t, allowed);
	size_t n = 0;

	for (int c = 0; c < IPCB_CLASS_N; c++) {
		if (!(offered & (1u << c)) ||
		    ipcb_topo_pick(t, allowed, (enum ipcb_class)c, pl[n].cpu) != 0)
			continue;
		pl[n].requested = ipcb_class_name((enum ipcb_class)c);
		pl[n].class_name = pl[n].requested;
		n++;
	}
	return n;
}

/* The pairs --cpus or --placement ask for (auto by default); how many, 0
 * when the allowed CPUs cannot offer them. */
static size_t pick(const struct ipcb_cli_run_opts *o, const struct ipcb_topo *t,
		   const cpu_set_t *allowed, struct ipcb_cli_placement *pl)
{
	enum ipcb_class c;
	int cls;

	if (o->cpus_given)
		return pick_cpus(o, t, pl);
	if (o->placement == NULL || strcmp(o->placement, "auto") == 0) {
		if (ipcb_topo_auto(t, allowed, pl[0].cpu, &c) != 0)
			return 0;
		pl[0].requested = "auto";
		pl[0].class_name = ipcb_class_name(c);
		return 1;
	}
	if (strcmp(o->placement, "all") == 0)
		return pick_all(t, allowed, pl);
	cls = ipcb_class_parse(o->placement);
	if (cls < 0 || ipcb_topo_pick(t, allowed, (enum ipcb_class)cls, pl[0].cpu) != 0)
		return 0;
	pl[0].requested = pl[0].class_name = ipcb_class_name((enum ipcb_class)cls);
	return 1;
}

/* What the allowed CPUs offer instead of the placement asked for. */
static int unavailable(const struct ipcb_cli_run_opts *o, const struct ipcb_topo *t,
		       const cpu_set_t *allowed)
{
	char have[256], list[256];

	ipcb_class_list(ipcb_topo_classes(t, allowed), have, sizeof have);
	ipcb_cpulist_format(allowed, list, sizeof list);
	return ipcb_cli_error(EXIT_UNSUPPORTED,
			      "--placement %s: this machine cannot offer it; its allowed CPUs (%s) "
			      "offer %s",
			      o->placement ? o->placement : "auto", list, have);
}

int ipcb_cli_placements_resolve(const struct ipcb_cli_run_opts *o, struct ipcb_cli_placement *pl,
				size_t *n)
{
	struct ipcb_topo t;
	cpu_set_t allowed;
	int rc = 0;

	*n = 0;
	if (ipcb_topo_read("/", &t) != 0)
		return ipcb_cli_error(EXIT_FAILED,
				      "cannot read the CPU topology (/sys/devices/system/cpu)");
	ipcb_cpus_allowed(&allowed);
	*n = pick(o, &t, &allowed, pl);
	if (*n == 0)
		rc = unavailable(o, &t, &allowed);
	for (size_t k = 0; k < *n && rc == 0; k++)
		rc = add_pairs(o, &t, &allowed, &pl[k]);
	ipcb_topo_free(&t);
	if (rc == 0 && pl[0].cpu[0] == pl[0].cpu[1] && !o->cpus_given && o->placement == NULL)
		ipcb_cli_msg("only CPU %d is available: both sides run on it (same-cpu placement)",
			     pl[0].cpu[0]);
	return rc;
}

/* Noise warnings on stderr (once each, over every CPU pair of the run);
 * with --strict they stop the run (exit 2). */
int ipcb_cli_placements_noise(const struct ipcb_cli_run_opts *o,
			      const struct ipcb_cli_placement *pl, size_t n,
			      struct ipcb_cli_session *s)
{
	static int pairs[IPCB_CLASS_N * IPCB_PAIRS_MAX][2];
	struct ipcb_warning shared = { "shared-cpus", "" };
	size_t m = 0;

	/* every distinct pair of every placement: --pairs runs on all of them */
	for (size_t k = 0; k < n; k++) {
		for (unsigned j = 0; j < (pl[k].pairs < 2 ? 1 : pl[k].pairs); j++) {
			const int *c = pl[k].pairs < 2 ? pl[k].cpu : pl[k].pair_cpus[j];
			size_t i = 0;

			while (i < m && !(pairs[i][0] == c[0] && pairs[i][1] == c[1]))
				i++;
			if (i == m)
				pairs[m][0] = c[0], pairs[m][1] = c[1], m++;
		}
	}
	snprintf(shared.msg, sizeof shared.msg,
		 "--share-cpus: %u pairs share CPUs, so they compete for them as well as for the "
		 "kernel",
		 pl[0].pairs);
	ipcb_cli_session_noise(s, (const int(*)[2])pairs, m, pl[0].shared ? &shared : NULL);
	if (o->strict && s->warnings.n > 0)
		return ipcb_cli_usage_error("--strict: refusing to run with %d noise warning%s "
					    "(above)",
					    s->warnings.n, s->warnings.n == 1 ? "" : "s");
	return 0;
}
