// The front's entry point: maps the executable's pages, then enters glibc.
//
// Each first touch of a page costs a fault, ~14 us on this project's VMs:
// a static front took ~60 of them before it had done any work, most inside
// glibc's own start-up. Ahead of glibc's _start, this maps every loaded
// segment with MADV_POPULATE_READ/WRITE (Linux 5.14), one system call per
// segment, and the top 64 KiB of the stack. It runs before libc is set up,
// so it uses raw system calls and no stack protector. On an older kernel
// the calls fail and the pages fault in as before.
//
// Linked with `-e ragforge_entry` by cmake/FastStart.cmake, x86-64 only.
#if defined(RAGFORGE_FRONT_PREFAULT) && defined(__x86_64__)
#include <elf.h>
#include <link.h>
#include <sys/syscall.h>

namespace {

constexpr unsigned long kPage = 4096;
constexpr long kPopulateRead = 22;   // MADV_POPULATE_READ
constexpr long kPopulateWrite = 23;  // MADV_POPULATE_WRITE
constexpr unsigned long kStackBytes = 64 * 1024;

__attribute__((no_stack_protector)) inline void raw_madvise(unsigned long start, unsigned long end, long advice) {
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "0"(long{SYS_madvise}), "D"(start), "S"(end - start), "d"(advice)
               : "rcx", "r11", "memory");
  (void)result;  // best effort
}

}  // namespace

// `stack` is the process's initial stack: argc, argv, NULL, envp, NULL, auxv.
extern "C" __attribute__((no_stack_protector, used)) void ragforge_prefault(long* stack) {
  char** envp = reinterpret_cast<char**>(stack + 1 + stack[0] + 1);
  while (*envp) ++envp;
  const ElfW(Phdr)* phdr = nullptr;
  unsigned long phnum = 0;
  for (auto* aux = reinterpret_cast<const ElfW(auxv_t)*>(envp + 1); aux->a_type != AT_NULL; ++aux) {
    if (aux->a_type == AT_PHDR) phdr = reinterpret_cast<const ElfW(Phdr)*>(aux->a_un.a_val);
    if (aux->a_type == AT_PHNUM) phnum = aux->a_un.a_val;
  }
  // Static and not position independent: segment addresses are absolute.
  for (unsigned long i = 0; phdr && i < phnum; ++i) {
    const ElfW(Phdr)& ph = phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const unsigned long start = ph.p_vaddr & ~(kPage - 1);
    const unsigned long end = (ph.p_vaddr + ph.p_memsz + kPage - 1) & ~(kPage - 1);
    raw_madvise(start, end, (ph.p_flags & PF_W) ? kPopulateWrite : kPopulateRead);
  }
  // The kernel sets up the stack mapping 128 KiB past the arguments.
  const unsigned long top = reinterpret_cast<unsigned long>(stack) & ~(kPage - 1);
  raw_madvise(top - kStackBytes, top, kPopulateWrite);
}

// Keeps %rdx (the exit hook the kernel passes to _start) and the stack as
// the kernel left them; the stack is 16-byte aligned here, as calls need.
asm(R"(
  .text
  .globl ragforge_entry
  .type ragforge_entry, @function
ragforge_entry:
  mov %rdx, %r12
  mov %rsp, %rdi
  call ragforge_prefault
  mov %r12, %rdx
  jmp _start
  .size ragforge_entry, . - ragforge_entry
)");
#endif
