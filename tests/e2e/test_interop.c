/*
 * test_interop.c — utstack against independent implementations (the
 * "Independent peers" of ../shared/spec/README.md, issue 3 item 4):
 *
 *  - Wireshark's dissector (tshark) on loopback decodes every Zh message
 *    hss-stub and common/'s client exchange as 3GPP Zh (16777221), with
 *    every AVP named, nothing malformed and no expert warning or error;
 *  - freeDiameterd 1.2.1 as a Diameter peer of hss-stub: CER/CEA, DWR/DWA
 *    in both directions (RFC 3539 §3.4) and DPR/DPA on its shutdown, and
 *    the same exchange through tshark's dissector;
 *  - freeDiameterd as a Zh relay between bsf and hss-stub (issue 4 item
 *    5): a test UE bootstraps over Ub, and resynchronises, through it.
 *
 * A tool that is not installed, or a capture the user may not make, makes
 * the test pass with one "SKIP: test: reason" line on stderr: interop needs
 * the tools, the rest of the suite does not.
 *
 * Nothing outlives a test: in Check's fork mode each test is its own
 * process group, which Check kills with SIGKILL when the test ends (pass or
 * fail), stack daemons included; with CK_FORK=no the checked teardown
 * sweep() stops what a failed assertion left running. Children started here
 * also get PR_SET_PDEATHSIG.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aka.h"
#include "b64.h"
#include "crypto.h"
#include "digest.h"
#include "e2e.h"
#include "hex.h"
#include "httpc.h"
#include "milenage.h"

#define BSF_HOST	"bsf.ims.example.org"
#define RELAY_HOST	"relay.ims.example.org"
#define REALM		"ims.example.org"
#define UNKNOWN_IMPI	"nobody@ims.example.org"
#define UNKNOWN_IMPU	"sip:nobody@ims.example.org"
/* The subscriber of the freeDiameterd tests: Milenage Test Set 1, as
 * scripts/stack provisions it. */
#define SUB_IMPI	"001010000000001@ims.mnc001.mcc001.3gppnetwork.org"
#define SUB_K		"465b5ce8b199b49faa5f0a2ee238a6bc"
#define SUB_OPC		"cd63cb71954a9f4e48a5994e37a02baf"
#define SUB_IMPU	"sip:alice@ims.example.org"
/* freeDiameterd's Tw is at least 6 s with +-2 s jitter (RFC 3539 §3.4.1):
 * its first DWR comes 4..8 s after the last message it received. */
#define FD_TW_S		6
#define FD_WAIT_MS	((FD_TW_S + 2) * 1000 + E2E_WAIT_MS)
#define KIDS_MAX	8

/* ---- children that must not outlive the test ------------------------- */

static pid_t	 kids[KIDS_MAX];
static char	 live_env[512];		/* stack.env of a stack still up */
static char	 live_dir[256];		/* a scratch folder still in use */

