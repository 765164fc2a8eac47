#!/usr/bin/env bash
# e2e: what `cmake --install` installs, used as a C developer would. Installs
# into a temporary prefix (and once more staged with DESTDIR), builds
# examples/render.c against it with `pkg-config --cflags --libs briefpress`
# (shared, then --static) and with its CMake package, runs each from outside
# the source tree and without BRIEFPRESS_FONTS (the library must find the
# installed fonts), and compares the PDFs with the installed CLI's: the same
# bytes. Also: only the public API is exported, libharu's memory helpers are
# not in the library, no source-tree path is compiled into it, and the
# installed man pages render. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
# (grep without -q after a pipe: -q stops reading early, and the writer's
# SIGPIPE would fail the pipeline)
build=$(realpath "$2") src=$(pwd)
work=$build/e2e-install
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
unset BRIEFPRESS_FONTS FONTCONFIG_FILE
fail=0
no() { echo "FAIL: $*"; fail=1; }
cp -r data templates "$work/"
brief=$work/data/briefs/nk-missions.json
# the same brief under a template with an SVG logo: what the image module draws
mkdir -p "$work/fixtures/briefs" "$work/fixtures/images"
cp tests/fixtures/briefs/logo-svg-template.json "$work/fixtures/briefs/"
cp tests/fixtures/images/logo.svg "$work/fixtures/images/"
svg_brief=$work/data/briefs/nk-missions-svg.json
sed 's|"template": "[^"]*"|"template": "../../fixtures/briefs/logo-svg-template.json"|' "$brief" > "$svg_brief"

# a sanitizer build's library needs its runtime in the program too
san=
grep -q '^BP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=address,undefined"

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
libdir=$(dirname "$(find "$prefix" -name libbriefpress.so -print -quit)")
[[ -d $libdir ]] || { echo "FAIL: no libbriefpress.so installed"; exit 1; }
for f in bin/briefpress include/briefpress.h share/briefpress/fonts/MANIFEST.tsv \
  share/briefpress/fonts/fonts.conf share/briefpress/templates/one-page-brief.json \
  share/man/man1/briefpress.1 share/man/man5/briefpress-templates.5 \
  share/bash-completion/completions/briefpress; do
  [[ -e $prefix/$f ]] || no "not installed: $f"
done
for f in libbriefpress.a libbriefpress.so.0 pkgconfig/briefpress.pc cmake/briefpress/briefpressConfig.cmake; do
  [[ -e $libdir/$f ]] || no "not installed: $libdir/$f"
done
n_fonts=$(grep -vc '^#' "$src/fonts/MANIFEST.tsv")
[[ $(ls "$prefix/share/briefpress/fonts/"*.ttf | wc -l) == "$n_fonts" ]] || no "not every font installed"

for page in man1/briefpress.1 man5/briefpress-templates.5; do
  MANPAGER=cat PAGER=cat man -l "$prefix/share/man/$page" 2>&1 | grep "^NAME" >/dev/null || no "man -l of the installed $page"
done

# the library: only briefpress_* (and the libharu seek fix, see docs/pdf-device.md) exported
exported=$(nm -D --defined-only "$libdir/libbriefpress.so" | awk '{print $3}' | grep -v '^briefpress_' | grep -v '^HPDF_MemStream_SeekFunc$')
[[ -z $exported ]] || no "the shared library exports more than its API: $(echo $exported | head -c 300)"
nm -D --defined-only "$libdir/libbriefpress.so" | grep -E ' HPDF_Mem(Cpy|Set)$' >/dev/null && no "libbriefpress.so overrides HPDF_MemCpy/MemSet"
nm "$libdir/libbriefpress.a" 2>/dev/null | grep -E ' T HPDF_Mem(Cpy|Set)$' >/dev/null && no "libbriefpress.a overrides HPDF_MemCpy/MemSet"
# no folder of the source tree's data is compiled in (the debug information
# and the sanitizers' source locations name src/, which is fine)
for lib in "$libdir/libbriefpress.so.0" "$prefix/bin/briefpress"; do
  readelf -p .rodata "$lib" | grep -E "$src/(fonts|templates|data)" >/dev/null &&
    no "a source-tree folder is compiled into $lib"
done
readelf -d "$libdir/libbriefpress.so.0" | grep TEXTREL >/dev/null && no "libbriefpress.so is not position-independent"

