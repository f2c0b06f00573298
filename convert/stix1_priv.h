/*
 * Private entry points of the STIX 1.x reader, for its tests.
 */
#ifndef CTIFLOW_CONVERT_STIX1_PRIV_H
#define CTIFLOW_CONVERT_STIX1_PRIV_H

#include <stdbool.h>

#include "ctiflow/reader.h"

/*
 * cf_read_stix1 with one switch: every_pattern hands each indicator's
 * pattern to sink->compound, also when the indicator is a single
 * observation that the STIX writer would turn into the same pattern.
 */
cf_status cf_stix1_read_ex(cf_input *in, const cf_read_opts *o, const cf_sink *sink,
                           bool every_pattern, cf_error *err);

#endif
