/* Side B in its own network namespace (-o netns=veth), joined to side A's
 * (the namespace ipcbench runs in) by a veth pair, the way two containers
 * on one host talk. For the socket mechanisms over IP (tcp, udp):
 *
 *   setup():    ipcb_netns_open(), then side B's sockets from
 *               ipcb_netns_socket() (a socket stays in the namespace it was
 *               made in), bound to ipcb_netns_addr(.., IPCB_SIDE_B, ..);
 *               side A's made as usual, bound to (or connecting from) A's
 *               address; ipcb_netns_check() on the connected sockets;
 *   limits():   the same, then ipcb_netns_limits();
 *   notes():    ipcb_netns_notes();
 *   teardown(): ipcb_netns_close().
 *
 * With netns=none every call does what the mechanism does without it:
 * ipcb_netns_open() makes nothing, ipcb_netns_socket() is socket(), the
 * addresses are the loopback ones. */
#ifndef IPCB_NETNS_H
#define IPCB_NETNS_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "mechanisms/mech.h"

extern const char *const ipcb_netns_names[];     /* "none", "veth" */
extern const char *const ipcb_netns_name_help[]; /* a phrase for each */

/* The option, for a mechanism's opts[]. */
#define IPCB_NETNS_OPT                                                                             \
	{                                                                                          \
		.name = "netns", .type = IPCB_OPT_CHOICE, .def = "none",                           \
		.choices = ipcb_netns_names, .choice_help = ipcb_netns_name_help,                  \
		.help = "side B in its own network namespace, joined by a veth pair (veth; needs " \
			"CAP_NET_ADMIN and CAP_SYS_ADMIN)"                                         \
	}

/* One pair's namespace and link. */
struct ipcb_netns {
	int orig_fd;         /* /proc/self/ns/net of side A (ipcbench's namespace) */
	int ns_fd;           /* side B's namespace */
	char link[IFNAMSIZ]; /* "ipcb-<pid>-<n>": A's end, and B's end in its namespace */
	int ifindex[2];      /* of A's end (in A's namespace) and B's end (in B's) */
	unsigned mtu;
	struct in_addr in[2]; /* A's and B's IPv4 address, in one /30 */
	struct in6_addr in6[2];
	int inet6_errno;                /* 0: A and B have their IPv6 addresses; else why not */
	char text[2][INET6_ADDRSTRLEN]; /* A's and B's IPv4 address as text */
};

/* Build what -o netns asks for (opts holds it) into *out (allocated; NULL
 * with netns=none). 0 or -errno with err filled (-EPERM with a hint
 * without the capabilities). */
int ipcb_netns_open(const struct ipcb_opt_set *opts, struct ipcb_netns **out, struct ipcb_err *err);

/* socket(domain, type | SOCK_CLOEXEC, 0) in side B's namespace (ns NULL:
 * here). The fd or -errno. */
int ipcb_netns_socket(const struct ipcb_netns *ns, int domain, int type, struct ipcb_err *err);

/* The address of a side (port 0) for family AF_INET or AF_INET6: its
 * veth address, or the loopback (ns NULL). 0, or -EAFNOSUPPORT with the
 * reason when the namespaces have no IPv6 here. */
int ipcb_netns_addr(const struct ipcb_netns *ns, enum ipcb_side side, int family,
		    struct sockaddr_storage *sa, socklen_t *len, struct ipcb_err *err);

/* That fd, a connected socket of side, has its side's veth address and the
 * other side's as its peer, so the traffic crosses the veth pair (nothing
 * with ns NULL). 0 or -EPROTO. */
int ipcb_netns_check(const struct ipcb_netns *ns, int fd, enum ipcb_side side,
		     struct ipcb_err *err);

/* Record the link's MTU and the addresses' prefix length as limits. */
void ipcb_netns_limits(const struct ipcb_netns *ns, struct ipcb_limits *lim);

/* A side's notes: "netns" ("ipcbench" for A, "own" for B) and
 * "veth_addr", its IPv4 address (nothing with ns NULL). */
void ipcb_netns_notes(const struct ipcb_netns *ns, enum ipcb_side side, struct ipcb_notes *out);

/* Delete the link (its peer goes with it) and close the namespaces' fds;
 * *ns becomes NULL. Idempotent. */
void ipcb_netns_close(struct ipcb_netns **ns);

#endif