static void
kid_forget(pid_t pid)
{
	int i;

	for (i = 0; i < KIDS_MAX; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/*
 * Start argv (argv[0] a path) with stdin from /dev/null and stdout and
 * stderr appended to `log`, and remember it for sweep(). The child gets
 * SIGTERM if the test process dies first (PR_SET_PDEATHSIG).
 */
static pid_t
spawn(const char *const *argv, const char *log)
{
	pid_t parent = getpid(), pid;
	int fd;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
		    getppid() != parent)
			_exit(127);
		if ((fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, 0);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (int i = 0; i < KIDS_MAX; i++)
		if (kids[i] == 0) {
			kids[i] = pid;
			break;
		}
	return pid;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Send `sig` (0: none) to a child and reap it, waiting at most `ms` on a
 * pidfd; past that it is killed. Returns its exit status, 128+signal when
 * a signal ended it, or -1 when it had to be killed.
 */
static int
reap(pid_t pid, int sig, int ms)
{
	struct pollfd p;
	int st, pfd, killed = 0;

	if (sig != 0)
		kill(pid, sig);
	if ((pfd = pidfd_open(pid, 0)) >= 0) {
		p.fd = pfd;
		p.events = POLLIN;
		if (poll(&p, 1, ms) != 1) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		close(pfd);
	}
	if (waitpid(pid, &st, 0) != pid)
		st = 0;
	kid_forget(pid);
	if (killed)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Has the child exited? Reaps it when so. */
static int
exited(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, WNOHANG) == pid) {
		kid_forget(pid);
		return 1;
	}
	return 0;
}

/* SIGTERM every *_PID of a stack.env (what `scripts/stack down` does),
 * without Check assertions: this runs from the teardown. */
static void
stop_env_pids(const char *env)
{
	char line[512], *eq;
	long pid;
	FILE *f;

	if ((f = fopen(env, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((eq = strchr(line, '=')) == NULL || eq - line < 4 ||
		    strncmp(eq - 4, "_PID", 4) != 0)
			continue;
		if ((pid = strtol(eq + 1, NULL, 10)) > 1)
			kill((pid_t)pid, SIGTERM);
	}
	fclose(f);
}

/* Checked teardown: after a failed assertion (CK_FORK=no), kill what the
 * test started and keep its folder for a post-mortem. A test that passed
 * has reaped its children and cleared live_env/live_dir already. */
static void
sweep(void)
{
	int i;

	/* SIGTERM first: tshark stops its dumpcap then */
	for (i = 0; i < KIDS_MAX; i++)
		if (kids[i] > 0)
			(void)reap(kids[i], SIGTERM, 3000);
	if (live_env[0] != '\0')
		stop_env_pids(live_env);
	if (live_env[0] != '\0' || live_dir[0] != '\0')
		fprintf(stderr, "interop: test files kept in %s\n",
		    live_dir[0] != '\0' ? live_dir : live_env);
	live_env[0] = live_dir[0] = '\0';
}

/* Run argv to completion with stdout and stderr into `out`; exit status. */
static int
run_to(const char *const *argv, const char *out)
{
	return reap(spawn(argv, out), 0, 60000);
}

/* e2e_wait_log that gives up at once when `pid` exits: -1 on timeout, -2
 * when the child is gone (a last scan is made first). */
static int
wait_child_log(pid_t pid, const char *path, const char *needle, long *from,
    char *line, size_t linesz, int ms)
{
	long deadline = now_ms() + ms;

	while (now_ms() < deadline) {
		if (e2e_wait_log(path, needle, from, line, linesz, 200) == 0)
			return 0;
		if (exited(pid))
			return e2e_wait_log(path, needle, from, line, linesz,
			    0) == 0 ? 0 : -2;
	}
	return -1;
}

/* The file's text (at most `size` - 1 octets), "" when unreadable. */
static void
slurp_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Say why a test does not run; the test then passes. */
static void	 skip(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
skip(const char *test, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "SKIP: %s: ", test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* `name` on $PATH (or in an sbin folder) into `path`; 0, or -1. */
static int
find_tool(const char *name, char *path, size_t size)
{
	const char *env = getenv("PATH");
	char dirs[4096], *dir, *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin",
	    env != NULL ? env : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(path, size, "%s/%s", dir, name) < size &&
		    access(path, X_OK) == 0)
			return 0;
	}
	return -1;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- tshark: capture, then decode --------------------------------------- */

struct capture {
	pid_t	pid;
	char	pcap[512];
	char	log[512];		/* tshark's stdout and stderr */
	long	pos;			/* how far capture_wait() has read */
	char	ports[4][16];
	int	nports;
	int	probe;			/* UDP socket, see capture_live() */
	struct sockaddr_in probe_sa;
};

/* A UDP socket of our own on 127.0.0.1, to probe the capture with. */
static void
probe_open(struct capture *c)
{
	socklen_t len = sizeof(c->probe_sa);

	c->probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->probe, 0);
	memset(&c->probe_sa, 0, sizeof(c->probe_sa));
	c->probe_sa.sin_family = AF_INET;
	c->probe_sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(c->probe, (struct sockaddr *)&c->probe_sa,
	    len), 0);
	ck_assert_int_eq(getsockname(c->probe,
	    (struct sockaddr *)&c->probe_sa, &len), 0);
}

/*
 * tshark says "Capturing on" some milliseconds before packets reach the
 * file (measured here: the first 10-20 ms of traffic were lost, a CER
 * with them), so prove the capture live: send a datagram to our own probe
 * socket, inside the capture filter, every 100 ms until tshark prints it.
 * 0, -1 on timeout, -2 when tshark exited.
 */
static int
capture_live(struct capture *c)
{
	long deadline = now_ms() + E2E_WAIT_MS;
	int rc = -1;

	while (now_ms() < deadline) {
		(void)sendto(c->probe, "probe", 5, 0,
		    (struct sockaddr *)&c->probe_sa, sizeof(c->probe_sa));
		rc = wait_child_log(c->pid, c->log, " UDP ", &c->pos, NULL, 0,
		    100);
		if (rc != -1)
			break;
	}
	close(c->probe);
	c->probe = -1;
	return rc;
}

/*
 * Start `tshark -i lo` on the TCP ports given (NULL-terminated), writing
 * DIR/NAME.pcap and printing a summary line per packet (-P, line-buffered)
 * into DIR/NAME.log, each port decoded as Diameter. Returns 0 once the
 * capture is live (capture_live); -1 (after a SKIP line) when this user
 * may not capture. Anything else fails the test.
 */
static int
capture_start(struct capture *c, const char *test, const char *dir,
    const char *name, const char *const *ports)
{
	char tshark[512], filter[256], text[4096], d[4][64], *why;
	const char *argv[24];
	int n, i, rc;

	memset(c, 0, sizeof(*c));
	c->probe = -1;
	if (find_tool("tshark", tshark, sizeof(tshark)) != 0) {
		skip(test, "tshark is not installed (scripts/install-deps)");
		return -1;
	}
	snprintf(c->pcap, sizeof(c->pcap), "%s/%s.pcap", dir, name);
	snprintf(c->log, sizeof(c->log), "%s/%s.log", dir, name);
	probe_open(c);
	snprintf(filter, sizeof(filter), "udp port %u",
	    ntohs(c->probe_sa.sin_port));
	for (i = 0; ports[i] != NULL && i < 4; i++) {
		snprintf(c->ports[i], sizeof(c->ports[i]), "%s", ports[i]);
		n = (int)strlen(filter);
		snprintf(filter + n, sizeof(filter) - (size_t)n,
		    " or tcp port %s", ports[i]);
	}
	c->nports = i;
	n = 0;
	argv[n++] = tshark;
	argv[n++] = "-i";
	argv[n++] = "lo";
	argv[n++] = "-f";
	argv[n++] = filter;
	argv[n++] = "-w";
	argv[n++] = c->pcap;
	argv[n++] = "-P";
	argv[n++] = "-l";
	for (i = 0; i < c->nports; i++) {
		snprintf(d[i], sizeof(d[i]), "tcp.port==%s,diameter",
		    c->ports[i]);
		argv[n++] = "-d";
		argv[n++] = d[i];
	}
	argv[n] = NULL;
	c->pid = spawn(argv, c->log);
	rc = wait_child_log(c->pid, c->log, "Capturing on", &c->pos, NULL, 0,
	    E2E_WAIT_MS);
	if (rc == 0)
		rc = capture_live(c);
	if (rc == 0)
		return 0;
	if (c->probe >= 0)
		close(c->probe);
	slurp_file(c->log, text, sizeof(text));
	if (rc == -1)
		reap(c->pid, SIGKILL, 1000);
	if ((why = strstr(text, "ermission")) != NULL ||
	    (why = strstr(text, "not permitted")) != NULL) {
		while (why > text && why[-1] != '\n')
			why--;
		skip(test, "this user (%s) may not capture on lo: %.*s",
		    geteuid() == 0 ? "root" : "not root",
		    (int)strcspn(why, "\n"), why);
		return -1;
	}
	ck_abort_msg("tshark did not start capturing:\n%s", text);
	return -1;
}

/* Wait for the next packet summary line holding `needle`. */
static void
capture_wait(struct capture *c, const char *needle)
{
	char text[8192];

	if (wait_child_log(c->pid, c->log, needle, &c->pos, NULL, 0,
	    E2E_WAIT_MS) != 0) {
		slurp_file(c->log, text, sizeof(text));
		ck_abort_msg("tshark showed no \"%s\":\n%s", needle, text);
	}
}

/* SIGINT ends a tshark capture cleanly (the pcap is complete). */
static void
capture_stop(struct capture *c)
{
	char text[4096];
	int st = reap(c->pid, SIGINT, E2E_WAIT_MS);

	if (st != 0) {
		slurp_file(c->log, text, sizeof(text));
		ck_abort_msg("tshark exited with %d:\n%s", st, text);
	}
}

/*
 * `tshark -r PCAP -V` with each port decoded as Diameter, into
 * DIR/NAME.txt (path in `out`).
 */
static void
capture_decode(struct capture *c, const char *out)
{
	char tshark[512], d[4][64];
	const char *argv[24];
	int n = 0, i;

	ck_assert_int_eq(find_tool("tshark", tshark, sizeof(tshark)), 0);
	argv[n++] = tshark;
	argv[n++] = "-r";
	argv[n++] = c->pcap;
	argv[n++] = "-V";
	for (i = 0; i < c->nports; i++) {
		snprintf(d[i], sizeof(d[i]), "tcp.port==%s,diameter",
		    c->ports[i]);
		argv[n++] = "-d";
		argv[n++] = d[i];
	}
	argv[n] = NULL;
	ck_assert_int_eq(run_to(argv, out), 0);
}

/* What the dissector made of a capture. */
struct decoded {
	int	req[4096], ans[4096];	/* per command code */
	int	zh;			/* messages of application 16777221 */
	int	bad;			/* offending lines */
	char	badtext[8192];		/* their text, with the frame */
	char	notes[2048];		/* TCP's warnings (e.g. a RST) */
	char	named[64][96];		/* "code name" of every AVP seen */
	int	nnamed;
};

/*
 * A line that condemns the decode: anywhere, a malformed packet or a
 * segment the capture lost (then a message may be missing); inside a
 * Diameter tree, an expert warning or error, or an AVP the dissector does
 * not know. NULL when the line is fine.
 */
static const char *
bad_line(const char *l, int in_dia)
{
	if (strstr(l, "Malformed") != NULL)
		return "malformed";
	if (strstr(l, "not captured") != NULL ||
	    strstr(l, "wasn't captured") != NULL)
		return "capture lost a segment";
	if (!in_dia)
		return NULL;
	if (strstr(l, "[Expert Info (Error") != NULL ||
	    strstr(l, "[Expert Info (Warning") != NULL)
		return "expert info";
	if (strstr(l, "Unknown AVP") != NULL ||
	    strstr(l, "AVP: Unknown") != NULL ||
	    (strstr(l, "AVP Code: ") != NULL && strstr(l, "Unknown") != NULL))
		return "AVP not known";
	return NULL;
}

/* Remember "AVP Code: N Name" lines, once per code and name. */
static void
note_avp(struct decoded *r, const char *l)
{
	const char *p = strstr(l, "AVP Code: ");
	char entry[96];
	int i;

	if (p == NULL)
		return;
	snprintf(entry, sizeof(entry), "%s", p + strlen("AVP Code: "));
	entry[strcspn(entry, "\n")] = '\0';
	for (i = 0; i < r->nnamed; i++)
		if (strcmp(r->named[i], entry) == 0)
			return;
	if (r->nnamed < 64)
		memcpy(r->named[r->nnamed++], entry, sizeof(entry));
}

/*
 * Read tshark's -V text: count Diameter messages by command and R flag
 * (the "Flags: 0x.." line, then "Command Code: Name (N)"), messages of
 * application 3GPP Zh, and collect every bad_line() with the frame it
 * belongs to. A Diameter tree starts at a "Diameter Protocol" line and
 * ends at the next line that is not indented (the next protocol).
 */
static void
decoded_read(const char *path, struct decoded *r)
{
	char l[1024], frame[128] = "";
	unsigned code, flags = 0;
	FILE *f = fopen(path, "r");
	int in_dia = 0;

	memset(r, 0, sizeof(*r));
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while (fgets(l, sizeof(l), f) != NULL) {
		const char *p, *why;

		if (strncmp(l, "Frame ", 6) == 0)
			snprintf(frame, sizeof(frame), "%.*s",
			    (int)strcspn(l, ":\n"), l);
		if (l[0] != ' ')
			in_dia = 0;
		if (strcmp(l, "Diameter Protocol\n") == 0)
			in_dia = 1;
		if (in_dia && strncmp(l, "    Flags: 0x", 13) == 0)
			flags = (unsigned)strtoul(l + 13, NULL, 16);
		/* "Command Code: Capabilities-Exchange (257)" in 4.0 */
		if (in_dia && strncmp(l, "    Command Code: ", 18) == 0 &&
		    (p = strrchr(l, '(')) != NULL &&
		    sscanf(p + 1, "%u", &code) == 1 && code < 4096) {
			if (flags & DIA_FLAG_R)
				r->req[code]++;
			else
				r->ans[code]++;
		}
		if (in_dia && strncmp(l, "    ApplicationId: ", 19) == 0 &&
		    strstr(l, "(16777221)") != NULL)
			r->zh++;
		if (in_dia)
			note_avp(r, l);
		if ((why = bad_line(l, in_dia)) != NULL) {
			size_t n = strlen(r->badtext);

			r->bad++;
			snprintf(r->badtext + n, sizeof(r->badtext) - n,
			    "%s (%s): %s", frame, why, l);
		} else if (strstr(l, "[Expert Info (Warning") != NULL ||
		    strstr(l, "[Expert Info (Error") != NULL) {
			size_t n = strlen(r->notes);

			snprintf(r->notes + n, sizeof(r->notes) - n,
			    "  %s:%s", frame, l);
		}
	}
	fclose(f);
}

/* The name tshark gave AVP `code` ("" when it never appeared). */
static const char *
decoded_name(const struct decoded *r, unsigned code)
{
	char want[16];
	int i;

	snprintf(want, sizeof(want), "%u ", code);
	for (i = 0; i < r->nnamed; i++)
		if (strncmp(r->named[i], want, strlen(want)) == 0)
			return r->named[i] + strlen(want);
	return "";
}

/* AVP `code` was decoded, with a name holding `name` (any name for "").
 * On failure, list what the dissector named. */
static void
ck_avp_named(const struct decoded *r, unsigned code, const char *name)
{
	const char *got = decoded_name(r, code);
	char all[64 * 100] = "";
	int i;

	if (got[0] != '\0' && strstr(got, "Unknown") == NULL &&
	    strstr(got, name) != NULL)
		return;
	for (i = 0; i < r->nnamed; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all),
		    "  %s\n", r->named[i]);
	ck_abort_msg("AVP %u: tshark named it \"%s\", want \"%s\"; AVPs "
	    "seen:\n%s", code, got, name, all);
}

/* No malformed packet, expert warning/error or unknown AVP: else fail with
 * the offending lines. */
static void
decoded_clean(const struct decoded *r, const char *what)
{
	if (r->notes[0] != '\0')
		fprintf(stderr, "interop: tshark warns outside Diameter in %s "
		    "(not a failure):\n%s",
		    what, r->notes);
	ck_assert_msg(r->bad == 0, "tshark found %d problem(s) in %s:\n%s",
	    r->bad, what, r->badtext);
}

/* ---- Zh over a real connection, as the BSF --------------------------- */

struct mar_opts {
	const char	*origin_host;		/* ours, as a BSF */
	const char	*user_name;		/* NULL: none */
	const char	*public_identity;	/* NULL: none */
	const uint8_t	*rand_auts;		/* RAND||AUTS, 30 octets */
	time_t		 guss_timestamp;	/* 0: none */
};

static struct dia_msg *
mar(struct e2e_dia *d, const struct mar_opts *o)
{
	struct dia_build b;
	struct dia_msg *m;
	struct buf msg;
	char sid[128];

	buf_init(&msg, 65536);
	dia_build_begin(&b, &msg, DIA_FLAG_R | DIA_FLAG_P, DIA_CMD_MA,
	    DIA_APP_ZH, 0, 0);
	ck_assert_int_eq(dia_session_id(o->origin_host, sid, sizeof(sid)), 0);
	dia_put_str(&b, DIA_AVP_SESSION_ID, DIA_AVP_M, 0, sid);
	dia_group_begin(&b, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(&b, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(&b, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0, DIA_APP_ZH);
	dia_group_end(&b);
	dia_put_u32(&b, DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_M, 0, 1);
	dia_put_str(&b, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, o->origin_host);
	dia_put_str(&b, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0, REALM);
	dia_put_str(&b, DIA_AVP_DESTINATION_REALM, DIA_AVP_M, 0, REALM);
	if (o->user_name != NULL)
		dia_put_str(&b, DIA_AVP_USER_NAME, DIA_AVP_M, 0, o->user_name);
	if (o->public_identity != NULL)
		dia_put_str(&b, DIA_AVP_PUBLIC_IDENTITY, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->public_identity);
	dia_group_begin(&b, DIA_AVP_SIP_AUTH_DATA_ITEM, DIA_AVP_M,
	    DIA_VENDOR_3GPP);
	dia_put_str(&b, DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_M, DIA_VENDOR_3GPP,
	    "Digest-AKAv1-MD5");
	if (o->rand_auts != NULL)
		dia_put(&b, DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_M,
		    DIA_VENDOR_3GPP, o->rand_auts, 30);
	dia_group_end(&b);
	if (o->guss_timestamp != 0)
		dia_put_time(&b, DIA_AVP_GUSS_TIMESTAMP, 0, DIA_VENDOR_3GPP,
		    o->guss_timestamp);
	ck_assert_int_eq(dia_build_end(&b), 0);
	m = e2e_dia_request(d, &msg);
	buf_clear(&msg);
	ck_assert_msg(m != NULL, "no MAA");
	return m;
}

/* A stack.env value that older stacks do not write, or `dflt`. */
static const char *
env_or(const struct e2e_stack *s, const char *key, const char *dflt)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return dflt;
}

/* RAND of an MAA's vector. */
static void
maa_rand(const struct dia_msg *m, uint8_t rand[16])
{
	const struct dia_avp *item, *a;

	item = dia_msg_find(m, NULL, DIA_AVP_SIP_AUTH_DATA_ITEM,
	    DIA_VENDOR_3GPP, NULL);
	ck_assert_ptr_nonnull(item);
	a = dia_msg_find(m, item, DIA_AVP_SIP_AUTHENTICATE, DIA_VENDOR_3GPP,
	    NULL);
	ck_assert(a != NULL && a->len == 32);
	memcpy(rand, a->data, 16);
}

/* The AVPs of tshark_decodes_zh's exchange, both ways. */
static const unsigned zh_avps[] = {
	DIA_AVP_USER_NAME, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_AUTH_APPLICATION_ID,
	DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_SESSION_ID, DIA_AVP_ORIGIN_HOST,
	DIA_AVP_SUPPORTED_VENDOR_ID, DIA_AVP_VENDOR_ID, DIA_AVP_RESULT_CODE,
	DIA_AVP_PRODUCT_NAME, DIA_AVP_DISCONNECT_CAUSE,
	DIA_AVP_AUTH_SESSION_STATE, DIA_AVP_ORIGIN_STATE_ID,
	DIA_AVP_DESTINATION_REALM, DIA_AVP_ORIGIN_REALM,
	DIA_AVP_EXPERIMENTAL_RESULT, DIA_AVP_EXPERIMENTAL_RESULT_CODE,
	DIA_AVP_GBA_USERSECSETTINGS, DIA_AVP_GUSS_TIMESTAMP,
	DIA_AVP_PUBLIC_IDENTITY, DIA_AVP_SIP_NUMBER_AUTH_ITEMS,
	DIA_AVP_SIP_AUTH_SCHEME, DIA_AVP_SIP_AUTHENTICATE,
	DIA_AVP_SIP_AUTHORIZATION, DIA_AVP_SIP_AUTH_DATA_ITEM,
	DIA_AVP_SIP_ITEM_NUMBER, DIA_AVP_CONFIDENTIALITY_KEY,
	DIA_AVP_INTEGRITY_KEY,
};

/*
 * The Zh exchange of a BSF — MAR with GUSS-Timestamp, resynchronisation
 * (RAND||AUTS), unknown IMPI and unknown IMPU (5401), DPR — captured on
 * loopback and decoded by Wireshark's dissector: every message is there,
 * as 3GPP Zh, every AVP by name, nothing malformed, no expert warning.
 */
START_TEST(tshark_decodes_zh)
{
	struct e2e_stack s;
	struct capture cap;
	struct decoded *r;
	struct e2e_dia *d;
	struct dia_msg *m;
	struct mar_opts o = { 0 };
	struct milenage mil;
	uint8_t k[16], opc[16], sqn_ms[6], ra[30];
	char out[512], down[320];
	const char *port, *host;
	long pos = 0;

	e2e_stack_up(&s, NULL);
	snprintf(live_env, sizeof(live_env), "%s/stack.env", s.dir);
	port = e2e_env(&s, "HSS_ZH_PORT");
	/* Talk as the tester once the stack has one (then the BSF keeps its
	 * own Zh connection, and its CER and DWRs are in the capture too). */
	host = env_or(&s, "TESTER_ORIGIN_HOST", BSF_HOST);
	snprintf(down, sizeof(down), "DIA-PEER-DOWN peer=%s ", host);
	if (capture_start(&cap, "tshark_decodes_zh", s.dir, "zh",
	    (const char *[]){ port, NULL }) != 0) {
		live_env[0] = '\0';
		e2e_stack_down(&s);
		return;
	}
	d = e2e_dia_open(host, REALM, DIA_APP_ZH, (uint16_t)atoi(port));
	ck_assert_msg(d != NULL, "could not open Zh to hss-stub");

	/* a vector and the GUSS (the BSF's copy is from 2000) */
	o.origin_host = host;
	o.user_name = e2e_env(&s, "IMPI");
	o.guss_timestamp = 946684800;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_SUCCESS);
	ck_assert_ptr_nonnull(dia_msg_find(m, NULL, DIA_AVP_GBA_USERSECSETTINGS,
	    DIA_VENDOR_3GPP, NULL));
	maa_rand(m, ra);
	dia_msg_free(m);

	/* resynchronisation: RAND || AUTS for SQN_MS = SEQ 1000, IND 7 */
	ck_assert_int_eq(hex_decode_exact(e2e_env(&s, "K"), k, 16), 0);
	ck_assert_int_eq(hex_decode_exact(e2e_env(&s, "OPC"), opc, 16), 0);
	milenage_init(&mil, k, opc);
	aka_sqn_put(AKA_SQN_MAKE(1000, 7), sqn_ms);
	aka_auts_generate(&mil, ra, sqn_ms, ra + 16);
	milenage_clear(&mil);
	o.guss_timestamp = 0;
	o.rand_auts = ra;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_SUCCESS);
	dia_msg_free(m);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"),
	    "HSS-RESYNC impi=", &pos, NULL, 0, E2E_WAIT_MS), 0);

	/* unknown subscriber, by IMPI and by IMPU */
	o.rand_auts = NULL;
	o.user_name = UNKNOWN_IMPI;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_ERROR_IDENTITY_UNKNOWN);
	dia_msg_free(m);
	o.user_name = NULL;
	o.public_identity = UNKNOWN_IMPU;
	m = mar(d, &o);
	ck_assert_uint_eq(e2e_dia_result(m), DIA_ERROR_IDENTITY_UNKNOWN);
	dia_msg_free(m);

	/* DPR; the capture is complete once tshark has shown it */
	e2e_dia_close(d);
	ck_assert_int_eq(e2e_wait_log(e2e_env(&s, "HSS_STUB_LOG"), down, &pos,
	    NULL, 0, E2E_WAIT_MS), 0);
	capture_wait(&cap, "Disconnect-Peer Request");
	capture_stop(&cap);

	snprintf(out, sizeof(out), "%s/zh.txt", s.dir);
	capture_decode(&cap, out);
	r = calloc(1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	decoded_read(out, r);
	decoded_clean(r, out);
	/* at least ours (a BSF in the stack adds its own) */
	ck_assert_int_ge(r->req[DIA_CMD_CE], 1);
	ck_assert_int_ge(r->ans[DIA_CMD_CE], 1);
	ck_assert_int_ge(r->req[DIA_CMD_MA], 4);
	ck_assert_int_ge(r->ans[DIA_CMD_MA], 4);
	ck_assert_int_ge(r->req[DIA_CMD_DP], 1);
	ck_assert_int_ge(r->zh, 8);
	/* every AVP of the exchange was there and got a name ... */
	for (size_t i = 0; i < sizeof(zh_avps) / sizeof(zh_avps[0]); i++)
		ck_avp_named(r, zh_avps[i], "");
	/* ... these as Wireshark 4.0 spells them (612 is
	 * "3GPP-SIP-Auth-Data-Item" there) */
	ck_avp_named(r, DIA_AVP_GBA_USERSECSETTINGS, "GBA-UserSecSettings");
	ck_avp_named(r, DIA_AVP_SIP_AUTH_DATA_ITEM, "SIP-Auth-Data-Item");
	ck_avp_named(r, DIA_AVP_GUSS_TIMESTAMP, "GUSS-Timestamp");
	free(r);
	live_env[0] = '\0';
	e2e_stack_down(&s);
}
END_TEST

