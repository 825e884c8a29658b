using Eval.Core.Tuning;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tuning;

namespace Eval.Torch.Tests.Tuning;

/// <summary>
/// A tuned model, or the state a tuning resumes from, that changed after it was written is refused with its file
/// named; a leftover without its card is replaced; two tunings of one key take turns.
/// </summary>
public class FineTunerDamageTests
{
    string work = "", source = "", text = "", fingerprint = "", killed = "";

    [OneTimeSetUp]
    public void CreateSourceTextAndAKilledTuning()
    {
        work = TinyCheckpoint.TempDirectory();
        source = TinyCheckpoint.Write(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true)), Path.Combine(work, "source"));
        text = TinyCheckpoint.TrainingTextSlice(Path.Combine(work, "train"));
        fingerprint = CheckpointLoader.Fingerprint(source);
        // A tuning killed after its first saved state (step 25): each state test damages a copy of this cache.
        killed = Path.Combine(work, "killed");
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => new FineTuner(killed, text).Ensure(Recipe(30), "tiny", source, fingerprint, false,
            line => { if (line.Contains("step 26/30")) stop.Cancel(); }, stop.Token));
    }

    [OneTimeTearDown]
    public void Remove() => Directory.Delete(work, recursive: true);

    static TuneRecipe Recipe(int steps) => TuneRecipe.Parse(new Dictionary<string, string>
    {
        ["from"] = "source", ["strategy"] = "linear:factor=auto", ["length"] = "128", ["steps"] = steps.ToString(), ["lr"] = "0.01", ["warmup"] = "1",
    }).Recipe!;

    string Key(int steps) => Recipe(steps).CacheKey(fingerprint);

    string Tune(string cache, int steps, List<string>? log = null, bool force = false) =>
        new FineTuner(cache, text).Ensure(Recipe(steps), "tiny", source, fingerprint, force, (log ?? []).Add, CancellationToken.None);

    /// <summary>A copy of the killed tuning's cache, to damage.</summary>
    string CopyOfKilled(string name)
    {
        string copy = Path.Combine(work, name);
        foreach (string file in Directory.GetFiles(killed, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(killed, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    static void FlipAByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    [Test]
    public void Ensure_CachedWeightsWithAFlippedBit_ThrowsNamingTheWeightsUntilForced()
    {
        string cache = Path.Combine(work, "flipped");
        string folder = Tune(cache, 3);
        FlipAByte(Path.Combine(folder, "model.safetensors"), new FileInfo(Path.Combine(folder, "model.safetensors")).Length - 5);

        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 3));
        Assert.That(e!.Message, Does.Contain(Path.Combine(folder, "model.safetensors")).And.Contain("damaged").And.Contain("--force"));

        var log = new List<string>();
        Assert.That(Tune(cache, 3, log, force: true), Is.EqualTo(folder));
        Assert.That(log, Has.Some.Contains("step 3/3"), "--force retrains");
        Assert.That(Tune(cache, 3), Is.EqualTo(folder), "the retrained model passes its check");
    }

    [Test]
    public void Ensure_CachedConfigEdited_ThrowsNamingConfigJson()
    {
        string cache = Path.Combine(work, "edited");
        string folder = Tune(cache, 3);
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"rope_theta\": 10000", "\"rope_theta\": 500000"));

        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 3));
        Assert.That(e!.Message, Does.StartWith(config + ": damaged"));
    }

    [Test]
    public void Ensure_CachedFolderWithoutItsCard_ReplacesItAndLeavesNoLeftovers()
    {
        string cache = Path.Combine(work, "cardless");
        string folder = Tune(cache, 3);
        File.Delete(Path.Combine(folder, TuneCard.FileName));

        var log = new List<string>();
        Assert.That(Tune(cache, 3, log), Is.EqualTo(folder));
        Assert.That(log, Has.Some.Contains($"has no {TuneCard.FileName}").And.Some.Contains("step 3/3"));
        Assert.That(File.Exists(Path.Combine(folder, TuneCard.FileName)));
        Assert.That(Directory.Exists(folder + ".partial") || Directory.Exists(folder + ".state"), Is.False);
    }

    [Test]
    public void Ensure_CacheFolderIsAFile_ThrowsSayingItMustBeAFolder()
    {
        string cache = Path.Combine(work, "tuned-file");
        File.WriteAllText(cache, "");

        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 3));
        Assert.That(e!.Message, Is.EqualTo($"{cache}: the tuned-model cache must be a folder, but a file is there; move that file away."));
    }

    [TestCase("model.state")]
    [TestCase("optimizer.state")]
    public void Ensure_SavedStateFileWithAFlippedBit_ThrowsNamingItBeforeTraining(string file)
    {
        string cache = CopyOfKilled("flipped-" + file);
        string path = Path.Combine(cache, Key(30) + ".state", "step-000025", file);
        FlipAByte(path, new FileInfo(path).Length / 2);

        var log = new List<string>();
        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 30, log));
        Assert.That(e!.Message, Does.StartWith(path + ": damaged"));
        Assert.That(log, Has.None.Contains("step 26/30"));
    }

    [Test]
    public void Ensure_SavedStateFileTruncated_ThrowsNamingIt()
    {
        string cache = CopyOfKilled("truncated");
        string path = Path.Combine(cache, Key(30) + ".state", "step-000025", "model.state");
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length / 2);

        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 30));
        Assert.That(e!.Message, Does.StartWith(path + ": damaged"));
    }

    [Test]
    public void Ensure_LatestTxtNotANumber_ThrowsNamingItBeforeTraining()
    {
        string cache = CopyOfKilled("latest");
        string path = Path.Combine(cache, Key(30) + ".state", "latest.txt");
        File.WriteAllText(path, "twenty-five");

        var log = new List<string>();
        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 30, log));
        Assert.That(e!.Message, Does.StartWith($"{path}: \"twenty-five\" is not a saved step"));
        Assert.That(log, Has.None.Contains("step 26/30"));
    }

    [Test]
    public void Ensure_TrainingLogWithAGarbledLine_ThrowsNamingItsLineBeforeTraining()
    {
        string cache = CopyOfKilled("log");
        string path = Path.Combine(cache, Key(30) + ".state", "training.log");
        var lines = File.ReadAllLines(path);
        lines[3] = "x\ty";
        File.WriteAllLines(path, lines);

        var log = new List<string>();
        var e = Assert.Throws<CheckpointException>(() => Tune(cache, 30, log));
        Assert.That(e!.Message, Does.StartWith($"{path}:4: \"x\ty\" is not a training log line"));
        Assert.That(log, Has.None.Contains("step 26/30"));
    }

    [Test]
    public void Ensure_TwoAtOnce_OneTrainsTheOtherWaitsAndReusesIt()
    {
        string cache = Path.Combine(work, "together");
        var logs = new[] { new List<string>(), new List<string>() };
        var folders = new string[2];
        var errors = new Exception?[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            try { folders[i] = Tune(cache, 10, logs[i]); }
            catch (Exception e) { errors[i] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(errors, Is.All.Null);
        Assert.That(folders[1], Is.EqualTo(folders[0]));
        Assert.That(logs.Count(l => l.Any(line => line.Contains("step 10/10"))), Is.EqualTo(1), "one trains");
        var waited = logs.Single(l => !l.Any(line => line.Contains("step 10/10")));
        Assert.That(waited, Has.Some.Contains("waiting for the same tuning").And.Contains($"process {Environment.ProcessId}"));
        Assert.That(waited, Has.Some.Contains("cached"));
        Assert.That(Directory.GetDirectories(cache).Select(Path.GetFileName), Is.EqualTo(new[] { Key(10) }), "no .state or .partial left");
    }
}
