/* SPDX-License-Identifier: BSD-3-Clause */
/* The asset inventory (sensor/anomaly/assets.c): facts as workers make
 * them, applied in order; the records it writes (new, update, change with
 * the old value, refresh), roles from behaviour, identities per protocol
 * and component, MACs and the MAC-only devices, the cap and its eviction,
 * the OUI file; and `vigil inventory`'s merge of records (inventory.c). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "anomaly/assets.h"
#include "anomaly/inventory.h"
#include "proto/registry.h"

/* ---- records written ---------------------------------------------------------- */

#define MAX_REC 64

static struct {
	json_t *rec[MAX_REC];
	char *text[MAX_REC];
	uint64_t ts[MAX_REC];
	unsigned n;
} out;

static void on_record(void *user, const char *json, size_t len, uint64_t ts)
{
	(void)user;
	assert_true(out.n < MAX_REC);
	json_error_t e;
	json_t *r = json_loadb(json, len, 0, &e);
	if (!r)
		fail_msg("record is not JSON (%s): %.*s", e.text, (int)len, json);
	out.rec[out.n] = r;
	out.text[out.n] = strndup(json, len);
	out.ts[out.n] = ts;
	out.n++;
}

static void out_clear(void)
{
	for (unsigned i = 0; i < out.n; i++) {
		json_decref(out.rec[i]);
		free(out.text[i]);
	}
	out.n = 0;
}

static json_t *asset_of(unsigned i)
{
	assert_true(i < out.n);
	json_t *a = json_object_get(out.rec[i], "asset");
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(out.rec[i], "event_type")), "asset");
	return a;
}

static const char *sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *event_of(unsigned i)
{
	return sget(asset_of(i), "event");
}

/* the array o[k] joined with commas */
static const char *joined(json_t *o, const char *k)
{
	static char buf[512];
	buf[0] = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, k), i, v) {
		if (i)
			strcat(buf, ",");
		if (json_is_string(v))
			strcat(buf, json_string_value(v));
		else
			sprintf(buf + strlen(buf), "%lld", (long long)json_integer_value(v));
	}
	return buf;
}

static void has(unsigned i, const char *needle)
{
	assert_true(i < out.n);
	if (!strstr(out.text[i], needle))
		fail_msg("record %u lacks %s:\n%s", i, needle, out.text[i]);
}

static void lacks(unsigned i, const char *needle)
{
	assert_true(i < out.n);
	if (strstr(out.text[i], needle))
		fail_msg("record %u has %s:\n%s", i, needle, out.text[i]);
}

/* ---- facts ---------------------------------------------------------------------- */

static const uint8_t MAC_A[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x0a }; /* Siemens OUI */
static const uint8_t MAC_B[6] = { 0x00, 0x00, 0xbc, 0x00, 0x00, 0x0b }; /* Rockwell OUI */
static const uint8_t MAC_C[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c }; /* local */
static const uint8_t MAC_BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int proto(const char *name)
{
	int i = app_parser_index(name);
	assert_true(i >= 0);
	return i;
}

static struct vaddr v4(unsigned d)
{
	struct vaddr a;
	memset(&a, 0, sizeof(a));
	a.a[0] = 10;
	a.a[3] = (uint8_t)d;
	return a;
}

/* a fact of a tx from host s to host r (MACs as given, NULL: none) */
static struct asset_fact fact(const char *p, uint8_t dir, unsigned s, const uint8_t *smac,
			      unsigned r, const uint8_t *rmac, bool first)
{
	struct asset_fact f;
	memset(&f, 0, sizeof(f));
	f.pcap_cnt = 1;
	f.proto = (uint8_t)proto(p);
	f.flags = (first ? ASSET_FACT_FIRST : 0) | ASSET_FACT_INDEX;
	f.dir = dir;
	f.ip_ver = 4;
	f.ip[0] = v4(s);
	f.ip[1] = v4(r);
	if (smac) {
		memcpy(f.mac[0], smac, 6);
		f.has_mac |= 1;
	}
	if (rmac) {
		memcpy(f.mac[1], rmac, 6);
		f.has_mac |= 2;
		if (rmac[0] & 1)
			f.flags |= ASSET_FACT_GROUP;
	}
	app_identity_init(&f.id);
	return f;
}

