/* Side B in its own network namespace, joined by a veth pair. See netns.h.
 *
 * ipcb_netns_open(), in the parent: open /proc/self/ns/net (A's namespace),
 * unshare(CLONE_NEWNET), open /proc/self/ns/net again (B's) and a netlink
 * socket there, and setns() back at once; then create the veth pair from
 * A's namespace with B's end placed in B's (RTM_NEWLINK, VETH_INFO_PEER
 * with IFLA_NET_NS_FD), give both ends their addresses and set them (and
 * B's lo) up. Nothing else of ipcbench ever runs in B's namespace: only
 * the sockets ipcb_netns_socket() makes there.
 *
 * What holds B's namespace: the parent's ns_fd, the children's copies of
 * it and B's sockets. When the last goes (teardown, or a SIGKILL of
 * ipcbench, whose children die with it), the kernel destroys the
 * namespace, its end of the veth, and with it the end in A's namespace.
 * teardown deletes the link itself, which removes both ends at once; a
 * link whose namespace is still being destroyed when ipcbench dies is what
 * `ipcbench cleanup` finds by its name ("ipcb-<pid>-", harness/reg.c). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/rtnl.h"
#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/netns.h"

const char *const ipcb_netns_names[] = { "none", "veth", NULL };
const char *const ipcb_netns_name_help[] = {
	"both sides in ipcbench's network namespace, over loopback",
	"side B in a network namespace of its own, joined by a veth pair with link-local "
	"addresses",
	NULL,
};

/* The IPv4 addresses: one /30 of 169.254.0.0/16 per pair, picked by the
 * ifindex of A's end, which no other live link of A's namespace has; the
 * first and last /24 (reserved by RFC 3927) and 169.254.169.0/24 (cloud
 * metadata services) are left out: 253 * 64 subnets. Two live links get
 * the same subnet only if 16192 links were made while one of them lived;
 * an address of that subnet already in A's namespace fails the setup. */
#define PREFIX_LEN 30
#define SUBNETS (253 * 64)

/* How many names "ipcb-<pid>-<n>" to try when one is taken. */
#define NAME_TRIES 64

static const char ns_path[] = "/proc/self/ns/net";

static void subnet_of(int ifindex, struct in_addr in[2])
{
	unsigned k = (unsigned)ifindex % SUBNETS, third = 1 + k / 64;

	if (third >= 169)
		third++;
	for (int s = 0; s < 2; s++)
		in[s].s_addr = htonl((169u << 24) | (254u << 16) | (third << 8) |
				     ((k % 64) * 4 + 1 + (unsigned)s));
}

/* IPv6: 2001:db8::/32 (documentation), one /64 per ifindex. */
static void subnet6_of(int ifindex, struct in6_addr in6[2])
{
	for (int s = 0; s < 2; s++) {
		uint8_t *b = in6[s].s6_addr;

		memset(b, 0, 16);
		b[0] = 0x20, b[1] = 0x01, b[2] = 0x0d, b[3] = 0xb8;
		b[4] = (uint8_t)(ifindex >> 24), b[5] = (uint8_t)(ifindex >> 16);
		b[6] = (uint8_t)(ifindex >> 8), b[7] = (uint8_t)ifindex;
		b[15] = (uint8_t)(1 + s);
	}
}

/* Whether an IPv4 address of A's namespace lies in the subnet of in[0]. */
static int subnet_taken(const struct in_addr *in, char *who, size_t len)
{
	uint32_t mask = htonl(~0u << (32 - PREFIX_LEN));
	struct ifaddrs *list;
	int taken = 0;

	if (getifaddrs(&list) != 0)
		return 0;
	for (struct ifaddrs *i = list; i != NULL && !taken; i = i->ifa_next) {
		const struct sockaddr_in *a = (const void *)i->ifa_addr;

		if (a != NULL && a->sin_family == AF_INET &&
		    (a->sin_addr.s_addr & mask) == (in->s_addr & mask)) {
			snprintf(who, len, "%s", i->ifa_name);
			taken = 1;
		}
	}
	freeifaddrs(list);
	return taken;
}