/* ---- freeDiameterd ----------------------------------------------------- */

struct hss {
	pid_t	pid;
	char	conf[512];
	char	log[512];
	char	port[16];
};

/* An hss-stub of its own, Origin-Host `host`, allowing the relay only,
 * with watchdog Tw `tw_ms`, dumping every message (-vv). */
static void
hss_start(struct hss *h, const char *dir, const char *db, const char *host,
    int tw_ms)
{
	char text[1024], line[512], *p;
	long pos = 0;
	int rc;

	snprintf(h->conf, sizeof(h->conf), "%s/%s.conf", dir, host);
	snprintf(h->log, sizeof(h->log), "%s/%s.log", dir, host);
	snprintf(text, sizeof(text),
	    "[hss]\norigin_host = %s\norigin_realm = " REALM "\ndb = %s\n"
	    "[zh]\nlisten = 127.0.0.1:0\npeers = " RELAY_HOST "\n"
	    "watchdog_ms = %d\n", host, db, tw_ms);
	write_file(h->conf, text);
	h->pid = spawn((const char *[]){ e2e_prog("hss-stub"), "-c", h->conf,
	    "-f", "-vv", NULL }, h->log);
	rc = wait_child_log(h->pid, h->log, "LISTENING name=zh addr=", &pos,
	    line, sizeof(line), E2E_WAIT_MS);
	ck_assert_msg(rc == 0, "%s did not start (%d), see %s", host, rc,
	    h->log);
	p = strrchr(line, ':');
	ck_assert_ptr_nonnull(p);
	snprintf(h->port, sizeof(h->port), "%d", atoi(p + 1));
}

