/* Thermal zones, the thermal governor and RAPL energy counters (Linux sysfs). */
#include "wick/power.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *wick_power_root(const char *root, const char *env_var, const char *fallback) {
  if (root && root[0]) return root;
  const char *e = env_var ? getenv(env_var) : NULL;
  if (e && e[0]) return e;
  return fallback;
}

/* Reads up to n - 1 bytes of a (small, sysfs) file into buf, terminated.
 * On failure returns false with errno set. */
static bool read_small(const char *path, char *buf, size_t n) {
  int fd;
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return false;
  size_t got = 0;
  while (got + 1 < n) {
    ssize_t r = read(fd, buf + got, n - 1 - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      errno = e;
      return false;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  close(fd);
  return true;
}

/* Drops trailing whitespace in place. */
static void rstrip(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
}

/* Copies up to 24 characters of s for a message, non-printables as '?'. */
static void quote_text(const char *s, char *out, size_t n) {
  size_t i = 0;
  for (; s[i] && i < 24 && i + 1 < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  out[i] = '\0';
  if (s[i] && i + 4 < n) memcpy(out + i, "...", 4);
}

/* Parses an unsigned decimal with optional trailing whitespace. */
static bool parse_u64(const char *s, uint64_t *out) {
  while (*s == ' ' || *s == '\t') s++;
  if (*s < '0' || *s > '9') return false;
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    unsigned dgt = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - dgt) / 10) return false;
    v = v * 10 + dgt;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  if (*s) return false;
  *out = v;
  return true;
}

bool wick_thermal_parse(const char *text, int32_t *millideg) {
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  bool neg = false;
  if (*s == '-') {
    neg = true;
    s++;
  }
  uint64_t v;
  if (!parse_u64(s, &v) || v > 1000000) return false; /* beyond +-1000 C is not a sensor */
  *millideg = neg ? -(int32_t)v : (int32_t)v;
  return true;
}

/* The number after `prefix` in a directory name ("thermal_zone12" -> 12);
 * -1 when the rest is not all digits. For "intel-rapl:0:1" use the name. */
static long suffix_number(const char *name, size_t prefix_len) {
  const char *s = name + prefix_len;
  if (*s < '0' || *s > '9') return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static int cmp_zone(const void *a, const void *b) {
  const wick_thermal_zone *x = a, *y = b;
  long p = suffix_number(x->dir, 12), q = suffix_number(y->dir, 12);
  if (p != q) return p < q ? -1 : 1;
  return strcmp(x->dir, y->dir);
}

/* Reads one zone's temperature; false with a message in msg. */
static bool zone_read(const char *root, const char *dir, int32_t *mc, char *msg, size_t n) {
  char path[WICK_POWER_ROOT_MAX + 64], buf[64];
  wick_snprintf(path, sizeof path, "%s/%s/temp", root, dir);
  if (!read_small(path, buf, sizeof buf)) {
    wick_snprintf(msg, n, "%s: %s", path, strerror(errno));
    return false;
  }
  if (!wick_thermal_parse(buf, mc)) {
    char q[32];
    rstrip(buf);
    quote_text(buf, q, sizeof q);
    wick_snprintf(msg, n, "%s: not a temperature in millidegrees C: '%s'", path, q);
    return false;
  }
  return true;
}

wick_status wick_thermal_open(wick_thermal *t, const char *root, const char *zone_type,
                              wick_diag *d) {
  memset(t, 0, sizeof *t);
  root = wick_power_root(root, "WICK_THERMAL_ROOT", WICK_THERMAL_DEFAULT_ROOT);
  if (strlen(root) >= sizeof t->root)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "thermal root too long: %s", root);
  memcpy(t->root, root, strlen(root) + 1);
  DIR *dir = opendir(root);
  if (dir == NULL) {
    int e = errno;
    return wick_diag_set(d, e == ENOENT ? WICK_ERR_NOT_FOUND : WICK_ERR_IO,
                         "no thermal zones: %s: %s", root, strerror(e));
  }
  uint32_t found = 0, other_type = 0;
  char types[160] = "";
  struct dirent *ent;
  while ((ent = readdir(dir)) != NULL) {
    const char *name = ent->d_name;
    if (strncmp(name, "thermal_zone", 12) != 0 || suffix_number(name, 12) < 0) continue;
    if (strlen(name) >= sizeof t->zones[0].dir) continue;
    found++;
    wick_thermal_zone z;
    memset(&z, 0, sizeof z);
    memcpy(z.dir, name, strlen(name) + 1);
    char path[WICK_POWER_ROOT_MAX + 64];
    wick_snprintf(path, sizeof path, "%s/%s/type", root, name);
    if (read_small(path, z.type, sizeof z.type)) rstrip(z.type);
    if (z.type[0] == '\0') memcpy(z.type, "?", 2);
    if (zone_type && strcmp(zone_type, z.type) != 0) {
      other_type++;
      size_t tl = strlen(types);
      if (strstr(types, z.type) == NULL && tl + strlen(z.type) + 3 < sizeof types)
        wick_snprintf(types + tl, sizeof types - tl, "%s%s", tl ? ", " : "", z.type);
      continue;
    }
    int32_t mc;
    char why[WICK_DIAG_LEN];
    if (!zone_read(root, name, &mc, why, sizeof why)) {
      if (t->num_skipped++ == 0) memcpy(t->skipped, why, strlen(why) + 1);
      continue;
    }
    if (t->num_zones < WICK_THERMAL_MAX_ZONES) t->zones[t->num_zones++] = z;
  }
  closedir(dir);
  qsort(t->zones, t->num_zones, sizeof t->zones[0], cmp_zone);
  if (t->num_zones > 0) return WICK_OK;
  if (found == 0)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no thermal zones under %s", root);
  if (zone_type && other_type == found)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND,
                         "no thermal zone of type '%s' under %s (types there: %s)", zone_type,
                         root, types);
  return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no readable thermal zone under %s: %s", root,
                       t->skipped);
}

