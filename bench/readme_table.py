#!/usr/bin/env python3
"""readme_table.py RAW.jsonl: the compact table of the README's "nanoQ against its peers", from bench/compare.sh -raw output."""
import json,sys
rows={}
for l in open(sys.argv[1]):
    d=json.loads(l); r=d["result"]; t=d.get("transport") or r["transport"]
    rows.setdefault(d["row"],{}).setdefault(t,{})[r["role"]]=r
order=["nanoq","nanoq-seed","zmq","nats","go"]
def M(v):
    if v>=1e6: return "%.2f M"%(v/1e6)
    if v>=1e3: return "%d k"%round(v/1e3)
    return "%d"%v
def ratio(a,b): return "%.2f×"%(a/b) if b else ""
def cells(row, f, fmt):
    out=[]; vals={}
    for t in order:
        x=rows[row].get(t,{})
        v=f(x)
        vals[t]=v
        out.append(fmt(v) if v is not None else "–")
    return out, vals
def loss(x):
    p=x.get("pub",{}).get("published"); r=x.get("sub",{}).get("received")
    if p is None or r is None: return None
    return (p-r)/p*100 if p else 0
def lossfmt(v): return "0 %" if v==0 else ("%.1f %%"%v if v>=0.1 else "%.3f %%"%v)
print("| scenario | metric | nanoQ | seed API | ZeroMQ | NATS | plain Go | nanoQ/ZeroMQ | nanoQ/NATS | nanoQ/Go | seed/nanoQ | seed/Go |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
def line(title, metric, c, vals, hib=True, ratios=True):
    rs=["","","","",""]
    if ratios:
        n,s,z,na,g=(vals.get(k) for k in order)
        rs=[ratio(n,z) if n and z else "", ratio(n,na) if n and na else "", ratio(n,g) if n and g else "", ratio(s,n) if s and n else "", ratio(s,g) if s and g else ""]
    print("| %s | %s | %s | %s |"%(title, metric, " | ".join(c), " | ".join(rs)))
titles={"1x100":"1 stream × 100 B","100x100":"100 streams × 100 B","1000x100":"1,000 streams × 100 B","10000x100":"10,000 streams × 100 B","10000x100-mem":"10,000 streams × 100 B, nanoQ's MaxBufferTotal 384 MiB (plain Go's memory)"}
for row in ["1x100","100x100","1000x100","10000x100","10000x100-mem"]:
    if row not in rows: continue
    c,v=cells(row, lambda x: x.get("sub",{}).get("msgs_per_s"), M); line(titles[row],"msgs/s received",c,v)
    c,v=cells(row, loss, lossfmt); line("","loss (published − received)",c,v,ratios=False)
    if row.startswith("10000x100"):
        rss=lambda x: (x["pub"]["peak_rss_kib"]/1024, x["sub"]["peak_rss_kib"]/1024) if "pub" in x and "sub" in x else None
        c,_=cells(row, rss, lambda v:"%d / %d"%v); line("","peak RSS MiB, pub / sub",c,{},ratios=False)
if "1x64k" in rows:
    c,v=cells("1x64k", lambda x: x.get("sub",{}).get("mb_per_s"), lambda v:"{:,}".format(round(v))); line("1 stream × 64 KiB","MB/s received",c,v)
for lrow,ltitle in [("latency","latency at 10,000 msgs/s"),("latency-steady","latency at 10,000 msgs/s, steady pacing"),("latency-1000","latency, 1,000 streams at 50,000 msgs/s")]:
    if lrow not in rows: continue
    for k,n in [("p50","p50 µs"),("p99","p99 µs"),("p999","p99.9 µs")]:
        c,v=cells(lrow, lambda x: x.get("sub",{}).get("latency_us",{}).get(k), lambda v:"{:,}".format(round(v)))
        line(ltitle if k=="p50" else "", n, c, v)
if "idle" in rows:
    c,_=cells("idle", lambda x: (x.get("pub",{}).get("idle_cpu_cores"), x.get("sub",{}).get("idle_cpu_cores")), lambda v:"%.4f / %.4f"%v)
    line("idle, 5,000 streams","CPU cores, pub / sub",c,{},ratios=False)
    c,_=cells("idle", lambda x: (x.get("pub",{}).get("rss_per_stream_kib"), x.get("sub",{}).get("rss_per_stream_kib")), lambda v:"%.1f / %.1f"%v)
    line("","RSS KiB per stream, pub / sub",c,{},ratios=False)
