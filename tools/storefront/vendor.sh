#!/usr/bin/env bash
# Refresh the storefront's vendored ES modules from tools/storefront/package-lock.json (`make storefront-vendor`).
# npm installs the pinned packages into the git-ignored .storefront-npm/; only the browser builds and
# licences are copied into api/static/storefront/vendor/, which is committed (the page needs no build step).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/.storefront-npm
vendor=$root/api/static/storefront/vendor
rm -rf "$work" && mkdir -p "$work" "$vendor"
cp "$root/tools/storefront/package.json" "$root/tools/storefront/package-lock.json" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
modules=$work/node_modules
cp "$modules/preact/dist/preact.mjs" "$vendor/preact.js"
cp "$modules/preact/hooks/dist/hooks.mjs" "$vendor/preact-hooks.js"
cp "$modules/htm/dist/htm.mjs" "$vendor/htm.js"
cp "$modules/preact/LICENSE" "$vendor/LICENSE.preact"
cp "$modules/htm/LICENSE" "$vendor/LICENSE.htm"
sed -i '/sourceMappingURL/d' "$vendor/preact.js" "$vendor/preact-hooks.js"
for name in preact htm; do
  printf '%s %s\n' "$name" "$(node -p "require('$modules/$name/package.json').version")"
done > "$vendor/VERSIONS"
echo "vendored into $vendor: $(tr '\n' ' ' < "$vendor/VERSIONS")"
