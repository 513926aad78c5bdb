// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests: threads racing on one attachment see each
 * other's results, and the state stays consistent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_fixture.h"
#include "importer_test.h"

/* Threads racing on one attachment see each other's results. */

struct racer {
	int imp;
	uint32_t handle;
	int op;
	pthread_barrier_t *barrier;
	int ret;
	int unexpected;
};

static void *race_once(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->barrier);
	if (r->op == 0)
		r->ret = cv_imp_map(r->imp, r->handle, DIR_BIDI, NULL);
	else
		r->ret = cv_imp_detach(r->imp, r->handle);
	return NULL;
}

/* Two threads start @op (0: map, 1: detach) on @handle at once; 0 or -errno. */
static int race_two(int imp, uint32_t handle, int op, int ret[2])
{
	pthread_barrier_t barrier;
	struct racer r[2];
	pthread_t t[2];
	int i, err = 0;

	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .imp = imp, .handle = handle, .op = op,
				       .barrier = &barrier };
		err = -pthread_create(&t[i], NULL, race_once, &r[i]);
		if (err)
			break;
	}
	/* A lone thread would wait at the barrier for ever: run its twin. */
	if (i == 1)
		race_once(&r[1]);
	for (int j = 0; j < i; j++)
		pthread_join(t[j], NULL);
	pthread_barrier_destroy(&barrier);
	ret[0] = r[0].ret;
	ret[1] = r[1].ret;
	return err;
}

TEST_F_TIMEOUT(imp, racing_maps_one_wins_the_other_ebusy, 120)
{
	int round, ret[2];
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h));
	for (round = 0; round < 50; round++) {
		ASSERT_EQ(0, race_two(self->imp, h, 0, ret));
		EXPECT_EQ(-EBUSY, ret[0] + ret[1])
			TH_LOG("round %d: %d and %d", round, ret[0], ret[1]);
		ASSERT_EQ(0, cv_imp_unmap(self->imp, h));
	}
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_F_TIMEOUT(imp, racing_detaches_one_wins_the_other_enoent, 120)
{
	int round, ret[2];
	uint32_t h;

	for (round = 0; round < 50; round++) {
		ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
		ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_TO, NULL));
		ASSERT_EQ(0, race_two(self->imp, h, 1, ret));
		EXPECT_EQ(-ENOENT, ret[0] + ret[1])
			TH_LOG("round %d: %d and %d", round, ret[0], ret[1]);
	}
}

static void *race_mapper(void *arg)
{
	struct racer *r = arg;
	int i, ret;

	pthread_barrier_wait(r->barrier);
	for (i = 0; i < 200; i++) {
		ret = cv_imp_map(r->imp, r->handle, DIR_BIDI, NULL);
		if (ret && ret != -EBUSY)
			r->unexpected++;
		ret = cv_imp_unmap(r->imp, r->handle);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
	}
	return NULL;
}

static void *race_user(void *arg)
{
	struct racer *r = arg;
	struct dmabuf_importer_query q;
	uint64_t sum, want;
	int i, ret;

	/* The buffer is zeroed; then it holds the last pattern written. */
	want = cv_imp_hash((const uint8_t[4096]){ 0 }, 4096);
	pthread_barrier_wait(r->barrier);
	for (i = 0; i < 200; i++) {
		ret = cv_imp_fill(r->imp, r->handle, 4096, 4096, i);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
		if (!ret)
			want = expected_hash(4096, 4096, i);
		ret = cv_imp_checksum(r->imp, r->handle, 4096, 4096, &sum);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
		if (!ret && sum != want)
			r->unexpected++;
		ret = cv_imp_query(r->imp, r->handle, &q);
		if (ret || (q.state & ~DMABUF_IMPORTER_STATE_MAPPED) ||
		    (q.state && q.direction != DIR_BIDI) || (!q.state && q.nents))
			r->unexpected++;
		ret = cv_imp_sync(r->imp, r->handle,
				  DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_RW);
		ret |= cv_imp_sync(r->imp, r->handle,
				   DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_RW);
		if (ret)
			r->unexpected++;
	}
	return NULL;
}

TEST_F_TIMEOUT(imp, racing_ioctls_on_one_attachment_stay_consistent, 300)
{
	struct dmabuf_importer_query q;
	pthread_barrier_t barrier;
	struct racer r[2];
	pthread_t t[2];
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h));
	pthread_barrier_init(&barrier, NULL, 2);
	r[0] = (struct racer){ .imp = self->imp, .handle = h, .barrier = &barrier };
	r[1] = r[0];
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_mapper, &r[0]));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_user, &r[1]));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(0, r[0].unexpected);
	EXPECT_EQ(0, r[1].unexpected);
	/* The mapper's last word was an unmap. */
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_HARNESS_MAIN
