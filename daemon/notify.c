/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify.c -- readiness and status for a service manager, through
 * libsystemd's sd_notify (see notify.h).  sd_notify itself does nothing
 * when NOTIFY_SOCKET is unset, and its errors are only logged: a daemon
 * must keep serving its mount even if the manager went away.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <systemd/sd-daemon.h>

#include "bridge.h"
#include "notify.h"

static void
notify_send(const char *msg)
{
	int r;

	if ((r = sd_notify(0, msg)) < 0)
		rf_log(LOG_WARNING, "sd_notify: %s", strerror(-r));
}

void
rf_notify_ready(const char *source, const char *mountpoint)
{
	char msg[512];

	(void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=Serving %s on %s",
	    source, mountpoint);
	notify_send(msg);
}

void
rf_notify_stopping(void)
{

	notify_send("STOPPING=1\nSTATUS=Unmounting");
}

void
rf_notify_status(const char *status)
{
	char msg[512];

	(void)snprintf(msg, sizeof(msg), "STATUS=%s", status);
	notify_send(msg);
}