# the installed CLI, from another folder, finds its own fonts
cd "$work"
"$prefix/bin/briefpress" render "$brief" -o "$work/cli.pdf" || no "the installed CLI failed"
"$prefix/bin/briefpress" --version | grep "^briefpress " >/dev/null || no "installed --version"
# ... and its mail module (LIBDIR/briefpress/briefpress-mail.so), which only
# `newsletter` loads: no other command needs GMime or libcurl
ldd "$prefix/bin/briefpress" | grep -E 'libgmime|libcurl' >/dev/null && no "the installed CLI links GMime or libcurl at start"
"$prefix/bin/briefpress" newsletter "$brief" -o "$work/nl" --from a@example.org --to b@example.org \
  > "$work/nl.log" 2>&1 || no "the installed newsletter failed: $(cat "$work/nl.log")"
ls "$work/nl/"*.eml >/dev/null 2>&1 || no "the installed newsletter wrote no .eml"
# ... and its image module (LIBDIR/briefpress/briefpress-image.so), which only
# a document with an image loads: no librsvg or gdk-pixbuf at start
[[ -e $libdir/briefpress/briefpress-image.so ]] || no "not installed: $libdir/briefpress/briefpress-image.so"
ldd "$prefix/bin/briefpress" "$libdir/libbriefpress.so" | grep -E 'librsvg|libgdk_pixbuf' >/dev/null &&
  no "the installed CLI or library links librsvg or gdk-pixbuf at start"
"$prefix/bin/briefpress" render "$svg_brief" -o "$work/cli-svg.pdf" 2> "$work/cli-svg.err" ||
  no "the installed CLI failed on an SVG: $(cat "$work/cli-svg.err")"

# pkg-config, shared library
export PKG_CONFIG_PATH=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs briefpress) || no "pkg-config --cflags --libs briefpress failed"
cc -std=c11 -Wall -Wextra -Werror $san "$src/examples/render.c" $flags -Wl,-rpath,"$libdir" \
  -o "$work/example" 2> "$work/cc.log" || no "building the example: $(cat "$work/cc.log")"
"$work/example" "$brief" "$work/example.pdf" > "$work/example.out" || no "the example failed: $(cat "$work/example.out")"
cmp -s "$work/cli.pdf" "$work/example.pdf" || no "the example's PDF differs from the CLI's"
# the shared library finds the image module beside itself
"$work/example" "$svg_brief" "$work/example-svg.pdf" > "$work/example-svg.out" 2>&1 ||
  no "the example failed on an SVG: $(cat "$work/example-svg.out")"
cmp -s "$work/cli-svg.pdf" "$work/example-svg.pdf" || no "the example's SVG PDF differs from the CLI's"
grep -q "page(s)" "$work/example.out" || no "the example printed: $(cat "$work/example.out")"
ldd "$work/example" | grep "$libdir/libbriefpress.so" >/dev/null || no "the example did not link the installed library"
# a bad input: the message names the file
"$work/example" "$work/nonexistent.json" "$work/x.pdf" 2> "$work/bad.err" && no "the example succeeded on a missing input"
grep -q "nonexistent.json" "$work/bad.err" || no "the library's error does not name the file: $(cat "$work/bad.err")"

# the static library: libbriefpress.a, its dependencies shared (`pkg-config
# --static` wants every dependency's own static archive, which Debian does
# not ship for all of them: gmime's gpgme); Libs.private as briefpress.pc says
grep -q '^Libs.private: -lhpdf -lhyphen -lm -lpthread$' "$libdir/pkgconfig/briefpress.pc" || no "Libs.private changed: update this test"
sflags="-l:libbriefpress.a $(pkg-config --libs $(pkg-config --print-requires-private briefpress)) -lhpdf -lhyphen -lm -lpthread"
cc -std=c11 $san "$src/examples/render.c" $(pkg-config --cflags briefpress) -L"$libdir" $sflags \
  -o "$work/example-static" 2> "$work/cc-static.log" || no "building the static example: $(cat "$work/cc-static.log")"
ldd "$work/example-static" | grep libbriefpress >/dev/null && no "the static example links libbriefpress.so"
# (a program linked with libbriefpress.a lives anywhere: it finds the fonts in
# the configured prefix, or where BRIEFPRESS_FONTS says; this prefix is not that)
BRIEFPRESS_FONTS=$prefix/share/briefpress/fonts "$work/example-static" "$brief" "$work/static.pdf" > /dev/null ||
  no "the static example failed"
cmp -s "$work/cli.pdf" "$work/static.pdf" || no "the static example's PDF differs from the CLI's"

