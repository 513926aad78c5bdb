// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a stage says and does when a peer stops the pipeline or misbehaves.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <string.h>

#include "stage.h"

int pl_explain(const char *peer, int ret, const struct pl_msg *msg,
	       char *reason, size_t len)
{
	int status = PL_EXIT_PEER;

	switch (ret) {
	case -ECONNRESET:
		snprintf(reason, len, "%s went away (its socket closed)", peer);
		break;
	case -ETIMEDOUT:
		snprintf(reason, len, "no word from %s within the timeout", peer);
		break;
	case -EBADMSG:
		snprintf(reason, len, "%s sent a malformed message", peer);
		status = PL_EXIT_PROTO;
		break;
	case PL_ABORT:
		snprintf(reason, len, "%s stopped: %s", msg->u.abort.stage, msg->u.abort.reason);
		break;
	case PL_REJECT:
		snprintf(reason, len, "%s rejected what we sent: %s", peer, msg->u.abort.reason);
		status = PL_EXIT_PROTO;
		break;
	default:
		if (ret < 0) {
			snprintf(reason, len, "receiving from %s failed: %s", peer, strerror(-ret));
			status = PL_EXIT_FAIL;
		} else {
			snprintf(reason, len, "%s sent %s, which is out of place here",
				 peer, pl_type_name((unsigned int)ret));
			status = PL_EXIT_PROTO;
		}
	}
	pl_err("stopping: %s", reason);
	return status;
}

int pl_send_failed(int sock, const char *peer, int err, char *reason, size_t len)
{
	struct pl_msg msg;
	int ret;

	for (;;) {
		ret = pl_recv(sock, &msg, 0);
		if (ret == PL_ABORT || ret == PL_REJECT)
			return pl_explain(peer, ret, &msg, reason, len);
		if (ret < 0)
			break;
	}
	return pl_explain(peer, err, NULL, reason, len);
}

int pl_reject(int sock, const char *peer, const char *why)
{
	struct pl_msg msg;
	int ret;

	pl_err("rejecting %s's input: %s; its buffers are closed", peer, why);
	pl_send_abort(sock, PL_REJECT, pl_stage, why);
	do {
		ret = pl_recv(sock, &msg, 10000);
	} while (ret >= 0 || ret == -EBADMSG);
	return PL_EXIT_PROTO;
}
