/*
 * conf.c — strict configuration files driven by one option table; see
 * conf.h for the format and the caller pattern.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "hex.h"
#include "secret.h"

static int	fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Write a message to err (if any) and return -1. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs at both ends of `s`, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* --- the option table -------------------------------------------------- */

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

/* [a-z0-9_-]+ parts joined by single dots. */
static int
valid_name(const char *s)
{
	int part = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (part == 0)
				return 0;
			part = 0;
		} else if (name_char(*s))
			part++;
		else
			return 0;
	}
	return part > 0;
}

/* Table errors are programming errors; name the entry and the problem. */
static int
check_table(const struct conf_opt *opts, char *err, size_t errlen)
{
	const struct conf_opt *o, *p;
	const char *why;

	for (o = opts; o->name != NULL; o++) {
		why = NULL;
		if (!valid_name(o->name))
			why = "bad name";
		else if ((o->flags & CONF_F_REQUIRED) && o->def != NULL)
			why = "required option with a default";
		else if ((o->flags & CONF_F_VARLEN) && o->type != CONF_HEX)
			why = "CONF_F_VARLEN on a non-hex option";
		else switch (o->type) {
		case CONF_STR:
			if (o->size < 1)
				why = "string of size 0";
			break;
		case CONF_INT:
			if (o->size != sizeof(long long))
				why = "integer member is not a long long";
			else if (o->min > o->max)
				why = "min > max";
			break;
		case CONF_BOOL:
			if (o->size != sizeof(int))
				why = "boolean member is not an int";
			break;
		case CONF_HEX:
			if (o->size < 1)
				why = "hex of size 0";
			else if ((o->flags & CONF_F_VARLEN) &&
			    (o->min < 0 || (unsigned long long)o->min > o->size))
				why = "minimum length out of 0..size";
			break;
		case CONF_ADDR:
			if (o->size != sizeof(struct conf_addr))
				why = "address member is not a struct conf_addr";
			break;
		default:
			why = "unknown type";
		}
		for (p = opts; why == NULL && p < o; p++)
			if (strcmp(p->name, o->name) == 0)
				why = "declared twice";
		if (why != NULL)
			return fail(err, errlen, "option table: '%s': %s",
			    o->name, why);
	}
	return 0;
}

/* Find `key` in `sect` ("" before any section): the option sect.key. */
static const struct conf_opt *
lookup(const struct conf_opt *opts, const char *sect, const char *key)
{
	const struct conf_opt *o;
	size_t sl = strlen(sect);

	for (o = opts; o->name != NULL; o++) {
		if (sl == 0) {
			if (strcmp(o->name, key) == 0)
				return o;
		} else if (strncmp(o->name, sect, sl) == 0 &&
		    o->name[sl] == '.' && strcmp(o->name + sl + 1, key) == 0)
			return o;
	}
	return NULL;
}

/* Whether any option lives in section `sect`. */
static int
known_section(const struct conf_opt *opts, const char *sect)
{
	const struct conf_opt *o;
	size_t sl = strlen(sect);

	for (o = opts; o->name != NULL; o++)
		if (strncmp(o->name, sect, sl) == 0 && o->name[sl] == '.')
			return 1;
	return 0;
}

/* --- values ------------------------------------------------------------ */

/*
 * Quoted text of a value for an error message, or "value" for a secret
 * (the caller writes "%s: %s is ..." with either).
 */
static const char *
shown(const struct conf_opt *o, const char *v, char *tmp, size_t tmpsz)
{
	if (o->flags & CONF_F_SECRET)
		return "value";
	snprintf(tmp, tmpsz, "'%s'", v);
	return tmp;
}

static int
parse_int(const struct conf_opt *o, const char *v, long long *out,
    char *msg, size_t msgsz)
{
	char tmp[128];
	char *end;
	long long n;

	/* strtoll would skip leading spaces (kept by quotes) and accept
	 * an empty string as 0; a number starts with a sign or a digit. */
	if (!((*v >= '0' && *v <= '9') || *v == '-' || *v == '+'))
		return fail(msg, msgsz, "%s: %s is not a number", o->name,
		    shown(o, v, tmp, sizeof(tmp)));
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0')
		return fail(msg, msgsz, "%s: %s is not a number", o->name,
		    shown(o, v, tmp, sizeof(tmp)));
	if (errno == ERANGE || n < o->min || n > o->max)
		return fail(msg, msgsz, "%s: %s is out of range %lld..%lld",
		    o->name, (o->flags & CONF_F_SECRET) ? "value" : v,
		    o->min, o->max);
	*out = n;
	return 0;
}

