/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole per-packet path (decode, defrag, flows, TCP reassembly,
 * protocol identification and every parser, EVE record building) on a
 * sequence of frames: input = { len:2 LE, link:1, ts_step:1, frame[len] }*.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "anomaly/assets.h"
#include "decode/decode.h"
#include "pipeline/worker.h"
#include "util/cursor.h"

static void sink(void *user, int worker, const struct rec_key *key, const char *json, size_t len,
		 const struct rec_info *info)
{
	(void)user;
	(void)worker;
	(void)key;
	/* an asset fact for the output stage's inventory: its own length */
	if (info && info->fact) {
		if (len != asset_fact_len((const struct asset_fact *)(const void *)json))
			__builtin_trap();
		return;
	}
	/* every record is one JSON object */
	if (len < 2 || json[0] != '{' || json[len - 1] != '}')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { LINK_ETHERNET, LINK_RAW, LINK_LINUX_SLL, LINK_LINUX_SLL2,
				     LINK_NULL, LINK_LOOP, LINK_IPV4, LINK_IPV6 };
	struct worker_config wc;
	worker_config_defaults(&wc);
	wc.ndpi = false; /* nDPI is not our code; keep the target fast */
	wc.flow.memcap = 1 << 20;
	wc.flow.hash_size = 1024;
	wc.flow.stream_memcap = 1 << 18;
	wc.app.pdu_memcap = 1 << 18;
	struct defrag_config dc;
	defrag_config_defaults(&dc);
	dc.memcap = 1 << 18;
	struct decoder dec;
	if (decoder_init(&dec, &dc) < 0)
		return 0;
	struct worker w;
	struct rec_sink rs = { NULL, sink };
	if (worker_init(&w, 0, &wc, &rs) < 0) {
		decoder_fini(&dec);
		return 0;
	}
	struct cursor c = cur_make(data, size);
	uint64_t ts = 1700000000000000ull, cnt = 0, last_tick = 0;
	while (cur_left(&c) >= 4) {
		uint16_t len = cur_le16(&c);
		uint8_t link = cur_u8(&c);
		uint8_t step = cur_u8(&c);
		size_t n = len < cur_left(&c) ? len : cur_left(&c);
		const uint8_t *frame = cur_ptr(&c, n);
		ts += (uint64_t)step * 100000u;
		cnt++;
		if (ts / 1000000u > last_tick) {
			last_tick = ts / 1000000u;
			worker_tick(&w, ts, cnt);
			defrag_expire(dec.defrag, ts);
		}
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.pcap_cnt = cnt;
		p.ts = ts;
		p.data = frame;
		p.caplen = p.wirelen = (uint32_t)n;
		p.linktype = links[link % (sizeof(links) / sizeof(links[0]))];
		decode_packet(&dec, &p);
		worker_packet(&w, &p);
	}
	worker_finish(&w, ts);
	worker_fini(&w);
	decoder_fini(&dec);
	return 0;
}
