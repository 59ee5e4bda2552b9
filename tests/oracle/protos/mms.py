# SPDX-License-Identifier: BSD-3-Clause
"""MMS for tests/oracle/oracle.py: per frame, the MMS PDUs tshark's mms
dissector finds against Vigil's mms records.

Each PDU is compared by its MMSpdu choice and, for confirmed requests and
responses, its service (mms.confirmedServiceRequest/Response); unconfirmed
PDUs by their service. The invokeIDs of a frame (confirmed PDUs, the
originalInvokeID of cancel) are compared as a multiset of their own: tshark
prints each field's values separately, so a frame holding PDUs of several
kinds cannot be paired with its invokeIDs one by one.
"""

TYPES = ['confirmed_RequestPDU_element', 'confirmed_ResponsePDU_element', 'confirmed_ErrorPDU_element',
         'unconfirmed_PDU_element', 'rejectPDU_element', 'cancel_RequestPDU', 'cancel_ResponsePDU',
         'cancel_ErrorPDU_element', 'initiate_RequestPDU_element', 'initiate_ResponsePDU_element',
         'initiate_ErrorPDU_element', 'conclude_RequestPDU_element', 'conclude_ResponsePDU_element',
         'conclude_ErrorPDU_element']
FIELDS = ['mms.' + t for t in TYPES] + ['mms.confirmedServiceRequest', 'mms.confirmedServiceResponse',
                                       'mms.unconfirmedService', 'mms.invokeID']


def _vals(v):
    out = []
    for x in v.split(',') if v else []:
        x = x.strip()
        if x:
            out.append(int(x, 16) if x.startswith('0x') else int(x))
    return out


def ts_mms(f):
    n = len(TYPES)
    req, resp, unc, inv = (_vals(f[n]), _vals(f[n + 1]), _vals(f[n + 2]), _vals(f[n + 3]))
    out = []
    for t in range(n):
        vals = _vals(f[t])
        for k in range(len(vals)):
            if t == 0:
                out.append((0, req[k] if k < len(req) else None))
            elif t == 1:
                out.append((1, resp[k] if k < len(resp) else None))
            elif t == 3:
                out.append((3, unc[k] if k < len(unc) else None))
            else:
                out.append((t, None))
            if t in (5, 6):  # cancel-Request/Response: the value is the originalInvokeID
                out.append(('invoke_id', vals[k]))
    out += [('invoke_id', i) for i in inv]
    return out


def vg_mms(r):
    x = r['mms']
    if 'pdu_type' not in x:
        return []  # COTP, session, presentation or ACSE without an MMS PDU
    t = x['pdu_type']
    if t in (0, 1):
        out = [(t, x.get('service'))]
    elif t == 3:
        out = [(t, x.get('unconfirmed_service'))]
    else:
        out = [(t, None)]
    if 'invoke_id' in x and t in (0, 1, 2, 5, 6):
        out.append(('invoke_id', x['invoke_id']))
    return out


KNOWN = {}
# Connections that began before the capture did: tshark's presentation
# dissector maps a PDV's context id to MMS only through the CP of the
# connection ("Dissector is not available" without it); Vigil recognises the
# PDV's MMS PDU by its first tag when no CP was seen.
MIDSTREAM = ('connection started before the capture: without its CP tshark does not know that '
             'presentation context 3 is MMS and leaves the PDV undissected; Vigil takes the PDV by '
             'its MMSpdu tag (context-specific, constructed) and decodes it')
for _fr in (3, 25, 37, 78, 99, 101, 112, 114, 127, 149, 167, 182, 187, 202, 215, 218, 222, 232,
            260, 264, 288):
    KNOWN[('iti_Sample_File_MMS_and_GOOSE.pcap', _fr)] = MIDSTREAM
for _fr in (2, 3, 4, 5):
    KNOWN[('iti_iec.pcap', _fr)] = MIDSTREAM
# MMS PDUs straight on COTP (no session or presentation): tshark's
# heuristic (dissect_mms_heur, "MMS over COTP") reads a BER length of 0 as
# the indefinite form and gives up, so the conclude-RequestPDU 8b 00 (a
# NULL) is shown as "Data"; Vigil decodes it.
for _cap, _fr in (('cancelRequest', 16), ('confirmedRequestPDU', 16), ('getAlarmSummary', 16),
                  ('getDomainAttributes', 16), ('initiateUploadSequence', 16),
                  ('relinquishControl', 20), ('resetRequest', 16), ('resumeRequest', 16),
                  ('startRequest', 20), ('takeControl', 20), ('terminateUploadSequence', 20)):
    KNOWN[('mms_mms-%s.pcap' % _cap, _fr)] = (
        'conclude-RequestPDU (8b 00) straight on COTP: tshark\'s MMS-over-COTP heuristic takes a '
        'BER length of 0 for the indefinite form and leaves the TPDU as Data; Vigil decodes it')

PROTO = dict(
    name='mms',
    dirs=['iec61850'],
    filt='mms',
    fields=FIELDS,
    ts=ts_mms,
    vg=vg_mms,
    known=KNOWN,
)
