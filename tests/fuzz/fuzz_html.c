/* The HTML builder (web/app/html.h): arbitrary bytes as text and as an attribute value never
 * produce a '<', '>', '"' or '&' of their own (every one in the output is the builder's
 * markup or starts an entity it wrote), and the output is valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/html.h"
#include "sae/sae_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char PREFIX[] = "<p><input value=\"";
static const char MIDDLE[] = "\">";
static const char SUFFIX[] = "</p>";

/* Every '&' starts one of the builder's entities; no '<', '>' or '"' in the escaped part. */
static void check_escaped(const char *s, size_t n)
{
    static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<' || s[i] == '>' || s[i] == '"')
            abort();
        if (s[i] == '&') {
            int known = 0;
            for (size_t e = 0; e < 5 && !known; e++)
                known = strncmp(s + i, entities[e], strlen(entities[e])) == 0;
            if (!known)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t half = size / 2;
    char *value = malloc(half + 1);
    if (!value)
        return 0;
    memcpy(value, data, half);
    value[half] = '\0';
    struct html h;
    html_init(&h);
    const struct html_attr attrs[] = {{"value", value}};
    html_open(&h, "p", NULL, 0);
    html_open(&h, "input", attrs, 1);
    html_text_n(&h, (const char *)data + half, size - half);
    html_close(&h, "p");
    uint8_t *out = NULL;
    size_t len = 0;
    if (html_finish(&h, &out, &len) == 0) {
        const char *s = (const char *)out;
        if (sae_utf8_check(s, len) != 0 || len < sizeof PREFIX + sizeof SUFFIX ||
            memcmp(s, PREFIX, sizeof PREFIX - 1) != 0 ||
            memcmp(s + len - (sizeof SUFFIX - 1), SUFFIX, sizeof SUFFIX - 1) != 0)
            abort();
        const char *body = s + sizeof PREFIX - 1;
        const char *end = s + len - (sizeof SUFFIX - 1);
        const char *middle = strstr(body, MIDDLE); /* the first '"' ends the value */
        if (!middle || middle > end)
            abort();
        check_escaped(body, (size_t)(middle - body));
        check_escaped(middle + 2, (size_t)(end - middle - 2));
        free(out);
    }
    free(value);
    return 0;
}
