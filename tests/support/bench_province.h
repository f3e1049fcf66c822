/* A province on one hub, for the load benchmarks (bench_hub_load.c, bench_hub_day.c): the
 * villages of Jawa Timur as the hub's area list would hold them, and what the hub process
 * costs while it serves them (CPU time, peak memory).
 *
 * The villages: Kabupaten Probolinggo's 330 from the list built into the programs, then
 * synthetic villages of the other 37 regencies of the province (regency codes 35.01-35.29
 * and 35.71-35.79, as Kemendagri numbers them; 20 kecamatan each, desa numbered from 2001)
 * up to BP_PROVINCE_VILLAGES. Only the codes are synthetic: the project carries no data
 * file of the province, and a benchmark needs the number and shape of codes, not their
 * names. bp_province_import adds them to a hub's area list as `sae-hub villages import`
 * would, so the hub knows every village its posts name.
 *
 * Built into libsae-test.a; needs no cmocka. */
#ifndef BENCH_PROVINCE_H
#define BENCH_PROVINCE_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_area.h"
#include "sae/sae_error.h"
#include "store/hub_store.h"

/* Jawa Timur: 38 regencies, about 8,500 villages. */
#define BP_PROVINCE_VILLAGES 8500
#define BP_PROVINCE_REGENCIES 38
#define BP_KECAMATAN_PER_REGENCY 20

struct bp_province {
    char (*village)[SAE_AREA_CODE_BYTES]; /* BP_PROVINCE_VILLAGES codes; [0, 330) built in */
    size_t count;
    size_t builtin; /* how many of them come from the built-in list */
};

/* The province's village codes. Free with bp_province_free. */
int bp_province_make(struct bp_province *out);
void bp_province_free(struct bp_province *p);

/* The synthetic regencies, kecamatan and villages into the hub's area list (one
 * transaction, hub_areas_import); *added: how many areas were new. */
int bp_province_import(struct hub_store *store, const struct bp_province *p, size_t *added,
                       struct sae_message *why);

/* ---- what this process costs --------------------------------------------------------- */

/* CPU time (user + system, seconds) of the whole process, from /proc/self/stat. */
int bp_process_cpu(double *out);
/* CPU time of the calling thread. */
double bp_thread_cpu(void);
/* Resident set now and its peak since the last bp_peak_reset (VmRSS, VmHWM), in MiB. */
int bp_memory(double *rss_mib, double *peak_mib);
/* Starts a new peak (writes 5 to /proc/self/clear_refs); SAE_EIO when the kernel refuses. */
int bp_peak_reset(void);

#endif
