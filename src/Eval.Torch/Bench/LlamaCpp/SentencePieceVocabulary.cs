using System.Text;

namespace Eval.Torch.Bench.LlamaCpp;

/// <summary>
/// The pieces, scores and types of a SentencePiece model, as llama.cpp's "llama" tokenizer reads them from GGUF
/// (tokenizer.ggml.tokens / scores / token_type; the type numbers are SentencePiece's own: 1 normal, 2 unknown,
/// 3 control, 4 user-defined, 5 unused, 6 byte).
/// </summary>
public sealed record SentencePieceVocabulary(IReadOnlyList<string> Pieces, IReadOnlyList<float> Scores, IReadOnlyList<int> Types)
{
    public const int Unknown = 0, Bos = 1, Eos = 2;

    /// <summary>
    /// Reads tokenizer.model: a protobuf ModelProto whose field 1 repeats SentencePiece {1: piece, 2: score, 3: type
    /// (default normal)}; every other field is skipped.
    /// </summary>
    public static SentencePieceVocabulary Read(string path)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        var proto = new ProtoReader(File.ReadAllBytes(path), path);
        while (!proto.End)
        {
            var (field, wire) = proto.Tag();
            if (field != 1 || wire != 2) { proto.Skip(wire); continue; }
            var piece = proto.Message();
            string text = "";
            float score = 0;
            int type = 1;
            while (!piece.End)
            {
                var (f, w) = piece.Tag();
                if (f == 1 && w == 2) text = Encoding.UTF8.GetString(piece.Bytes());
                else if (f == 2 && w == 5) score = piece.Float();
                else if (f == 3 && w == 0) type = (int)piece.Varint();
                else piece.Skip(w);
            }
            pieces.Add(text);
            scores.Add(score);
            types.Add(type);
        }
        if (pieces.Count == 0) throw new InvalidDataException($"{path}: no SentencePiece pieces found (not a tokenizer.model).");
        return new SentencePieceVocabulary(pieces, scores, types);
    }

    /// <summary>
    /// A stand-in vocabulary for weight-free synthetic models: unk, bos, eos, the 256 byte pieces (so llama.cpp can
    /// tokenize any text by byte fallback), then numbered normal pieces. Token ids only matter for speed, not their text.
    /// </summary>
    public static SentencePieceVocabulary Synthetic(int size)
    {
        if (size < 259) throw new ArgumentException($"A synthetic vocabulary needs at least 259 pieces (3 special + 256 bytes), not {size}.");
        var pieces = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { 2, 3, 3 };
        for (int b = 0; b < 256; b++) { pieces.Add($"<0x{b:X2}>"); types.Add(6); }
        for (int i = pieces.Count; i < size; i++) { pieces.Add($"\u2581t{i}"); types.Add(1); }
        return new SentencePieceVocabulary(pieces, pieces.Select((_, i) => -(float)i).ToList(), types);
    }

    private sealed class ProtoReader(byte[] data, string path, int start = 0, int end = -1)
    {
        private int position = start;
        private readonly int limit = end < 0 ? data.Length : end;

        public bool End => position >= limit;

        public (int Field, int Wire) Tag()
        {
            ulong tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Next();
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
            throw Corrupt("a varint longer than 10 bytes");
        }

        public float Float()
        {
            Need(4);
            float f = BitConverter.ToSingle(data, position);
            position += 4;
            return f;
        }

        public byte[] Bytes()
        {
            int length = Length();
            var bytes = data.AsSpan(position, length).ToArray();
            position += length;
            return bytes;
        }

        public ProtoReader Message()
        {
            int length = Length();
            var inner = new ProtoReader(data, path, position, position + length);
            position += length;
            return inner;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: Need(8); position += 8; break;
                case 2: { int length = Length(); position += length; break; }   // not "position += Length()": that adds to the position read before the length
                case 5: Need(4); position += 4; break;
                default: throw Corrupt($"wire type {wire}");
            }
        }

        private int Length()
        {
            ulong length = Varint();
            if (length > (ulong)(limit - position)) throw Corrupt("a field longer than its message");
            return (int)length;
        }

        private byte Next()
        {
            Need(1);
            return data[position++];
        }

        private void Need(int bytes)
        {
            if (position + bytes > limit) throw Corrupt("a truncated field");
        }

        private InvalidDataException Corrupt(string what) => new($"{path}: not a SentencePiece model ({what} at byte {position}).");
    }
}
