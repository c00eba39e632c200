/* ipcbench cleanup: remove what runs killed with SIGKILL left behind. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "harness/reg.h"

const char ipcb_cli_cleanup_usage[] =
	"Usage: ipcbench cleanup [--dry-run]\n"
	"Remove the IPC objects that ipcbench runs killed with SIGKILL (or lost\n"
	"with the machine) left behind: the System V message queues, shared memory\n"
	"segments and semaphore sets, the POSIX message queues and the private\n"
	"directories elsewhere (-o dir) listed in their registries, POSIX names\n"
	"with ipcbench's prefix in /dev/mqueue and /dev/shm, and their private\n"
	"directories (FIFOs, sockets, mapped files) in $TMPDIR (default /tmp),\n"
	"and veth links with ipcbench's prefix (-o netns=veth) in this network\n"
	"namespace. Only objects of this user whose creating ipcbench process no\n"
	"longer exists are touched; a running ipcbench and anything that is not\n"
	"ipcbench's are left alone. Each line names the kind: sysv-msg, sysv-shm,\n"
	"sysv-sem, mqueue, shm, directory, registry, veth.\n\n"
	"  -n, --dry-run   list what would be removed, remove nothing\n"
	"  -h, --help      show this help\n\n"
	"Exit status: 0 nothing left or all removed, 1 something could not be removed,\n"
	"2 usage error.\n";

struct tally {
	bool dry_run;
	int failed;
};

static void report(void *arg, const struct ipcb_leftover *o)
{
	struct tally *t = arg;

	if (o->error != 0) {
		t->failed++;
		printf("could not remove %s %s (left by ipcbench process %ld): %s\n", o->what,
		       o->name, o->pid, strerror(o->error));
	} else {
		printf("%s %s %s (left by ipcbench process %ld)\n",
		       t->dry_run ? "would remove" : "removed", o->what, o->name, o->pid);
	}
}

int ipcb_cli_cmd_cleanup(int argc, char **argv)
{
	struct tally t = { false, 0 };
	int c, n;

	c = ipcb_cli_parse_one_flag(argc, argv, "dry-run", 'n', "cleanup", ipcb_cli_cleanup_usage,
				    &t.dry_run);
	if (c != IPCB_CLI_GO_ON)
		return c;
	n = ipcb_reg_cleanup(NULL, t.dry_run, report, &t);
	if (n < 0)
		return ipcb_cli_error(EXIT_FAILED,
				      "cleanup: cannot read the temporary directory: %s",
				      strerror(-n));
	if (n == 0)
		printf("nothing left behind by ipcbench\n");
	else
		printf("%d object%s %s\n", n, n == 1 ? "" : "s",
		       t.dry_run  ? "would be removed (--dry-run)"
		       : t.failed ? "found"
				  : "removed");
	return t.failed ? EXIT_FAILED : 0;
}
