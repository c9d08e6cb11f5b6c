// glibc's malloc tuning for the forward pass's work buffers (TensorCore's HeapPolicy); malloc.h is not in Swift's
// Glibc module.
#include "moecl_kernels.h"
#include <malloc.h>

void moecl_heap_keep(long mmap_threshold, long trim_threshold) {
#ifdef M_MMAP_THRESHOLD
    if (mmap_threshold > 0) mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    if (trim_threshold > 0) mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
#endif
}
