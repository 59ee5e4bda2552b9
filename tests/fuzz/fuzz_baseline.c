/* SPDX-License-Identifier: BSD-3-Clause */
/* The baseline loader on arbitrary text: a bad file is refused with a
 * message naming the file (never a crash, a hang or a leak); a file it
 * accepts reads back from its own text as the same text (the file format
 * is a fixed point), and transactions are compared with it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/baseline.h"
#include "vigil/proto/modbus.h"

extern const struct proto_parser proto_modbus;

static void on_alert(void *user, const struct bl_alert_view *v)
{
	(void)user;
	(void)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_config c;
	bl_config_defaults(&c);
	c.max_conversations = 64; /* small caps: reached by small inputs too */
	c.max_functions = 8;
	c.max_ranges = 8;
	c.max_names = 8;
	c.max_values = 16;
	c.max_identities = 8;
	char err[1024] = "";
	struct bl_model *m = bl_load_mem("fuzz.json", (const char *)data, size, &c, err, sizeof(err));
	if (!m) {
		if (strncmp(err, "fuzz.json", 9) != 0)
			__builtin_trap(); /* a refusal always says where */
		return 0;
	}
	char *t1 = NULL, *t2 = NULL;
	long n1 = bl_model_text(m, &t1);
	if (n1 < 0)
		__builtin_trap();
	struct bl_model *m2 = bl_load_mem("fuzz.json", t1, (size_t)n1, &c, err, sizeof(err));
	if (!m2)
		__builtin_trap(); /* what it wrote it must read */
	long n2 = bl_model_text(m2, &t2);
	if (n2 != n1 || memcmp(t1, t2, (size_t)n1) != 0)
		__builtin_trap();
	/* a few transactions against it: every conversation's client polling */
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, NULL, NULL);
	if (w) {
		struct flow f;
		memset(&f, 0, sizeof(f));
		f.key.ip_ver = 4;
		f.key.addr[0].a[0] = 10;
		f.key.addr[1].a[0] = 10;
		f.key.addr[1].a[3] = 100;
		struct packet p;
		memset(&p, 0, sizeof(p));
		struct modbus_tx tx;
		memset(&tx, 0, sizeof(tx));
		tx.has_req = true;
		tx.req.fc = size ? data[0] : 3;
		tx.req.unit = 1;
		tx.req.has_read = true;
		tx.req.read_qty = 10;
		struct app_tx at = { &proto_modbus, APP_TOSERVER, false, &tx };
		for (unsigned k = 0; k < 4; k++) {
			f.key.addr[0].a[3] = (uint8_t)(2 + k);
			f.id = k;
			for (unsigned i = 0; i < 3; i++) {
				p.ts = 1000000u * (i + 1);
				bl_tx(w, &p, &f, &at);
			}
			bl_tick(w, 1000000000u);
			bl_flow_end(w, &f);
		}
		bl_worker_free(w);
	}
	free(t1);
	free(t2);
	bl_model_free(m);
	bl_model_free(m2);
	return 0;
}
