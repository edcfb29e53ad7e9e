#!/usr/bin/python3
"""Wrap an arm64 Image in an EFI zboot image, as CONFIG_EFI_ZBOOT builds it.

    make-zboot.py IMAGE OUT [--ikconfig CONFIG]

Debian 12's arm64 kernels are plain Images; newer kernels (and other
distributions) ship them as EFI zboot: a small PE/COFF executable whose DOS
header says "zimg", where the gzip'd Image lies (offset, size) and how it is
compressed ("gzip"), followed by the payload and its uncompressed size
(drivers/firmware/efi/libstub/zboot-header.S).  The decompressor stub itself
is not needed to read the image, so it is left out.  With --ikconfig, the
IKCFG_ST <gzip of CONFIG> IKCFG_ED blob (CONFIG_IKCONFIG) is put at the end
of the Image first.
"""
import argparse
import gzip
import struct

ap = argparse.ArgumentParser()
ap.add_argument("image")
ap.add_argument("out")
ap.add_argument("--ikconfig")
a = ap.parse_args()

img = open(a.image, "rb").read()
if img[56:60] != b"ARM\x64":
    raise SystemExit(f"{a.image} is not an arm64 Image")
if a.ikconfig:
    img += b"IKCFG_ST" + gzip.compress(open(a.ikconfig, "rb").read(), 9) + b"IKCFG_ED"
payload = gzip.compress(img, 6)

hdr_len = 0x200
pe_off = 0x80
h = bytearray(hdr_len)
h[0:2] = b"MZ"
h[4:8] = b"zimg"
struct.pack_into("<II", h, 8, hdr_len, len(payload))
h[24:28] = b"gzip"
struct.pack_into("<II", h, 0x38, 0x818223CD, pe_off)  # LINUX_PE_MAGIC, PE header
h[pe_off:pe_off + 4] = b"PE\0\0"
struct.pack_into("<H", h, pe_off + 4, 0xAA64)  # IMAGE_FILE_MACHINE_ARM64
with open(a.out, "wb") as f:
    f.write(h)
    f.write(payload)
    f.write(struct.pack("<I", len(img)))
