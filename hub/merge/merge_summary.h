/* Keeps report_summary (store/hub_summary.h) in step with the winners: rewritten for every
 * report a merge touched, inside the caller's write transaction. */
#ifndef MERGE_SUMMARY_H
#define MERGE_SUMMARY_H

#include "store/hub_store.h"

#include <stdint.h>

/* report_no: report_id's number (report.no), by which its winners are read. */
int merge_summary_refresh(struct hub_store *store, int64_t report_no, const char *report_id);

#endif
