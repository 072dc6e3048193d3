/* dur.h - durations as the app note writes them: "3s", "109s", "25m", "24h",
 * "500ms", "1.5s", "2h30m"; a bare number means seconds. */
#ifndef SARASIM_DUR_H
#define SARASIM_DUR_H

#include <stdint.h>

/* Parse into nanoseconds.  0 on success, -1 if the text is not a duration. */
int dur_parse(const char *s, uint64_t *ns);
/* Format ns compactly ("109s", "1.5s", "25m", "250ms") into buf. */
void dur_format(uint64_t ns, char *buf, unsigned long size);

#endif
