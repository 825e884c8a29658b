using System.Text;
using Eval.Core.Runtime;
using Eval.Torch.Bench.LlamaCpp;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tokenization;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Bench;

/// <summary>
/// `eval gguf` (issue #34's llama.cpp comparison): the file is read back by a reader written here from
/// ggml/include/gguf.h, independently of the writer, and every tensor is checked against the model it came from.
/// </summary>
public class GgufExportTests
{
    static string ZooTokenizer => RepositoryPaths.Require("suites/zoo/tokenizer.model");

    [Test]
    public void Export_F32_HoldsLlamaMetadataTheVocabularyAndEveryTensorWithQkRowsInGgmlPairOrder()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());   // 2 layers, 4 heads, 2 kv heads, hd 8, untied
        var vocabulary = SentencePieceVocabulary.Read(ZooTokenizer);
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "tiny-f32.gguf");
        LlamaGguf.Write(path, model, vocabulary, ScalarType.Float32, "tiny");
        var file = GgufFile.Read(path);

        Assert.That(file.Values["general.architecture"], Is.EqualTo("llama"));
        Assert.That(file.Values["llama.block_count"], Is.EqualTo(2u));
        Assert.That(file.Values["llama.attention.head_count"], Is.EqualTo(4u));
        Assert.That(file.Values["llama.attention.head_count_kv"], Is.EqualTo(2u));
        Assert.That(file.Values["llama.rope.dimension_count"], Is.EqualTo(8u));
        Assert.That(file.Values["llama.rope.freq_base"], Is.EqualTo(10000f));
        Assert.That(((object[])file.Values["tokenizer.ggml.tokens"]).Length, Is.EqualTo(4096));
        Assert.That(file.Tensors.Keys, Is.EquivalentTo(new[] { "token_embd.weight", "output_norm.weight", "output.weight" }
            .Concat(Enumerable.Range(0, 2).SelectMany(i => new[] { "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down" }
                .Select(t => $"blk.{i}.{t}.weight")))));

        var weights = model.state_dict();
        Assert.That(file.Floats("token_embd.weight", out var embedDims), Is.EqualTo(Floats(weights["model.embed_tokens.weight"])));
        Assert.That(embedDims, Is.EqualTo(new ulong[] { 32, 4096 }), "ne[0] is the innermost dimension: (hidden, vocab)");
        Assert.That(file.Floats("blk.1.ffn_down.weight", out _), Is.EqualTo(Floats(weights["model.layers.1.mlp.down_proj.weight"])));
        // ggml rotates adjacent pairs; HF rotates (j, j + hd/2): GGUF row h*hd + 2j + half is HF row h*hd + half*hd/2 + j.
        foreach (var (gguf, hf, heads) in new[] { ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight", 4), ("blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight", 2) })
        {
            float[] written = file.Floats(gguf, out _), original = Floats(weights[hf]);
            int hd = 8, width = 32;
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < hd / 2; j++)
                    for (int half = 0; half < 2; half++)
                        Assert.That(written.AsSpan((h * hd + 2 * j + half) * width, width).ToArray(),
                            Is.EqualTo(original.AsSpan((h * hd + half * hd / 2 + j) * width, width).ToArray()), $"{gguf} head {h} pair {j} half {half}");
        }
    }

    [Test]
    public void Export_Bf16_WritesMatricesInBf16AndNormsInF32()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true));
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "tiny-bf16.gguf");
        LlamaGguf.Write(path, model, SentencePieceVocabulary.Read(ZooTokenizer), ScalarType.BFloat16, "tiny");
        var file = GgufFile.Read(path);
        Assert.That(file.Values["general.file_type"], Is.EqualTo(32u));
        Assert.That(file.Tensors["blk.0.ffn_up.weight"].Type, Is.EqualTo(30u));
        Assert.That(file.Tensors["blk.0.attn_norm.weight"].Type, Is.EqualTo(0u));
        Assert.That(file.Tensors.ContainsKey("output.weight"), Is.False, "a tied model has no output tensor: llama.cpp reuses token_embd");
        using var expected = model.state_dict()["model.layers.0.mlp.up_proj.weight"].to(ScalarType.BFloat16);
        Assert.That(file.Bytes("blk.0.ffn_up.weight"), Is.EqualTo(expected.contiguous().bytes.ToArray()));
    }

    [Test]
    public void Vocabulary_ReadFromTokenizerModel_IsInTheTokenizersIdOrder()
    {
        var vocabulary = SentencePieceVocabulary.Read(ZooTokenizer);
        var tokenizer = ModelTokenizer.Load(Path.GetDirectoryName(ZooTokenizer)!);
        const string text = "The State of the Union is strong, and the passkey is 42917.";
        string rebuilt = string.Concat(tokenizer.Encode(text).Select(id => vocabulary.Pieces[id])).Replace('\u2581', ' ');
        Assert.That(rebuilt.Trim(), Is.EqualTo(text));
        Assert.That((vocabulary.Pieces[0], vocabulary.Types[0]), Is.EqualTo(("<unk>", 2)));
    }

    [Test]
    public void Vocabulary_NotAProtobuf_IsRefusedNamingTheFile()
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "bad.model");
        File.WriteAllBytes(path, [0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]);   // field 1, length 4 GiB, 2 bytes present
        var error = Assert.Throws<InvalidDataException>(() => SentencePieceVocabulary.Read(path));
        Assert.That(error!.Message, Does.Contain(path).And.Contain("not a SentencePiece model"));
    }

    [Test]
    public void Unsupported_AlibiOrVocabularyMismatch_SaysWhy()
    {
        using var alibi = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Alibi));
        var vocabulary = SentencePieceVocabulary.Read(ZooTokenizer);
        Assert.That(LlamaGguf.Unsupported(alibi, vocabulary), Does.Contain("alibi"));
        using var rope = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        Assert.That(LlamaGguf.Unsupported(rope, SentencePieceVocabulary.Synthetic(1000)), Does.Contain("1000 pieces but the model 4096"));
        Assert.That(LlamaGguf.Unsupported(rope, vocabulary), Is.Null);
    }

    [Test]
    public void Write_FailingHalfway_LeavesNeitherTheFileNorItsTemporary()
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "half.gguf");
        var writer = new GgufWriter();
        writer.Add("general.name", "half");
        var tensor = ones(4, 4);
        writer.AddTensor("t", tensor);
        tensor.Dispose();   // the header is written before the tensor is read: the write fails after the file exists
        Assert.That(() => writer.Write(path), Throws.Exception);
        Assert.That(File.Exists(path), Is.False);
        Assert.That(File.Exists(path + ".tmp"), Is.False);
    }

    [Test]
    public void Cli_NonRopeModelOrUnknownType_ExitsTwoNamingTheProblem()
    {
        string output = Path.Combine(TestContext.CurrentContext.WorkDirectory, "x.gguf");
        var (exit, _, error) = global::Eval.Tests.Cli.CliRunner.Run("gguf", "--model", "zoo:alibi", "--out", output);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("zoo:alibi").And.Contain("RoPE only"));
        (exit, _, error) = global::Eval.Tests.Cli.CliRunner.Run("gguf", "--model", "zoo:rope-10k", "--out", output, "--type", "q4_0");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("q4_0"));
        Assert.That(File.Exists(output), Is.False);
    }

    static float[] Floats(Tensor t)
    {
        using var c = t.detach().contiguous();
        return c.data<float>().ToArray();
    }

    /// <summary>A GGUF v3 reader written from ggml/include/gguf.h (not from the writer): values, tensor infos, data.</summary>
    sealed class GgufFile
    {
        public Dictionary<string, object> Values { get; } = [];
        public Dictionary<string, (ulong[] Dims, uint Type, ulong Offset)> Tensors { get; } = [];
        byte[] data = [];
        long dataStart;

        public static GgufFile Read(string path)
        {
            var file = new GgufFile { data = File.ReadAllBytes(path) };
            using var reader = new BinaryReader(new MemoryStream(file.data));
            Assert.That(Encoding.ASCII.GetString(reader.ReadBytes(4)), Is.EqualTo("GGUF"));
            Assert.That(reader.ReadUInt32(), Is.EqualTo(3u));
            ulong tensorCount = reader.ReadUInt64(), valueCount = reader.ReadUInt64();
            for (ulong i = 0; i < valueCount; i++)
            {
                string key = String(reader);
                file.Values[key] = Value(reader, reader.ReadUInt32());
            }
            for (ulong i = 0; i < tensorCount; i++)
            {
                string name = String(reader);
                uint dims = reader.ReadUInt32();
                var shape = Enumerable.Range(0, (int)dims).Select(_ => reader.ReadUInt64()).ToArray();
                file.Tensors[name] = (shape, reader.ReadUInt32(), reader.ReadUInt64());
            }
            file.dataStart = (reader.BaseStream.Position + 31) / 32 * 32;
            return file;
        }

        public byte[] Bytes(string name)
        {
            var (dims, type, offset) = Tensors[name];
            long count = dims.Aggregate(1L, (a, d) => a * (long)d), size = count * (type == 0 ? 4 : 2);
            return data.AsSpan((int)(dataStart + (long)offset), (int)size).ToArray();
        }

        public float[] Floats(string name, out ulong[] dims)
        {
            dims = Tensors[name].Dims;
            Assert.That(Tensors[name].Type, Is.EqualTo(0u), name);
            byte[] bytes = Bytes(name);
            var floats = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
            return floats;
        }

        static string String(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));

        static object Value(BinaryReader r, uint type) => type switch
        {
            4 => r.ReadUInt32(),
            5 => r.ReadInt32(),
            6 => r.ReadSingle(),
            7 => r.ReadBoolean(),
            8 => String(r),
            9 => ArrayOf(r),
            _ => throw new AssertionException($"value type {type} not expected in a llama export"),
        };

        static object[] ArrayOf(BinaryReader r)
        {
            uint element = r.ReadUInt32();
            ulong count = r.ReadUInt64();
            return Enumerable.Range(0, (int)count).Select(_ => Value(r, element)).ToArray();
        }
    }
}
