/* Thermal zones, the governor and RAPL counters (include/wick/power.h) on fake
 * sysfs trees made in a temporary directory: temperatures, garbage and missing
 * files, zone types, the governor's decisions over a scripted temperature
 * sequence (the test rewrites the temp file between polls, with a fake
 * clock), duty-cycle sleeps, RAPL domains, names and counter wrap-around. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc_count.h"
#include "harness.h"
#include "wick/power.h"

static char tmp_dir[256];

static void put(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmp_dir, rel);
  /* make parent directories */
  for (char *p = path + strlen(tmp_dir) + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0755);
      *p = '/';
    }
  }
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    wick_test_failures++;
    return;
  }
  fputs(text, f);
  fclose(f);
}

static void mkdir_rel(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmp_dir, rel);
  mkdir(path, 0755);
}

static const char *at(const char *rel) {
  static char bufs[4][512];
  static int k;
  char *b = bufs[k++ & 3];
  snprintf(b, 512, "%s/%s", tmp_dir, rel);
  return b;
}

static void test_parse(void) {
  int32_t mc = 0;
  CHECK(wick_thermal_parse("45000\n", &mc) && mc == 45000);
  CHECK(wick_thermal_parse("-5000", &mc) && mc == -5000);
  CHECK(wick_thermal_parse("0\n", &mc) && mc == 0);
  CHECK(!wick_thermal_parse("", &mc));
  CHECK(!wick_thermal_parse("\n", &mc));
  CHECK(!wick_thermal_parse("N/A\n", &mc));
  CHECK(!wick_thermal_parse("45000x", &mc));
  CHECK(!wick_thermal_parse("45.5", &mc));
  CHECK(!wick_thermal_parse("-", &mc));
  CHECK(!wick_thermal_parse("99999999999999999999999", &mc));
  CHECK(!wick_thermal_parse("2000000", &mc)); /* 2000 C: not a sensor reading */
}