static void
hss_stop(struct hss *h)
{
	long pos = 0;

	ck_assert_int_eq(reap(h->pid, SIGTERM, E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(h->log, "HSS-STOPPED", &pos, NULL, 0,
	    0), 0);
}

/* DIR/hss.db holding SUB_IMPI (its path into `db`). */
static void
hss_db(const char *dir, char *db, size_t size)
{
	struct e2e_run run;

	snprintf(db, size, "%s/hss.db", dir);
	e2e_run(&run, (const char *[]){ e2e_prog("hss-stub"), "-d", db, "add",
	    SUB_IMPI, "--k", SUB_K, "--opc", SUB_OPC, "--impu", SUB_IMPU,
	    NULL });
	ck_assert_msg(run.status == 0, "hss-stub add: %s", run.err);
}

/*
 * The TLS lines of a relay's freeDiameter.conf, into `tls`: the
 * configuration a relay would have is a TLS_Cred (here a one-day
 * self-signed pair DIR/relay.crt and .key), though every peer here is
 * plain TCP (No_TLS). The Debian 1.2.1 build also starts without one ("TLS
 * is disabled"), so without openssl `tls` is "" and the test goes on.
 */
static void
relay_tls(const char *dir, char *tls, size_t size)
{
	char openssl[512], cert[512], key[512], log[512], text[4096];
	int st;

	tls[0] = '\0';
	if (find_tool("openssl", openssl, sizeof(openssl)) != 0) {
		fprintf(stderr, "interop: no openssl: freeDiameterd runs "
		    "without TLS_Cred\n");
		return;
	}
	snprintf(cert, sizeof(cert), "%s/relay.crt", dir);
	snprintf(key, sizeof(key), "%s/relay.key", dir);
	snprintf(log, sizeof(log), "%s/openssl.log", dir);
	st = run_to((const char *[]){ openssl, "req", "-x509", "-newkey",
	    "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" RELAY_HOST,
	    "-keyout", key, "-out", cert, NULL }, log);
	slurp_file(log, text, sizeof(text));
	ck_assert_msg(st == 0, "openssl req failed:\n%s", text);
	snprintf(tls, size, "TLS_Cred = \"%s\", \"%s\";\nTLS_CA = \"%s\";\n",
	    cert, key, cert);
}

/* Wait for `needle` in an hss-stub log; on failure show both logs' tails. */
static void
log_expect(const char *path, const char *needle, long *from, char *line,
    size_t linesz, int ms, const char *other)
{
	static char a[16384], b[8192];

	if (e2e_wait_log(path, needle, from, line, linesz, ms) == 0)
		return;
	slurp_file(path, a, sizeof(a));
	slurp_file(other, b, sizeof(b));
	ck_abort_msg("no \"%s\" in %s within %d ms:\n%s\n--- %s:\n%s",
	    needle, path, ms, a, other, b);
}

/*
 * The CER freeDiameterd sent, from hss-stub's -vv dump: the lines after
 * "recv: CER" of the first connection, joined for a failure message.
 */
static void
cer_dump(const char *log, char *out, size_t size)
{
	char l[1024];
	FILE *f = fopen(log, "r");
	int in = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(l, sizeof(l), f) != NULL) {
		const char *p = strstr(l, " recv: ");

		if (p != NULL && strncmp(p, " recv: CER ", 11) == 0)
			in = 1;
		else if (p == NULL || strncmp(p, " recv:   ", 9) != 0)
			in = in ? -1 : 0;
		if (in == -1)
			break;
		if (in == 1)
			snprintf(out + strlen(out), size - strlen(out), "%s",
			    p + 1);
	}
	fclose(f);
}