/* setns() into the namespace of fd. */
static int enter(int fd, const char *which, struct ipcb_err *err)
{
	if (setns(fd, CLONE_NEWNET) != 0)
		return ipcb_err_set(err, errno, "setns(%s network namespace)", which);
	return 0;
}

/* Make B's namespace (ns->ns_fd) and a netlink socket in it (*rtnl_b),
 * leaving the caller in A's. */
static int make_namespace(struct ipcb_netns *ns, int *rtnl_b, struct ipcb_err *err)
{
	int rc;

	ns->orig_fd = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (ns->orig_fd < 0)
		return ipcb_err_set(err, errno, "open(%s)", ns_path);
	if (unshare(CLONE_NEWNET) != 0) {
		rc = ipcb_err_set(err, errno, "unshare(CLONE_NEWNET)");
		if (rc == -EPERM)
			ipcb_err_hint(err,
				      "a network namespace needs CAP_SYS_ADMIN and a veth pair "
				      "CAP_NET_ADMIN, which a container may withhold: run as "
				      "root");
		return rc;
	}
	ns->ns_fd = open(ns_path, O_RDONLY | O_CLOEXEC);
	rc = ns->ns_fd < 0 ? ipcb_err_set(err, errno, "open(%s) in the new namespace", ns_path)
			   : ipcb_rtnl_open(err);
	if (rc >= 0)
		*rtnl_b = rc;
	if (setns(ns->orig_fd, CLONE_NEWNET) != 0)
		return ipcb_err_set(err, errno, "setns(back to ipcbench's network namespace)");
	return rc < 0 ? rc : 0;
}

/* Create the veth pair under a free name "ipcb-<pid>-<n>". */
static int make_link(struct ipcb_netns *ns, int rtnl_a, struct ipcb_err *err)
{
	static unsigned next;
	char prefix[32];
	unsigned span = 1;
	int width, rc = -EEXIST;

	/* IFNAMSIZ - 1 characters: room for 2 to 4 digits after the pid */
	snprintf(prefix, sizeof prefix, "%s%ld-", IPCB_NAME_PREFIX, (long)getpid());
	width = IFNAMSIZ - 1 - (int)strlen(prefix);
	for (int i = 0; i < width && i < 4; i++)
		span *= 10;
	for (int t = 0; t < NAME_TRIES && rc == -EEXIST; t++) {
		char name[48];

		snprintf(name, sizeof name, "%s%u", prefix, next++ % span);
		if (strlen(name) >= sizeof ns->link)
			return ipcb_err_set(err, ENAMETOOLONG, "veth name %s", name);
		memcpy(ns->link, name, strlen(name) + 1);
		rc = ipcb_rtnl_veth_add(rtnl_a, ns->link, ns->link, ns->ns_fd, err);
	}
	if (rc != 0) {
		if (rc == -EPERM)
			ipcb_err_hint(err, "a veth pair needs CAP_NET_ADMIN, which a container may "
					   "withhold: run as root");
		ns->link[0] = '\0';
	}
	return rc;
}

/* Give a side's end its addresses and set it up; IPv6 is optional (a
 * kernel without it, or disable_ipv6), so its failure is only recorded. */
static int address_end(struct ipcb_netns *ns, int rtnl, enum ipcb_side s, struct ipcb_err *err)
{
	int rc;

	if ((rc = ipcb_rtnl_addr_add(rtnl, ns->ifindex[s], AF_INET, &ns->in[s], PREFIX_LEN, err)) !=
	    0)
		return rc;
	if (ns->inet6_errno == 0 &&
	    (rc = ipcb_rtnl_addr_add(rtnl, ns->ifindex[s], AF_INET6, &ns->in6[s], 64, NULL)) != 0)
		ns->inet6_errno = -rc;
	return ipcb_rtnl_link_up(rtnl, ns->ifindex[s], err);
}

