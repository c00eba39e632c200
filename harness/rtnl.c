/* A small rtnetlink client. See rtnl.h. */
#include "config.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/rtnl.h"

#define REQ_BYTES 512
#define REPLY_BYTES 65536 /* a dump part is at most 32 KiB, or the page size */

/* A request being built: the header, then the family's fixed part, then
 * attributes. */
struct req {
	union {
		struct nlmsghdr h;
		char buf[REQ_BYTES];
	};
} __attribute__((aligned(NLMSG_ALIGNTO)));

static void req_init(struct req *r, int type, int flags, const void *fixed, size_t len)
{
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	r->h.nlmsg_type = (uint16_t)type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	memcpy(NLMSG_DATA(&r->h), fixed, len);
}

/* Append an attribute; its start, to close a nest with nest_end. The
 * requests here are far smaller than the buffer. */
static struct rtattr *attr(struct req *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(void *)(r->buf + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len));
	return a;
}

static struct rtattr *attr_str(struct req *r, int type, const char *s)
{
	return attr(r, type, s, strlen(s) + 1);
}

static void nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)(r->buf + r->h.nlmsg_len - (char *)a);
}

int ipcb_rtnl_open(struct ipcb_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;

		close(fd);
		return ipcb_err_set(err, e, "bind(NETLINK_ROUTE)");
	}
	return fd;
}

static int send_req(int fd, struct req *r, const char *what, struct ipcb_err *err)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	r->h.nlmsg_seq = ++seq;
	do
		n = sendto(fd, &r->h, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)r->h.nlmsg_len)
		return ipcb_err_set(err, n < 0 ? errno : EIO, "send(netlink %s)", what);
	return 0;
}

/* Read the answers to request r until its acknowledgement (or, for a
 * dump, NLMSG_DONE), handing every other message of it to fn. */
static int read_answer(int fd, const struct req *r, const char *what,
		       void (*fn)(void *arg, const struct nlmsghdr *h), void *arg,
		       struct ipcb_err *err)
{
	static char buf[REPLY_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t n;

		do
			n = recv(fd, buf, sizeof buf, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return ipcb_err_set(err, errno, "recv(netlink %s)", what);
		for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue; /* an answer to an earlier request */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error == 0)
					return 0;
				return ipcb_err_set(err, -e->error, "netlink %s", what);
			}
			if (fn != NULL)
				fn(arg, h);
		}
	}
}

static int request(int fd, struct req *r, const char *what, struct ipcb_err *err)
{
	int rc = send_req(fd, r, what, err);

	return rc != 0 ? rc : read_answer(fd, r, what, NULL, NULL, err);
}

int ipcb_rtnl_veth_add(int fd, const char *name, const char *peer, int peer_ns_fd,
		       struct ipcb_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *p;
	uint32_t nsfd = (uint32_t)peer_ns_fd;
	struct req r;
	char what[64];

	if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
		return ipcb_err_set(err, ENAMETOOLONG, "veth name %s", name);
	req_init(&r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	attr_str(&r, IFLA_IFNAME, name);
	info = attr(&r, IFLA_LINKINFO, NULL, 0);
	attr_str(&r, IFLA_INFO_KIND, "veth");
	data = attr(&r, IFLA_INFO_DATA, NULL, 0);
	/* The peer: its own ifinfomsg, then its attributes. */
	p = attr(&r, VETH_INFO_PEER, &ifi, sizeof ifi);
	attr_str(&r, IFLA_IFNAME, peer);
	attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
	nest_end(&r, p);
	nest_end(&r, data);
	nest_end(&r, info);
	snprintf(what, sizeof what, "RTM_NEWLINK veth %s", name);
	return request(fd, &r, what, err);
}

int ipcb_rtnl_link_del(int fd, const char *name, struct ipcb_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct req r;
	char what[64];

	req_init(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof ifi);
	attr_str(&r, IFLA_IFNAME, name);
	snprintf(what, sizeof what, "RTM_DELLINK %s", name);
	return request(fd, &r, what, err);
}

int ipcb_rtnl_link_up(int fd, int ifindex, struct ipcb_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = ifindex,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct req r;
	char what[64];

	req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	snprintf(what, sizeof what, "RTM_NEWLINK up, link %d", ifindex);
	return request(fd, &r, what, err);
}

int ipcb_rtnl_addr_add(int fd, int ifindex, int family, const void *addr, int prefix_len,
		       struct ipcb_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)family,
				 .ifa_prefixlen = (unsigned char)prefix_len,
				 .ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
				 .ifa_scope = RT_SCOPE_UNIVERSE,
				 .ifa_index = (unsigned)ifindex };
	size_t len = family == AF_INET6 ? 16 : 4;
	struct req r;
	char what[64];

	req_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	attr(&r, IFA_LOCAL, addr, len);
	attr(&r, IFA_ADDRESS, addr, len);
	snprintf(what, sizeof what, "RTM_NEWADDR, link %d", ifindex);
	return request(fd, &r, what, err);
}

struct dump {
	void (*fn)(void *arg, const struct ipcb_rtnl_link *l);
	void *arg;
	int n;
};

/* Copy a string attribute into out (size IFNAMSIZ), always terminated. */
static void attr_copy(char *out, const struct rtattr *a)
{
	size_t len = RTA_PAYLOAD(a) < IFNAMSIZ ? RTA_PAYLOAD(a) : IFNAMSIZ - 1;

	memcpy(out, RTA_DATA(a), len);
	out[len] = '\0';
}

static void one_link(void *arg, const struct nlmsghdr *h)
{
	struct dump *d = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct ipcb_rtnl_link l = { .ifindex = ifi->ifi_index };
	int len = (int)IFLA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			attr_copy(l.name, a);
		} else if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			memcpy(&l.mtu, RTA_DATA(a), sizeof(uint32_t));
		} else if (a->rta_type == IFLA_LINKINFO) {
			int ilen = (int)RTA_PAYLOAD(a);

			for (const struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen);
			     i = RTA_NEXT(i, ilen))
				if (i->rta_type == IFLA_INFO_KIND)
					attr_copy(l.kind, i);
		}
	}
	d->n++;
	d->fn(d->arg, &l);
}

int ipcb_rtnl_links(int fd, void (*fn)(void *arg, const struct ipcb_rtnl_link *l), void *arg,
		    struct ipcb_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct dump d = { fn, arg, 0 };
	struct req r;
	int rc;

	req_init(&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
	if ((rc = send_req(fd, &r, "RTM_GETLINK dump", err)) != 0 ||
	    (rc = read_answer(fd, &r, "RTM_GETLINK dump", one_link, &d, err)) != 0)
		return rc;
	return d.n;
}

struct find {
	const char *name;
	struct ipcb_rtnl_link *out;
	bool found;
};

static void find_one(void *arg, const struct ipcb_rtnl_link *l)
{
	struct find *f = arg;

	if (strcmp(l->name, f->name) == 0) {
		*f->out = *l;
		f->found = true;
	}
}

int ipcb_rtnl_link_find(int fd, const char *name, struct ipcb_rtnl_link *out, struct ipcb_err *err)
{
	struct find f = { name, out, false };
	int rc = ipcb_rtnl_links(fd, find_one, &f, err);

	if (rc < 0)
		return rc;
	if (!f.found)
		return ipcb_err_set(err, ENODEV, "no link called %s", name);
	return 0;
}
