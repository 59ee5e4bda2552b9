/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BACnet/IP (ANSI/ASHRAE 135-2020), UDP port 47808 (0xBAC0) and any port
 * by probe. One UDP datagram carries one BVLL message; all fields are
 * big-endian.
 *
 * BVLC (Annex J.2):  type:1 (0x81) | function:1 | length:2 (the whole message)
 *   0x00 BVLC-Result            result code:2
 *   0x01 Write-BDT, 0x03 Read-BDT-Ack     entries of B/IP address:6 + mask:4
 *   0x02 Read-BDT, 0x06 Read-FDT          (empty)
 *   0x04 Forwarded-NPDU         original source B/IP address:6 | NPDU
 *   0x05 Register-Foreign-Device          time-to-live:2 (seconds)
 *   0x07 Read-FDT-Ack           entries of B/IP address:6 + ttl:2 + remaining:2
 *   0x08 Delete-FDT-Entry       B/IP address:6
 *   0x09 Distribute-Broadcast-To-Network, 0x0a Original-Unicast-NPDU,
 *   0x0b Original-Broadcast-NPDU          NPDU
 *   0x0c Secure-BVLL            (opaque)
 *   a B/IP address is IPv4:4 port:2.
 *
 * NPDU (clause 6.2): version:1 (1) | control:1 | [DNET:2 DLEN:1 DADR:DLEN]
 *   | [SNET:2 SLEN:1 SADR:SLEN] | [hop count:1] | message type:1 [vendor:2]
 *   control: 0x80 network layer message, 0x20 DNET present, 0x08 SNET
 *   present, 0x04 expecting reply, 0x03 priority; 0x50 reserved (zero).
 *   Network layer messages (6.4): router discovery with lists of DNET:2,
 *   Reject-Message-To-Network reason:1 DNET:2, Initialize-Routing-Table
 *   ports:1 { DNET:2 port id:1 info length:1 info }, ...
 *
 * APDU (clause 20.1), first byte type:4 | flags:4:
 *   0 Confirmed-Request   SEG MOR SA - | - max-segs:3 max-APDU:4 | invoke id
 *                         | [sequence number, proposed window] | service | ...
 *   1 Unconfirmed-Request service | ...
 *   2 SimpleACK           invoke id | service
 *   3 ComplexACK          SEG MOR - - | invoke id | [seq, window] | service | ...
 *   4 SegmentACK          - - NAK SRV | invoke id | sequence number | window
 *   5 Error               invoke id | service | error class, error code
 *   6 Reject              invoke id | reason
 *   7 Abort               - - - SRV | invoke id | reason
 * Service parameters (clause 21) are tagged (20.2.1): tag number:4 class:1
 * length/value/type:3, tag number 15 = extended tag number in the next
 * byte, LVT 5 = extended length (1 byte; 254: 2 bytes follow; 255: 4),
 * context LVT 6/7 = opening/closing tag. Every length is checked against
 * the bytes that are left, and opening tags nest at most MAX_DEPTH deep.
 *
 * Decoded services: Who-Is, I-Am, Who-Has, I-Have, Read/WriteProperty and
 * their -Multiple forms (objects, properties, array indexes, the first
 * datum of each value, write priorities), COV notifications,
 * ReinitializeDevice and DeviceCommunicationControl (never the password:
 * only whether there is one), AtomicRead/WriteFile, Create/DeleteObject,
 * (UTC)TimeSynchronization, the error of an Error PDU. Other services are
 * named and their parameters left alone.
 *
 * Requests and responses are matched by invoke id in a table of PENDING
 * entries per flow, keyed by the requester's direction (BACnet peers both
 * ask and answer). Segmented requests and ComplexACKs are followed segment
 * by segment (sequence numbers, window, SegmentACKs, the requester's
 * max-segments-accepted). Segments are not reassembled: each is a tx of its
 * own, the first one's parameters decoded as far as they go.
 *
 * Every BVLC message is a transaction; broadcasts are ordinary UDP flows
 * (their first sender is the client), parsed in both directions.
 *
 * Events (app-layer-event:bacnet.<name>):
 *   bacnet.invalid_bvlc_type        a datagram on a BACnet flow that is not BVLC
 *                                   type 0x81 (BACnet/IP)
 *   bacnet.invalid_bvlc_length      BVLC length below 4 or not the datagram's length
 *   bacnet.unknown_bvlc_function    a BVLC function Annex J does not define
 *   bacnet.malformed_bvlc           a BVLC payload that does not fit its function, or
 *                                   an undefined BVLC-Result code
 *   bacnet.invalid_npdu_version     NPDU protocol version other than 1
 *   bacnet.malformed_npdu           NPDU header cut short, reserved control bits set,
 *                                   SLEN 0 or SNET 0xffff, a network message that does
 *                                   not fit its type
 *   bacnet.unknown_network_message  a reserved network layer message type (0x14-0x7f)
 *   bacnet.malformed_apdu           an empty APDU, a header cut short, reserved bits,
 *                                   a reserved max-APDU code, a window of 0 or above 127
 *   bacnet.unknown_apdu_type        PDU type 8-15
 *   bacnet.unknown_service          a service choice clause 21 does not define
 *   bacnet.malformed_service        service parameters that do not decode: a bad or
 *                                   unexpected tag, a length beyond the APDU, a missing
 *                                   parameter, a value out of range, trailing bytes
 *   bacnet.nesting_too_deep         opening tags nested deeper than MAX_DEPTH
 *   bacnet.invalid_priority         a write priority outside 1-16
 *   bacnet.apdu_too_long            an APDU longer than 1476 bytes (BACnet/IP's maximum)
 *   bacnet.confirmed_broadcast      a confirmed request sent as a broadcast (BVLC
 *                                   broadcast function, DNET 0xffff or DLEN 0)
 *   bacnet.unmatched_response       an ACK, Error, Reject, Abort or SegmentACK that
 *                                   answers no request seen (or one of another service)
 *   bacnet.pending_table_full       more requests outstanding than the flow's table
 *                                   holds: the oldest is forgotten
 *   bacnet.segment_out_of_order     a segment ahead of the next expected one, or a
 *                                   later segment without the first
 *   bacnet.segment_duplicate        a segment already received
 *   bacnet.segment_overflow         more segments than the receiver accepts (its
 *                                   max-segments-accepted, none when the request did
 *                                   not accept a segmented response) or than the
 *                                   window allows before a SegmentACK
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/bacnet.h"

extern const struct proto_parser proto_bacnet;

#define BVLC_TYPE_BIP 0x81
#define MAX_APDU_BIP 1476   /* Annex J: the largest APDU BACnet/IP carries */
#define MAX_DEPTH 16        /* opening tags nested in one APDU */
#define PENDING 8           /* outstanding requests per flow */
#define PENDING_TTL 60      /* seconds without a PDU before an entry is forgotten */
#define MAX_STR_LOG 256     /* bytes of a string value logged */
#define MAX_OCT_LOG 64      /* bytes of an octet string logged (hex) */
#define MAX_BITS_LOG 64     /* bits of a bit string logged */

static const char *const events[BACNET_EV__COUNT] = {
	[BACNET_EV_INVALID_BVLC_TYPE] = "bacnet.invalid_bvlc_type",
	[BACNET_EV_INVALID_BVLC_LENGTH] = "bacnet.invalid_bvlc_length",
	[BACNET_EV_UNKNOWN_BVLC_FUNCTION] = "bacnet.unknown_bvlc_function",
	[BACNET_EV_MALFORMED_BVLC] = "bacnet.malformed_bvlc",
	[BACNET_EV_INVALID_NPDU_VERSION] = "bacnet.invalid_npdu_version",
	[BACNET_EV_MALFORMED_NPDU] = "bacnet.malformed_npdu",
	[BACNET_EV_UNKNOWN_NETWORK_MESSAGE] = "bacnet.unknown_network_message",
	[BACNET_EV_MALFORMED_APDU] = "bacnet.malformed_apdu",
	[BACNET_EV_UNKNOWN_APDU_TYPE] = "bacnet.unknown_apdu_type",
	[BACNET_EV_UNKNOWN_SERVICE] = "bacnet.unknown_service",
	[BACNET_EV_MALFORMED_SERVICE] = "bacnet.malformed_service",
	[BACNET_EV_NESTING_TOO_DEEP] = "bacnet.nesting_too_deep",
	[BACNET_EV_INVALID_PRIORITY] = "bacnet.invalid_priority",
	[BACNET_EV_APDU_TOO_LONG] = "bacnet.apdu_too_long",
	[BACNET_EV_CONFIRMED_BROADCAST] = "bacnet.confirmed_broadcast",
	[BACNET_EV_UNMATCHED_RESPONSE] = "bacnet.unmatched_response",
	[BACNET_EV_PENDING_TABLE_FULL] = "bacnet.pending_table_full",
	[BACNET_EV_SEGMENT_OUT_OF_ORDER] = "bacnet.segment_out_of_order",
	[BACNET_EV_SEGMENT_DUPLICATE] = "bacnet.segment_duplicate",
	[BACNET_EV_SEGMENT_OVERFLOW] = "bacnet.segment_overflow",
};

/* ---- the spec as data ------------------------------------------------------- */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A name from a table indexed by code, or NULL. */
static const char *tname(const char *const *t, size_t n, uint64_t v)
{
	return v < n ? t[v] : NULL;
}

static const char *const bvlc_functions[] = {
	"bvlc_result", "write_broadcast_distribution_table", "read_broadcast_distribution_table",
	"read_broadcast_distribution_table_ack", "forwarded_npdu", "register_foreign_device",
	"read_foreign_device_table", "read_foreign_device_table_ack",
	"delete_foreign_device_table_entry", "distribute_broadcast_to_network",
	"original_unicast_npdu", "original_broadcast_npdu", "secure_bvll",
};

/* BVLC-Result codes (J.2.1.1) are multiples of 0x10 */
static const char *const bvlc_results[] = {
	"successful_completion", "write_broadcast_distribution_table_nak",
	"read_broadcast_distribution_table_nak", "register_foreign_device_nak",
	"read_foreign_device_table_nak", "delete_foreign_device_table_entry_nak",
	"distribute_broadcast_to_network_nak",
};

static const char *bvlc_result_name(uint16_t r)
{
	return (r & 0x0f) == 0 ? tname(bvlc_results, N_OF(bvlc_results), r >> 4) : NULL;
}

static const char *const nl_messages[] = {
	"who_is_router_to_network", "i_am_router_to_network", "i_could_be_router_to_network",
	"reject_message_to_network", "router_busy_to_network", "router_available_to_network",
	"initialize_routing_table", "initialize_routing_table_ack",
	"establish_connection_to_network", "disconnect_connection_to_network",
	"challenge_request", "security_payload", "security_response", "request_key_update",
	"update_key_set", "update_distribution_key", "request_master_key", "set_master_key",
	"what_is_network_number", "network_number_is",
};

static const char *const nl_reject_reasons[] = {
	"other", "unknown_dnet", "router_busy", "unknown_message_type", "message_too_long",
	"security_error", "addressing_error",
};

static const char *const npdu_priorities[] = {
	"normal", "urgent", "critical_equipment", "life_safety",
};

static const char *const pdu_types[] = {
	"confirmed_request", "unconfirmed_request", "simple_ack", "complex_ack",
	"segment_ack", "error", "reject", "abort",
};

/* BACnetConfirmedServiceChoice (clause 21) */
enum {
	SC_CONFIRMED_COV_NOTIFICATION = 1, SC_ATOMIC_READ_FILE = 6, SC_ATOMIC_WRITE_FILE = 7,
	SC_CREATE_OBJECT = 10, SC_DELETE_OBJECT = 11, SC_READ_PROPERTY = 12,
	SC_READ_PROPERTY_MULTIPLE = 14, SC_WRITE_PROPERTY = 15, SC_WRITE_PROPERTY_MULTIPLE = 16,
	SC_DEVICE_COMMUNICATION_CONTROL = 17, SC_REINITIALIZE_DEVICE = 20,
};
static const char *const confirmed_services[] = {
	"acknowledge_alarm", "confirmed_cov_notification", "confirmed_event_notification",
	"get_alarm_summary", "get_enrollment_summary", "subscribe_cov", "atomic_read_file",
	"atomic_write_file", "add_list_element", "remove_list_element", "create_object",
	"delete_object", "read_property", "read_property_conditional", "read_property_multiple",
	"write_property", "write_property_multiple", "device_communication_control",
	"confirmed_private_transfer", "confirmed_text_message", "reinitialize_device", "vt_open",
	"vt_close", "vt_data", "authenticate", "request_key", "read_range",
	"life_safety_operation", "subscribe_cov_property", "get_event_information",
	"subscribe_cov_property_multiple", "confirmed_cov_notification_multiple",
	"confirmed_audit_notification", "audit_log_query",
};

/* BACnetUnconfirmedServiceChoice */
enum {
	SU_I_AM = 0, SU_I_HAVE = 1, SU_UNCONFIRMED_COV_NOTIFICATION = 2,
	SU_TIME_SYNCHRONIZATION = 6, SU_WHO_HAS = 7, SU_WHO_IS = 8,
	SU_UTC_TIME_SYNCHRONIZATION = 9,
};
static const char *const unconfirmed_services[] = {
	"i_am", "i_have", "unconfirmed_cov_notification", "unconfirmed_event_notification",
	"unconfirmed_private_transfer", "unconfirmed_text_message", "time_synchronization",
	"who_has", "who_is", "utc_time_synchronization", "write_group",
	"unconfirmed_cov_notification_multiple", "unconfirmed_audit_notification", "who_am_i",
	"you_are",
};

/* BACnetObjectType; 128-1023 are proprietary */
#define OBJ_DEVICE 8
static const char *const object_types[] = {
	"analog_input", "analog_output", "analog_value", "binary_input", "binary_output",
	"binary_value", "calendar", "command", "device", "event_enrollment", "file", "group",
	"loop", "multi_state_input", "multi_state_output", "notification_class", "program",
	"schedule", "averaging", "multi_state_value", "trend_log", "life_safety_point",
	"life_safety_zone", "accumulator", "pulse_converter", "event_log", "global_group",
	"trend_log_multiple", "load_control", "structured_view", "access_door", "timer",
	"access_credential", "access_point", "access_rights", "access_user", "access_zone",
	"credential_data_input", "network_security", "bitstring_value", "characterstring_value",
	"date_pattern_value", "date_value", "datetime_pattern_value", "datetime_value",
	"integer_value", "large_analog_value", "octetstring_value", "positive_integer_value",
	"time_pattern_value", "time_value", "notification_forwarder", "alert_enrollment",
	"channel", "lighting_output", "binary_lighting_output", "network_port", "elevator_group",
	"escalator", "lift", "staging", "audit_log", "audit_reporter", "color",
	"color_temperature",
};

static const char *object_type_name(uint16_t t)
{
	const char *n = tname(object_types, N_OF(object_types), t);
	return n ? n : t >= 128 ? "proprietary" : "unknown";
}

/* BACnetPropertyIdentifier 0-511; 512-4194303 are proprietary */
#define PROP_OBJECT_NAME 77
static const char *const properties[512] = {
	[0] = "acked_transitions", [1] = "ack_required", [2] = "action", [3] = "action_text",
	[4] = "active_text", [5] = "active_vt_sessions", [6] = "alarm_value", [7] = "alarm_values",
	[8] = "all", [9] = "all_writes_successful", [10] = "apdu_segment_timeout",
	[11] = "apdu_timeout", [12] = "application_software_version", [13] = "archive",
	[14] = "bias", [15] = "change_of_state_count", [16] = "change_of_state_time",
	[17] = "notification_class", [19] = "controlled_variable_reference",
	[20] = "controlled_variable_units", [21] = "controlled_variable_value",
	[22] = "cov_increment", [23] = "date_list", [24] = "daylight_savings_status",
	[25] = "deadband", [26] = "derivative_constant", [27] = "derivative_constant_units",
	[28] = "description", [29] = "description_of_halt", [30] = "device_address_binding",
	[31] = "device_type", [32] = "effective_period", [33] = "elapsed_active_time",
	[34] = "error_limit", [35] = "event_enable", [36] = "event_state", [37] = "event_type",
	[38] = "exception_schedule", [39] = "fault_values", [40] = "feedback_value",
	[41] = "file_access_method", [42] = "file_size", [43] = "file_type",
	[44] = "firmware_revision", [45] = "high_limit", [46] = "inactive_text",
	[47] = "in_process", [48] = "instance_of", [49] = "integral_constant",
	[50] = "integral_constant_units", [51] = "issue_confirmed_notifications",
	[52] = "limit_enable", [53] = "list_of_group_members",
	[54] = "list_of_object_property_references", [55] = "list_of_session_keys",
	[56] = "local_date", [57] = "local_time", [58] = "location", [59] = "low_limit",
	[60] = "manipulated_variable_reference", [61] = "maximum_output",
	[62] = "max_apdu_length_accepted", [63] = "max_info_frames", [64] = "max_master",
	[65] = "max_pres_value", [66] = "minimum_off_time", [67] = "minimum_on_time",
	[68] = "minimum_output", [69] = "min_pres_value", [70] = "model_name",
	[71] = "modification_date", [72] = "notify_type", [73] = "number_of_apdu_retries",
	[74] = "number_of_states", [75] = "object_identifier", [76] = "object_list",
	[77] = "object_name", [78] = "object_property_reference", [79] = "object_type",
	[80] = "optional", [81] = "out_of_service", [82] = "output_units",
	[83] = "event_parameters", [84] = "polarity", [85] = "present_value", [86] = "priority",
	[87] = "priority_array", [88] = "priority_for_writing", [89] = "process_identifier",
	[90] = "program_change", [91] = "program_location", [92] = "program_state",
	[93] = "proportional_constant", [94] = "proportional_constant_units",
	[95] = "protocol_conformance_class", [96] = "protocol_object_types_supported",
	[97] = "protocol_services_supported", [98] = "protocol_version", [99] = "read_only",
	[100] = "reason_for_halt", [101] = "recipient", [102] = "recipient_list",
	[103] = "reliability", [104] = "relinquish_default", [105] = "required",
	[106] = "resolution", [107] = "segmentation_supported", [108] = "setpoint",
	[109] = "setpoint_reference", [110] = "state_text", [111] = "status_flags",
	[112] = "system_status", [113] = "time_delay", [114] = "time_of_active_time_reset",
	[115] = "time_of_state_count_reset", [116] = "time_synchronization_recipients",
	[117] = "units", [118] = "update_interval", [119] = "utc_offset",
	[120] = "vendor_identifier", [121] = "vendor_name", [122] = "vt_classes_supported",
	[123] = "weekly_schedule", [124] = "attempted_samples", [125] = "average_value",
	[126] = "buffer_size", [127] = "client_cov_increment",
	[128] = "cov_resubscription_interval", [129] = "current_notify_time",
	[130] = "event_time_stamps", [131] = "log_buffer", [132] = "log_device_object_property",
	[133] = "enable", [134] = "log_interval", [135] = "maximum_value", [136] = "minimum_value",
	[137] = "notification_threshold", [138] = "previous_notify_time",
	[139] = "protocol_revision", [140] = "records_since_notification", [141] = "record_count",
	[142] = "start_time", [143] = "stop_time", [144] = "stop_when_full",
	[145] = "total_record_count", [146] = "valid_samples", [147] = "window_interval",
	[148] = "window_samples", [149] = "maximum_value_timestamp",
	[150] = "minimum_value_timestamp", [151] = "variance_value",
	[152] = "active_cov_subscriptions", [153] = "backup_failure_timeout",
	[154] = "configuration_files", [155] = "database_revision", [156] = "direct_reading",
	[157] = "last_restore_time", [158] = "maintenance_required", [159] = "member_of",
	[160] = "mode", [161] = "operation_expected", [162] = "setting", [163] = "silenced",
	[164] = "tracking_value", [165] = "zone_members", [166] = "life_safety_alarm_values",
	[167] = "max_segments_accepted", [168] = "profile_name", [169] = "auto_slave_discovery",
	[170] = "manual_slave_address_binding", [171] = "slave_address_binding",
	[172] = "slave_proxy_enable", [173] = "last_notify_record", [174] = "schedule_default",
	[175] = "accepted_modes", [176] = "adjust_value", [177] = "count",
	[178] = "count_before_change", [179] = "count_change_time", [180] = "cov_period",
	[181] = "input_reference", [182] = "limit_monitoring_interval", [183] = "logging_object",
	[184] = "logging_record", [185] = "prescale", [186] = "pulse_rate", [187] = "scale",
	[188] = "scale_factor", [189] = "update_time", [190] = "value_before_change",
	[191] = "value_set", [192] = "value_change_time", [193] = "align_intervals",
	[195] = "interval_offset", [196] = "last_restart_reason", [197] = "logging_type",
	[202] = "restart_notification_recipients", [203] = "time_of_device_restart",
	[204] = "time_synchronization_interval", [205] = "trigger",
	[206] = "utc_time_synchronization_recipients", [207] = "node_subtype", [208] = "node_type",
	[209] = "structured_object_list", [210] = "subordinate_annotations",
	[211] = "subordinate_list", [212] = "actual_shed_level", [213] = "duty_window",
	[214] = "expected_shed_level", [215] = "full_duty_baseline",
	[218] = "requested_shed_level", [219] = "shed_duration", [220] = "shed_level_descriptions",
	[221] = "shed_levels", [222] = "state_description", [226] = "door_alarm_state",
	[227] = "door_extended_pulse_time", [228] = "door_members",
	[229] = "door_open_too_long_time", [230] = "door_pulse_time", [231] = "door_status",
	[232] = "door_unlock_delay_time", [233] = "lock_status", [234] = "masked_alarm_values",
	[235] = "secured_status", [244] = "absentee_limit", [245] = "access_alarm_events",
	[246] = "access_doors", [247] = "access_event",
	[248] = "access_event_authentication_factor", [249] = "access_event_credential",
	[250] = "access_event_time", [251] = "access_transaction_events", [252] = "accompaniment",
	[253] = "accompaniment_time", [254] = "activation_time",
	[255] = "active_authentication_policy", [256] = "assigned_access_rights",
	[257] = "authentication_factors", [258] = "authentication_policy_list",
	[259] = "authentication_policy_names", [260] = "authentication_status",
	[261] = "authorization_mode", [262] = "belongs_to", [263] = "credential_disable",
	[264] = "credential_status", [265] = "credentials", [266] = "credentials_in_zone",
	[267] = "days_remaining", [268] = "entry_points", [269] = "exit_points",
	[270] = "expiration_time", [271] = "extended_time_enable", [272] = "failed_attempt_events",
	[273] = "failed_attempts", [274] = "failed_attempts_time", [275] = "last_access_event",
	[276] = "last_access_point", [277] = "last_credential_added",
	[278] = "last_credential_added_time", [279] = "last_credential_removed",
	[280] = "last_credential_removed_time", [281] = "last_use_time", [282] = "lockout",
	[283] = "lockout_relinquish_time", [284] = "master_exemption",
	[285] = "max_failed_attempts", [286] = "members", [287] = "muster_point",
	[288] = "negative_access_rules", [289] = "number_of_authentication_policies",
	[290] = "occupancy_count", [291] = "occupancy_count_adjust",
	[292] = "occupancy_count_enable", [293] = "occupancy_exemption",
	[294] = "occupancy_lower_limit", [295] = "occupancy_lower_limit_enforced",
	[296] = "occupancy_state", [297] = "occupancy_upper_limit",
	[298] = "occupancy_upper_limit_enforced", [299] = "passback_exemption",
	[300] = "passback_mode", [301] = "passback_timeout", [302] = "positive_access_rules",
	[303] = "reason_for_disable", [304] = "supported_formats",
	[305] = "supported_format_classes", [306] = "threat_authority", [307] = "threat_level",
	[308] = "trace_flag", [309] = "transaction_notification_class",
	[310] = "user_external_identifier", [311] = "user_information_reference",
	[317] = "user_name", [318] = "user_type", [319] = "uses_remaining", [320] = "zone_from",
	[321] = "zone_to", [322] = "access_event_tag", [323] = "global_identifier",
	[326] = "verification_time", [327] = "base_device_security_policy",
	[328] = "distribution_key_revision", [329] = "do_not_hide", [330] = "key_sets",
	[331] = "last_key_server", [332] = "network_access_security_policies",
	[333] = "packet_reorder_time", [334] = "security_pdu_timeout",
	[335] = "security_time_window", [336] = "supported_security_algorithms",
	[337] = "update_key_set_timeout", [338] = "backup_and_restore_state",
	[339] = "backup_preparation_time", [340] = "restore_completion_time",
	[341] = "restore_preparation_time", [342] = "bit_mask", [343] = "bit_text",
	[344] = "is_utc", [345] = "group_members", [346] = "group_member_names",
	[347] = "member_status_flags", [348] = "requested_update_interval", [349] = "covu_period",
	[350] = "covu_recipients", [351] = "event_message_texts",
	[352] = "event_message_texts_config", [353] = "event_detection_enable",
	[354] = "event_algorithm_inhibit", [355] = "event_algorithm_inhibit_ref",
	[356] = "time_delay_normal", [357] = "reliability_evaluation_inhibit",
	[358] = "fault_parameters", [359] = "fault_type", [360] = "local_forwarding_only",
	[361] = "process_identifier_filter", [362] = "subscribed_recipients",
	[363] = "port_filter", [364] = "authorization_exemptions",
	[365] = "allow_group_delay_inhibit", [366] = "channel_number", [367] = "control_groups",
	[368] = "execution_delay", [369] = "last_priority", [370] = "write_status",
	[371] = "property_list", [372] = "serial_number", [373] = "blink_warn_enable",
	[374] = "default_fade_time", [375] = "default_ramp_rate", [376] = "default_step_increment",
	[377] = "egress_time", [378] = "in_progress", [379] = "instantaneous_power",
	[380] = "lighting_command", [381] = "lighting_command_default_priority",
	[382] = "max_actual_value", [383] = "min_actual_value", [384] = "power",
	[385] = "transition", [386] = "egress_active", [387] = "interface_value",
	[388] = "fault_high_limit", [389] = "fault_low_limit", [390] = "low_diff_limit",
	[391] = "strike_count", [392] = "time_of_strike_count_reset", [393] = "default_timeout",
	[394] = "initial_timeout", [395] = "last_state_change", [396] = "state_change_values",
	[397] = "timer_running", [398] = "timer_state", [399] = "apdu_length",
	[400] = "ip_address", [401] = "ip_default_gateway", [402] = "ip_dhcp_enable",
	[403] = "ip_dhcp_lease_time", [404] = "ip_dhcp_lease_time_remaining",
	[405] = "ip_dhcp_server", [406] = "ip_dns_server", [407] = "bacnet_ip_global_address",
	[408] = "bacnet_ip_mode", [409] = "bacnet_ip_multicast_address",
	[410] = "bacnet_ip_nat_traversal", [411] = "ip_subnet_mask", [412] = "bacnet_ip_udp_port",
	[413] = "bbmd_accept_fd_registrations", [414] = "bbmd_broadcast_distribution_table",
	[415] = "bbmd_foreign_device_table", [416] = "changes_pending", [417] = "command",
	[418] = "fd_bbmd_address", [419] = "fd_subscription_lifetime", [420] = "link_speed",
	[421] = "link_speeds", [422] = "link_speed_autonegotiate", [423] = "mac_address",
	[424] = "network_interface_name", [425] = "network_number",
	[426] = "network_number_quality", [427] = "network_type", [428] = "routing_table",
	[429] = "virtual_mac_address_table", [430] = "command_time_array",
	[431] = "current_command_priority", [432] = "last_command_time", [433] = "value_source",
	[434] = "value_source_array", [435] = "bacnet_ipv6_mode", [436] = "ipv6_address",
	[437] = "ipv6_prefix_length", [438] = "bacnet_ipv6_udp_port",
	[439] = "ipv6_default_gateway", [440] = "bacnet_ipv6_multicast_address",
	[441] = "ipv6_dns_server", [442] = "ipv6_auto_addressing_enable",
	[443] = "ipv6_dhcp_lease_time", [444] = "ipv6_dhcp_lease_time_remaining",
	[445] = "ipv6_dhcp_server", [446] = "ipv6_zone_index", [447] = "assigned_landing_calls",
	[448] = "car_assigned_direction", [449] = "car_door_command", [450] = "car_door_status",
	[451] = "car_door_text", [452] = "car_door_zone", [453] = "car_drive_status",
	[454] = "car_load", [455] = "car_load_units", [456] = "car_mode",
	[457] = "car_moving_direction", [458] = "car_position", [459] = "elevator_group",
	[460] = "energy_meter", [461] = "energy_meter_ref", [462] = "escalator_mode",
	[463] = "fault_signals", [464] = "floor_text", [465] = "group_id", [467] = "group_mode",
	[468] = "higher_deck", [469] = "installation_id", [470] = "landing_calls",
	[471] = "landing_call_control", [472] = "landing_door_status", [473] = "lower_deck",
	[474] = "machine_room_id", [475] = "making_car_call", [476] = "next_stopping_floor",
	[477] = "operation_direction", [478] = "passenger_alarm", [479] = "power_mode",
	[480] = "registered_car_call", [481] = "active_cov_multiple_subscriptions",
	[482] = "protocol_level", [483] = "reference_port", [484] = "deployed_profile_location",
	[485] = "profile_location", [486] = "tags", [487] = "subordinate_node_types",
	[488] = "subordinate_tags", [489] = "subordinate_relationships",
	[490] = "default_subordinate_relationship", [491] = "represents",
	[492] = "default_present_value", [493] = "present_stage", [494] = "stages",
	[495] = "stage_names", [496] = "target_references", [497] = "audit_source_level",
	[498] = "audit_level", [499] = "audit_notification_recipient",
	[500] = "audit_priority_filter", [501] = "auditable_operations",
	[502] = "delete_on_forward", [503] = "maximum_send_delay", [504] = "monitored_objects",
	[505] = "send_now", [506] = "floor_number", [507] = "device_uuid",
	[508] = "additional_reference_ports", [509] = "certificate_signing_request_file",
	[510] = "command_validation_result", [511] = "issuer_certificate_files",
};

static const char *property_name(uint32_t p)
{
	const char *n = tname(properties, N_OF(properties), p);
	return n ? n : p >= 512 && p <= 4194303 ? "proprietary" : "unknown";
}

static const char *const error_classes[] = {
	"device", "object", "property", "resources", "security", "services", "vt", "communication",
};

/* BACnetErrorCode 0-136 (33 is unassigned) */
static const char *const error_codes[] = {
	"other", "authentication_failed", "configuration_in_progress", "device_busy",
	"dynamic_creation_not_supported", "file_access_denied", "incompatible_security_levels",
	"inconsistent_parameters", "inconsistent_selection_criterion", "invalid_data_type",
	"invalid_file_access_method", "invalid_file_start_position", "invalid_operator_name",
	"invalid_parameter_data_type", "invalid_time_stamp", "key_generation_error",
	"missing_required_parameter", "no_objects_of_specified_type", "no_space_for_object",
	"no_space_to_add_list_element", "no_space_to_write_property", "no_vt_sessions_available",
	"property_is_not_a_list", "object_deletion_not_permitted",
	"object_identifier_already_exists", "operational_problem", "password_failure",
	"read_access_denied", "security_not_supported", "service_request_denied", "timeout",
	"unknown_object", "unknown_property", NULL, "unknown_vt_class", "unknown_vt_session",
	"unsupported_object_type", "value_out_of_range", "vt_session_already_closed",
	"vt_session_termination_failure", "write_access_denied", "character_set_not_supported",
	"invalid_array_index", "cov_subscription_failed", "not_cov_property",
	"optional_functionality_not_supported", "invalid_configuration_data",
	"datatype_not_supported", "duplicate_name", "duplicate_object_id",
	"property_is_not_an_array", "abort_buffer_overflow", "abort_invalid_apdu_in_this_state",
	"abort_preempted_by_higher_priority_task", "abort_segmentation_not_supported",
	"abort_proprietary", "abort_other", "invalid_tag", "network_down",
	"reject_buffer_overflow", "reject_inconsistent_parameters",
	"reject_invalid_parameter_data_type", "reject_invalid_tag",
	"reject_missing_required_parameter", "reject_parameter_out_of_range",
	"reject_too_many_arguments", "reject_undefined_enumeration",
	"reject_unrecognized_service", "reject_proprietary", "reject_other", "unknown_device",
	"unknown_route", "value_not_initialized", "invalid_event_state", "no_alarm_configured",
	"log_buffer_full", "logged_value_purged", "no_property_specified",
	"not_configured_for_triggered_logging", "unknown_subscription", "parameter_out_of_range",
	"list_element_not_found", "busy", "communication_disabled", "success", "access_denied",
	"bad_destination_address", "bad_destination_device_id", "bad_signature",
	"bad_source_address", "bad_timestamp", "cannot_use_key", "cannot_verify_message_id",
	"correct_key_revision", "destination_device_id_required", "duplicate_message",
	"encryption_not_configured", "encryption_required", "incorrect_key", "invalid_key_data",
	"key_update_in_progress", "malformed_message", "not_key_server",
	"security_not_configured", "source_security_required", "too_many_keys",
	"unknown_authentication_type", "unknown_key", "unknown_key_revision",
	"unknown_source_message", "not_router_to_dnet", "router_busy",
	"unknown_network_message", "message_too_long", "security_error", "addressing_error",
	"write_bdt_failed", "read_bdt_failed", "register_foreign_device_failed",
	"read_fdt_failed", "delete_fdt_entry_failed", "distribute_broadcast_failed",
	"unknown_file_size", "abort_apdu_too_long", "abort_application_exceeded_reply_time",
	"abort_out_of_resources", "abort_tsm_timeout", "abort_window_size_out_of_range",
	"file_full", "inconsistent_configuration", "inconsistent_object_type", "internal_error",
	"not_configured", "out_of_memory", "value_too_long", "abort_insufficient_security",
	"abort_security_error",
};

static const char *const reject_reasons[] = {
	"other", "buffer_overflow", "inconsistent_parameters", "invalid_parameter_data_type",
	"invalid_tag", "missing_required_parameter", "parameter_out_of_range",
	"too_many_arguments", "undefined_enumeration", "unrecognized_service",
	"invalid_data_encoding",
};

static const char *const abort_reasons[] = {
	"other", "buffer_overflow", "invalid_apdu_in_this_state",
	"preempted_by_higher_priority_task", "segmentation_not_supported", "security_error",
	"insufficient_security", "window_size_out_of_range", "application_exceeded_reply_time",
	"out_of_resources", "tsm_timeout", "apdu_too_long",
};

static const char *const segmentations[] = {
	"segmented_both", "segmented_transmit", "segmented_receive", "no_segmentation",
};

/* BACnetReinitializedStateOfDevice */
static const char *const reinit_states[] = {
	"coldstart", "warmstart", "start_backup", "end_backup", "start_restore", "end_restore",
	"abort_restore", "activate_changes",
};

/* DeviceCommunicationControl enable-disable */
static const char *const dcc_states[] = { "enable", "disable", "disable_initiation" };

static const char *const app_tags[] = {
	"null", "boolean", "unsigned", "signed", "real", "double", "octet_string",
	"character_string", "bit_string", "enumerated", "date", "time", "object_identifier",
};

static const char *const charsets[] = {
	"utf_8", "ibm_microsoft_dbcs", "jis_x_0208", "ucs_4", "ucs_2", "iso_8859_1",
};

/* max-APDU-length-accepted codes (20.1.2.5) */
static const uint16_t max_apdu_sizes[] = { 50, 128, 206, 480, 1024, 1476 };
/* max-segments-accepted codes (20.1.2.4): 0 unspecified, 7 more than 64 */
static const uint8_t max_segs[] = { 0, 2, 4, 8, 16, 32, 64, 65 };

/* Vendor identifiers of common vendors (ASHRAE's registry; ASCII spelling). */
static const struct {
	uint16_t id;
	const char *name;
} vendors[] = {
	{ 0, "ASHRAE" },
	{ 1, "NIST" },
	{ 2, "The Trane Company" },
	{ 3, "McQuay International" },
	{ 4, "PolarSoft" },
	{ 5, "Johnson Controls, Inc." },
	{ 6, "American Auto-Matrix" },
	{ 7, "Siemens Schweiz AG (Landis & Staefa)" },
	{ 8, "Delta Controls" },
	{ 9, "Siemens Schweiz AG" },
	{ 10, "Schneider Electric (Tour Andover Controls)" },
	{ 11, "TAC" },
	{ 12, "Orion Analysis Corporation" },
	{ 13, "Teletrol Systems Inc." },
	{ 14, "Cimetrics Technology" },
	{ 15, "Cornell University" },
	{ 16, "United Technologies Carrier" },
	{ 17, "Honeywell Inc." },
	{ 18, "Alerton / Honeywell" },
	{ 19, "TAC AB" },
	{ 20, "Hewlett-Packard Company" },
	{ 22, "Siemens Schweiz AG (Cerberus)" },
	{ 23, "York Controls Group" },
	{ 24, "Automated Logic Corporation" },
	{ 25, "CSI Control Systems International" },
	{ 26, "Phoenix Controls Corporation" },
	{ 28, "KMC Controls, Inc." },
	{ 32, "Simplex" },
	{ 34, "Notifier" },
	{ 35, "Reliable Controls Corporation" },
	{ 36, "Tridium Inc." },
	{ 37, "Sierra Monitor Corporation" },
	{ 39, "Kieback & Peter GmbH & Co KG" },
	{ 42, "Acuity Brands Lighting" },
	{ 51, "SAMSON AG" },
	{ 53, "DAIKIN Industries Ltd." },
	{ 56, "Liebert Corporation" },
	{ 73, "ABB Gebaudetechnik AG" },
	{ 74, "KNX Association cvba" },
	{ 77, "Carel S.p.A." },
	{ 80, "Fr. Sauter AG" },
	{ 82, "Mitsubishi Electric Corporation" },
	{ 85, "Yamatake Building Systems (Azbil)" },
	{ 89, "Saia-Burgess Controls, Ltd." },
	{ 91, "Trend Control Systems Ltd." },
	{ 98, "Toshiba Corporation" },
	{ 105, "PRIVA BV" },
	{ 127, "ABB, Inc." },
	{ 140, "Viconics Electronics, Inc." },
	{ 150, "Advantech Corporation" },
	{ 160, "Rockwell Automation" },
	{ 171, "Cylon Controls, Ltd." },
	{ 176, "Lutron Electronics Co., Inc." },
	{ 178, "LOYTEC Electronics GmbH" },
	{ 187, "Softing" },
	{ 190, "Danfoss Drives A/S" },
	{ 191, "Eaton Corporation" },
	{ 196, "Yokogawa Electric Corporation" },
	{ 222, "WAGO Kontakttechnik GmbH & Co. KG" },
	{ 226, "Phoenix Contact GmbH & Co. KG" },
	{ 227, "Grundfos Management A/S" },
	{ 233, "Red Lion Controls" },
	{ 245, "Contemporary Control Systems, Inc." },
	{ 246, "Intesis Software SL" },
	{ 255, "Lennox International, Inc." },
	{ 260, "BACnet Stack at SourceForge" },
	{ 264, "Regin AB" },
	{ 335, "Schneider Electric" },
	{ 339, "VAISALA Oyj" },
	{ 343, "BACnet Interoperability Testing Services, Inc." },
	{ 364, "Distech Controls Inc." },
	{ 366, "ICONICS, Inc." },
	{ 389, "Chipkin Automation Systems" },
	{ 415, "Beckhoff Automation GmbH" },
	{ 423, "BELIMO Automation AG" },
	{ 432, "LG Electronics Inc." },
	{ 486, "HMS Industrial Networks AB" },
	{ 502, "EasyIO" },
};

static const char *vendor_name(uint16_t id)
{
	for (size_t i = 0; i < N_OF(vendors); i++)
		if (vendors[i].id == id)
			return vendors[i].name;
	return NULL;
}

static bool service_known(uint8_t pdu_type, int16_t svc)
{
	if (svc < 0)
		return false;
	if (pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST)
		return (size_t)svc < N_OF(unconfirmed_services);
	return (size_t)svc < N_OF(confirmed_services);
}

static const char *service_name(uint8_t pdu_type, int16_t svc)
{
	if (!service_known(pdu_type, svc))
		return "unknown";
	return pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST ? unconfirmed_services[svc]
							  : confirmed_services[svc];
}

/* ---- per-flow state ---------------------------------------------------------- */

/* An outstanding confirmed request (and the segmented transfer of it or of
 * its ComplexACK), keyed by the requester's direction and invoke id. */
#define PF_USED 0x01
#define PF_REQ_DIR 0x02   /* direction the request went (set: APP_TOCLIENT) */
#define PF_SA 0x04        /* the request accepts a segmented response */
#define PF_SEG 0x08       /* a segmented transfer is in progress */
#define PF_SEG_DIR 0x10   /* direction of its segments */
#define PF_SEG_DONE 0x20  /* its last segment was seen; its final SegmentACK is due */

struct pending {
	uint32_t ts;       /* packet time of the entry's last PDU, seconds */
	uint16_t order;    /* bn_state.next_order when the entry was made */
	uint16_t n_segs;   /* segments of the transfer so far */
	uint8_t invoke;
	uint8_t service;
	uint8_t next_seq;  /* sequence number of the next segment expected */
	uint8_t window;    /* segments that may be sent before a SegmentACK */
	uint8_t unacked;   /* segments sent since the last SegmentACK */
	uint8_t max_segs;  /* the request's max-segments-accepted code */
	uint8_t flags;
};

struct bn_state {
	struct pending p[PENDING];
	uint16_t next_order; /* counts entries made, to find the oldest */
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_bacnet, e);
}

