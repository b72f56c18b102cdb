/*
 * ap_digest.c — HTTP Digest on Ua (TS 33.222 cl. 5.3: inside server-
 * certificate TLS; TS 24.109 cl. 5.2): the AP's nonces and the password
 * file of clients without a USIM.
 *
 * Nonces are 18 random octets in base64, single-use: a nonce is forgotten
 * when a response to it is checked (right or wrong), and after
 * ua.nonce_lifetime seconds. Each answer carries a `nextnonce` in
 * Authentication-Info (RFC 7616 §3.5) so that a client need not be
 * challenged again. The table holds at most ua.nonce_max nonces; beyond
 * that, new challenges are refused (503) rather than forgetting live ones.
 *
 * The password file has the format of Apache's htdigest: one
 * `user:realm:HA1` line per user, HA1 = hex MD5(user ":" realm ":"
 * password); `#` comments and blank lines are skipped. It is read once at
 * start-up (and on SIGHUP by a restart: it holds no secrets the AP
 * derives). A user authenticates as the public identity sip:user@realm —
 * what standard XCAP clients without a USIM send (username = the user part,
 * realm = the domain of their SIP address).
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ap.h"
#include "b64.h"
#include "crypto.h"
#include "log.h"
#include "secret.h"

#define NONCE_RAW	18	/* base64: 24 characters, no padding */

struct nonce {
	TAILQ_ENTRY(nonce)	 fifo;	/* oldest first */
	struct nonce		*hnext;
	uint32_t		 hash;
	time_t			 expiry;
	char			 text[AP_NONCE_LEN + 1];
};

TAILQ_HEAD(nonce_list, nonce);

struct ap_nonces {
	struct nonce_list	 fifo;
	struct nonce		**table;
	size_t			 nbuckets;
	size_t			 count;
	size_t			 max;
	long			 lifetime;
};

static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

struct ap_nonces *
ap_nonces_new(size_t max, long lifetime)
{
	struct ap_nonces *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->nbuckets = max < 65536 ? max : 65536;
	if ((n->table = calloc(n->nbuckets, sizeof(*n->table))) == NULL) {
		free(n);
		return NULL;
	}
	TAILQ_INIT(&n->fifo);
	n->max = max;
	n->lifetime = lifetime;
	return n;
}

static void
nonce_remove(struct ap_nonces *n, struct nonce *e)
{
	struct nonce **pp;

	for (pp = &n->table[e->hash % n->nbuckets]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	TAILQ_REMOVE(&n->fifo, e, fifo);
	n->count--;
	free(e);
}

void
ap_nonces_expire(struct ap_nonces *n, time_t now)
{
	struct nonce *e;

	while ((e = TAILQ_FIRST(&n->fifo)) != NULL && e->expiry <= now)
		nonce_remove(n, e);
}

void
ap_nonces_free(struct ap_nonces *n)
{
	struct nonce *e;

	if (n == NULL)
		return;
	while ((e = TAILQ_FIRST(&n->fifo)) != NULL)
		nonce_remove(n, e);
	free(n->table);
	free(n);
}

size_t
ap_nonces_count(const struct ap_nonces *n)
{
	return n->count;
}

int
ap_nonce_new(struct ap_nonces *n, time_t now, char out[AP_NONCE_LEN + 1])
{
	uint8_t raw[NONCE_RAW];
	struct nonce *e;

	ap_nonces_expire(n, now);
	if (n->count >= n->max) {
		errno = EAGAIN;
		return -1;
	}
	if (crypto_random(raw, sizeof(raw), 0) != 0 ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b64_encode(raw, sizeof(raw), e->text);
	e->expiry = now + n->lifetime;
	e->hash = str_hash(e->text);
	e->hnext = n->table[e->hash % n->nbuckets];
	n->table[e->hash % n->nbuckets] = e;
	TAILQ_INSERT_TAIL(&n->fifo, e, fifo);
	n->count++;
	memcpy(out, e->text, AP_NONCE_LEN + 1);
	return 0;
}

int
ap_nonce_take(struct ap_nonces *n, const char *nonce, time_t now)
{
	struct nonce *e;
	uint32_t h;

	ap_nonces_expire(n, now);
	if (strlen(nonce) != AP_NONCE_LEN)
		return -1;
	h = str_hash(nonce);
	for (e = n->table[h % n->nbuckets]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->text, nonce) == 0) {
			nonce_remove(n, e);
			return 0;
		}
	return -1;
}

/* ---- htdigest ------------------------------------------------------------ */

struct ap_htdigest {
	size_t		 n;
	struct ht_user {
		char	*user;
		char	*realm;
		char	 ha1[33];
	}		*u;
};

static int
valid_part(const char *s, size_t len)
{
	size_t i;

	/* user and realm both fit in sip:user@realm (AP_IMPU_MAX) */
	if (len == 0 || len > (AP_IMPU_MAX - 8) / 2)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    s[i] == '"' || s[i] == '\\' || s[i] == '@')
			return 0;
	return 1;
}