# the CMake package
cmake -S "$src/examples" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" > "$work/cmake.log" 2>&1 &&
  cmake --build "$work/cmake-build" > "$work/cmake-build.log" 2>&1 ||
  no "the CMake package: $(tail -5 "$work/cmake.log" "$work/cmake-build.log")"
"$work/cmake-build/render" "$brief" "$work/cmake.pdf" > /dev/null || no "the CMake-built example failed"
cmp -s "$work/cli.pdf" "$work/cmake.pdf" || no "the CMake-built example's PDF differs from the CLI's"

# staged with DESTDIR (as a package build does): the staged tree works where it is
DESTDIR=$work/stage cmake --install "$build" > "$work/destdir.log" 2>&1 || no "DESTDIR install: $(tail -3 "$work/destdir.log")"
staged=$(find "$work/stage" -path '*/bin/briefpress' -print -quit)
[[ -x $staged ]] || no "DESTDIR: no bin/briefpress under $work/stage"
"$staged" render "$brief" -o "$work/staged.pdf" 2> "$work/staged.err" || no "the staged CLI: $(cat "$work/staged.err")"
cmp -s "$work/cli.pdf" "$work/staged.pdf" || no "the staged CLI's PDF differs"

# an installed program run by a user who cannot write its fonts folder: it
# checks the fonts once and keeps their checksums in the user's cache
# ($XDG_CACHE_HOME or ~/.cache, briefpress/fonts.verified); the next start
# hashes nothing (the cache is not written again), and the PDF is the same
# bytes. Root runs it as nobody (a prefix under /tmp, which nobody can reach).
ro=$(mktemp -d /tmp/bp-install-ro-XXXXXX)
chmod 755 "$ro"
cmake --install "$build" --prefix "$ro/prefix" > "$work/install-ro.log" 2>&1 ||
  no "installing for the read-only case: $(tail -3 "$work/install-ro.log")"
rofonts=$(realpath "$ro/prefix/share/briefpress/fonts")
[[ -e $rofonts/.verified ]] && no "a checksum cache was installed: $rofonts/.verified"
mkdir -p "$ro/home" "$ro/out" && cp -r "$work/data" "$work/templates" "$ro/"
# (root needs to become another user for this: a container may not let it)
can_switch=1
if [[ $(id -u) == 0 ]]; then
  setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null || can_switch=0
fi
if [[ $can_switch == 0 ]]; then
  echo "install: note: root cannot run as another user here (setpriv); a fonts folder and a home" \
    "that cannot be written are left to unit/test_fonts"
