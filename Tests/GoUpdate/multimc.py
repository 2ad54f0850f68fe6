#!/usr/bin/env python3
"""MultiMC's update check and update, step for step as the launcher's GoUpdate code does them.

    multimc.py CHANNEL_LIST_URL CHANNEL CURRENT_BUILD_ID [INSTALL_DIR]

Written from the launcher's behaviour (UpdateChecker, DownloadTask, the update operations):

1. GET the channel list; `format_version` must be 0; channels with an empty id, name or url
   are skipped. The channel whose id is CHANNEL gives the repository URL.
2. GET `index.json` resolved against that URL; `ApiVersion` must be 0. The version with the
   highest `Id` (read as an integer, so "3" is 3) is the newest; it is offered when its Id
   differs from the running build's, so a lower Id is offered as a downgrade.
3. With INSTALL_DIR, the update: `{Id}.json` of the offered build and of the running one, from
   the same repository. Every file of the new version whose MD5 differs from the file on disk
   is downloaded from its `http` sources (`httpc` is skipped), its MD5 checked, written, and
   given the mode `Perms` (a file that did not change is left as it is); files the running version listed and the new one does not are
   deleted.

Prints `offered ID NAME` or `no update`, then `updated to ID` after an update. Exits non-zero
on any error, as the launcher gives up.
"""
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
        return response.read()


def to_int(value):
    """QVariant::toInt: a number, or a string of digits; anything else is 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def channel_repository(list_url, channel_id):
    channels = json.loads(fetch(list_url))
    if "format_version" not in channels or to_int(channels["format_version"]) != 0:
        raise SystemExit(f"channel list format {channels.get('format_version')} is not 0")
    for channel in channels.get("channels", []):
        if not channel.get("id") or not channel.get("name") or not channel.get("url"):
            continue
        if channel["id"] == channel_id:
            return channel["url"]
    raise SystemExit(f"no channel {channel_id} in the channel list")


def newest_version(repository):
    index = json.loads(fetch(urllib.parse.urljoin(repository, "index.json")))
    if "ApiVersion" not in index or to_int(index["ApiVersion"]) != 0:
        raise SystemExit(f"index ApiVersion {index.get('ApiVersion')} is not 0")
    newest = {"Id": 0}
    for version in index.get("Versions", []):
        if to_int(newest.get("Id")) < to_int(version.get("Id")):
            newest = version
    return newest


def version_files(repository, build_id):
    info = json.loads(fetch(urllib.parse.urljoin(repository, f"{build_id}.json")))
    files = {}
    for entry in info.get("Files", []):
        sources = [source["Url"] for source in entry.get("Sources", []) if source.get("SourceType") == "http"]
        files[entry["Path"]] = {"md5": entry.get("MD5", ""), "perms": to_int(entry.get("Perms")), "sources": sources}
    return files


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def update(repository, current, new, install_dir):
    new_files = version_files(repository, new)
    try:
        old_files = version_files(repository, current)
    except Exception:
        old_files = {}
    staged = {}
    for path, entry in new_files.items():
        target = os.path.join(install_dir, path)
        if os.path.isfile(target) and md5_of(target) == entry["md5"]:
            staged[path] = None
            continue
        if not entry["sources"]:
            raise SystemExit(f"{path} has no http source")
        data = None
        for url in entry["sources"]:
            data = fetch(url)
        if hashlib.md5(data).hexdigest() != entry["md5"]:
            raise SystemExit(f"{path}: MD5 differs")
        staged[path] = data
    for path, data in staged.items():
        target = os.path.join(install_dir, path)
        if data is None:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
        os.chmod(target, new_files[path]["perms"])
    for path in old_files:
        if path not in new_files and os.path.isfile(os.path.join(install_dir, path)):
            os.remove(os.path.join(install_dir, path))


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    list_url, channel_id, current = sys.argv[1], sys.argv[2], int(sys.argv[3])
    repository = channel_repository(list_url, channel_id)
    newest = newest_version(repository)
    newest_id = to_int(newest.get("Id"))
    if newest_id == current:
        print("no update")
        return
    print(f"offered {newest_id} {newest.get('Name')}")
    if len(sys.argv) == 5:
        update(repository, current, newest_id, sys.argv[4])
        print(f"updated to {newest_id}")


if __name__ == "__main__":
    main()
