#!/usr/bin/env python3
"""python-tuf's ngclient, the reference TUF client, updating from Herald and downloading one target.

    client.py METADATA_DIR REPOSITORY_URL TARGET_PATH DOWNLOAD_DIR [BOOTSTRAP_ROOT]

REPOSITORY_URL is /tuf/PRODUCT; BOOTSTRAP_ROOT, the first time, is the root the client trusts.
Prints the target's custom fields and file as JSON; on any refusal prints `refused: ERROR` with
the exception's class and exits 1.
"""
import json
import os
import sys

from tuf.api import exceptions
from tuf.ngclient import Updater


def main():
    metadata_dir, base, target_path, download_dir = sys.argv[1:5]
    bootstrap = None
    if len(sys.argv) > 5:
        with open(sys.argv[5], "rb") as handle:
            bootstrap = handle.read()
    os.makedirs(metadata_dir, exist_ok=True)
    os.makedirs(download_dir, exist_ok=True)
    try:
        updater = Updater(metadata_dir, f"{base}/metadata/", download_dir, f"{base}/targets/", bootstrap=bootstrap)
        updater.refresh()
        info = updater.get_targetinfo(target_path)
        if info is None:
            print(f"refused: no target {target_path}")
            sys.exit(1)
        path = updater.download_target(info, os.path.join(download_dir, target_path.replace("/", "_")))
    except exceptions.RepositoryError as error:
        print(f"refused: {type(error).__name__}: {error}")
        sys.exit(1)
    except exceptions.DownloadError as error:
        print(f"refused: {type(error).__name__}: {error}")
        sys.exit(1)
    print(json.dumps({"custom": info.custom, "file": path, "length": info.length, "timestamp": updater._trusted_set.timestamp.version,
                      "root": updater._trusted_set.root.version}))


if __name__ == "__main__":
    main()