static uint32_t now_s(const struct app_ctx *ctx)
{
	return (uint32_t)(app_ctx_flow(ctx)->ts / 1000000u);
}

static uint8_t dir_flag(uint8_t dir, uint8_t flag)
{
	return dir ? flag : 0;
}

/* The live entry of a request sent in direction req_dir, or NULL. Entries
 * idle for PENDING_TTL seconds are dropped here. O(PENDING). */
static struct pending *pend_find(struct bn_state *s, uint32_t now, uint8_t req_dir, uint8_t invoke)
{
	for (int i = 0; i < PENDING; i++) {
		struct pending *p = &s->p[i];
		if (!(p->flags & PF_USED))
			continue;
		if ((int32_t)(now - p->ts) > PENDING_TTL) { /* time going back is not age */
			p->flags = 0;
			continue;
		}
		if (p->invoke == invoke && ((p->flags & PF_REQ_DIR) != 0) == (req_dir != 0))
			return p;
	}
	return NULL;
}

/* A fresh entry for a request: a retry replaces its earlier copy; a full
 * table forgets its oldest entry (an event). O(PENDING). */
static struct pending *pend_new(struct bn_state *s, struct app_ctx *ctx, uint32_t now,
				uint8_t req_dir, uint8_t invoke)
{
	struct pending *p = pend_find(s, now, req_dir, invoke);
	for (int i = 0; !p && i < PENDING; i++)
		if (!(s->p[i].flags & PF_USED))
			p = &s->p[i];
	if (!p) { /* the oldest: made the most entries ago (modulo 2^16) */
		p = &s->p[0];
		for (int i = 1; i < PENDING; i++)
			if ((uint16_t)(s->next_order - s->p[i].order) >
			    (uint16_t)(s->next_order - p->order))
				p = &s->p[i];
		ev(ctx, BACNET_EV_PENDING_TABLE_FULL);
	}
	memset(p, 0, sizeof(*p));
	p->order = s->next_order++;
	p->flags = PF_USED | dir_flag(req_dir, PF_REQ_DIR);
	p->invoke = invoke;
	p->ts = now;
	return p;
}

