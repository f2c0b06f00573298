#!/usr/bin/env python3
"""Hostile inputs for ctiflow, written to stdout (or a file with -o).

Large attacks are produced lazily, block by block, so a 10 GB gzip body or
a 10-million-event manifest never exists in memory or on disk; the writer
stops quietly when the reader closes the pipe.

usage: gen.py CASE [ARG] [-o FILE]
"""
import os
import signal
import sys
import zipfile
import zlib

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
MiB = 1 << 20
UUID = "5e1f3c2a-9b7d-4c11-8e2f-0a1b2c3d4e5f"


def out():
    return sys.stdout.buffer


def gzip_zeros(total):
    """A gzip stream of `total` zero bytes, built from one repeated block."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    w = out()
    w.write(c.compress(b"") + c.flush(zlib.Z_FULL_FLUSH))
    zeros = bytes(MiB)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    # after a full flush the dictionary is reset: the next block is the same
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    for _ in range(total // MiB - 2):
        w.write(block)
    w.write(c.flush())


def deep_json(kind, depth):
    w = out()
    if kind == "misp":
        w.write(b'{"Event":{"info":"deep","Attribute":[')
        w.write(b"[" * depth + b"]" * depth + b"]}}\n")
    elif kind == "stix2":
        w.write(b'{"type":"bundle","id":"bundle--' + UUID.encode() + b'","objects":[')
        w.write(b'{"x":' * depth + b"1" + b"}" * depth + b"]}\n")
    else:  # jsonl
        w.write(b'{"type":"ip","value":"198.51.100.1"}\n')
        w.write(b'{"type":"ip","value":' + b"[" * depth + b"]" * depth + b"}\n")
        w.write(b'{"type":"ip","value":"198.51.100.2"}\n')


def long_line(size):
    w = out()
    w.write(b"198.51.100.1\n")
    chunk = b"a" * MiB
    for _ in range(size // MiB):
        w.write(chunk)
    w.write(b"\n198.51.100.2\n")


def manifest(n):
    """A MISP manifest of n events, streamed."""
    w = out()
    w.write(b"{")
    buf = []
    for i in range(n):
        u = "%08x-0000-4000-8000-%012x" % (i >> 16, i)
        buf.append('%s"%s":{}' % ("," if i else "", u))
        if len(buf) == 4096:
            w.write("".join(buf).encode())
            buf = []
    w.write(("".join(buf) + "}\n").encode())


def stix1_cycle(n):
    w = out()
    w.write(b'<?xml version="1.0"?>\n<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"'
            b' xmlns:indicator="http://stix.mitre.org/Indicator-2"'
            b' xmlns:example="http://example.com" id="example:Package-1" version="1.2">\n'
            b"<stix:Indicators>\n")
    for i in range(n):
        w.write(b'<stix:Indicator id="example:ind-%d"><indicator:Related_Indicators>'
                b'<indicator:Related_Indicator><stix:Indicator idref="example:ind-%d"/>'
                b"</indicator:Related_Indicator></indicator:Related_Indicators>"
                b"</stix:Indicator>\n" % (i, (i + 1) % n))
    w.write(b"</stix:Indicators>\n</stix:STIX_Package>\n")


def zip_slip(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../x", "198.51.100.1\n")


def zip_bomb(path, size):
    """One member of `size` zero bytes (< 4 GiB), deflated by a repeated block."""
    import struct
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MiB)
    c.compress(zeros)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    n = size // MiB
    data = block * n + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(zeros, crc)
    name = b"bomb.txt"
    usize = n * MiB
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), usize,
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data),
                          usize, len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    with open(path, "wb") as f:
        f.write(local + data + central + end)


def main():
    args = sys.argv[1:]
    if "-o" in args:
        i = args.index("-o")
        path = args[i + 1]
        del args[i:i + 2]
        if args[0] in ("zip-slip", "zip-bomb"):
            pass
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
    else:
        path = None
    case = args[0]
    arg = int(args[1]) if len(args) > 1 else 0
    if case == "gzip-zeros":
        gzip_zeros(arg)
    elif case.startswith("deep-"):
        deep_json(case[5:], arg)
    elif case == "long-line":
        long_line(arg)
    elif case == "manifest":
        manifest(arg)
    elif case == "stix1-cycle":
        stix1_cycle(arg)
    elif case == "zip-slip":
        zip_slip(path)
    elif case == "zip-bomb":
        zip_bomb(path, arg)
    else:
        sys.exit("unknown case " + case)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
