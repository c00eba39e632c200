/* null: moves nothing. Its round trip is the harness's own floor: two clock
 * readings and the loop around two calls that return at once. */
#include "config.h"

#include "mechanisms/mech.h"

static int null_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	(void)cfg;
	(void)err;
	*state = NULL;
	return 0;
}

static int null_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	(void)state;
	(void)self;
	(void)err;
	return 0;
}

static int null_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	(void)state;
	(void)buf;
	(void)len;
	(void)err;
	return 0;
}

static int null_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	(void)state;
	(void)buf;
	(void)len;
	(void)err;
	return 0;
}

static void null_teardown(void *state)
{
	(void)state;
}

const struct ipcb_mech ipcb_mech_null = {
	.name = "null",
	.summary = "moves nothing: the harness's own floor (loop and clock)",
	.flags = IPCB_MECH_NO_DATA | IPCB_MECH_BOUNDARIES | IPCB_MECH_REFERENCE,
	.setup = null_setup,
	.attach = null_attach,
	.send = null_send,
	.recv = null_recv,
	.teardown = null_teardown,
};
