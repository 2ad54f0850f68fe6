#!/usr/bin/env python3
"""Reads Herald's desktop feeds as their clients do and checks every file and signature with
implementations that share nothing with Herald: Python's XML and YAML parsers, hashlib, PyNaCl
(libsodium) for Ed25519, and a minisign verifier written here from minisign's format.

    verify.py sparkle|electron|tauri|minisign ARGS...

Each command prints `ok - ...` per check or exits non-zero with what differed.
"""
import base64
import email.utils
import hashlib
import json
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree

import nacl.exceptions
import nacl.signing
import yaml

SPARKLE = "{http://www.andymatuschak.org/xml-namespaces/sparkle}"


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def fail(message):
    raise SystemExit(f"FAILED: {message}")


def expect(condition, message):
    if not condition:
        fail(message)
    print(f"ok - {message}")


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def ed25519_verifies(public_key, signature, message):
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        return True
    except nacl.exceptions.BadSignatureError:
        return False


def minisign_verifies(public_key_text, signature_text, data):
    """minisign's verification: the key number must match, the signature must verify over the
    data (legacy `Ed`) or its BLAKE2b-512 (prehashed `ED`), and the global signature over the
    signature and the trusted comment."""
    key_line = [line for line in public_key_text.splitlines() if line and not line.startswith("untrusted comment:")][0]
    key = base64.b64decode(key_line)
    if len(key) != 42 or key[:2] != b"Ed":
        return False
    lines = signature_text.splitlines()
    if len(lines) < 4 or not lines[0].startswith("untrusted comment:") or not lines[2].startswith("trusted comment: "):
        return False
    signature = base64.b64decode(lines[1])
    if len(signature) != 74 or signature[2:10] != key[2:10]:
        return False
    algorithm = signature[:2]
    if algorithm == b"ED":
        message = hashlib.blake2b(data, digest_size=64).digest()
    elif algorithm == b"Ed":
        message = data
    else:
        return False
    if not ed25519_verifies(key[10:], signature[10:], message):
        return False
    trusted = lines[2][len("trusted comment: "):].encode()
    return ed25519_verifies(key[10:], base64.b64decode(lines[3]), signature[10:] + trusted)


def sparkle(url, public_key_b64, expectations_json):
    """expectations: [{"channel": null|"beta", "version": "...", "file": PATH, ...}]"""
    public_key = base64.b64decode(public_key_b64)
    status, body = fetch(url)
    expect(status == 200, f"{url} answers 200")
    root = ElementTree.fromstring(body)
    items = root.findall("./channel/item")
    for expected in json.loads(expectations_json):
        matching = [item for item in items if (item.findtext(SPARKLE + "channel") or None) == expected["channel"]
                    and item.findtext(SPARKLE + "version") == expected["version"]]
        where = f"sparkle {expected['channel'] or 'stable'} {expected['version']}"
        expect(len(matching) == 1, f"{where}: one item")
        item = matching[0]
        expect(item.findtext(SPARKLE + "shortVersionString") == expected["version"], f"{where}: shortVersionString")
        expect(email.utils.parsedate_to_datetime(item.findtext("pubDate")) is not None, f"{where}: pubDate is an RFC 822 date")
        for name in ("minimumSystemVersion", "minimumAutoupdateVersion", "releaseNotesLink"):
            if name in expected:
                expect(item.findtext(SPARKLE + name) == expected[name], f"{where}: {name} {expected[name]}")
        if "critical" in expected:
            expect((item.find(SPARKLE + "criticalUpdate") is not None) == expected["critical"], f"{where}: criticalUpdate {expected['critical']}")
        if "phased" in expected:
            expect(item.findtext(SPARKLE + "phasedRolloutInterval") == expected["phased"], f"{where}: phasedRolloutInterval {expected['phased']}")
        enclosure = item.find("enclosure")
        data = read(expected["file"])
        _, downloaded = fetch(enclosure.get("url"))
        expect(downloaded == data, f"{where}: the enclosure downloads the right file")
        expect(int(enclosure.get("length")) == len(data), f"{where}: length is the file's size")
        expect(enclosure.get("type") == "application/octet-stream", f"{where}: type")
        signature = base64.b64decode(enclosure.get(SPARKLE + "edSignature"))
        expect(ed25519_verifies(public_key, signature, downloaded), f"{where}: sparkle:edSignature verifies (PyNaCl) over the bytes")
        expect(not ed25519_verifies(public_key, signature, downloaded + b"x"), f"{where}: ...and not over other bytes")
    expected_count = len(json.loads(expectations_json))
    expect(len(items) == expected_count, f"the appcast has {expected_count} items")


