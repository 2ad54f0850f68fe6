"""The console's render time for a large product: 1,000 builds and 200 channels.

  python3 Benchmarks/console.py BASE TOKEN EMAIL PASSWORD

Creates the product bench_console through the API (1,000 plugin builds, 200 channels, some
pinned to old builds), signs in, then asks for each page 200 times over one kept-alive
connection and prints the median and 90th percentile of the time to the last byte.
"""

import http.client
import io
import json
import statistics
import sys
import time
import urllib.parse
import zipfile

base, token, email, password = sys.argv[1:5]
url = urllib.parse.urlsplit(base)
product = "bench_console"


def connection():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), response


def plugin(version):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{product}/{product}.php", f"<?php\n/**\n * Plugin Name: Bench Console\n * Version: {version}\n */\n")
    return buffer.getvalue()


api = connection()
auth = {"Authorization": "Bearer " + token}
status, _, _ = call(api, "PUT", f"/api/v1/{product}", json.dumps({"name": "Bench Console"}), {**auth, "Content-Type": "application/json"})
assert status in (200, 201), status
hashes = []
for index in range(1000):
    version = f"{index // 100}.{index // 10 % 10}.{index % 10}"
    status, body, _ = call(api, "POST", f"/api/v1/{product}/development/builds", plugin(version),
                           {**auth, "Content-Type": "application/zip"})
    assert status == 201, (status, body[:200])
    hashes.append(json.loads(body)["response"]["build_hash"])
for index in range(200):
    fields = {"channel_name": f"Customer {index}", "is_custom": "true"}
    if index % 2 == 0:
        fields["build_following"] = hashes[index * 5]
    status, body, _ = call(api, "PUT", f"/api/v1/{product}/customer-{index}", json.dumps(fields), {**auth, "Content-Type": "application/json"})
    assert status in (200, 201), (status, body[:200])

form = urllib.parse.urlencode({"email": email, "password": password})
status, _, response = call(api, "POST", "/admin/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
assert status == 303, status
cookie = response.getheader("Set-Cookie").split(";")[0]

for page in [f"/admin/products/{product}", f"/admin/products/{product}/plan", f"/admin/products/{product}/channels/stable", "/admin/"]:
    times = []
    for _ in range(200):
        start = time.perf_counter()
        status, body, _ = call(api, "GET", page, headers={"Cookie": cookie})
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    times.sort()
    print(f"console: {page} with 1,000 builds and 200 channels: median {statistics.median(times):.1f} ms, "
          f"p90 {times[int(len(times) * 0.9)]:.1f} ms, {len(body) // 1024} KiB (target: median < 50 ms)")
