/* The table of every mechanism ipcbench knows. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mechanisms/mech.h"

extern const struct ipcb_mech ipcb_mech_cacheline;
extern const struct ipcb_mech ipcb_mech_null;
extern const struct ipcb_mech ipcb_mech_pipe;
extern const struct ipcb_mech ipcb_mech_fifo;
extern const struct ipcb_mech ipcb_mech_uds_stream;
extern const struct ipcb_mech ipcb_mech_uds_dgram;
extern const struct ipcb_mech ipcb_mech_uds_seqpacket;
extern const struct ipcb_mech ipcb_mech_socketpair;
extern const struct ipcb_mech ipcb_mech_tcp;
extern const struct ipcb_mech ipcb_mech_udp;
extern const struct ipcb_mech ipcb_mech_mqueue;
extern const struct ipcb_mech ipcb_mech_sysv_msg;
extern const struct ipcb_mech ipcb_mech_shm;
extern const struct ipcb_mech ipcb_mech_shm_futex;
extern const struct ipcb_mech ipcb_mech_signal;
extern const struct ipcb_mech ipcb_mech_fd_pass;
extern const struct ipcb_mech ipcb_mech_rpc;
extern const struct ipcb_mech ipcb_mech_file;

/* One a line, so that adding a mechanism touches one line. */
/* clang-format off */
const struct ipcb_mech *const ipcb_mechs[] = {
	&ipcb_mech_cacheline,
	&ipcb_mech_null,
	&ipcb_mech_pipe,
	&ipcb_mech_fifo,
	&ipcb_mech_uds_stream,
	&ipcb_mech_uds_dgram,
	&ipcb_mech_uds_seqpacket,
	&ipcb_mech_socketpair,
	&ipcb_mech_tcp,
	&ipcb_mech_udp,
	&ipcb_mech_mqueue,
	&ipcb_mech_sysv_msg,
	&ipcb_mech_shm,
	&ipcb_mech_signal,
	&ipcb_mech_fd_pass,
	&ipcb_mech_rpc,
	&ipcb_mech_file,
	&ipcb_mech_shm_futex,
};
/* clang-format on */

const size_t ipcb_mech_count = sizeof ipcb_mechs / sizeof ipcb_mechs[0];

const struct ipcb_mech *ipcb_mech_find(const char *name)
{
	for (size_t i = 0; i < ipcb_mech_count; i++)
		if (strcmp(ipcb_mechs[i]->name, name) == 0)
			return ipcb_mechs[i];
	return NULL;
}

int ipcb_mech_unbuilt(struct ipcb_err *err, const char *missing, const char *why)
{
	ipcb_err_set(err, 0, "built without %s: %s", missing, why);
	ipcb_err_hint(err, "rebuild ipcbench with a C library that has it; "
			   "configure lists what it leaves out");
	return -ENOSYS;
}

void ipcb_limits_add(struct ipcb_limits *lim, const char *name, int64_t value, const char *source)
{
	struct ipcb_limit *l;

	if (lim->n >= IPCB_LIMITS_MAX)
		return;
	l = &lim->v[lim->n++];
	strncpy(l->name, name, sizeof l->name - 1);
	l->name[sizeof l->name - 1] = '\0';
	l->value = value;
	strncpy(l->source, source, sizeof l->source - 1);
	l->source[sizeof l->source - 1] = '\0';
}

/* The next free note named name, or NULL when the notes are full. */
static struct ipcb_note *note_add(struct ipcb_notes *nt, const char *name)
{
	struct ipcb_note *n;

	if (nt->n >= IPCB_NOTES_MAX)
		return NULL;
	n = &nt->v[nt->n++];
	memset(n, 0, sizeof *n);
	strncpy(n->name, name, sizeof n->name - 1);
	return n;
}

void ipcb_notes_count(struct ipcb_notes *nt, const char *name, int64_t value)
{
	struct ipcb_note *n = note_add(nt, name);

	if (n != NULL)
		n->value = value;
}

void ipcb_notes_word(struct ipcb_notes *nt, const char *name, const char *text)
{
	struct ipcb_note *n = note_add(nt, name);

	if (n != NULL)
		strncpy(n->text, text, sizeof n->text - 1);
}
