#!/usr/bin/env python3
"""nothing-left.py REPORT.json: the run skipped no case, and none of the customers it created (nor the guest customer
and the revoked key it provisioned) is left in the deployment, as its Admin API tells ($MEDUSA_BASE_URL,
$MEDUSA_ADMIN_TOKEN: the deployment itself, not an edge in front of it)."""
import json, os, sys, urllib.request, urllib.error
report = json.load(open(sys.argv[1]))
skipped = [c["name"] for c in report["cases"] if c["outcome"] == "skipped"]
if skipped:
    sys.exit(f"skipped with admin access: {', '.join(skipped)}")
base, token = os.environ["MEDUSA_BASE_URL"], os.environ["MEDUSA_ADMIN_TOKEN"]
def found(path):
    request = urllib.request.Request(base + path, headers={"authorization": f"Bearer {token}"})
    try:
        urllib.request.urlopen(request)
        return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
ids = [c["customer_id"] for c in report["created"] if c["customer_id"]]
removed = report["cleanup"]["removed"]
left = [i for i in ids if found(f"/admin/customers/{i}")]
if left or not ids or not any("guest" in r for r in removed) or not any("publishable key" in r for r in removed):
    sys.exit(f"the run left customers behind: {left}; it removed: {removed}")
print(f"the run's {len(ids)} customers, its guest and its revoked key are gone")
