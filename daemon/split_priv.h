/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_priv.h -- private to daemon/split_*.c (design: split_proto.h):
 * the interfaces between the transport and the code on either side of
 * it.
 *
 *   front end  split_client.c  transport: channels, calls, time limit,
 *                              death of the child, start and unmount
 *              split_stubs.c   rf_kops_split: one stub per kernel call
 *   child      split_server.c  transport: channels, worker threads,
 *                              mount report, unmount, the child's life
 *              split_serve.c   the handle table and the dispatcher that
 *                              runs one request in the kernel
 */
#ifndef RF_SPLIT_PRIV_H
#define RF_SPLIT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "split_proto.h"

/* ---- front end ---- */

/* A request's arguments and where its answer goes. */
struct rf_sc_args {
	uint32_t	 op;
	uint64_t	 vp, vp2;
	uint64_t	 a[4];
	const char	*name, *name2;
	const void	*data;
	size_t		 datalen;
	void		*rbuf;		/* reply data */
	size_t		 rbufsz;
	double		 timeout;	/* 0: the split_timeout */
};

/* The calling thread's credential, sent with each of its requests. */
struct rf_sc_cred {
	uint32_t	uid, gid, ngroups;
	uint32_t	groups[RF_SP_NGROUPS];
};
extern __thread struct rf_sc_cred rf_sc_cred;

/*
 * Send A and wait for the answer (split_client.c).
 * => the operation's error (0 or a positive errno) with *REP filled
 *    (reply data, rep_datalen bytes, in A->rbuf), or EIO if the child
 *    is dead or dies meanwhile (or did not answer in time).
 */
int	rf_sc_call(const struct rf_sc_args *a, struct rf_sp_rep *rep);
/*
 * Send A, a one-way operation (RF_SP_ONEWAY), and return without
 * waiting: the child answers nothing.  A failure to send declares the
 * child dead like any other.
 */
void	rf_sc_post(const struct rf_sc_args *a);
/* The front end's own read-only descriptor of SOURCE, or -1. */
int	rf_sc_imgfd(void);
bool	rf_split_dead(void);

/* ---- child ---- */

/* A request read from a channel. */
struct rf_ss_job {
	struct rf_sp_hdr j_hdr;
	char		*j_payload;	/* j_hdr.h_len bytes */
	int		 j_chan;	/* the channel to answer on */
	void		*j_shm;		/* its shared window, or NULL */
	bool		 j_shmreply;	/* reply data may go to j_shm */
};

/*
 * Answer J with REP and LEN bytes of DATA (split_server.c); through the
 * shared window when J allows it and LEN is large (DATA may be the
 * window itself: then nothing is copied).
 */
void	rf_ss_reply(const struct rf_ss_job *j, struct rf_sp_rep *rep,
	    const void *data, size_t len);

/*
 * split_serve.c.  rf_ss_serve runs J in the kernel (mounted at MP) with
 * J's credential and answers it with rf_ss_reply, except one-way
 * operations, which get no answer.
 */
void	rf_ss_serve(const struct rf_ss_job *j, struct mount *mp);
/* An empty handle table.  => 0 or ENOMEM. */
int	rf_ss_hinit(void);
/*
 * The front end now holds the reference on VP the kernel gave us; its
 * handle in *HP.  => 0, or ENOMEM (nothing recorded: the caller still
 * owns the reference).
 */
int	rf_ss_give(struct vnode *vp, uint64_t *hp);
/* Release every reference the front end still holds. */
void	rf_ss_drop_all(void);

#endif /* RF_SPLIT_PRIV_H */
