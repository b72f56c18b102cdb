/*
 * dia_peer.h — Diameter peer connections over TCP on libevent (RFC 6733
 * §2.1, §5; watchdog RFC 3539 §3.4). The codec is diameter.h.
 *
 * A server (dia_server) accepts peers, runs the capabilities exchange,
 * the watchdog and disconnect itself, and hands every other request to the
 * application. A client (dia_client) keeps one connection to one peer
 * open: it connects, sends CER, runs the watchdog, reconnects with
 * back-off when the connection is lost, and matches answers to requests
 * by hop-by-hop id, each request with its own timeout.
 *
 * Peers are authorised by Diameter identity (ARCHITECTURE.md §4): the
 * peer's Origin-Host in its CER (server) or CEA (client) must be on the
 * allow-list, or the server answers CEA DIAMETER_UNKNOWN_PEER (3010) and
 * closes without reading another octet from that peer. The peer must share
 * our application (Auth-Application-Id, or Vendor-Specific-Application-Id
 * with Auth-Application-Id), or advertise the Relay application 0xffffffff
 * as freeDiameterd does; else DIAMETER_NO_COMMON_APPLICATION (5010).
 *
 * Addresses are numeric (IPv4 or IPv6): nothing here resolves names, and
 * nothing blocks the loop. Every network buffer is capped: the input of a
 * connection at `msg_max` (lower before the CER/CEA exchange), its output
 * at `out_max` (a peer that stops reading is closed). Output is coalesced:
 * messages queued on a connection (answers, requests) are written, in
 * order, with one send() when the callback that queued them returns to the
 * event loop — before it polls again, so no latency is added.
 *
 * Event lines (log_event):
 *	DIA-PEER-UP peer=<origin-host> addr=<ip:port> app=<name> role=server|client
 *	DIA-PEER-DOWN peer=<origin-host> addr=<ip:port> role=... reason="..."
 *	DIA-PEER-REFUSED addr=<ip:port> origin_host=<host> result=3010|5010 role=...
 *	    (role=client: we refused the server's CEA with that result, or
 *	    the server refused us and `result` is its Result-Code)
 *	DIA-WATCHDOG-TIMEOUT peer=<origin-host> addr=<ip:port> role=...
 *	DIA-REQUEST-TIMEOUT peer=<origin-host> cmd=<name> hbh=<0x...>
 * `addr` is always the remote end. PEER-DOWN follows only a PEER-UP; a
 * connection that fails earlier is logged as a plain warning/info line.
 * With verbosity 2 (-vv) every message sent and received is dumped with
 * log_debug2() (dia_msg_dump, keys masked unless log_show_keys()).
 *
 * Shutdown: dia_server_shutdown() and dia_client_shutdown() end every
 * connection the way RFC 6733 §5.4 asks: DPR, then wait for the DPA (or
 * the peer closing, or a timeout) before closing, and call back when done.
 * dia_*_free() closes at once (DPR with one non-blocking write, no wait):
 * for tests, errors, or a second signal.
 *
 * Callbacks: a dia_server or dia_client may be freed from inside one of its
 * own callbacks (the layer notices and touches nothing afterwards); a
 * connection is never freed while a callback runs, so the `conn` given to
 * a callback stays valid until it returns. Single-threaded, like libevent
 * use everywhere in utstack.
 */
#ifndef UTSTACK_DIA_PEER_H
#define UTSTACK_DIA_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diameter.h"

struct event_base;
struct dia_conn;
struct dia_server;
struct dia_client;

/* Disconnect-Cause values (RFC 6733 §5.4.3) */
#define DIA_DISCONNECT_REBOOTING	0
#define DIA_DISCONNECT_BUSY		1
#define DIA_DISCONNECT_DO_NOT_WANT	2	/* DO_NOT_WANT_TO_TALK_TO_YOU */

