/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Carveout heap tracepoints
 *
 * Offsets are relative to the region base, so a trace shows placement and
 * fragmentation without exposing physical addresses.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM carveout_heap

#if !defined(_CARVEOUT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CARVEOUT_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(carveout_heap_alloc,
	    TP_PROTO(const char *heap, size_t size, size_t offset,
		     u64 latency_ns),
	    TP_ARGS(heap, size, offset, latency_ns),
	    TP_STRUCT__entry(__string(heap, heap)
			     __field(size_t, size)
			     __field(size_t, offset)
			     __field(u64, latency_ns)),
	    TP_fast_assign(__assign_str(heap);
			   __entry->size = size;
			   __entry->offset = offset;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("heap=%s size=%zu offset=0x%zx latency_ns=%llu",
		      __get_str(heap), __entry->size, __entry->offset,
		      __entry->latency_ns)
);

TRACE_EVENT(carveout_heap_free,
	    TP_PROTO(const char *heap, size_t size, size_t offset),
	    TP_ARGS(heap, size, offset),
	    TP_STRUCT__entry(__string(heap, heap)
			     __field(size_t, size)
			     __field(size_t, offset)),
	    TP_fast_assign(__assign_str(heap);
			   __entry->size = size;
			   __entry->offset = offset;),
	    TP_printk("heap=%s size=%zu offset=0x%zx",
		      __get_str(heap), __entry->size, __entry->offset)
);

#endif /* _CARVEOUT_TRACE_H */

/* Out of tree: found through -I$(src), see Kbuild. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE carveout_trace
#include <trace/define_trace.h>
