/*
 * ap_plain_head.c — the request head of the AP's plain-HTTP listener
 * (ap_plain.c; seed cl. 8.2.1, RFC 2817): where it ends in what arrived,
 * and what to answer — 101 and a replay of the request for the TLS side,
 * or a refusal. No sockets, no event loop: see ap_plain_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ap_plain_int.h"

/* 1 when the comma-separated `list` holds a token equal to `tok` (case-
 * insensitive), or starting with it when `prefix`. */
static int
has_token(const char *list, const char *tok, int prefix)
{
	const char *p = list, *e;
	size_t n = strlen(tok), len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if ((prefix ? len >= n : len == n) && strncasecmp(p, tok, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* 101, or the answer `status` with its `extra` header lines and `text`. */
static void
verdict(struct ap_plain_req *r, int status, const char *extra,
    const char *text)
{
	r->status = status;
	r->extra = extra;
	r->text = text;
}

size_t
ap_plain_head_len(const char *p, size_t len)
{
	size_t i;

	/* the first empty line, whichever way it ends: a request in CRLF
	 * after one in bare LFs must not count as part of the head */
	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The request head in `h` (NUL-terminated, lines ending in LF or CRLF). */
int
ap_plain_parse(char *h, size_t extra, const char *redirect,
    struct ap_plain_req *r)
{
	char *line, *next, *colon, *sp1, *sp2, *method, *target, *version, *cr;
	const char *upgrade = NULL, *connection = NULL;
	int body = 0, nhost = 0, n, st;
	size_t rlen = 0, cap;
	char loc[1024];

	memset(r, 0, sizeof(*r));
	r->method = r->target = "-";
	/*
	 * The replay is the head again, minus the upgrade fields: each line
	 * grows by at most two octets (a CR, the space after the colon)
	 * and is at least two long, so twice the head always fits. Measured
	 * here, before the parsing below cuts `h` into strings.
	 */
	cap = 2 * strlen(h) + 64;
	if ((r->replay = malloc(cap)) == NULL)
		return -1;
	r->replay_size = cap;
	/* a CR only ends a line: one elsewhere would cut what follows it
	 * out of the replay (RFC 9112 §2.2) */
	for (cr = strchr(h, '\r'); cr != NULL; cr = strchr(cr + 1, '\r'))
		if (cr[1] != '\n') {
			verdict(r, 400, NULL, "bare CR in the request head");
			goto refused;
		}
	/* request line */
	line = h;
	if ((next = strchr(line, '\n')) != NULL)
		*next++ = '\0';
	line[strcspn(line, "\r")] = '\0';
	if (next == NULL || (sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' ')) {
		verdict(r, 400, NULL, "malformed request line");
		goto refused;
	}
	*sp1 = *sp2 = '\0';
	method = line;
	target = sp1 + 1;
	version = sp2 + 1;
	r->method = method;
	r->target = target;
	if (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0")) {
		verdict(r, 505, NULL, "HTTP/1.1 only");
		goto refused;
	}
	n = snprintf(r->replay, cap, "%s %s %s\r\n", method, target, version);
	if (n < 0 || (size_t)n >= cap)
		goto toolong;
	rlen = (size_t)n;
	/* fields: keep all but the hop-by-hop ones for the replay */
	for (line = next; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    line[0] == ' ' || line[0] == '\t') {
			verdict(r, 400, NULL, "malformed header field");
			goto refused;
		}
		*colon = '\0';
		for (colon++; *colon == ' ' || *colon == '\t'; colon++)
			;
		if (strcasecmp(line, "upgrade") == 0)
			upgrade = colon;
		else if (strcasecmp(line, "connection") == 0)
			connection = colon;
		else if (strcasecmp(line, "content-length") == 0)
			body |= strspn(colon, "0") != strlen(colon);
		else if (strcasecmp(line, "transfer-encoding") == 0)
			body = 1;
		else {
			if (strcasecmp(line, "host") == 0)
				nhost++;
			n = snprintf(r->replay + rlen, cap - rlen,
			    "%s: %s\r\n", line, colon);
			if (n < 0 || (size_t)n >= cap - rlen)
				goto toolong;
			rlen += (size_t)n;
		}
	}
	if (cap - rlen < 3)
		goto toolong;
	memcpy(r->replay + rlen, "\r\n", 3);
	rlen += 2;
	r->replay_len = rlen;
	if (upgrade != NULL && has_token(upgrade, "TLS/1.", 1)) {
		if (connection == NULL || !has_token(connection, "upgrade", 0)) {
			/* an Upgrade field not named in Connection is not an
			 * upgrade request (RFC 9110 §7.8): a plain request */
			verdict(r, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n",
			    "to upgrade, send \"Upgrade: TLS/1.0\" with "
			    "\"Connection: Upgrade\" (RFC 2817 3.1)");
			goto refused;
		}
		if (body || extra > 0) {
			/* the body (or a pipelined request) would be lost
			 * under the handshake */
			verdict(r, 400, NULL, "an upgrade request must come "
			    "alone and without a body: send it after TLS");
			goto refused;
		}
		if (nhost != 1 && strcmp(version, "HTTP/1.1") == 0) {
			verdict(r, 400, NULL, "exactly one Host field needed");
			goto refused;
		}
		verdict(r, 101, NULL, NULL);
		return 0;
	}
	if (upgrade != NULL) {
		/* an upgrade to something we do not speak here (h2c, ...) */
		verdict(r, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n", "this port "
		    "only upgrades to TLS (RFC 2817): use Upgrade: TLS/1.0");
		goto refused;
	}
	if (redirect[0] != '\0' && target[0] == '/') {
		/* the URL cut, never the line end */
		snprintf(loc, sizeof(loc), "%s%s", redirect, target);
		snprintf(r->location, sizeof(r->location), "Location: %s\r\n",
		    loc);
		/* 308 keeps the method and body (RFC 9110 §15.4.9) */
		st = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ?
		    301 : 308;
		verdict(r, st, r->location, "use https");
		goto refused;
	}
	verdict(r, 426, "Upgrade: TLS/1.0, HTTP/1.1\r\n", "this AP serves "
	    "only over TLS: send \"Upgrade: TLS/1.0\" with \"Connection: "
	    "Upgrade\" (RFC 2817), or use https");
	goto refused;
toolong:
	/* cannot happen (see `cap`); refuse rather than replay a cut head */
	verdict(r, 431, NULL, "request head too large");
refused:
	free(r->replay);
	r->replay = NULL;
	r->replay_len = r->replay_size = 0;
	return 0;
}