/* ---- framing --------------------------------------------------------------------- */

/* Is what follows a plausible NPDU (and APDU)? For the probe only. */
static bool npdu_plausible(struct cursor *c)
{
	uint8_t ver = cur_u8(c), ctl = cur_u8(c);
	if (!cur_ok(c) || ver != 1 || (ctl & 0x50))
		return false;
	if (ctl & 0x20) {
		cur_skip(c, 2);
		cur_skip(c, cur_u8(c));
	}
	if (ctl & 0x08) {
		cur_skip(c, 2);
		uint8_t slen = cur_u8(c);
		if (slen == 0)
			return false;
		cur_skip(c, slen);
	}
	if (ctl & 0x20)
		cur_skip(c, 1);
	uint8_t b = cur_u8(c); /* message type, or the APDU's first byte */
	if (!cur_ok(c))
		return false;
	if (ctl & 0x80)
		return b < 0x14 || b >= 0x80;
	return (b >> 4) <= BACNET_PDU_ABORT && cur_left(c) >= 1;
}

static int b_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	(void)dir;
	struct cursor c = cur_make(buf, len);
	if (len < 1)
		return APP_PROBE_MORE;
	if (cur_u8(&c) != BVLC_TYPE_BIP)
		return APP_PROBE_NO;
	if (len < 4)
		return APP_PROBE_MORE;
	uint8_t fn = cur_u8(&c);
	uint16_t blen = cur_be16(&c);
	size_t body = len - 4;
	/* a datagram is one BVLL message: the messages without an NPDU must
	 * have their exact length; an NPDU must look like one (the length is
	 * checked by pdu_len, with an event) */
	switch (fn) {
	case 0x00:
		return blen == len && body == 2 && bvlc_result_name(cur_be16(&c)) ? APP_PROBE_YES
										  : APP_PROBE_NO;
	case 0x01: case 0x03: case 0x07:
		return blen == len && body % 10 == 0 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x02: case 0x06: return blen == len && body == 0 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x05: return blen == len && body == 2 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x08: return blen == len && body == 6 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x04:
		cur_skip(&c, 6);
		return npdu_plausible(&c) ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x09: case 0x0a: case 0x0b:
		return npdu_plausible(&c) ? APP_PROBE_YES : APP_PROBE_NO;
	default:
		return APP_PROBE_NO; /* Secure-BVLL and undefined functions say too little */
	}
}

/* BACnet/IP runs over UDP only: a datagram is one PDU. A BVLC length that
 * is not the datagram's is an event, and the datagram is parsed as far as it
 * goes, as a receiver that trusts the UDP length (and tshark) would. */
static int b_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	struct cursor c = cur_make(b, len);
	if (len < 1)
		return APP_FRAME_MORE;
	if (cur_u8(&c) != BVLC_TYPE_BIP) {
		ev(ctx, BACNET_EV_INVALID_BVLC_TYPE);
		return APP_FRAME_BAD;
	}
	if (len < 4)
		return APP_FRAME_MORE;
	cur_skip(&c, 1);
	uint16_t blen = cur_be16(&c);
	if (blen != len)
		ev(ctx, BACNET_EV_INVALID_BVLC_LENGTH);
	*pdu_len = len;
	return APP_FRAME_OK;
}

/* ---- tags (clause 20.2.1) ---------------------------------------------------------- */

enum { T_PRIM, T_OPEN, T_CLOSE };

struct tag {
	uint8_t num;
	uint8_t kind;         /* T_PRIM, T_OPEN, T_CLOSE */
	bool ctx;             /* context-specific class */
	bool bval;            /* application boolean: its value (in the LVT) */
	uint32_t len;         /* content bytes */
	const uint8_t *val;   /* the content */
};

/* Reads one tag and takes its content. False (the cursor failed) on a tag
 * that does not decode or whose length goes past the data. */
static bool tag_read(struct cursor *c, struct tag *t)
{
	memset(t, 0, sizeof(*t));
	uint8_t b = cur_u8(c);
	t->num = b >> 4;
	t->ctx = (b & 0x08) != 0;
	uint8_t lvt = b & 0x07;
	if (t->num == 15) {
		t->num = cur_u8(c);
		if (t->num == 255) /* reserved */
			cur_fail(c);
	}
	if (!cur_ok(c))
		return false;
	if (lvt >= 6) {
		if (!t->ctx) { /* opening/closing tags are context tags */
			cur_fail(c);
			return false;
		}
		t->kind = lvt == 6 ? T_OPEN : T_CLOSE;
		return true;
	}
	if (!t->ctx && t->num == 1) { /* application BOOLEAN: the value is the LVT */
		if (lvt > 1) {
			cur_fail(c);
			return false;
		}
		t->bval = lvt;
		return true;
	}
	uint32_t len = lvt;
	if (lvt == 5) {
		uint8_t e = cur_u8(c);
		len = e == 254 ? cur_be16(c) : e == 255 ? cur_be32(c) : e;
	}
	t->len = len;
	t->val = cur_ptr(c, len);
	return cur_ok(c);
}

/* An unsigned of 1-8 content bytes. */
static bool tag_uint(const struct tag *t, uint64_t *v)
{
	if (t->len < 1 || t->len > 8)
		return false;
	struct cursor c = cur_make(t->val, t->len);
	uint64_t x = 0;
	for (uint32_t i = 0; i < t->len; i++)
		x = x << 8 | cur_u8(&c);
	*v = x;
	return true;
}

/* A two's complement integer of 1-8 content bytes. */
static bool tag_int(const struct tag *t, int64_t *v)
{
	uint64_t u;
	if (!tag_uint(t, &u))
		return false;
	if (t->len < 8 && (u >> (8 * t->len - 1)) & 1)
		u |= ~0ull << (8 * t->len);
	*v = (int64_t)u;
	return true;
}

/* A decoder of service parameters over the rest of an APDU. */
struct dec {
	struct cursor c;
	struct app_ctx *ctx;
	struct bacnet_tx *tx;
	bool partial;   /* a first segment: the data may stop anywhere; no events */
	bool failed;    /* an error was found (and reported once) */
	struct bacnet_ref scratch; /* refs past BACNET_MAX_REFS are decoded here */
};

static bool dec_fail(struct dec *d, uint16_t e)
{
	if (!d->failed && !d->partial)
		ev(d->ctx, e);
	d->failed = true;
	cur_fail(&d->c);
	return false;
}

static bool dec_end(const struct dec *d)
{
	return cur_left(&d->c) == 0;
}

/* Is the next tag context tag n of this kind? Consumes nothing. */
static bool dec_next(const struct dec *d, uint8_t n, uint8_t kind)
{
	struct cursor c = d->c;
	struct tag t;
	return tag_read(&c, &t) && t.ctx && t.num == n && t.kind == kind;
}

/* Is the next tag application tag n? Consumes nothing. */
static bool dec_next_app(const struct dec *d, uint8_t n)
{
	struct cursor c = d->c;
	struct tag t;
	return tag_read(&c, &t) && !t.ctx && t.num == n;
}

/* Reads the next tag, which must be context tag n of this kind. */
static bool dec_ctx(struct dec *d, uint8_t n, uint8_t kind, struct tag *t)
{
	if (!tag_read(&d->c, t) || !t->ctx || t->num != n || t->kind != kind)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	return true;
}

/* Reads the next tag, which must be application tag n. */
static bool dec_app(struct dec *d, uint8_t n, struct tag *t)
{
	if (!tag_read(&d->c, t) || t->ctx || t->num != n)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	return true;
}

static bool ctx_uint(struct dec *d, uint8_t n, uint64_t *v)
{
	struct tag t;
	if (!dec_ctx(d, n, T_PRIM, &t))
		return false;
	return tag_uint(&t, v) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
}

/* [n] Unsigned or ENUMERATED when present; *has says whether it was. */
static bool opt_ctx_uint(struct dec *d, uint8_t n, uint64_t *v, bool *has)
{
	*has = dec_next(d, n, T_PRIM);
	return !*has || ctx_uint(d, n, v);
}