static void apply(struct assets *a, struct asset_fact *f, uint64_t sec)
{
	if (app_identity_any(&f->id))
		f->flags |= ASSET_FACT_ID;
	assets_apply(a, f, asset_fact_len(f), sec * 1000000u);
}

static char oui_path[64];

static struct assets *make(uint32_t max, uint32_t refresh)
{
	struct assets_config c;
	assets_config_defaults(&c);
	c.max_assets = max;
	c.refresh_sec = refresh;
	c.oui_file = oui_path;
	out_clear();
	struct assets *a = assets_new(&c, on_record, NULL);
	assert_non_null(a);
	return a;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_roles(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	/* a request from .2 to .10: .2 is new (a client of one device), .10
	 * has not answered: no device yet */
	struct asset_fact f = fact("modbus", 0, 2, MAC_C, 10, MAC_A, true);
	apply(a, &f, 100);
	assert_int_equal(out.n, 1);
	assert_string_equal(event_of(0), "new");
	assert_string_equal(sget(asset_of(0), "ip"), "10.0.0.2");
	assert_string_equal(joined(asset_of(0), "roles"), "hmi");
	assert_string_equal(joined(asset_of(0), "protocols"), "modbus");
	assert_int_equal(json_integer_value(json_object_get(out.rec[0], "pcap_cnt")), 1);
	lacks(0, "\"changes\"");
	lacks(0, "mac_vendor"); /* locally administered */
	/* .10 answers: a field device, with its MAC's vendor */
	f = fact("modbus", 1, 10, MAC_A, 2, MAC_C, true);
	apply(a, &f, 101);
	assert_int_equal(out.n, 2);
	assert_string_equal(sget(asset_of(1), "ip"), "10.0.0.10");
	assert_string_equal(joined(asset_of(1), "roles"), "field_device");
	assert_string_equal(sget(asset_of(1), "mac_vendor"), "Siemens AG");
	/* .2 polls a second device (another protocol): still an HMI by the
	 * default of three devices for a master */
	f = fact("s7comm", 0, 2, MAC_C, 11, MAC_B, true);
	apply(a, &f, 102);
	assert_int_equal(out.n, 3);
	assert_string_equal(event_of(2), "update");
	assert_string_equal(joined(asset_of(2), "roles"), "hmi");
	has(2, "\"changes\":[{\"field\":\"protocols\",\"old\":[\"modbus\"],\"new\":[\"modbus\",\"s7comm\"]}]");
	/* the same request again: nothing new, no record */
	f = fact("s7comm", 0, 2, MAC_C, 11, MAC_B, true);
	apply(a, &f, 103);
	assert_int_equal(out.n, 3);
	/* a third device: a master now */
	f = fact("s7comm", 0, 2, MAC_C, 12, NULL, true);
	apply(a, &f, 103);
	assert_int_equal(out.n, 4);
	assert_string_equal(event_of(3), "update");
	has(3, "\"changes\":[{\"field\":\"roles\",\"old\":[\"hmi\"],\"new\":[\"master\"]}]");
	assert_string_equal(joined(asset_of(3), "roles"), "master");
	/* a broadcast request (BACnet Who-Is) does not count as polling */
	f = fact("bacnet", 0, 3, MAC_C, 255, MAC_BC, true);
	apply(a, &f, 104);
	assert_int_equal(out.n, 5);
	assert_string_equal(joined(asset_of(4), "roles"), "");
	/* an engineering hint: neither an HMI nor a master then */
	f = fact("s7comm", 0, 4, NULL, 11, NULL, true);
	f.id.role[0] = APP_ROLE_ENGINEERING;
	f.id.role[1] = APP_ROLE_FIELD;
	apply(a, &f, 105);
	assert_string_equal(sget(asset_of(5), "ip"), "10.0.0.4");
	assert_string_equal(joined(asset_of(5), "roles"), "engineering_workstation");
	/* a request to a device not seen answering does not make it, but
	 * its role hint does: the download's target is a field device */
	assert_string_equal(sget(asset_of(6), "ip"), "10.0.0.11");
	assert_string_equal(joined(asset_of(6), "roles"), "field_device");
	/* OPC UA and MQTT servers are servers; MQTT clients do not poll */
	f = fact("opcua", 1, 20, NULL, 21, NULL, true);
	apply(a, &f, 106);
	unsigned k = out.n;
	f = fact("mqtt", 0, 22, NULL, 20, NULL, true);
	apply(a, &f, 107);
	assert_int_equal(out.n, k + 1);
	assert_string_equal(joined(asset_of(k), "roles"), "");
	struct assets_stats st;
	assets_get_stats(a, &st);
	assert_int_equal(st.records, out.n);
	assert_int_equal(st.changes, 0);
	assets_free(a);
}

static void test_identity_and_changes(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	struct asset_fact f = fact("s7comm", 1, 10, MAC_A, 2, NULL, true);
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "Siemens");
	app_identity_set_str(&f.id, APP_IDF_FIRMWARE, "V3.2.6");
	app_identity_set_str(&f.id, APP_IDF_MODEL, "6ES7 315-2EH14-0AB0");
	f.id.role[0] = APP_ROLE_FIELD;
	apply(a, &f, 10);
	/* two new devices, the sender first; its identity on the record */
	assert_int_equal(out.n, 2);
	assert_string_equal(sget(asset_of(0), "ip"), "10.0.0.10");
	assert_string_equal(sget(asset_of(0), "firmware"), "V3.2.6");
	assert_string_equal(sget(asset_of(0), "vendor"), "Siemens");
	has(0, "\"identities\":[{\"protocol\":\"s7comm\",\"vendor\":\"Siemens\"");
	assert_string_equal(sget(asset_of(1), "ip"), "10.0.0.2");
	/* the serial learnt: an update listing what is new */
	f = fact("s7comm", 1, 10, MAC_A, 2, NULL, false);
	app_identity_set_str(&f.id, APP_IDF_SERIAL, "S C-123");
	app_identity_set_str(&f.id, APP_IDF_FIRMWARE, "V3.2.6");
	apply(a, &f, 11);
	assert_int_equal(out.n, 3);
	assert_string_equal(event_of(2), "update");
	has(2, "\"changes\":[{\"field\":\"serial\",\"protocol\":\"s7comm\",\"new\":\"S C-123\"}]");
	/* a new firmware: a change, with the value before */
	f = fact("s7comm", 1, 10, MAC_A, 2, NULL, false);
	app_identity_set_str(&f.id, APP_IDF_FIRMWARE, "V3.3.0");
	apply(a, &f, 12);
	assert_int_equal(out.n, 4);
	assert_string_equal(event_of(3), "change");
	has(3, "{\"field\":\"firmware\",\"protocol\":\"s7comm\",\"old\":\"V3.2.6\",\"new\":\"V3.3.0\"}");
	assert_string_equal(sget(asset_of(3), "firmware"), "V3.3.0");
	/* another protocol's identity of the same device is its own: a
	 * different vendor spelling is no change */
	f = fact("modbus", 1, 10, MAC_A, 2, NULL, false);
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "SIEMENS AG");
	apply(a, &f, 13);
	assert_string_equal(event_of(4), "update");
	assert_string_equal(sget(asset_of(4), "vendor"), "Siemens"); /* the first protocol's */
	assert_int_equal(json_array_size(json_object_get(asset_of(4), "identities")), 2);
	/* a module behind the address (routed CIP) never touches the top */
	f = fact("enip", 1, 10, MAC_A, 2, NULL, false);
	strcpy(f.id.component, "backplane slot 0");
	app_identity_set_str(&f.id, APP_IDF_PRODUCT, "1756-L61/B");
	apply(a, &f, 14);
	lacks(5, "\"product\":\"1756-L61/B\",\"model\"");
	has(5, "{\"protocol\":\"enip\",\"component\":\"backplane slot 0\",\"product\":\"1756-L61/B\"}");
	assert_null(sget(asset_of(5), "product"));
	/* a MAC never seen for this IP: a change; back to the first: none */
	f = fact("s7comm", 1, 10, MAC_B, 2, NULL, false);
	f.flags |= ASSET_FACT_FIRST;
	apply(a, &f, 15);
	assert_string_equal(event_of(6), "change");
	has(6, "{\"field\":\"mac\",\"old\":\"00:1b:1b:00:00:0a\",\"new\":\"00:00:bc:00:00:0b\"}");
	has(6, "\"macs\":[\"00:1b:1b:00:00:0a\",\"00:00:bc:00:00:0b\"]");
	unsigned n = out.n;
	f = fact("s7comm", 1, 10, MAC_A, 2, NULL, false);
	f.flags |= ASSET_FACT_FIRST;
	apply(a, &f, 16);
	assert_int_equal(out.n, n);
	struct assets_stats st;
	assets_get_stats(a, &st);
	assert_int_equal(st.changes, 2);
	assert_int_equal(st.assets, 2);
	assets_free(a);
}

