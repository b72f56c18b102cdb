/*
 * ue_json.c — the small JSON writer behind `ue --json`: one flat object.
 */
#include "hex.h"
#include "ue.h"

static void
put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void
member(struct ue_json *j, const char *key)
{
	fputs(j->n++ > 0 ? ", " : "", j->f);
	put_string(j->f, key);
	fputs(": ", j->f);
}

void
ue_json_begin(struct ue_json *j, FILE *f)
{
	j->f = f;
	j->n = 0;
	fputc('{', f);
}

void
ue_json_str(struct ue_json *j, const char *key, const char *value)
{
	member(j, key);
	put_string(j->f, value);
}

void
ue_json_hex(struct ue_json *j, const char *key, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	member(j, key);
	fputc('"', j->f);
	for (i = 0; i < len; i++)
		fprintf(j->f, "%02x", b[i]);
	fputc('"', j->f);
}

void
ue_json_bool(struct ue_json *j, const char *key, int value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->f);
}

void
ue_json_int(struct ue_json *j, const char *key, long long value)
{
	member(j, key);
	fprintf(j->f, "%lld", value);
}

void
ue_json_end(struct ue_json *j)
{
	fputs("}\n", j->f);
}