def electron(url, version, files_json, staging=None):
    status, body = fetch(url)
    expect(status == 200, f"{url} answers 200")
    info = yaml.safe_load(body)
    where = url.rsplit("/", 1)[-1]
    expect(str(info["version"]) == version, f"{where}: version {version}")
    files = json.loads(files_json)
    expect(len(info["files"]) == len(files), f"{where}: {len(files)} files")
    for entry, path in zip(info["files"], files):
        data = read(path)
        _, downloaded = fetch(entry["url"])
        expect(downloaded == data, f"{where}: {entry['url'].rsplit('/', 2)[-2]} downloads the right file")
        expect(entry["sha512"] == base64.b64encode(hashlib.sha512(downloaded).digest()).decode(), f"{where}: sha512 is the file's, base64")
        expect(entry["size"] == len(data), f"{where}: size")
    expect(info["path"] == info["files"][0]["url"] and info["sha512"] == info["files"][0]["sha512"], f"{where}: path and sha512 repeat the first file")
    expect("releaseDate" in info and "T" in str(info["releaseDate"]), f"{where}: releaseDate")
    if staging is None:
        expect("stagingPercentage" not in info, f"{where}: no stagingPercentage")
    else:
        expect(float(info["stagingPercentage"]) == float(staging), f"{where}: stagingPercentage {staging}")


def tauri(url, public_key_b64, version, path):
    status, body = fetch(url)
    expect(status == 200, f"{url} answers 200")
    update = json.loads(body)
    check_tauri_entry(update, public_key_b64, path, url.split("/tauri/", 1)[1])
    expect(update["version"] == version, f"tauri {url}: version {version}")
    expect("pub_date" in update and "notes" in update, f"tauri {url}: pub_date and notes")


def check_tauri_entry(entry, public_key_b64, path, where):
    data = read(path)
    _, downloaded = fetch(entry["url"])
    expect(downloaded == data, f"tauri {where}: url downloads the right file")
    public_key_text = base64.b64decode(public_key_b64).decode()
    signature_text = base64.b64decode(entry["signature"]).decode()
    expect(minisign_verifies(public_key_text, signature_text, downloaded), f"tauri {where}: the minisign signature verifies (independent verifier)")
    expect(not minisign_verifies(public_key_text, signature_text, downloaded[:-1] + bytes([downloaded[-1] ^ 1])),
           f"tauri {where}: ...and fails for a changed byte")


def tauri_none(url):
    try:
        status, _ = fetch(url)
    except urllib.error.HTTPError as error:
        status = error.code
    expect(status == 204, f"{url} answers 204")


def tauri_latest(url, public_key_b64, version, platforms_json):
    status, body = fetch(url)
    expect(status == 200, f"{url} answers 200")
    latest = json.loads(body)
    expect(latest["version"] == version, f"latest.json: version {version}")
    platforms = json.loads(platforms_json)
    expect(sorted(latest["platforms"]) == sorted(platforms), f"latest.json: platforms {sorted(platforms)}")
    for name, path in platforms.items():
        check_tauri_entry(latest["platforms"][name], public_key_b64, path, f"latest.json {name}")


def minisign(url, key_file, signature_file, data_file):
    """Writes the dynamic answer's signature and the key where Debian's minisign reads them."""
    _, body = fetch(url)
    entry = json.loads(body)
    with open(signature_file, "wb") as handle:
        handle.write(base64.b64decode(entry["signature"]))
    _, data = fetch(entry["url"])
    with open(data_file, "wb") as handle:
        handle.write(data)
    _, key = fetch(key_file)
    with open(signature_file + ".pub", "wb") as handle:
        handle.write(json.loads(key)["response"]["minisign_public_key"].encode())


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"sparkle": sparkle, "electron": electron, "tauri": tauri, "tauri-none": tauri_none, "tauri-latest": tauri_latest,
     "minisign": minisign}[command](*arguments)