static void test_components_and_weak(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	/* Modbus unit 1 answers first: it is taken as the device itself */
	struct asset_fact f = fact("modbus", 1, 10, NULL, 2, NULL, true);
	strcpy(f.id.component, "unit 1");
	f.id.may_be_self = true;
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "Acme");
	app_identity_num(&f.id, "unit", 1, APP_ID_SENDER);
	apply(a, &f, 1);
	assert_string_equal(sget(asset_of(0), "vendor"), "Acme");
	has(0, "\"identities\":[{\"protocol\":\"modbus\",\"vendor\":\"Acme\",\"unit\":[1]}]");
	/* unit 2 behind the same gateway: a component, the top unchanged */
	f = fact("modbus", 1, 10, NULL, 2, NULL, false);
	strcpy(f.id.component, "unit 2");
	f.id.may_be_self = true;
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "Other");
	apply(a, &f, 2);
	assert_string_equal(event_of(2), "update");
	assert_string_equal(sget(asset_of(2), "vendor"), "Acme");
	has(2, "{\"protocol\":\"modbus\",\"component\":\"unit 2\",\"vendor\":\"Other\"}");
	/* unit 1 again with a new value: a change of the device itself */
	f = fact("modbus", 1, 10, NULL, 2, NULL, false);
	strcpy(f.id.component, "unit 1");
	f.id.may_be_self = true;
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "Acme2");
	apply(a, &f, 3);
	assert_string_equal(event_of(3), "change");
	assert_string_equal(sget(asset_of(3), "vendor"), "Acme2");
	/* numbers are sets: a second DNP3 address is learnt, not a change */
	f = fact("dnp3", 0, 2, NULL, 10, NULL, true);
	app_identity_num(&f.id, "master_address", 1, APP_ID_SENDER);
	app_identity_num(&f.id, "outstation_address", 10, APP_ID_RECEIVER);
	apply(a, &f, 4);
	f = fact("dnp3", 0, 2, NULL, 10, NULL, true);
	app_identity_num(&f.id, "outstation_address", 11, APP_ID_RECEIVER);
	apply(a, &f, 5);
	has(out.n - 1, "{\"field\":\"outstation_address\",\"protocol\":\"dnp3\",\"old\":[10],\"new\":[10,11]}");
	assert_string_equal(event_of(out.n - 1), "update");
	/* a weak identity (GOOSE: one name per logical device) fills, never changes */
	struct asset_fact g;
	memset(&g, 0, sizeof(g));
	g.proto = (uint8_t)proto("goose");
	g.flags = ASSET_FACT_FIRST;
	g.has_mac = 3;
	memcpy(g.mac[0], MAC_B, 6);
	memcpy(g.mac[1], "\x01\x0c\xcd\x01\x00\x01", 6);
	g.flags |= ASSET_FACT_GROUP;
	app_identity_init(&g.id);
	g.id.weak = true;
	g.id.role[0] = APP_ROLE_PUBLISHER;
	app_identity_set_str(&g.id, APP_IDF_NAME, "IED1LD0");
	unsigned n = out.n;
	apply(a, &g, 6);
	assert_int_equal(out.n, n + 1);
	assert_null(sget(asset_of(n), "ip"));
	assert_string_equal(sget(asset_of(n), "mac"), "00:00:bc:00:00:0b");
	assert_string_equal(sget(asset_of(n), "name"), "IED1LD0");
	assert_string_equal(joined(asset_of(n), "roles"), "publisher");
	app_identity_set_str(&g.id, APP_IDF_NAME, "IED1PROT");
	apply(a, &g, 7);
	assert_int_equal(out.n, n + 1);
	/* a strong value over a weak one (a registry's vendor spelling, then
	 * the device's own): an update that shows the old value, no change */
	struct asset_fact w = fact("bacnet", 0, 50, NULL, 255, MAC_BC, true);
	w.id.weak = true;
	app_identity_set_str(&w.id, APP_IDF_VENDOR, "Automated Logic Corporation");
	apply(a, &w, 7);
	w = fact("bacnet", 1, 50, NULL, 51, NULL, true);
	app_identity_set_str(&w.id, APP_IDF_VENDOR, "Automated Logic Corp.");
	apply(a, &w, 7);
	assert_string_equal(sget(asset_of(out.n - 2), "vendor"), "Automated Logic Corp.");
	assert_string_equal(event_of(out.n - 2), "update");
	has(out.n - 2, "{\"field\":\"vendor\",\"protocol\":\"bacnet\",\"old\":\"Automated Logic Corporation\","
		       "\"new\":\"Automated Logic Corp.\"}");
	/* now the device's own: a new value is a change */
	w = fact("bacnet", 1, 50, NULL, 51, NULL, false);
	app_identity_set_str(&w.id, APP_IDF_VENDOR, "ALC");
	apply(a, &w, 7);
	assert_string_equal(event_of(out.n - 1), "change");
	/* the IP the IED uses shows up with its MAC: the same device, now by IP */
	f = fact("mms", 1, 30, MAC_B, 2, NULL, true);
	apply(a, &f, 8);
	unsigned m = out.n - 2; /* the IED's, then the client's (new) */
	assert_string_equal(sget(asset_of(m), "ip"), "10.0.0.30");
	assert_string_equal(sget(asset_of(m), "name"), "IED1LD0");
	has(m, "{\"field\":\"ip\",\"new\":\"10.0.0.30\"}");
	assert_int_equal(json_integer_value(json_object_get(asset_of(n), "id")),
			 json_integer_value(json_object_get(asset_of(m), "id")));
	assets_free(a);
}

