/* A small rtnetlink (NETLINK_ROUTE) client: the few requests ipcbench makes
 * to build a veth pair between two network namespaces (mechanisms/netns.c)
 * and to remove what a killed run left (`ipcbench cleanup`), as raw netlink
 * messages. A netlink socket acts in the network namespace it was opened
 * in, whatever namespace the caller is in later. Every call returns 0 (or
 * a count) or -errno with the request and the kernel's answer in err. */
#ifndef IPCB_RTNL_H
#define IPCB_RTNL_H

#include "harness/err.h"

/* A NETLINK_ROUTE socket in the caller's network namespace: the fd, or
 * -errno. */
int ipcb_rtnl_open(struct ipcb_err *err);

/* Create a veth pair: name here, its peer called peer in the namespace
 * that peer_ns_fd (an open /proc/PID/ns/net) names. Fails with -EEXIST
 * when name is taken. */
int ipcb_rtnl_veth_add(int fd, const char *name, const char *peer, int peer_ns_fd,
		       struct ipcb_err *err);

/* Delete the link called name (a veth takes its peer with it); -ENODEV
 * when there is none. */
int ipcb_rtnl_link_del(int fd, const char *name, struct ipcb_err *err);

/* Set the link with this index up. */
int ipcb_rtnl_link_up(int fd, int ifindex, struct ipcb_err *err);

/* Add an address (AF_INET: 4 bytes, AF_INET6: 16, without duplicate
 * address detection) with its prefix length to the link with this index. */
int ipcb_rtnl_addr_add(int fd, int ifindex, int family, const void *addr, int prefix_len,
		       struct ipcb_err *err);

/* One link of a dump: its index, name and kind ("veth"; "" when the link
 * has none, like a physical device or lo). */
struct ipcb_rtnl_link {
	int ifindex;
	unsigned mtu;
	char name[16];
	char kind[16];
};

/* Call fn for every link of the socket's namespace. The number of links,
 * or -errno. */
int ipcb_rtnl_links(int fd, void (*fn)(void *arg, const struct ipcb_rtnl_link *l), void *arg,
		    struct ipcb_err *err);

/* The link called name, into out: 0, or -ENODEV. */
int ipcb_rtnl_link_find(int fd, const char *name, struct ipcb_rtnl_link *out, struct ipcb_err *err);

#endif
