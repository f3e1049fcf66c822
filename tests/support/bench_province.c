/* Jawa Timur's villages for the load benchmarks, and the process's cost (bench_province.h). */
#include "bench_province.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/hub_areas.h"

/* Probolinggo, the regency whose villages are built in. */
#define BUILTIN_REGENCY 13
/* Kabupaten 35.01-35.29, kota 35.71-35.79. */
#define KABUPATEN 29
#define KOTA_FIRST 71
#define DESA_FIRST 2001
/* One CSV row: "35.01.01.2001,35.01.01,Desa Sintetis 35.01.01.2001\n" with room. */
#define ROW_BYTES 96

/* The n-th synthetic regency's number (n from 0 to 36): the province's regencies without
 * the built-in one. */
static unsigned regency_number(size_t n)
{
    unsigned r = (unsigned)n + 1;
    if (r >= BUILTIN_REGENCY)
        r++;
    return r <= KABUPATEN ? r : KOTA_FIRST + (r - KABUPATEN - 1);
}

static int take_builtin(struct bp_province *p)
{
    struct sae_area_list areas;
    int rc = sae_area_list_builtin(&areas);
    for (size_t i = 0; rc == 0 && i < areas.count && p->count < BP_PROVINCE_VILLAGES; i++)
        if (areas.items[i].level == SAE_AREA_VILLAGE)
            memcpy(p->village[p->count++], areas.items[i].code, SAE_AREA_CODE_BYTES);
    if (rc == 0)
        sae_area_list_free(&areas);
    p->builtin = p->count;
    return rc;
}

/* Synthetic village j (from 0): regencies in turn, then kecamatan, then desa. */
static void synthetic_code(size_t j, char out[SAE_AREA_CODE_BYTES])
{
    const size_t regencies = BP_PROVINCE_REGENCIES - 1;
    size_t k = j / regencies;
    snprintf(out, SAE_AREA_CODE_BYTES, "35.%02u.%02u.%04u", regency_number(j % regencies),
             (unsigned)(k % BP_KECAMATAN_PER_REGENCY + 1),
             (unsigned)(DESA_FIRST + k / BP_KECAMATAN_PER_REGENCY));
}

int bp_province_make(struct bp_province *out)
{
    struct bp_province p = {0};
    p.village = calloc(BP_PROVINCE_VILLAGES, sizeof *p.village);
    int rc = p.village ? take_builtin(&p) : SAE_ENOMEM;
    for (size_t j = 0; rc == 0 && p.count < BP_PROVINCE_VILLAGES; j++)
        synthetic_code(j, p.village[p.count++]);
    if (rc != 0) {
        free(p.village);
        return rc;
    }
    *out = p;
    return 0;
}

void bp_province_free(struct bp_province *p)
{
    free(p->village);
    memset(p, 0, sizeof *p);
}

static size_t add_row(char *csv, size_t at, const char *code, const char *parent,
                      const char *kind)
{
    int n = snprintf(csv + at, ROW_BYTES, "%s,%s,%s Sintetis %s\n", code, parent, kind, code);
    return n > 0 && n < ROW_BYTES ? at + (size_t)n : at;
}

/* The synthetic areas as `sae-hub villages import` reads them. */
static char *province_csv(const struct bp_province *p, size_t *len)
{
    const size_t regencies = BP_PROVINCE_REGENCIES - 1;
    size_t rows = 1 + regencies * (1 + BP_KECAMATAN_PER_REGENCY) + p->count;
    char *csv = malloc(rows * ROW_BYTES);
    if (!csv)
        return NULL;
    size_t at = (size_t)sprintf(csv, "code,parent_code,name\n");
    for (size_t r = 0; r < regencies; r++) {
        char regency[SAE_AREA_CODE_BYTES], kecamatan[2 * SAE_AREA_CODE_BYTES];
        snprintf(regency, sizeof regency, "35.%02u", regency_number(r));
        at = add_row(csv, at, regency, "35", "Kabupaten");
        for (unsigned k = 1; k <= BP_KECAMATAN_PER_REGENCY; k++) {
            snprintf(kecamatan, sizeof kecamatan, "%s.%02u", regency, k);
            at = add_row(csv, at, kecamatan, regency, "Kecamatan");
        }
    }
    for (size_t i = p->builtin; i < p->count; i++) {
        char parent[SAE_AREA_CODE_BYTES];
        memcpy(parent, p->village[i], 8); /* "35.RR.KK" */
        parent[8] = '\0';
        at = add_row(csv, at, p->village[i], parent, "Desa");
    }
    *len = at;
    return csv;
}

int bp_province_import(struct hub_store *store, const struct bp_province *p, size_t *added,
                       struct sae_message *why)
{
    size_t len = 0;
    char *csv = province_csv(p, &len);
    struct sae_area_list list = {0};
    struct hub_areas_import_result result = {0};
    int rc = csv ? sae_area_list_parse(csv, len, &list, why) : SAE_ENOMEM;
    if (rc == 0)
        rc = hub_areas_import(store, &list, &result, why);
    if (rc == 0)
        *added = result.added;
    sae_area_list_free(&list);
    free(csv);
    return rc;
}

int bp_process_cpu(double *out)
{
    char text[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    /* Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces. */
    const char *at = strrchr(text, ')');
    unsigned long long user = 0, sys = 0;
    if (!at || sscanf(at + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                      &user, &sys) != 2)
        return SAE_EIO;
    long ticks = sysconf(_SC_CLK_TCK);
    *out = (double)(user + sys) / (double)(ticks > 0 ? ticks : 100);
    return 0;
}

double bp_thread_cpu(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        return 0;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int bp_memory(double *rss_mib, double *peak_mib)
{
    char line[256];
    long long rss = -1, peak = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %lld", &rss);
        sscanf(line, "VmHWM: %lld", &peak);
    }
    if (f)
        fclose(f);
    if (rss < 0 || peak < 0)
        return SAE_EIO;
    *rss_mib = (double)rss / 1024.0;
    *peak_mib = (double)peak / 1024.0;
    return 0;
}

int bp_peak_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return SAE_EIO;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : SAE_EIO;
}
