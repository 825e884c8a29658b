using System.IO.Compression;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Core.Tuning;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tuning;

namespace Eval.Torch.Tests.Tuning;

/// <summary>
/// The training-memory estimate against a real tuning's measured peak: it must never be below what training takes
/// (or a refused-nothing tuning could still be OOM-killed), and not so far above that it refuses what fits.
/// </summary>
public class TrainingMemoryPeakTests
{
    string work = "";

    [SetUp]
    public void Create() => work = TinyCheckpoint.TempDirectory();

    [TearDown]
    public void Remove() => Directory.Delete(work, recursive: true);

    /// <summary>A few hundred thousand characters of the zoo's training text: enough rows of 2,048 tokens, quick to tokenize.</summary>
    string TrainingText()
    {
        string folder = Path.Combine(work, "train");
        Directory.CreateDirectory(folder);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(RepositoryPaths.Require("suites/corpora/train/sotu.txt.gz")), CompressionMode.Decompress));
        var buffer = new char[400_000];
        int read = reader.ReadBlock(buffer);
        using var writer = new StreamWriter(new GZipStream(File.Create(Path.Combine(folder, "slice.txt.gz")), CompressionLevel.Fastest));
        writer.Write(buffer, 0, read);
        return folder;
    }

    [TestCase("full")]
    [TestCase("lora")]
    public void Estimate_TinyTuning_BoundsTheMeasuredPeakWithinAFactorOfThree(string method)
    {
        // Logits dominate at this size (vocabulary 4,096, hidden 32): tens of MiB each, far above allocator noise.
        string source = TinyCheckpoint.Write(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true)), Path.Combine(work, "source"));
        var values = new Dictionary<string, string> { ["from"] = source, ["strategy"] = "default", ["length"] = "2048", ["steps"] = "2", ["batch"] = "2" };
        if (method != "full") values["method"] = method;
        var recipe = TuneRecipe.Parse(values).Recipe!;
        var estimate = new TrainingMemory(ModelConfigReader.Read(Path.Combine(source, "config.json")), recipe).TotalBytes;
        string text = TrainingText();

        GC.Collect();
        long before = PeakMemory.CurrentBytes();
        string folder = new FineTuner(Path.Combine(work, "cache"), text).Ensure(recipe, "tiny", source, CheckpointLoader.Fingerprint(source), false, _ => { }, default);
        long grown = JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(Path.Combine(folder, TuneCard.FileName)))!.PeakBytes - before;

        TestContext.Out.WriteLine($"{method}: estimate {estimate / 1048576.0:F1} MiB, measured growth {grown / 1048576.0:F1} MiB");
        Assert.That(estimate, Is.GreaterThanOrEqualTo(grown), "the estimate is an upper bound of what training took");
        Assert.That(estimate, Is.LessThanOrEqualTo(3 * grown), "and not far above it");
    }
}