/*
 * freeDiameterd 1.2.1 (relay.ims.example.org) connects to two hss-stubs:
 *  - hss.ims.example.org, Tw 1 s: hss-stub sends the DWRs, the relay
 *    answers DWA;
 *  - hss2.ims.example.org, Tw 60 s: freeDiameterd (Tw 6 s) sends the
 *    DWRs and hss-stub answers.
 * (On an idle connection only the side with the shorter Tw ever sends
 * DWR — any message received restarts the other's timer — so the two
 * directions need two connections.) Then SIGTERM: freeDiameterd sends
 * DPR, both hss-stubs log DIA-PEER-DOWN. tshark, when it may capture,
 * decodes the whole exchange too.
 */
START_TEST(freediameter_peer)
{
	char fdd[512], dir[] = "/tmp/utstack-fd-XXXXXX";
	char db[512], conf[512], fdlog[512];
	char text[4096], line[1024], tls[1700];
	struct hss h1, h2;
	struct capture cap;
	struct decoded *r = NULL;
	struct e2e_run run;
	long p1 = 0, p2 = 0, pf = 0;
	pid_t fd;
	int capturing, st;

	if (find_tool("freeDiameterd", fdd, sizeof(fdd)) != 0) {
		skip("freediameter_peer", "freeDiameterd is not installed "
		    "(Debian package freediameter; scripts/install-deps)");
		return;
	}
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(live_dir, sizeof(live_dir), "%s", dir);
	snprintf(conf, sizeof(conf), "%s/freeDiameter.conf", dir);
	snprintf(fdlog, sizeof(fdlog), "%s/freeDiameterd.log", dir);

	/* One subscriber (not used on the wire; the daemon wants a DB). */
	hss_db(dir, db, sizeof(db));
	hss_start(&h1, dir, db, "hss.ims.example.org", 1000);
	hss_start(&h2, dir, db, "hss2.ims.example.org", 60000);
	relay_tls(dir, tls, sizeof(tls));

	/* No listener (Port/SecPort 0): freeDiameterd only connects. Tc 1 s
	 * so a refused first attempt is retried quickly. */
	snprintf(text, sizeof(text),
	    "Identity = \"" RELAY_HOST "\";\n"
	    "Realm = \"" REALM "\";\n"
	    "%s"
	    "Port = 0;\n"
	    "SecPort = 0;\n"
	    "No_SCTP;\n"
	    "No_IPv6;\n"
	    "ListenOn = \"127.0.0.1\";\n"
	    "TcTimer = 1;\n"
	    "TwTimer = %d;\n"
	    "ConnectPeer = \"hss.ims.example.org\" { "
	    "ConnectTo = \"127.0.0.1\"; Port = %s; No_TLS; No_SCTP; };\n"
	    "ConnectPeer = \"hss2.ims.example.org\" { "
	    "ConnectTo = \"127.0.0.1\"; Port = %s; No_TLS; No_SCTP; };\n",
	    tls, FD_TW_S, h1.port, h2.port);
	write_file(conf, text);

	capturing = capture_start(&cap, "freediameter_peer (tshark part)", dir,
	    "fd", (const char *[]){ h1.port, h2.port, NULL }) == 0;

	fd = spawn((const char *[]){ fdd, "-c", conf, NULL }, fdlog);

	/* CER/CEA: hss-stub admits the relay (it advertises Relay only) */
	if (e2e_wait_log(h1.log, "DIA-PEER-UP peer=" RELAY_HOST, &p1, line,
	    sizeof(line), E2E_WAIT_MS) != 0) {
		char cer[4096], fdtext[8192];

		cer_dump(h1.log, cer, sizeof(cer));
		slurp_file(fdlog, fdtext, sizeof(fdtext));
		ck_abort_msg("hss-stub did not admit freeDiameterd.\nIts CER:\n"
		    "%s\nfreeDiameterd:\n%s", cer, fdtext);
	}
	ck_assert_ptr_nonnull(strstr(line, "role=server"));
	log_expect(h2.log, "DIA-PEER-UP peer=" RELAY_HOST, &p2, NULL, 0,
	    E2E_WAIT_MS, fdlog);
	/* and freeDiameterd accepted our CEA, for both */
	log_expect(fdlog, "-> 'STATE_OPEN'\t'hss.ims.example.org'", &pf, NULL,
	    0, E2E_WAIT_MS, h1.log);
	pf = 0;
	log_expect(fdlog, "-> 'STATE_OPEN'\t'hss2.ims.example.org'", &pf, NULL,
	    0, E2E_WAIT_MS, h2.log);
	cer_dump(h1.log, text, sizeof(text));
	fprintf(stderr, "interop: freeDiameterd's CER, as hss-stub read "
	    "it:\n%s", text);

	/* hss-stub (Tw 1 s) -> DWR, freeDiameterd -> DWA; twice */
	for (int i = 0; i < 2; i++) {
		log_expect(h1.log, " send: DWR (280)", &p1, NULL, 0,
		    E2E_WAIT_MS, fdlog);
		log_expect(h1.log, " recv: DWA (280)", &p1, NULL, 0,
		    E2E_WAIT_MS, fdlog);
		log_expect(h1.log, " recv:   Result-Code (268) -M-: 2001",
		    &p1, NULL, 0, E2E_WAIT_MS, fdlog);
		log_expect(h1.log, " recv:   Origin-Host (264) -M-: \""
		    RELAY_HOST "\"", &p1, NULL, 0, E2E_WAIT_MS, fdlog);
	}
	/* freeDiameterd (Tw 6 s +-2) -> DWR, hss-stub -> DWA 2001 */
	log_expect(h2.log, " recv: DWR (280)", &p2, NULL, 0, FD_WAIT_MS, fdlog);
	log_expect(h2.log, " recv:   Origin-Host (264) -M-: \"" RELAY_HOST "\"",
	    &p2, NULL, 0, E2E_WAIT_MS, fdlog);
	log_expect(h2.log, " send: DWA (280)", &p2, NULL, 0, E2E_WAIT_MS,
	    fdlog);
	log_expect(h2.log, " send:   Result-Code (268) -M-: 2001", &p2, NULL, 0,
	    E2E_WAIT_MS, fdlog);
	/* the watchdog never gave up on the relay */
	p1 = p2 = 0;
	ck_assert_int_ne(e2e_wait_log(h1.log, "DIA-WATCHDOG-TIMEOUT", &p1, NULL,
	    0, 0), 0);
	ck_assert_int_ne(e2e_wait_log(h2.log, "DIA-WATCHDOG-TIMEOUT", &p2, NULL,
	    0, 0), 0);

	/* SIGTERM: freeDiameterd says goodbye with DPR to both */
	kill(fd, SIGTERM);
	log_expect(h1.log, "DIA-PEER-DOWN peer=" RELAY_HOST, &p1, line,
	    sizeof(line), E2E_WAIT_MS, fdlog);
	ck_assert_msg(strstr(line, "reason=\"DPR received") != NULL,
	    "expected a DPR from freeDiameterd: %s", line);
	log_expect(h2.log, "DIA-PEER-DOWN peer=" RELAY_HOST, &p2, line,
	    sizeof(line), E2E_WAIT_MS, fdlog);
	ck_assert_msg(strstr(line, "reason=\"DPR received") != NULL,
	    "expected a DPR from freeDiameterd: %s", line);
	st = reap(fd, 0, 20000);
	slurp_file(fdlog, text, sizeof(text));
	ck_assert_msg(st == 0, "freeDiameterd exited with %d:\n%s", st, text);

	if (capturing) {
		snprintf(line, sizeof(line), "%s/fd.txt", dir);
		capture_wait(&cap, "Disconnect-Peer Answer");
		capture_wait(&cap, "Disconnect-Peer Answer");
		capture_stop(&cap);
		capture_decode(&cap, line);
		r = calloc(1, sizeof(*r));
		ck_assert_ptr_nonnull(r);
		decoded_read(line, r);
		decoded_clean(r, line);
		ck_assert_int_eq(r->req[DIA_CMD_CE], 2);
		ck_assert_int_eq(r->ans[DIA_CMD_CE], 2);
		ck_assert_int_ge(r->req[DIA_CMD_DW], 3);
		ck_assert_int_ge(r->ans[DIA_CMD_DW], 3);
		ck_assert_int_eq(r->req[DIA_CMD_DP], 2);
		ck_assert_int_eq(r->ans[DIA_CMD_DP], 2);
		free(r);
	}
	hss_stop(&h1);
	hss_stop(&h2);
	live_dir[0] = '\0';
	e2e_run(&run, (const char *[]){ "/bin/rm", "-rf", dir, NULL });
}
END_TEST

