/*
 * dia_dict.c — the Diameter dictionary: base AVPs (RFC 6733 §4.5, §6,
 * §7, §8), the TS 29.229 AVPs reused on Zh and the TS 29.109 GBA AVPs
 * (10415:400–420, GBA.md §4.4), command, result-code, application and
 * enumerated-value names. See diameter.h.
 *
 * The names are the ones the specifications use, so that a dump lines up
 * with a Wireshark trace; 402 is "NAF-Id" (Rel-7 onwards), where older
 * dictionaries still say "NAF-Hostname".
 */
#include <stddef.h>
#include <stdint.h>

#include "diameter.h"

#define VM	(DIA_AVP_V | DIA_AVP_M)
#define M	DIA_AVP_M
#define V	DIA_AVP_V
#define SECRET	DIA_DICT_SECRET

static const struct dia_dict_avp avps[] = {
	/* RFC 6733 base protocol (and RFC 7155 NASREQ for User-Name/Class) */
	{ 1, 0, "User-Name", DIA_T_UTF8, M, 0 },
	{ 25, 0, "Class", DIA_T_OCTETS, M, 0 },
	{ 27, 0, "Session-Timeout", DIA_T_U32, M, 0 },
	{ 33, 0, "Proxy-State", DIA_T_OCTETS, M, 0 },
	{ 55, 0, "Event-Timestamp", DIA_T_TIME, M, 0 },
	{ 257, 0, "Host-IP-Address", DIA_T_ADDRESS, M, 0 },
	{ 258, 0, "Auth-Application-Id", DIA_T_U32, M, 0 },
	{ 259, 0, "Acct-Application-Id", DIA_T_U32, M, 0 },
	{ 260, 0, "Vendor-Specific-Application-Id", DIA_T_GROUPED, M, 0 },
	{ 261, 0, "Redirect-Host-Usage", DIA_T_ENUM, M, 0 },
	{ 262, 0, "Redirect-Max-Cache-Time", DIA_T_U32, M, 0 },
	{ 263, 0, "Session-Id", DIA_T_UTF8, M, 0 },
	{ 264, 0, "Origin-Host", DIA_T_IDENTITY, M, 0 },
	{ 265, 0, "Supported-Vendor-Id", DIA_T_U32, M, 0 },
	{ 266, 0, "Vendor-Id", DIA_T_U32, M, 0 },
	{ 267, 0, "Firmware-Revision", DIA_T_U32, 0, 0 },
	{ 268, 0, "Result-Code", DIA_T_U32, M, 0 },
	{ 269, 0, "Product-Name", DIA_T_UTF8, 0, 0 },
	{ 270, 0, "Session-Binding", DIA_T_U32, M, 0 },
	{ 271, 0, "Session-Server-Failover", DIA_T_ENUM, M, 0 },
	{ 272, 0, "Multi-Round-Time-Out", DIA_T_U32, M, 0 },
	{ 273, 0, "Disconnect-Cause", DIA_T_ENUM, M, 0 },
	{ 274, 0, "Auth-Request-Type", DIA_T_ENUM, M, 0 },
	{ 276, 0, "Auth-Grace-Period", DIA_T_U32, M, 0 },
	{ 277, 0, "Auth-Session-State", DIA_T_ENUM, M, 0 },
	{ 278, 0, "Origin-State-Id", DIA_T_U32, M, 0 },
	{ 279, 0, "Failed-AVP", DIA_T_GROUPED, M, 0 },
	{ 280, 0, "Proxy-Host", DIA_T_IDENTITY, M, 0 },
	{ 281, 0, "Error-Message", DIA_T_UTF8, 0, 0 },
	{ 282, 0, "Route-Record", DIA_T_IDENTITY, M, 0 },
	{ 283, 0, "Destination-Realm", DIA_T_IDENTITY, M, 0 },
	{ 284, 0, "Proxy-Info", DIA_T_GROUPED, M, 0 },
	{ 285, 0, "Re-Auth-Request-Type", DIA_T_ENUM, M, 0 },
	{ 287, 0, "Accounting-Sub-Session-Id", DIA_T_U64, M, 0 },
	{ 291, 0, "Authorization-Lifetime", DIA_T_U32, M, 0 },
	{ 292, 0, "Redirect-Host", DIA_T_URI, M, 0 },
	{ 293, 0, "Destination-Host", DIA_T_IDENTITY, M, 0 },
	{ 294, 0, "Error-Reporting-Host", DIA_T_IDENTITY, 0, 0 },
	{ 295, 0, "Termination-Cause", DIA_T_ENUM, M, 0 },
	{ 296, 0, "Origin-Realm", DIA_T_IDENTITY, M, 0 },
	{ 297, 0, "Experimental-Result", DIA_T_GROUPED, M, 0 },
	{ 298, 0, "Experimental-Result-Code", DIA_T_U32, M, 0 },
	{ 299, 0, "Inband-Security-Id", DIA_T_U32, M, 0 },

	/* TS 29.109 §6.3 GBA AVPs (GBA.md §4.4). M on all but GUSS-Timestamp,
	 * where nokia-gaa forbids it. */
	{ 400, 10415, "GBA-UserSecSettings", DIA_T_OCTETS, VM, 0 },
	{ 401, 10415, "Transaction-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 402, 10415, "NAF-Id", DIA_T_OCTETS, VM, 0 },
	{ 403, 10415, "GAA-Service-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 404, 10415, "Key-ExpiryTime", DIA_T_TIME, VM, 0 },
	{ 405, 10415, "ME-Key-Material", DIA_T_OCTETS, VM, SECRET },
	{ 406, 10415, "UICC-Key-Material", DIA_T_OCTETS, VM, SECRET },
	{ 407, 10415, "GBA_U-Awareness-Indicator", DIA_T_ENUM, VM, 0 },
	{ 408, 10415, "BootstrapInfoCreationTime", DIA_T_TIME, VM, 0 },
	{ 409, 10415, "GUSS-Timestamp", DIA_T_TIME, V, 0 },
	{ 410, 10415, "GBA-Type", DIA_T_ENUM, VM, 0 },
	{ 411, 10415, "UE-Id", DIA_T_OCTETS, VM, 0 },
	{ 412, 10415, "UE-Id-Type", DIA_T_ENUM, VM, 0 },
	{ 413, 10415, "UICC-App-Label", DIA_T_OCTETS, VM, 0 },
	{ 414, 10415, "UICC-ME", DIA_T_ENUM, VM, 0 },
	{ 415, 10415, "Requested-Key-Lifetime", DIA_T_TIME, VM, 0 },
	{ 416, 10415, "Private-Identity-Request", DIA_T_ENUM, VM, 0 },
	{ 417, 10415, "GBA-Push-Info", DIA_T_OCTETS, VM, 0 },
	{ 418, 10415, "NAF-SA-Identifier", DIA_T_OCTETS, VM, 0 },
	{ 419, 10415, "Security-Feature-Request", DIA_T_OCTETS, VM, 0 },
	{ 420, 10415, "Security-Feature-Response", DIA_T_OCTETS, VM, 0 },

	/* TS 29.229 §6.3 (Cx) AVPs reused on Zh */
	{ 601, 10415, "Public-Identity", DIA_T_UTF8, VM, 0 },
	{ 607, 10415, "SIP-Number-Auth-Items", DIA_T_U32, VM, 0 },
	{ 608, 10415, "SIP-Authentication-Scheme", DIA_T_UTF8, VM, 0 },
	{ 609, 10415, "SIP-Authenticate", DIA_T_OCTETS, VM, 0 },
	/* XRES in an MAA (RAND||AUTS in a resync MAR) */
	{ 610, 10415, "SIP-Authorization", DIA_T_OCTETS, VM, SECRET },
	{ 611, 10415, "SIP-Authentication-Context", DIA_T_OCTETS, VM, 0 },
	{ 612, 10415, "SIP-Auth-Data-Item", DIA_T_GROUPED, VM, 0 },
	{ 613, 10415, "SIP-Item-Number", DIA_T_U32, VM, 0 },
	{ 625, 10415, "Confidentiality-Key", DIA_T_OCTETS, VM, SECRET },
	{ 626, 10415, "Integrity-Key", DIA_T_OCTETS, VM, SECRET },
};

const struct dia_dict_avp *
dia_dict_avp(uint32_t code, uint32_t vendor)
{
	size_t i;

	for (i = 0; i < sizeof(avps) / sizeof(avps[0]); i++)
		if (avps[i].code == code && avps[i].vendor == vendor)
			return &avps[i];
	return NULL;
}

const struct dia_dict_avp *
dia_dict_avp_at(size_t i)
{
	if (i >= sizeof(avps) / sizeof(avps[0]))
		return NULL;
	return &avps[i];
}

static const struct {
	uint32_t	 code;
	const char	*req;
	const char	*ans;
	const char	*name;
} cmds[] = {
	{ DIA_CMD_CE, "CER", "CEA", "Capabilities-Exchange" },
	{ DIA_CMD_DW, "DWR", "DWA", "Device-Watchdog" },
	{ DIA_CMD_DP, "DPR", "DPA", "Disconnect-Peer" },
	{ DIA_CMD_MA, "MAR", "MAA", "Multimedia-Auth" },
	{ DIA_CMD_BI, "BIR", "BIA", "Bootstrapping-Info" },
};

const char *
dia_cmd_name(uint32_t code, int request)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].code == code)
			return request ? cmds[i].req : cmds[i].ans;
	return "Unknown";
}

