/* A small printf-style formatter for diagnostics, so the runtime core needs no
 * stdio (newlib's printf alone is ~30 KB on a Cortex-M). Supports the flags
 * '-' and '0', a width, a precision ("%.4s", "%.3f"), the length modifiers
 * hh h l ll z, and the conversions d i u x X c s p f g %. Returns the length
 * the full output would have, like C99 vsnprintf. */
#include <stdint.h>

#include "wick/status.h"

typedef struct out {
  char *buf;
  size_t cap;
  size_t len;
} out;

static void put(out *o, char c) {
  if (o->len + 1 < o->cap) o->buf[o->len] = c;
  o->len++;
}

static void put_padded(out *o, const char *s, size_t n, int width, bool left, char pad) {
  int fill = width > (int)n ? width - (int)n : 0;
  if (!left)
    while (fill-- > 0) put(o, pad);
  for (size_t i = 0; i < n; i++) put(o, s[i]);
  if (left)
    while (fill-- > 0) put(o, ' ');
}

static size_t utoa(char *tmp, uint64_t v, unsigned base, bool upper) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  size_t n = 0;
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  for (size_t i = 0; i < n / 2; i++) {
    char c = tmp[i];
    tmp[i] = tmp[n - 1 - i];
    tmp[n - 1 - i] = c;
  }
  return n;
}

/* Fixed or shortest-ish decimal for doubles: enough for messages. */
static size_t dtoa(char *tmp, double v, int prec, bool general) {
  size_t n = 0;
  if (v != v) {
    tmp[0] = 'n', tmp[1] = 'a', tmp[2] = 'n';
    return 3;
  }
  if (v < 0) {
    tmp[n++] = '-';
    v = -v;
  }
  if (v > 1e300) {
    tmp[n] = 'i', tmp[n + 1] = 'n', tmp[n + 2] = 'f';
    return n + 3;
  }
  if (prec < 0) prec = 6;
  if (prec > 12) prec = 12;
  int exp10 = 0;
  if (general && v != 0 && (v >= 1e15 || v < 1e-4)) { /* scientific */
    while (v >= 10) v /= 10, exp10++;
    while (v < 1) v *= 10, exp10--;
  }
  double scale = 1;
  for (int i = 0; i < prec; i++) scale *= 10;
  double whole_d = (double)(uint64_t)v;
  uint64_t frac = (uint64_t)((v - whole_d) * scale + 0.5);
  uint64_t whole = (uint64_t)whole_d;
  if (frac >= (uint64_t)scale) whole++, frac -= (uint64_t)scale;
  n += utoa(tmp + n, whole, 10, false);
  if (prec > 0) {
    char f[24];
    size_t fl = utoa(f, frac, 10, false);
    size_t zeros = (size_t)prec - fl;
    size_t end = (size_t)prec;
    if (general) { /* trim trailing zeros */
      char all[24];
      for (size_t i = 0; i < zeros; i++) all[i] = '0';
      for (size_t i = 0; i < fl; i++) all[zeros + i] = f[i];
      while (end > 0 && all[end - 1] == '0') end--;
      if (end) {
        tmp[n++] = '.';
        for (size_t i = 0; i < end; i++) tmp[n++] = all[i];
      }
    } else {
      tmp[n++] = '.';
      for (size_t i = 0; i < zeros; i++) tmp[n++] = '0';
      for (size_t i = 0; i < fl; i++) tmp[n++] = f[i];
    }
  }
  if (exp10) {
    tmp[n++] = 'e';
    tmp[n++] = exp10 < 0 ? '-' : '+';
    n += utoa(tmp + n, (uint64_t)(exp10 < 0 ? -exp10 : exp10), 10, false);
  }
  return n;
}

int wick_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  out o = {buf, cap, 0};
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put(&o, *p);
      continue;
    }
    p++;
    bool left = false;
    char pad = ' ';
    for (;; p++) {
      if (*p == '-') left = true;
      else if (*p == '0') pad = '0';
      else break;
    }
    int width = 0, prec = -1;
    if (*p == '*') {
      width = va_arg(ap, int);
      p++;
    }
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    if (*p == '.') {
      p++;
      prec = 0;
      if (*p == '*') {
        prec = va_arg(ap, int);
        p++;
      }
      while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
    }
    int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
    while (*p == 'l' || *p == 'h' || *p == 'z') {
      if (*p == 'l') lng = lng == 1 ? 2 : 1;
      if (*p == 'z') lng = 3;
      p++;
    }
    char tmp[48];
    size_t n = 0;
    switch (*p) {
      case 'd':
      case 'i': {
        int64_t v = lng == 2 ? (int64_t)va_arg(ap, long long)
                    : lng == 1 ? (int64_t)va_arg(ap, long)
                    : lng == 3 ? (int64_t)va_arg(ap, size_t)
                               : (int64_t)va_arg(ap, int);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        if (v < 0) tmp[n++] = '-';
        n += utoa(tmp + n, u, 10, false);
        put_padded(&o, tmp, n, width, left, pad);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        uint64_t v = lng == 2 ? (uint64_t)va_arg(ap, unsigned long long)
                     : lng == 1 ? (uint64_t)va_arg(ap, unsigned long)
                     : lng == 3 ? (uint64_t)va_arg(ap, size_t)
                                : (uint64_t)va_arg(ap, unsigned);
        n = utoa(tmp, v, *p == 'u' ? 10 : 16, *p == 'X');
        put_padded(&o, tmp, n, width, left, pad);
        break;
      }
      case 'p':
        tmp[0] = '0', tmp[1] = 'x';
        n = 2 + utoa(tmp + 2, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false);
        put_padded(&o, tmp, n, width, left, ' ');
        break;
      case 'c':
        tmp[0] = (char)va_arg(ap, int);
        put_padded(&o, tmp, 1, width, left, ' ');
        break;
      case 's': {
        const char *s = va_arg(ap, const char *);
        if (s == NULL) s = "(null)";
        size_t len = 0;
        while ((prec < 0 || len < (size_t)prec) && s[len]) len++;
        put_padded(&o, s, len, width, left, ' ');
        break;
      }
      case 'f':
      case 'g':
      case 'e':
        n = dtoa(tmp, va_arg(ap, double), prec, *p != 'f');
        put_padded(&o, tmp, n, width, left, ' ');
        break;
      case '%':
        put(&o, '%');
        break;
      case '\0':
        p--;
        break;
      default:
        put(&o, '%');
        put(&o, *p);
        break;
    }
  }
  if (cap) buf[o.len < cap ? o.len : cap - 1] = '\0';
  return (int)o.len;
}

int wick_snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = wick_vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}