wick_status wick_thermal_read(const wick_thermal *t, int32_t *millideg, uint32_t *zone,
                              wick_diag *d) {
  bool any = false;
  int32_t best = 0;
  uint32_t best_zone = 0;
  char first[WICK_DIAG_LEN] = "";
  for (uint32_t i = 0; i < t->num_zones; i++) {
    int32_t mc;
    char why[WICK_DIAG_LEN];
    if (!zone_read(t->root, t->zones[i].dir, &mc, why, sizeof why)) {
      if (first[0] == '\0') memcpy(first, why, strlen(why) + 1);
      continue;
    }
    if (!any || mc > best) {
      best = mc;
      best_zone = i;
    }
    any = true;
  }
  if (!any) {
    if (t->num_zones == 0)
      return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no thermal zones under %s", t->root);
    return wick_diag_set(d, WICK_ERR_IO, "%s", first);
  }
  *millideg = best;
  if (zone) *zone = best_zone;
  return WICK_OK;
}

/* ---- governor ---- */

void wick_governor_config_default(wick_governor_config *c, double max_temp_c, int max_threads) {
  memset(c, 0, sizeof *c);
  c->max_temp_mc = (int32_t)(max_temp_c * 1000.0 + (max_temp_c < 0 ? -0.5 : 0.5));
  c->hysteresis_mc = 3000;
  c->max_threads = max_threads < 1 ? 1 : max_threads;
  c->interval_ns = 100000000ull;
  c->min_duty_pct = 10;
  c->duty_step_pct = 10;
  c->max_sleep_ns = 1000000000ull;
}

wick_status wick_governor_init(wick_governor *g, const wick_governor_config *c, wick_diag *d) {
  memset(g, 0, sizeof *g);
  if (c->max_threads < 1)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "governor: max_threads %d < 1",
                         c->max_threads);
  if (c->hysteresis_mc < 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "governor: negative hysteresis");
  if (c->max_temp_mc < -273000 || c->max_temp_mc > 1000000)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "governor: limit %.1f C out of range",
                         c->max_temp_mc / 1000.0);
  if (c->min_duty_pct < 1 || c->min_duty_pct > 100 || c->duty_step_pct < 1 ||
      c->duty_step_pct > 100)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "governor: duty percentages must be 1..100 (min %u, step %u)",
                         c->min_duty_pct, c->duty_step_pct);
  g->cfg = *c;
  g->threads = c->max_threads;
  g->duty_pct = 100;
  wick_diag_clear(&g->last_error);
  return WICK_OK;
}

