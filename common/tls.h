/*
 * tls.h — TLS-PSK on libevent with GnuTLS: a server whose pre-shared keys
 * come from elsewhere, asynchronously (the Authentication Proxy asking the
 * BSF over Zn), and a small blocking client for the UE and the tests.
 *
 * Specs: TS 33.222 cl. 5.4 (shared-key TLS; RFC 4279 TLS 1.2 PSK suites,
 * identity hint "3GPP-bootstrapping"), 5.4.0.2 (TLS 1.3 external PSK),
 * TS 33.220 Annex H (Ua security protocol identifiers: `01 00 01 yy zz`
 * with the negotiated TLS 1.2 suite, `01 00 00 00 07` for TLS 1.3).
 *
 * The server may also hold an X.509 certificate (TS 33.222 cl. 5.3: TLS
 * with a server certificate, HTTP Digest inside it, done by the
 * application): a client that offers PSK (TLS 1.2 PSK suites, TLS 1.3
 * pre_shared_key) gets the PSK handshake as without a certificate; a client
 * that offers no PSK gets a certificate handshake (TLS 1.2 ECDHE-ECDSA or
 * ECDHE-RSA, TLS 1.3) and no lookup. tls_client_cert_connect() is the
 * matching client, verifying the chain and the host name.
 *
 * Why the server looks at records itself. On GnuTLS 3.7.9 no callback can
 * wait for a key (see ../shared/spec/README.md, library facts): a PSK
 * credentials function that fails ends the handshake. So the connection
 * keeps its own input buffer, reads the PSK identity from the plaintext
 * ClientHello (TLS 1.3, extension 41 pre_shared_key) or ClientKeyExchange
 * (TLS 1.2), asks the application for the key, and holds that record back
 * from GnuTLS (the pull function says EAGAIN) until the key is known. Other
 * connections proceed meanwhile. The TLS 1.2 suite, part of the key's
 * NAF_Id, is read from the ServerHello the server sends (a handshake hook).
 *
 * After the handshake the plaintext is a filter bufferevent over the socket
 * bufferevent, ready for http_server_adopt(); freeing it closes the socket
 * and the TLS session.
 *
 * Limits (documented choices): a handshake message that spans records is
 * refused, and so is a record carrying two PSK identities (ClientHellos
 * or ClientKeyExchanges: each key answered would ask for the other
 * again); the first identity of a TLS 1.3 pre_shared_key extension is
 * the one looked up; no session tickets, no renegotiation (a client's request
 * is answered with a no_renegotiation warning); a close_notify is not
 * signalled as EOF to the plaintext side (the TCP close that follows is).
 * Certificates: one certificate and key per server (no choice by SNI),
 * read once by tls_server_new() (no reload); no client certificates; a
 * TLS 1.3 client that sends a pre_shared_key is held to it (no fallback to
 * the certificate when its lookup fails); the certificate client trusts
 * only its CA file and verifies dNSNames (no IP addresses, no revocation
 * checks).
 *
 * Logging: log_debug() per state change and failure. No event lines: the
 * application logs those. Keys are never logged.
 */
#ifndef UTSTACK_TLS_H
#define UTSTACK_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/util.h>

struct event_base;
struct bufferevent;
struct tls_server;
struct tls_conn;
struct tls_client;

#define TLS_UA_ID_LEN		5	/* TS 33.220 Annex H */
#define TLS_IDENTITY_MAX	512	/* PSK identity octets accepted */
#define TLS_SNI_MAX		255	/* host_name octets */
#define TLS_PSK_MAX		64	/* key octets (Ks_NAF is 32) */
#define TLS_HS_IN_MAX		(64 * 1024) /* input held during a handshake */
#define TLS_HANDSHAKE_TIMEOUT_DEFAULT_MS 10000
#define TLS_PSK_HINT_DEFAULT	"3GPP-bootstrapping"

/*
 * The decision table's TLS 1.2 suites (00A8, 00A9, 00AA, C037, 00AE, 008C)
 * and TLS 1.3 with psk_dhe_ke and psk_ke. GnuTLS priorities select key
 * exchange, cipher and MAC separately, so this also allows the neighbours
 * DHE-PSK-AES128-CBC-SHA256/-SHA1 and ECDHE-PSK-AES128-CBC-SHA; GnuTLS
 * 3.7.9 has no ECDHE-PSK-AES-GCM suite.
 */