/* ---- freeDiameterd relaying Zh between bsf and hss-stub ------------------ */

#define FDX_DIRS	"/usr/lib/freeDiameter:/usr/local/lib/freeDiameter"
#define UB_ANSWER_MS	5000	/* longest wait for a Ub answer */

/* freeDiameter extension `name` (e.g. "acl_wl.fdx") into `path`; 0, or
 * -1 when none of FDX_DIRS has it. */
static int
find_fdx(const char *name, char *path, size_t size)
{
	char dirs[] = FDX_DIRS, *dir, *save = NULL;

	for (dir = strtok_r(dirs, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save))
		if ((size_t)snprintf(path, size, "%s/%s", dir, name) < size &&
		    access(path, R_OK) == 0)
			return 0;
	return -1;
}

/* A TCP port on 127.0.0.1 free a moment ago (bind port 0, then close), for
 * a daemon that cannot report the port it picked. */
static void
free_port(char *port, size_t size)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(port, size, "%u", ntohs(sa.sin_port));
}

struct bsf {
	pid_t	pid;
	char	conf[512];
	char	log[512];
	char	url[64];		/* http://127.0.0.1:PORT */
};

/*
 * A bsf of its own (the config scripts/stack writes) whose Zh peer is
 * `hss_port`, expected to say Origin-Host `hss_host` at CER; dumping every
 * Diameter message (-vv). Returns once Ub listens and Zh is up.
 */
static void
bsf_start(struct bsf *b, const char *dir, const char *hss_port,
    const char *hss_host)
{
	char text[1024], line[512], *p;
	long pos = 0;
	int rc;

	snprintf(b->conf, sizeof(b->conf), "%s/bsf.conf", dir);
	snprintf(b->log, sizeof(b->log), "%s/bsf.log", dir);
	snprintf(text, sizeof(text),
	    "[bsf]\nfqdn = " BSF_HOST "\norigin_host = " BSF_HOST "\n"
	    "origin_realm = " REALM "\n"
	    "[ub]\nlisten = 127.0.0.1:0\n"
	    "[zh]\nhss = 127.0.0.1:%s\nhss_host = %s\nhss_realm = " REALM "\n"
	    "[zn]\nlisten = 127.0.0.1:0\nnaf_hosts = ap." REALM "\n"
	    "naf_fqdns = xcap." REALM "\n"
	    "[store]\ndb = %s/bsf.db\n", hss_port, hss_host, dir);
	write_file(b->conf, text);
	b->pid = spawn((const char *[]){ e2e_prog("bsf"), "-c", b->conf, "-f",
	    "-vv", NULL }, b->log);
	rc = wait_child_log(b->pid, b->log, "LISTENING name=ub addr=", &pos,
	    line, sizeof(line), E2E_WAIT_MS);
	ck_assert_msg(rc == 0, "bsf did not start (%d), see %s", rc, b->log);
	p = strstr(line, "addr=") + 5;
	snprintf(b->url, sizeof(b->url), "http://%.*s", (int)strcspn(p, " \n"),
	    p);
}

static void
bsf_stop(struct bsf *b)
{
	long pos = 0;

	ck_assert_int_eq(reap(b->pid, SIGTERM, E2E_WAIT_MS), 0);
	ck_assert_int_eq(e2e_wait_log(b->log, "BSF-STOPPED", &pos, NULL, 0,
	    0), 0);
}

/* A test UE on Ub (TS 24.109 A.3/A.4): the USIM of SUB_IMPI and one
 * keep-alive connection to the BSF. */
struct ub_ue {
	struct milenage		 mil;
	struct aka_sqn_ms	 sqn_ms;
	struct httpc_conn	 c;
	struct httpc_resp	 r;		/* the last answer */
	char			 nonce[512];	/* the last challenge */
	char			 opaque[512];
	uint8_t			 rand[16], autn[16], auts[14];
	enum aka_status		 st;
	struct aka_result	 res;
	char			 cnonce[33];	/* the last request 2 */
	char			 btid[256];	/* the last success */
};

static void
ub_ue_init(struct ub_ue *u, const char *url)
{
	uint8_t k[16], opc[16];

	memset(u, 0, sizeof(*u));
	ck_assert_int_eq(hex_decode_exact(SUB_K, k, 16), 0);
	ck_assert_int_eq(hex_decode_exact(SUB_OPC, opc, 16), 0);
	milenage_init(&u->mil, k, opc);
	aka_sqn_ms_init(&u->sqn_ms);
	ck_assert_msg(httpc_open(&u->c, url) == 0, "%s", u->c.err);
}

static void
ub_ue_free(struct ub_ue *u)
{
	httpc_close(&u->c);
	milenage_clear(&u->mil);
	aka_result_clear(&u->res);
}

/* GET / with Host and, unless NULL, Authorization: `authz`. */
static void
ub_ue_get(struct ub_ue *u, const char *authz)
{
	char auth[DIGEST_MAX_LEN + 32];
	const char *hdrs[] = { "Host: " BSF_HOST, NULL, NULL };

	if (authz != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: %s", authz);
		hdrs[1] = auth;
	}
	ck_assert_msg(httpc_request(&u->c, "GET", "/", hdrs, NULL, 0, &u->r,
	    UB_ANSWER_MS) == 0, "Ub request: %s", u->c.err);
}

/* The 401 in u->r: its challenge (RAND||AUTN in the nonce) through the
 * USIM, the outcome in u->st. */
static void
ub_ue_take(struct ub_ue *u, const char *bsf_log)
{
	static char text[16384];
	struct digest_hdr h;
	char err[256];
	const char *w, *n, *o;
	uint8_t raw[256];

	if (u->r.status != 401) {
		slurp_file(bsf_log, text, sizeof(text));
		ck_abort_msg("expected 401, got %d %s: %s\n--- %s:\n%s",
		    u->r.status, u->r.reason, u->r.body, bsf_log, text);
	}
	ck_assert_ptr_nonnull(w = httpc_header(&u->r, "WWW-Authenticate"));
	ck_assert_msg(digest_parse(&h, DIGEST_CHALLENGE, w, err,
	    sizeof(err)) == 0, "WWW-Authenticate '%s': %s", w, err);
	ck_assert_str_eq(digest_get(&h, "realm"), BSF_HOST);
	ck_assert_str_eq(digest_get(&h, "algorithm"), "AKAv1-MD5");
	n = digest_get(&h, "nonce");
	o = digest_get(&h, "opaque");
	ck_assert(n != NULL && strlen(n) < sizeof(u->nonce));
	ck_assert(o != NULL && strlen(o) < sizeof(u->opaque));
	ck_assert_msg(strcmp(n, u->nonce) != 0, "nonce %s again", n);
	snprintf(u->nonce, sizeof(u->nonce), "%s", n);
	snprintf(u->opaque, sizeof(u->opaque), "%s", o);
	ck_assert_msg(b64_decode(n, strlen(n), raw, sizeof(raw)) >= 32,
	    "nonce '%s' is not base64 of RAND||AUTN", n);
	memcpy(u->rand, raw, 16);
	memcpy(u->autn, raw + 16, 16);
	aka_result_clear(&u->res);
	u->st = aka_autn_check(&u->mil, &u->sqn_ms, u->rand, u->autn,
	    &u->res, u->auts);
}