static int build(struct ipcb_netns *ns, int rtnl[2], struct ipcb_err *err)
{
	struct ipcb_rtnl_link l;
	char who[IFNAMSIZ];
	int rc;

	if ((rc = make_namespace(ns, &rtnl[IPCB_SIDE_B], err)) != 0 ||
	    (rtnl[IPCB_SIDE_A] = rc = ipcb_rtnl_open(err)) < 0 ||
	    (rc = make_link(ns, rtnl[IPCB_SIDE_A], err)) != 0 ||
	    (rc = ipcb_rtnl_link_find(rtnl[IPCB_SIDE_A], ns->link, &l, err)) != 0)
		return rc;
	ns->ifindex[IPCB_SIDE_A] = l.ifindex;
	ns->mtu = l.mtu;
	subnet_of(l.ifindex, ns->in);
	subnet6_of(l.ifindex, ns->in6);
	for (int s = 0; s < 2; s++)
		inet_ntop(AF_INET, &ns->in[s], ns->text[s], sizeof ns->text[s]);
	if (subnet_taken(&ns->in[0], who, sizeof who))
		return ipcb_err_set(err, EADDRINUSE,
				    "the veth subnet %s/%d is in use here already (on %s)",
				    ns->text[0], PREFIX_LEN, who);
	if ((rc = ipcb_rtnl_link_find(rtnl[IPCB_SIDE_B], ns->link, &l, err)) != 0)
		return rc;
	ns->ifindex[IPCB_SIDE_B] = l.ifindex;
	if ((rc = address_end(ns, rtnl[IPCB_SIDE_A], IPCB_SIDE_A, err)) != 0 ||
	    (rc = address_end(ns, rtnl[IPCB_SIDE_B], IPCB_SIDE_B, err)) != 0)
		return rc;
	/* a namespace's loopback starts down, as in a fresh container */
	if ((rc = ipcb_rtnl_link_find(rtnl[IPCB_SIDE_B], "lo", &l, err)) != 0)
		return rc;
	return ipcb_rtnl_link_up(rtnl[IPCB_SIDE_B], l.ifindex, err);
}

int ipcb_netns_open(const struct ipcb_opt_set *opts, struct ipcb_netns **out, struct ipcb_err *err)
{
	struct ipcb_netns *ns;
	int rtnl[2] = { -1, -1 }, rc;

	*out = NULL;
	if (strcmp(ipcb_opt_text(opts, "netns"), "veth") != 0)
		return 0;
	ns = calloc(1, sizeof *ns);
	if (ns == NULL)
		return ipcb_err_set(err, ENOMEM, "netns state");
	ns->orig_fd = ns->ns_fd = -1;
	*out = ns;
	rc = build(ns, rtnl, err);
	ipcb_io_close(&rtnl[0]);
	ipcb_io_close(&rtnl[1]);
	return rc;
}

int ipcb_netns_socket(const struct ipcb_netns *ns, int domain, int type, struct ipcb_err *err)
{
	int fd, rc, e;

	if (ns == NULL) {
		fd = socket(domain, type | SOCK_CLOEXEC, 0);
		return fd >= 0 ? fd : ipcb_err_set(err, errno, "socket()");
	}
	if ((rc = enter(ns->ns_fd, "side B's", err)) != 0)
		return rc;
	fd = socket(domain, type | SOCK_CLOEXEC, 0);
	e = errno;
	if ((rc = enter(ns->orig_fd, "ipcbench's", err)) != 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd >= 0 ? fd : ipcb_err_set(err, e, "socket() in side B's network namespace");
}

int ipcb_netns_addr(const struct ipcb_netns *ns, enum ipcb_side side, int family,
		    struct sockaddr_storage *sa, socklen_t *len, struct ipcb_err *err)
{
	memset(sa, 0, sizeof *sa);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;

		if (ns != NULL && ns->inet6_errno != 0)
			return ipcb_err_set(err, EAFNOSUPPORT,
					    "the veth pair has no IPv6 address here (%s)",
					    strerror(ns->inet6_errno));
		a->sin6_family = AF_INET6;
		a->sin6_addr = ns != NULL ? ns->in6[side] : in6addr_loopback;
		*len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)sa;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = ns != NULL ? ns->in[side].s_addr : htonl(INADDR_LOOPBACK);
		*len = sizeof *a;
	}
	return 0;
}

/* Whether a (from getsockname or getpeername) is the address of side. */
static int is_addr_of(const struct ipcb_netns *ns, const struct sockaddr_storage *a,
		      enum ipcb_side side)
{
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &ns->in6[side], 16) ==
		       0;
	return a->ss_family == AF_INET &&
	       ((const struct sockaddr_in *)a)->sin_addr.s_addr == ns->in[side].s_addr;
}

