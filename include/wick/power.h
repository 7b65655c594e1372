/* wick — thermal and power on Linux hosts (POSIX, host side): temperatures from
 * /sys/class/thermal, a governor that lowers threads and duty cycle to stay
 * under a temperature limit, and energy from the RAPL counters under
 * /sys/class/powercap.
 *
 *   wick_thermal t;                                   // scan the zones once
 *   wick_thermal_open(&t, NULL, NULL, &diag);         // all zones, hottest wins
 *   wick_governor_config c;
 *   wick_governor_config_default(&c, 70.0, 4);        // 70 C, up to 4 threads
 *   wick_governor g;
 *   wick_governor_init(&g, &c, &diag);
 *   for (;;) {
 *     if (wick_governor_poll(&g, &t, wick_now_ns()))  // rate-limited read
 *       resize_pool(g.threads);                       // setting changed
 *     uint64_t a = wick_now_ns();  run();  uint64_t b = wick_now_ns();
 *     sleep_ns(wick_governor_sleep_ns(&g, b - a));    // duty cycle
 *   }
 *
 *   wick_rapl r;                                      // energy, when readable
 *   if (wick_rapl_open(&r, NULL, &diag) == WICK_OK) {
 *     uint64_t before[WICK_RAPL_MAX_DOMAINS], after[WICK_RAPL_MAX_DOMAINS];
 *     wick_rapl_read(&r, before, &diag);  work();  wick_rapl_read(&r, after, &diag);
 *     uint64_t uj;  wick_rapl_delta_uj(&r.domains[0], before[0], after[0], &uj);
 *   }
 *
 * Control law (wick_governor_update, one step per poll; temperatures in
 * millidegrees Celsius, as sysfs reports them):
 *   temp >  max_temp:               throttle: threads > 1 ? halve the threads
 *                                   (rounding up: 4 -> 2 -> 1, 3 -> 2 -> 1)
 *                                   : lower the duty cycle by duty_step_pct per
 *                                   started degree above the limit (at least one
 *                                   step), not below min_duty_pct
 *   temp <= max_temp - hysteresis:  release, the reverse order: duty < 100 ?
 *                                   raise the duty by duty_step_pct (to 100)
 *                                   : double the threads (up to max_threads)
 *   otherwise:                      hold
 * Duty d% means: after a run that took R ns, sleep R * (100 - d) / d ns, so
 * the method computes d% of the wall time (wick_governor_sleep_ns).
 *
 * Roots: each `root` argument may be NULL, then the environment variable
 * WICK_THERMAL_ROOT / WICK_POWERCAP_ROOT, then /sys/class/thermal /
 * /sys/class/powercap. Tests point them at fake trees.
 *
 * Opening scans directories (opendir allocates); polling and reading
 * allocate nothing (open, read, close per file).
 */
#ifndef WICK_POWER_H
#define WICK_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WICK_THERMAL_DEFAULT_ROOT "/sys/class/thermal"
#define WICK_POWERCAP_DEFAULT_ROOT "/sys/class/powercap"
#define WICK_POWER_ROOT_MAX 256
#define WICK_THERMAL_MAX_ZONES 64
#define WICK_RAPL_MAX_DOMAINS 16

/* The root to use: `root` if non-NULL and non-empty, else $env_var if set and
 * non-empty, else `fallback`. */
const char *wick_power_root(const char *root, const char *env_var, const char *fallback);

/* ---- temperatures ---- */

typedef struct wick_thermal_zone {
  char dir[32];  /* "thermal_zone3" */
  char type[48]; /* contents of its `type` file ("x86_pkg_temp"), "?" when unreadable */
} wick_thermal_zone;

typedef struct wick_thermal {
  char root[WICK_POWER_ROOT_MAX];
  uint32_t num_zones; /* zones in use, sorted by zone number */
  wick_thermal_zone zones[WICK_THERMAL_MAX_ZONES];
  uint32_t num_skipped; /* thermal_zone* entries left out (unreadable or garbage temp) */
  char skipped[WICK_DIAG_LEN]; /* why the first one was left out ("" when none) */
} wick_thermal;

/* Scans root (see "Roots") for thermal_zoneN/temp files: each must hold an
 * integer in millidegrees Celsius. Zones whose temp is missing, unreadable or
 * not a number are skipped (counted, the first reason kept in t->skipped).
 * zone_type non-NULL keeps only zones with that type. WICK_ERR_NOT_FOUND
 * when no zone is left (the message names the root and why), WICK_ERR_IO when
 * the root cannot be read. */
wick_status wick_thermal_open(wick_thermal *t, const char *root, const char *zone_type,
                              wick_diag *d);
/* Parses a sysfs temperature ("45000\n") into millidegrees; false for
 * anything else (empty, trailing garbage, out of +-1000 C). */