/* Request 1 (username, realm, uri, empty nonce and response), then
 * ub_ue_take() on its 401. */
static void
ub_ue_challenge(struct ub_ue *u, const char *bsf_log)
{
	struct digest_build b;
	char v[DIGEST_MAX_LEN];

	digest_build_init(&b, DIGEST_CREDENTIALS, v, sizeof(v));
	digest_build_add(&b, "username", SUB_IMPI, DIGEST_AUTO);
	digest_build_add(&b, "realm", BSF_HOST, DIGEST_AUTO);
	digest_build_add(&b, "nonce", "", DIGEST_QUOTED);
	digest_build_add(&b, "uri", "/", DIGEST_AUTO);
	digest_build_add(&b, "response", "", DIGEST_QUOTED);
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ub_ue_get(u, v);
	ub_ue_take(u, bsf_log);
}

/* The Digest inputs of request 2 and of its rspauth: password RES after
 * a good AUTN, else empty (resynchronisation). */
static void
ub_ue_input(const struct ub_ue *u, struct digest_input *in)
{
	memset(in, 0, sizeof(*in));
	ck_assert_int_eq(digest_alg_parse("AKAv1-MD5", &in->alg), 0);
	in->username = SUB_IMPI;
	in->realm = BSF_HOST;
	if (u->st == AKA_OK) {
		in->password = u->res.res;
		in->password_len = u->res.res_len;
	}
	in->method = "GET";
	in->uri = "/";
	in->nonce = u->nonce;
	in->nc = "00000001";
	in->cnonce = u->cnonce;
	in->qop = "auth-int";
}

/* Request 2: the response over RES, or over the empty password with
 * `auts` after a synchronisation failure; qop auth-int, empty body. */
static void
ub_ue_answer(struct ub_ue *u)
{
	struct digest_input in;
	struct digest_build b;
	char v[DIGEST_MAX_LEN], resp[DIGEST_HEX_MAX], auts[B64_LEN(14)];
	uint8_t cn[16];

	ck_assert_msg(u->st == AKA_OK || u->st == AKA_SYNC_FAILURE,
	    "AUTN check: %s", aka_status_str(u->st));
	ck_assert_int_eq(crypto_random(cn, sizeof(cn), 0), 0);
	hex_encode(cn, sizeof(cn), u->cnonce);
	ub_ue_input(u, &in);
	ck_assert_int_eq(digest_response(&in, resp), 0);
	digest_build_init(&b, DIGEST_CREDENTIALS, v, sizeof(v));
	digest_build_add(&b, "username", SUB_IMPI, DIGEST_AUTO);
	digest_build_add(&b, "realm", BSF_HOST, DIGEST_AUTO);
	digest_build_add(&b, "nonce", u->nonce, DIGEST_AUTO);
	digest_build_add(&b, "uri", "/", DIGEST_AUTO);
	digest_build_add(&b, "qop", "auth-int", DIGEST_AUTO);
	digest_build_add(&b, "nc", "00000001", DIGEST_AUTO);
	digest_build_add(&b, "cnonce", u->cnonce, DIGEST_AUTO);
	digest_build_add(&b, "response", resp, DIGEST_AUTO);
	digest_build_add(&b, "opaque", u->opaque, DIGEST_AUTO);
	digest_build_add(&b, "algorithm", "AKAv1-MD5", DIGEST_AUTO);
	if (u->st == AKA_SYNC_FAILURE) {
		b64_encode(u->auts, sizeof(u->auts), auts);
		digest_build_add(&b, "auts", auts, DIGEST_AUTO);
	}
	ck_assert_int_eq(digest_build_finish(&b, NULL), 0);
	ub_ue_get(u, v);
}

/* The 200: a BootstrappingInfo whose B-TID is base64(RAND)@bsf, and an
 * rspauth (password RES, method "", the exact body) that verifies. */
static void
ub_ue_check_ok(struct ub_ue *u)
{
	struct digest_input in;
	struct digest_hdr h;
	char want[300], rand64[B64_LEN(16)], err[256], rsp[DIGEST_HEX_MAX];
	const char *ai, *v, *p, *e;

	ck_assert_msg(u->r.status == 200, "expected 200, got %d %s: %s",
	    u->r.status, u->r.reason, u->r.body);
	p = strstr(u->r.body, "<btid>");
	e = p != NULL ? strstr(p, "</btid>") : NULL;
	ck_assert_msg(e != NULL && e - p - 6 < (long)sizeof(u->btid),
	    "no <btid>: %s", u->r.body);
	snprintf(u->btid, sizeof(u->btid), "%.*s", (int)(e - p - 6), p + 6);
	b64_encode(u->rand, 16, rand64);
	snprintf(want, sizeof(want), "%s@" BSF_HOST, rand64);
	ck_assert_str_eq(u->btid, want);
	ck_assert_ptr_nonnull(ai = httpc_header(&u->r, "Authentication-Info"));
	ck_assert_msg(digest_parse(&h, DIGEST_AUTH_INFO, ai, err,
	    sizeof(err)) == 0, "Authentication-Info '%s': %s", ai, err);
	ck_assert_ptr_nonnull(v = digest_get(&h, "rspauth"));
	ub_ue_input(u, &in);
	in.method = "";
	in.body = (const uint8_t *)u->r.body;
	in.body_len = u->r.body_len;
	ck_assert_int_eq(digest_response(&in, rsp), 0);
	ck_assert_msg(strcmp(v, rsp) == 0, "rspauth %s, expected %s", v, rsp);
}

/*
 * Issue 4 item 5: freeDiameterd 1.2.1 (relay.ims.example.org) between bsf
 * and hss-stub, all in realm ims.example.org:
 *
 *   UE --Ub--> bsf --Zh--> freeDiameterd --Zh--> hss-stub
 *
 * The relay connects to hss-stub (ConnectPeer) and lets the BSF connect
 * in: a peer it does not know is admitted by acl_wl.fdx, ALLOW_IPSEC for
 * plain TCP. The BSF's MAR names no Destination-Host, only the realm;
 * rt_default.fdx sends requests for the realm to the HSS (freeDiameter
 * would not send one back to the BSF anyway: the BSF is in its
 * Route-Record). Both utstack daemons see the relay as their Zh peer; the
 * MAR reaches hss-stub with the BSF's Origin-Host and a Route-Record, and
 * a full AKAv1 bootstrap, then a resynchronisation, work through it.
 */
