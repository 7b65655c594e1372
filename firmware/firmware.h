/* wick Cortex-M33 test firmware: board support (firmware/startup.c). */
#ifndef WICK_FIRMWARE_H
#define WICK_FIRMWARE_H

#include <stddef.h>

/* Writes a NUL-terminated string to the host console (semihosting SYS_WRITE0). */
void wick_fw_puts(const char *s);
/* Ends the program; QEMU exits with 0 when status is 0, else 1. */
void wick_fw_exit(int status) __attribute__((noreturn));
/* Main stack: reserved bytes, and the most used so far (painted at reset). */
size_t wick_fw_stack_size(void);
size_t wick_fw_stack_used(void);

#endif
