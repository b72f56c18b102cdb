/*
 * xml.c — XML text escaping (XML 1.0 §2.4, §2.2 Char production).
 */
#include <string.h>

#include "xml.h"

int
xml_append_escaped(struct buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t run;

	while (*p != '\0') {
		run = strcspn((const char *)p, "&<>\"'\x01\x02\x03\x04\x05\x06"
		    "\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
		    "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f");
		if (run > 0 && buf_append(out, p, run) != 0)
			return -1;
		p += run;
		switch (*p) {
		case '\0':
			return 0;
		case '&':
			if (buf_append(out, "&amp;", 5) != 0)
				return -1;
			break;
		case '<':
			if (buf_append(out, "&lt;", 4) != 0)
				return -1;
			break;
		case '>':
			if (buf_append(out, "&gt;", 4) != 0)
				return -1;
			break;
		case '"':
			if (buf_append(out, "&quot;", 6) != 0)
				return -1;
			break;
		case '\'':
			if (buf_append(out, "&apos;", 6) != 0)
				return -1;
			break;
		default:
			return -1;	/* not an XML 1.0 character */
		}
		p++;
	}
	return 0;
}