START_TEST(freediameter_relays_zh)
{
	char fdd[512], acl[512], rtd[512], dir[] = "/tmp/utstack-fdr-XXXXXX";
	char db[512], conf[512], fdlog[512], port[16], path[600];
	char text[4096], line[1024], tls[1700];
	struct hss h;
	struct bsf b;
	struct ub_ue *u;
	struct e2e_run run;
	long ph = 0, pb = 0, pf = 0, pd = 0;
	pid_t fd;
	int st;

	if (find_tool("freeDiameterd", fdd, sizeof(fdd)) != 0) {
		skip("freediameter_relays_zh", "freeDiameterd is not installed "
		    "(Debian package freediameter; scripts/install-deps)");
		return;
	}
	if (find_fdx("acl_wl.fdx", acl, sizeof(acl)) != 0 ||
	    find_fdx("rt_default.fdx", rtd, sizeof(rtd)) != 0) {
		skip("freediameter_relays_zh", "no acl_wl.fdx or "
		    "rt_default.fdx in " FDX_DIRS " (Debian package "
		    "freediameter-extensions)");
		return;
	}
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(live_dir, sizeof(live_dir), "%s", dir);
	snprintf(conf, sizeof(conf), "%s/freeDiameter.conf", dir);
	snprintf(fdlog, sizeof(fdlog), "%s/freeDiameterd.log", dir);
	hss_db(dir, db, sizeof(db));
	hss_start(&h, dir, db, "hss.ims.example.org", 30000);

	/* the relay: listens on a port of its own, connects to the HSS */
	snprintf(path, sizeof(path), "%s/acl_wl.conf", dir);
	write_file(path, "ALLOW_OLD_TLS ALLOW_IPSEC " BSF_HOST "\n");
	snprintf(path, sizeof(path), "%s/rt_default.conf", dir);
	write_file(path, "dr=\"" REALM "\" : \"hss.ims.example.org\" += "
	    "FINALDEST ;\n");
	relay_tls(dir, tls, sizeof(tls));
	free_port(port, sizeof(port));
	snprintf(text, sizeof(text),
	    "Identity = \"" RELAY_HOST "\";\n"
	    "Realm = \"" REALM "\";\n"
	    "%s"
	    "Port = %s;\n"
	    "SecPort = 0;\n"
	    "No_SCTP;\n"
	    "No_IPv6;\n"
	    "ListenOn = \"127.0.0.1\";\n"
	    "TcTimer = 1;\n"
	    "LoadExtension = \"%s\" : \"%s/acl_wl.conf\";\n"
	    "LoadExtension = \"%s\" : \"%s/rt_default.conf\";\n"
	    "ConnectPeer = \"hss.ims.example.org\" { "
	    "ConnectTo = \"127.0.0.1\"; Port = %s; No_TLS; No_SCTP; };\n",
	    tls, port, acl, dir, rtd, dir, h.port);
	write_file(conf, text);
	fd = spawn((const char *[]){ fdd, "-c", conf, NULL }, fdlog);
	log_expect(h.log, "DIA-PEER-UP peer=" RELAY_HOST, &ph, NULL, 0,
	    E2E_WAIT_MS, fdlog);
	log_expect(fdlog, "-> 'STATE_OPEN'\t'hss.ims.example.org'", &pf, NULL,
	    0, E2E_WAIT_MS, h.log);

	/* the BSF takes the relay for its HSS; the relay admits it */
	bsf_start(&b, dir, port, RELAY_HOST);
	log_expect(b.log, "DIA-PEER-UP peer=" RELAY_HOST, &pb, line,
	    sizeof(line), E2E_WAIT_MS, fdlog);
	ck_assert_ptr_nonnull(strstr(line, "role=client"));
	log_expect(fdlog, "-> 'STATE_OPEN'\t'" BSF_HOST "'", &pf, NULL, 0,
	    E2E_WAIT_MS, b.log);

	/* a full AKAv1 bootstrap, its MAR through the relay */
	u = calloc(1, sizeof(*u));
	ck_assert_ptr_nonnull(u);
	ub_ue_init(u, b.url);
	ub_ue_challenge(u, b.log);
	ck_assert_msg(u->st == AKA_OK, "AUTN check: %s", aka_status_str(u->st));
	log_expect(h.log, "HSS-MAR-OK peer=" RELAY_HOST " ", &ph, line,
	    sizeof(line), E2E_WAIT_MS, b.log);
	ck_assert_ptr_nonnull(strstr(line, "resync=no"));
	/* hss-stub's -vv dump of that MAR: the BSF's, relayed */
	ph = 0;
	log_expect(h.log, " recv: MAR (303)", &ph, NULL, 0, 0, fdlog);
	log_expect(h.log, " recv:   Origin-Host (264) -M-: \"" BSF_HOST "\"",
	    &ph, NULL, 0, 0, fdlog);
	log_expect(h.log, " recv:   Route-Record (282) -M-: \"" BSF_HOST "\"",
	    &ph, NULL, 0, 0, fdlog);
	ub_ue_answer(u);
	ub_ue_check_ok(u);
	log_expect(b.log, "BSF-BOOTSTRAP-OK peer=", &pb, line, sizeof(line),
	    E2E_WAIT_MS, fdlog);
	ck_assert_msg(strstr(line, u->btid) != NULL, "no btid=%s in: %s",
	    u->btid, line);
	/* the BSF's dump of the MAA: the HSS's answer, through the relay */
	log_expect(b.log, " recv: MAA (303)", &pd, NULL, 0, 0, fdlog);
	log_expect(b.log, " recv:   Origin-Host (264) -M-: "
	    "\"hss.ims.example.org\"", &pd, NULL, 0, 0, fdlog);

	/* resynchronisation through the relay: the USIM is at SEQ 1000 */
	aka_sqn_ms_update(&u->sqn_ms, AKA_SQN_MAKE(1000, 0));
	ub_ue_challenge(u, b.log);
	ck_assert_msg(u->st == AKA_SYNC_FAILURE, "AUTN check: %s",
	    aka_status_str(u->st));
	ub_ue_answer(u);		/* auts: RAND||AUTS to the HSS */
	log_expect(h.log, "HSS-RESYNC impi=" SUB_IMPI, &ph, NULL, 0,
	    E2E_WAIT_MS, b.log);
	log_expect(h.log, "HSS-MAR-OK peer=" RELAY_HOST " ", &ph, line,
	    sizeof(line), E2E_WAIT_MS, b.log);
	ck_assert_ptr_nonnull(strstr(line, "resync=yes"));
	ub_ue_take(u, b.log);		/* the new vector, after SEQ 1000 */
	ck_assert_msg(u->st == AKA_OK, "vector after resync: %s",
	    aka_status_str(u->st));
	ck_assert_uint_eq(AKA_SQN_SEQ(aka_sqn_get(u->res.sqn)), 1001);
	ub_ue_answer(u);
	ub_ue_check_ok(u);
	log_expect(b.log, "BSF-BOOTSTRAP-OK peer=", &pb, line, sizeof(line),
	    E2E_WAIT_MS, fdlog);
	ck_assert_msg(strstr(line, u->btid) != NULL, "no btid=%s in: %s",
	    u->btid, line);
	ub_ue_free(u);
	free(u);

	/* the relay's connections stayed up throughout */
	pb = ph = 0;
	ck_assert_int_ne(e2e_wait_log(b.log, "DIA-PEER-DOWN", &pb, NULL, 0, 0),
	    0);
	ck_assert_int_ne(e2e_wait_log(h.log, "DIA-PEER-DOWN", &ph, NULL, 0, 0),
	    0);

	/* stop the BSF first, then the relay: it says DPR to the HSS */
	bsf_stop(&b);
	kill(fd, SIGTERM);
	log_expect(h.log, "DIA-PEER-DOWN peer=" RELAY_HOST, &ph, line,
	    sizeof(line), E2E_WAIT_MS, fdlog);
	ck_assert_msg(strstr(line, "reason=\"DPR received") != NULL,
	    "expected a DPR from freeDiameterd: %s", line);
	st = reap(fd, 0, 20000);
	slurp_file(fdlog, text, sizeof(text));
	ck_assert_msg(st == 0, "freeDiameterd exited with %d:\n%s", st, text);
	/* the BSF's DPR waited for the relay's DPA before closing (RFC 6733
	 * §5.4): freeDiameterd could send it and discarded nothing */
	pb = pf = 0;
	log_expect(b.log, "DIA-PEER-DOWN peer=" RELAY_HOST, &pb, line,
	    sizeof(line), 0, fdlog);
	ck_assert_msg(strstr(line, "reason=\"DPA received\"") != NULL,
	    "the BSF closed without the DPA: %s", line);
	ck_assert_msg(e2e_wait_log(fdlog, "Message discarded", &pf, line,
	    sizeof(line), 0) != 0, "freeDiameterd: %s", line);
	hss_stop(&h);
	live_dir[0] = '\0';
	e2e_run(&run, (const char *[]){ "/bin/rm", "-rf", dir, NULL });
}
END_TEST

Suite *
suite_e2e_interop(void)
{
	Suite *s = suite_create("e2e_interop");
	TCase *tc = tcase_create("interop");

	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, NULL, sweep);
	tcase_add_test(tc, tshark_decodes_zh);
	tcase_add_test(tc, freediameter_peer);
	tcase_add_test(tc, freediameter_relays_zh);
	suite_add_tcase(s, tc);
	return s;
}