static bool ctx_int(struct dec *d, uint8_t n, int64_t *v)
{
	struct tag t;
	if (!dec_ctx(d, n, T_PRIM, &t))
		return false;
	return tag_int(&t, v) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
}

/* application Unsigned (2), ENUMERATED (9) */
static bool app_uint(struct dec *d, uint8_t n, uint64_t *v)
{
	struct tag t;
	if (!dec_app(d, n, &t))
		return false;
	return tag_uint(&t, v) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
}

static bool app_int(struct dec *d, int64_t *v)
{
	struct tag t;
	if (!dec_app(d, 3, &t))
		return false;
	return tag_int(&t, v) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
}

/* A BACnetObjectIdentifier (4 bytes: type:10 instance:22) into r. */
static bool objid(struct dec *d, const struct tag *t, struct bacnet_ref *r)
{
	if (t->len != 4)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	struct cursor c = cur_make(t->val, 4);
	uint32_t v = cur_be32(&c);
	r->object_type = (uint16_t)(v >> 22);
	r->instance = v & 0x3fffff;
	return true;
}

static bool ctx_objid(struct dec *d, uint8_t n, struct bacnet_ref *r)
{
	struct tag t;
	return dec_ctx(d, n, T_PRIM, &t) && objid(d, &t, r);
}

static bool app_objid(struct dec *d, struct bacnet_ref *r)
{
	struct tag t;
	return dec_app(d, 12, &t) && objid(d, &t, r);
}

/* Consumes the rest of a constructed datum whose opening tag n was read at
 * nesting depth depth, up to and including its closing tag. Iterative,
 * bounded by MAX_DEPTH. */
static bool skip_constructed(struct dec *d, uint8_t n, unsigned depth)
{
	uint8_t open[MAX_DEPTH];
	unsigned sp = 0;
	if (depth >= MAX_DEPTH)
		return dec_fail(d, BACNET_EV_NESTING_TOO_DEEP);
	open[sp++] = n;
	while (sp) {
		struct tag t;
		if (!tag_read(&d->c, &t))
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		if (t.kind == T_OPEN) {
			if (depth + sp >= MAX_DEPTH)
				return dec_fail(d, BACNET_EV_NESTING_TOO_DEEP);
			open[sp++] = t.num;
		} else if (t.kind == T_CLOSE) {
			if (t.num != open[sp - 1])
				return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
			sp--;
		}
	}
	return true;
}

/* The datum of an application tag into v. */
static bool app_datum(struct dec *d, const struct tag *t, struct bacnet_value *v)
{
	struct cursor c = cur_make(t->val, t->len);
	if (t->num > 12) /* 13-15 reserved */
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	v->tag = t->num;
	switch (t->num) {
	case 0: return t->len == 0 || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	case 1: v->u = t->bval; return true;
	case 2: case 9: return tag_uint(t, &v->u) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	case 3: return tag_int(t, &v->i) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	case 4:
		if (t->len != 4)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		v->d = cur_be_float(&c);
		return true;
	case 5:
		if (t->len != 8)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		v->d = cur_be_double(&c);
		return true;
	case 6:
		v->data = t->val;
		v->len = t->len;
		return true;
	case 7: /* character set, [code page:2 for DBCS], characters */
		v->charset = cur_u8(&c);
		if (v->charset == 1)
			cur_skip(&c, 2);
		v->len = (uint32_t)cur_left(&c);
		v->data = cur_ptr(&c, v->len);
		return cur_ok(&c) || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	case 8: /* unused bits in the last byte, bits */
		v->unused_bits = cur_u8(&c);
		v->len = (uint32_t)cur_left(&c);
		v->data = cur_ptr(&c, v->len);
		if (!cur_ok(&c) || v->unused_bits > 7 || (v->len == 0 && v->unused_bits))
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		return true;
	case 10: case 11:
		if (t->len != 4)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		v->data = t->val;
		v->len = 4;
		return true;
	case 12:
		if (t->len != 4)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		v->u = cur_be32(&c);
		return true;
	default:
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	}
}

/* A property value: opening tag [n], data, closing tag [n]. The first
 * datum is kept (decoded when it is an application datum), the others
 * counted and checked. */
static bool prop_value(struct dec *d, uint8_t n, struct bacnet_value *v)
{
	struct tag t;
	if (!dec_ctx(d, n, T_OPEN, &t))
		return false;
	v->present = true;
	for (;;) {
		if (!tag_read(&d->c, &t))
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		if (t.kind == T_CLOSE)
			return t.num == n || dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		bool first = v->count == 0;
		if (v->count < UINT16_MAX)
			v->count++;
		if (t.kind == T_OPEN) {
			v->constructed |= first;
			if (!skip_constructed(d, t.num, 2))
				return false;
		} else if (first && t.ctx) {
			v->constructed = true;
		} else if (first) {
			if (!app_datum(d, &t, v))
				return false;
		} else if (!t.ctx && t.num > 12) {
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		}
	}
}

/* The next ref to fill: one of the tx's, or scratch when they are all used
 * (counted either way). Zeroed. */
static struct bacnet_ref *new_ref(struct dec *d)
{
	struct bacnet_tx *tx = d->tx;
	struct bacnet_ref *r = tx->n_refs < BACNET_MAX_REFS ? &tx->refs[tx->n_refs++] : &d->scratch;
	if (tx->n_refs_total < UINT16_MAX)
		tx->n_refs_total++;
	memset(r, 0, sizeof(*r));
	return r;
}

static bool priority(struct dec *d, uint8_t n, struct bacnet_ref *r)
{
	uint64_t p;
	bool has;
	if (!opt_ctx_uint(d, n, &p, &has))
		return false;
	if (!has)
		return true;
	r->has_priority = true;
	r->priority = p > 255 ? 255 : (uint8_t)p;
	if (p < 1 || p > 16)
		ev(d->ctx, BACNET_EV_INVALID_PRIORITY);
	return true;
}

static bool property(struct dec *d, uint8_t n, struct bacnet_ref *r)
{
	uint64_t v;
	if (!ctx_uint(d, n, &v))
		return false;
	if (v > 4194303) /* 22 bits */
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	r->has_property = true;
	r->property = (uint32_t)v;
	return true;
}

static bool array_index(struct dec *d, uint8_t n, struct bacnet_ref *r)
{
	uint64_t v;
	bool has;
	if (!opt_ctx_uint(d, n, &v, &has))
		return false;
	r->has_index = has;
	r->index = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return true;
}

/* A list of BACnetPropertyValue up to closing tag [close] (WritePropertyMultiple,
 * CreateObject, COV notifications): [0] property, [1] index, [2] value,
 * [3] priority. */
static bool prop_values(struct dec *d, uint8_t close, const struct bacnet_ref *obj)
{
	struct tag t;
	while (!dec_next(d, close, T_CLOSE)) {
		if (dec_end(d))
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		struct bacnet_ref *r = new_ref(d);
		r->object_type = obj->object_type;
		r->instance = obj->instance;
		if (!property(d, 0, r) || !array_index(d, 1, r) || !prop_value(d, 2, &r->value) ||
		    !priority(d, 3, r))
			return false;
	}
	return dec_ctx(d, close, T_CLOSE, &t);
}

/* An Error (error class, error code: application ENUMERATED) into cls/code,
 * which are left alone unless both decode. */
static bool error_pair(struct dec *d, uint32_t *cls, uint32_t *code)
{
	uint64_t a, b;
	if (!app_uint(d, 9, &a) || !app_uint(d, 9, &b))
		return false;
	*cls = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
	*code = b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
	return true;
}

/* A CharacterString of the tx's own (object names). */
static bool name_string(struct dec *d, const struct tag *t)
{
	struct bacnet_value v = { 0 };
	if (!app_datum(d, t, &v))
		return false;
	d->tx->name = v.data;
	d->tx->name_len = v.len;
	d->tx->name_charset = v.charset;
	return true;
}

/* Skips an optional password ([n] CharacterString), noting only that it was there. */
static bool password(struct dec *d, uint8_t n)
{
	struct tag t;
	if (!dec_next(d, n, T_PRIM))
		return true;
	d->tx->password_present = true;
	return dec_ctx(d, n, T_PRIM, &t);
}

static bool limits(struct dec *d)
{
	struct bacnet_tx *tx = d->tx;
	uint64_t lo = 0, hi = 0;
	if (!opt_ctx_uint(d, 0, &lo, &tx->has_low) || !opt_ctx_uint(d, 1, &hi, &tx->has_high))
		return false;
	/* both or neither, each within 0-4194303 */
	if (tx->has_low != tx->has_high || lo > 4194303 || hi > 4194303)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	tx->low = (uint32_t)lo;
	tx->high = (uint32_t)hi;
	return true;
}

/* ---- services (clause 21) ------------------------------------------------------------ */

static bool s_who_is(struct dec *d)
{
	return dec_end(d) || limits(d);
}

static bool s_i_am(struct dec *d)
{
	struct bacnet_tx *tx = d->tx;
	struct bacnet_ref *r = new_ref(d);
	uint64_t apdu, seg, vendor;
	if (!app_objid(d, r) || !app_uint(d, 2, &apdu) || !app_uint(d, 9, &seg) ||
	    !app_uint(d, 2, &vendor))
		return false;
	if (r->object_type != OBJ_DEVICE || apdu > UINT32_MAX || seg > 3 || vendor > UINT16_MAX)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	tx->max_apdu = (uint32_t)apdu;
	tx->segmentation = (uint8_t)seg;
	tx->vendor_id = (uint16_t)vendor;
	return true;
}

static bool s_who_has(struct dec *d)
{
	struct tag t;
	if (!limits(d))
		return false;
	if (dec_next(d, 2, T_PRIM))
		return ctx_objid(d, 2, new_ref(d));
	if (!dec_ctx(d, 3, T_PRIM, &t))
		return false;
	t.num = 7; /* a CharacterString under context tag 3 */
	return name_string(d, &t);
}

static bool s_i_have(struct dec *d)
{
	struct tag t;
	return app_objid(d, new_ref(d)) && app_objid(d, new_ref(d)) && dec_app(d, 7, &t) &&
	       name_string(d, &t);
}

/* ReadProperty request and ACK, WriteProperty */
static bool s_property(struct dec *d, bool value, bool prio)
{
	struct bacnet_ref *r = new_ref(d);
	if (!ctx_objid(d, 0, r) || !property(d, 1, r) || !array_index(d, 2, r))
		return false;
	if (value && !prop_value(d, 3, &r->value))
		return false;
	return !prio || priority(d, 4, r);
}

static bool s_rpm(struct dec *d)
{
	struct tag t;
	do {
		struct bacnet_ref obj = { 0 };
		if (!ctx_objid(d, 0, &obj) || !dec_ctx(d, 1, T_OPEN, &t))
			return false;
		unsigned n = 0;
		while (!dec_next(d, 1, T_CLOSE)) {
			if (dec_end(d))
				return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
			struct bacnet_ref *r = new_ref(d);
			r->object_type = obj.object_type;
			r->instance = obj.instance;
			if (!property(d, 0, r) || !array_index(d, 1, r))
				return false;
			n++;
		}
		if (!dec_ctx(d, 1, T_CLOSE, &t))
			return false;
		if (n == 0) /* no property references: a malformed specification */
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	} while (!dec_end(d));
	return true;
}

static bool s_rpm_ack(struct dec *d)
{
	struct tag t;
	do {
		struct bacnet_ref obj = { 0 };
		if (!ctx_objid(d, 0, &obj))
			return false;
		if (!dec_next(d, 1, T_OPEN)) { /* no results listed */
			struct bacnet_ref *r = new_ref(d);
			r->object_type = obj.object_type;
			r->instance = obj.instance;
			continue;
		}
		if (!dec_ctx(d, 1, T_OPEN, &t))
			return false;
		while (!dec_next(d, 1, T_CLOSE)) {
			if (dec_end(d))
				return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
			struct bacnet_ref *r = new_ref(d);
			r->object_type = obj.object_type;
			r->instance = obj.instance;
			if (!property(d, 2, r) || !array_index(d, 3, r))
				return false;
			if (dec_next(d, 5, T_OPEN)) {
				r->has_error = true;
				if (!dec_ctx(d, 5, T_OPEN, &t) ||
				    !error_pair(d, &r->error_class, &r->error_code) ||
				    !dec_ctx(d, 5, T_CLOSE, &t))
					return false;
			} else if (!prop_value(d, 4, &r->value)) {
				return false;
			}
		}
		if (!dec_ctx(d, 1, T_CLOSE, &t))
			return false;
	} while (!dec_end(d));
	return true;
}

static bool s_wpm(struct dec *d)
{
	struct tag t;
	do {
		struct bacnet_ref obj = { 0 };
		if (!ctx_objid(d, 0, &obj) || !dec_ctx(d, 1, T_OPEN, &t))
			return false;
		uint16_t before = d->tx->n_refs_total;
		if (!prop_values(d, 1, &obj))
			return false;
		if (d->tx->n_refs_total == before)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	} while (!dec_end(d));
	return true;
}

/* Confirmed and unconfirmed COVNotification */
static bool s_cov_notification(struct dec *d)
{
	struct tag t;
	uint64_t pid, remaining;
	if (!ctx_uint(d, 0, &pid))
		return false;
	struct bacnet_ref *dev = new_ref(d);
	if (!ctx_objid(d, 1, dev))
		return false;
	struct bacnet_ref obj = { 0 };
	if (!ctx_objid(d, 2, &obj) || !ctx_uint(d, 3, &remaining) || !dec_ctx(d, 4, T_OPEN, &t))
		return false;
	return prop_values(d, 4, &obj);
}

static bool s_reinitialize(struct dec *d)
{
	uint64_t st;
	if (!ctx_uint(d, 0, &st))
		return false;
	d->tx->has_state = true;
	d->tx->state = st > 255 ? 255 : (uint8_t)st;
	return password(d, 1);
}

static bool s_dcc(struct dec *d)
{
	struct bacnet_tx *tx = d->tx;
	uint64_t dur = 0, en;
	if (!opt_ctx_uint(d, 0, &dur, &tx->has_duration) || !ctx_uint(d, 1, &en))
		return false;
	if (dur > UINT16_MAX || en > 2)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	tx->duration = (uint32_t)dur;
	tx->has_enable = true;
	tx->enable = (uint8_t)en;
	return password(d, 2);
}

/* The access method of AtomicRead/WriteFile and its ACK: [0] stream or
 * [1] record access, opening tag not yet read. */
static bool file_access(struct dec *d, bool write, bool ack)
{
	struct bacnet_tx *tx = d->tx;
	struct tag t;
	uint64_t n = 0;
	tx->has_file = true;
	tx->file_record = dec_next(d, 1, T_OPEN);
	uint8_t tn = tx->file_record ? 1 : 0;
	if (!dec_ctx(d, tn, T_OPEN, &t) || !app_int(d, &tx->file_start))
		return false;
	if (!tx->file_record && (write || ack)) { /* stream: the data */
		if (!dec_app(d, 6, &t))
			return false;
		tx->file_count = t.len;
	} else if (!app_uint(d, 2, &n)) { /* requested, record or returned count */
		return false;
	} else {
		tx->file_count = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		/* records: as many octet strings as the count says */
		if (tx->file_record && (write || ack)) {
			uint64_t k = 0;
			while (dec_next_app(d, 6)) {
				if (!dec_app(d, 6, &t))
					return false;
				k++;
			}
			if (k != n)
				return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		}
	}
	return dec_ctx(d, tn, T_CLOSE, &t);
}

static bool s_atomic_read_file(struct dec *d, bool ack)
{
	struct tag t;
	if (ack) {
		d->tx->has_eof = true;
		if (!dec_app(d, 1, &t))
			return false;
		d->tx->eof = t.bval;
		return file_access(d, false, true);
	}
	return app_objid(d, new_ref(d)) && file_access(d, false, false);
}

static bool s_atomic_write_file(struct dec *d, bool ack)
{
	struct bacnet_tx *tx = d->tx;
	if (ack) { /* [0] fileStartPosition or [1] fileStartRecord */
		tx->has_file = true;
		tx->file_record = dec_next(d, 1, T_PRIM);
		return ctx_int(d, tx->file_record ? 1 : 0, &tx->file_start);
	}
	return app_objid(d, new_ref(d)) && file_access(d, true, false);
}

static bool s_create_object(struct dec *d)
{
	struct tag t;
	struct bacnet_ref *r = new_ref(d);
	if (!dec_ctx(d, 0, T_OPEN, &t))
		return false;
	if (dec_next(d, 0, T_PRIM)) {
		uint64_t type;
		if (!ctx_uint(d, 0, &type))
			return false;
		if (type > 1023)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		r->object_type = (uint16_t)type;
		r->instance = BACNET_NO_INSTANCE;
		d->tx->has_create_type = true;
	} else if (!ctx_objid(d, 1, r)) {
		return false;
	}
	if (!dec_ctx(d, 0, T_CLOSE, &t))
		return false;
	if (dec_end(d))
		return true;
	struct bacnet_ref obj = *r;
	uint16_t before = d->tx->n_refs_total;
	if (!dec_ctx(d, 1, T_OPEN, &t) || !prop_values(d, 1, &obj))
		return false;
	d->tx->n_initial_values = (uint16_t)(d->tx->n_refs_total - before);
	return true;
}

