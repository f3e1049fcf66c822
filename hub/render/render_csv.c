/* The export's CSV (RFC 4180, guarded against spreadsheet formulas). */
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

/* ---- CSV ---------------------------------------------------------------------------- */

/* Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
static bool starts_like_formula(const char *value)
{
    return value[0] != '\0' && strchr("=+-@\t\r", value[0]) != NULL;
}

int hub_csv_write_cell(FILE *out, const char *value)
{
    if (!value)
        return 0;
    bool quote = strpbrk(value, ",\"\r\n") != NULL;
    int bad = quote && fputc('"', out) == EOF;
    if (!bad && starts_like_formula(value))
        bad = fputc('\'', out) == EOF;
    for (const char *p = value; !bad && *p; p++)
        bad = (*p == '"' && fputc('"', out) == EOF) || fputc(*p, out) == EOF;
    if (!bad && quote)
        bad = fputc('"', out) == EOF;
    return bad ? SAE_EIO : 0;
}

int hub_csv_write_row(FILE *out, const char *const *cells, size_t count)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (i > 0 && fputc(',', out) == EOF)
            rc = SAE_EIO;
        if (rc == 0)
            rc = hub_csv_write_cell(out, cells[i]);
    }
    if (rc == 0 && fputs("\r\n", out) == EOF)
        rc = SAE_EIO;
    return rc;
}

static const char *const fixed_columns[] = {"id", "kind", "village", "village_name",
                                            "deleted", "updated"};
#define FIXED_COLUMNS (sizeof fixed_columns / sizeof fixed_columns[0])

static bool has_column(const struct hub_csv_columns *columns, const char *name)
{
    for (size_t i = 0; i < columns->field_count; i++)
        if (strcmp(columns->fields[i]->name, name) == 0)
            return true;
    return false;
}

int hub_csv_columns_init(struct hub_csv_columns *columns, const struct sae_kind *kind)
{
    size_t most = 0;
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++)
        most += sae_catalogue_kind_at(k)->field_count;
    columns->field_count = 0;
    columns->fields = malloc(most * sizeof *columns->fields);
    if (!columns->fields)
        return SAE_ENOMEM;
    for (size_t k = 0; k < sae_catalogue_kind_count(); k++) {
        const struct sae_kind *each = sae_catalogue_kind_at(k);
        if (kind && kind != each)
            continue;
        for (size_t f = 0; f < each->field_count; f++)
            if (!has_column(columns, each->fields[f].name))
                columns->fields[columns->field_count++] = &each->fields[f];
    }
    return 0;
}

void hub_csv_columns_free(struct hub_csv_columns *columns)
{
    free(columns->fields);
    columns->fields = NULL;
    columns->field_count = 0;
}

int hub_csv_write_header(FILE *out, const struct hub_csv_columns *columns)
{
    const char **cells = malloc((FIXED_COLUMNS + columns->field_count) * sizeof *cells);
    if (!cells)
        return SAE_ENOMEM;
    for (size_t i = 0; i < FIXED_COLUMNS; i++)
        cells[i] = fixed_columns[i];
    for (size_t i = 0; i < columns->field_count; i++)
        cells[FIXED_COLUMNS + i] = columns->fields[i]->name;
    int rc = hub_csv_write_row(out, cells, FIXED_COLUMNS + columns->field_count);
    free(cells);
    return rc;
}

/* A set's codes joined by ';' (a comma would split the cell in spreadsheets that read
 * unquoted CSV loosely); NULL for other fields. */
static int set_cell(const struct sae_field *field, const char *value, char **out)
{
    *out = NULL;
    if (!value || field->type != SAE_FIELD_SET)
        return 0;
    char *cell = strdup(value);
    if (!cell)
        return SAE_ENOMEM;
    for (char *p = cell; *p; p++)
        if (*p == ',')
            *p = ';';
    *out = cell;
    return 0;
}

static void cells_free(char **owned, size_t count)
{
    for (size_t i = 0; owned && i < count; i++)
        free(owned[i]);
    free(owned);
}

int hub_csv_write_report(FILE *out, const struct hub_csv_columns *columns,
                         const struct hub_report *report)
{
    return hub_csv_write_report_at(out, columns, report, NULL);
}

int hub_csv_write_report_at(FILE *out, const struct hub_csv_columns *columns,
                            const struct hub_report *report, const char *updated_text)
{
    char updated[SAE_HLC_TIME_LEN + 1];
    const char **cells = malloc((FIXED_COLUMNS + columns->field_count) * sizeof *cells);
    char **owned = calloc(columns->field_count + 1, sizeof *owned);
    if (!cells || !owned) {
        free(cells);
        free(owned);
        return SAE_ENOMEM;
    }
    sae_hlc_format_time(report->updated, updated);
    cells[0] = report->id;
    cells[1] = report->kind->name;
    cells[2] = report->village;
    cells[3] = report->village_name;
    cells[4] = report->deleted ? "true" : "false";
    cells[5] = updated_text ? updated_text : updated;
    /* A column named like a field of this report's kind holds that field; others stay empty. */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < columns->field_count; i++) {
        const struct sae_field *field = NULL;
        cells[FIXED_COLUMNS + i] =
            sae_catalogue_find_field(report->kind, columns->fields[i]->name, &field) == 0
                ? hub_report_value(report, field)
                : NULL;
        if (field)
            rc = set_cell(field, cells[FIXED_COLUMNS + i], &owned[i]);
        if (owned[i])
            cells[FIXED_COLUMNS + i] = owned[i];
    }
    if (rc == 0)
        rc = hub_csv_write_row(out, cells, FIXED_COLUMNS + columns->field_count);
    cells_free(owned, columns->field_count);
    free(cells);
    return rc;
}
