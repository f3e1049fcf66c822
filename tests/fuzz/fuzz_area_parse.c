/* libFuzzer target for the official list of areas, which `sae-hub villages import` reads
 * from a file a district brings, and for the area text people type:
 * - sae_area_list_parse never crashes or leaks; when it accepts, the list is sorted by
 *   code, each code once, every parent is its code minus the last segment, and every name
 *   is 1..SAE_AREA_NAME_BYTES bytes; when it refuses, the list is untouched;
 * - sae_area_code_parse of the input accepts only digits (and dots where they belong) in
 *   2, 4, 6 or 10 digits, and its output parses to itself;
 * - sae_area_resolve of the input against the built-in list either finds an area of the
 *   level asked for or says why, and never writes its out-param on failure. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sae/sae_area.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_require.h"

static struct sae_area_list builtin;

static void check_list(const struct sae_area_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct sae_area *a = &list->items[i];
        size_t len = strlen(a->name);
        REQUIRE(len >= 1 && len <= SAE_AREA_NAME_BYTES);
        if (i > 0)
            REQUIRE(strcmp(list->items[i - 1].code, a->code) < 0);
        if (a->level == SAE_AREA_PROVINCE) {
            REQUIRE(a->parent[0] == '\0');
        } else {
            size_t plen = strlen(a->parent);
            REQUIRE(strncmp(a->code, a->parent, plen) == 0 && a->code[plen] == '.');
        }
    }
}

static void check_code(const char *text)
{
    char out[SAE_AREA_CODE_BYTES], again[SAE_AREA_CODE_BYTES];
    enum sae_area_level level;
    if (sae_area_code_parse(text, out, &level) != 0)
        return;
    REQUIRE(level >= SAE_AREA_PROVINCE && level <= SAE_AREA_VILLAGE);
    REQUIRE(sae_area_code_parse(out, again, NULL) == 0 && strcmp(out, again) == 0);
}

static void check_resolve(const char *text)
{
    for (int level = SAE_AREA_DISTRICT; level <= SAE_AREA_VILLAGE; level++) {
        const struct sae_area *area = NULL;
        struct sae_message why = {{0}};
        int rc = sae_area_resolve(&builtin, text, (enum sae_area_level)level, &area, &why);
        if (rc == 0)
            REQUIRE(area && area->level == (enum sae_area_level)level);
        else
            REQUIRE(!area && why.text[0] != '\0');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sae_area_list list = {NULL, 0};
    struct sae_message why = {{0}};
    if (!builtin.items && sae_area_list_builtin(&builtin) != 0)
        __builtin_trap();
    if (sae_area_list_parse((const char *)data, size, &list, &why) == 0) {
        check_list(&list);
        sae_area_list_free(&list);
    } else {
        REQUIRE(!list.items && list.count == 0 && why.text[0] != '\0');
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_code(text);
    check_resolve(text);
    free(text);
    return 0;
}
