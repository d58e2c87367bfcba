#!/usr/bin/env python3
"""Compare sipmon's report with the tshark truth beside each shared capture.

Compared: the set of Call-IDs, the message count of each dialog, and the
packet count of each RTP stream tshark reports (matched by source,
destination and SSRC).  A difference fails the test unless allowlist.txt
lists it, with the reason:

    CAPTURE  KIND  KEY  reason...

KIND is call-missing, call-extra, messages, stream-missing, stream-extra,
stream-packets, exit; KEY the Call-ID or "src>dst/ssrc" (or * for any).
"""
import argparse, glob, json, os, subprocess, sys


def load_allowlist(path):
    allowed = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4:
                sys.exit("allowlist: line without a reason: " + line)
            allowed[(parts[0], parts[1], parts[2])] = parts[3]
    return allowed


def endpoint(ip, port):
    return ("[%s]:%d" % (ip, port)) if ":" in ip else ("%s:%d" % (ip, port))


def stream_key(src, dst, ssrc):
    return "%s>%s/0x%08x" % (src, dst, int(ssrc, 16))


def run_sipmon(sipmon, capture, truth):
    # Where tshark needed its RTP heuristic, sipmon gets --orphan-rtp.
    extra = ["--orphan-rtp"] if any("heuristic_rtp" in x for x in truth.get("tshark", {}).get("args", [])) else []
    p = subprocess.run([sipmon, "-N", "-I", capture, "--report=json"] + extra,
                       capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(p.stdout) if p.stdout.strip() else None
    except json.JSONDecodeError as e:
        report = None
        print("  invalid JSON from sipmon: %s" % e)
    return p.returncode, report, p.stderr


# Issue 3: the RTP figures must equal tshark's within this many ms.
MS_TOLERANCE = 0.01


def compare_quality(k, ours, theirs):
    """lost where tshark's loss is not negative and nothing was reordered;
    max delta and max jitter within MS_TOLERANCE."""
    out = []
    if theirs["lost"] >= 0 and ours["out_of_order"] == 0 and ours["lost"] != theirs["lost"]:
        out.append(("stream-lost", k, "sipmon %d, tshark %d" % (ours["lost"], theirs["lost"])))
    for ours_key, their_key in (("max_delta_ms", "max_delta_ms"), ("max_jitter_ms", "max_jitter_ms"),
                                ("mean_jitter_ms", "mean_jitter_ms")):
        a, b = ours.get(ours_key), theirs.get(their_key)
        if a is None or b is None:
            if a is None and b is not None and b != 0:
                out.append(("stream-" + ours_key, k, "sipmon null, tshark %.3f" % b))
            continue
        if abs(a - b) > MS_TOLERANCE:
            out.append(("stream-" + ours_key, k, "sipmon %.3f, tshark %.3f" % (a, b)))
    return out


def compare(name, truth, code, report, stderr):
    diffs = []
    # A capture file cut mid-record is reported, then exit status 2.
    expect_code = 2 if name.startswith("truncated-file") else 0
    if code != expect_code:
        diffs.append(("exit", "*", "exit status %d (want %d): %s" % (code, expect_code, stderr.strip())))
    if report is None:
        diffs.append(("exit", "report", "no report"))
        return diffs
    ours = {c["call_id"]: c for c in report["calls"]}
    theirs = {c["call_id"]: c for c in truth["calls"]}
    for cid, c in theirs.items():
        if cid not in ours:
            diffs.append(("call-missing", cid, "tshark has it"))
        elif ours[cid]["messages"] != c["messages"]:
            diffs.append(("messages", cid, "sipmon %d, tshark %d" % (ours[cid]["messages"], c["messages"])))
    for cid in ours:
        if cid not in theirs:
            diffs.append(("call-extra", cid, "sipmon has it, tshark not"))
    our_streams = {}
    for c in report["calls"]:
        for s in c["streams"]:
            our_streams[stream_key(s["src"], s["dst"], s["ssrc"])] = s
    for s in report.get("orphan_streams", []):
        our_streams[stream_key(s["src"], s["dst"], s["ssrc"])] = s
    their_streams = {}
    for s in truth.get("rtp_streams", []):
        k = stream_key(endpoint(s["src"], s["src_port"]), endpoint(s["dst"], s["dst_port"]), s["ssrc"])
        their_streams[k] = s
    for k, s in their_streams.items():
        if k not in our_streams:
            diffs.append(("stream-missing", k, "tshark: %d packets" % s["packets"]))
        elif our_streams[k]["packets"] != s["packets"]:
            diffs.append(("stream-packets", k, "sipmon %d, tshark %d" % (our_streams[k]["packets"], s["packets"])))
        else:
            diffs.extend(compare_quality(k, our_streams[k], s))
    # RTCP: the last report block tshark saw about each SSRC must be what
    # sipmon shows for that stream (sngrep 1.8.4 misreads SR blocks).
    last_block = {}
    for pkt in truth.get("rtcp", []):
        for b in pkt.get("blocks", []):
            last_block[int(b["ssrc"], 16)] = b
    for k, s in our_streams.items():
        ssrc = int(s["ssrc"], 16)
        b = last_block.get(ssrc)
        if b is None:
            continue
        if s.get("rtcp") is None:
            diffs.append(("rtcp", k, "tshark has a report block, sipmon none"))
        elif s["rtcp"]["cumulative_lost"] != b["cumulative_lost"]:
            diffs.append(("rtcp", k, "cumulative lost sipmon %d, tshark %d"
                          % (s["rtcp"]["cumulative_lost"], b["cumulative_lost"])))
    for k in our_streams:
        if k not in their_streams:
            diffs.append(("stream-extra", k, "sipmon: %d packets" % our_streams[k]["packets"]))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sipmon", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--allowlist", required=True)
    a = ap.parse_args()
    allowed = load_allowlist(a.allowlist)
    used = set()
    passed = failed = 0
    for truth_path in sorted(glob.glob(os.path.join(a.captures, "*", "*.truth.json"))):
        capture = truth_path[: -len(".truth.json")]
        name = os.path.basename(capture)
        truth = json.load(open(truth_path))
        code, report, stderr = run_sipmon(a.sipmon, capture, truth)
        bad = []
        for kind, key, text in compare(name, truth, code, report, stderr):
            for k in ((name, kind, key), (name, kind, "*")):
                if k in allowed:
                    used.add(k)
                    break
            else:
                bad.append("%s %s %s: %s" % (name, kind, key, text))
        if bad:
            failed += 1
            print("FAIL %s" % name)
            for b in bad:
                print("  " + b)
        else:
            passed += 1
            print("ok   %s" % name)
    for k in sorted(set(allowed) - used):
        print("note: allowlist entry no longer needed: %s %s %s" % k)
    print("shared captures: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