static bool s_time_sync(struct dec *d)
{
	struct tag t;
	if (!dec_app(d, 10, &t) || t.len != 4)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	d->tx->date = t.val;
	if (!dec_app(d, 11, &t) || t.len != 4)
		return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	d->tx->time = t.val;
	return true;
}

/* The Error of an Error PDU: error class and code, or for the services
 * whose error is a sequence, [0] Error followed by more (not decoded). */
static bool s_error(struct dec *d)
{
	struct bacnet_tx *tx = d->tx;
	struct tag t;
	if (!dec_next(d, 0, T_OPEN))
		return (tx->has_error = error_pair(d, &tx->error_class, &tx->error_code));
	if (!dec_ctx(d, 0, T_OPEN, &t) || !error_pair(d, &tx->error_class, &tx->error_code))
		return false;
	tx->has_error = true;
	if (!dec_ctx(d, 0, T_CLOSE, &t))
		return false;
	while (!dec_end(d)) { /* the rest: tagged data, checked and skipped */
		if (!tag_read(&d->c, &t))
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
		if (t.kind == T_OPEN && !skip_constructed(d, t.num, 1))
			return false;
		if (t.kind == T_CLOSE)
			return dec_fail(d, BACNET_EV_MALFORMED_SERVICE);
	}
	return true;
}

/* Decodes the parameters of the service of tx (request or ACK) from c, when
 * it is one of the services decoded; the others are left alone. */
static void decode_params(struct app_ctx *ctx, struct bacnet_tx *tx, struct cursor *c,
			  bool partial)
{
	struct dec d = { .c = *c, .ctx = ctx, .tx = tx, .partial = partial };
	bool ok;
	int s = tx->service;
	switch (tx->pdu_type) {
	case BACNET_PDU_UNCONFIRMED_REQUEST:
		switch (s) {
		case SU_WHO_IS: ok = s_who_is(&d); break;
		case SU_I_AM: ok = s_i_am(&d); break;
		case SU_WHO_HAS: ok = s_who_has(&d); break;
		case SU_I_HAVE: ok = s_i_have(&d); break;
		case SU_UNCONFIRMED_COV_NOTIFICATION: ok = s_cov_notification(&d); break;
		case SU_TIME_SYNCHRONIZATION:
		case SU_UTC_TIME_SYNCHRONIZATION: ok = s_time_sync(&d); break;
		default: return;
		}
		break;
	case BACNET_PDU_CONFIRMED_REQUEST:
		switch (s) {
		case SC_READ_PROPERTY: ok = s_property(&d, false, false); break;
		case SC_WRITE_PROPERTY: ok = s_property(&d, true, true); break;
		case SC_READ_PROPERTY_MULTIPLE: ok = s_rpm(&d); break;
		case SC_WRITE_PROPERTY_MULTIPLE: ok = s_wpm(&d); break;
		case SC_CONFIRMED_COV_NOTIFICATION: ok = s_cov_notification(&d); break;
		case SC_REINITIALIZE_DEVICE: ok = s_reinitialize(&d); break;
		case SC_DEVICE_COMMUNICATION_CONTROL: ok = s_dcc(&d); break;
		case SC_ATOMIC_READ_FILE: ok = s_atomic_read_file(&d, false); break;
		case SC_ATOMIC_WRITE_FILE: ok = s_atomic_write_file(&d, false); break;
		case SC_CREATE_OBJECT: ok = s_create_object(&d); break;
		case SC_DELETE_OBJECT: ok = app_objid(&d, new_ref(&d)); break;
		default: return;
		}
		break;
	case BACNET_PDU_COMPLEX_ACK:
		switch (s) {
		case SC_READ_PROPERTY: ok = s_property(&d, true, false); break;
		case SC_READ_PROPERTY_MULTIPLE: ok = s_rpm_ack(&d); break;
		case SC_ATOMIC_READ_FILE: ok = s_atomic_read_file(&d, true); break;
		case SC_ATOMIC_WRITE_FILE: ok = s_atomic_write_file(&d, true); break;
		case SC_CREATE_OBJECT: ok = app_objid(&d, new_ref(&d)); break;
		default: return;
		}
		break;
	case BACNET_PDU_ERROR:
		ok = s_error(&d);
		break;
	default:
		return;
	}
	if (ok && !dec_end(&d))
		dec_fail(&d, BACNET_EV_MALFORMED_SERVICE); /* trailing bytes */
}

/* ---- transactions and segments (clause 5.4) ------------------------------------------ */

static uint8_t pend_req_dir(const struct pending *p)
{
	return (p->flags & PF_REQ_DIR) ? APP_TOCLIENT : APP_TOSERVER;
}

static uint8_t pend_seg_dir(const struct pending *p)
{
	return (p->flags & PF_SEG_DIR) ? APP_TOCLIENT : APP_TOSERVER;
}

/* Follows one segment of a segmented request or ComplexACK sent in
 * direction dir, for the transaction of p. */
static void segment(struct app_ctx *ctx, struct pending *p, uint8_t dir, const struct bacnet_tx *tx)
{
	bool ours = (p->flags & PF_SEG) && pend_seg_dir(p) == dir;
	if (!ours) {
		/* a new transfer; one that does not start at 0 lacks its beginning */
		if (tx->seq != 0)
			ev(ctx, BACNET_EV_SEGMENT_OUT_OF_ORDER);
		p->flags = (uint8_t)((p->flags & ~(PF_SEG_DIR | PF_SEG_DONE)) | PF_SEG |
				     dir_flag(dir, PF_SEG_DIR));
		p->next_seq = (uint8_t)(tx->seq + 1);
		p->n_segs = (uint16_t)(tx->seq + 1);
		p->unacked = 1;
		p->window = tx->window;
	} else {
		/* sequence numbers count modulo 256; a window is at most 127 */
		uint8_t ahead = (uint8_t)(tx->seq - p->next_seq);
		if (ahead >= 128) { /* behind the next expected: received already */
			ev(ctx, BACNET_EV_SEGMENT_DUPLICATE);
			return;
		}
		if (ahead) /* segments in between are missing */
			ev(ctx, BACNET_EV_SEGMENT_OUT_OF_ORDER);
		p->next_seq = (uint8_t)(tx->seq + 1);
		unsigned n = p->n_segs + ahead + 1u, u = p->unacked + ahead + 1u;
		p->n_segs = (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n);
		p->unacked = (uint8_t)(u > UINT8_MAX ? UINT8_MAX : u);
	}
	/* a ComplexACK goes to the requester: its max-segments-accepted applies
	 * (0 unspecified and 7 more-than-64 set no bound to check) */
	bool response = dir != pend_req_dir(p);
	uint8_t maxs = max_segs[p->max_segs & 7];
	bool over = p->window >= 1 && p->window <= 127 && p->unacked > p->window;
	if (response && maxs >= 2 && maxs <= 64 && p->n_segs > maxs)
		over = true;
	if (over)
		ev(ctx, BACNET_EV_SEGMENT_OVERFLOW);
	if (!tx->more)
		p->flags = (uint8_t)((p->flags & ~PF_SEG) | PF_SEG_DONE);
}

/* A confirmed request sent in direction dir. A later segment, or a repeat
 * of the first, of a transfer in progress keeps its entry; anything else
 * starts a transaction (a retry replaces the earlier one). */
static void on_request(struct bn_state *s, struct app_ctx *ctx, uint8_t dir, struct bacnet_tx *tx)
{
	uint32_t now = now_s(ctx);
	struct pending *p = pend_find(s, now, dir, tx->invoke_id);
	bool keep = p && tx->seg &&
		    (tx->seq != 0 || ((p->flags & PF_SEG) && pend_seg_dir(p) == dir));
	if (!keep)
		p = pend_new(s, ctx, now, dir, tx->invoke_id);
	p->ts = now;
	p->service = (uint8_t)tx->service;
	p->max_segs = tx->max_segs_code;
	if (tx->sa)
		p->flags |= PF_SA;
	if (tx->seg)
		segment(ctx, p, dir, tx);
}

/* A PDU of the responder (ACK, Error, Reject, server Abort) in direction
 * dir answering a request of the other side: records what was seen in tx.
 * final: the transaction ends with it. */
static struct pending *on_answer(struct bn_state *s, struct app_ctx *ctx, uint8_t req_dir,
				 struct bacnet_tx *tx, bool final)
{
	struct pending *p = pend_find(s, now_s(ctx), req_dir, tx->invoke_id);
	if (p && tx->service >= 0 && tx->service != p->service)
		p = NULL; /* the same invoke id, another transaction */
	tx->request_seen = p != NULL;
	if (!p) {
		ev(ctx, BACNET_EV_UNMATCHED_RESPONSE);
		return NULL;
	}
	if (tx->service < 0) {
		tx->service = p->service;
		tx->service_from_request = true;
	}
	p->ts = now_s(ctx);
	if (final)
		p->flags = 0;
	return p;
}

static void on_complex_ack(struct bn_state *s, struct app_ctx *ctx, uint8_t dir,
			   struct bacnet_tx *tx)
{
	uint8_t req_dir = (uint8_t)!dir;
	if (!tx->seg) {
		on_answer(s, ctx, req_dir, tx, true);
		return;
	}
	struct pending *p = on_answer(s, ctx, req_dir, tx, false);
	if (!p)
		return;
	if (tx->seq == 0 && !(p->flags & PF_SA))
		ev(ctx, BACNET_EV_SEGMENT_OVERFLOW); /* the requester accepts no segments */
	segment(ctx, p, dir, tx);
}

static void on_segment_ack(struct bn_state *s, struct app_ctx *ctx, uint8_t dir,
			   struct bacnet_tx *tx)
{
	/* SRV: sent by the server (acknowledging a segmented request) */
	uint8_t req_dir = tx->srv ? (uint8_t)!dir : dir;
	struct pending *p = pend_find(s, now_s(ctx), req_dir, tx->invoke_id);
	if (!p || !(p->flags & (PF_SEG | PF_SEG_DONE)) || pend_seg_dir(p) == dir) {
		tx->request_seen = 0;
		ev(ctx, BACNET_EV_UNMATCHED_RESPONSE);
		return;
	}
	tx->request_seen = 1;
	tx->service = p->service;
	tx->service_from_request = true;
	p->ts = now_s(ctx);
	p->unacked = 0;
	if (tx->window >= 1 && tx->window <= 127)
		p->window = tx->window;
	if (tx->nak) /* resend from the one after seq */
		p->next_seq = (uint8_t)(tx->seq + 1);
	if ((p->flags & PF_SEG_DONE) && (uint8_t)(tx->seq + 1) == p->next_seq) {
		/* the final SegmentACK: a ComplexACK transfer ends the transaction */
		bool response = pend_seg_dir(p) != pend_req_dir(p);
		p->flags = response ? 0 : (uint8_t)(p->flags & ~PF_SEG_DONE);
	}
}

/* ---- APDU (clause 20.1) ------------------------------------------------------------ */

static void parse_apdu(struct bn_state *s, struct app_ctx *ctx, uint8_t dir, struct cursor *c,
		       struct bacnet_tx *tx, bool broadcast)
{
	tx->has_apdu = true;
	size_t alen = cur_left(c);
	tx->apdu_len = alen > UINT16_MAX ? UINT16_MAX : (uint16_t)alen;
	if (alen == 0) {
		ev(ctx, BACNET_EV_MALFORMED_APDU);
		return;
	}
	if (alen > MAX_APDU_BIP)
		ev(ctx, BACNET_EV_APDU_TOO_LONG);
	uint8_t b0 = cur_u8(c);
	tx->pdu_type = b0 >> 4;
	bool reserved = false; /* reserved header bits set */
	switch (tx->pdu_type) {
	case BACNET_PDU_CONFIRMED_REQUEST: {
		tx->seg = b0 & 0x08;
		tx->more = b0 & 0x04;
		tx->sa = b0 & 0x02;
		reserved = b0 & 0x01;
		uint8_t b1 = cur_u8(c);
		reserved |= (b1 & 0x80) != 0;
		tx->max_segs_code = (b1 >> 4) & 7;
		tx->max_apdu_code = b1 & 0x0f;
		tx->invoke_id = cur_u8(c);
		tx->has_invoke = cur_ok(c);
		if (tx->seg) {
			tx->seq = cur_u8(c);
			tx->window = cur_u8(c);
			tx->has_seq = cur_ok(c);
		}
		break;
	}
	case BACNET_PDU_UNCONFIRMED_REQUEST:
		reserved = b0 & 0x0f;
		break;
	case BACNET_PDU_SIMPLE_ACK:
	case BACNET_PDU_ERROR:
		reserved = b0 & 0x0f;
		tx->invoke_id = cur_u8(c);
		tx->has_invoke = cur_ok(c);
		break;
	case BACNET_PDU_COMPLEX_ACK:
		tx->seg = b0 & 0x08;
		tx->more = b0 & 0x04;
		reserved = b0 & 0x03;
		tx->invoke_id = cur_u8(c);
		tx->has_invoke = cur_ok(c);
		if (tx->seg) {
			tx->seq = cur_u8(c);
			tx->window = cur_u8(c);
			tx->has_seq = cur_ok(c);
		}
		break;
	case BACNET_PDU_SEGMENT_ACK:
		tx->nak = b0 & 0x02;
		tx->srv = b0 & 0x01;
		reserved = b0 & 0x0c;
		tx->invoke_id = cur_u8(c);
		tx->has_invoke = cur_ok(c);
		tx->seq = cur_u8(c);
		tx->window = cur_u8(c);
		tx->has_seq = cur_ok(c);
		break;
	case BACNET_PDU_REJECT:
	case BACNET_PDU_ABORT:
		tx->srv = tx->pdu_type == BACNET_PDU_ABORT ? b0 & 0x01 : true;
		reserved = b0 & (tx->pdu_type == BACNET_PDU_ABORT ? 0x0e : 0x0f);
		tx->invoke_id = cur_u8(c);
		tx->has_invoke = cur_ok(c);
		tx->reason = cur_u8(c);
		tx->has_reason = cur_ok(c);
		break;
	default:
		ev(ctx, BACNET_EV_UNKNOWN_APDU_TYPE);
		return;
	}
	/* the service choice of the PDU types that carry one */
	if (tx->pdu_type <= BACNET_PDU_COMPLEX_ACK || tx->pdu_type == BACNET_PDU_ERROR) {
		uint8_t svc = cur_u8(c);
		if (cur_ok(c))
			tx->service = svc;
	}
	tx->apdu_complete = cur_ok(c);
	bool bad_window = tx->has_seq && (tx->window == 0 || tx->window > 127);
	if (!tx->apdu_complete || reserved || bad_window ||
	    (tx->pdu_type == BACNET_PDU_CONFIRMED_REQUEST && tx->max_apdu_code > 5)) {
		ev(ctx, BACNET_EV_MALFORMED_APDU);
		if (!tx->apdu_complete)
			return;
	}
	if (tx->service >= 0 && !service_known(tx->pdu_type, tx->service))
		ev(ctx, BACNET_EV_UNKNOWN_SERVICE);

	switch (tx->pdu_type) {
	case BACNET_PDU_CONFIRMED_REQUEST:
		if (broadcast)
			ev(ctx, BACNET_EV_CONFIRMED_BROADCAST);
		on_request(s, ctx, dir, tx);
		break;
	case BACNET_PDU_SIMPLE_ACK:
	case BACNET_PDU_ERROR:
	case BACNET_PDU_REJECT:
		on_answer(s, ctx, (uint8_t)!dir, tx, true);
		break;
	case BACNET_PDU_ABORT:
		on_answer(s, ctx, tx->srv ? (uint8_t)!dir : dir, tx, true);
		break;
	case BACNET_PDU_COMPLEX_ACK:
		on_complex_ack(s, ctx, dir, tx);
		break;
	case BACNET_PDU_SEGMENT_ACK:
		on_segment_ack(s, ctx, dir, tx);
		break;
	default:
		break;
	}
	/* service parameters: whole PDUs, and the start of a segmented one */
	if (tx->pdu_type == BACNET_PDU_SEGMENT_ACK || tx->pdu_type >= BACNET_PDU_REJECT)
		return;
	if (tx->seg && tx->seq != 0)
		return;
	if (!service_known(tx->pdu_type, tx->service) && tx->pdu_type != BACNET_PDU_ERROR)
		return;
	tx->params_partial = tx->seg;
	decode_params(ctx, tx, c, tx->seg);
}

/* ---- NPDU (clause 6) ---------------------------------------------------------------- */

/* The network layer message after the NPDU header (6.4): its DNETs are
 * logged (every stride bytes) for the router messages. */
