#!/usr/bin/env python3
"""Generate benchmark feeds: a URLhaus-style CSV and a plain IP list.

usage: gen_feeds.py DIR [ROWS]

Writes DIR/urlhaus.csv (the URLhaus csv_recent layout: '#' banner, the
column list in a comment, all fields quoted, comma-joined tags) and
DIR/ips.txt (one IPv4 address per line, Spamhaus-style comment header).
Values are deterministic; about 10 % of the rows repeat an earlier value
so that de-duplication has work to do.
"""
import random
import sys


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    rnd = random.Random(20261203)
    tags = ["elf", "Mozi", "32-bit", "mips", "arm", "mirai", "sh", "exe", "AgentTesla"]
    paths = ["bin.sh", "i", "Mozi.m", "Mozi.a", "x86", "wget.sh", "update.exe", "a/b/c.php"]

    with open(f"{out}/urlhaus.csv", "w", newline="") as f:
        f.write("################################################################\n")
        f.write("# abuse.ch URLhaus Database Dump (CSV - recent URLs)            #\n")
        f.write("################################################################\n#\n")
        f.write("# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n")
        for i in range(rows):
            n = rnd.randrange(i + 1) if i and rnd.random() < 0.1 else i
            if n % 3 == 0:
                host = f"{(n >> 16) % 223 + 1}.{(n >> 8) % 256}.{n % 256}.{(n * 7) % 254 + 1}"
                host += f":{1024 + n % 60000}"
            else:
                host = f"host{n}.bad-{n % 997}.example"
            url = f"http://{host}/{paths[n % len(paths)]}"
            day = 1 + n % 28
            t = f"2025-04-{day:02d} {n % 24:02d}:{n % 60:02d}:{(n * 3) % 60:02d}"
            tg = ",".join(tags[(n + k) % len(tags)] for k in range(1 + n % 4))
            f.write(f'"{3000000 + i}","{t}","{url}","online","{t}","malware_download",'
                    f'"{tg}","https://urlhaus.abuse.ch/url/{3000000 + i}/","reporter{n % 50}"\n')

    with open(f"{out}/ips.txt", "w") as f:
        f.write("; Generated IP list for benchmarks\n; one address per line\n")
        for i in range(rows):
            n = rnd.randrange(i + 1) if i and rnd.random() < 0.1 else i
            f.write(f"{(n >> 24) % 223 + 1}.{(n >> 16) % 256}.{(n >> 8) % 256}.{n % 256}\n")


if __name__ == "__main__":
    main()
