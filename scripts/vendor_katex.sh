#!/usr/bin/env bash
# Re-vendor KaTeX from the npm registry into dailypapers/static/vendor/katex.
# Usage: scripts/vendor_katex.sh 0.19.1
set -euo pipefail
version="${1:?usage: $0 VERSION}"
dest="$(cd "$(dirname "$0")/.." && pwd)/dailypapers/static/vendor/katex"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "katex@${version}" >/dev/null && tar xzf "katex-${version}.tgz")
rm -rf "$dest/fonts" "$dest/contrib"
mkdir -p "$dest/fonts" "$dest/contrib"
cp "$work/package/dist/katex.min.js" "$work/package/dist/katex.min.css" "$dest/"
cp "$work/package/dist/contrib/auto-render.min.js" "$dest/contrib/"
cp "$work/package/dist/fonts/"*.woff2 "$dest/fonts/"
cp "$work/package/LICENSE" "$dest/LICENSE"
sed -i "s/KaTeX [0-9.]*/KaTeX ${version}/; s/katex@[0-9.]*/katex@${version}/" "$dest/PROVENANCE.md"
echo "vendored katex ${version} into ${dest}"