static void parse_nl_message(struct app_ctx *ctx, struct cursor *c, struct bacnet_tx *tx)
{
	tx->nl_type = cur_u8(c);
	if (tx->nl_type >= 0x80) {
		tx->nl_vendor = cur_be16(c);
		tx->has_nl_vendor = cur_ok(c);
	}
	if (!cur_ok(c)) {
		ev(ctx, BACNET_EV_MALFORMED_NPDU);
		return;
	}
	size_t left = cur_left(c);
	bool bad = false;
	unsigned stride = 2, nets = 0;
	switch (tx->nl_type) {
	case 0x00: /* Who-Is-Router-To-Network: [DNET] */
		bad = left != 0 && left != 2;
		nets = (unsigned)left / 2;
		break;
	case 0x01: case 0x04: case 0x05: /* DNET, DNET, ... (I-Am-Router: one at least) */
		bad = left % 2 != 0 || (tx->nl_type == 0x01 && left == 0);
		nets = (unsigned)left / 2;
		break;
	case 0x02: case 0x08: /* DNET, performance index / termination time */
	case 0x13:            /* Network-Number-Is: network, flag */
		bad = left != 3;
		stride = 3;
		nets = 1;
		break;
	case 0x03: /* Reject-Message-To-Network: reason, DNET */
		tx->nl_reason = cur_u8(c);
		tx->has_nl_reason = cur_ok(c);
		left = cur_left(c);
		bad = !tx->has_nl_reason || left != 2;
		nets = 1;
		break;
	case 0x06: case 0x07: { /* Initialize-Routing-Table(-Ack): count, ports */
		uint8_t n = cur_u8(c);
		struct cursor e = *c;
		bool no_info = true;
		for (unsigned i = 0; i < n; i++) { /* DNET:2 port id:1 info length:1 info */
			cur_skip(&e, 3);
			uint8_t il = cur_u8(&e);
			no_info &= il == 0;
			cur_skip(&e, il);
		}
		left = cur_left(c);
		bad = !cur_ok(&e) || cur_left(&e) != 0;
		/* the DNETs are every 4 bytes when no port has info */
		stride = 4;
		nets = no_info ? n : 0;
		break;
	}
	case 0x09: /* Disconnect-Connection-To-Network: DNET */
		bad = left != 2;
		nets = 1;
		break;
	case 0x12: /* What-Is-Network-Number */
		bad = left != 0;
		break;
	default:
		if (tx->nl_type >= 0x14 && tx->nl_type < 0x80)
			ev(ctx, BACNET_EV_UNKNOWN_NETWORK_MESSAGE);
		return; /* security and proprietary messages: not decoded */
	}
	if (bad) {
		ev(ctx, BACNET_EV_MALFORMED_NPDU);
		return;
	}
	if (nets && left) {
		tx->n_nl_nets = (uint16_t)nets;
		tx->nl_net_stride = (uint16_t)stride;
		tx->nl_nets = cur_ptr(c, left);
	}
}

static void parse_npdu(struct bn_state *s, struct app_ctx *ctx, uint8_t dir, struct cursor *c,
		       struct bacnet_tx *tx, bool bvlc_broadcast)
{
	tx->has_npdu = true;
	tx->npdu_version = cur_u8(c);
	uint8_t ctl = cur_u8(c);
	tx->npdu_control = ctl;
	if (!cur_ok(c)) {
		ev(ctx, BACNET_EV_MALFORMED_NPDU);
		return;
	}
	if (tx->npdu_version != 1) {
		ev(ctx, BACNET_EV_INVALID_NPDU_VERSION);
		return;
	}
	bool bad = ctl & 0x50;
	if (ctl & 0x20) {
		tx->dnet = cur_be16(c);
		tx->dlen = cur_u8(c);
		tx->dadr = cur_ptr(c, tx->dlen);
		tx->has_dnet = cur_ok(c);
	}
	if (ctl & 0x08) {
		tx->snet = cur_be16(c);
		tx->slen = cur_u8(c);
		tx->sadr = cur_ptr(c, tx->slen);
		tx->has_snet = cur_ok(c);
		bad |= tx->slen == 0 || tx->snet == 0xffff;
	}
	if (ctl & 0x20)
		tx->hop_count = cur_u8(c);
	if (!cur_ok(c)) {
		tx->has_dnet = tx->has_snet = false;
		ev(ctx, BACNET_EV_MALFORMED_NPDU);
		return;
	}
	if (bad)
		ev(ctx, BACNET_EV_MALFORMED_NPDU);
	if (ctl & 0x80) {
		tx->is_network_message = true;
		parse_nl_message(ctx, c, tx);
		return;
	}
	bool broadcast = bvlc_broadcast || (tx->has_dnet && (tx->dnet == 0xffff || tx->dlen == 0));
	parse_apdu(s, ctx, dir, c, tx, broadcast);
}

/* ---- BVLC (Annex J) ---------------------------------------------------------------- */

static int b_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct bn_state *s = state;
	/* on the stack, only its fixed part zeroed (refs are zeroed as used) */
	struct bacnet_tx txs;
	struct bacnet_tx *tx = &txs;
	memset(tx, 0, offsetof(struct bacnet_tx, refs));
	tx->service = -1;
	tx->request_seen = -1;
	struct cursor c = cur_make(pdu, len);
	cur_skip(&c, 1);
	tx->bvlc_function = cur_u8(&c);
	tx->bvlc_length = cur_be16(&c);
	if (!cur_ok(&c)) /* pdu_len let it through: cannot happen */
		return -1;
	size_t body = cur_left(&c);
	bool bad = false;
	switch (tx->bvlc_function) {
	case 0x00:
		tx->result = cur_be16(&c);
		tx->has_result = body == 2;
		bad = body != 2 || !bvlc_result_name(tx->result);
		break;
	case 0x01: case 0x03: case 0x07: /* 10-byte table entries */
		bad = body % 10 != 0;
		if (!bad) {
			tx->n_table = (uint16_t)(body / 10);
			tx->table = body ? cur_ptr(&c, body) : NULL;
		}
		break;
	case 0x02: case 0x06:
		bad = body != 0;
		break;
	case 0x05:
		tx->ttl = cur_be16(&c);
		tx->has_ttl = body == 2;
		bad = body != 2;
		break;
	case 0x08:
		tx->has_address = cur_bytes(&c, tx->address, 6);
		bad = body != 6;
		break;
	case 0x04:
		tx->has_address = cur_bytes(&c, tx->address, 6);
		if (!tx->has_address) {
			bad = true;
			break;
		}
		parse_npdu(s, ctx, dir, &c, tx, true);
		break;
	case 0x09: case 0x0b:
		parse_npdu(s, ctx, dir, &c, tx, true);
		break;
	case 0x0a:
		parse_npdu(s, ctx, dir, &c, tx, false);
		break;
	case 0x0c: /* Secure-BVLL: opaque */
		break;
	default:
		ev(ctx, BACNET_EV_UNKNOWN_BVLC_FUNCTION);
		break;
	}
	if (bad)
		ev(ctx, BACNET_EV_MALFORMED_BVLC);
	uint8_t ty = tx->pdu_type;
	bool resp = ty == BACNET_PDU_SIMPLE_ACK || ty == BACNET_PDU_COMPLEX_ACK ||
		    ty == BACNET_PDU_ERROR || ty == BACNET_PDU_REJECT ||
		    ((ty == BACNET_PDU_ABORT || ty == BACNET_PDU_SEGMENT_ACK) && tx->srv);
	struct app_tx t = { &proto_bacnet, dir, tx->has_apdu && resp, tx };
	app_emit_tx(ctx, &t);
	return 0;
}

static void *b_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct bn_state));
}

static void b_free(void *s)
{
	free(s);
}

/* ---- EVE ---------------------------------------------------------------------------- */

/* A B/IP address (IPv4:4 port:2) as "a.b.c.d:port". */
static void log_bip(struct jb *jb, const char *key, const uint8_t *a)
{
	struct cursor c = cur_make(a, 6);
	uint8_t b0 = cur_u8(&c), b1 = cur_u8(&c), b2 = cur_u8(&c), b3 = cur_u8(&c);
	uint16_t port = cur_be16(&c);
	char s[32];
	snprintf(s, sizeof(s), "%u.%u.%u.%u:%u", b0, b1, b2, b3, port);
	jb_set_ascii(jb, key, s);
}

static void log_ipv4(struct jb *jb, const char *key, struct cursor *c)
{
	uint8_t b0 = cur_u8(c), b1 = cur_u8(c), b2 = cur_u8(c), b3 = cur_u8(c);
	char s[20];
	snprintf(s, sizeof(s), "%u.%u.%u.%u", b0, b1, b2, b3);
	jb_set_ascii(jb, key, s);
}

/* A name from a table next to its code, "unknown" when the table has none. */
static void log_named(struct jb *jb, const char *key, const char *name_key, uint64_t v,
		      const char *name)
{
	jb_set_uint(jb, key, v);
	jb_set_ascii(jb, name_key, name ? name : "unknown");
}

/* BACnet date (year-1900, month, day, weekday) and time (hour, minute,
 * second, hundredths): 255 is "unspecified", written as '*'. */
static void fmt_field(char *o, size_t n, unsigned v, unsigned add, const char *fmt)
{
	if (v == 255)
		snprintf(o, n, "*");
	else
		snprintf(o, n, fmt, v + add);
}

static void log_date(struct jb *jb, const char *key, const uint8_t *p)
{
	struct cursor c = cur_make(p, 4);
	uint8_t y = cur_u8(&c), m = cur_u8(&c), d = cur_u8(&c);
	char ys[8], ms[8], ds[8], s[32];
	fmt_field(ys, sizeof(ys), y, 1900, "%04u");
	fmt_field(ms, sizeof(ms), m, 0, "%02u");
	fmt_field(ds, sizeof(ds), d, 0, "%02u");
	snprintf(s, sizeof(s), "%s-%s-%s", ys, ms, ds);
	jb_set_ascii(jb, key, s);
}

