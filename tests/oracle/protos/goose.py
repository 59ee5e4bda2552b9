# SPDX-License-Identifier: BSD-3-Clause
"""IEC 61850 GOOSE: Vigil's goose records against tshark's goose dissector.

Per frame, one goosePdu: APPID, gocbRef, datSet, timeAllowedtoLive, t (to
the microsecond), stNum, sqNum, confRev, numDatSetEntries and the number of
allData entries. Only GOOSE is compared (the MMS frames of the same
captures belong to the mms oracle).
"""
import datetime

MONTHS = {m: i + 1 for i, m in enumerate(
    ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])}


def _num(v):
    v = v.strip()
    if not v:
        return None
    return int(v, 16) if v.startswith('0x') else int(v)


def _ts_time(v):
    """'Nov  2, 2023 01:48:48.250000000 UTC' -> '2023-11-02T01:48:48.250000'"""
    v = v.strip()
    if not v or v.startswith('?'):
        return None
    mon, rest = v.split(None, 1)
    day, rest = rest.split(',', 1)
    year, clock = rest.split()[:2]
    hms, frac = (clock.split('.') + ['0'])[:2]
    return '%04d-%02d-%02dT%s.%s' % (int(year), MONTHS[mon], int(day), hms, (frac + '000000')[:6])


def ts(f):
    appid, ref, ds, ttl, t, st, sq, cr, n, items = (f + [''] * 10)[:10]
    if not appid.strip():
        return []
    return [(_num(appid), ref or None, ds or None, _num(ttl), _ts_time(t), _num(st), _num(sq),
             _num(cr), _num(n), _num(items))]


def vg(r):
    g = r['goose']
    if 'appid' not in g:
        return []  # fewer than 8 bytes: no header for tshark either
    t = g.get('t')
    return [(g['appid'], g.get('gocbref'), g.get('datset'), g.get('time_allowed_to_live'),
             t[:26] if t else None, g.get('stnum'), g.get('sqnum'), g.get('confrev'),
             g.get('num_dat_set_entries'), g.get('data_count'))]


PROTO = dict(
    name='goose',
    dirs=['iec61850'],
    filt='goose',
    fields=['goose.appid', 'goose.gocbRef', 'goose.datSet', 'goose.timeAllowedtoLive', 'goose.t',
            'goose.stNum', 'goose.sqNum', 'goose.confRev', 'goose.numDatSetEntries', 'goose.allData'],
    ts=ts,
    vg=vg,
    known={
        ('goose_missing_timestamp.pcap', 1):
            'the goosePdu lacks t [4]: tshark\'s BER sequence decoder then reports "wrong field" for '
            'stNum [5] and sqNum [6] and does not show them; Vigil raises goose.missing_field and still '
            'decodes stNum 1 and sqNum 10 (a difference of definition: each field decoded by its tag)',
        ('goose_unsupported_tlv.pcap', 1):
            'security [12] comes before allData [11]: tshark stops at the out-of-order field and shows no '
            'allData; Vigil raises goose.unexpected_field and still decodes the 8 allData entries',
    },
)
