// Puts the start of the malloc heap on one transparent huge page.
//
// A config run allocates a few hundred KiB, and on a VM every fresh 4 KiB
// page costs a ~15 us fault: ~40 faults, a fifth of `compose --cfg job`'s
// time. glibc can back its heap with huge pages only through the
// GLIBC_TUNABLES environment variable, read before main, so this does the
// same from a constructor: it pads the heap to a 2 MiB boundary with an
// untouched block, makes sure the heap reaches 2 MiB past it, and marks it
// MADV_HUGEPAGE. Later allocations start at the boundary, where the first
// touch maps one huge page. Every step is best effort: if one does not hold
// (no brk heap, THP off), the heap works as before.
#ifdef RAGFORGE_HEAP_ON_HUGE_PAGE
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
constexpr std::uintptr_t kPage = 4096;

// Held for the life of the process so the heap's 2 MiB-aligned part is where
// the next allocations go; never written past its header.
void* volatile heap_padding = nullptr;

// malloc then free; through a volatile so the compiler cannot drop the pair.
void allocate_and_free(std::size_t bytes) {
  void* volatile block = std::malloc(bytes);
  std::free(block);
}

__attribute__((constructor(101))) void heap_on_huge_page() {
  // Freeing a large mmapped block raises glibc's dynamic mmap threshold to its
  // size, so the blocks below come from the brk heap. (mallopt would pin
  // the threshold and switch the dynamic adjustment off for good.)
  allocate_and_free(2 * kHugePage);

  void* probe = std::malloc(16);
  if (!probe) return;
  const auto next = reinterpret_cast<std::uintptr_t>(probe) + 64;
  const std::uintptr_t boundary = (next + kHugePage - 1) & ~(kHugePage - 1);
  if (boundary - next > kPage) heap_padding = std::malloc(boundary - next - 64);
  // Grow the heap 2 MiB past the boundary, then give it back to the free top
  // chunk (glibc trims only above its trim threshold, now 2x the block above).
  allocate_and_free(kHugePage + 64 * 1024);

  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(probe) & ~(kPage - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  if (end > boundary + kHugePage) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  std::free(probe);
}

}  // namespace
#endif  // RAGFORGE_HEAP_ON_HUGE_PAGE