#define TLS_PRIORITY_DEFAULT						\
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-PSK:"	\
	"+DHE-PSK:+PSK:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:"	\
	"-MAC-ALL:+AEAD:+SHA256:+SHA1"

/*
 * The default when the server has a certificate: the PSK set above, then
 * ECDHE-ECDSA and ECDHE-RSA, in the server's order (%SERVER_PRECEDENCE).
 * GnuTLS orders suites by key exchange first, so a client that offers both
 * PSK and certificate suites in TLS 1.2 gets PSK; a priority of one's own
 * should keep that. Among the PSK suites the order picks a decision-table
 * AEAD suite when the client offers one (DHE-PSK-AES128-GCM, then
 * PSK-AES-GCM) before ECDHE-PSK-CBC; without a certificate the client's
 * order decides, as before. The cipher and MAC lists are shared, so
 * besides the AES-GCM certificate suites (C02B, C02C, C02F, C030) the
 * ECDHE-ECDSA/RSA AES-128-CBC-SHA256/-SHA neighbours are allowed too;
 * AES-GCM wins whenever the client offers it.
 */
#define TLS_PRIORITY_CERT_DEFAULT					\
	"NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"	\
	"-KX-ALL:+DHE-PSK:+PSK:+ECDHE-PSK:+ECDHE-ECDSA:+ECDHE-RSA:"	\
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+AES-128-CBC:"		\
	"-MAC-ALL:+AEAD:+SHA256:+SHA1"

/* Ua security protocol id for TLS 1.3 external PSK (33.220 H.3). */
extern const uint8_t tls_ua_id_tls13[TLS_UA_ID_LEN];

/*
 * Server configuration, copied by tls_server_new(). NULL / zero fields take
 * the defaults named.
 */
struct tls_server_cfg {
	const char	*priority;	/* TLS_PRIORITY_DEFAULT, or
					 * TLS_PRIORITY_CERT_DEFAULT with
					 * cert_file */
	const char	*hint;		/* TLS 1.2 identity hint,
					 * TLS_PSK_HINT_DEFAULT */
	const char *const *alpn;	/* protocols, server preference order;
					 * NULL: "h2", "http/1.1" */
	size_t		 nalpn;
	unsigned	 handshake_timeout_ms; /* accept to Finished, lookups
					 * included; TLS_HANDSHAKE_TIMEOUT_DEFAULT_MS */
	const char	*cert_file;	/* X.509 server certificate (PEM;
					 * may carry the chain after it), or
					 * NULL for PSK only */
	const char	*key_file;	/* its private key (PEM); set both
					 * or neither */
};

/*
 * The application is asked for the key of `identity` (NUL-terminated, as
 * the client sent it: "3GPP-bootstrapping." + B-TID, a bare B-TID, or
 * anything else), with the client's SNI host name (NULL if none) and the Ua
 * security protocol id the key belongs to: 01 00 00 00 07 on TLS 1.3,
 * 01 00 01 yy zz on TLS 1.2 with yy zz the negotiated suite. The strings
 * are valid during the call only.
 * Answer with tls_conn_psk_ready() or tls_conn_psk_fail(), during the call
 * or later; to answer later take a reference with tls_conn_ref() and drop
 * it after answering. A connection asks at most once per (identity, ua_id)
 * and usually once in all.
 */
typedef void (*tls_psk_lookup)(struct tls_conn *c, const char *identity,
	    const char *sni, const uint8_t ua_id[TLS_UA_ID_LEN], void *arg);

/*
 * The handshake is complete: `plain` (the application's now; free it with
 * bufferevent_free()) reads and writes the
 * plaintext; octets already received are delivered after the call returns.
 * After the free, close_notify and any ciphertext still queued are written
 * (for at most 5 s) before the socket closes.
 * `alpn` is the protocol agreed ("" if none), `identity` the PSK identity
 * used ("" after a certificate handshake); both valid during the call only.
 * `c` stays valid during the call; tls_conn_is_psk() and the other
 * accessors below say what was negotiated.
 */
typedef void (*tls_ready_cb)(struct tls_conn *c, struct bufferevent *plain,
	    const char *alpn, const char *identity, void *arg);

/*
 * A connection ended before its handshake completed; `reason` says why
 * (timeout, lookup failed, a GnuTLS error, peer closed). Called once, from
 * the event loop. May be NULL.
 */
typedef void (*tls_fail_cb)(struct tls_conn *c, const char *reason,
	    void *arg);

