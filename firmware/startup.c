/* Reset handler, vector table and semihosting for wick's Cortex-M33 test
 * firmware (MPS2+ AN505 under QEMU). Written for this project from the
 * Armv8-M architecture rules:
 *  - at reset the core loads SP from word 0 and PC from word 1 of the vector
 *    table at VTOR (the AN505's secure VTOR resets to 0x10000000, where
 *    firmware/an505.ld puts .vectors);
 *  - C needs .data copied from its load address, .bss zeroed, and (for the
 *    hard-float ABI) the FPU enabled in CPACR before the first FP instruction;
 *  - semihosting calls are `bkpt 0xab` with the operation in r0 and its
 *    argument in r1 (QEMU's -semihosting implements them).
 */
#include <stdint.h>

#include "firmware.h"

extern uint32_t __wick_fw_data_start[], __wick_fw_data_end[], __wick_fw_data_load[];
extern uint32_t __wick_fw_bss_start[], __wick_fw_bss_end[];
extern uint32_t __wick_fw_stack_limit[], __wick_fw_stack_top[];

int main(void);
void wick_fw_reset(void);
static void fault(void);

#define STACK_PAINT 0x57494b53u /* "WIKS": untouched stack words keep it */

/* Semihosting operations (Arm semihosting specification). */
enum { SYS_WRITE0 = 0x04, SYS_EXIT = 0x18 };
enum { ADP_STOPPED_RUNTIME_ERROR = 0x20023, ADP_STOPPED_APPLICATION_EXIT = 0x20026 };

static uint32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void wick_fw_puts(const char *s) { semihost(SYS_WRITE0, s); }

void wick_fw_exit(int status) {
  /* 32-bit semihosting SYS_EXIT takes the reason code itself; QEMU exits 0
   * for "application exit" and 1 for anything else. */
  semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                           : ADP_STOPPED_RUNTIME_ERROR));
  for (;;) __asm__ volatile("wfi");
}

size_t wick_fw_stack_used(void) {
  const uint32_t *p = __wick_fw_stack_limit;
  while (p < __wick_fw_stack_top && *p == STACK_PAINT) p++;
  return (size_t)((const char *)__wick_fw_stack_top - (const char *)p);
}

size_t wick_fw_stack_size(void) {
  return (size_t)((const char *)__wick_fw_stack_top - (const char *)__wick_fw_stack_limit);
}

void wick_fw_reset(void) {
  /* Enable CP10/CP11 (the FPU) for the hard-float ABI. */
  volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
  *cpacr |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  /* Stack limit register: overflowing the reserved stack faults instead of
   * corrupting .bss. */
  __asm__ volatile("msr msplim, %0" ::"r"(__wick_fw_stack_limit));

  for (uint32_t *src = __wick_fw_data_load, *dst = __wick_fw_data_start; dst < __wick_fw_data_end;)
    *dst++ = *src++;
  for (uint32_t *dst = __wick_fw_bss_start; dst < __wick_fw_bss_end;) *dst++ = 0;
  /* Paint the stack below the current frame, to report its high-water mark. */
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = __wick_fw_stack_limit; p < sp - 16; p++) *p = STACK_PAINT;

  wick_fw_exit(main());
}

static void fault(void) {
  wick_fw_puts("wick_m33: fault (HardFault/MemManage/BusFault/UsageFault/SecureFault)\n");
  wick_fw_exit(1);
}

/* The vector table: initial SP, reset, then the system exceptions. No device
 * interrupts are enabled, so the external ones are left out. */
typedef void (*vector)(void);
__attribute__((section(".vectors"), used)) static const vector g_vectors[16] = {
    (vector)(uintptr_t)__wick_fw_stack_top, /* 0: initial main stack pointer */
    wick_fw_reset,                          /* 1: reset */
    fault,                                  /* 2: NMI */
    fault,                                  /* 3: HardFault */
    fault,                                  /* 4: MemManage */
    fault,                                  /* 5: BusFault */
    fault,                                  /* 6: UsageFault */
    fault,                                  /* 7: SecureFault */
    0, 0, 0,                                /* 8-10: reserved */
    fault,                                  /* 11: SVCall */
    fault,                                  /* 12: DebugMonitor */
    0,                                      /* 13: reserved */
    fault,                                  /* 14: PendSV */
    fault,                                  /* 15: SysTick */
};