static void log_time(struct jb *jb, const char *key, const uint8_t *p)
{
	struct cursor c = cur_make(p, 4);
	uint8_t h = cur_u8(&c), m = cur_u8(&c), sec = cur_u8(&c), hu = cur_u8(&c);
	char hs[8], mins[8], ss[8], hus[8], s[40];
	fmt_field(hs, sizeof(hs), h, 0, "%02u");
	fmt_field(mins, sizeof(mins), m, 0, "%02u");
	fmt_field(ss, sizeof(ss), sec, 0, "%02u");
	fmt_field(hus, sizeof(hus), hu, 0, "%02u");
	snprintf(s, sizeof(s), "%s:%s:%s.%s", hs, mins, ss, hus);
	jb_set_ascii(jb, key, s);
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		return put_utf8(o, 0xfffd);
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A CharacterString of charset cs: UTF-8 as it is (invalid bytes escaped by
 * jb), ISO 8859-1, UCS-2 and UCS-4 converted to UTF-8, at most MAX_STR_LOG
 * characters; other character sets in hex. */
static void log_string(struct jb *jb, const char *key, const char *hex_key, uint8_t cs,
		       const uint8_t *p, uint32_t len)
{
	struct cursor c = cur_make(p, len);
	char out[MAX_STR_LOG * 4];
	size_t n = 0;
	bool cut = false;
	switch (cs) {
	case 0: /* UTF-8 */
		cut = len > MAX_STR_LOG;
		jb_set_strn(jb, key, p, cut ? MAX_STR_LOG : len);
		break;
	case 5: /* ISO 8859-1 */
	case 4: /* UCS-2 */
	case 3: /* UCS-4 */ {
		unsigned w = cs == 5 ? 1 : cs == 4 ? 2 : 4;
		for (unsigned k = 0; cur_left(&c) >= w; k++) {
			if (k == MAX_STR_LOG) {
				cut = true;
				break;
			}
			uint32_t cp = w == 1 ? cur_u8(&c) : w == 2 ? cur_be16(&c) : cur_be32(&c);
			n += put_utf8(out + n, cp);
		}
		jb_set_strn(jb, key, out, n);
		break;
	}
	default:
		cut = len > MAX_STR_LOG;
		jb_set_hex(jb, hex_key, p, cut ? MAX_STR_LOG : len);
		break;
	}
	if (cut)
		jb_set_bool(jb, "value_truncated", true);
}

/* A property value, one member name per JSON type so that a SIEM's
 * mapping holds for every record (value_type says which datum it was):
 * value, a number (unsigned, signed, real, double, enumerated) or null
 * (NULL); value_bool; value_text (character string, bit string as 0s and
 * 1s, date, time); value_hex (octet string, or a character string in a
 * character set not converted); value_object (object identifier). */
static void log_value(struct jb *jb, const struct bacnet_value *v)
{
	if (!v->present)
		return;
	if (v->count != 1)
		jb_set_uint(jb, "value_count", v->count);
	if (v->count == 0)
		return;
	if (v->constructed) {
		jb_set_ascii(jb, "value_type", "constructed");
		return;
	}
	const char *tn = tname(app_tags, N_OF(app_tags), v->tag);
	jb_set_ascii(jb, "value_type", tn ? tn : "unknown");
	switch (v->tag) {
	case 0: jb_set_null(jb, "value"); break;
	case 1: jb_set_bool(jb, "value_bool", v->u != 0); break;
	case 2: case 9: jb_set_uint(jb, "value", v->u); break;
	case 3: jb_set_int(jb, "value", v->i); break;
	case 4: jb_set_float(jb, "value", (float)v->d); break;
	case 5: jb_set_double(jb, "value", v->d); break;
	case 6:
		jb_set_hex(jb, "value_hex", v->data, v->len > MAX_OCT_LOG ? MAX_OCT_LOG : v->len);
		if (v->len > MAX_OCT_LOG)
			jb_set_bool(jb, "value_truncated", true);
		break;
	case 7:
		log_named(jb, "charset", "charset_name", v->charset,
			  tname(charsets, N_OF(charsets), v->charset));
		log_string(jb, "value_text", "value_hex", v->charset, v->data, v->len);
		break;
	case 8: {
		char bits[MAX_BITS_LOG + 1];
		size_t nb = (size_t)v->len * 8 - v->unused_bits, k = 0;
		if (v->len == 0)
			nb = 0;
		struct cursor c = cur_make(v->data, v->len);
		uint8_t byte = 0;
		for (; k < nb && k < MAX_BITS_LOG; k++) {
			if (k % 8 == 0)
				byte = cur_u8(&c);
			bits[k] = (byte >> (7 - k % 8)) & 1 ? '1' : '0';
		}
		bits[k] = 0;
		jb_set_ascii(jb, "value_text", bits);
		if (nb > MAX_BITS_LOG)
			jb_set_bool(jb, "value_truncated", true);
		break;
	}
	case 10: log_date(jb, "value_text", v->data); break;
	case 11: log_time(jb, "value_text", v->data); break;
	case 12:
		jb_open_object(jb, "value_object");
		log_named(jb, "object_type", "object_type_name", v->u >> 22,
			  object_type_name((uint16_t)(v->u >> 22)));
		jb_set_uint(jb, "instance", v->u & 0x3fffff);
		jb_close(jb);
		break;
	default: break;
	}
}

static void log_ref(struct jb *jb, const struct bacnet_ref *r)
{
	jb_open_object(jb, NULL);
	log_named(jb, "object_type", "object_type_name", r->object_type,
		  object_type_name(r->object_type));
	if (r->instance != BACNET_NO_INSTANCE)
		jb_set_uint(jb, "instance", r->instance);
	if (r->has_property)
		log_named(jb, "property", "property_name", r->property, property_name(r->property));
	if (r->has_index)
		jb_set_uint(jb, "array_index", r->index);
	log_value(jb, &r->value);
	if (r->has_priority)
		jb_set_uint(jb, "priority", r->priority);
	if (r->has_error) {
		log_named(jb, "error_class", "error_class_name", r->error_class,
			  tname(error_classes, N_OF(error_classes), r->error_class));
		log_named(jb, "error_code", "error_code_name", r->error_code,
			  tname(error_codes, N_OF(error_codes), r->error_code));
	}
	jb_close(jb);
}

static void log_bvlc(const struct bacnet_tx *tx, struct jb *jb)
{
	jb_open_object(jb, "bvlc");
	log_named(jb, "function", "function_name", tx->bvlc_function,
		  tname(bvlc_functions, N_OF(bvlc_functions), tx->bvlc_function));
	jb_set_uint(jb, "length", tx->bvlc_length);
	if (tx->has_result)
		log_named(jb, "result", "result_name", tx->result, bvlc_result_name(tx->result));
	if (tx->has_ttl)
		jb_set_uint(jb, "ttl", tx->ttl);
	if (tx->has_address)
		log_bip(jb, tx->bvlc_function == 0x04 ? "original_source" : "address", tx->address);
	if (tx->n_table) {
		/* BDT: address, mask; FDT: address, ttl, seconds remaining */
		struct cursor c = cur_make(tx->table, (size_t)tx->n_table * 10);
		jb_open_array(jb, "entries");
		for (unsigned i = 0; i < tx->n_table && i < BACNET_MAX_LIST; i++) {
			const uint8_t *a = cur_ptr(&c, 6);
			jb_open_object(jb, NULL);
			log_bip(jb, "address", a);
			if (tx->bvlc_function == 0x07) {
				jb_set_uint(jb, "ttl", cur_be16(&c));
				jb_set_uint(jb, "remaining", cur_be16(&c));
			} else {
				log_ipv4(jb, "mask", &c);
			}
			jb_close(jb);
		}
		jb_close(jb);
		jb_set_uint(jb, "entry_count", tx->n_table);
	}
	jb_close(jb);
}

static void log_npdu(const struct bacnet_tx *tx, struct jb *jb)
{
	jb_open_object(jb, "npdu");
	jb_set_uint(jb, "version", tx->npdu_version);
	if (tx->npdu_version != 1) {
		jb_close(jb);
		return;
	}
	jb_set_bool(jb, "expecting_reply", tx->npdu_control & 0x04);
	log_named(jb, "priority", "priority_name", tx->npdu_control & 3,
		  npdu_priorities[tx->npdu_control & 3]);
	if (tx->has_dnet) {
		jb_set_uint(jb, "dnet", tx->dnet);
		if (tx->dlen)
			jb_set_hex(jb, "dadr", tx->dadr, tx->dlen);
		jb_set_uint(jb, "hop_count", tx->hop_count);
	}
	if (tx->has_snet) {
		jb_set_uint(jb, "snet", tx->snet);
		jb_set_hex(jb, "sadr", tx->sadr, tx->slen);
	}
	if (tx->is_network_message) {
		log_named(jb, "message_type", "message_name", tx->nl_type,
			  tx->nl_type >= 0x80 ? "proprietary"
					      : tname(nl_messages, N_OF(nl_messages), tx->nl_type));
		if (tx->has_nl_vendor)
			jb_set_uint(jb, "vendor_id", tx->nl_vendor);
		if (tx->has_nl_reason)
			log_named(jb, "reject_reason", "reject_reason_name", tx->nl_reason,
				  tname(nl_reject_reasons, N_OF(nl_reject_reasons), tx->nl_reason));
		if (tx->n_nl_nets) {
			size_t n = (size_t)tx->n_nl_nets * tx->nl_net_stride;
			struct cursor c = cur_make(tx->nl_nets, n);
			jb_open_array(jb, "networks");
			for (unsigned i = 0; i < tx->n_nl_nets && i < BACNET_MAX_LIST; i++) {
				struct cursor e = cur_sub(&c, tx->nl_net_stride);
				if (!cur_ok(&e))
					break;
				jb_set_uint(jb, NULL, cur_be16(&e));
			}
			jb_close(jb);
			jb_set_uint(jb, "network_count", tx->n_nl_nets);
		}
	}
	jb_close(jb);
}

static void log_apdu(const struct bacnet_tx *tx, struct jb *jb)
{
	jb_open_object(jb, "apdu");
	if (tx->apdu_len == 0) { /* empty */
		jb_set_uint(jb, "length", 0);
		jb_close(jb);
		return;
	}
	log_named(jb, "type", "type_name", tx->pdu_type,
		  tname(pdu_types, N_OF(pdu_types), tx->pdu_type));
	switch (tx->pdu_type) {
	case BACNET_PDU_CONFIRMED_REQUEST:
		jb_set_bool(jb, "segmented", tx->seg);
		jb_set_bool(jb, "more_follows", tx->more);
		jb_set_bool(jb, "segmented_response_accepted", tx->sa);
		if (tx->apdu_complete || tx->has_invoke) {
			jb_set_uint(jb, "max_segments", max_segs[tx->max_segs_code]);
			if (tx->max_apdu_code < N_OF(max_apdu_sizes))
				jb_set_uint(jb, "max_apdu", max_apdu_sizes[tx->max_apdu_code]);
		}
		break;
	case BACNET_PDU_COMPLEX_ACK:
		jb_set_bool(jb, "segmented", tx->seg);
		jb_set_bool(jb, "more_follows", tx->more);
		break;
	case BACNET_PDU_SEGMENT_ACK:
		jb_set_bool(jb, "negative_ack", tx->nak);
		jb_set_bool(jb, "server", tx->srv);
		break;
	case BACNET_PDU_ABORT:
		jb_set_bool(jb, "server", tx->srv);
		break;
	default:
		break;
	}
	if (tx->has_invoke)
		jb_set_uint(jb, "invoke_id", tx->invoke_id);
	if (tx->has_seq) {
		jb_set_uint(jb, "sequence_number", tx->seq);
		jb_set_uint(jb, tx->pdu_type == BACNET_PDU_SEGMENT_ACK ? "actual_window_size"
								  : "proposed_window_size",
			    tx->window);
	}
	if (tx->service >= 0) {
		log_named(jb, "service", "service_name", (uint64_t)tx->service,
			  service_name(tx->pdu_type, tx->service));
		if (tx->service_from_request)
			jb_set_bool(jb, "service_from_request", true);
	}
	if (tx->has_reason) {
		bool rej = tx->pdu_type == BACNET_PDU_REJECT;
		log_named(jb, rej ? "reject_reason" : "abort_reason",
			  rej ? "reject_reason_name" : "abort_reason_name", tx->reason,
			  rej ? tname(reject_reasons, N_OF(reject_reasons), tx->reason)
			      : tname(abort_reasons, N_OF(abort_reasons), tx->reason));
	}
	if (tx->has_error) {
		log_named(jb, "error_class", "error_class_name", tx->error_class,
			  tname(error_classes, N_OF(error_classes), tx->error_class));
		log_named(jb, "error_code", "error_code_name", tx->error_code,
			  tname(error_codes, N_OF(error_codes), tx->error_code));
	}
	if (tx->request_seen >= 0)
		jb_set_bool(jb, "request_seen", tx->request_seen);
	jb_set_uint(jb, "length", tx->apdu_len);
	if (tx->params_partial)
		jb_set_bool(jb, "parameters_partial", true);
	jb_close(jb);
}

/* The service's own parameters, in an object named after the service. */
static void log_params(const struct bacnet_tx *tx, struct jb *jb)
{
	bool unconf = tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST;
	int s = tx->service;
	if (unconf && (s == SU_WHO_IS || s == SU_WHO_HAS) && (tx->has_low || tx->name)) {
		jb_open_object(jb, service_name(tx->pdu_type, tx->service));
		if (tx->has_low) {
			jb_set_uint(jb, "low_limit", tx->low);
			jb_set_uint(jb, "high_limit", tx->high);
		}
		if (tx->name)
			log_string(jb, "object_name", "object_name_hex", tx->name_charset, tx->name,
				   tx->name_len);
		jb_close(jb);
	} else if (unconf && s == SU_I_HAVE && tx->name) {
		jb_open_object(jb, "i_have");
		log_string(jb, "object_name", "object_name_hex", tx->name_charset, tx->name,
			   tx->name_len);
		jb_close(jb);
	} else if (unconf && s == SU_I_AM && tx->n_refs) {
		jb_open_object(jb, "i_am");
		jb_set_uint(jb, "device_instance", tx->refs[0].instance);
		jb_set_uint(jb, "max_apdu", tx->max_apdu);
		log_named(jb, "segmentation", "segmentation_name", tx->segmentation,
			  tname(segmentations, N_OF(segmentations), tx->segmentation));
		jb_set_uint(jb, "vendor_id", tx->vendor_id);
		const char *vn = vendor_name(tx->vendor_id);
		if (vn)
			jb_set_ascii(jb, "vendor_name", vn);
		jb_close(jb);
	} else if (unconf && (s == SU_TIME_SYNCHRONIZATION || s == SU_UTC_TIME_SYNCHRONIZATION) &&
		   tx->date && tx->time) {
		jb_open_object(jb, service_name(tx->pdu_type, tx->service));
		log_date(jb, "date", tx->date);
		log_time(jb, "time", tx->time);
		jb_close(jb);
	}
	if (tx->has_state) {
		jb_open_object(jb, "reinitialize_device");
		log_named(jb, "state", "state_name", tx->state,
			  tname(reinit_states, N_OF(reinit_states), tx->state));
		jb_set_bool(jb, "password_present", tx->password_present);
		jb_close(jb);
	}
	if (tx->has_enable) {
		jb_open_object(jb, "device_communication_control");
		if (tx->has_duration)
			jb_set_uint(jb, "duration", tx->duration);
		log_named(jb, "enable_disable", "enable_disable_name", tx->enable,
			  tname(dcc_states, N_OF(dcc_states), tx->enable));
		jb_set_bool(jb, "password_present", tx->password_present);
		jb_close(jb);
	}
	if (tx->has_file) {
		jb_open_object(jb, "file");
		jb_set_ascii(jb, "access", tx->file_record ? "record" : "stream");
		jb_set_int(jb, tx->file_record ? "start_record" : "start_position", tx->file_start);
		if (s == SC_ATOMIC_READ_FILE || tx->pdu_type == BACNET_PDU_CONFIRMED_REQUEST)
			jb_set_uint(jb, tx->file_record ? "record_count" : "octet_count",
				    tx->file_count);
		if (tx->has_eof)
			jb_set_bool(jb, "end_of_file", tx->eof);
		jb_close(jb);
	}
	if (tx->has_create_type || tx->n_initial_values) {
		jb_open_object(jb, "create_object");
		jb_set_bool(jb, "by_type", tx->has_create_type);
		jb_set_uint(jb, "initial_values", tx->n_initial_values);
		jb_close(jb);
	}
}

static void b_log(const struct app_tx *t, struct jb *jb)
{
	const struct bacnet_tx *tx = t->data;
	log_bvlc(tx, jb);
	if (tx->has_npdu)
		log_npdu(tx, jb);
	if (!tx->has_apdu)
		return;
	log_apdu(tx, jb);
	log_params(tx, jb);
	if (tx->n_refs_total) {
		jb_open_array(jb, "objects");
		for (unsigned i = 0; i < tx->n_refs; i++)
			log_ref(jb, &tx->refs[i]);
		jb_close(jb);
		jb_set_uint(jb, "object_count", tx->n_refs_total);
	}
}

/* ---- asset inventory ---------------------------------------------------------- */

/* A CharacterString value (20.2.9) into field f: ANSI X3.4 / UTF-8 and
 * ISO 8859-1 as they are, UCS-2 by its low bytes where the high is 0. */
static void id_string(struct app_identity *id, int f, const char *ext,
		      const struct bacnet_value *v)
{
	char b[APP_ID_EXT_STR];
	size_t k = 0;
	if (v->charset == 4) {
		struct cursor c = cur_make(v->data, v->len);
		while (cur_left(&c) >= 2 && k + 1 < sizeof(b)) {
			uint16_t u = cur_be16(&c);
			b[k++] = u < 0x100 ? (char)u : '?';
		}
	} else if (v->charset == 0 || v->charset == 5) {
		k = v->len < sizeof(b) - 1 ? v->len : sizeof(b) - 1;
		if (k) /* an empty string may have no data at all */
			memcpy(b, v->data, k);
	} else {
		return;
	}
	if (ext)
		app_identity_ext(id, ext, b, k);
	else
		app_identity_set(id, (enum app_id_field)f, b, k);
}

/* Who the device is (I-Am: 16.10; the device object's properties,
 * 12.11, in a ReadProperty-ACK or ReadPropertyMultiple-ACK). A device
 * behind a BACnet router (the NPDU names its source network and address)
 * is a component of the router's address; a Forwarded-NPDU (J.2.9) is
 * about the B/IP address it names. ReinitializeDevice,
 * DeviceCommunicationControl, file transfers and object creation or
 * deletion are what an engineering workstation sends. */
static bool b_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct bacnet_tx *tx = t->data;
	if (!tx->has_apdu || tx->service < 0)
		return false;
	int s = tx->service;
	if (tx->pdu_type == BACNET_PDU_CONFIRMED_REQUEST) {
		if (s != SC_REINITIALIZE_DEVICE && s != SC_DEVICE_COMMUNICATION_CONTROL &&
		    s != SC_ATOMIC_WRITE_FILE && s != SC_ATOMIC_READ_FILE &&
		    s != SC_CREATE_OBJECT && s != SC_DELETE_OBJECT)
			return false;
		app_identity_init(id);
		id->role[0] = APP_ROLE_ENGINEERING;
		id->role[1] = APP_ROLE_FIELD;
		return true;
	}
	bool i_am = tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST && s == SU_I_AM;
	bool ack = tx->pdu_type == BACNET_PDU_COMPLEX_ACK &&
		   (s == SC_READ_PROPERTY || s == SC_READ_PROPERTY_MULTIPLE);
	if ((!i_am && !ack) || !tx->n_refs || tx->refs[0].object_type != OBJ_DEVICE)
		return false;
	app_identity_init(id);
	if (tx->bvlc_function == 0x04 && tx->has_address) {
		id->about = APP_ID_IPV4;
		memcpy(id->about_ip, tx->address, 4);
	}
	if (tx->has_snet && tx->slen) {
		char a[2 * 7 + 1] = "";
		struct cursor c = cur_make(tx->sadr, tx->slen);
		for (unsigned i = 0; i < 7 && cur_left(&c); i++)
			snprintf(a + 2 * i, 3, "%02x", cur_u8(&c));
		snprintf(id->component, sizeof(id->component), "net %u mac %s", tx->snet, a);
	}
	uint8_t side = id->about == APP_ID_SENDER ? APP_ID_SENDER : id->about;
	if (i_am) {
		/* the registry's spelling of the vendor only fills in: the
		 * device's own vendor-name property is not a change of it */
		id->weak = true;
		const char *vn = vendor_name(tx->vendor_id);
		if (vn)
			app_identity_set_str(id, APP_IDF_VENDOR, vn);
		if (tx->refs[0].instance != 4194303) /* the wildcard: "this device" */
			app_identity_num(id, "device_instance", tx->refs[0].instance, side);
		app_identity_num(id, "vendor_id", tx->vendor_id, side);
	} else {
		uint32_t inst = tx->refs[0].instance;
		if (inst != BACNET_NO_INSTANCE && inst != 4194303)
			app_identity_num(id, "device_instance", inst, side);
		for (unsigned i = 0; i < tx->n_refs && i < BACNET_MAX_REFS; i++) {
			const struct bacnet_ref *r = &tx->refs[i];
			const struct bacnet_value *v = &r->value;
			if (r->object_type != OBJ_DEVICE || r->instance != inst ||
			    !r->has_property || !v->present || v->constructed)
				continue;
			bool str = v->tag == 7;
			switch (r->property) {
			case 121: if (str) id_string(id, APP_IDF_VENDOR, NULL, v); break;
			case 70: if (str) id_string(id, APP_IDF_MODEL, NULL, v); break;
			case 44: if (str) id_string(id, APP_IDF_FIRMWARE, NULL, v); break;
			case 77: if (str) id_string(id, APP_IDF_NAME, NULL, v); break;
			case 372: if (str) id_string(id, APP_IDF_SERIAL, NULL, v); break;
			case 12:
				if (str)
					id_string(id, 0, "application_software_version", v);
				break;
			case 120:
				if (v->tag == 2 && v->u <= UINT16_MAX) {
					const char *vn = vendor_name((uint16_t)v->u);
					if (vn && !(id->have & (1u << APP_IDF_VENDOR)))
						app_identity_set_str(id, APP_IDF_VENDOR, vn);
					app_identity_num(id, "vendor_id", (uint32_t)v->u, side);
				}
				break;
			default:
				break;
			}
		}
	}
	if (id->about == APP_ID_SENDER && !id->component[0])
		id->role[0] = APP_ROLE_FIELD;
	return true;
}

/* Service index for rules: confirmed services 0-255, unconfirmed 256-511. */
#define FN_UNCONFIRMED 256

