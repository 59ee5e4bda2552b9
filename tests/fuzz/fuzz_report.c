/* SPDX-License-Identifier: BSD-3-Clause */
/* `vigil report` (sensor/report/): the input as the lines of an EVE file,
 * read into a model with small limits (so that every cap is reached), then
 * the page written. The page must be well-formed as far as markup goes:
 * every tag is one the renderer writes (whatever the records say, none of
 * their text becomes markup), no control character but newline and tab,
 * and the counts of the model add up. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/model.h"

#define CHECK(x)                          \
	do {                              \
		if (!(x))                 \
			__builtin_trap(); \
	} while (0)

static const char *const tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "p",
	"nav", "a", "section", "h2", "div", "b", "ul", "li", "svg", "defs", "marker", "path",
	"rect", "circle", "text", "line", "g", "table", "thead", "tbody", "tr", "th", "td",
	"code", "span", "footer",
};

static bool known_tag(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t k = strlen(tags[i]);
		if (k <= n && memcmp(p, tags[i], k) == 0 &&
		    (k == n || p[k] == ' ' || p[k] == '>' || p[k] == '/' || p[k] == '\n'))
			return true;
	}
	return false;
}

static void check_page(const char *h, size_t len)
{
	CHECK(strlen(h) == len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		CHECK(c >= 0x20 || c == '\n' || c == '\t');
		CHECK(c != 0x7f);
		if (c != '<')
			continue;
		size_t j = i + 1 + (h[i + 1] == '/');
		CHECK(known_tag(h + j, len - j));
	}
	CHECK(strstr(h, "</html>\n") == h + len - 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_limits lim = {
		.nodes = 8, .edges = 8, .rules = 4, .alerts = 4, .anomalies = 3,
		.map_nodes = 5, .map_edges = 4, .line_max = 4096,
	};
	struct report *r = report_new(&lim);
	if (!r)
		return 0;
	FILE *in = fmemopen((void *)data, size, "r");
	if (in) {
		CHECK(report_read_stream(r, in) == 0);
		fclose(in);
	}
	report_add_source(r, "EVE file", "fuzz");
	CHECK(r->n_nodes <= lim.nodes && r->n_edges <= lim.edges && r->n_rules <= lim.rules);
	CHECK(r->n_alerts <= lim.alerts && r->n_anomalies <= lim.anomalies);
	CHECK(r->c.blank + r->c.not_json + r->c.oversized + r->c.malformed + r->c.records ==
	      r->c.lines);
	CHECK(r->n_alerts + r->c.alerts_unlisted == r->c.alerts);
	char *page = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&page, &len);
	CHECK(out);
	CHECK(report_write_html(r, out) == 0);
	CHECK(fclose(out) == 0);
	check_page(page, len);
	struct report_summary s;
	report_summary(r, &s);
	CHECK(s.map_nodes <= lim.map_nodes && s.map_edges <= lim.map_edges);
	CHECK(s.attackers <= s.hosts);
	free(page);
	report_free(r);
	return 0;
}
