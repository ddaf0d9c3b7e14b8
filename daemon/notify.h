/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify.h -- telling a service manager (systemd, Type=notify) how the
 * daemon is doing.  Implemented in notify.c with libsystemd's sd_notify;
 * every function is a no-op when NOTIFY_SOCKET is not set, so the daemon
 * calls them unconditionally.
 */
#ifndef RF_NOTIFY_H
#define RF_NOTIFY_H

/* The mount is live: READY=1 with a STATUS line naming SOURCE and DIR. */
void	rf_notify_ready(const char *source, const char *mountpoint);
/* Unmounting and writing back: STOPPING=1. */
void	rf_notify_stopping(void);
/* A free-form STATUS= line (e.g. the reason of a failure). */
void	rf_notify_status(const char *status);

#endif /* RF_NOTIFY_H */