static int
parse_bool(const struct conf_opt *o, const char *v, int *out, char *msg,
    size_t msgsz)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char tmp[128];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return fail(msg, msgsz,
	    "%s: %s is not a boolean (yes/no, true/false, on/off, 1/0)",
	    o->name, shown(o, v, tmp, sizeof(tmp)));
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Check the whole text first so that `dst` is written only on success. */
static int
parse_hex(const struct conf_opt *o, const char *v, uint8_t *dst,
    size_t *lenp, char *msg, size_t msgsz)
{
	char tmp[128];
	const char *h = v;
	size_t n, i, lo;

	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
		h += 2;
	n = strlen(h);
	lo = (o->flags & CONF_F_VARLEN) ? (size_t)o->min : o->size;
	for (i = 0; i < n && is_hex(h[i]); i++)
		;
	if (i < n || n % 2 != 0 || n / 2 < lo || n / 2 > o->size) {
		if (lo == o->size)
			return fail(msg, msgsz, "%s: %s is not %zu octets of hex",
			    o->name, shown(o, v, tmp, sizeof(tmp)), o->size);
		return fail(msg, msgsz, "%s: %s is not %zu to %zu octets of hex",
		    o->name, shown(o, v, tmp, sizeof(tmp)), lo, o->size);
	}
	/* Wipe what a longer earlier value left beyond the new one. */
	secret_wipe(dst, o->size);
	(void)hex_decode(h, dst, o->size);
	if (lenp != NULL)
		*lenp = n / 2;
	return 0;
}

static int
parse_addr(const struct conf_opt *o, const char *v, struct conf_addr *a,
    char *msg, size_t msgsz)
{
	char tmp[128];
	const char *host, *hend, *port, *c;
	unsigned long p = 0;

	if (v[0] == '[') {
		host = v + 1;
		if ((hend = strchr(host, ']')) == NULL || hend[1] != ':')
			goto bad;
		port = hend + 2;
	} else {
		host = v;
		if ((hend = strrchr(v, ':')) == NULL)
			goto bad;
		port = hend + 1;
		if (memchr(host, ':', (size_t)(hend - host)) != NULL)
			goto bad;	/* IPv6 without brackets */
	}
	if (hend == host || *port == '\0')
		goto bad;
	for (c = host; c < hend; c++)
		if ((unsigned char)*c <= 0x20 || *c == '[' || *c == ']')
			goto bad;
	for (c = port; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			goto bad;
		if (p <= 65535)
			p = p * 10 + (unsigned long)(*c - '0');
	}
	if (p > 65535)
		return fail(msg, msgsz, "%s: port %s is out of range 0..65535",
		    o->name, port);
	if ((size_t)(hend - host) > CONF_HOST_MAX)
		return fail(msg, msgsz,
		    "%s: host is too long (%d characters at most)", o->name,
		    CONF_HOST_MAX);
	memset(a->host, 0, sizeof(a->host));
	memcpy(a->host, host, (size_t)(hend - host));
	a->port = (uint16_t)p;
	return 0;
bad:
	return fail(msg, msgsz, "%s: %s is not host:port", o->name,
	    shown(o, v, tmp, sizeof(tmp)));
}

/*
 * Store the text `v` as option `o` in `dst`. Returns 0, or -1 with
 * "name: problem" in `msg`; `dst` is written only on success.
 */
static int
store(const struct conf_opt *o, void *dst, const char *v, char *msg,
    size_t msgsz)
{
	uint8_t *p = (uint8_t *)dst + o->offset;
	long long n = 0;
	size_t len = 0;
	int b = 0;

	switch (o->type) {
	case CONF_STR:
		len = strlen(v);
		if (len >= o->size)
			return fail(msg, msgsz,
			    "%s: value is too long (%zu characters at most)",
			    o->name, o->size - 1);
		secret_wipe(p, o->size);
		memcpy(p, v, len);
		return 0;
	case CONF_INT:
		if (parse_int(o, v, &n, msg, msgsz) == -1)
			return -1;
		memcpy(p, &n, sizeof(n));
		return 0;
	case CONF_BOOL:
		if (parse_bool(o, v, &b, msg, msgsz) == -1)
			return -1;
		memcpy(p, &b, sizeof(b));
		return 0;
	case CONF_HEX:
		if (parse_hex(o, v, p, &len, msg, msgsz) == -1)
			return -1;
		if (o->flags & CONF_F_VARLEN)
			memcpy((uint8_t *)dst + o->len_offset, &len,
			    sizeof(len));
		return 0;
	case CONF_ADDR:
		return parse_addr(o, v, (struct conf_addr *)(void *)p, msg,
		    msgsz);
	}
	return fail(msg, msgsz, "%s: unknown type", o->name);
}

/*
 * The value text after '=' in `s`, in place: trimmed, and unquoted when
 * it starts with '"'. Returns NULL with a static message in *why.
 */