struct ap_htdigest *
ap_htdigest_load(const char *path, char *err, size_t errlen)
{
	struct ap_htdigest *h;
	struct ht_user *nu;
	FILE *f;
	char line[1024], *p, *c1, *c2;
	size_t lineno = 0, len, i;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s:%zu: line too long", path,
			    lineno);
			goto fail;
		}
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if ((c1 = strchr(p, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL ||
		    !valid_part(p, (size_t)(c1 - p)) ||
		    !valid_part(c1 + 1, (size_t)(c2 - c1 - 1)) ||
		    strlen(c2 + 1) != 32 ||
		    strspn(c2 + 1, "0123456789abcdefABCDEF") != 32) {
			snprintf(err, errlen, "%s:%zu: expected user:realm:"
			    "32 hex digits (htdigest format)", path, lineno);
			goto fail;
		}
		*c1 = *c2 = '\0';
		for (i = 0; i < h->n; i++)
			if (strcmp(h->u[i].user, p) == 0 &&
			    strcmp(h->u[i].realm, c1 + 1) == 0) {
				snprintf(err, errlen, "%s:%zu: %s in realm %s "
				    "listed twice", path, lineno, p, c1 + 1);
				goto fail;
			}
		if ((nu = realloc(h->u, (h->n + 1) * sizeof(*nu))) == NULL)
			goto nomem;
		h->u = nu;
		memset(&h->u[h->n], 0, sizeof(h->u[0]));
		if ((h->u[h->n].user = strdup(p)) == NULL ||
		    (h->u[h->n].realm = strdup(c1 + 1)) == NULL) {
			free(h->u[h->n].user);
			goto nomem;
		}
		for (i = 0; i < 32; i++)
			h->u[h->n].ha1[i] = (char)(c2[1 + i] | 0x20);
		h->n++;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	secret_wipe(line, sizeof(line));
	return h;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	fclose(f);
	secret_wipe(line, sizeof(line));
	ap_htdigest_free(h);
	return NULL;
}

void
ap_htdigest_free(struct ap_htdigest *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->u[i].user);
		free(h->u[i].realm);
	}
	secret_wipe(h->u, h->n * sizeof(h->u[0]));
	free(h->u);
	free(h);
}

const char *
ap_htdigest_ha1(const struct ap_htdigest *h, const char *user,
    const char *realm)
{
	size_t i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->u[i].user, user) == 0 &&
		    strcmp(h->u[i].realm, realm) == 0)
			return h->u[i].ha1;
	return NULL;
}

int
ap_htdigest_has_realm(const struct ap_htdigest *h, const char *realm)
{
	size_t i;

	if (h == NULL)
		return 0;
	for (i = 0; i < h->n; i++)
		if (strcmp(h->u[i].realm, realm) == 0)
			return 1;
	return 0;
}

const char *
ap_htdigest_realm(const struct ap_htdigest *h, size_t i)
{
	size_t j, k;

	/* the i-th distinct realm, in file order */
	for (j = 0, k = 0; h != NULL && j < h->n; j++) {
		size_t m;

		for (m = 0; m < j; m++)
			if (strcmp(h->u[m].realm, h->u[j].realm) == 0)
				break;
		if (m < j)
			continue;
		if (k++ == i)
			return h->u[j].realm;
	}
	return NULL;
}
