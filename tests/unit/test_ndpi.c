/* SPDX-License-Identifier: BSD-3-Clause */
/* nDPI glue: a flow identified, its state freed once nDPI decides, and the
 * protocol and category names against nDPI's own ndpi_protocol2name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ndpi_api.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "proto/ndpi.h"
#include "pktbuild.h"

/* A Modbus/TCP exchange (handshake, request, response): nDPI names it. */
static void test_context_identifies(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);

	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	static const uint8_t req[] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2 };
	static const uint8_t rsp[] = { 0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 10, 0, 20 };
	struct { bool to_srv; uint8_t fl; const uint8_t *d; size_t n; uint32_t seq, ack; } seg[] = {
		{ true, 0x02, NULL, 0, 100, 0 },
		{ false, 0x12, NULL, 0, 500, 101 },
		{ true, 0x10, NULL, 0, 101, 501 },
		{ true, 0x18, req, sizeof(req), 101, 501 },
		{ false, 0x18, rsp, sizeof(rsp), 501, 101 + sizeof(req) },
	};
	struct flow f;
	memset(&f, 0, sizeof(f));
	struct pb b;
	for (size_t i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		pb_reset(&b);
		pb_eth(&b, 0x0800);
		size_t ip = seg[i].to_srv ? pb_ip4(&b, cli, srv, 6, (uint16_t)i, 0)
					  : pb_ip4(&b, srv, cli, 6, (uint16_t)i, 0);
		pb_tcp(&b, seg[i].to_srv ? 40000 : 502, seg[i].to_srv ? 502 : 40000, seg[i].seq,
		       seg[i].ack, seg[i].fl, seg[i].d, seg[i].n);
		pb_ip4_finish(&b, ip);
		struct packet pk;
		pb_packet(&b, &pk, LINK_ETHERNET, i + 1, 1000000u * (i + 1));
		assert_int_equal(decode_packet(&dec, &pk), DECODE_OK);
		ndpi_flow_packet(n, &f, &pk);
	}
	ndpi_flow_end(n, &f);
	assert_null(f.app.ndpi); /* state freed once decided */
	char name[64], cat[64];
	assert_non_null(ndpi_flow_proto_name(n, &f, name, sizeof(name)));
	assert_string_equal(name, "Modbus");
	assert_non_null(ndpi_flow_category_name(n, &f, cat, sizeof(cat)));
	assert_string_equal(cat, "IoT-Scada");
	decoder_fini(&dec);
	ndpi_ctx_free(n);
}

/* Our names are nDPI's own (ndpi_protocol2name), for master/app pairs of
 * every kind and buffers from one byte up, truncation included. */
static void test_names_match_ndpi(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);
	struct ndpi_detection_module_struct *mod = ndpi_init_detection_module(ndpi_no_prefs);
	assert_non_null(mod);
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(mod, &all);
	ndpi_finalize_initialization(mod);
	static const uint16_t ids[] = {
		NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_DNS, NDPI_PROTOCOL_GOOGLE, NDPI_PROTOCOL_MODBUS,
		NDPI_PROTOCOL_NETBIOS, NDPI_PROTOCOL_SMBV1, NDPI_PROTOCOL_TLS, 65000,
	};
	const size_t nid = sizeof(ids) / sizeof(ids[0]);
	int compared = 0;
	for (size_t i = 0; i < nid; i++) {
		for (size_t j = 0; j < nid; j++) {
			struct flow f;
			memset(&f, 0, sizeof(f));
			f.app.ndpi_status = NDPI_STATUS_DETECTED;
			f.app.ndpi_proto = ids[i];
			f.app.ndpi_app = ids[j];
			for (size_t cap = 1; cap <= 40; cap++) {
				char ours[64], theirs[64];
				memset(ours, 'x', sizeof(ours));
				memset(theirs, 'x', sizeof(theirs));
				ndpi_protocol pr = { .master_protocol = ids[i], .app_protocol = ids[j] };
				ndpi_protocol2name(mod, pr, theirs, (u_int)cap);
				assert_non_null(ndpi_flow_proto_name(n, &f, ours, cap));
				assert_memory_equal(ours, theirs, cap);
				compared++;
			}
		}
	}
	assert_int_equal(compared, (int)(nid * nid * 40));
	/* never asked, or still probing: no name */
	struct flow f;
	memset(&f, 0, sizeof(f));
	char buf[8];
	assert_null(ndpi_flow_proto_name(n, &f, buf, sizeof(buf)));
	f.app.ndpi_status = NDPI_STATUS_PROBING;
	assert_null(ndpi_flow_category_name(n, &f, buf, sizeof(buf)));
	/* a category name cut to the buffer */
	f.app.ndpi_status = NDPI_STATUS_DETECTED;
	f.app.ndpi_category = NDPI_PROTOCOL_CATEGORY_IOT_SCADA;
	assert_non_null(ndpi_flow_category_name(n, &f, buf, 4));
	assert_string_equal(buf, "IoT");
	ndpi_exit_detection_module(mod);
	ndpi_ctx_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_identifies),
		cmocka_unit_test(test_names_match_ndpi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
