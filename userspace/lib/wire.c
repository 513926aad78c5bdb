// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: the metadata record that travels with shared descriptors.
 *
 * Fixed-width fields at fixed offsets, written one by one, so that the
 * format does not depend on struct padding or on the size of long. The
 * layout is described in doc/libdma.rst ("Wire format"); the offsets
 * below are that table. Everything a receiver
 * relies on is checked, and unused or reserved bytes must be zero so that
 * a later version can give them a meaning.
 */
#include <errno.h>
#include <string.h>

#include "ldma_internal.h"

/* Offsets inside the header and inside a record. */
enum {
	HDR_MAGIC = 0, HDR_VERSION = 4, HDR_LEN = 6, HDR_COUNT = 8,
	HDR_TOTAL = 12,
	REC_LEN = 0, REC_FLAGS = 4, REC_SIZE = 8, REC_WIDTH = 16,
	REC_HEIGHT = 20, REC_FOURCC = 24, REC_NUM_PLANES = 28,
	REC_PLANES = 32, REC_HEAP = 64,
};

_Static_assert(REC_PLANES + LDMA_MAX_PLANES * 8 == REC_HEAP, "record layout");
_Static_assert(REC_HEAP + LDMA_HEAP_NAME_MAX == LDMA_WIRE_REC_LEN, "record layout");

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

/* The rules of struct ldma_meta, for senders and receivers alike. */
int ldma_meta_check(const struct ldma_meta *m)
{
	uint32_t i;

	if (!m->size || !memchr(m->heap, '\0', sizeof(m->heap)))
		return -EINVAL;
	if (m->num_planes > LDMA_MAX_PLANES)
		return -EINVAL;
	if (!m->num_planes)	/* a plain buffer */
		return m->width || m->height || m->fourcc ? -EINVAL : 0;
	if (!m->width || !m->height || !m->fourcc)
		return -EINVAL;
	for (i = 0; i < m->num_planes; i++) {
		const struct ldma_plane *pl = &m->planes[i];

		/* At least one line of the plane lies inside the buffer. */
		if (!pl->stride || (uint64_t)pl->offset + pl->stride > m->size)
			return -EINVAL;
	}
	return 0;
}

int ldma_wire_encode(const struct ldma_meta *meta, unsigned int n,
		     uint8_t *buf, size_t size)
{
	uint32_t total = LDMA_WIRE_HDR_LEN + n * LDMA_WIRE_REC_LEN;
	unsigned int i, j;

	if (!n || n > LDMA_MAX_FDS || size < total)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (ldma_meta_check(&meta[i]) < 0)
			return -EINVAL;

	memset(buf, 0, total);
	put32(buf + HDR_MAGIC, LDMA_WIRE_MAGIC);
	put16(buf + HDR_VERSION, LDMA_WIRE_VERSION);
	put16(buf + HDR_LEN, LDMA_WIRE_HDR_LEN);
	put32(buf + HDR_COUNT, n);
	put32(buf + HDR_TOTAL, total);

	for (i = 0; i < n; i++) {
		const struct ldma_meta *m = &meta[i];
		uint8_t *r = buf + LDMA_WIRE_HDR_LEN + i * LDMA_WIRE_REC_LEN;

		put32(r + REC_LEN, LDMA_WIRE_REC_LEN);
		put64(r + REC_SIZE, m->size);
		put32(r + REC_WIDTH, m->width);
		put32(r + REC_HEIGHT, m->height);
		put32(r + REC_FOURCC, m->fourcc);
		put32(r + REC_NUM_PLANES, m->num_planes);
		for (j = 0; j < m->num_planes; j++) {
			put32(r + REC_PLANES + 8 * j, m->planes[j].stride);
			put32(r + REC_PLANES + 8 * j + 4, m->planes[j].offset);
		}
		strcpy((char *)r + REC_HEAP, m->heap);
	}
	return (int)total;
}

/*
 * Check the header in @buf (at least LDMA_WIRE_HDR_LEN bytes).
 * Returns the record count and the message length in @total, or
 * -EPROTO (not ours) / -EBADMSG (ours, but inconsistent).
 */
int ldma_wire_header(const uint8_t *buf, size_t len, uint32_t *total)
{
	uint32_t count;

	if (len < LDMA_WIRE_HDR_LEN)
		return -EBADMSG;
	if (get32(buf + HDR_MAGIC) != LDMA_WIRE_MAGIC ||
	    get16(buf + HDR_VERSION) != LDMA_WIRE_VERSION ||
	    get16(buf + HDR_LEN) != LDMA_WIRE_HDR_LEN)
		return -EPROTO;
	count = get32(buf + HDR_COUNT);
	*total = get32(buf + HDR_TOTAL);
	if (!count || count > LDMA_MAX_FDS ||
	    *total != LDMA_WIRE_HDR_LEN + count * LDMA_WIRE_REC_LEN)
		return -EBADMSG;
	return (int)count;
}

static bool ldma_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static int ldma_wire_record(const uint8_t *r, struct ldma_meta *m)
{
	const uint8_t *heap = r + REC_HEAP;
	const uint8_t *nul = memchr(heap, '\0', LDMA_HEAP_NAME_MAX);
	uint32_t j;

	if (get32(r + REC_LEN) != LDMA_WIRE_REC_LEN || get32(r + REC_FLAGS))
		return -EBADMSG;
	if (!nul || !ldma_zero(nul, (size_t)(heap + LDMA_HEAP_NAME_MAX - nul)))
		return -EBADMSG;

	memset(m, 0, sizeof(*m));
	m->size = get64(r + REC_SIZE);
	m->width = get32(r + REC_WIDTH);
	m->height = get32(r + REC_HEIGHT);
	m->fourcc = get32(r + REC_FOURCC);
	m->num_planes = get32(r + REC_NUM_PLANES);
	if (m->num_planes > LDMA_MAX_PLANES)
		return -EBADMSG;
	for (j = 0; j < m->num_planes; j++) {
		m->planes[j].stride = get32(r + REC_PLANES + 8 * j);
		m->planes[j].offset = get32(r + REC_PLANES + 8 * j + 4);
	}
	if (!ldma_zero(r + REC_PLANES + 8 * j, 8 * (LDMA_MAX_PLANES - j)))
		return -EBADMSG;
	memcpy(m->heap, heap, LDMA_HEAP_NAME_MAX);
	return ldma_meta_check(m) < 0 ? -EBADMSG : 0;
}

/* Decode a whole message of @len bytes. Returns the record count or -errno. */
int ldma_wire_decode(const uint8_t *buf, size_t len, struct ldma_meta *meta,
		     unsigned int max)
{
	uint32_t total;
	int count, i, ret;

	count = ldma_wire_header(buf, len, &total);
	if (count < 0)
		return count;
	if (len != total)
		return -EBADMSG;
	if ((unsigned int)count > max)
		return -EMSGSIZE;
	for (i = 0; i < count; i++) {
		ret = ldma_wire_record(buf + LDMA_WIRE_HDR_LEN +
				       (size_t)i * LDMA_WIRE_REC_LEN, &meta[i]);
		if (ret < 0)
			return ret;
	}
	return count;
}
