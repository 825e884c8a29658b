using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Core.Tuning;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tuning;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Tuning;

/// <summary>Fine-tuning a tiny random model on a slice of the zoo's training text: loss, checkpoint, cache and resume.</summary>
public class FineTunerTests
{
    string work = "", source = "", text = "";

    [OneTimeSetUp]
    public void CreateSourceAndText()
    {
        work = TinyCheckpoint.TempDirectory();
        source = TinyCheckpoint.Write(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true)), Path.Combine(work, "source"));
        text = TinyCheckpoint.TrainingTextSlice(Path.Combine(work, "train"));
    }

    [OneTimeTearDown]
    public void Remove() => Directory.Delete(work, recursive: true);

    static TuneRecipe Recipe(int steps = 30, string attention = "full", string method = "full")
    {
        var values = new Dictionary<string, string>
        {
            ["from"] = "source", ["strategy"] = "linear:factor=auto", ["length"] = "128", ["steps"] = steps.ToString(), ["lr"] = "0.01", ["warmup"] = "3",
        };
        if (attention != "full") values["attention"] = attention;
        if (method != "full") values["method"] = method;
        return TuneRecipe.Parse(values).Recipe!;
    }

    string Tune(string cache, TuneRecipe recipe, List<string> log, bool force = false, CancellationToken cancel = default) =>
        new FineTuner(Path.Combine(work, cache), text).Ensure(recipe, "tiny", source, CheckpointLoader.Fingerprint(source), force, log.Add, cancel);

    [Test]
    public void Ensure_FewSteps_LowersTheLossAndWritesACheckpointThatReloadsWithItsScaling()
    {
        var log = new List<string>();
        string folder = Tune("first", Recipe(), log);

        var card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(folder, TuneCard.FileName)))!;
        var losses = card.LossCurve.Select(p => p[1]).ToList();
        Assert.That(losses, Has.Count.EqualTo(30));
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(5).Average() - 1.0), "a random model's loss falls");
        Assert.That(card.TrainingTokens, Is.EqualTo(30 * 2 * 128));
        Assert.That(card.PeakBytes, Is.GreaterThan(0));

        var config = ModelConfigReader.Read(Path.Combine(folder, "config.json"));
        Assert.That(config.CarriedStrategy!.ToString(), Is.EqualTo("linear:factor=2"));
        Assert.That((config.MaxPositionEmbeddings, config.TrainedLength), Is.EqualTo((128, 64)));
        using var reloaded = TorchLanguageModel.Load(folder, ScalarType.Float32);
        Assert.That(reloaded.TrainedLength, Is.EqualTo(64));
        using var before = TorchLanguageModel.Load(source, ScalarType.Float32);
        Assert.That(reloaded.Model.parameters().Zip(before.Model.parameters()).Any(p => !p.First.allclose(p.Second, rtol: 0, atol: 0)), "weights changed");
    }

    [Test]
    public void Ensure_WithS2Attention_LowersTheLossAndTrainsOtherWeightsThanFullAttention()
    {
        string s2 = Tune("s2", Recipe(steps: 20, attention: "s2"), []);
        string full = Tune("full", Recipe(steps: 20), []);

        var card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(s2, TuneCard.FileName)))!;
        var losses = card.LossCurve.Select(p => p[1]).ToList();
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(5).Average() - 1.0));
        Assert.That(card.Recipe, Does.Contain("attention=s2;group_ratio=0.25;shift=segments"));
        var a = CheckpointWeights.Load(s2, ScalarType.Float32);
        var b = CheckpointWeights.Load(full, ScalarType.Float32);
        Assert.That(a.Any(p => !p.Value.allclose(b[p.Key], rtol: 0, atol: 0)), "groups of 32 tokens see less than full attention over 128");
    }

    [Test]
    public void Ensure_LongLoraRecipe_TrainsAdaptersEmbeddingsAndNormsButNotTheHeadAndWritesAMergedCheckpoint()
    {
        string folder = Tune("longlora", Recipe(steps: 20, attention: "s2", method: "lora-plus"), []);

        var card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(folder, TuneCard.FileName)))!;
        // 2 layers x (q 32x32, k 32x16, v 32x16, o 32x32) with rank 8: r x (in + out) each; + embeddings 4096 x 32; + 5 norms of 32.
        long lora = 2 * 8 * ((32 + 32) + (32 + 16) + (32 + 16) + (32 + 32));
        Assert.That(card.TrainableParameters, Is.EqualTo(lora + 4096 * 32 + 5 * 32));
        Assert.That((card.Method, card.Recipe), Is.EqualTo(("lora-plus", Recipe(20, "s2", "lora-plus").Canonical)));
        var losses = card.LossCurve.Select(p => p[1]).ToList();
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(5).Average() - 0.5));

        // LongLoRA trains the embeddings but never the head: the tied source is untied, its head a frozen copy.
        var tuned = CheckpointWeights.Load(folder, ScalarType.Float32);
        var original = CheckpointWeights.Load(source, ScalarType.Float32);
        Assert.That(tuned.Keys, Is.EquivalentTo(original.Keys.Append("lm_head.weight")), "merged (no adapter keys), plus the untied head");
        Assert.That(ModelConfigReader.Read(Path.Combine(folder, "config.json")).TieWordEmbeddings, Is.False);
        Assert.That(Same(tuned["lm_head.weight"], original["model.embed_tokens.weight"]), Is.True, "the head is the source's embeddings, bit for bit");
        Assert.That(Same(tuned["model.embed_tokens.weight"], original["model.embed_tokens.weight"]), Is.False, "the embeddings trained");
        Assert.That(Changed(tuned, original, "mlp"), Is.False, "the MLP was frozen");
        Assert.That(Changed(tuned, original, "q_proj"), Is.True, "LoRA merged into q_proj");
        Assert.That(Changed(tuned, original, "norm"), Is.True, "the norms trained");
    }

    // LongLoRA's ablation of LoRA+: only the norms, or only the embeddings, train beside the adapters.
    [TestCase("lora+norm", false, true)]
    [TestCase("lora+embed", true, false)]
    public void Ensure_LoraPlusAblation_TrainsOnlyItsPart(string method, bool embeddings, bool norms)
    {
        string folder = Tune(method.Replace('+', '-'), Recipe(steps: 10, method: method), []);

        var card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(folder, TuneCard.FileName)))!;
        long lora = 2 * 8 * ((32 + 32) + (32 + 16) + (32 + 16) + (32 + 32));
        Assert.That(card.TrainableParameters, Is.EqualTo(lora + (embeddings ? 4096 * 32 : 0) + (norms ? 5 * 32 : 0)));
        var tuned = CheckpointWeights.Load(folder, ScalarType.Float32);
        var original = CheckpointWeights.Load(source, ScalarType.Float32);
        Assert.That(tuned.ContainsKey("lm_head.weight"), Is.EqualTo(embeddings), "untied only when the embeddings train");
        Assert.That(ModelConfigReader.Read(Path.Combine(folder, "config.json")).TieWordEmbeddings, Is.EqualTo(!embeddings));
        Assert.That(Changed(tuned, original, "embed_tokens"), Is.EqualTo(embeddings));
        Assert.That(Changed(tuned, original, "norm"), Is.EqualTo(norms));
        Assert.That(Changed(tuned, original, "mlp"), Is.False);
    }

    /// <summary>Whether any weight whose name contains <paramref name="part"/> differs from the source's.</summary>
    static bool Changed(Dictionary<string, Tensor> tuned, Dictionary<string, Tensor> original, string part) =>
        original.Where(p => p.Key.Contains(part)).Any(p => !Same(tuned[p.Key], p.Value));

    static bool Same(Tensor a, Tensor b) => a.allclose(b, rtol: 0, atol: 0);

    [Test]
    public void Ensure_Cached_ReusesItUnlessForced()
    {
        var log = new List<string>();
        string folder = Tune("cached", Recipe(steps: 5), log);
        var written = File.GetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors"));

        log.Clear();
        Assert.That(Tune("cached", Recipe(steps: 5), log), Is.EqualTo(folder));
        Assert.That(log, Has.Exactly(1).Contains("cached"));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors")), Is.EqualTo(written));

        log.Clear();
        Tune("cached", Recipe(steps: 5), log, force: true);
        Assert.That(log, Has.Some.Contains("step 5/5"), "--force retrains");
    }

    [Test]
    public void Ensure_KilledAndRunAgain_ResumesAndEndsWithTheUninterruptedWeights()
    {
        string whole = Tune("whole", Recipe(), []);

        using var stop = new CancellationTokenSource();
        var log = new List<string>();
        void Watch(string line) { log.Add(line); if (line.Contains("step 27/30")) stop.Cancel(); }
        var tuner = new FineTuner(Path.Combine(work, "resumed"), text);
        Assert.Throws<OperationCanceledException>(() => tuner.Ensure(Recipe(), "tiny", source, CheckpointLoader.Fingerprint(source), false, Watch, stop.Token));
        Assert.That(Directory.Exists(tuner.FolderOf(Recipe().CacheKey(CheckpointLoader.Fingerprint(source)))), Is.False, "no half-written model in the cache");

        log.Clear();
        string resumed = Tune("resumed", Recipe(), log);
        Assert.That(log, Has.Some.Contains("resuming"));
        Assert.That(log, Has.None.Contains("step 25/30"), $"steps up to the saved state ({FineTuner.CheckpointEvery}) are not repeated");
        Assert.That(log, Has.Some.Contains("step 26/30"));
        var card = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(resumed, TuneCard.FileName)))!;
        Assert.That(card.LossCurve.Select(p => (int)p[0]), Is.EqualTo(Enumerable.Range(1, 30)),
            "steps 26 and 27, run before the kill and again after it, are in the curve (and training.log) once");

        var a = CheckpointWeights.Load(whole, ScalarType.Float32);
        var b = CheckpointWeights.Load(resumed, ScalarType.Float32);
        Assert.That(b.Keys, Is.EquivalentTo(a.Keys));
        foreach (var (key, tensor) in a)
            Assert.That((tensor - b[key]).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6f), key);
    }
}
