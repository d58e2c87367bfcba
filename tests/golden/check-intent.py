#!/usr/bin/env python3
"""Check sipmon against what the capture generator intended.

Independent of the golden expected files (which are sipmon's own output,
reviewed once): every capture in tests/golden/captures has NAME.intent.json
written by gen-captures.py, saying which dialogs, messages, states, streams
and anomalies it holds.  This runs sipmon on each and compares.  A
difference fails unless intent-allowlist.txt lists it with a reason:

    CAPTURE  FIELD  KEY  reason...
"""
import argparse, glob, json, os, subprocess, sys

CALL_FIELDS = ("first_method", "from_user", "to_user", "transport", "messages",
               "retransmissions", "final_status", "state")


def load_allowlist(path):
    allowed = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) < 4:
                sys.exit("intent-allowlist: line without a reason: " + line)
            allowed[tuple(parts[:3])] = parts[3]
    return allowed


def skey(s):
    return "%s>%s/%s" % (s["src"], s["dst"], s["ssrc"].lower())


def differences(intent, code, report):
    if intent.get("file_error"):
        want = 2
    else:
        want = 0
    if code != want:
        yield "exit", "*", "status %d, want %d" % (code, want)
    if report is None:
        if not intent.get("file_error") or "packets" in intent and intent["packets"]:
            yield "report", "*", "no report"
        return
    cap = report["capture"]
    if "packets" in intent and not intent.get("file_error") and cap["packets"] != intent["packets"]:
        yield "packets", "*", "sipmon %d, intent %d" % (cap["packets"], intent["packets"])
    ours = {c["call_id"]: c for c in report["calls"]}
    theirs = {c["call_id"]: c for c in intent.get("calls", [])}
    for cid, want_call in theirs.items():
        got = ours.get(cid)
        if not got:
            yield "call", cid, "missing"
            continue
        for f in CALL_FIELDS:
            if f in want_call and got.get(f) != want_call[f]:
                yield f, cid, "sipmon %r, intent %r" % (got.get(f), want_call[f])
        got_streams = {skey(s): s for s in got["streams"]}
        for s in want_call.get("rtp_streams", []):
            g = got_streams.get(skey(s))
            if not g:
                yield "stream", skey(s), "missing"
            elif g["packets"] != s["packets"]:
                yield "stream", skey(s), "sipmon %d packets, intent %d" % (g["packets"], s["packets"])
        for k in set(got_streams) - {skey(s) for s in want_call.get("rtp_streams", [])}:
            yield "stream", k, "not intended"
    for cid in set(ours) - set(theirs):
        yield "call", cid, "not intended"
    orphans = {skey(s): s for s in report.get("orphan_streams", [])}
    for s in intent.get("orphan_rtp_streams", []):
        if skey(s) not in orphans:
            yield "orphan", skey(s), "missing"
        elif orphans[skey(s)]["packets"] != s["packets"]:
            yield "orphan", skey(s), "sipmon %d packets, intent %d" % (orphans[skey(s)]["packets"], s["packets"])
    # The heuristic must stay conservative: nothing else may pass for RTP.
    for k in set(orphans) - {skey(s) for s in intent.get("orphan_rtp_streams", [])}:
        yield "orphan", k, "not intended"
    reasons = cap.get("malformed_reasons", {})
    for name, count in (intent.get("anomalies") or {}).items():
        if reasons.get(name, 0) != count:
            yield "anomaly", name, "sipmon %d, intent %d" % (reasons.get(name, 0), count)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sipmon", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--allowlist", required=True)
    a = ap.parse_args()
    allowed = load_allowlist(a.allowlist)
    used = set()
    passed = failed = 0
    for ipath in sorted(glob.glob(os.path.join(a.captures, "*.intent.json"))):
        intent = json.load(open(ipath))
        name = intent["capture"]
        p = subprocess.run([a.sipmon, "-N", "-I", os.path.join(a.captures, name), "--orphan-rtp",
                            "--report=json"],
                           capture_output=True, text=True, timeout=60)
        try:
            report = json.loads(p.stdout) if p.stdout.strip() else None
        except json.JSONDecodeError:
            report = None
        bad = []
        for field, key, text in differences(intent, p.returncode, report):
            for k in ((name, field, key), (name, field, "*")):
                if k in allowed:
                    used.add(k)
                    break
            else:
                bad.append("%s %s: %s" % (field, key, text))
        if bad:
            failed += 1
            print("FAIL %s" % name)
            for b in bad:
                print("  " + b)
        else:
            passed += 1
    for k in sorted(set(allowed) - used):
        print("note: intent-allowlist entry no longer needed: %s %s %s" % k)
    print("intent: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
