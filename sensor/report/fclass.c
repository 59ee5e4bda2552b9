/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Function classes of transactions, for the communication map: what a
 * client asked of a device, in five classes an OT engineer reads at a
 * glance. Read: values or files fetched, polls, subscriptions. Write:
 * values, parameters, points set. Control: commands that act on the
 * process or the device's run state (operate, start/stop, restart).
 * Program: logic, configuration or firmware moved in or out, files
 * changed. Diagnostic: identification, discovery, status, tests.
 *
 * Only the request side is classed: a response repeats the request (when
 * the record carries both, its request is used). The tables name the
 * codes and names the parsers write (sensor/proto/<name>.c); a function
 * not in them has no class.
 */
#include <string.h>

#include "report/model.h"

const char *const rp_fc_names[RP_FC_COUNT] = { "read", "write", "control", "program",
					       "diagnostic" };

enum { R = RP_FC_READ, W = RP_FC_WRITE, C = RP_FC_CONTROL, P = RP_FC_PROGRAM, D = RP_FC_DIAG };

struct fc_name {
	const char *name;
	unsigned fc;
};

static unsigned by_name(const struct fc_name *t, const char *name)
{
	if (!name)
		return 0;
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->fc;
	return 0;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Modbus Application Protocol v1.1b3, 6: public function codes; 90: UMAS
 * (Schneider's programming protocol inside Modbus) */
static unsigned fc_modbus(const json_t *o)
{
	const json_t *q = json_object_get(o, "request");
	if (!json_is_object(q))
		q = json_object_get(o, "response");
	json_t *f = json_object_get(q, "function_raw");
	if (!json_is_integer(f))
		return 0;
	switch (json_integer_value(f)) {
	case 1: case 2: case 3: case 4: case 20: case 24:
		return R;
	case 5: case 6: case 15: case 16: case 21: case 22:
		return W;
	case 23:
		return R | W;
	case 7: case 8: case 11: case 12: case 17: case 43:
		return D;
	case 90:
		return P;
	default:
		return 0;
	}
}

/* IEEE 1815-2012, 4.4.6 (application layer function codes), requests */
static unsigned fc_dnp3(const json_t *o)
{
	const char *type = sget(o, "type");
	if (!type)
		return 0;
	if (strcmp(type, "unsolicited_response") == 0)
		return R;
	if (strcmp(type, "request") != 0)
		return 0;
	json_t *f = json_object_get(json_object_get(o, "application"), "function_code");
	if (!json_is_integer(f))
		return 0;
	json_int_t v = json_integer_value(f);
	if (v == 1)
		return R;
	if (v == 2 || v == 22) /* write, assign class */
		return W;
	if ((v >= 3 && v <= 14) || (v >= 16 && v <= 18) || v == 20 || v == 21)
		return C; /* select/operate, freezes, restarts, applications, unsolicited */
	if (v == 15 || v == 19 || (v >= 25 && v <= 31))
		return P; /* initialize data, save configuration, files, activate config */
	if (v == 23 || v == 24)
		return D; /* delay measurement, record current time */
	return 0;
}

/* IEC 60870-5-101/104 type identifications, by the prefix of their name */
static unsigned fc_iec104(const json_t *o)
{
	const char *t = sget(json_object_get(o, "asdu"), "type_name");
	if (!t || strlen(t) < 4)
		return 0;
	static const struct fc_name pre[] = {
		{ "C_SC", C }, { "C_DC", C }, { "C_RC", C }, { "C_SE", C }, { "C_BO", C },
		{ "C_RP", C }, { "C_IC", R }, { "C_CI", R }, { "C_RD", R }, { "C_CS", W },
		{ "C_TS", D }, { "C_CD", D }, { "P_ME", W }, { "P_AC", W }, { NULL, 0 },
	};
	char p[5];
	memcpy(p, t, 4);
	p[4] = 0;
	unsigned fc = by_name(pre, p);
	if (fc)
		return fc;
	if (t[0] == 'M' && t[1] == '_')
		return R; /* process information in monitoring direction */
	if (t[0] == 'F' && t[1] == '_')
		return P; /* file transfer */
	return 0;
}

static unsigned fc_s7comm(const json_t *o)
{
	static const struct fc_name fn[] = {
		{ "read_var", R },         { "write_var", W },        { "request_download", P },
		{ "download_block", P },   { "download_ended", P },   { "start_upload", P },
		{ "upload", P },           { "end_upload", P },       { "plc_control", C },
		{ "plc_stop", C },         { NULL, 0 },
	};
	static const struct fc_name grp[] = {
		{ "mode_transition", C }, { "programmer_commands", P }, { "cyclic_data", R },
		{ "block_functions", D }, { "cpu_functions", D },       { "security", C },
		{ "time_functions", D },  { "nc_programming", P },      { NULL, 0 },
	};
	const char *rosctr = sget(o, "rosctr_name");
	if (rosctr && strcmp(rosctr, "userdata") == 0) {
		const char *m = sget(o, "method");
		return m && strcmp(m, "request") == 0 ? by_name(grp, sget(o, "group_name")) : 0;
	}
	if (rosctr && strcmp(rosctr, "job") != 0)
		return 0;
	return by_name(fn, sget(o, "function_name"));
}

/* CIP services (CIP Vol. 1, Appendix A) and Logix tag services */
static const struct fc_name cip[] = {
	{ "Get_Attributes_All", R },  { "Get_Attribute_List", R }, { "Get_Attribute_Single", R },
	{ "Read_Tag", R },            { "Get_Member", R },         { "Find_Next_Object_Instance", D },
	{ "Set_Attributes_All", W },  { "Set_Attribute_List", W }, { "Set_Attribute_Single", W },
	{ "Write_Tag", W },           { "Read_Modify_Write_Tag", W }, { "Set_Member", W },
	{ "Insert_Member", W },       { "Remove_Member", W },      { "Create", W },
	{ "Delete", W },              { "Apply_Attributes", W },   { "Reset", C },
	{ "Start", C },               { "Stop", C },               { "Save", P },
	{ "Restore", P },             { NULL, 0 },
};

static unsigned fc_cip(const json_t *c, int depth)
{
	if (!json_is_object(c) || depth > 4)
		return 0;
	unsigned fc = by_name(cip, sget(c, "service_name"));
	static const char *const inner[] = { "multiple", "embedded" };
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(c, inner[k]), i, v) {
			if (i >= 64)
				break;
			fc |= fc_cip(v, depth + 1);
		}
	}
	return fc;
}

