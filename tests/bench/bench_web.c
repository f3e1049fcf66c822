/* Web layer benchmark: (1) a page of 1,000 table rows of report-like text built by the
 * HTML builder (allow-lists, escaping every value) beside the same bytes copied unescaped
 * with memcpy; (2) a sign-in's Argon2id check through password_verify beside libsodium's
 * crypto_pwhash_str_verify alone, and for a name without an account (the dummy hash) beside
 * one with an account: the time must not tell them apart. Prints figures only. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/html.h"
#include "app/password.h"

#define ROWS 1000
#define CELLS 8
#define REPEAT 20
#define CHECKS 8

static const char *const TEXTS[] = {
    "Siti Aminah", "Kekerasan fisik & psikis", "Desa Sumberanyar, Kec. Paiton",
    "Rujukan ke UPT PPA <Kabupaten>", "2026-03-14", "\"Tinggi\"", "Pendampingan hukum",
    "Korban di rumah aman; pelaku suami (38 th)",
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t build_page(void)
{
    struct html h;
    html_init(&h);
    html_open(&h, "table", NULL, 0);
    for (int r = 0; r < ROWS; r++) {
        html_open(&h, "tr", NULL, 0);
        for (int c = 0; c < CELLS; c++)
            html_element(&h, "td", NULL, 0, TEXTS[c]);
        html_close(&h, "tr");
    }
    html_close(&h, "table");
    uint8_t *out = NULL;
    size_t len = 0;
    if (html_finish(&h, &out, &len) != 0) {
        fprintf(stderr, "bench_web: the page failed\n");
        exit(1);
    }
    free(out);
    return len;
}

static size_t copy_page(char *buf)
{
    size_t at = 0;
    memcpy(buf + at, "<table>", 7);
    at += 7;
    for (int r = 0; r < ROWS; r++) {
        memcpy(buf + at, "<tr>", 4);
        at += 4;
        for (int c = 0; c < CELLS; c++) {
            size_t n = strlen(TEXTS[c]);
            memcpy(buf + at, "<td>", 4);
            memcpy(buf + at + 4, TEXTS[c], n);
            memcpy(buf + at + 4 + n, "</td>", 5);
            at += n + 9;
        }
        memcpy(buf + at, "</tr>", 5);
        at += 5;
    }
    memcpy(buf + at, "</table>", 8);
    return at + 8;
}

static void bench_pages(void)
{
    char *buf = malloc(ROWS * (CELLS * 64 + 16) + 32);
    if (!buf)
        exit(1);
    size_t page = 0, raw = 0;
    double t0 = now_s();
    for (int i = 0; i < REPEAT; i++)
        page = build_page();
    double built = (now_s() - t0) / REPEAT;
    t0 = now_s();
    for (int i = 0; i < REPEAT; i++)
        raw = copy_page(buf);
    double copied = (now_s() - t0) / REPEAT;
    free(buf);
    printf("bench_web: a page of %d rows x %d cells (%zu bytes built, %zu unescaped)\n", ROWS,
           CELLS, page, raw);
    printf("  html builder (escaped)     %8.3f ms\n", built * 1e3);
    printf("  memcpy, unescaped          %8.3f ms\n", copied * 1e3);
    printf("  builder / memcpy           %8.1f\n", built / copied);
}

/* One check: 0 ours, 1 libsodium alone, 2 ours for a name without account, 3 ours with a
 * wrong password. */
static double one_check(int variant, const char *hash, const char *password)
{
    double t0 = now_s();
    bool match;
    if (variant == 1)
        match = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    else if (variant == 2)
        match = password_verify(NULL, password);
    else if (variant == 3)
        match = password_verify(hash, "wrong password here");
    else
        match = password_verify(hash, password);
    if (match != (variant < 2))
        exit(1);
    return now_s() - t0;
}

static void bench_passwords(void)
{
    char hash[PASSWORD_HASH_BYTES];
    const char *password = "correct horse battery staple";
    double t[4] = {0};
    if (password_hash(password, hash) != 0)
        exit(1);
    (void)password_verify(NULL, password); /* makes the dummy hash once, outside the timing */
    for (int i = 0; i < CHECKS; i++) /* interleaved: a busy machine slows all alike */
        for (int v = 0; v < 4; v++)
            t[v] += one_check(v, hash, password) / CHECKS;
    printf("bench_web: Argon2id, %u passes over %u MiB, %d checks each, interleaved\n",
           PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT >> 20, CHECKS);
    printf("  password_verify            %8.1f ms\n", t[0] * 1e3);
    printf("  crypto_pwhash_str_verify   %8.1f ms\n", t[1] * 1e3);
    printf("  ours / libsodium alone     %8.3f\n", t[0] / t[1]);
    printf("  unknown name / wrong password of a known name %8.3f\n", t[2] / t[3]);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    bench_pages();
    bench_passwords();
    return 0;
}