static void test_thermal(void) {
  put("thermal/thermal_zone0/type", "acpitz\n");
  put("thermal/thermal_zone0/temp", "45000\n");
  put("thermal/thermal_zone1/type", "x86_pkg_temp\n");
  put("thermal/thermal_zone1/temp", "61500\n");
  put("thermal/thermal_zone2/type", "iwlwifi_1\n");
  put("thermal/thermal_zone2/temp", "N/A\n"); /* garbage */
  put("thermal/thermal_zone3/type", "acpitz\n"); /* no temp file */
  put("thermal/thermal_zone10/type", "cpu\n");
  put("thermal/thermal_zone10/temp", "50000\n");
  put("thermal/cooling_device0/type", "Processor\n");
  put("thermal/thermal_zoneX/temp", "99000\n"); /* not a zone name */
  mkdir_rel("thermal/thermal_zone11");          /* no type and no temp */
  put("thermal/thermal_zone12/temp", "40000\n"); /* no type file: "?" */

  wick_diag d;
  wick_diag_clear(&d);
  wick_thermal t;
  wick_status s = wick_thermal_open(&t, at("thermal"), NULL, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  CHECK(t.num_zones == 4);
  /* sorted by zone number, not by name */
  CHECK(strcmp(t.zones[0].dir, "thermal_zone0") == 0 && strcmp(t.zones[0].type, "acpitz") == 0);
  CHECK(strcmp(t.zones[1].dir, "thermal_zone1") == 0 &&
        strcmp(t.zones[1].type, "x86_pkg_temp") == 0);
  CHECK(strcmp(t.zones[2].dir, "thermal_zone10") == 0);
  CHECK(strcmp(t.zones[3].dir, "thermal_zone12") == 0 && strcmp(t.zones[3].type, "?") == 0);
  CHECK(t.num_skipped == 3);
  CHECK_MSG(strstr(t.skipped, "not a temperature") || strstr(t.skipped, "No such file"), "%s",
            t.skipped);

  int32_t mc = 0;
  uint32_t zone = 99;
  s = wick_thermal_read(&t, &mc, &zone, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  CHECK(mc == 61500 && zone == 1);

  /* a zone going bad after open is passed over; all bad is an error naming one */
  put("thermal/thermal_zone1/temp", "garbage\n");
  s = wick_thermal_read(&t, &mc, &zone, &d);
  CHECK(s == WICK_OK && mc == 50000 && zone == 2);
  put("thermal/thermal_zone0/temp", "x");
  put("thermal/thermal_zone10/temp", "");
  put("thermal/thermal_zone12/temp", "1e3");
  wick_diag_clear(&d);
  s = wick_thermal_read(&t, &mc, &zone, &d);
  CHECK(s == WICK_ERR_IO);
  CHECK_MSG(strstr(d.msg, "thermal_zone0/temp: not a temperature in millidegrees C: 'x'"), "%s",
            d.msg);
  put("thermal/thermal_zone0/temp", "45000\n");
  put("thermal/thermal_zone1/temp", "61500\n");
  put("thermal/thermal_zone10/temp", "50000\n");
  put("thermal/thermal_zone12/temp", "40000\n");

  /* one zone type */
  wick_diag_clear(&d);
  s = wick_thermal_open(&t, at("thermal"), "cpu", &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  CHECK(t.num_zones == 1 && strcmp(t.zones[0].dir, "thermal_zone10") == 0);
  CHECK(wick_thermal_read(&t, &mc, &zone, &d) == WICK_OK && mc == 50000 && zone == 0);
  s = wick_thermal_open(&t, at("thermal"), "acpitz", &d);
  CHECK(s == WICK_OK && t.num_zones == 1 && t.num_skipped == 1); /* zone3 has no temp */
  wick_diag_clear(&d);
  s = wick_thermal_open(&t, at("thermal"), "gpu", &d);
  CHECK(s == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "no thermal zone of type 'gpu'") && strstr(d.msg, "x86_pkg_temp"), "%s",
            d.msg);

  /* empty root, missing root, root with only bad zones */
  mkdir_rel("thermal_empty");
  wick_diag_clear(&d);
  CHECK(wick_thermal_open(&t, at("thermal_empty"), NULL, &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "no thermal zones under ") && strstr(d.msg, "thermal_empty"), "%s",
            d.msg);
  wick_diag_clear(&d);
  CHECK(wick_thermal_open(&t, at("thermal_missing"), NULL, &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "thermal_missing: No such file or directory"), "%s", d.msg);
  put("thermal_bad/thermal_zone0/temp", "hot\n");
  wick_diag_clear(&d);
  CHECK(wick_thermal_open(&t, at("thermal_bad"), NULL, &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "no readable thermal zone under") &&
                strstr(d.msg, "thermal_zone0/temp: not a temperature in millidegrees C: 'hot'"),
            "%s", d.msg);
  /* a temp that is a directory: the system's reason */
  mkdir_rel("thermal_dir");
  mkdir_rel("thermal_dir/thermal_zone0");
  mkdir_rel("thermal_dir/thermal_zone0/temp");
  wick_diag_clear(&d);
  CHECK(wick_thermal_open(&t, at("thermal_dir"), NULL, &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "thermal_zone0/temp: Is a directory"), "%s", d.msg);
  /* permission denied (not testable as root, who reads anyway) */
  if (geteuid() != 0) {
    put("thermal_perm/thermal_zone0/temp", "40000\n");
    chmod(at("thermal_perm/thermal_zone0/temp"), 0);
    wick_diag_clear(&d);
    CHECK(wick_thermal_open(&t, at("thermal_perm"), NULL, &d) == WICK_ERR_NOT_FOUND);
    CHECK_MSG(strstr(d.msg, "temp: Permission denied"), "%s", d.msg);
  }

  /* roots: argument, then WICK_THERMAL_ROOT, then the default */
  setenv("WICK_THERMAL_ROOT", at("thermal"), 1);
  CHECK(wick_thermal_open(&t, NULL, NULL, &d) == WICK_OK && t.num_zones == 4);
  CHECK(strcmp(t.root, at("thermal")) == 0);
  CHECK(wick_thermal_open(&t, at("thermal_empty"), NULL, NULL) == WICK_ERR_NOT_FOUND);
  unsetenv("WICK_THERMAL_ROOT");
  CHECK(strcmp(wick_power_root(NULL, "WICK_THERMAL_ROOT", WICK_THERMAL_DEFAULT_ROOT),
               "/sys/class/thermal") == 0);
  CHECK(strcmp(wick_power_root("", "WICK_THERMAL_ROOT", "x"), "x") == 0);
}

typedef struct step {
  uint64_t ms;      /* fake clock */
  const char *temp; /* written to the temp file before the poll (NULL: unchanged) */
  bool changed;
  int threads;
  uint32_t duty;
} step;

static void test_governor_script(void) {
  put("gov/thermal_zone0/type", "x86_pkg_temp\n");
  put("gov/thermal_zone0/temp", "65000\n");
  wick_diag d;
  wick_diag_clear(&d);
  wick_thermal t;
  CHECK(wick_thermal_open(&t, at("gov"), NULL, &d) == WICK_OK);

  wick_governor_config c;
  wick_governor_config_default(&c, 70.0, 4);
  CHECK(c.max_temp_mc == 70000 && c.hysteresis_mc == 3000 && c.interval_ns == 100000000ull);
  wick_governor g;
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  CHECK(g.threads == 4 && g.duty_pct == 100);

  static const step script[] = {
      {0, NULL, false, 4, 100},         /* 65 C: under the limit, first poll reads */
      {50, "90000\n", false, 4, 100},   /* too soon: not read */
      {100, NULL, true, 2, 100},        /* 90 C: halve threads */
      {200, "72500\n", true, 1, 100},   /* halve again */
      {300, NULL, true, 1, 70},         /* 2.5 C over: 3 steps of 10% */
      {400, "70000\n", false, 1, 70},   /* at the limit: hold */
      {500, "85000\n", true, 1, 10},    /* 15 C over: floor at 10% */
      {600, NULL, false, 1, 10},        /* still hot, already at the floor */
      {700, "67001\n", false, 1, 10},   /* inside the hysteresis band: hold */
      {800, "67000\n", true, 1, 20},    /* at max - hysteresis: release duty first */
      {900, "40000\n", true, 1, 30},    /* one step per poll, however cool */
      {1000, NULL, true, 1, 40},
      {1100, NULL, true, 1, 50},
      {1200, NULL, true, 1, 60},
      {1300, NULL, true, 1, 70},
      {1400, NULL, true, 1, 80},
      {1500, NULL, true, 1, 90},
      {1600, NULL, true, 1, 100},
      {1700, NULL, true, 2, 100},       /* then threads double */
      {1800, NULL, true, 4, 100},
      {1900, NULL, false, 4, 100},      /* back at the start */
      {2000, "70500\n", true, 2, 100},  /* 0.5 C over: throttles */
  };
  uint32_t n = sizeof script / sizeof script[0];
#ifdef ALLOC_COUNT_ACTIVE
  g_allocations = 0;
#endif
  for (uint32_t i = 0; i < n; i++) {
    const step *s = &script[i];
    if (s->temp) put("gov/thermal_zone0/temp", s->temp);
#ifdef ALLOC_COUNT_ACTIVE
    g_counting = 1;
#endif
    bool changed = wick_governor_poll(&g, &t, s->ms * 1000000ull);
#ifdef ALLOC_COUNT_ACTIVE
    g_counting = 0;
#endif
    CHECK_MSG(changed == s->changed && g.threads == s->threads && g.duty_pct == s->duty,
              "step %u (t=%llu ms): changed %d threads %d duty %u, want %d %d %u", i,
              (unsigned long long)s->ms, changed, g.threads, g.duty_pct, s->changed, s->threads,
              s->duty);
  }
#ifdef ALLOC_COUNT_ACTIVE
  CHECK_MSG(g_allocations == 0, "%ld allocations while polling", g_allocations);
#endif
  CHECK(g.polls == n - 1 && g.reads == n - 1 && g.read_errors == 0);
  CHECK(g.throttles == 5 && g.releases == 11);
  CHECK(g.num_events == 16);
  CHECK(g.max_temp_seen_mc == 90000 && g.last_temp_mc == 70500);
  const wick_governor_event *e = &g.events[0];
  CHECK(e->now_ns == 100000000ull && e->temp_mc == 90000 && e->threads_from == 4 &&
        e->threads_to == 2 && e->duty_from == 100 && e->duty_to == 100);
  e = &g.events[2];
  CHECK(e->temp_mc == 72500 && e->threads_from == 1 && e->threads_to == 1 && e->duty_from == 100 &&
        e->duty_to == 70);

  /* a failed read keeps the setting and says why */
  put("gov/thermal_zone0/temp", "warm\n");
  CHECK(!wick_governor_poll(&g, &t, 2100000000ull));
  CHECK(g.read_errors == 1 && g.threads == 2 && g.duty_pct == 100);
  CHECK_MSG(strstr(g.last_error.msg, "thermal_zone0/temp: not a temperature"), "%s",
            g.last_error.msg);
  /* interval 0: every poll reads */
  put("gov/thermal_zone0/temp", "95000\n");
  g.cfg.interval_ns = 0;
  CHECK(wick_governor_poll(&g, &t, 2100000001ull) && g.threads == 1);
  CHECK(wick_governor_poll(&g, &t, 2100000001ull) && g.duty_pct == 10);

  /* the event log keeps the first WICK_GOVERNOR_LOG changes and counts all */
  wick_governor_config_default(&c, 50.0, 1);
  c.hysteresis_mc = 0;
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  for (int i = 0; i < 200; i++) wick_governor_update(&g, i % 2 ? 40000 : 51000, (uint64_t)i);
  CHECK(g.num_events == WICK_GOVERNOR_LOG && g.throttles == 100 && g.releases == 100);
}

static void test_governor_law(void) {
  wick_governor_config c;
  wick_governor g;
  wick_diag d;
  wick_diag_clear(&d);

  /* odd thread counts: halve rounding up, double capped at the maximum */
  wick_governor_config_default(&c, 70.0, 3);
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  CHECK(wick_governor_update(&g, 80000, 0) && g.threads == 2);
  CHECK(wick_governor_update(&g, 80000, 0) && g.threads == 1 && g.duty_pct == 100);
  CHECK(wick_governor_update(&g, 10000, 0) && g.threads == 2);
  CHECK(wick_governor_update(&g, 10000, 0) && g.threads == 3);
  CHECK(!wick_governor_update(&g, 10000, 0) && g.threads == 3);
  wick_governor_config_default(&c, 70.0, 7);
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  CHECK(wick_governor_update(&g, 80000, 0) && g.threads == 4);
  CHECK(wick_governor_update(&g, 80000, 0) && g.threads == 2);
  CHECK(wick_governor_update(&g, 80000, 0) && g.threads == 1);
  CHECK(wick_governor_update(&g, 0, 0) && g.threads == 2);
  CHECK(wick_governor_update(&g, 0, 0) && g.threads == 4);
  CHECK(wick_governor_update(&g, 0, 0) && g.threads == 7);
  /* negative limits and readings work (freezer tests) */
  wick_governor_config_default(&c, -10.0, 1);
  CHECK(c.max_temp_mc == -10000);
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  CHECK(!wick_governor_update(&g, -20000, 0));
  CHECK(wick_governor_update(&g, -9500, 0) && g.duty_pct == 90);

  /* duty-cycle sleeps */
  wick_governor_config_default(&c, 70.0, 1);
  CHECK(wick_governor_init(&g, &c, &d) == WICK_OK);
  CHECK(wick_governor_sleep_ns(&g, 1000) == 0);
  g.duty_pct = 50;
  CHECK(wick_governor_sleep_ns(&g, 1000) == 1000);
  g.duty_pct = 25;
  CHECK(wick_governor_sleep_ns(&g, 1000) == 3000);
  g.duty_pct = 10;
  CHECK(wick_governor_sleep_ns(&g, 1000) == 9000);
  CHECK(wick_governor_sleep_ns(&g, 7) == 63);
  CHECK(wick_governor_sleep_ns(&g, 500000000ull) == 1000000000ull); /* capped at 1 s */
  g.duty_pct = 30;
  CHECK(wick_governor_sleep_ns(&g, 3) == 7); /* 3 * 70 / 30 */

  /* bad configurations */
  wick_governor_config_default(&c, 70.0, 1);
  c.max_threads = 0;
  CHECK(wick_governor_init(&g, &c, &d) == WICK_ERR_INVALID_ARGUMENT);
  wick_governor_config_default(&c, 70.0, 1);
  c.min_duty_pct = 0;
  wick_diag_clear(&d);
  CHECK(wick_governor_init(&g, &c, &d) == WICK_ERR_INVALID_ARGUMENT);
  CHECK(strstr(d.msg, "duty") != NULL);
  wick_governor_config_default(&c, 70.0, 1);
  c.hysteresis_mc = -1;
  CHECK(wick_governor_init(&g, &c, NULL) == WICK_ERR_INVALID_ARGUMENT);
}

static void rapl_domain(const char *dir, const char *name, const char *energy, const char *range) {
  char rel[256];
  snprintf(rel, sizeof rel, "powercap/%s/name", dir);
  if (name) put(rel, name);
  snprintf(rel, sizeof rel, "powercap/%s/energy_uj", dir);
  if (energy) put(rel, energy);
  snprintf(rel, sizeof rel, "powercap/%s/max_energy_range_uj", dir);
  if (range) put(rel, range);
}

static void test_rapl(void) {
  rapl_domain("intel-rapl:0", "package-0\n", "1000000\n", "262143328850\n");
  rapl_domain("intel-rapl:0:0", "core\n", "400000\n", "262143328850\n");
  rapl_domain("intel-rapl:0:1", "dram\n", "262143328000\n", "262143328850\n");
  rapl_domain("intel-rapl:1", "package-1\n", "7\n", NULL); /* no range file */
  rapl_domain("intel-rapl:10", NULL, "5\n", "100\n");        /* no name file */
  mkdir_rel("powercap/intel-rapl");                          /* the control type */
  rapl_domain("intel-rapl-mmio:0", "package-0\n", "1\n", "100\n"); /* not a RAPL MSR domain */

  wick_diag d;
  wick_diag_clear(&d);
  wick_rapl r;
  wick_status s = wick_rapl_open(&r, at("powercap"), &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  CHECK(r.num_domains == 5);
  CHECK(strcmp(r.domains[0].name, "package-0") == 0);
  CHECK(strcmp(r.domains[1].name, "package-0/core") == 0);
  CHECK(strcmp(r.domains[2].name, "package-0/dram") == 0);
  CHECK(strcmp(r.domains[3].name, "package-1") == 0 && r.domains[3].max_range_uj == 0);
  CHECK(strcmp(r.domains[4].name, "intel-rapl:10") == 0 && r.domains[4].max_range_uj == 100);
  CHECK(r.domains[0].max_range_uj == 262143328850ull);

  uint64_t before[WICK_RAPL_MAX_DOMAINS], after[WICK_RAPL_MAX_DOMAINS], delta = 0;
  CHECK(wick_rapl_read(&r, before, &d) == WICK_OK);
  CHECK(before[0] == 1000000 && before[1] == 400000 && before[2] == 262143328000ull &&
        before[3] == 7 && before[4] == 5);
  rapl_domain("intel-rapl:0", NULL, "3500000\n", NULL);
  rapl_domain("intel-rapl:0:0", NULL, "1400000\n", NULL);
  rapl_domain("intel-rapl:0:1", NULL, "150\n", NULL); /* wrapped */
  rapl_domain("intel-rapl:1", NULL, "3\n", NULL);     /* backwards, range unknown */
  CHECK(wick_rapl_read(&r, after, &d) == WICK_OK);
  CHECK(wick_rapl_delta_uj(&r.domains[0], before[0], after[0], &delta) && delta == 2500000);
  CHECK(wick_rapl_delta_uj(&r.domains[1], before[1], after[1], &delta) && delta == 1000000);
  CHECK(wick_rapl_delta_uj(&r.domains[2], before[2], after[2], &delta) && delta == 850 + 150);
  CHECK(!wick_rapl_delta_uj(&r.domains[3], before[3], after[3], &delta));
  CHECK(wick_rapl_delta_uj(&r.domains[4], before[4], after[4], &delta) && delta == 0);
  CHECK(wick_rapl_delta_uj(&r.domains[4], 90, 10, &delta) && delta == 20);
  CHECK(!wick_rapl_delta_uj(&r.domains[4], 200, 10, &delta)); /* before past the range */

  /* a counter going bad after open */
  rapl_domain("intel-rapl:1", NULL, "oops\n", NULL);
  wick_diag_clear(&d);
  CHECK(wick_rapl_read(&r, after, &d) == WICK_ERR_MALFORMED);
  CHECK_MSG(strstr(d.msg, "intel-rapl:1/energy_uj: not an energy counter: 'oops'"), "%s", d.msg);
  CHECK(wick_rapl_open(&r, at("powercap"), &d) == WICK_OK && r.num_domains == 4); /* left out */
  rapl_domain("intel-rapl:1", NULL, "9\n", NULL);

  /* not available: empty root, missing root, unreadable counters */
  mkdir_rel("powercap_empty");
  mkdir_rel("powercap_empty/intel-rapl"); /* control type without zones (common in VMs) */
  wick_diag_clear(&d);
  CHECK(wick_rapl_open(&r, at("powercap_empty"), &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "no RAPL domains under ") && strstr(d.msg, "powercap_empty"), "%s",
            d.msg);
  wick_diag_clear(&d);
  CHECK(wick_rapl_open(&r, at("powercap_missing"), &d) == WICK_ERR_NOT_FOUND);
  CHECK_MSG(strstr(d.msg, "no RAPL domains under ") &&
                strstr(d.msg, "powercap_missing: No such file or directory"),
            "%s", d.msg);
  mkdir_rel("powercap_dir");
  mkdir_rel("powercap_dir/intel-rapl:0");
  mkdir_rel("powercap_dir/intel-rapl:0/energy_uj");
  wick_diag_clear(&d);
  CHECK(wick_rapl_open(&r, at("powercap_dir"), &d) == WICK_ERR_IO);
  CHECK_MSG(strstr(d.msg, "powercap_dir/intel-rapl:0/energy_uj: Is a directory"), "%s", d.msg);
  put("powercap_dir/intel-rapl:1/energy_uj", "12\n"); /* one readable domain is enough */
  CHECK(wick_rapl_open(&r, at("powercap_dir"), &d) == WICK_OK && r.num_domains == 1);
  if (geteuid() != 0) {
    put("powercap_perm/intel-rapl:0/energy_uj", "12\n");
    chmod(at("powercap_perm/intel-rapl:0/energy_uj"), 0);
    wick_diag_clear(&d);
    CHECK(wick_rapl_open(&r, at("powercap_perm"), &d) == WICK_ERR_IO);
    CHECK_MSG(strstr(d.msg, "powercap_perm/intel-rapl:0/energy_uj: Permission denied"), "%s",
              d.msg);
  }
  setenv("WICK_POWERCAP_ROOT", at("powercap"), 1);
  CHECK(wick_rapl_open(&r, NULL, &d) == WICK_OK && r.num_domains == 5);
  unsetenv("WICK_POWERCAP_ROOT");
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/wick_test_power_XXXXXX", base && base[0] ? base : "/tmp");
  if (mkdtemp(tmp_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_parse();
  test_thermal();
  test_governor_script();
  test_governor_law();
  test_rapl();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
  return test_finish("test_power");
}