#define DIA_TW_DEFAULT_MS		30000	/* RFC 3539 §3.4.1 Twinit */
#define DIA_CER_TIMEOUT_DEFAULT_MS	10000
#define DIA_RECONNECT_MIN_DEFAULT_MS	1000
#define DIA_RECONNECT_MAX_DEFAULT_MS	30000
#define DIA_REQUEST_TIMEOUT_DEFAULT_MS	5000
#define DIA_PRE_CER_MAX			8192	/* input cap before CER/CEA */
#define DIA_OUT_MAX_FACTOR		16	/* out_max default: 16 * msg_max */
#define DIA_PENDING_MAX			16384	/* requests in flight per client */
#define DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS	1000	/* wait for DPAs, at most */

/* Called once when a graceful shutdown has finished (see below). */
typedef void (*dia_done_cb)(void *arg);

/*
 * Our side of every connection, filled from configuration. dia_server_new()
 * and dia_client_new() copy everything (strings and the allow-list
 * included), so the caller may free or reuse it at once. A zero numeric
 * field or NULL pointer takes the default given.
 */
struct dia_local {
	char		 origin_host[256];	/* DiameterIdentity, required */
	char		 origin_realm[256];	/* required */
	const char	*product_name;		/* NULL: "utstack" */
	uint32_t	 vendor_id;	/* Vendor-Id in CER/CEA: 0, no enterprise
					 * number of our own */
	uint32_t	 app_id;	/* DIA_APP_ZH or DIA_APP_ZN: advertised as
					 * Vendor-Specific-Application-Id
					 * {10415, app_id}; required */
	uint32_t	 origin_state_id; /* 0: time of dia_*_new() */
	unsigned	 tw_ms;		/* watchdog Tw, DIA_TW_DEFAULT_MS; a
					 * jitter of +-min(2 s, Tw/10) is added */
	unsigned	 cer_timeout_ms; /* connect + CER/CEA, and the wait for a
					 * peer to close after DPA or a refusal */
	unsigned	 reconnect_min_ms; /* client back-off: first delay, */
	unsigned	 reconnect_max_ms; /* doubling to this; +-25% jitter */
	size_t		 msg_max;	/* DIA_MSG_MAX_DEFAULT: input cap and
					 * largest message accepted */
	size_t		 out_max;	/* output cap per connection,
					 * DIA_OUT_MAX_FACTOR * msg_max */
	/*
	 * NULL-terminated Origin-Host allow-list for peers, compared
	 * case-insensitively (DiameterIdentity is an FQDN). The entry "*"
	 * admits any peer (for interop tests). NULL or empty: no peer is
	 * admitted.
	 */
	const char *const *allow;
};

/*
 * Fill `l` for the common case: zero everything else (so defaults apply)
 * and set the identity, application, watchdog Tw and allow-list.
 */
void	dia_local_set(struct dia_local *l, const char *origin_host,
	    const char *origin_realm, uint32_t app_id, unsigned tw_ms,
	    const char *const *allow);

/* ---- server ---------------------------------------------------------- */

/*
 * Called for each request of our application that passed every check
 * (framing, AVP decoding, unknown M-bit AVPs, application id). `req` is
 * valid only during the call: copy what is needed. Answer at once with
 * dia_conn_send(conn, ...), or later: keep dia_conn_id(conn) and find the
 * connection again with dia_server_conn() (it may be gone). Answers the
 * application does not send are never sent: the peer's own timeout runs.
 */
typedef void (*dia_request_cb)(struct dia_conn *conn, const struct dia_msg *req,
    void *arg);

/*
 * Listen on `addr` (numeric IPv4/IPv6 address) port `port` (0: pick a free
 * one, see dia_server_port()). CER, DWR and DPR are answered here; other
 * requests go to `cb` with `arg`. Returns the server (caller frees with
 * dia_server_free) or NULL with a reason in `err` (`errlen` octets).
 */