static char *
parse_value(char *s, const char **why)
{
	char *r, *w;

	s = trim(s);
	if (*s != '"')
		return s;
	for (r = w = s + 1; *r != '"'; r++, w++) {
		if (*r == '\0') {
			*why = "unterminated quoted value";
			return NULL;
		}
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\') {
				*why = "bad escape in quoted value "
				    "(only \\\" and \\\\)";
				return NULL;
			}
		}
		*w = *r;
	}
	if (r[1] != '\0') {
		*why = "unexpected text after quoted value";
		return NULL;
	}
	*w = '\0';
	return s + 1;
}

/* Position of the first octet below 0x20 (but tab) or 0x7f, or NULL. */
static const char *
find_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return s + i;
	return NULL;
}

/* --- entry points ------------------------------------------------------ */

int
conf_defaults(const struct conf_opt *opts, void *dst, char *err,
    size_t errlen)
{
	const struct conf_opt *o;
	uint8_t *p;
	char msg[512];
	size_t zero = 0;

	if (check_table(opts, err, errlen) == -1)
		return -1;
	for (o = opts; o->name != NULL; o++) {
		p = (uint8_t *)dst + o->offset;
		secret_wipe(p, o->size);
		if (o->flags & CONF_F_VARLEN)
			memcpy((uint8_t *)dst + o->len_offset, &zero,
			    sizeof(zero));
		if (o->def != NULL &&
		    store(o, dst, o->def, msg, sizeof(msg)) == -1)
			return fail(err, errlen, "default: %s", msg);
	}
	return 0;
}

