/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_proto.c -- moving whole messages of the split-mode protocol
 * (split_proto.h) over a channel (one socket pair), for both ends.
 *
 * Exports: rf_sp_send, rf_sp_readn.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "split_proto.h"

#define RF_SP_MAXIOV	8

int
rf_sp_send(int fd, pthread_mutex_t *lock, uint32_t op, uint64_t id,
    struct iovec *iov, int iovcnt)
{
	struct iovec v[RF_SP_MAXIOV + 1];
	struct rf_sp_hdr h;
	struct msghdr m;
	size_t total = 0;
	ssize_t n;
	int i, nv = 0, error = 0;

	if (iovcnt > RF_SP_MAXIOV)
		return EINVAL;
	memset(&h, 0, sizeof(h));
	v[nv].iov_base = &h;
	v[nv++].iov_len = sizeof(h);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		v[nv++] = iov[i];
		total += iov[i].iov_len;
	}
	if (total > RF_SP_MAXMSG)
		return EMSGSIZE;
	h.h_len = (uint32_t)total;
	h.h_op = op;
	h.h_id = id;

	memset(&m, 0, sizeof(m));
	m.msg_iov = v;
	m.msg_iovlen = (size_t)nv;
	if (lock != NULL)
		pthread_mutex_lock(lock);
	while (m.msg_iovlen > 0) {
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = errno;
			break;
		}
		/* Skip what went out. */
		while (m.msg_iovlen > 0 &&
		    (size_t)n >= m.msg_iov[0].iov_len) {
			n -= (ssize_t)m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base +
			    n;
			m.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	if (lock != NULL)
		pthread_mutex_unlock(lock);
	return error;
}

int
rf_sp_readn(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n == 0)
			return EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