bool wick_governor_update(wick_governor *g, int32_t temp_mc, uint64_t now_ns) {
  const wick_governor_config *c = &g->cfg;
  int threads = g->threads;
  uint32_t duty = g->duty_pct;
  g->reads++;
  g->last_temp_mc = temp_mc;
  if (g->reads == 1 || temp_mc > g->max_temp_seen_mc) g->max_temp_seen_mc = temp_mc;
  if (temp_mc > c->max_temp_mc) {
    if (threads > 1) {
      threads = (threads + 1) / 2;
    } else {
      int64_t excess = (int64_t)temp_mc - c->max_temp_mc;
      uint64_t degrees = (uint64_t)((excess + 999) / 1000); /* started degrees, >= 1 */
      uint64_t down = degrees * c->duty_step_pct;
      duty = down >= duty || duty - down < c->min_duty_pct ? c->min_duty_pct
                                                            : duty - (uint32_t)down;
    }
  } else if ((int64_t)temp_mc <= (int64_t)c->max_temp_mc - c->hysteresis_mc) {
    if (duty < 100)
      duty = duty + c->duty_step_pct > 100 ? 100 : duty + c->duty_step_pct;
    else if (threads < c->max_threads)
      threads = threads > c->max_threads / 2 ? c->max_threads : threads * 2;
  }
  if (threads == g->threads && duty == g->duty_pct) return false;
  bool lower = threads < g->threads || duty < g->duty_pct;
  if (lower)
    g->throttles++;
  else
    g->releases++;
  if (g->num_events < WICK_GOVERNOR_LOG) {
    wick_governor_event *e = &g->events[g->num_events++];
    e->now_ns = now_ns;
    e->temp_mc = temp_mc;
    e->threads_from = g->threads;
    e->threads_to = threads;
    e->duty_from = g->duty_pct;
    e->duty_to = duty;
  }
  g->threads = threads;
  g->duty_pct = duty;
  return true;
}

bool wick_governor_poll(wick_governor *g, const wick_thermal *t, uint64_t now_ns) {
  if (g->polled && now_ns - g->last_poll_ns < g->cfg.interval_ns) return false;
  g->polled = true;
  g->last_poll_ns = now_ns;
  g->polls++;
  int32_t mc;
  uint32_t zone = 0;
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_thermal_read(t, &mc, &zone, &d) != WICK_OK) {
    g->read_errors++;
    g->last_error = d;
    return false;
  }
  g->last_zone = zone;
  return wick_governor_update(g, mc, now_ns);
}

uint64_t wick_governor_sleep_ns(const wick_governor *g, uint64_t run_ns) {
  uint32_t duty = g->duty_pct;
  if (duty >= 100 || duty == 0) return 0;
  /* run * (100 - duty) / duty without overflow for any realistic run */
  uint64_t idle = 100u - duty;
  uint64_t ns = run_ns > UINT64_MAX / 100 ? UINT64_MAX : run_ns / duty * idle +
                                                             run_ns % duty * idle / duty;
  return ns > g->cfg.max_sleep_ns ? g->cfg.max_sleep_ns : ns;
}

/* ---- RAPL ---- */

static int cmp_domain(const void *a, const void *b) {
  const wick_rapl_domain *x = a, *y = b;
  /* "intel-rapl:N[:M]": order by N, then M (no M first) */
  long xn = 0, xm = -1, yn = 0, ym = -1;
  sscanf(x->dir, "intel-rapl:%ld:%ld", &xn, &xm);
  sscanf(y->dir, "intel-rapl:%ld:%ld", &yn, &ym);
  if (xn != yn) return xn < yn ? -1 : 1;
  if (xm != ym) return xm < ym ? -1 : 1;
  return strcmp(x->dir, y->dir);
}

/* Valid RAPL directory names: "intel-rapl:N" or "intel-rapl:N:M". */
static bool rapl_dir_name(const char *name) {
  if (strncmp(name, "intel-rapl:", 11) != 0) return false;
  const char *s = name + 11;
  int groups = 0;
  for (;;) {
    if (*s < '0' || *s > '9') return false;
    while (*s >= '0' && *s <= '9') s++;
    groups++;
    if (*s == '\0') return groups <= 2;
    if (*s != ':') return false;
    s++;
  }
}

