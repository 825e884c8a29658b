using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Checkpoints;

/// <summary>
/// What Stryker's run over the checkpoint code (tests/mutation/SURVIVORS.md) showed no test held: the fingerprint that
/// names a model in every stored case, the shard layout and index the writer produces, the keys transformers also
/// ignores on load, and hostile safetensors headers that were accepted.
/// </summary>
public class CheckpointEdgeTests
{
    string dir = "";

    [SetUp] public void Create() => dir = TinyCheckpoint.TempDirectory();
    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    [Test]
    public void Fingerprint_IsSha256OfConfigThenShardsInOrdinalOrder_AndFollowsEveryByte()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string first = TinyCheckpoint.Write(model, Path.Combine(dir, "a"), shardBytes: 200_000);
        string[] shards = Directory.GetFiles(first, "model-*-of-*.safetensors").Order(StringComparer.Ordinal).ToArray();
        Assert.That(shards, Has.Length.GreaterThan(1));
        string fingerprint = CheckpointLoader.Fingerprint(first);
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            foreach (string file in shards.Prepend(Path.Combine(first, "config.json"))) sha.AppendData(File.ReadAllBytes(file));
            Assert.That(fingerprint, Is.EqualTo(Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant()[..16]));
        }
        string copy = TinyCheckpoint.Write(model, Path.Combine(dir, "b"), shardBytes: 200_000);
        Assert.That(CheckpointLoader.Fingerprint(copy), Is.EqualTo(fingerprint), "the folder's name is not part of it");

        byte[] last = File.ReadAllBytes(shards[^1]);
        last[^1] ^= 1; // one bit of the last weight
        File.WriteAllBytes(Path.Combine(copy, Path.GetFileName(shards[^1])), last);
        Assert.That(CheckpointLoader.Fingerprint(copy), Is.Not.EqualTo(fingerprint), "a weight changed");
        File.AppendAllText(Path.Combine(first, "config.json"), " ");
        Assert.That(CheckpointLoader.Fingerprint(first), Is.Not.EqualTo(fingerprint), "the config changed");
    }

    static Dictionary<string, Tensor> SixteenBytesEach(params string[] names) => names.ToDictionary(n => n, _ => ones(4));

    [Test]
    public void Save_Sharded_FillsShardsInKeyOrderAndWritesAnIndexWithTheTotalSize()
    {
        using var scope = NewDisposeScope();
        string folder = Path.Combine(dir, "new", "model"); // Save creates it
        CheckpointWeights.Save(folder, SixteenBytesEach("c", "a", "b"), shardBytes: 32);
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, CheckpointWeights.IndexFile)))!;
        Assert.That(index["metadata"]!["total_size"]!.GetValue<long>(), Is.EqualTo(48));
        var map = index["weight_map"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        Assert.That(map, Is.EqualTo(new Dictionary<string, string>
        {
            ["a"] = "model-00001-of-00002.safetensors", ["b"] = "model-00001-of-00002.safetensors", ["c"] = "model-00002-of-00002.safetensors",
        }));
        using var shard = SafetensorsFile.Open(Path.Combine(folder, "model-00001-of-00002.safetensors"));
        Assert.That(shard.Entries.Keys, Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(shard.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt" }), "transformers refuses a file without format pt");
    }

    [Test]
    public void Save_TensorLargerThanTheShardSize_GetsAShardOfItsOwnAndNoShardIsEmpty()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(dir, SixteenBytesEach("a", "b"), shardBytes: 8);
        Assert.That(Directory.GetFiles(dir, "*.safetensors").Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" }));
    }

    [Test]
    public void Load_RotaryCacheAndTiedLmHeadInTheFile_AreIgnoredAsTransformersDoes()
    {
        using var scope = NewDisposeScope();
        using var original = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true));
        TinyCheckpoint.Write(original, dir);
        var weights = original.state_dict().ToDictionary(p => p.Key, p => p.Value);
        Assert.That(weights.Keys, Has.No.Member("lm_head.weight"));
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"];
        weights["model.layers.0.self_attn.rotary_emb.inv_freq"] = ones(4);
        CheckpointWeights.Save(dir, weights);
        using var loaded = CheckpointLoader.Load(dir, ScalarType.Float32).Model;
        var ids = arange(3, 20, dtype: ScalarType.Int64).view(1, -1);
        using var noGrad = no_grad();
        Assert.That(loaded.Logits(loaded.Hidden(ids, loaded.Shape.NativeStrategy()))
            .eq(original.Logits(original.Hidden(ids, original.Architecture.NativeStrategy()))).all().item<bool>(), Is.True);
    }

    [Test]
    public void Load_IndexNamingATensorItsShardLacksOrAMissingShard_IsNamed()
    {
        using var scope = NewDisposeScope();
        CheckpointWeights.Save(dir, SixteenBytesEach("a", "b", "c"), shardBytes: 32);
        string index = Path.Combine(dir, CheckpointWeights.IndexFile);
        var json = JsonNode.Parse(File.ReadAllText(index))!;
        json["weight_map"]!["z"] = "model-00001-of-00002.safetensors";
        File.WriteAllText(index, json.ToJsonString());
        Assert.That(Assert.Throws<CheckpointException>(() => CheckpointWeights.Load(dir, ScalarType.Float32))!.Message,
            Is.EqualTo($"{index}: maps \"z\" to model-00001-of-00002.safetensors, which has no such tensor."));
        File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        Assert.That(Assert.Throws<CheckpointException>(() => CheckpointWeights.Load(dir, ScalarType.Float32))!.Message,
            Is.EqualTo($"{index}: shard model-00002-of-00002.safetensors is listed but missing."));
    }
}
