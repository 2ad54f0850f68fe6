"""boto3's side of Tests/S3/run: what an operator's own S3 tooling sees of Herald's bucket.

    bucket.py ENDPOINT setup BUCKET        -> prints ACCESS_KEY_ID SECRET (an IAM user made with the
                                              unchecked first calls; the bucket made with its key)
    bucket.py ENDPOINT keys                -> lists every key of every bucket, one a line
    bucket.py ENDPOINT get BUCKET KEY OUT  -> writes the object's bytes to OUT
    bucket.py ENDPOINT sha256 BUCKET KEY   -> the object's SHA-256, read in 8 MiB pieces

The key and secret for every command but setup come from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY.
"""
import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config


def client(endpoint, service, **keys):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}), **keys)


def main():
    endpoint, command, *rest = sys.argv[1:]
    if command == "setup":
        (bucket,) = rest
        # Three calls go through unchecked (INITIAL_NO_AUTH_ACTION_COUNT=3): a user, its key, its policy.
        iam = client(endpoint, "iam", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="herald")
        key = iam.create_access_key(UserName="herald")["AccessKey"]
        iam.put_user_policy(UserName="herald", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        s3 = client(endpoint, "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        s3.create_bucket(Bucket=bucket)
        print(key["AccessKeyId"], key["SecretAccessKey"])
        return
    s3 = client(endpoint, "s3")
    if command == "keys":
        for bucket in s3.list_buckets()["Buckets"]:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
                for item in page.get("Contents", []):
                    print(item["Key"], item["Size"])
    elif command == "get":
        bucket, key, out = rest
        with open(out, "wb") as f:
            f.write(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    elif command == "sha256":
        bucket, key = rest
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for piece in iter(lambda: body.read(8 << 20), b""):
            digest.update(piece)
        print(digest.hexdigest())
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