/* Read all of `path` into `b` (capped), NUL-terminated. */
static int
read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[4096];
	FILE *f;
	size_t n;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n > CONF_FILE_MAX - b->len) {	/* b->len <= the max */
			rc = fail(err, errlen, "%s: file too large (%d octets "
			    "at most)", path, CONF_FILE_MAX);
			break;
		}
		if (buf_append(b, chunk, n) == -1) {
			rc = fail(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
	fclose(f);
	secret_wipe(chunk, sizeof(chunk));
	if (rc == 0 && buf_cstr(b) == NULL)
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
	return rc;
}

int
conf_load(const struct conf_opt *opts, void *dst, const char *path,
    char *err, size_t errlen)
{
	const struct conf_opt *o;
	struct buf b;
	unsigned int *seen = NULL, lineno = 0;
	size_t nopts = 0, len;
	char *p, *end, *nl, *s, *eq, *key, *val, *close;
	const char *sect = "";
	const char *why;
	char msg[512];
	int rc = -1;

	if (check_table(opts, err, errlen) == -1)
		return -1;
	for (o = opts; o->name != NULL; o++)
		nopts++;
	/* One more than the cap so that a file of exactly CONF_FILE_MAX
	 * octets still has room for buf_cstr()'s NUL. */
	buf_init(&b, (size_t)CONF_FILE_MAX + 1);
	if (read_file(path, &b, err, errlen) == -1)
		goto done;
	if ((seen = calloc(nopts + 1, sizeof(*seen))) == NULL) {
		fail(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto done;
	}

	p = (char *)b.data;
	end = p + b.len;
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (memchr(p, '\0', len) != NULL) {
			fail(err, errlen, "%s:%u: NUL byte in line", path,
			    lineno);
			goto done;
		}
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > CONF_LINE_MAX) {
			fail(err, errlen, "%s:%u: line too long (%d characters "
			    "at most)", path, lineno, CONF_LINE_MAX);
			goto done;
		}
		if (find_control(p, len) != NULL) {
			fail(err, errlen, "%s:%u: control character in line",
			    path, lineno);
			goto done;
		}
		p[len] = '\0';	/* over '\r', '\n' or buf_cstr()'s NUL */
		s = trim(p);

		if (*s == '\0' || *s == '#' || *s == ';')
			continue;

		if (*s == '[') {
			if ((close = strchr(s, ']')) == NULL ||
			    close[1] != '\0' || close == s + 1) {
				fail(err, errlen, "%s:%u: bad section header",
				    path, lineno);
				goto done;
			}
			*close = '\0';
			if (!valid_name(s + 1) || !known_section(opts, s + 1)) {
				fail(err, errlen, "%s:%u: unknown section '%s'",
				    path, lineno, s + 1);
				goto done;
			}
			sect = s + 1;
			continue;
		}

		if ((eq = strchr(s, '=')) == NULL) {
			fail(err, errlen, "%s:%u: expected 'key = value'", path,
			    lineno);
			goto done;
		}
		*eq = '\0';
		key = trim(s);
		if (*key == '\0' || strpbrk(key, " \t\"[]") != NULL) {
			fail(err, errlen, "%s:%u: expected 'key = value'", path,
			    lineno);
			goto done;
		}
		if ((o = lookup(opts, sect, key)) == NULL) {
			fail(err, errlen, "%s:%u: unknown key '%s%s%s'", path,
			    lineno, sect, *sect != '\0' ? "." : "", key);
			goto done;
		}
		if (seen[o - opts] != 0) {
			fail(err, errlen, "%s:%u: duplicate key '%s' (first set "
			    "on line %u)", path, lineno, o->name,
			    seen[o - opts]);
			goto done;
		}
		seen[o - opts] = lineno;
		if ((val = parse_value(eq + 1, &why)) == NULL) {
			fail(err, errlen, "%s:%u: %s: %s", path, lineno,
			    o->name, why);
			goto done;
		}
		if (store(o, dst, val, msg, sizeof(msg)) == -1) {
			fail(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto done;
		}
	}

	for (o = opts; o->name != NULL; o++) {
		if ((o->flags & CONF_F_REQUIRED) && seen[o - opts] == 0) {
			fail(err, errlen, "%s: missing required key '%s'", path,
			    o->name);
			goto done;
		}
	}
	rc = 0;
done:
	secret_wipe(msg, sizeof(msg));
	buf_clear(&b);
	free(seen);
	return rc;
}

int
conf_set(const struct conf_opt *opts, void *dst, const char *assignment,
    char *err, size_t errlen)
{
	const struct conf_opt *o;
	char *copy, *eq, *key, *val;
	const char *why;
	char msg[512];
	size_t len;
	int rc = -1;

	if (check_table(opts, err, errlen) == -1)
		return -1;
	len = strlen(assignment);
	if (len > CONF_LINE_MAX)
		return fail(err, errlen, "-o: too long (%d characters at most)",
		    CONF_LINE_MAX);
	if (find_control(assignment, len) != NULL)
		return fail(err, errlen, "-o: control character in value");
	if ((copy = strdup(assignment)) == NULL)
		return fail(err, errlen, "-o: %s", strerror(ENOMEM));

	if ((eq = strchr(copy, '=')) == NULL) {
		fail(err, errlen, "-o: expected 'key=value'");
		goto done;
	}
	*eq = '\0';
	key = trim(copy);
	if ((o = lookup(opts, "", key)) == NULL) {
		fail(err, errlen, "-o: unknown key '%s'", key);
		goto done;
	}
	if ((val = parse_value(eq + 1, &why)) == NULL) {
		fail(err, errlen, "-o: %s: %s", o->name, why);
		goto done;
	}
	if (store(o, dst, val, msg, sizeof(msg)) == -1) {
		fail(err, errlen, "-o: %s", msg);
		goto done;
	}
	rc = 0;
done:
	secret_wipe(copy, len);
	free(copy);
	secret_wipe(msg, sizeof(msg));
	return rc;
}

/* Print a string value, in quotes when a bare value would not read back. */
static void
dump_str(const char *s, FILE *f)
{
	size_t n = strlen(s);

	if (n > 0 && !is_space(s[0]) && !is_space(s[n - 1]) && s[0] != '"') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
conf_dump(const struct conf_opt *opts, const void *src, FILE *f)
{
	const struct conf_opt *o;
	const uint8_t *p;
	const struct conf_addr *a;
	long long n;
	size_t len, i;
	int b;

	for (o = opts; o->name != NULL; o++) {
		p = (const uint8_t *)src + o->offset;
		fprintf(f, "%s = ", o->name);
		if (o->flags & CONF_F_SECRET) {
			fputs("[hidden]\n", f);
			continue;
		}
		switch (o->type) {
		case CONF_STR:
			dump_str((const char *)p, f);
			break;
		case CONF_INT:
			memcpy(&n, p, sizeof(n));
			fprintf(f, "%lld", n);
			break;
		case CONF_BOOL:
			memcpy(&b, p, sizeof(b));
			fputs(b ? "yes" : "no", f);
			break;
		case CONF_HEX:
			len = o->size;
			if (o->flags & CONF_F_VARLEN)
				memcpy(&len, (const uint8_t *)src +
				    o->len_offset, sizeof(len));
			if (len == 0)
				fputs("\"\"", f);
			for (i = 0; i < len && i < o->size; i++)
				fprintf(f, "%02x", p[i]);
			break;
		case CONF_ADDR:
			a = (const struct conf_addr *)(const void *)p;
			if (a->host[0] == '\0')
				fputs("\"\"", f);
			else if (strchr(a->host, ':') != NULL)
				fprintf(f, "[%s]:%u", a->host, a->port);
			else
				fprintf(f, "%s:%u", a->host, a->port);
			break;
		}
		fputc('\n', f);
	}
}
