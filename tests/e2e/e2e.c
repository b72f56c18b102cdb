/*
 * e2e.c — helpers of the end-to-end suites and their runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dia_peer.h"
#include "e2e.h"
#include "hex.h"
#include "httpc.h"
#include "log.h"

const char *
e2e_prog(const char *name)
{
	static char path[1024];
	const char *b = getenv("UTSTACK_BUILD");

	snprintf(path, sizeof(path), "%s/%s", b != NULL ? b : "build", name);
	return path;
}

static void
slurp(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	lseek(fd, 0, SEEK_SET);
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

void
e2e_run(struct e2e_run *r, const char *const *argv)
{
	char outp[] = "/tmp/e2e-out-XXXXXX", errp[] = "/tmp/e2e-err-XXXXXX";
	int outfd, errfd, st;
	pid_t pid;

	outfd = mkstemp(outp);
	errfd = mkstemp(errp);
	ck_assert(outfd >= 0 && errfd >= 0);
	unlink(outp);
	unlink(errp);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(outfd, 1);
		dup2(errfd, 2);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	ck_assert(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(outfd, r->out, sizeof(r->out));
	slurp(errfd, r->err, sizeof(r->err));
	close(outfd);
	close(errfd);
}

void
e2e_stack_reload(struct e2e_stack *s)
{
	char path[512], line[1024], *eq;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stack.env", s->dir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	s->n = 0;
	while (fgets(line, sizeof(line), f) != NULL && s->n < E2E_ENV_MAX) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strlen(line) >= sizeof(s->key[0]) ||
		    strlen(eq + 1) >= sizeof(s->val[0]))
			continue;
		memcpy(s->key[s->n], line, strlen(line) + 1);
		memcpy(s->val[s->n], eq + 1, strlen(eq + 1) + 1);
		s->n++;
	}
	fclose(f);
}

void
e2e_stack_up(struct e2e_stack *s, const char *const *args)
{
	const char *argv[40];
	struct e2e_run r;
	char tmpl[] = "/tmp/utstack-e2e-XXXXXX";
	int n = 0, i;

	memset(s, 0, sizeof(*s));
	ck_assert(mkdtemp(tmpl) != NULL);
	snprintf(s->dir, sizeof(s->dir), "%s/stack", tmpl);
	argv[n++] = "scripts/stack";
	argv[n++] = "up";
	argv[n++] = s->dir;
	for (i = 0; args != NULL && args[i] != NULL && n < 38; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	e2e_run(&r, argv);
	e2e_sweep_note(s->dir, 0);
	ck_assert_msg(r.status == 0, "scripts/stack up failed (%d): %s%s",
	    r.status, r.out, r.err);
	e2e_stack_reload(s);
}

/* --- sweeping up after failed tests ------------------------------------- */

static char sweep_list[256];

void
e2e_sweep_note(const char *dir, long pid)
{
	FILE *f;

	if (sweep_list[0] == '\0' || (f = fopen(sweep_list, "a")) == NULL)
		return;
	if (dir != NULL)
		fprintf(f, "%s\n", dir);
	else
		fprintf(f, "pid %ld\n", pid);
	fclose(f);
}

void
e2e_sweep_setup(void)
{
	FILE *f;

	snprintf(sweep_list, sizeof(sweep_list), "/tmp/utstack-e2e-sweep-%ld.list",
	    (long)getpid());
	if ((f = fopen(sweep_list, "w")) != NULL)
		fclose(f);
}

static void
run_quiet(const char *const *argv)
{
	pid_t pid = fork();
	int null;

	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Is `pid` still one of our daemons (and not a pid used again)? */
static int
is_daemon(pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "presence\n") == 0 || strcmp(comm, "bsf\n") == 0 ||
	    strcmp(comm, "ap\n") == 0 ||
	    strcmp(comm, "hss-stub\n") == 0;
}