/*
 * A server on `base` with `cfg` (NULL: defaults). Returns the server (free
 * with tls_server_free()), or NULL with a reason in `err`.
 */
struct tls_server *tls_server_new(struct event_base *base,
	    const struct tls_server_cfg *cfg, tls_psk_lookup lookup,
	    tls_ready_cb ready, tls_fail_cb fail, void *arg,
	    char *err, size_t errlen);

/*
 * Close every connection still in its handshake (no callbacks) and free the
 * server. Connections already handed over live on until their plaintext
 * bufferevent is freed (they keep what they need). Accepts NULL.
 */
void	tls_server_free(struct tls_server *s);

/* Connections in their handshake; connections open in any state (handed
 * over, or flushing their last output after the plaintext side was freed).
 * For tests and statistics. */
size_t	tls_server_handshaking(const struct tls_server *s);
size_t	tls_server_conn_count(const struct tls_server *s);

/*
 * Start a TLS handshake on the accepted socket `fd` (the server's from now
 * on, also on failure). `peer` (copied) names the client in logs. Returns
 * the connection, valid until the next return to the event loop unless
 * referenced, or NULL (out of memory; fd closed).
 */
struct tls_conn *tls_accept(struct tls_server *s, evutil_socket_t fd,
	    const char *peer);

/* Connection id (unique per server, from 1) and peer name. */
uint64_t	 tls_conn_id(const struct tls_conn *c);
const char	*tls_conn_peer(const struct tls_conn *c);

/* Take / drop a reference: the memory stays valid while referenced, even
 * after the connection is gone. tls_conn_unref() accepts NULL. */
void	tls_conn_ref(struct tls_conn *c);
void	tls_conn_unref(struct tls_conn *c);

/* 1 while the connection is open (handshaking or handed over). */
int	tls_conn_alive(const struct tls_conn *c);

/*
 * What the handshake negotiated, from the ready callback on and for as
 * long as `c` is valid (alive or referenced); before the handshake
 * completes they return 0 (NULL for the SNI). tls_conn_version(): 12 or
 * 13. tls_conn_suite(): the cipher suite code point (TLS 1.2: the yy zz of
 * the Ua id 01 00 01 yy zz that Digest over a certificate handshake also
 * uses, TS 33.220 H.3; TLS 1.3: 13 0x). tls_conn_is_psk(): 1 after a PSK
 * handshake, 0 after a certificate handshake. tls_conn_sni(): the
 * ClientHello's host_name, NULL when the client sent none (also during the
 * handshake, once the ClientHello was read).
 */
int		 tls_conn_version(const struct tls_conn *c);
uint16_t	 tls_conn_suite(const struct tls_conn *c);
int		 tls_conn_is_psk(const struct tls_conn *c);
const char	*tls_conn_sni(const struct tls_conn *c);

/*
 * The key asked for by the last lookup: `keylen` octets (1 to TLS_PSK_MAX,
 * copied). The handshake resumes on the next loop turn. Returns 0, or -1
 * when there is nothing to answer (the connection is gone, or no lookup is
 * pending) — a safe no-op.
 */
int	tls_conn_psk_ready(struct tls_conn *c, const uint8_t *key,
	    size_t keylen);

/*
 * No key for the last lookup: the client gets a fatal unknown_psk_identity
 * alert and the connection closes; `reason` goes to the fail callback.
 * Returns 0, or -1 as tls_conn_psk_ready().
 */
int	tls_conn_psk_fail(struct tls_conn *c, const char *reason);

/* ---- client (blocking) ------------------------------------------------- */

/*
 * The client's key, asked for when GnuTLS needs it, with the Ua security
 * protocol id it belongs to (TS 33.220 Annex H): 01 00 00 00 07 while the
 * ClientHello is built (TLS 1.3 external PSK: the binder needs the key
 * before any server message), 01 00 01 yy zz while the ClientKeyExchange
 * is built (TLS 1.2: after the ServerHello named the suite yy zz). So a
 * client that offers several TLS 1.2 suites still derives the key of the
 * one the server picked, in one handshake. Called at most once per
 * message, so twice when a TLS 1.3 offer is answered with TLS 1.2.
 * Write 1 to TLS_PSK_MAX octets to `key` and their count to `*keylen`;
 * return 0, or -1 to end the handshake (the caller's error text then says
 * so). `key` is wiped after the call.
 */