int ipcb_netns_check(const struct ipcb_netns *ns, int fd, enum ipcb_side side, struct ipcb_err *err)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;

	if (ns == NULL)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
		return ipcb_err_set(err, errno, "getsockname/getpeername(side %c)", "AB"[side]);
	if (!is_addr_of(ns, &me, side) || !is_addr_of(ns, &peer, !side))
		return ipcb_err_set(err, EPROTO,
				    "side %c's socket does not join the veth addresses %s and %s",
				    "AB"[side], ns -> text[side], ns -> text[!side]);
	return 0;
}

/* Settings of side B's namespace that its sockets' buffers depend on and
 * that a namespace has its own copy of (taken from the machine's at its
 * creation, by the kernels that copy them; the defaults by older ones):
 * the last number of each file, read in B's namespace. */
static const struct {
	const char *name, *path;
} b_sysctls[] = {
	{ "netns_b_tcp_rmem_max_bytes", "/proc/sys/net/ipv4/tcp_rmem" },
	{ "netns_b_tcp_wmem_max_bytes", "/proc/sys/net/ipv4/tcp_wmem" },
};
#define B_SYSCTLS (sizeof b_sysctls / sizeof b_sysctls[0])

static void b_sysctl_limits(const struct ipcb_netns *ns, struct ipcb_limits *lim)
{
	int fd[B_SYSCTLS];
	char buf[128], source[96];

	/* a file of /proc/sys/net shows the namespace it was opened in */
	if (enter(ns->ns_fd, "side B's", NULL) != 0)
		return;
	for (size_t i = 0; i < B_SYSCTLS; i++)
		fd[i] = open(b_sysctls[i].path, O_RDONLY | O_CLOEXEC);
	if (enter(ns->orig_fd, "ipcbench's", NULL) != 0) {
		for (size_t i = 0; i < B_SYSCTLS; i++)
			ipcb_io_close(&fd[i]);
		return;
	}
	for (size_t i = 0; i < B_SYSCTLS; i++) {
		ssize_t n = fd[i] < 0 ? -1 : read(fd[i], buf, sizeof buf - 1);
		const char *last;

		ipcb_io_close(&fd[i]);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			buf[--n] = '\0';
		last = strrchr(buf, '\t') ? strrchr(buf, '\t') + 1 : buf;
		snprintf(source, sizeof source, "%s in side B's namespace", b_sysctls[i].path);
		ipcb_limits_add(lim, b_sysctls[i].name, strtoll(last, NULL, 10), source);
	}
}

void ipcb_netns_limits(const struct ipcb_netns *ns, struct ipcb_limits *lim)
{
	if (ns == NULL)
		return;
	ipcb_limits_add(lim, "veth_mtu_bytes", ns->mtu, "RTM_GETLINK of the veth pair");
	ipcb_limits_add(lim, "veth_ipv4_prefix_len", PREFIX_LEN,
			"169.254.0.0/16: a /30 per pair, from the veth's ifindex");
	b_sysctl_limits(ns, lim);
}

void ipcb_netns_notes(const struct ipcb_netns *ns, enum ipcb_side side, struct ipcb_notes *out)
{
	if (ns == NULL)
		return;
	ipcb_notes_word(out, "netns", side == IPCB_SIDE_A ? "ipcbench" : "own");
	ipcb_notes_word(out, "veth_addr", ns->text[side]);
}

void ipcb_netns_close(struct ipcb_netns **nsp)
{
	struct ipcb_netns *ns = *nsp;

	if (ns == NULL)
		return;
	if (ns->link[0] != '\0') {
		int fd = ipcb_rtnl_open(NULL);

		/* -ENODEV: gone with its namespace already */
		if (fd >= 0)
			(void)ipcb_rtnl_link_del(fd, ns->link, NULL);
		ipcb_io_close(&fd);
	}
	ipcb_io_close(&ns->orig_fd);
	ipcb_io_close(&ns->ns_fd);
	free(ns);
	*nsp = NULL;
}