void
e2e_sweep_teardown(void)
{
	char line[512], env[600], l[600], parent[512], *p;
	FILE *f, *e;
	long pid;

	if (sweep_list[0] == '\0' || (f = fopen(sweep_list, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "pid ", 4) == 0) {
			if ((pid = strtol(line + 4, NULL, 10)) > 1 &&
			    is_daemon((pid_t)pid))
				kill((pid_t)pid, SIGKILL);
			continue;
		}
		/* a SIGSTOPped daemon would not hear the SIGTERM */
		snprintf(env, sizeof(env), "%s/stack.env", line);
		if ((e = fopen(env, "r")) != NULL) {
			while (fgets(l, sizeof(l), e) != NULL)
				if ((p = strstr(l, "_PID=")) != NULL &&
				    (pid = strtol(p + 5, NULL, 10)) > 1 &&
				    is_daemon((pid_t)pid))
					kill((pid_t)pid, SIGCONT);
			fclose(e);
			run_quiet((const char *const[]){ "scripts/stack", "down",
			    line, NULL });
		}
		snprintf(parent, sizeof(parent), "%s", line);
		if ((p = strrchr(parent, '/')) != NULL &&
		    strncmp(parent, "/tmp/utstack-e2e-", 17) == 0) {
			*p = '\0';
			run_quiet((const char *const[]){ "/bin/rm", "-rf",
			    parent, NULL });
		}
	}
	fclose(f);
	unlink(sweep_list);
	sweep_list[0] = '\0';
}

void
e2e_stack_down(struct e2e_stack *s)
{
	const char *argv[] = { "scripts/stack", "down", s->dir, NULL };
	const char *rm[] = { "/bin/rm", "-rf", NULL, NULL };
	char parent[256];
	struct e2e_run r;

	e2e_run(&r, argv);
	ck_assert_msg(r.status == 0, "scripts/stack down: %s", r.err);
	snprintf(parent, sizeof(parent), "%s", s->dir);
	*strrchr(parent, '/') = '\0';
	rm[2] = parent;
	e2e_run(&r, rm);
}

const char *
e2e_env(const struct e2e_stack *s, const char *key)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	ck_abort_msg("stack.env has no %s", key);
	return NULL;
}