static const struct {
	uint32_t	 code;
	const char	*name;
} results[] = {
	{ 1001, "DIAMETER_MULTI_ROUND_AUTH" },
	{ 2001, "DIAMETER_SUCCESS" },
	{ 2002, "DIAMETER_LIMITED_SUCCESS" },
	{ 3001, "DIAMETER_COMMAND_UNSUPPORTED" },
	{ 3002, "DIAMETER_UNABLE_TO_DELIVER" },
	{ 3003, "DIAMETER_REALM_NOT_SERVED" },
	{ 3004, "DIAMETER_TOO_BUSY" },
	{ 3005, "DIAMETER_LOOP_DETECTED" },
	{ 3006, "DIAMETER_REDIRECT_INDICATION" },
	{ 3007, "DIAMETER_APPLICATION_UNSUPPORTED" },
	{ 3008, "DIAMETER_INVALID_HDR_BITS" },
	{ 3009, "DIAMETER_INVALID_AVP_BITS" },
	{ 3010, "DIAMETER_UNKNOWN_PEER" },
	{ 4001, "DIAMETER_AUTHENTICATION_REJECTED" },
	{ 4002, "DIAMETER_OUT_OF_SPACE" },
	{ 4003, "ELECTION_LOST" },
	{ 5001, "DIAMETER_AVP_UNSUPPORTED" },
	{ 5002, "DIAMETER_UNKNOWN_SESSION_ID" },
	{ 5003, "DIAMETER_AUTHORIZATION_REJECTED" },
	{ 5004, "DIAMETER_INVALID_AVP_VALUE" },
	{ 5005, "DIAMETER_MISSING_AVP" },
	{ 5006, "DIAMETER_RESOURCES_EXCEEDED" },
	{ 5007, "DIAMETER_CONTRADICTING_AVPS" },
	{ 5008, "DIAMETER_AVP_NOT_ALLOWED" },
	{ 5009, "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES" },
	{ 5010, "DIAMETER_NO_COMMON_APPLICATION" },
	{ 5011, "DIAMETER_UNSUPPORTED_VERSION" },
	{ 5012, "DIAMETER_UNABLE_TO_COMPLY" },
	{ 5013, "DIAMETER_INVALID_BIT_IN_HEADER" },
	{ 5014, "DIAMETER_INVALID_AVP_LENGTH" },
	{ 5015, "DIAMETER_INVALID_MESSAGE_LENGTH" },
	{ 5016, "DIAMETER_INVALID_AVP_BIT_COMBO" },
	{ 5017, "DIAMETER_NO_COMMON_SECURITY" },
	/* TS 29.109 §6.3 experimental results, vendor 10415 */
	{ 5401, "DIAMETER_ERROR_IDENTITY_UNKNOWN" },
	{ 5402, "DIAMETER_ERROR_NOT_AUTHORIZED" },
	{ 5403, "DIAMETER_ERROR_TRANSACTION_IDENTIFIER_INVALID" },
};

