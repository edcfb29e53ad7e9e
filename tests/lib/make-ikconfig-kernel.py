#!/usr/bin/python3
"""Build a kernel-like bzImage carrying its configuration (CONFIG_IKCONFIG).

    make-ikconfig-kernel.py CONFIG OUT [FILLER] [--size MB] [--comp gzip|xz|lzo]
    make-ikconfig-kernel.py CONFIG OUT --from VMLINUZ [--comp gzip|xz|lzo]

Debian's kernels are built without CONFIG_IKCONFIG, so tests and the benchmark
make their own: a plain "vmlinux" of SIZE MB (default 40; an ELF header, then
FILLER text repeated, e.g. a System.map, so it compresses like code does) with
the "IKCFG_ST" <gzip of CONFIG> "IKCFG_ED" blob 60% of the way in, as
kernel/configs.c lays it out; compressed as the payload of a bzImage whose
setup header follows the x86 boot protocol 2.15 (64-bit, EFI handover).
With --from, the plain kernel is a real one: the xz payload of VMLINUZ,
decompressed, with the blob put in (its size and content are then realistic).
"""
import argparse
import gzip
import lzma
import struct
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("config")
ap.add_argument("out")
ap.add_argument("filler", nargs="?")
ap.add_argument("--size", type=int, default=40)
ap.add_argument("--comp", choices=["gzip", "xz", "lzo"], default="gzip")
ap.add_argument("--from", dest="src")
a = ap.parse_args()
size = a.size * 1024 * 1024
comp = a.comp
config = open(a.config, "rb").read()
filler = open(a.filler, "rb").read() if a.filler else b"mov %rax,%rbx\n" * 4096

def real_vmlinux(path):
    d = open(path, "rb").read()
    pm = ((d[0x1F1] or 4) + 1) * 512
    poff, plen = struct.unpack_from("<II", d, 0x248)
    return lzma.LZMADecompressor().decompress(d[pm + poff:pm + poff + plen])


blob = b"IKCFG_ST" + gzip.compress(config, 9) + b"IKCFG_ED"
at = size * 6 // 10
head = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HH", 2, 62)
if a.src:
    real = real_vmlinux(a.src)
    at = len(real) * 6 // 10
    plain = bytearray(real[:at]) + blob + real[at:]
else:
    plain = bytearray(head)
    while len(plain) < at:
        plain += filler
    del plain[at:]
    plain += blob
    while len(plain) < size:
        plain += filler
    del plain[size:]
if comp == "xz":
    payload = lzma.compress(bytes(plain), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
elif comp == "lzo":
    # what the kernel's build runs for CONFIG_KERNEL_LZO
    payload = subprocess.run(["lzop", "-9", "-c"], input=bytes(plain), check=True,
                             stdout=subprocess.PIPE).stdout
else:
    payload = gzip.compress(bytes(plain), 6)
payload += struct.pack("<I", len(plain))  # the kernel's size trailer

setup_sects = 1
pm = (setup_sects + 1) * 512
img = bytearray(pm + 0x40)
img[0:2] = b"MZ"
struct.pack_into("<I", img, 0x3C, 0x80)
img[0x80:0x84] = b"PE\0\0"
img[0x1F1] = setup_sects
img[0x202:0x206] = b"HdrS"
struct.pack_into("<H", img, 0x206, 0x020F)
version = b"6.1.0-ikconfig-test (amiwiz test) #1 SMP\0"
struct.pack_into("<H", img, 0x20E, 0x300 - 0x200)
img[0x300:0x300 + len(version)] = version
struct.pack_into("<H", img, 0x236, 0x1 | 0x2 | 0x8)  # 64-bit, above 4G, EFI handover 64
struct.pack_into("<II", img, 0x248, 0x40, len(payload))
img += payload
open(a.out, "wb").write(img)