long
e2e_log_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Look for `needle` in the complete lines of `path` after *from. */
static int
scan_log(const char *path, const char *needle, long *from, char *line,
    size_t linesz)
{
	char buf[8192];
	FILE *f;
	long pos;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fseek(f, *from, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	pos = *from;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		size_t n = strlen(buf);

		if (n == 0 || buf[n - 1] != '\n')
			break;		/* a line still being written */
		pos += (long)n;
		if (strstr(buf, needle) != NULL) {
			*from = pos;
			if (line != NULL)
				snprintf(line, linesz, "%s", buf);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int
e2e_wait_log(const char *path, const char *needle, long *from, char *line,
    size_t linesz, int ms)
{
	long start = *from, deadline = now_ms() + ms;
	char ev[4096];
	int fd, wd, rc = -1;
	struct pollfd p;

	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	wd = inotify_add_watch(fd, path, IN_MODIFY);
	for (;;) {
		/* Scan after arming the watch, so no write is missed. */
		*from = start;
		if (scan_log(path, needle, from, line, linesz) == 0) {
			rc = 0;
			break;
		}
		if (now_ms() >= deadline)
			break;
		if (wd < 0)	/* file not there yet: watch again soon */
			wd = inotify_add_watch(fd, path, IN_MODIFY);
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, wd < 0 ? 50 : (int)(deadline - now_ms())) > 0)
			while (read(fd, ev, sizeof(ev)) > 0)
				;
	}
	if (rc != 0)
		*from = start;
	close(fd);
	return rc;
}

int
e2e_json(const char *json, const char *key, char *out, size_t size)
{
	char pat[128];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	if ((p = strstr(json, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if (*p == '"')
		e = strchr(++p, '"');
	else
		e = p + strcspn(p, ",}");
	if (e == NULL || (size_t)(e - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* --- Diameter client ------------------------------------------------- */

struct e2e_dia {
	struct event_base	*base;
	struct dia_client	*client;
	struct event		*timer;
	int			 done;
	struct dia_msg		*answer;
	const char		*allow[2];
};

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run the loop until `*flag` or the deadline. */
static void
run_until(struct e2e_dia *d, int (*cond)(struct e2e_dia *))
{
	struct timeval tv = { E2E_WAIT_MS / 1000, 0 };
	long deadline = now_ms() + E2E_WAIT_MS;

	evtimer_add(d->timer, &tv);
	while (!cond(d) && now_ms() < deadline)
		if (event_base_loop(d->base, EVLOOP_ONCE) != 0)
			break;
	evtimer_del(d->timer);
}

static int
is_open(struct e2e_dia *d)
{
	return dia_client_is_open(d->client) ||
	    dia_client_refusals(d->client) > 0;
}

static int
is_done(struct e2e_dia *d)
{
	return d->done;
}

struct e2e_dia *
e2e_dia_open(const char *host, const char *realm, uint32_t app, uint16_t port)
{
	struct e2e_dia *d = calloc(1, sizeof(*d));
	struct dia_local local;
	char err[256];

	ck_assert(d != NULL);
	d->base = event_base_new();
	d->timer = evtimer_new(d->base, on_timer, d->base);
	d->allow[0] = "*";
	dia_local_set(&local, host, realm, app, 30000, d->allow);
	local.reconnect_min_ms = 60000;	/* one try is enough for a test */
	d->client = dia_client_new(d->base, &local, "127.0.0.1", port, 5000,
	    err, sizeof(err));
	ck_assert_msg(d->client != NULL, "dia_client_new: %s", err);
	run_until(d, is_open);
	if (!dia_client_is_open(d->client)) {
		e2e_dia_close(d);
		return NULL;
	}
	return d;
}

void
e2e_dia_close(struct e2e_dia *d)
{
	if (d == NULL)
		return;
	dia_client_free(d->client);
	/* let the DPR go out */
	event_base_loop(d->base, EVLOOP_NONBLOCK);
	event_free(d->timer);
	event_base_free(d->base);
	free(d);
}

static void
on_answer(void *arg, const struct dia_msg *answer, const char *error)
{
	struct e2e_dia *d = arg;
	struct dia_error err;

	d->done = 1;
	if (answer == NULL) {
		fprintf(stderr, "e2e: no answer: %s\n", error);
		return;
	}
	if (dia_msg_decode(answer->octets, answer->len, &d->answer, &err) != 0)
		d->answer = NULL;
}

struct dia_msg *
e2e_dia_request(struct e2e_dia *d, struct buf *msg)
{
	struct dia_msg *m;

	d->done = 0;
	d->answer = NULL;
	if (dia_client_request(d->client, msg, 0, on_answer, d) != 0)
		return NULL;
	run_until(d, is_done);
	m = d->answer;
	d->answer = NULL;
	return m;
}

uint32_t
e2e_dia_result(const struct dia_msg *m)
{
	return dia_msg_result(m);
}

/* --- Zn --------------------------------------------------------------- */

struct e2e_dia *
e2e_zn_open(const struct e2e_stack *s, const char *host)
{
	return e2e_dia_open(host, e2e_env(s, "NAF_ORIGIN_REALM"), DIA_APP_ZN,
	    (uint16_t)atoi(e2e_env(s, "BSF_ZN_PORT")));
}

/*
 * BIR (TS 29.109 cl. 6.3.1.1, GBA.md §4.3) from `host` for `btid`, with
 * NAF-Id = `naf_fqdn` || `ua_hex` (none when naf_fqdn is NULL); the answer
 * decoded into `out`.
 */
void
e2e_bir(struct e2e_dia *d, const struct e2e_stack *s, const char *host,
    const char *btid, const char *naf_fqdn, const char *ua_hex,
    struct e2e_bia *out)
{
	struct dia_build b;
	struct buf msg;
	struct dia_msg *m;
	const struct dia_avp *a, *er;
	uint8_t naf_id[300];
	char sid[256];
	size_t fl;

	buf_init(&msg, 65536);
	dia_build_begin(&b, &msg, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_BI,
	    DIA_APP_ZN, 0, 0);
	ck_assert_int_eq(dia_session_id(host, sid, sizeof(sid)), 0);
	dia_put_str(&b, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&b, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&b, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&b, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZN);
	dia_group_end(&b);
	dia_put_str(&b, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, host);
	dia_put_str(&b, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0,
	    e2e_env(s, "NAF_ORIGIN_REALM"));
	dia_put_str(&b, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0,
	    e2e_env(s, "BSF_REALM"));
	dia_put(&b, DIA_AVP_TRANSACTION_IDENTIFIER, DIA_AVP_M, DIA_VENDOR_3GPP,
	    btid, strlen(btid));
	if (naf_fqdn != NULL) {
		fl = strlen(naf_fqdn);
		ck_assert_uint_lt(fl + 5, sizeof(naf_id));
		memcpy(naf_id, naf_fqdn, fl);
		ck_assert_int_eq(hex_decode_exact(ua_hex, naf_id + fl, 5), 0);
		dia_put(&b, DIA_AVP_NAF_ID, DIA_AVP_M, DIA_VENDOR_3GPP, naf_id,
		    fl + 5);
	}
	ck_assert_int_eq(dia_build_end(&b), 0);
	m = e2e_dia_request(d, &msg);
	buf_clear(&msg);
	ck_assert_msg(m != NULL, "no BIA");
	ck_assert_uint_eq(m->cmd, DIA_CMD_BI);
	ck_assert(!(m->flags & DIA_FLAG_R));
	memset(out, 0, sizeof(*out));
	out->result = e2e_dia_result(m);
	if ((er = dia_msg_find(m, NULL, DIA_AVP_EXPERIMENTAL_RESULT, 0,
	    NULL)) != NULL && (a = dia_msg_find(m, er, DIA_AVP_VENDOR_ID, 0,
	    NULL)) != NULL)
		dia_avp_u32(a, &out->vendor, NULL);
	if ((a = dia_msg_find(m, NULL, DIA_AVP_ME_KEY_MATERIAL,
	    DIA_VENDOR_3GPP, NULL)) != NULL && a->len <= sizeof(out->key)) {
		out->has_key = 1;
		memcpy(out->key, a->data, a->len);
		out->key_len = a->len;
	}
	if ((a = dia_msg_find(m, NULL, DIA_AVP_KEY_EXPIRYTIME, DIA_VENDOR_3GPP,
	    NULL)) != NULL && dia_avp_time(a, &out->expiry, NULL) == 0)
		out->has_expiry = 1;
	if ((a = dia_msg_find(m, NULL, DIA_AVP_BOOTSTRAPINFO_CREATION,
	    DIA_VENDOR_3GPP, NULL)) != NULL &&
	    dia_avp_time(a, &out->created, NULL) == 0)
		out->has_created = 1;
	if ((a = dia_msg_find(m, NULL, DIA_AVP_GBA_TYPE, DIA_VENDOR_3GPP,
	    NULL)) != NULL && dia_avp_u32(a, &out->gba_type, NULL) == 0)
		out->has_type = 1;
	if ((a = dia_msg_find(m, NULL, DIA_AVP_USER_NAME, 0, NULL)) != NULL &&
	    dia_avp_utf8(a, out->user, sizeof(out->user), NULL) == 0)
		out->has_user = 1;
	if ((a = dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS,
	    DIA_VENDOR_3GPP, NULL)) != NULL && a->len < sizeof(out->guss)) {
		out->has_guss = 1;
		memcpy(out->guss, a->data, a->len);
	}
	dia_msg_free(m);
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* The client side logs to stderr like a daemon in the foreground. */
	log_init("e2e", 1, 0);
	sr = srunner_create(suite_e2e_hss());
	srunner_add_suite(sr, suite_e2e_interop());
	srunner_add_suite(sr, suite_e2e_bsf());
	srunner_add_suite(sr, suite_e2e_ue());
	srunner_add_suite(sr, suite_e2e_conformance());
	srunner_add_suite(sr, suite_e2e_presence());
	srunner_add_suite(sr, suite_e2e_presence2());
	srunner_add_suite(sr, suite_e2e_ap());
	srunner_add_suite(sr, suite_e2e_ap2());
	srunner_add_suite(sr, suite_e2e_ue_xcap());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- event lines with keys ----------------------------------------------- */


/* "key=value" with the value written as common/log writes it: in double
 * quotes with \" and \\ escapes when it is empty or holds a space, '"',
 * '=', '\' or a control character (B-TIDs end in base64 '=' padding).
 * Static storage, eight at a time. */
const char *
e2e_kv(const char *key, const char *value)
{
	static char ring[8][600];
	static int next;
	char *o = ring[next++ % 8];
	const unsigned char *p;
	size_t n;
	int quote = *value == '\0';

	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '=' ||
		    *p == '\\')
			quote = 1;
	n = (size_t)snprintf(o, 600, "%s=%s", key, quote ? "\"" : "");
	for (p = (const unsigned char *)value; *p != '\0' && n + 6 < 600;
	    p++) {
		if (!quote || (*p > 0x20 && *p < 0x7f && *p != '"' &&
		    *p != '\\') || *p == ' ' || *p == '=')
			o[n++] = (char)*p;
		else if (*p == '"' || *p == '\\') {
			o[n++] = '\\';
			o[n++] = (char)*p;
		} else
			n += (size_t)snprintf(o + n, 600 - n, "\\x%02x", *p);
	}
	if (quote)
		o[n++] = '"';
	o[n] = '\0';
	return o;
}

int
e2e_has_all(const char *line, const char *const *need)
{
	int i;

	for (i = 0; need[i] != NULL; i++)
		if (strstr(line, need[i]) == NULL)
			return 0;
	return 1;
}

/*
 * Wait for a line of `log` after *pos holding every string of `need`
 * (NULL-terminated; need[0] is the event name). On success *pos moves
 * past it and the line is in `line`. Returns 0, or -1 after E2E_WAIT_MS.
 */
int
e2e_wait_ev(const char *log, long *pos, char *line, size_t size,
    const char *const *need)
{
	long deadline = httpc_now_ms() + E2E_WAIT_MS, left;
	char ev[128];

	snprintf(ev, sizeof(ev), "%s ", need[0]);
	while ((left = deadline - httpc_now_ms()) > 0) {
		if (e2e_wait_log(log, ev, pos, line, size, (int)left) != 0)
			return -1;
		if (e2e_has_all(line, need + 1))
			return 0;
	}
	return -1;
}

/* Lines of `log` after `from` holding every string of `need`. */
int
e2e_count_ev(const char *log, long from, const char *const *need)
{
	char line[E2E_LINE_MAX];
	FILE *f;
	int n = 0;

	if ((f = fopen(log, "r")) == NULL)
		return -1;
	if (fseek(f, from, SEEK_SET) == 0)
		while (fgets(line, sizeof(line), f) != NULL)
			if (e2e_has_all(line, need))
				n++;
	fclose(f);
	return n;
}

/* The last line of `log` holding `what` (for failure messages). */
const char *
e2e_last_line(const char *log, const char *what)
{
	static char out[E2E_LINE_MAX];
	char line[E2E_LINE_MAX];
	FILE *f;

	snprintf(out, sizeof(out), "(no line with %s in %s)", what, log);
	if ((f = fopen(log, "r")) == NULL)
		return out;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, what) != NULL)
			snprintf(out, sizeof(out), "%s", line);
	fclose(f);
	return out;
}

/* Does the file hold `what` anywhere? */
int
e2e_file_has(const char *path, const char *what)
{
	char line[E2E_LINE_MAX];
	FILE *f;
	int found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strcasestr(line, what) != NULL;
	fclose(f);
	return found;
}