typedef int (*tls_client_key_cb)(const uint8_t ua_id[TLS_UA_ID_LEN],
	    uint8_t key[TLS_PSK_MAX], size_t *keylen, void *arg);

struct tls_client_cfg {
	const char	*addr;		/* numeric IPv4/IPv6 address */
	uint16_t	 port;
	const char	*sni;		/* server_name, NULL for none */
	const char	*identity;	/* PSK identity */
	const uint8_t	*key;		/* PSK, `keylen` octets; or: */
	size_t		 keylen;
	tls_client_key_cb key_cb;	/* when set, asked instead of `key` */
	void		*key_arg;
	int		 version;	/* 12, 13, or 0 for either */
	const char	*priority;	/* overrides `version` when set */
	const char *const *alpn;	/* NULL: none offered */
	size_t		 nalpn;
	unsigned	 timeout_ms;	/* connect, handshake and each read;
					 * 0: 10000 */
	/* tls_client_cert_connect() only: */
	const char	*ca_file;	/* trusted CA certificates (PEM) */
	const char	*verify_name;	/* host name the server certificate
					 * must carry; NULL: `sni` */
};

/*
 * Connect and complete a TLS-PSK handshake, blocking. Returns the session
 * (free with tls_client_free()), or NULL with a reason in `err`; `*alert`
 * (when not NULL) is then the fatal alert received from the server, or -1.
 */
struct tls_client *tls_client_psk_connect(const struct tls_client_cfg *cfg,
	    int *alert, char *err, size_t errlen);

/*
 * Connect and complete a TLS handshake with a server certificate, blocking,
 * offering no PSK. The chain must verify against `ca_file` alone and the
 * certificate must name `verify_name` (or `sni`; one of them is required);
 * `sni` is sent as given. `version`, `priority`, `alpn` and `timeout_ms` as
 * for tls_client_psk_connect(); the PSK fields are ignored. Returns the
 * session for tls_client_read()/write()/suite()/version()/alpn() (free with
 * tls_client_free()), or NULL with a reason in `err` — "certificate
 * verification failed: " and what failed ("name mismatch", "unknown CA",
 * "expired", ...) when the server's certificate is refused — and `*alert`
 * as for tls_client_psk_connect().
 */
struct tls_client *tls_client_cert_connect(const struct tls_client_cfg *cfg,
	    int *alert, char *err, size_t errlen);

/*
 * The same two handshakes on a stream socket the caller connected already
 * (in blocking mode, as tls_client_psk_connect() leaves its own), e.g.
 * after "101 Switching Protocols" on an HTTP connection that asked for TLS
 * (RFC 2817 §3): no octet of the server's TLS may have been read from
 * `fd` yet. `fd` is the session's from the call on: tls_client_free()
 * closes it, and so does a failure (NULL returned). cfg->addr and
 * cfg->port are ignored; `timeout_ms` bounds the handshake and each read.
 * Returns and errors as tls_client_psk_connect() and
 * tls_client_cert_connect().
 */
struct tls_client *tls_client_psk_start(int fd,
	    const struct tls_client_cfg *cfg, int *alert, char *err,
	    size_t errlen);
struct tls_client *tls_client_cert_start(int fd,
	    const struct tls_client_cfg *cfg, int *alert, char *err,
	    size_t errlen);

/* Write all `len` octets. Returns 0 or -1. */
int	tls_client_write(struct tls_client *c, const void *data, size_t len);

/* Read up to `size` octets, waiting at most the timeout. Returns the count,
 * 0 at the end of the stream, -1 on error or timeout. */
ssize_t	tls_client_read(struct tls_client *c, void *data, size_t size);

/* The negotiated suite code point (TLS 1.2 and 1.3), 12 or 13, ALPN ("" if
 * none). */
uint16_t	 tls_client_suite(const struct tls_client *c);
/* The negotiated suite's name as GnuTLS spells it (static storage). */
const char	*tls_client_suite_name(const struct tls_client *c);
int		 tls_client_version(const struct tls_client *c);
const char	*tls_client_alpn(const struct tls_client *c);

/* Send close_notify, close and free. Accepts NULL. */
void	tls_client_free(struct tls_client *c);

/* The name of TLS alert `alert` (RFC 8446 6, RFC 4279 2), e.g.
 * "unknown_psk_identity"; static storage. */
const char	*tls_alert_name(int alert);

#endif
