#include "sim/xml.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		if (s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
			return 0; /* U+FFFE, U+FFFF are not XML characters */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int xml_escape(struct dynbuf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int r = 0;

	while (*s && !r) {
		int n;
		switch (*s) {
		case '&': r = dyn_addstr(out, "&amp;"); n = 1; break;
		case '<': r = dyn_addstr(out, "&lt;"); n = 1; break;
		case '>': r = dyn_addstr(out, "&gt;"); n = 1; break;
		case '"': r = dyn_addstr(out, "&quot;"); n = 1; break;
		case '\'': r = dyn_addstr(out, "&apos;"); n = 1; break;
		case '\r': r = dyn_addstr(out, "&#13;"); n = 1; break;
		default:
			if (*s < 0x20 && *s != '\t' && *s != '\n') {
				r = dyn_addstr(out, "\xef\xbf\xbd");
				n = 1;
			} else if ((n = utf8_len(s)) == 0) {
				r = dyn_addstr(out, "\xef\xbf\xbd");
				n = 1;
			} else {
				r = dyn_add(out, s, (size_t)n);
			}
		}
		s += n;
	}
	return r;
}

int xml_elem(struct dynbuf *out, const char *name, const char *value)
{
	if (!value)
		return 0;
	int r = dyn_addf(out, "<%s>", name);
	if (!r)
		r = xml_escape(out, value);
	if (!r)
		r = dyn_addf(out, "</%s>", name);
	return r;
}

int xml_elem_int(struct dynbuf *out, const char *name, long long value)
{
	return dyn_addf(out, "<%s>%lld</%s>", name, value, name);
}

int xml_elem_bool(struct dynbuf *out, const char *name, int value)
{
	return dyn_addf(out, "<%s>%s</%s>", name, value ? "true" : "false", name);
}
