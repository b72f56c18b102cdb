/*
 * ue.c — the UE client: global options and command dispatch.
 *
 *   ue [global options] COMMAND [args]
 *
 * Commands: usim, bootstrap, ks-naf, xcap, conformance, crypto
 * (docs/CONTRACT.md).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ue.h"

static void
usage(FILE *f)
{
	fputs(
"usage: ue [global options] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  usim init|show                  the simulated USIM (see 'ue usim --help')\n"
"  bootstrap                       GBA bootstrapping with the BSF (Ub)\n"
"  ks-naf NAF-FQDN [--ua-id HEX]   the Ks_NAF a NAF will use\n"
"  xcap get|put|delete PATH [FILE] XCAP through the AP over TLS-PSK, or\n"
"                                  --digest: certificate TLS + HTTP Digest\n"
"                                  (see 'ue xcap --help')\n"
"  conformance [--list]            negative test matrix against --bsf (and --ap)\n"
"  crypto milenage|auts|kdf|ks-naf|digest ...   calculator (see 'ue crypto --help')\n"
"\n"
"Global options:\n"
"  --usim FILE        simulated USIM file (default ~/.utstack/usim)\n"
"  --bsf URL          BSF to bootstrap with\n"
"  --ap URL           Authentication Proxy\n"
"  --naf-fqdn NAME    NAF name (SNI, Host, NAF_Id)\n"
"  --json             print one JSON object\n"
"  --trace            print every protocol message\n"
"  --show-keys        show key material in traces\n"
"  -v                 explain failures (repeatable)\n"
"  --help, --version\n"
"\n"
"Exit status: 0 success, 2 bad usage or input, 3 authentication failed,\n"
"4 the peer answered with an error, 5 the peer could not be reached.\n", f);
}

int
ue_usage_error(const char *context, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ue: %s: ", context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return UE_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "usim", required_argument, NULL, 'U' },
		{ "bsf", required_argument, NULL, 'B' },
		{ "ap", required_argument, NULL, 'A' },
		{ "naf-fqdn", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", no_argument, NULL, 't' },
		{ "show-keys", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ue_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	/* '+': stop at the command; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
		switch (c) {
		case 'U': o.usim = optarg; break;
		case 'B': o.bsf = optarg; break;
		case 'A': o.ap = optarg; break;
		case 'N': o.naf_fqdn = optarg; break;
		case 'j': o.json = 1; break;
		case 't': o.trace = 1; break;
		case 'k': o.show_keys = 1; break;
		case 'v': o.verbose++; break;
		case 'h':
			usage(stdout);
			return UE_EXIT_OK;
		case 'V':
			printf("ue (utstack) %s\n", UTSTACK_VERSION);
			return UE_EXIT_OK;
		case ':':
			return ue_usage_error("options",
			    "option '%s' needs a value", argv[optind - 1]);
		default:
			return ue_usage_error("options",
			    "unknown option '%s' (see 'ue --help')",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return UE_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "crypto") == 0)
		return ue_crypto_main(&o, argc - optind, argv + optind);
	if (strcmp(argv[optind], "usim") == 0)
		return ue_usim_main(&o, argc - optind, argv + optind);
	if (strcmp(argv[optind], "bootstrap") == 0)
		return ue_bootstrap_main(&o, argc - optind, argv + optind);
	if (strcmp(argv[optind], "ks-naf") == 0)
		return ue_ks_naf_main(&o, argc - optind, argv + optind);
	if (strcmp(argv[optind], "xcap") == 0)
		return ue_xcap_main(&o, argc - optind, argv + optind);
	if (strcmp(argv[optind], "conformance") == 0)
		return ue_conformance_main(&o, argc - optind, argv + optind);
	return ue_usage_error("command", "unknown command '%s' (see 'ue --help')",
	    argv[optind]);
}