static void test_cap_and_refresh(void **s)
{
	(void)s;
	struct assets *a = make(16, 3600);
	for (unsigned i = 0; i < 20; i++) {
		struct asset_fact f = fact("modbus", 1, 100 + i, NULL, 2, NULL, true);
		apply(a, &f, i);
	}
	struct assets_stats st;
	assets_get_stats(a, &st);
	assert_int_equal(st.assets, 16);
	assert_int_equal(st.capacity, 16);
	assert_true(st.evicted >= 4);
	assert_int_equal(st.peak, 16);
	/* the client (.2) is seen at every fact: it stays; the first
	 * servers went */
	unsigned n = out.n;
	struct asset_fact f = fact("modbus", 1, 100, NULL, 2, NULL, true);
	apply(a, &f, 30);
	assert_int_equal(out.n, n + 1);
	assert_string_equal(event_of(n), "new");
	/* a device active for longer than the refresh interval: one record */
	n = out.n;
	f = fact("modbus", 1, 100, NULL, 2, NULL, true);
	apply(a, &f, 30 + 1800);
	assert_int_equal(out.n, n);
	apply(a, &f, 30 + 3600);
	assert_int_equal(out.n, n + 1);
	assert_string_equal(event_of(n), "refresh");
	assert_int_equal(out.ts[n], (30ull + 3600) * 1000000u);
	has(n, "\"first_seen\":\"1970-01-01T00:00:30.000000+0000\"");
	has(n, "\"last_seen\":\"1970-01-01T01:00:30.000000+0000\"");
	/* the stats object */
	struct jb jb;
	jb_init(&jb, 4096);
	jb_open_object(&jb, NULL);
	assets_get_stats(a, &st);
	assets_stats_json(&jb, &st);
	jb_close(&jb);
	assert_true(jb_ok(&jb));
	assert_non_null(strstr(jb.buf, "\"capacity\":16,\"at_capacity\":true"));
	jb_free(&jb);
	assets_free(a);
}

