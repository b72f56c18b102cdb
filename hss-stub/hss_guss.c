/*
 * hss_guss.c — the GBA User Security Settings document of a subscriber
 * (TS 29.109 Annex A; element names as in the Rel-9 schema examples:
 * guss / bsfInfo / lifeTime / ussList / uss@id@type@nafGroup / uids / uid /
 * flags / flag; the exact XSD is UNCONFIRMED — GBA.md §4.6 — so this
 * follows the published vendor example that real BSFs read).
 */
#include <stdio.h>
#include <time.h>

#include "hss.h"
#include "xml.h"

#define GUSS_NS	"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02"

int
hss_guss_xml(const struct hss_sub *s, struct buf *out)
{
	char ts[32];
	struct tm tm;
	int i, j, rc = 0;

	rc |= buf_appendf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<guss xmlns=\"" GUSS_NS "\" id=\"");
	if (xml_append_escaped(out, s->impi) != 0)
		return -1;
	rc |= buf_appendf(out, "\">\n");
	if (s->lifetime > 0)
		rc |= buf_appendf(out, "  <bsfInfo>\n    <lifeTime>%lld</lifeTime>\n"
		    "  </bsfInfo>\n", s->lifetime);
	if (gmtime_r(&s->guss_time, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	/* The timestamp the BSF echoes in GUSS-Timestamp (29.109 6.3.1.1). */
	rc |= buf_appendf(out, "  <Extension>\n    <timestamp>%s</timestamp>\n"
	    "  </Extension>\n  <ussList>\n", ts);
	for (i = 0; i < s->n_uss; i++) {
		const struct hss_uss *u = &s->uss[i];

		rc |= buf_appendf(out, "    <uss id=\"%u\" type=\"%u\" nafGroup=\"",
		    u->gsid, u->type);
		if (xml_append_escaped(out, u->naf_group) != 0)
			return -1;
		rc |= buf_appendf(out, "\">\n      <uids>\n");
		for (j = 0; j < s->n_impu; j++) {
			rc |= buf_appendf(out, "        <uid>");
			if (xml_append_escaped(out, s->impu[j]) != 0)
				return -1;
			rc |= buf_appendf(out, "</uid>\n");
		}
		rc |= buf_appendf(out, "      </uids>\n");
		if (u->n_flags > 0) {
			rc |= buf_appendf(out, "      <flags>\n");
			for (j = 0; j < u->n_flags; j++)
				rc |= buf_appendf(out, "        <flag>%u</flag>\n",
				    u->flags[j]);
			rc |= buf_appendf(out, "      </flags>\n");
		}
		rc |= buf_appendf(out, "    </uss>\n");
	}
	rc |= buf_appendf(out, "  </ussList>\n</guss>\n");
	return rc != 0 ? -1 : 0;
}