static int b_tx_function(const struct app_tx *t)
{
	const struct bacnet_tx *tx = t->data;
	if (!tx->has_apdu || tx->service < 0)
		return -1;
	return tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST ? FN_UNCONFIRMED + tx->service
							      : tx->service;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the service (confirmed 0-255, unconfirmed 256 + service, as
 * b_tx_function); without an APDU, a network layer message 1024 + its type,
 * or a BVLC function without an NPDU 512 + its code. Sub-device: the
 * device instance an I-Am announces. Address spaces: each object type
 * (id = type, addresses = instances), the properties read or written (id
 * 1024 "property", the object type as qualifier), the device range of a
 * Who-Is (id 1025 "device_instance"). Values: numeric property values
 * (boolean, unsigned, signed, real, double, enumerated) at (object type,
 * instance) with the property as qualifier: written by WriteProperty(-
 * Multiple), reported by acknowledgements and notifications. Names: the
 * object name of Who-Has / I-Have. Identity: an I-Am's vendor. */

static uint8_t service_class(bool unconf, int16_t svc)
{
	if (unconf) {
		switch (svc) {
		case SU_I_AM: case SU_I_HAVE: case SU_WHO_HAS: case SU_WHO_IS: return APP_FCLASS_DISCOVERY;
		case SU_UNCONFIRMED_COV_NOTIFICATION: case 3: case 11: case 12: return APP_FCLASS_REPORT;
		case SU_TIME_SYNCHRONIZATION: case SU_UTC_TIME_SYNCHRONIZATION: return APP_FCLASS_SESSION;
		case 10: return APP_FCLASS_WRITE;
		default: return APP_FCLASS_OTHER;
		}
	}
	switch (svc) {
	case 0: case 3: case 4: case SC_READ_PROPERTY: case 13: case SC_READ_PROPERTY_MULTIPLE:
	case 26: case 29:
		return APP_FCLASS_READ;
	case 8: case 9: case SC_CREATE_OBJECT: case SC_DELETE_OBJECT: case SC_WRITE_PROPERTY:
	case SC_WRITE_PROPERTY_MULTIPLE:
		return APP_FCLASS_WRITE;
	case SC_DEVICE_COMMUNICATION_CONTROL: case SC_REINITIALIZE_DEVICE: case 27:
		return APP_FCLASS_CONTROL;
	case SC_ATOMIC_READ_FILE: case SC_ATOMIC_WRITE_FILE:
		return APP_FCLASS_FILE;
	case SC_CONFIRMED_COV_NOTIFICATION: case 2: case 31: case 32:
		return APP_FCLASS_REPORT;
	case 5: case 21: case 22: case 23: case 24: case 25: case 28: case 30:
		return APP_FCLASS_SESSION;
	default:
		return APP_FCLASS_OTHER;
	}
}

static void b_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct bacnet_tx *tx = t->data;
	if (tx->has_apdu && tx->service >= 0) {
		bool unconf = tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST;
		f->function = unconf ? FN_UNCONFIRMED + tx->service : tx->service;
		uint8_t pt = unconf ? BACNET_PDU_UNCONFIRMED_REQUEST : BACNET_PDU_CONFIRMED_REQUEST;
		f->function_name = service_known(pt, tx->service) ? service_name(pt, tx->service) : NULL;
		f->fclass = service_class(unconf, tx->service);
		if (tx->pdu_type == BACNET_PDU_CONFIRMED_REQUEST || unconf)
			f->role = f->fclass == APP_FCLASS_REPORT ||
					  (unconf && (tx->service == SU_I_AM || tx->service == SU_I_HAVE))
				  ? APP_ROLE_REPORT : APP_ROLE_REQUEST;
		else
			f->role = APP_ROLE_RESPONSE;
	} else if (tx->has_npdu && tx->is_network_message) {
		f->function = 1024 + tx->nl_type;
		f->function_name = tname(nl_messages, N_OF(nl_messages), tx->nl_type);
		f->fclass = tx->nl_type == 6 ? APP_FCLASS_WRITE : APP_FCLASS_DISCOVERY;
	} else if (!tx->has_npdu) {
		f->function = 512 + tx->bvlc_function;
		f->function_name = tname(bvlc_functions, N_OF(bvlc_functions), tx->bvlc_function);
		f->fclass = tx->bvlc_function == 1 || tx->bvlc_function == 5 ||
					    tx->bvlc_function == 8
				    ? APP_FCLASS_WRITE : APP_FCLASS_DISCOVERY;
		if (tx->bvlc_function == 0 || tx->bvlc_function == 3 || tx->bvlc_function == 7)
			f->role = APP_ROLE_RESPONSE;
		return;
	} else {
		return;
	}
	bool iam = tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST && tx->service == SU_I_AM;
	bool written = tx->pdu_type == BACNET_PDU_CONFIRMED_REQUEST &&
		       (tx->service == SC_WRITE_PROPERTY || tx->service == SC_WRITE_PROPERTY_MULTIPLE);
	if (iam && tx->n_refs) {
		f->has_unit = true;
		f->unit = tx->refs[0].instance;
		f->unit_name = "device_instance";
		app_facts_ident_uint(f, "vendor_id", tx->vendor_id);
		const char *vn = vendor_name(tx->vendor_id);
		if (vn)
			app_facts_ident(f, "vendor_name", vn, strlen(vn));
	}
	if (tx->has_low && tx->has_high)
		app_facts_range(f, "device_instance", 1025, 0, tx->low, tx->high);
	for (unsigned i = 0; i < tx->n_refs; i++) {
		const struct bacnet_ref *r = &tx->refs[i];
		const char *on = object_type_name(r->object_type);
		if (r->instance != BACNET_NO_INSTANCE && !iam)
			app_facts_range(f, on, r->object_type, 0, r->instance, r->instance);
		if (r->has_property)
			app_facts_range(f, "property", 1024, r->object_type, r->property, r->property);
		const struct bacnet_value *v = &r->value;
		if (!f->want_values || !v->present || v->constructed || !r->has_property ||
		    r->instance == BACNET_NO_INSTANCE)
			continue;
		double x;
		switch (v->tag) {
		case 1: case 2: case 9: x = (double)v->u; break;
		case 3: x = (double)v->i; break;
		case 4: case 5: x = v->d; break;
		default: continue;
		}
		app_facts_value(f, on, r->object_type, r->property, r->instance, written, x);
	}
	if (tx->name && tx->name_len)
		app_facts_name(f, "object_name", 1, tx->name, tx->name_len);
}

/* ---- keywords ------------------------------------------------------------------------- */

/* Name lists for du_parse, made from the tables above at start-up. */
static struct du_name n_bvlc[N_OF(bvlc_functions)], n_pdu[N_OF(pdu_types)],
	n_conf[N_OF(confirmed_services)], n_unconf[N_OF(unconfirmed_services)],
	n_obj[N_OF(object_types)], n_prop[N_OF(properties)], n_eclass[N_OF(error_classes)],
	n_ecode[N_OF(error_codes)], n_reject[N_OF(reject_reasons)], n_abort[N_OF(abort_reasons)],
	n_reinit[N_OF(reinit_states)], n_dcc[N_OF(dcc_states)], n_nl[N_OF(nl_messages)];
static size_t nn_prop, nn_ecode;

static size_t names_from(struct du_name *out, const char *const *t, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (t[i]) {
			out[k].name = t[i];
			out[k++].value = i;
		}
	return k;
}

__attribute__((constructor)) static void b_names_init(void)
{
	names_from(n_bvlc, bvlc_functions, N_OF(bvlc_functions));
	names_from(n_pdu, pdu_types, N_OF(pdu_types));
	names_from(n_conf, confirmed_services, N_OF(confirmed_services));
	names_from(n_unconf, unconfirmed_services, N_OF(unconfirmed_services));
	names_from(n_obj, object_types, N_OF(object_types));
	nn_prop = names_from(n_prop, properties, N_OF(properties));
	names_from(n_eclass, error_classes, N_OF(error_classes));
	nn_ecode = names_from(n_ecode, error_codes, N_OF(error_codes));
	names_from(n_reject, reject_reasons, N_OF(reject_reasons));
	names_from(n_abort, abort_reasons, N_OF(abort_reasons));
	names_from(n_reinit, reinit_states, N_OF(reinit_states));
	names_from(n_dcc, dcc_states, N_OF(dcc_states));
	names_from(n_nl, nl_messages, N_OF(nl_messages));
}

struct bkw {
	struct du_match m;
};

static int uint_setup(const char *arg, void **data, uint64_t max, const struct du_name *n,
		      size_t nn, char *err, size_t errlen)
{
	struct bkw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse(arg, max, n, nn, &k->m, err, errlen) < 0) {
		free(k);
		return -1;
	}
	*data = k;
	return 0;
}

#define UINT_KW(fn, max, names, nn)                                               \
	static int fn(const char *a, void **d, char *e, size_t l)                 \
	{                                                                         \
		return uint_setup(a, d, max, names, nn, e, l);                    \
	}
UINT_KW(bvlc_setup, 255, n_bvlc, N_OF(n_bvlc))
UINT_KW(pdu_setup, 15, n_pdu, N_OF(n_pdu))
UINT_KW(invoke_setup, 255, NULL, 0)
UINT_KW(objtype_setup, 1023, n_obj, N_OF(n_obj))
UINT_KW(instance_setup, 4194303, NULL, 0)
UINT_KW(prop_setup, 4194303, n_prop, nn_prop)
UINT_KW(prio_setup, 255, NULL, 0)
UINT_KW(eclass_setup, 65535, n_eclass, N_OF(n_eclass))
UINT_KW(ecode_setup, 65535, n_ecode, nn_ecode)
UINT_KW(reject_setup, 255, n_reject, N_OF(n_reject))
UINT_KW(abort_setup, 255, n_abort, N_OF(n_abort))
UINT_KW(reinit_setup, 255, n_reinit, N_OF(n_reinit))
UINT_KW(dcc_setup, 255, n_dcc, N_OF(n_dcc))
UINT_KW(nl_setup, 255, n_nl, N_OF(n_nl))

#define KW_M(d) (&((const struct bkw *)(d))->m)
#define KW_TX(t) ((const struct bacnet_tx *)(t)->data)

static bool bvlc_match(const void *d, const struct app_tx *t)
{
	return du_match(KW_M(d), KW_TX(t)->bvlc_function);
}

static bool pdu_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	return tx->has_apdu && tx->apdu_complete && du_match(KW_M(d), tx->pdu_type);
}

static bool invoke_match(const void *d, const struct app_tx *t)
{
	return KW_TX(t)->has_invoke && du_match(KW_M(d), KW_TX(t)->invoke_id);
}

static bool objtype_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (du_match(KW_M(d), tx->refs[i].object_type))
			return true;
	return false;
}

static bool instance_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (tx->refs[i].instance != BACNET_NO_INSTANCE &&
		    du_match(KW_M(d), tx->refs[i].instance))
			return true;
	return false;
}

static bool prop_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (tx->refs[i].has_property && du_match(KW_M(d), tx->refs[i].property))
			return true;
	return false;
}

static bool prio_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (tx->refs[i].has_priority && du_match(KW_M(d), tx->refs[i].priority))
			return true;
	return false;
}

static bool eclass_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	if (tx->has_error && du_match(KW_M(d), tx->error_class))
		return true;
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (tx->refs[i].has_error && du_match(KW_M(d), tx->refs[i].error_class))
			return true;
	return false;
}

static bool ecode_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	if (tx->has_error && du_match(KW_M(d), tx->error_code))
		return true;
	for (unsigned i = 0; i < tx->n_refs; i++)
		if (tx->refs[i].has_error && du_match(KW_M(d), tx->refs[i].error_code))
			return true;
	return false;
}

static bool reject_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	return tx->has_reason && tx->pdu_type == BACNET_PDU_REJECT && du_match(KW_M(d), tx->reason);
}

static bool abort_match(const void *d, const struct app_tx *t)
{
	const struct bacnet_tx *tx = KW_TX(t);
	return tx->has_reason && tx->pdu_type == BACNET_PDU_ABORT && du_match(KW_M(d), tx->reason);
}

static bool reinit_match(const void *d, const struct app_tx *t)
{
	return KW_TX(t)->has_state && du_match(KW_M(d), KW_TX(t)->state);
}

static bool dcc_match(const void *d, const struct app_tx *t)
{
	return KW_TX(t)->has_enable && du_match(KW_M(d), KW_TX(t)->enable);
}

static bool nl_match(const void *d, const struct app_tx *t)
{
	return KW_TX(t)->is_network_message && du_match(KW_M(d), KW_TX(t)->nl_type);
}

/* bacnet.service: a comma-separated list of service names (confirmed or
 * unconfirmed), or `confirmed EXPR` / `unconfirmed EXPR` with an integer
 * expression (detect/uint.h); a bare number is a confirmed service. */
#define SVC_MAX 8
struct svc_kw {
	unsigned n;
	struct {
		bool unconf;
		struct du_match m;
	} it[SVC_MAX];
};

static bool name_in(const struct du_name *n, size_t nn, const char *s, size_t len, uint64_t *v)
{
	for (size_t i = 0; i < nn; i++)
		if (strlen(n[i].name) == len && strncasecmp(n[i].name, s, len) == 0) {
			*v = n[i].value;
			return true;
		}
	return false;
}

static int svc_setup(const char *arg, void **data, char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "missing service");
		return -1;
	}
	struct svc_kw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *p = arg;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char item[96];
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0) {
			snprintf(err, errlen, "empty service in '%s'", arg);
			goto err;
		}
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "service too long in '%s'", arg);
			goto err;
		}
		if (k->n == SVC_MAX) {
			snprintf(err, errlen, "more than %d services in '%s'", SVC_MAX, arg);
			goto err;
		}
		memcpy(item, p, len);
		item[len] = 0;
		bool unconf = false;
		const char *expr = NULL;
		uint64_t v;
		if (strncasecmp(item, "confirmed ", 10) == 0) {
			expr = item + 10;
		} else if (strncasecmp(item, "unconfirmed ", 12) == 0) {
			expr = item + 12;
			unconf = true;
		} else if (name_in(n_conf, N_OF(n_conf), item, len, &v) ||
			   (unconf = name_in(n_unconf, N_OF(n_unconf), item, len, &v))) {
			k->it[k->n].unconf = unconf;
			k->it[k->n].m.op = DU_EQ;
			k->it[k->n].m.a = v;
			k->n++;
		} else if (item[0] >= '0' && item[0] <= '9') {
			expr = item;
		} else {
			snprintf(err, errlen, "unknown service '%s'", item);
			goto err;
		}
		if (expr) {
			if (du_parse(expr, 255, unconf ? n_unconf : n_conf,
				     unconf ? N_OF(n_unconf) : N_OF(n_conf), &k->it[k->n].m, err,
				     errlen) < 0)
				goto err;
			k->it[k->n].unconf = unconf;
			k->n++;
		}
		if (!e)
			break;
		p = e + 1;
	}
	*data = k;
	return 0;
err:
	free(k);
	return -1;
}

static bool svc_match(const void *d, const struct app_tx *t)
{
	const struct svc_kw *k = d;
	const struct bacnet_tx *tx = KW_TX(t);
	if (!tx->has_apdu || tx->service < 0)
		return false;
	bool unconf = tx->pdu_type == BACNET_PDU_UNCONFIRMED_REQUEST;
	for (unsigned i = 0; i < k->n; i++)
		if (k->it[i].unconf == unconf && du_match(&k->it[i].m, (uint64_t)tx->service))
			return true;
	return false;
}

static bool svc_functions(const void *d, uint8_t *set)
{
	const struct svc_kw *k = d;
	for (unsigned i = 0; i < k->n; i++)
		for (unsigned v = 0; v < 256; v++)
			if (du_match(&k->it[i].m, v)) {
				unsigned f = (k->it[i].unconf ? FN_UNCONFIRMED : 0) + v;
				set[f >> 3] |= (uint8_t)(1u << (f & 7));
			}
	return true;
}

/* bacnet.object_name: the object name of Who-Has and I-Have, or the
 * character string value of an object_name property (ReadProperty ACK,
 * WriteProperty...). Raw bytes in their character set. */
static const uint8_t *objname_buffer(const struct app_tx *t, size_t *len)
{
	const struct bacnet_tx *tx = KW_TX(t);
	if (tx->name) {
		*len = tx->name_len;
		return tx->name;
	}
	for (unsigned i = 0; i < tx->n_refs; i++) {
		const struct bacnet_ref *r = &tx->refs[i];
		if (r->has_property && r->property == PROP_OBJECT_NAME && r->value.present &&
		    r->value.count && !r->value.constructed && r->value.tag == 7) {
			*len = r->value.len;
			return r->value.data;
		}
	}
	return NULL;
}

/* bacnet.string_value: the first character string property value of the tx
 * (ReadProperty(Multiple) ACK, WriteProperty(Multiple), COV notification). */
static const uint8_t *strval_buffer(const struct app_tx *t, size_t *len)
{
	const struct bacnet_tx *tx = KW_TX(t);
	for (unsigned i = 0; i < tx->n_refs; i++) {
		const struct bacnet_value *v = &tx->refs[i].value;
		if (v->present && v->count && !v->constructed && v->tag == 7) {
			*len = v->len;
			return v->data;
		}
	}
	return NULL;
}

static const struct app_keyword kws[] = {
	{ "bacnet.bvlc_function", bvlc_setup, bvlc_match, NULL, NULL, NULL },
	{ "bacnet.apdu_type", pdu_setup, pdu_match, NULL, NULL, NULL },
	{ "bacnet.service", svc_setup, svc_match, NULL, svc_functions, NULL },
	{ "bacnet.invoke_id", invoke_setup, invoke_match, NULL, NULL, NULL },
	{ "bacnet.object_type", objtype_setup, objtype_match, NULL, NULL, NULL },
	{ "bacnet.instance", instance_setup, instance_match, NULL, NULL, NULL },
	{ "bacnet.property", prop_setup, prop_match, NULL, NULL, NULL },
	{ "bacnet.priority", prio_setup, prio_match, NULL, NULL, NULL },
	{ "bacnet.error_class", eclass_setup, eclass_match, NULL, NULL, NULL },
	{ "bacnet.error_code", ecode_setup, ecode_match, NULL, NULL, NULL },
	{ "bacnet.reject_reason", reject_setup, reject_match, NULL, NULL, NULL },
	{ "bacnet.abort_reason", abort_setup, abort_match, NULL, NULL, NULL },
	{ "bacnet.reinit_state", reinit_setup, reinit_match, NULL, NULL, NULL },
	{ "bacnet.dcc_state", dcc_setup, dcc_match, NULL, NULL, NULL },
	{ "bacnet.network_message", nl_setup, nl_match, NULL, NULL, NULL },
	{ "bacnet.object_name", NULL, NULL, NULL, NULL, objname_buffer },
	{ "bacnet.string_value", NULL, NULL, NULL, NULL, strval_buffer },
};

_Static_assert(N_OF(error_codes) == 137, "BACnetErrorCode 0-136");

static const uint16_t ports[] = { 47808, 0 };

const struct proto_parser proto_bacnet = {
	.name = "bacnet",
	.transport = APP_UDP,
	.udp_ports = ports,
	.probe = b_probe,
	.pdu_len = b_pdu_len,
	.parse_pdu = b_parse,
	.state_new = b_new,
	.state_free = b_free,
	.log_tx = b_log,
	.identity = b_identity,
	.events = events,
	.n_events = BACNET_EV__COUNT,
	.max_pdu = 65535,
	.state_size = sizeof(struct bn_state),
	.keywords = kws,
	.n_keywords = N_OF(kws),
	.tx_function = b_tx_function,
	.facts = b_facts,
};