const char *
dia_result_name(uint32_t code)
{
	size_t i;

	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (results[i].code == code)
			return results[i].name;
	return "Unknown";
}

const char *
dia_app_name(uint32_t app)
{
	switch (app) {
	case DIA_APP_COMMON:
		return "Diameter Common Messages";
	case 16777216:
		return "3GPP Cx";
	case DIA_APP_ZN:
		return "3GPP Zn";
	case DIA_APP_ZH:
		return "3GPP Zh";
	case DIA_APP_RELAY:
		return "Relay";
	}
	return "Unknown";
}

static const struct {
	uint32_t	 code;
	uint32_t	 vendor;
	uint32_t	 value;
	const char	*name;
} enums[] = {
	{ 261, 0, 0, "DONT_CACHE" },
	{ 261, 0, 1, "ALL_SESSION" },
	{ 261, 0, 2, "ALL_REALM" },
	{ 261, 0, 3, "REALM_AND_APPLICATION" },
	{ 261, 0, 4, "ALL_APPLICATION" },
	{ 261, 0, 5, "ALL_HOST" },
	{ 261, 0, 6, "ALL_USER" },
	{ 271, 0, 0, "REFUSE_SERVICE" },
	{ 271, 0, 1, "TRY_AGAIN" },
	{ 271, 0, 2, "ALLOW_SERVICE" },
	{ 271, 0, 3, "TRY_AGAIN_ALLOW_SERVICE" },
	{ 273, 0, 0, "REBOOTING" },
	{ 273, 0, 1, "BUSY" },
	{ 273, 0, 2, "DO_NOT_WANT_TO_TALK_TO_YOU" },
	{ 274, 0, 1, "AUTHENTICATE_ONLY" },
	{ 274, 0, 2, "AUTHORIZE_ONLY" },
	{ 274, 0, 3, "AUTHORIZE_AUTHENTICATE" },
	{ 277, 0, 0, "STATE_MAINTAINED" },
	{ 277, 0, 1, "NO_STATE_MAINTAINED" },
	{ 285, 0, 0, "AUTHORIZE_ONLY" },
	{ 285, 0, 1, "AUTHORIZE_AUTHENTICATE" },
	{ 295, 0, 1, "DIAMETER_LOGOUT" },
	{ 295, 0, 2, "DIAMETER_SERVICE_NOT_PROVIDED" },
	{ 295, 0, 3, "DIAMETER_BAD_ANSWER" },
	{ 295, 0, 4, "DIAMETER_ADMINISTRATIVE" },
	{ 295, 0, 5, "DIAMETER_LINK_BROKEN" },
	{ 295, 0, 6, "DIAMETER_AUTH_EXPIRED" },
	{ 295, 0, 7, "DIAMETER_USER_MOVED" },
	{ 295, 0, 8, "DIAMETER_SESSION_TIMEOUT" },
	{ 299, 0, 0, "NO_INBAND_SECURITY" },
	{ 299, 0, 1, "TLS" },
	{ 407, 10415, 0, "NO" },
	{ 407, 10415, 1, "YES" },
	{ 410, 10415, 0, "3G GBA" },
	{ 410, 10415, 1, "2G GBA" },
	{ 412, 10415, 0, "Private user identity" },
	{ 412, 10415, 1, "Public user identity" },
	{ 414, 10415, 0, "GBA_ME" },
	{ 414, 10415, 1, "GBA_U" },
	{ 416, 10415, 0, "Private identity requested" },
	{ 416, 10415, 1, "Private identity not requested" },
};

const char *
dia_enum_name(uint32_t code, uint32_t vendor, uint32_t value)
{
	size_t i;

	for (i = 0; i < sizeof(enums) / sizeof(enums[0]); i++)
		if (enums[i].code == code && enums[i].vendor == vendor &&
		    enums[i].value == value)
			return enums[i].name;
	return NULL;
}