static unsigned fc_enip(const json_t *o)
{
	const json_t *q = json_object_get(o, "request");
	if (!json_is_object(q))
		return 0;
	const char *cmd = sget(q, "command");
	if (cmd && (strcmp(cmd, "ListIdentity") == 0 || strcmp(cmd, "ListServices") == 0 ||
		    strcmp(cmd, "ListInterfaces") == 0))
		return D;
	return fc_cip(json_object_get(q, "cip"), 0);
}

/* ANSI/ASHRAE 135, 21: confirmed and unconfirmed services */
static unsigned fc_bacnet(const json_t *o)
{
	static const struct fc_name sv[] = {
		{ "read_property", R },          { "read_property_multiple", R },
		{ "read_property_conditional", R }, { "read_range", R },
		{ "subscribe_cov", R },          { "subscribe_cov_property", R },
		{ "subscribe_cov_property_multiple", R }, { "get_event_information", R },
		{ "get_alarm_summary", R },      { "get_enrollment_summary", R },
		{ "atomic_read_file", R },       { "write_property", W },
		{ "write_property_multiple", W }, { "write_group", W },
		{ "add_list_element", W },       { "remove_list_element", W },
		{ "create_object", W },          { "delete_object", W },
		{ "acknowledge_alarm", W },      { "reinitialize_device", C },
		{ "device_communication_control", C }, { "life_safety_operation", C },
		{ "atomic_write_file", P },      { "who_is", D },
		{ "i_am", D },                   { "who_has", D },
		{ "i_have", D },                 { "time_synchronization", D },
		{ "utc_time_synchronization", D }, { "who_am_i", D },
		{ NULL, 0 },
	};
	const json_t *a = json_object_get(o, "apdu");
	const char *type = sget(a, "type_name");
	if (!type || (strcmp(type, "confirmed_request") != 0 &&
		      strcmp(type, "unconfirmed_request") != 0))
		return 0;
	return by_name(sv, sget(a, "service_name"));
}

