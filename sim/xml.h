/* xml: building the XML replies of EC2, S3, IAM and STS.
 *
 * Everything appended comes from state or requests, so it is always escaped;
 * bytes that XML 1.0 cannot carry (control characters other than tab, CR and
 * LF, and malformed UTF-8) are replaced by U+FFFD so a reply is always
 * well-formed.  All functions append to `out` and return dyn_add's code. */
#ifndef AMIWIZ_SIM_XML_H
#define AMIWIZ_SIM_XML_H

#include "help/dynbuf.h"

/* Append `s` escaped for element text or an attribute value. */
int xml_escape(struct dynbuf *out, const char *s);

/* Append "<name>escaped value</name>"; nothing when `value` is NULL. */
int xml_elem(struct dynbuf *out, const char *name, const char *value);

/* Append "<name>N</name>". */
int xml_elem_int(struct dynbuf *out, const char *name, long long value);

/* Append "<name>true</name>" or "<name>false</name>". */
int xml_elem_bool(struct dynbuf *out, const char *name, int value);

#endif