wick_status wick_rapl_open(wick_rapl *r, const char *root, wick_diag *d) {
  memset(r, 0, sizeof *r);
  root = wick_power_root(root, "WICK_POWERCAP_ROOT", WICK_POWERCAP_DEFAULT_ROOT);
  if (strlen(root) >= sizeof r->root)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "powercap root too long: %s", root);
  memcpy(r->root, root, strlen(root) + 1);
  DIR *dir = opendir(root);
  if (dir == NULL) {
    int e = errno;
    return wick_diag_set(d, e == ENOENT ? WICK_ERR_NOT_FOUND : WICK_ERR_IO,
                         "no RAPL domains under %s: %s", root, strerror(e));
  }
  uint32_t found = 0;
  char first[WICK_DIAG_LEN] = "";
  struct dirent *ent;
  while ((ent = readdir(dir)) != NULL) {
    const char *name = ent->d_name;
    if (!rapl_dir_name(name) || strlen(name) >= sizeof r->domains[0].dir) continue;
    found++;
    char path[WICK_POWER_ROOT_MAX + 64], buf[64];
    uint64_t v;
    wick_snprintf(path, sizeof path, "%s/%s/energy_uj", root, name);
    if (!read_small(path, buf, sizeof buf)) {
      if (first[0] == '\0') wick_snprintf(first, sizeof first, "%s: %s", path, strerror(errno));
      continue;
    }
    if (!parse_u64(buf, &v)) {
      char q[32];
      rstrip(buf);
      quote_text(buf, q, sizeof q);
      if (first[0] == '\0')
        wick_snprintf(first, sizeof first, "%s: not an energy counter: '%s'", path, q);
      continue;
    }
    if (r->num_domains >= WICK_RAPL_MAX_DOMAINS) continue;
    wick_rapl_domain *dom = &r->domains[r->num_domains++];
    memcpy(dom->dir, name, strlen(name) + 1);
    wick_snprintf(path, sizeof path, "%s/%s/max_energy_range_uj", root, name);
    if (read_small(path, buf, sizeof buf) && parse_u64(buf, &v)) dom->max_range_uj = v;
    /* name: own `name` file; subdomains "parent-name/own-name" */
    char own[40] = "", parent[40] = "";
    wick_snprintf(path, sizeof path, "%s/%s/name", root, name);
    if (read_small(path, own, sizeof own)) rstrip(own);
    if (own[0] == '\0') wick_snprintf(own, sizeof own, "%s", name);
    const char *colon2 = strchr(name + 11, ':');
    if (colon2) {
      char pdir[sizeof dom->dir];
      memcpy(pdir, name, (size_t)(colon2 - name));
      pdir[colon2 - name] = '\0';
      wick_snprintf(path, sizeof path, "%s/%s/name", root, pdir);
      if (read_small(path, parent, sizeof parent)) rstrip(parent);
      if (parent[0] == '\0') wick_snprintf(parent, sizeof parent, "%s", pdir);
      wick_snprintf(dom->name, sizeof dom->name, "%s/%s", parent, own);
    } else {
      wick_snprintf(dom->name, sizeof dom->name, "%s", own);
    }
  }
  closedir(dir);
  qsort(r->domains, r->num_domains, sizeof r->domains[0], cmp_domain);
  if (r->num_domains > 0) return WICK_OK;
  if (found == 0) return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no RAPL domains under %s", root);
  return wick_diag_set(d, WICK_ERR_IO, "%s", first);
}

wick_status wick_rapl_read(const wick_rapl *r, uint64_t *uj, wick_diag *d) {
  for (uint32_t i = 0; i < r->num_domains; i++) {
    char path[WICK_POWER_ROOT_MAX + 64], buf[64];
    wick_snprintf(path, sizeof path, "%s/%s/energy_uj", r->root, r->domains[i].dir);
    if (!read_small(path, buf, sizeof buf))
      return wick_diag_set(d, WICK_ERR_IO, "%s: %s", path, strerror(errno));
    if (!parse_u64(buf, &uj[i])) {
      char q[32];
      rstrip(buf);
      quote_text(buf, q, sizeof q);
      return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: not an energy counter: '%s'", path, q);
    }
  }
  return WICK_OK;
}

bool wick_rapl_delta_uj(const wick_rapl_domain *dom, uint64_t before, uint64_t after,
                        uint64_t *delta) {
  if (after >= before) {
    *delta = after - before;
    return true;
  }
  if (dom->max_range_uj == 0 || before > dom->max_range_uj) return false;
  *delta = dom->max_range_uj - before + after;
  return true;
}
