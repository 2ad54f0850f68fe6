#!/usr/bin/env python3
"""Scrapes Herald's /metrics and parses it with prometheus-client's own text parser.

    check.py URL TOKEN OUT.json   writes every sample as {"name{label=value,...}": value}
                                  (TOKEN empty: no Authorization header, for --metrics-port)
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

url, token, out = sys.argv[1:4]
request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
with urllib.request.urlopen(request, timeout=30) as response:
    text = response.read().decode()
samples = {}
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
        samples[f"{sample.name}{{{labels}}}"] = sample.value
with open(out, "w") as handle:
    json.dump(samples, handle, indent=1, sort_keys=True)
print(f"{len(samples)} samples")