/* OPC 10000-4, 5: services (requests only) */
static unsigned fc_opcua(const json_t *o)
{
	static const struct fc_name sv[] = {
		{ "read", R },           { "history_read", R },          { "browse", R },
		{ "browse_next", R },    { "translate_browse_paths", R }, { "query_first", R },
		{ "query_next", R },     { "create_monitored_items", R }, { "create_subscription", R },
		{ "publish", R },        { "republish", R },             { "write", W },
		{ "history_update", W }, { "call", C },                  { "add_nodes", P },
		{ "add_references", P }, { "delete_nodes", P },          { "delete_references", P },
		{ "get_endpoints", D },  { "find_servers", D },          { "find_servers_on_network", D },
		{ "register_server", D }, { "register_server2", D },     { NULL, 0 },
	};
	const char *kind = sget(o, "kind");
	if (!kind || strcmp(kind, "request") != 0)
		return 0;
	return by_name(sv, sget(o, "service"));
}

static unsigned fc_mqtt(const json_t *o)
{
	unsigned fc = 0;
	if (json_object_get(o, "publish"))
		fc |= W;
	if (json_object_get(o, "subscribe"))
		fc |= R;
	return fc;
}

/* ISO 9506-2, 7.3: confirmed service requests */
static unsigned fc_mms(const json_t *o)
{
	static const struct fc_name sv[] = {
		{ "read", R },                       { "readJournal", R },
		{ "fileOpen", R },                   { "fileRead", R },
		{ "fileClose", R },                  { "getAlarmSummary", R },
		{ "write", W },                      { "defineNamedVariableList", W },
		{ "deleteNamedVariableList", W },    { "defineNamedVariable", W },
		{ "deleteVariableAccess", W },       { "writeJournal", W },
		{ "initializeJournal", W },          { "takeControl", C },
		{ "relinquishControl", C },          { "start", C },
		{ "stop", C },                       { "resume", C },
		{ "reset", C },                      { "kill", C },
		{ "triggerEvent", C },               { "output", W },
		{ "initiateDownloadSequence", P },   { "downloadSegment", P },
		{ "terminateDownloadSequence", P },  { "initiateUploadSequence", P },
		{ "uploadSegment", P },              { "terminateUploadSequence", P },
		{ "requestDomainDownload", P },      { "requestDomainUpload", P },
		{ "loadDomainContent", P },          { "storeDomainContent", P },
		{ "deleteDomain", P },               { "createProgramInvocation", P },
		{ "deleteProgramInvocation", P },    { "obtainFile", P },
		{ "fileDelete", P },                 { "fileRename", P },
		{ "status", D },                     { "identify", D },
		{ "getNameList", D },                { "getVariableAccessAttributes", D },
		{ "getNamedVariableListAttributes", D }, { "getDomainAttributes", D },
		{ "getProgramInvocationAttributes", D }, { "getCapabilityList", D },
		{ "fileDirectory", D },              { NULL, 0 },
	};
	const char *pdu = sget(o, "pdu_type_name");
	if (!pdu || strcmp(pdu, "confirmed-RequestPDU") != 0)
		return 0;
	return by_name(sv, sget(o, "service_name"));
}

/* PROFINET DCP (IEC 61158-6-10, 4.3): identify and get look, set changes
 * names and addresses; the control option signals or resets the device */
static unsigned fc_pn_dcp(const json_t *o)
{
	const char *s = sget(o, "service");
	if (!s)
		return 0;
	if (strcmp(s, "identify") == 0 || strcmp(s, "hello") == 0 || strcmp(s, "get") == 0)
		return D;
	if (strcmp(s, "set") != 0)
		return 0;
	const char *t = sget(o, "service_type_name");
	if (t && strcmp(t, "request") != 0)
		return 0;
	unsigned fc = W;
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(o, "blocks"), i, b) {
		const char *opt = sget(b, "option_name");
		if (opt && strcmp(opt, "control") == 0)
			fc |= C;
		if (i >= 64)
			break;
	}
	return fc;
}

unsigned rp_fclass(const char *proto, const json_t *obj)
{
	static const struct {
		const char *name;
		unsigned (*fn)(const json_t *o);
	} t[] = {
		{ "modbus", fc_modbus }, { "dnp3", fc_dnp3 }, { "iec104", fc_iec104 },
		{ "s7comm", fc_s7comm }, { "enip", fc_enip }, { "bacnet", fc_bacnet },
		{ "opcua", fc_opcua },   { "mqtt", fc_mqtt }, { "mms", fc_mms },
		{ "pn_dcp", fc_pn_dcp },
	};
	if (!proto || !json_is_object(obj))
		return 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].name, proto) == 0)
			return t[i].fn(obj);
	return 0;
}
