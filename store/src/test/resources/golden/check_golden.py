#!/usr/bin/env python3
"""Independent check of the golden files against ENCODING.md (no MAL code involved).

Run: python3 store/src/test/resources/golden/check_golden.py
Decodes cache-key-evaluation.txt and store-records.txt, checks lengths, sort order, CRC32C and SHA-256.
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def read(name):
    out = {}
    for line in open(os.path.join(HERE, name), encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def decode_key(b):
    pos = [0]

    def take(n):
        r = b[pos[0]:pos[0] + n]
        assert len(r) == n, "truncated"
        pos[0] += n
        return r

    def u32():
        return struct.unpack(">I", take(4))[0]

    def s():
        return take(u32()).decode("utf-8")

    def value():
        t = chr(take(1)[0])
        if t == "S": return s()
        if t == "L": return struct.unpack(">q", take(8))[0]
        if t == "D": return struct.unpack(">d", take(8))[0]
        if t == "Z":
            v = take(1)[0]
            assert v in (0, 1)
            return bool(v)
        if t == "B": return take(u32())
        if t == "T": return [value() for _ in range(u32())]
        if t == "M": return named(u32())
        raise ValueError("unknown tag " + t)

    def named(n):
        out, prev = {}, None
        for _ in range(n):
            k = s()
            assert prev is None or prev < k.encode(), "names not sorted by UTF-8 bytes"
            prev = k.encode()
            out[k] = value()
        return out

    assert take(4) == b"MALK" and take(1) == b"\x01"
    kind = s()
    fields = named(u32())
    assert pos[0] == len(b), "trailing bytes"
    return kind, fields


def crc32c(data):
    crc = 0xFFFFFFFF
    for x in data:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def envelope(key, value, expected_type):
    assert value[0] == 0xA7 and value[1] == 1 and value[2] == expected_type
    n = struct.unpack(">I", value[3:7])[0]
    assert len(value) == n + 11
    assert struct.unpack(">I", value[7 + n:])[0] == crc32c(key + value[:7 + n]), "CRC32C"
    return value[7:7 + n]


def main():
    g = read("cache-key-evaluation.txt")
    enc = bytes.fromhex(g["encoding"])
    kind, fields = decode_key(enc)
    assert hashlib.sha256(enc).hexdigest() == g["sha256"]
    print("cache key:", kind, fields)

    r = {k: bytes.fromhex(v) for k, v in read("store-records.txt").items()}
    assert envelope(r["meta.key"], r["meta.value"], 1) == b"1" and r["meta.key"] == b"store.format-version"
    assert r["journal.key"] == struct.pack(">q", 1)
    print("journal 1:", envelope(r["journal.key"], r["journal.value"], 3).decode())
    assert r["evaluation.key"].hex() == g["sha256"]
    print("evaluation:", envelope(r["evaluation.key"], r["evaluation.value"], 2).decode())
    m = envelope(r["blob.manifest.key"], r["blob.manifest.value"], 4)
    length, chunk_size, count = struct.unpack(">qII", m[:16])
    assert len(m) == 16 + 32 * count
    chunk = envelope(r["blob.chunk.key"], r["blob.chunk.value"], 5)
    assert r["blob.manifest.key"] == b"M" + hashlib.sha256(chunk).digest()
    assert r["blob.chunk.key"] == b"C" + hashlib.sha256(chunk).digest() and m[16:] == hashlib.sha256(chunk).digest()
    print("blob:", length, "bytes,", count, "chunk(s) of", chunk_size, "->", chunk)
    print("golden files agree with ENCODING.md")


if __name__ == "__main__":
    main()