else
  as_user=()
  if [[ $(id -u) == 0 ]]; then
    chown -R 65534:65534 "$ro/home" "$ro/out"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    chmod -R a-w "$rofonts"
  fi
  # (a sanitizer build runs without leak checks here: its suppressions file may
  # be where nobody can read it; unit/test_fonts checks this code for leaks)
  run_ro() {
    env -u XDG_CACHE_HOME -u BRIEFPRESS_FONTS -u LSAN_OPTIONS ASAN_OPTIONS=detect_leaks=0 \
      HOME="$ro/home" "${as_user[@]}" \
      "$ro/prefix/bin/briefpress" render "$ro/data/briefs/nk-missions.json" -o "$ro/out/$1.pdf" 2> "$ro/$1.err" ||
      no "the installed CLI, fonts folder not writable ($1): $(cat "$ro/$1.err")"
    [[ -s $ro/$1.err ]] && no "the installed CLI, fonts folder not writable ($1), printed: $(head -c 300 "$ro/$1.err")"
    cmp -s "$work/cli.pdf" "$ro/out/$1.pdf" || no "the PDF with the fonts folder not writable ($1) differs"
  }
  ucache=$ro/home/.cache/briefpress/fonts.verified
  run_ro first
  [[ $(grep -c "^$rofonts/[^/]*\.ttf	" "$ucache" 2> /dev/null) == "$n_fonts" ]] ||
    no "the user's cache does not have the $n_fonts fonts: $(head -c 300 "$ucache" 2>&1)"
  [[ -e $rofonts/.verified ]] && no "a user wrote the installed fonts folder's cache"
  was=$(stat -c '%i %y' "$ucache" 2>&1)
  run_ro second
  [[ $(stat -c '%i %y' "$ucache" 2>&1) == "$was" ]] || no "the second start wrote the user's cache again: it hashed the fonts"
  # ... and a user without a cache folder it can write (a service account
  # whose HOME is not its own): a private one, $TMPDIR/briefpress-UID (mode
  # 0700), so fontconfig prints no "No writable cache directories" and the
  # fonts are hashed once; not one that someone else made (or a link)
  uid=$(id -u)
  [[ $(id -u) == 0 ]] && uid=65534
  mkdir -m 1777 "$ro/tmp" "$ro/tmp2"
  run_nohome() {
    env -u XDG_CACHE_HOME -u BRIEFPRESS_FONTS -u LSAN_OPTIONS ASAN_OPTIONS=detect_leaks=0 \
      HOME=/nonexistent TMPDIR="$ro/$2" "${as_user[@]}" \
      "$ro/prefix/bin/briefpress" render "$ro/data/briefs/nk-missions.json" -o "$ro/out/$1.pdf" 2> "$ro/$1.err" ||
      no "the installed CLI without a home ($1): $(cat "$ro/$1.err")"
    cmp -s "$work/cli.pdf" "$ro/out/$1.pdf" || no "the PDF without a home ($1) differs"
  }
  run_nohome nohome1 tmp
  [[ -s $ro/nohome1.err ]] && no "without a home, the CLI printed: $(head -c 300 "$ro/nohome1.err")"
  own=$ro/tmp/briefpress-$uid
  [[ $(stat -c '%a %u' "$own" 2>&1) == "700 $uid" ]] || no "the private cache folder: $(stat -c '%a %u' "$own" 2>&1)"
  [[ $(grep -c "^$rofonts/[^/]*\.ttf	" "$own/briefpress/fonts.verified" 2> /dev/null) == "$n_fonts" ]] ||
    no "the private cache does not have the $n_fonts fonts"
  [[ -d $own/briefpress/fontconfig ]] || no "fontconfig's cache is not in the private cache folder"
  was=$(stat -c '%i %y' "$own/briefpress/fonts.verified" 2>&1)
  run_nohome nohome2 tmp
  [[ $(stat -c '%i %y' "$own/briefpress/fonts.verified" 2>&1) == "$was" ]] || no "the second start without a home hashed the fonts again"
  # someone else's folder under that name is not used, and not read: one of
  # root's (the run as nobody) or a link to another folder (a run as a user),
  # holding a checksum cache that vouches for a hash the font does not have
  foreign=$ro/tmp2/briefpress-$uid
  if [[ $(id -u) == 0 ]]; then
    mkdir -p "$foreign/briefpress" && bait=$foreign
  else
    mkdir -p "$ro/bait/briefpress" && chmod 700 "$ro/bait" && ln -s "$ro/bait" "$foreign" && bait=$ro/bait
  fi
  other=1111111111111111111111111111111111111111111111111111111111111111
  font=$rofonts/NotoSans-Regular.ttf
  printf '%s\t%s\t%s\t%s\n' "$font" "$(stat -c %s "$font")" "$(stat -c %Y "$font")" "$other" > "$bait/briefpress/fonts.verified"
  chmod u+w "$rofonts" "$rofonts/MANIFEST.tsv"
  sed -i "s/^NotoSans-Regular.ttf\t[0-9a-f]*/NotoSans-Regular.ttf\t$other/" "$rofonts/MANIFEST.tsv"
  [[ $(id -u) == 0 ]] || chmod a-w "$rofonts" "$rofonts/MANIFEST.tsv"
  env -u XDG_CACHE_HOME -u BRIEFPRESS_FONTS -u LSAN_OPTIONS ASAN_OPTIONS=detect_leaks=0 \
    HOME=/nonexistent TMPDIR="$ro/tmp2" "${as_user[@]}" \
    "$ro/prefix/bin/briefpress" render "$ro/data/briefs/nk-missions.json" -o "$ro/out/foreign.pdf" 2> "$ro/foreign.err" &&
    no "a checksum cache in someone else's folder vouched for a font"
  grep -q "NotoSans-Regular.ttf: font file differs from fonts/MANIFEST.tsv" "$ro/foreign.err" ||
    no "with a foreign cache folder: $(head -c 300 "$ro/foreign.err")"
  [[ $(find "$bait/" -mindepth 1 | wc -l) == 2 ]] || no "the CLI wrote into a cache folder not its own: $(find "$bait/" -mindepth 1 | head -3)"
fi
chmod -R u+w "$ro" && rm -rf "$ro"

if [[ $fail == 0 ]]; then echo "install: the example built three ways gives the CLI's bytes ($(stat -c %s "$work/cli.pdf") bytes)"; fi
exit $fail
