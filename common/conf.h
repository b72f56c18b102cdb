/*
 * conf.h — strict configuration files, every option declared once.
 *
 * A program declares its options in one table (after Redis's config.c),
 * each with its type, bounds, default and help, and a struct to hold the
 * values; the table drives defaults, file parsing, -o overrides and the
 * dump of `-n -v`. The file format:
 *
 *	# comment		; comment	(whole lines only)
 *	[ub]
 *	listen = 127.0.0.1:8080
 *	realm = "  kept spaces and a # sign "
 *
 * `key = value`: whitespace around '=' is ignored and the value is the
 * rest of the line, trimmed — there are no trailing comments. A value in
 * double quotes keeps leading/trailing spaces; in it \" and \\ stand for
 * '"' and '\'. Keys are named `section.key` (`key` before any section);
 * `ub.listen = ...` may also be written before any section. CRLF line
 * endings are accepted. Anything else is an error reported as
 * `file:line: message` — an unknown section or key, a key set twice, a
 * bad value, a line over CONF_LINE_MAX characters, a NUL or control
 * character — and a required key missing at the end as
 * `file: missing required key 'name'`.
 *
 * Caller pattern (OpenBSD daemons): parse into a fresh struct,
 *
 *	conf_defaults() -> conf_load() -> conf_set() for each -o
 *
 * and swap it in only when all succeed. After an error the fresh struct
 * may hold some values from the file (never a half-written value) and
 * must be discarded — wipe it if it may hold keys.
 */
#ifndef UTSTACK_CONF_H
#define UTSTACK_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest line (without its line ending), and largest file, accepted. */
#define CONF_LINE_MAX	4096
#define CONF_FILE_MAX	(1024 * 1024)

/* Longest host name in a CONF_ADDR value. */
#define CONF_HOST_MAX	255

enum conf_type {
	CONF_STR,	/* char[size], NUL-terminated, at most size-1 chars */
	CONF_INT,	/* long long, decimal, within min..max */
	CONF_BOOL,	/* int 0/1; yes/no, true/false, on/off, 1/0 */
	CONF_HEX,	/* uint8_t[size]; see CONF_F_VARLEN */
	CONF_ADDR	/* struct conf_addr; "host:port" or "[v6]:port" */
};

#define CONF_F_REQUIRED	0x01	/* must be set in the file (no default) */
#define CONF_F_SECRET	0x02	/* value never echoed in errors or dumps */
#define CONF_F_VARLEN	0x04	/* CONF_HEX: min..size octets, length in
				   the size_t at len_offset */

/* A listening or peer address; port 0 means "pick a free one". */
struct conf_addr {
	char		host[CONF_HOST_MAX + 1];	/* no brackets */
	uint16_t	port;
};

/*
 * One option. Usually written with the CONF_OPT_* macros below, which
 * fill offset and size from the struct member. A table ends with
 * CONF_OPT_END.
 */
struct conf_opt {
	const char	*name;		/* "ub.listen": [a-z0-9_-] and dots */
	enum conf_type	 type;
	size_t		 offset;	/* of the value in the caller's struct */
	size_t		 size;		/* CONF_STR: array size (with NUL);
					   CONF_HEX: octets (the most, with
					   CONF_F_VARLEN); others: sizeof */
	long long	 min, max;	/* CONF_INT bounds; CONF_HEX with
					   CONF_F_VARLEN: min = fewest octets */
	const char	*def;		/* default as config text; NULL: empty
					   string, 0, no, no octets, empty
					   host and port 0 */
	int		 flags;		/* CONF_F_* */
	const char	*help;		/* one line, for --help and docs */
	size_t		 len_offset;	/* CONF_F_VARLEN: of the size_t length */
};

#define CONF_MEMBER_SIZE(st, m)	sizeof(((st *)0)->m)

#define CONF_OPT_STR(name, st, m, def, flags, help)			\
	{ (name), CONF_STR, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  0, 0, (def), (flags), (help), 0 }
#define CONF_OPT_INT(name, st, m, min, max, def, flags, help)		\
	{ (name), CONF_INT, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  (min), (max), (def), (flags), (help), 0 }
#define CONF_OPT_BOOL(name, st, m, def, flags, help)			\
	{ (name), CONF_BOOL, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  0, 1, (def), (flags), (help), 0 }
/* Exactly sizeof(m) octets, e.g. a uint8_t k[16]. */
#define CONF_OPT_HEX(name, st, m, def, flags, help)			\
	{ (name), CONF_HEX, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  0, 0, (def), (flags), (help), 0 }
/* minlen..sizeof(m) octets; the count goes to the size_t member lenm. */
#define CONF_OPT_HEXV(name, st, m, lenm, minlen, def, flags, help)	\
	{ (name), CONF_HEX, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  (minlen), 0, (def), (flags) | CONF_F_VARLEN, (help),		\
	  offsetof(st, lenm) }
#define CONF_OPT_ADDR(name, st, m, def, flags, help)			\
	{ (name), CONF_ADDR, offsetof(st, m), CONF_MEMBER_SIZE(st, m),	\
	  0, 0, (def), (flags), (help), 0 }
#define CONF_OPT_END							\
	{ NULL, CONF_STR, 0, 0, 0, 0, NULL, 0, NULL, 0 }

/*
 * Check the table `opts` and set every option it declares in `dst` to its
 * default (only those members; the rest of `dst` is not touched).
 * Returns 0, or -1 with a message in `err` (`errlen` octets, always
 * NUL-terminated when errlen > 0) for a bad table entry or default —
 * programming errors, reported as "option table: ..." or
 * "default: name: ...".
 */
int	conf_defaults(const struct conf_opt *opts, void *dst, char *err,
	    size_t errlen);

/*
 * Read the file `path` and store each `key = value` into `dst` (which
 * conf_defaults() prepared). Each option may be set once. At the end,
 * every CONF_F_REQUIRED option must have been set.
 * Returns 0, or -1 with the first error in `err` as "path:line: message"
 * ("path: message" for errors not tied to a line, such as the file not
 * opening or a missing required key). The file contents are wiped from
 * memory before returning (they may hold keys).
 */
int	conf_load(const struct conf_opt *opts, void *dst, const char *path,
	    char *err, size_t errlen);

/*
 * Apply one override `assignment` of the form "section.key=value" (the -o
 * flag; whitespace and quoting as in a file) to `dst`. Setting a key the
 * file also set, or setting it again, is allowed: the last one wins.
 * Returns 0, or -1 with "-o: message" in `err`; the option is unchanged
 * on error.
 */
int	conf_set(const struct conf_opt *opts, void *dst,
	    const char *assignment, char *err, size_t errlen);

/*
 * Print the effective configuration in `src` to `f`, one
 * "name = value" line per option in table order, in a form conf_load()
 * accepts, except that CONF_F_SECRET values print as [hidden].
 */
void	conf_dump(const struct conf_opt *opts, const void *src, FILE *f);

#endif