struct dia_server *dia_server_new(struct event_base *base,
	    const struct dia_local *local, const char *addr, uint16_t port,
	    dia_request_cb cb, void *arg, char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
uint16_t	 dia_server_port(const struct dia_server *s);

/* Number of peers in the open state (CER/CEA done, not closing). */
size_t		 dia_server_npeers(const struct dia_server *s);

/*
 * The open connection with id `id`, or NULL when it is gone or closing.
 * The pointer is valid until control returns to the event loop.
 */
struct dia_conn	*dia_server_conn(struct dia_server *s, uint64_t id);

/*
 * Graceful shutdown (RFC 6733 §5.4; §5.6.1, state Closing). At once: stop
 * listening (connects are refused), close connections still in the
 * capabilities exchange, and queue DPR (Disconnect-Cause REBOOTING) to
 * every open peer — behind whatever is queued already, so answers sent
 * before the call go out first. Then, on each such connection, until its
 * DPA arrives: DWR and DPR are answered, other requests are answered
 * 3004 DIAMETER_TOO_BUSY (the peer may try another), and the application
 * gets no request and can send nothing (dia_server_conn() returns NULL,
 * dia_server_npeers() no longer counts it). After the DPA we half-close
 * and wait for the peer to close. A connection ends when that is done,
 * when the peer closes first, or `timeout_ms` (0:
 * DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS, 1 s) after the call, whichever comes
 * first.
 *
 * When no connection is left, `done(arg)` is called once from the event
 * loop — never from inside this call, even with no peer at all. `done`
 * may be NULL. The server must still be freed with dia_server_free(),
 * which may be called from inside `done`, or earlier to stop waiting (then
 * `done` is not called). A second call does nothing. Accepts NULL. May be
 * called from inside a dia_request_cb of this server.
 */
void		 dia_server_shutdown(struct dia_server *s, unsigned timeout_ms,
		    dia_done_cb done, void *arg);

/*
 * Stop listening, send DPR (Disconnect-Cause REBOOTING) to every open peer
 * with one non-blocking write, and close every connection at once — there
 * is no wait for DPA (a peer that misses the DPR sees the connection
 * close; use dia_server_shutdown() first to avoid that). Requests the
 * application has not answered are dropped. Accepts NULL. May be called
 * from inside a dia_request_cb of this server, or during or after
 * dia_server_shutdown().
 */
void		 dia_server_free(struct dia_server *s);

/* ---- connections (server side) ------------------------------------- */

/* Unique within its server, never reused; never 0. */
uint64_t	 dia_conn_id(const struct dia_conn *c);

/* The peer's Origin-Host from its CER (NUL-terminated, owned by `c`). */
const char	*dia_conn_peer_host(const struct dia_conn *c);

/* The peer's transport address as "ip:port" ("[v6]:port"), owned by `c`. */
const char	*dia_conn_peer_addr(const struct dia_conn *c);

/* Our configuration as copied by the server (Origin-Host/Realm to put in
 * answers). */
const struct dia_local *dia_conn_local(const struct dia_conn *c);

/*
 * Queue the whole message `msg` (`len` octets, e.g. an answer built with
 * dia_build_answer) for sending; it is copied. Returns 0, or -1 when the
 * connection is closing, the message is not one well-framed message no
 * larger than msg_max, or the output cap is reached — in the last case the
 * connection is closed (a peer that does not read). `c` itself stays
 * valid until the current callback returns.
 */
int		 dia_conn_send(struct dia_conn *c, const uint8_t *msg,
		    size_t len);

/*
 * Answer `req` on `c` with an error (dia_put_error: Result-Code, E bit for
 * 3xxx, Error-Message, Failed-AVP), or with Experimental-Result
 * {10415, result}, after the common answer header (dia_put_answer_header
 * with our application and identity). Returns 0, or -1 when the answer
 * could not be built or sent.
 */
int		 dia_conn_answer_error(struct dia_conn *c,
		    const struct dia_msg *req, const struct dia_error *err);
int		 dia_conn_answer_experimental(struct dia_conn *c,
		    const struct dia_msg *req, uint32_t result);
/* Finish the message in `d` (built into `b`) and queue it on `c`. */
int		 dia_conn_send_built(struct dia_conn *c, struct dia_build *d,
		    struct buf *b);

/* ---- client ---------------------------------------------------------- */

/*
 * The answer to a request, or NULL on timeout, connection loss, a
 * malformed answer or shutdown, with `error` saying which. Called exactly
 * once per accepted request. `answer` is valid only during the call. The
 * client may be freed from inside the callback.
 */
typedef void (*dia_answer_cb)(void *arg, const struct dia_msg *answer,
    const char *error);

/*
 * A client for the peer at `addr` (numeric) port `port`. Connecting starts
 * at once (from the event loop); the connection is re-opened with back-off
 * whenever it is lost. `request_timeout_ms` is the default per-request
 * timeout (0: DIA_REQUEST_TIMEOUT_DEFAULT_MS). Returns the client (caller
 * frees with dia_client_free) or NULL with a reason in `err`.
 */
struct dia_client *dia_client_new(struct event_base *base,
	    const struct dia_local *local, const char *addr, uint16_t port,
	    unsigned request_timeout_ms, char *err, size_t errlen);

/*
 * Send the request in `msg` (the whole of msg->data[0 .. msg->len), one
 * message built with hop-by-hop id 0; the caller keeps ownership of `msg`).
 * The layer writes the hop-by-hop id, and the end-to-end id when it is 0,
 * into msg->data and then copies the message. `cb` is called exactly once,
 * with the answer or NULL after `timeout_ms` (0: the client's default).
 * Returns 0, or -1 when the peer is not open, the message is malformed or
 * too large, too many requests are in flight, or the output cap is reached
 * — then `cb` is NOT called: the caller answers its own client at once.
 */
int		 dia_client_request(struct dia_client *c, struct buf *msg,
		    unsigned timeout_ms, dia_answer_cb cb, void *arg);

/* 1 when the connection is open (CEA 2001 received, watchdog OK or
 * suspect), else 0. */
int		 dia_client_is_open(const struct dia_client *c);

/* The peer's Origin-Host from its CEA, or "" when not open. */
const char	*dia_client_peer_host(const struct dia_client *c);

/* How many capabilities exchanges were refused (by the peer's CEA, or by
 * us on reading it): lets a caller stop waiting for the peer to open. */
unsigned	 dia_client_refusals(const struct dia_client *c);

/* Requests in flight (sent, no answer, no timeout yet). */
size_t		 dia_client_pending(const struct dia_client *c);

/*
 * Graceful shutdown (RFC 6733 §5.4): no more reconnects, and
 * dia_client_request() returns -1 from now on; every pending request gets
 * cb(arg, NULL, "shutting down") from the event loop (not from inside this
 * call); a connection still being set up is closed; an open one gets DPR
 * (REBOOTING), queued behind what is queued already, and ends as in
 * dia_server_shutdown(): at its DPA (then half-close and wait for the
 * peer to close), when the peer closes, or `timeout_ms` (0:
 * DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS, 1 s) after the call. Answers arriving
 * meanwhile are dropped (their requests were already failed).
 *
 * Then `done(arg)` is called once from the event loop, after every
 * request's callback. `done` may be NULL. The client must still be freed
 * with dia_client_free(), which may be called from inside `done`, or
 * earlier to stop waiting (then `done` is not called). A second call does
 * nothing. Accepts NULL. May be called from inside a dia_answer_cb of this
 * client.
 */
void		 dia_client_shutdown(struct dia_client *c, unsigned timeout_ms,
		    dia_done_cb done, void *arg);

/*
 * Every pending request gets cb(arg, NULL, "shutting down"); when open,
 * DPR (REBOOTING) is sent with one non-blocking write and the connection
 * is closed without waiting for DPA (use dia_client_shutdown() first to
 * avoid that). Accepts NULL. May be called from inside a dia_answer_cb of
 * this client, or during or after dia_client_shutdown().
 */
void		 dia_client_free(struct dia_client *c);

#endif