bool wick_thermal_parse(const char *text, int32_t *millideg);
/* Reads every zone and returns the hottest (*zone = its index). Zones that
 * fail now are passed over; WICK_ERR_IO (naming the first failure) when every
 * zone fails. */
wick_status wick_thermal_read(const wick_thermal *t, int32_t *millideg, uint32_t *zone,
                              wick_diag *d);

/* ---- governor ---- */

typedef struct wick_governor_config {
  int32_t max_temp_mc;   /* limit, millidegrees C: throttle above it               */
  int32_t hysteresis_mc; /* release at or below max_temp_mc - hysteresis_mc (3000)  */
  int max_threads;       /* upper bound for the thread count (>= 1)                 */
  uint64_t interval_ns;  /* least time between two reads (100 ms; 0: every poll)    */
  uint32_t min_duty_pct; /* lowest duty cycle, 1..100 (10)                          */
  uint32_t duty_step_pct;/* duty change per step, 1..100 (10)                       */
  uint64_t max_sleep_ns; /* cap on one duty-cycle sleep (1 s)                       */
} wick_governor_config;

/* Defaults above for a limit in degrees C and a thread count. */
void wick_governor_config_default(wick_governor_config *c, double max_temp_c, int max_threads);

typedef struct wick_governor_event {
  uint64_t now_ns;  /* the clock value passed to the poll */
  int32_t temp_mc;  /* the reading that caused it */
  int threads_from, threads_to;
  uint32_t duty_from, duty_to;
} wick_governor_event;

#define WICK_GOVERNOR_LOG 64

typedef struct wick_governor {
  wick_governor_config cfg;
  int threads;       /* current decision: threads to use (starts at max_threads) */
  uint32_t duty_pct; /* current decision: duty cycle (starts at 100)             */
  bool polled;
  uint64_t last_poll_ns;
  int32_t last_temp_mc, max_temp_seen_mc;
  uint32_t last_zone;
  uint64_t polls, reads, read_errors, throttles, releases;
  uint32_t num_events; /* events[] holds the first WICK_GOVERNOR_LOG changes */
  wick_governor_event events[WICK_GOVERNOR_LOG];
  wick_diag last_error; /* the latest failed read (status WICK_OK when none) */
} wick_governor;

/* Checks the configuration and starts at max_threads threads, duty 100%. */
wick_status wick_governor_init(wick_governor *g, const wick_governor_config *c, wick_diag *d);
/* Applies the control law to one reading (no rate limit); true when threads
 * or duty changed (the change is counted and logged). */
bool wick_governor_update(wick_governor *g, int32_t temp_mc, uint64_t now_ns);
/* When interval_ns has passed since the last read (or on the first call),
 * reads the zones and calls wick_governor_update; true when the setting
 * changed. A failed read keeps the setting, counts a read error and keeps its
 * message in g->last_error. */
bool wick_governor_poll(wick_governor *g, const wick_thermal *t, uint64_t now_ns);
/* Nanoseconds to sleep after a run of run_ns at the current duty cycle
 * (0 at 100%), at most cfg.max_sleep_ns. */
uint64_t wick_governor_sleep_ns(const wick_governor *g, uint64_t run_ns);

/* ---- energy (RAPL) ---- */

typedef struct wick_rapl_domain {
  char dir[32];        /* "intel-rapl:0:1" */
  char name[48];       /* "package-0", "package-0/dram" (parent's name / own name) */
  uint64_t max_range_uj; /* max_energy_range_uj, 0 when unknown */
} wick_rapl_domain;

typedef struct wick_rapl {
  char root[WICK_POWER_ROOT_MAX];
  uint32_t num_domains; /* sorted by directory name: packages before their subdomains */
  wick_rapl_domain domains[WICK_RAPL_MAX_DOMAINS];
} wick_rapl;

/* Finds root/intel-rapl:N[:M]/energy_uj (see "Roots") and reads each once.
 * Fails when none is readable, saying exactly why: "no RAPL domains under
 * ROOT" (WICK_ERR_NOT_FOUND; also when ROOT does not exist, with the system's
 * reason), or the first unreadable counter: "ROOT/intel-rapl:0/energy_uj:
 * Permission denied" (WICK_ERR_IO). Domains that are readable are kept even
 * when others are not. */
wick_status wick_rapl_open(wick_rapl *r, const char *root, wick_diag *d);
/* Reads every domain's counter, microjoules, into uj[0..num_domains). */
wick_status wick_rapl_read(const wick_rapl *r, uint64_t *uj, wick_diag *d);
/* Energy between two readings of one domain, handling one wrap-around of the
 * counter (after < before: max_range - before + after). False when the
 * counter went backwards and the range is unknown. */
bool wick_rapl_delta_uj(const wick_rapl_domain *dom, uint64_t before, uint64_t after,
                        uint64_t *delta);

#ifdef __cplusplus
}
#endif
#endif