/* facts of every hostile length are ignored, never read past */
static void test_hostile_facts(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	struct asset_fact f = fact("modbus", 0, 2, NULL, 10, NULL, true);
	uint8_t buf[sizeof(f) + 16];
	memcpy(buf, &f, sizeof(f));
	const size_t lens[] = { 0, 1, offsetof(struct asset_fact, id) - 1, sizeof(f) - 1,
				sizeof(f) + 1, sizeof(f) + 16 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		assets_apply(a, buf, lens[i], 1);
	assert_int_equal(out.n, 0);
	/* the identity flag without the identity: ignored */
	f.flags |= ASSET_FACT_ID;
	assets_apply(a, &f, offsetof(struct asset_fact, id), 1);
	assert_int_equal(out.n, 0);
	/* an unknown protocol index: ignored */
	f = fact("modbus", 1, 10, NULL, 2, NULL, true);
	f.proto = 200;
	assets_apply(a, &f, offsetof(struct asset_fact, id), 2);
	assert_int_equal(out.n, 0);
	/* garbage strings (no NUL): bounded output */
	f = fact("modbus", 1, 10, NULL, 2, NULL, true);
	memset(f.id.str, 'x', sizeof(f.id.str));
	f.id.have = 0xff;
	f.id.n_num = 0;
	f.flags |= ASSET_FACT_ID;
	assets_apply(a, &f, sizeof(f), 2);
	assert_true(out.n >= 1);
	has(0, "\"vendor\":\"xxxxxxxx");
	assert_true(strlen(out.text[0]) < 4096);
	assets_free(a);
}

static void test_oui(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	char v[64];
	assert_true(assets_oui_vendor(a, MAC_A, v, sizeof(v)));
	assert_string_equal(v, "Siemens AG"); /* quoted, stray comma dropped */
	assert_true(assets_oui_vendor(a, MAC_B, v, sizeof(v)));
	assert_string_equal(v, "Rockwell Automation");
	assert_true(assets_oui_vendor(a, (const uint8_t *)"\x00\x00\x01\x00\x00\x00", v, sizeof(v)));
	assert_string_equal(v, "Say \"hi\", Inc.");
	assert_false(assets_oui_vendor(a, MAC_C, v, sizeof(v))); /* locally administered */
	assert_false(assets_oui_vendor(a, (const uint8_t *)"\x00\x99\x99\x00\x00\x00", v, sizeof(v)));
	/* a short buffer: cut, terminated */
	assert_true(assets_oui_vendor(a, MAC_B, v, 5));
	assert_string_equal(v, "Rock");
	struct assets_stats st;
	assets_get_stats(a, &st);
	assert_int_equal(st.oui_entries, 3);
	assets_free(a);
	/* no file: a warning, no vendors, the inventory works */
	struct assets_config c;
	assets_config_defaults(&c);
	c.oui_file = "/nonexistent/oui.csv";
	a = assets_new(&c, on_record, NULL);
	assert_non_null(a);
	assert_false(assets_oui_vendor(a, MAC_A, v, sizeof(v)));
	assets_free(a);
}

/* ---- vigil inventory: merging records ------------------------------------------ */

static void test_inventory(void **s)
{
	(void)s;
	struct assets *a = make(64, 0);
	struct asset_fact f = fact("s7comm", 0, 2, MAC_C, 10, MAC_A, true);
	apply(a, &f, 1);
	f = fact("s7comm", 1, 10, MAC_A, 2, MAC_C, true);
	app_identity_set_str(&f.id, APP_IDF_VENDOR, "Siemens");
	app_identity_set_str(&f.id, APP_IDF_PRODUCT, "CPU 315-2 PN/DP");
	app_identity_set_str(&f.id, APP_IDF_FIRMWARE, "V3.2.6");
	apply(a, &f, 2);
	f = fact("s7comm", 0, 2, MAC_C, 11, NULL, true);
	apply(a, &f, 3);
	f = fact("s7comm", 0, 2, MAC_C, 12, NULL, true);
	apply(a, &f, 3);
	f = fact("s7comm", 1, 10, MAC_A, 2, MAC_C, false);
	app_identity_set_str(&f.id, APP_IDF_FIRMWARE, "V3.3.0");
	apply(a, &f, 4);
	f = fact("enip", 1, 10, MAC_A, 2, MAC_C, false);
	strcpy(f.id.component, "backplane slot 0");
	app_identity_set_str(&f.id, APP_IDF_PRODUCT, "1756-L61/B");
	apply(a, &f, 5);
	struct inventory *inv = inventory_new();
	for (unsigned i = 0; i < out.n; i++)
		assert_int_equal(inventory_add(inv, out.text[i], strlen(out.text[i])), 1);
	assert_int_equal(inventory_add(inv, "{\"event_type\":\"flow\"}", 21), 0);
	assert_int_equal(inventory_add(inv, "{not json", 9), -1);
	assert_int_equal(inventory_count(inv), 2);
	char *txt = NULL;
	size_t tlen = 0;
	FILE *mf = open_memstream(&txt, &tlen);
	inventory_print_table(inv, mf);
	fclose(mf);
	/* header, the devices by address, the module indented below */
	assert_non_null(strstr(txt, "IP "));
	char *p2 = strstr(txt, "10.0.0.2 "), *p10 = strstr(txt, "10.0.0.10 ");
	assert_non_null(p2);
	assert_non_null(p10);
	assert_true(p2 < p10);
	assert_non_null(strstr(p10, "Siemens"));
	assert_non_null(strstr(p10, "CPU 315-2 PN/DP"));
	assert_non_null(strstr(p10, "V3.3.0"));
	assert_non_null(strstr(p10, "\n  backplane slot 0"));
	assert_non_null(strstr(txt, "master"));
	assert_null(strstr(txt, "hmi")); /* it was one, before it polled two */
	assert_non_null(strstr(txt, "2 devices\n"));
	free(txt);
	mf = open_memstream(&txt, &tlen);
	inventory_print_json(inv, mf);
	fclose(mf);
	json_error_t e;
	json_t *arr = json_loads(txt, 0, &e);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), 2);
	json_t *plc = json_array_get(arr, 1);
	assert_string_equal(sget(plc, "firmware"), "V3.3.0");
	json_t *hist = json_object_get(plc, "changes");
	assert_int_equal(json_array_size(hist), 1);
	assert_string_equal(sget(json_array_get(hist, 0), "old"), "V3.2.6");
	assert_non_null(sget(json_array_get(hist, 0), "timestamp"));
	json_decref(arr);
	free(txt);
	/* an EVE file with other records and a syslog header */
	char path[] = "/tmp/vigil-inv-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *ef = fdopen(fd, "w");
	fprintf(ef, "{\"event_type\":\"stats\"}\n<134>1 2026-01-01T00:00:00Z h vigil - asset - %s\n",
		out.text[0]);
	fclose(ef);
	struct inventory *inv2 = inventory_new();
	char err[256];
	assert_int_equal(inventory_read_file(inv2, path, err, sizeof(err)), 0);
	assert_int_equal(inventory_count(inv2), 1);
	unlink(path);
	assert_int_equal(inventory_read_file(inv2, "/nonexistent/eve.json", err, sizeof(err)), -1);
	inventory_free(inv2);
	inventory_free(inv);
	assets_free(a);
}

static int setup(void **s)
{
	(void)s;
	snprintf(oui_path, sizeof(oui_path), "/tmp/vigil-oui-%d.csv", (int)getpid());
	FILE *f = fopen(oui_path, "w");
	if (!f)
		return -1;
	fputs("Registry,Assignment,Organization Name,Organization Address\n"
	      "MA-L,001B1B,\"Siemens AG,\",I IA SC Karlsruhe DE\n"
	      "MA-L,0000BC,Rockwell Automation,1 Allen-Bradley Dr. US\n"
	      "MA-L,000001,\"Say \"\"hi\"\", Inc.\",Somewhere\n"
	      "MA-M,0000BC1,Not an OUI,x\n"
	      "MA-L,ZZZZZZ,Bad hex,x\n"
	      "MA-L,0000BC,Rockwell again (ignored),x\n",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	out_clear();
	unlink(oui_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_identity_and_changes),
		cmocka_unit_test(test_components_and_weak),
		cmocka_unit_test(test_cap_and_refresh),
		cmocka_unit_test(test_hostile_facts),
		cmocka_unit_test(test_oui),
		cmocka_unit_test(test_inventory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
